"""A small genuinely non-convex net: three tanh units fitting a wave, where random starts end in minima of different depth.

``TanhNet`` is ``x -> sum_j c_j tanh(a_j x + b_j) + d`` (one input, ``hidden`` tanh units, one output).
With three units the wave ``sin(3x)`` on ``[-2, 2]`` can be fitted well, but only if each unit takes
one of its bends; many random starts instead settle where the units share the work badly, and full-batch
gradient descent, which only ever goes downhill, stays there. So restarts end at clearly *different*
losses, while one continued run only ever descends in the valley it entered.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..checks import check_int
from ..data import make_generator
from ..landscape import loss_along_line
from .restarts import Restarts


class TanhNet(nn.Module):
    """``y = sum_j c_j tanh(a_j x + b_j) + d`` with ``hidden`` units; every weight drawn in ``(-scale, scale)``."""

    def __init__(self, hidden: int = 3, *, seed: int = 0, scale: float = 2.0):
        super().__init__()
        check_int("hidden", hidden, 1)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ValueError(f"Invalid scale: {scale!r} (expected a number > 0)")
        self.scale = float(scale)
        self.first = nn.utils.skip_init(nn.Linear, 1, hidden)  # skip_init: no draw from torch's global RNG
        self.second = nn.utils.skip_init(nn.Linear, hidden, 1)
        self.reset_parameters(make_generator(seed))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw fresh weights uniformly in ``(-scale, scale)``."""
        for p in self.parameters():
            p.copy_((torch.rand(p.shape, generator=generator) * 2 - 1) * self.scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(torch.tanh(self.first(x)))


def make_wave_data(n_samples: int = 64, *, noise: float = 0.05, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``y = sin(3x) + noise`` at ``n_samples`` evenly spaced ``x`` in ``[-2, 2]``; shapes (N, 1) and (N, 1)."""
    check_int("n_samples", n_samples, 2)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(f"Invalid noise: {noise!r} (expected a number >= 0)")
    x = torch.linspace(-2.0, 2.0, n_samples).unsqueeze(1)
    y = torch.sin(3 * x) + noise * torch.randn(x.shape, generator=make_generator(seed))
    return x, y


def spread(restarts: Restarts) -> float:
    """Worst final loss over best final loss across the restarts: 1 when they all tie."""
    ends = np.asarray(restarts.end_losses, dtype=np.float64)
    return float(ends.max() / ends.min())


def boundary_jumps(restarts: Restarts) -> np.ndarray:
    """At each restart boundary: the next restart's first loss minus the previous restart's last loss."""
    starts, ends = restarts.start_losses, restarts.end_losses
    return np.array([starts[r + 1] - ends[r] for r in range(len(ends) - 1)], dtype=np.float64)


def largest_rise(losses: list[float] | np.ndarray) -> float:
    """The largest increase of a loss curve from one epoch to the next, relative to the earlier loss (<= 0: never rose)."""
    values = np.asarray(losses, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError("Invalid losses: expected a 1-D sequence of at least two values")
    return float(np.max((values[1:] - values[:-1]) / values[:-1]))


def best_and_worst(restarts: Restarts) -> tuple[int, int]:
    """Indices of the restart that ended lowest and the one that ended highest."""
    ends = np.asarray(restarts.end_losses)
    return int(ends.argmin()), int(ends.argmax())


def line_between(model: nn.Module, X: torch.Tensor, y: torch.Tensor, restarts: Restarts, i: int, j: int,
                 *, points: int = 51) -> tuple[np.ndarray, np.ndarray]:
    """``(t, loss)`` on the straight line from restart ``i``'s final weights (t = 0) to restart ``j``'s (t = 1)."""
    for name, index in (("i", i), ("j", j)):
        check_int(name, index, 0, len(restarts.histories) - 1)
    weights = restarts.final_weights
    return loss_along_line(model, X, y, weights[i], weights[j], points=points)

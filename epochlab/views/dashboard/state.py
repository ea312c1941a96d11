"""The dashboard's state without any widget: data, settings, the plan of the run on screen, branches.

A run follows a plan (see :mod:`.engine`): one segment of settings from epoch 1, plus one per branch.
A branch is made only on purpose (``branch_at``) and always at an epoch boundary: a cursor inside an
epoch snaps back to the boundary before it. While a branch exists, new settings apply to the part
after the last branch point; :meth:`Session.clear_branch` makes the run one segment again. The
``epochs`` setting is the length of the whole run, branch or not. ``reset`` restores the weights of
iteration 0, ``reinit`` draws the same weights for epoch e as a run without a branch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ...checks import check_int
from ...data import make_linear_data
from ...landscape import least_squares, loss_grid, mse
from ...model import LinearNet, flat_weights
from .engine import MODES, Run, Segment, run_plan
from .timeline import Timeline

TRUE_WEIGHTS = (2.0, -3.0)  # the rule behind the data: y = 2 x1 - 3 x2 + noise
# Held-out data: another stream of the same rule (torch seeds its generator from 32 bits: s + 2**32 would repeat s).
VALIDATION_SEED = 2_000_003
#: What the controls can show; a value outside is refused (ValueError naming it), never silently clamped.
LIMITS: dict[str, tuple[float, float]] = {"lr": (1e-3, 2.0), "epochs": (1, 60), "noise": (0.0, 2.0),
                                           "steps_per_point": (1, 20), "seed": (0, 2**31 - 1)}


@dataclass(frozen=True)
class Settings:
    """Everything a control can change."""

    lr: float = 0.05
    batch_size: int = 8
    epochs: int = 20
    between_epochs: str = "keep"
    shuffle: bool = True
    seed: int = 0
    noise: float = 0.5
    steps_per_point: int = 3

    def data_key(self) -> tuple[int, float]:
        """What the dataset depends on: a change regenerates it."""
        return self.seed, self.noise

    def segment(self, first_epoch: int) -> Segment:
        """These settings as a plan segment starting at ``first_epoch``."""
        return Segment(first_epoch, float(self.lr), int(self.batch_size), self.between_epochs, bool(self.shuffle),
                       int(self.steps_per_point))


def check_settings(s: Settings, n_samples: int) -> None:
    """ValueError naming the setting when a control could not show it."""
    for name, (low, high) in {**LIMITS, "batch_size": (1, n_samples)}.items():
        value = getattr(s, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"Invalid {name}: {value!r} (the dashboard's control shows {low:g} .. {high:g})")
        if name != "lr" and name != "noise" and value != int(value):
            raise ValueError(f"Invalid {name}: {value!r} (expected a whole number)")
    if s.between_epochs not in MODES:
        raise ValueError(f"Invalid between_epochs: {s.between_epochs!r} (expected one of {MODES})")
    if not isinstance(s.shuffle, bool):
        raise ValueError(f"Invalid shuffle: {s.shuffle!r} (expected a bool)")


class Session:
    """Data (cached per seed and noise), the loss surface (cached with it), and the run on screen."""

    def __init__(self, settings: Settings | None = None, *, n_samples: int = 64, resolution: int = 240):
        check_int("n_samples", n_samples, 2, 4096)
        self.n_samples = n_samples
        self.resolution = resolution
        self.settings = Settings()
        self.plan: list[Segment] = []
        self._data_key: tuple[int, float] | None = None
        self.timeline: Timeline
        self.X: torch.Tensor
        self.y: torch.Tensor
        self.minimum: np.ndarray
        self.grid: tuple[np.ndarray, np.ndarray, np.ndarray]
        self.data_version = 0  # counts datasets: the figure repaints the loss surface when it changes
        self.train(settings or Settings())

    @property
    def branch_steps(self) -> tuple[int, ...]:
        """The iterations at which the run on screen branched (epoch boundaries), oldest first."""
        return self.timeline.branch_steps

    @property
    def steps_per_epoch(self) -> int:
        """Iterations in one epoch with the current settings."""
        s = self.settings
        if s.between_epochs == "point":
            return self.n_samples * s.steps_per_point
        return math.ceil(self.n_samples / min(s.batch_size, self.n_samples))

    def train(self, settings: Settings, *, branch_at: int | None = None, fresh: bool = False) -> None:
        """Run ``settings``: from scratch, after the last branch, or branching at ``branch_at`` (snapped).

        Nothing is stored unless training succeeds: after a failure the session still shows the old run.
        """
        check_settings(settings, self.n_samples)
        new_data = settings.data_key() != self._data_key
        if new_data or fresh:
            plan = [settings.segment(1)]  # new data: the kept steps were measured on data that no longer exists
        elif branch_at is not None:
            epoch = self.timeline.epochs_done_at(self.timeline.snap(branch_at))
            plan = [s for s in self.plan if s.first_epoch <= epoch] + [settings.segment(epoch + 1)]
            plan = plan if epoch else [settings.segment(1)]  # a branch at iteration 0 is a fresh run
        elif len(self.plan) > 1:
            plan = self.plan[:-1] + [settings.segment(self.plan[-1].first_epoch)]
        else:
            plan = [settings.segment(1)]
        plan = [s for s in plan if s.first_epoch <= settings.epochs]  # a branch past the end is gone
        data = self._data(settings) if new_data else None
        X, y = data[:2] if data else (self.X, self.y)
        w0 = flat_weights(LinearNet(2, bias=False, seed=settings.seed)).numpy()
        run = run_plan(X, y, w0, plan, epochs=int(settings.epochs), seed=int(settings.seed))
        # success: now store everything at once
        if data:
            self.X, self.y, self.minimum, self.grid = data
            self._data_key = settings.data_key()
            self.data_version += 1
        self.settings, self.plan = settings, plan
        self.timeline = Timeline(run, branch_steps=self._branch_steps(run, plan), val_loss=self._val_loss(run))

    def clear_branch(self) -> None:
        """One segment again: the whole run with the current settings."""
        self.train(self.settings, fresh=True)

    def _val_loss(self, run: Run) -> np.ndarray:
        """The held-out loss at the start and at every epoch end: 64 fresh samples from the same rule and noise."""
        s = self.settings
        X_val, y_val = make_linear_data(self.n_samples, TRUE_WEIGHTS, noise=s.noise, seed=s.seed + VALIDATION_SEED)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(mse(X_val, y_val, np.vstack([run.starts[:1], run.ends]), bias=False))

    @staticmethod
    def _branch_steps(run: Run, plan: list[Segment]) -> tuple[int, ...]:
        ends = run.epoch_end_step
        return tuple(int(ends[s.first_epoch - 2]) for s in plan[1:] if s.first_epoch - 2 < len(ends))

    def _data(self, s: Settings) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, Any]:
        X, y = make_linear_data(self.n_samples, TRUE_WEIGHTS, noise=s.noise, seed=s.seed)
        minimum = least_squares(X, y, bias=False)
        # The view holds the initial weights and the minimum, whatever the seed: the grid is computed once.
        lo = np.minimum(minimum, -1.0) - 1.0
        hi = np.maximum(minimum, 1.0) + 1.0
        center, span = (lo + hi) / 2, (hi - lo) / 2
        grid = loss_grid(X, y, center, span=(span[0], span[1]), resolution=self.resolution, bias=False)
        return X, y, minimum, grid

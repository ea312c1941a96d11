"""The models: a linear net (convex loss), a two-layer deep-linear net (non-convex loss) and a small MLP."""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

import torch
from torch import nn

from .checks import check_bool, check_int
from .data import make_generator


class LinearNet(nn.Module):
    """``y = x @ W.T + b``: no activation, initial weights a function of ``seed`` alone."""

    def __init__(self, n_features: int, n_outputs: int = 1, *, bias: bool = True, seed: int = 0):
        super().__init__()
        self.n_features, self.n_outputs = check_int("n_features", n_features, 1), check_int("n_outputs", n_outputs, 1)
        n_features, n_outputs = self.n_features, self.n_outputs
        # skip_init: nn.Linear's own initialisation would draw from torch's global RNG.
        self.linear = nn.utils.skip_init(nn.Linear, n_features, n_outputs, bias=check_bool("bias", bias))
        self.reset_parameters(make_generator(seed))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw fresh weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as ``nn.Linear`` does."""
        bound = 1.0 / math.sqrt(self.n_features)
        for p in self.parameters():
            p.copy_(torch.rand(p.shape, generator=generator) * 2 * bound - bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class DeepLinearNet(nn.Module):
    """``y = x @ W1.T @ w2``: linear in what it can express, but its loss is non-convex.

    With one hidden unit, ``(W1, w2)`` and ``(-W1, -w2)`` give the same function, so the loss
    has (at least) two mirror-image basins separated by a ridge at ``w2 = 0``.
    """

    def __init__(self, n_features: int, hidden: int = 1, *, seed: int = 0):
        super().__init__()
        n_features, hidden = check_int("n_features", n_features, 1), check_int("hidden", hidden, 1)
        self.n_features, self.n_outputs = n_features, 1
        self.first = nn.utils.skip_init(nn.Linear, n_features, hidden, bias=False)  # no global-RNG draw
        self.second = nn.utils.skip_init(nn.Linear, hidden, 1, bias=False)
        self.reset_parameters(make_generator(seed))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw fresh weights uniformly in (-1, 1)."""
        for p in self.parameters():
            p.copy_(torch.rand(p.shape, generator=generator) * 2 - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(x))


ACTIVATIONS = ("relu", "tanh")


class MLP(nn.Module):
    """A multi-layer perceptron: Linear layers with ``activation`` between them, no activation on the output.

    ``hidden`` is one width or a sequence of widths. The initial weights are a function of
    ``seed`` alone (a local generator; torch's global RNG is never touched).
    """

    def __init__(self, n_in: int, hidden: int | Sequence[int], n_out: int, *, activation: str = "relu", seed: int = 0):
        super().__init__()
        check_int("n_in", n_in, 1)
        widths = [hidden] if isinstance(hidden, int) and not isinstance(hidden, bool) else hidden
        if not isinstance(widths, Sequence) or isinstance(widths, str) or len(widths) == 0:
            raise ValueError(f"Invalid hidden: {hidden!r} (expected an int >= 1 or a non-empty sequence of them)")
        for width in widths:
            check_int("hidden", width, 1)
        check_int("n_out", n_out, 1)
        if activation not in ACTIVATIONS:
            raise ValueError(f"Invalid activation: {activation!r} (expected one of {ACTIVATIONS})")
        # n_features, n_outputs: what check_data reads
        self.n_features, self.n_outputs, self.activation = n_in, n_out, activation
        sizes = [n_in, *widths, n_out]
        # skip_init: nn.Linear's own initialisation would draw from torch's global RNG.
        self.layers = nn.ModuleList(nn.utils.skip_init(nn.Linear, a, b) for a, b in zip(sizes, sizes[1:]))
        self.reset_parameters(make_generator(seed))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw fresh weights and biases, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) per layer as ``nn.Linear`` does."""
        for layer in self.layers:
            assert isinstance(layer, nn.Linear)
            bound = 1.0 / math.sqrt(layer.in_features)
            for p in (layer.weight, layer.bias):
                p.copy_(torch.rand(p.shape, generator=generator) * 2 * bound - bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = torch.relu if self.activation == "relu" else torch.tanh
        *inner, last = self.layers
        for layer in inner:
            x = act(layer(x))
        return last(x)


def flat_weights(model: nn.Module) -> torch.Tensor:
    """All parameters as one new 1-D tensor (a copy: later training never changes it)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])  # cat always allocates: a copy


@torch.no_grad()
def set_flat_weights(model: nn.Module, weights: torch.Tensor) -> None:
    """Load a 1-D vector made by :func:`flat_weights` back into ``model``."""
    weights = torch.as_tensor(weights)
    n_params = sum(p.numel() for p in model.parameters())
    if weights.ndim != 1 or weights.numel() != n_params:
        raise ValueError(
            f"Invalid weights: shape {tuple(weights.shape)}, expected ({n_params},) for this model"
        )
    offset = 0
    for p in model.parameters():
        p.copy_(weights[offset : offset + p.numel()].reshape(p.shape))
        offset += p.numel()


def reinitialize(model: nn.Module, generator: torch.Generator) -> None:
    """Fresh random weights from ``generator`` (the explicit call; training never does it silently)."""
    reset = getattr(model, "reset_parameters", None)
    # Ours take the generator; torch layers' reset_parameters() takes none and draws from the global RNG.
    if callable(reset) and inspect.signature(reset).parameters:
        reset(generator)
        return
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=generator) * 2 - 1)

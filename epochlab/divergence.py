"""When training goes wrong: a loss that cannot even start, one that overflows, and one that runs away.

``history.diverged``: the loss became non-finite (overflow) and training stopped there.
``history.diverging``: the loss stayed finite but ended more than ``DIVERGING_FACTOR`` (1000) times
above its starting value; training ran to its end, but the weights are running away (lr too large).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

DIVERGING_FACTOR = 1e3


def is_diverging(epoch_loss: Sequence[float]) -> bool:
    """The last epoch's loss is finite and more than ``DIVERGING_FACTOR`` times the starting loss."""
    if len(epoch_loss) < 2 or not epoch_loss[0] > 0:
        return False
    return math.isfinite(epoch_loss[-1]) and epoch_loss[-1] > DIVERGING_FACTOR * epoch_loss[0]


def diverging_message(epoch_loss: Sequence[float], lr: float) -> str:
    return (f"The loss grew from {epoch_loss[0]:.3g} to {epoch_loss[-1]:.3g} (more than {DIVERGING_FACTOR:g} times its "
            f"starting value) in {len(epoch_loss) - 1} epochs: the learning rate lr={lr:g} is too large for this data "
            "and the weights are running away (history.diverging is set).")


@torch.no_grad()
def starting_loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor, names: tuple[str, str] = ("X", "y")) -> float:
    """The mean-squared error of the starting weights, refused unless the output has ``y``'s shape and the loss is finite.

    A loss that overflows before any step is not the learning rate's fault: the message says what is too large.
    """
    xn, yn = names
    output = model(X)
    if output.shape != y.shape:  # never broadcast a (N, 1) target against a (N, k) output
        raise ValueError(f"Invalid {yn}: shape {tuple(y.shape)}, but the model's output has shape {tuple(output.shape)}")
    loss = F.mse_loss(output, y).item()
    if math.isfinite(loss):
        return loss
    weights = max(float(p.abs().max()) for p in model.parameters())
    if not math.isfinite(weights):
        raise ValueError("Invalid model: its weights are not finite (did an earlier fit diverge?); re-initialise it")
    raise ValueError(
        f"Invalid {xn}, {yn}: the loss of the starting weights overflows {y.dtype} before any step "
        f"(largest |{xn}| {float(X.abs().max()):.3g}, |{yn}| {float(y.abs().max()):.3g}, |weight| {weights:.3g}): "
        "the data are too large for this dtype; scale them down (or use float64)"
    )

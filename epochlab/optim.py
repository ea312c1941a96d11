"""Optimizers for ``fit``: built by name or passed in (so their state outlives one call), and the per-epoch lr."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from .checks import OPTIMIZERS, check_lr


def make_optimizer(name: str, params: Iterable[nn.Parameter] | object, lr: float) -> torch.optim.Optimizer:
    """``"sgd"``, ``"momentum"`` (SGD with momentum 0.9) or ``"adam"``."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)  # type: ignore[arg-type]
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)  # type: ignore[arg-type]
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)  # type: ignore[arg-type]
    raise ValueError(f"Invalid optimizer: {name!r} (expected one of {OPTIMIZERS})")


def resolve_optimizer(
    optimizer: str | torch.optim.Optimizer, model: nn.Module, lr: float, *, scheduled: bool
) -> torch.optim.Optimizer:
    """A fresh optimizer for a name; an instance is checked (bound to exactly ``model``'s parameters) and reused.

    A reused instance keeps its state (momentum buffers, Adam moments). Its learning rate must be
    ``lr`` so that ``History.lr`` and the divergence warning tell the truth, unless ``scheduled``
    (an ``lr_schedule`` then sets the rate before the first step anyway).
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        return make_optimizer(optimizer, model.parameters(), lr)
    bound = [p for group in optimizer.param_groups for p in group["params"]]
    params = list(model.parameters())
    if len(bound) != len(params) or {id(p) for p in bound} != {id(p) for p in params}:
        raise ValueError(
            f"Invalid optimizer: it holds {len(bound)} parameter tensors that are not exactly the model's "
            f"{len(params)} (build it from model.parameters() of this model)"
        )
    rates = sorted({float(group["lr"]) for group in optimizer.param_groups})
    if not scheduled and rates != [float(lr)]:
        raise ValueError(f"Invalid lr: lr={lr!r}, but the optimizer's learning rate is {rates} (pass the same value)")
    return optimizer


class ScheduleError(ValueError):
    """An ``lr_schedule`` returned a bad rate mid-run: fit then leaves the model and the optimizer as they were."""


def epoch_rate(lr_schedule: Callable[[int], float] | None, lr: float, dtype: torch.dtype) -> Callable[[int], float]:
    """The learning rate of epoch ``k`` (from 1): ``lr`` throughout, or ``lr_schedule(k)`` checked when it is asked for.

    Lazy, one epoch at a time: nothing is stored per epoch, so ``epochs`` may be huge (with ``EarlyStopping``).
    """
    if lr_schedule is None:
        return lambda epoch: lr
    if not callable(lr_schedule):
        raise ValueError(f"Invalid lr_schedule: {lr_schedule!r} (expected a function epoch -> learning rate, or None)")

    def scheduled(epoch: int) -> float:
        try:
            return check_lr(lr_schedule(epoch), dtype, name="lr_schedule", where=f" for epoch {epoch}")
        except ValueError as error:
            raise ScheduleError(str(error)) from None


    return scheduled

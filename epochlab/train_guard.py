"""What surrounds every training run: grad mode, one run per model, and the caller's state restored afterwards."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from .callbacks import Callback
from .model import flat_weights, set_flat_weights
from .optim import ScheduleError

_RUNNING: set[int] = set()  # ids of the models and callbacks of the runs in progress


@contextmanager
def training_run(model: nn.Module, callbacks: Sequence[Callback], opt: torch.optim.Optimizer) -> Iterator[None]:
    """Train inside: gradients on, whatever the caller's mode (``torch.no_grad()``, ``inference_mode()``).

    Afterwards, also after an error or a Ctrl-C, the caller's grad mode and the optimizer's learning
    rates (an ``lr_schedule`` changes them) are as they were. A second run on the same model or with
    the same callbacks while one is in progress (a callback calling ``fit``) is refused: its epochs
    would interleave with the outer run's in every record. A bad rate from an ``lr_schedule`` fails
    the call with the model's weights and the optimizer's state put back as they were.
    """
    if not isinstance(callbacks, (list, tuple)) or not all(isinstance(cb, Callback) for cb in callbacks):
        raise TypeError(f"Invalid callbacks: {callbacks!r} (expected a list of epochlab Callback objects)")
    ids = {id(model)} | {id(cb) for cb in callbacks}
    if ids & _RUNNING:
        raise ValueError("Invalid model, callbacks: fit is already training this model or with these callbacks "
                         "(a callback cannot start another fit on them; start it after this one returns)")
    rates = [group["lr"] for group in opt.param_groups]
    start_weights, start_state = flat_weights(model), copy.deepcopy(opt.state_dict()) if opt.state else None
    grad_enabled = torch.is_grad_enabled()
    _RUNNING.update(ids)
    try:
        with torch.inference_mode(False), torch.enable_grad():
            yield
    except ScheduleError:
        set_flat_weights(model, start_weights)
        opt.state.clear()
        if start_state is not None:
            opt.load_state_dict(start_state)
        raise
    finally:
        _RUNNING.difference_update(ids)
        for group, rate in zip(opt.param_groups, rates):
            group["lr"] = rate
        torch.set_grad_enabled(grad_enabled)  # even if an interrupt left torch's own context managers half-exited

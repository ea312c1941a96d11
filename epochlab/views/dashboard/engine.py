"""A numpy engine for the linear net: the same SGD-on-MSE steps as ``fit``, ~50x cheaper per step.

The dashboard retrains on every slider move, and torch's autograd costs ~0.1-0.3 ms per tiny
step. This module replays :func:`epochlab.train.fit` and :func:`~epochlab.train.train_point_by_point`
in float32 numpy with the SAME data order (``epoch_batches`` on ``make_generator(seed)``) and the
SAME re-initialisation draws (``reinitialize`` on fit's own reinit generator), and records every
weight vector it moves through. ``tests/test_fastlinear.py`` checks it against ``fit`` weight by weight.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ...callbacks import History
from ...checks import check_batch_size, check_data, check_int, check_training_args
from ...data import epoch_batches, iterations_per_epoch, make_generator
from ...model import LinearNet, flat_weights, reinitialize, set_flat_weights
from ...train import reinit_generator


@dataclass
class Trace:
    """Every weight vector of a run: ``starts[e]``/``ends[e]`` bound epoch e+1, ``after[t]`` follows step t+1."""

    starts: list[np.ndarray] = field(default_factory=list)
    ends: list[np.ndarray] = field(default_factory=list)
    after: list[np.ndarray] = field(default_factory=list)
    epoch_of_step: list[int] = field(default_factory=list)


def fast_fit(
    model: LinearNet, X: torch.Tensor, y: torch.Tensor, *, epochs: int, lr: float, batch_size: int | None = None,
    shuffle: bool = True, seed: int = 0, between_epochs: str = "keep", drop_last: bool = False,
) -> tuple[History, Trace]:
    """:func:`epochlab.fit` with ``optimizer="sgd"``, in numpy; the model ends with the same weights.

    fit's other options (``optimizer``, ``lr_schedule``, ``validation``, ...) are not parameters here:
    passing one is a ``TypeError`` naming it, never silently ignored.
    """
    n_samples = check_data(model, X, y)
    check_training_args(epochs=epochs, lr=lr, optimizer="sgd", between_epochs=between_epochs)
    size = check_batch_size(batch_size, n_samples)
    order_generator = make_generator(seed)

    def schedule(epoch: int) -> list[np.ndarray]:
        batches = epoch_batches(n_samples, size, shuffle=shuffle, generator=order_generator, drop_last=drop_last)
        return [b.numpy() for b in batches]

    steps = iterations_per_epoch(n_samples, size, drop_last=drop_last)
    history = History(steps_per_epoch=steps, batch_size=size, n_samples=n_samples, lr=lr, drop_last=drop_last)
    return _run(model, X, y, schedule, history, epochs=epochs, between_epochs=between_epochs, seed=seed)


def fast_point_by_point(
    model: LinearNet, X: torch.Tensor, y: torch.Tensor, *, steps_per_point: int, lr: float, epochs: int = 1,
) -> tuple[History, Trace]:
    """:func:`epochlab.train_point_by_point` (the asker's loop), in numpy."""
    n_samples = check_data(model, X, y)
    check_training_args(epochs=epochs, lr=lr, optimizer="sgd", between_epochs="keep")
    check_int("steps_per_point", steps_per_point, 1)
    points = [np.array([i]) for i in range(n_samples) for _ in range(steps_per_point)]
    history = History(steps_per_epoch=n_samples * steps_per_point, batch_size=1, n_samples=n_samples, lr=lr)
    return _run(model, X, y, lambda epoch: points, history, epochs=epochs, between_epochs="keep", seed=0)


def _run(
    model: LinearNet, X: torch.Tensor, y: torch.Tensor, schedule: Callable[[int], list[np.ndarray]],
    history: History, *, epochs: int, between_epochs: str, seed: int,
) -> tuple[History, Trace]:
    if not isinstance(model, LinearNet) or model.linear.out_features != 1:
        raise ValueError(f"Invalid model: the fast engine handles a one-output LinearNet, got {type(model).__name__}")
    # A column of ones makes the bias one more weight: the flat order (weight, then bias) of flat_weights.
    bias = model.linear.bias is not None
    Xa = X.numpy().astype(np.float32)
    if bias:
        Xa = np.hstack([Xa, np.ones((len(Xa), 1), dtype=np.float32)])
    target = y.numpy().reshape(-1).astype(np.float32)
    lr32 = np.float32(history.lr)
    w = flat_weights(model).numpy().astype(np.float32)
    start_weights = w.copy()
    reinit = reinit_generator(seed)  # fit's own stream for reinit draws
    trace = Trace()
    history.epoch_loss.append(_loss(Xa, target, w))
    with np.errstate(all="ignore"):  # overflow is detected below, as fit detects it: a non-finite loss
        for epoch in range(1, epochs + 1):
            if epoch > 1 and between_epochs == "reset":
                w = start_weights.copy()
            elif epoch > 1 and between_epochs == "reinit":
                reinitialize(model, reinit)  # the very draw fit makes, from the same generator
                w = flat_weights(model).numpy().astype(np.float32)
            trace.starts.append(w.copy())
            history.epoch_lr.append(float(history.lr))  # as fit records it (no lr_schedule here)
            epoch_sum, epoch_count = 0.0, 0
            for batch in schedule(epoch):
                xb, residual = Xa[batch], Xa[batch] @ w - target[batch]
                value = float(np.mean(residual * residual, dtype=np.float32))
                history.step_loss.append(value)
                if not math.isfinite(value):
                    return _diverged(model, history, trace, w, epoch, len(history.step_loss))
                # d/dw mean(r^2) = (2/B) X_b^T r: the gradient autograd computes for MSE.
                w = w - lr32 * ((np.float32(2.0 / len(batch)) * residual) @ xb)
                trace.after.append(w)
                trace.epoch_of_step.append(epoch)
                epoch_sum, epoch_count = epoch_sum + value * len(batch), epoch_count + len(batch)
            end_loss = _loss(Xa, target, w)
            if not math.isfinite(end_loss):
                return _diverged(model, history, trace, w, epoch, len(history.step_loss))
            trace.ends.append(w.copy())
            history.epoch_loss.append(end_loss)
            history.running_loss.append(epoch_sum / epoch_count)
    set_flat_weights(model, torch.from_numpy(w.copy()))
    return history, trace


def _loss(Xa: np.ndarray, target: np.ndarray, w: np.ndarray) -> float:
    residual = Xa @ w - target
    return float(np.mean(residual * residual, dtype=np.float32))


def _diverged(model: LinearNet, history: History, trace: Trace, w: np.ndarray, epoch: int, step: int) -> tuple[History, Trace]:
    history.mark_diverged(epoch, step, stacklevel=4)  # _diverged <- _run <- fast_fit: point at the caller's line
    set_flat_weights(model, torch.from_numpy(w.copy()))
    return history, trace

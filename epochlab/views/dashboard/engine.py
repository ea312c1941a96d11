"""The dashboard's engine: ``fit``'s SGD-on-MSE steps for the linear net, cheap enough for every slider move.

A run follows a *plan*: a list of :class:`Segment` (settings from one epoch on). One segment is exactly
:func:`epochlab.fit` (or :func:`~epochlab.train.train_point_by_point` in mode ``"point"``); a branch adds a
segment. The data order of epoch ``e`` is the ``e``-th ``randperm`` of ``make_generator(seed)`` whatever the
settings (drawn every epoch), and a ``reinit`` epoch ``e`` gets the ``e``-th draw of fit's reinit stream, so
a branch with nothing changed is the same run, bit for bit. ``reset`` restores the run's initial weights.

Speed: mini-batch steps run in plain Python floats on the two weights (no array overhead); the asker's
loop uses the closed form of repeated steps on one point (the residual shrinks by ``q = 1 - 2 lr |x|^2``
per step), vectorised over the steps. ``fit`` computes in float32, so overflow is float32's: a loss
above its largest value is a non-finite loss, as fit sees it. ``tests/test_fastlinear.py`` checks
every weight and loss against ``fit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ...data import make_generator
from ...model import LinearNet, flat_weights, reinitialize
from ...train import reinit_generator
from .closed_form import point_epoch

F32_MAX = float(np.finfo(np.float32).max)
MODES = ("keep", "reset", "reinit", "point")


@dataclass(frozen=True)
class Segment:
    """The settings used from epoch ``first_epoch`` (from 1) on, until the next segment."""

    first_epoch: int
    lr: float
    batch_size: int
    between_epochs: str
    shuffle: bool
    steps_per_point: int


@dataclass
class Run:
    """Every step of a run: losses, weights after each step, and where each epoch starts and ends."""

    w0: np.ndarray  # initial weights
    step_loss: np.ndarray  # (T,) mini-batch loss of every step that updated the weights
    after: np.ndarray  # (T, d) weights after each step
    step_epoch: np.ndarray  # (T,) epoch (from 1) of each step
    step_samples: np.ndarray  # (T,) samples seen once the step is done
    starts: np.ndarray  # (E, d) weights each begun epoch starts from (after any reset / reinit)
    ends: np.ndarray  # (E', d) weights at the end of each completed epoch
    epoch_loss: np.ndarray  # (E'+1,) full-dataset loss at the start, then at each epoch end
    epoch_end_step: np.ndarray  # (E',) steps done at each epoch end
    overflow_step: int  # 0, or the step (from 1) whose loss was not finite in float32: fit's "diverged"

    @property
    def steps(self) -> int:
        """Steps that updated the weights."""
        return len(self.step_loss)


def run_plan(X: torch.Tensor, y: torch.Tensor, w0: np.ndarray, plan: list[Segment], *, epochs: int,
             seed: int) -> Run:
    """Train from ``w0`` for ``epochs`` epochs following ``plan`` (its first segment starts at epoch 1)."""
    if not plan or plan[0].first_epoch != 1:
        raise ValueError("Invalid plan: the first segment must start at epoch 1")
    Xn = X.detach().numpy().astype(np.float64)
    yn = y.detach().numpy().reshape(-1).astype(np.float64)
    n, d = Xn.shape
    if d != 2 or np.asarray(w0).size != 2:
        raise ValueError(f"Invalid X: the dashboard engine trains two weights, got {d} features")
    rows, targets = Xn.tolist(), yn.tolist()
    order = make_generator(seed)
    draws = _reinit_draws(seed, epochs) if any(s.between_epochs == "reinit" for s in plan) else None
    start = np.asarray(w0, dtype=np.float64).reshape(d)
    w = start.copy()
    losses: list[np.ndarray] = []
    afters: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    starts, ends, end_steps = [], [], []
    epoch_loss = [_full_loss(Xn, yn, w)]
    overflow, done = 0, 0
    for epoch in range(1, epochs + 1):
        seg = [s for s in plan if s.first_epoch <= epoch][-1]
        perm = torch.randperm(n, generator=order).tolist()  # every epoch: epoch e's order never depends on settings
        draw = draws[epoch - 2] if draws is not None and epoch > 1 else None
        if epoch > 1 and seg.between_epochs == "reset":
            w = start.copy()
        elif epoch > 1 and seg.between_epochs == "reinit" and draw is not None:
            w = draw
        starts.append(w.copy())
        if seg.between_epochs == "point":
            loss, after, w, bad = point_epoch(Xn, yn, w, seg.lr, seg.steps_per_point)
            size = np.ones(len(loss))
        else:
            order_e = perm if seg.shuffle else list(range(n))
            loss, after, w, bad, size = _batch_epoch(rows, targets, w, seg.lr, min(seg.batch_size, n), order_e)
        losses.append(loss)
        afters.append(after)
        sizes.append(size)
        done += len(loss)
        if bad:
            overflow = done + 1
            break
        end_loss = _full_loss(Xn, yn, w)
        if not end_loss <= F32_MAX:
            overflow = done + 1  # fit stops at the non-finite epoch-end loss too
            break
        ends.append(w.copy())
        end_steps.append(done)
        epoch_loss.append(end_loss)
    step_epoch = np.concatenate([np.full(len(v), e + 1) for e, v in enumerate(losses)]) if losses else np.zeros(0)
    return Run(
        w0=start, step_loss=_cat(losses, (0,)), after=_cat(afters, (0, d)), step_epoch=step_epoch.astype(int),
        step_samples=np.cumsum(_cat(sizes, (0,))), starts=np.array(starts).reshape(-1, d),
        ends=np.array(ends).reshape(-1, d), epoch_loss=np.array(epoch_loss), epoch_end_step=np.array(end_steps, int),
        overflow_step=overflow)


_DRAWS: dict[int, tuple[torch.Generator, LinearNet, list[np.ndarray]]] = {}


def _reinit_draws(seed: int, epochs: int) -> list[np.ndarray]:
    """fit's reinit draws for epochs 2, 3, ... (the very draws, from fit's generator), cached per seed."""
    if seed not in _DRAWS:
        if len(_DRAWS) > 16:
            _DRAWS.pop(next(iter(_DRAWS)))
        _DRAWS[seed] = (reinit_generator(seed), LinearNet(2, bias=False), [])
    generator, model, draws = _DRAWS[seed]
    while len(draws) < epochs - 1:
        reinitialize(model, generator)
        draws.append(flat_weights(model).numpy().astype(np.float64))
    return draws


def _cat(parts: list[np.ndarray], empty: tuple[int, ...]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty)


def _full_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        r = X @ w - y
        total = float(np.sum(r * r))
    return total / len(y) if total <= F32_MAX else math.inf


def _batch_epoch(rows: list[list[float]], targets: list[float], w: np.ndarray, lr: float, size: int,
                 order: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, np.ndarray]:
    """One epoch of mini-batch SGD in Python floats on two weights: loss before each step, weights after it."""
    w1, w2 = float(w[0]), float(w[1])
    losses, afters, sizes = [], [], []
    bad = False
    for first in range(0, len(order), size):
        g1 = g2 = total = 0.0
        batch = order[first:first + size]
        for i in batch:
            x1, x2 = rows[i]
            r = w1 * x1 + w2 * x2 - targets[i]
            total += r * r
            g1 += r * x1
            g2 += r * x2
        if not total <= F32_MAX:  # float32 would overflow: fit's non-finite loss, no update
            bad = True
            break
        scale = 2.0 * lr / len(batch)  # d/dw mean(r^2) = (2/B) X_b^T r: the gradient autograd computes
        w1, w2 = w1 - scale * g1, w2 - scale * g2
        losses.append(total / len(batch))
        afters.append((w1, w2))
        sizes.append(len(batch))
    return (np.array(losses), np.array(afters).reshape(-1, 2), np.array([w1, w2]), bad, np.array(sizes, float))

"""Random restarts against continued training, at equal compute; basins of the one-hidden-unit deep-linear net.

A *restart* throws the weights away and starts gradient descent again from a fresh random draw:
what the question imagines every epoch does. ``run_restarts`` runs K of them, each ``fit`` for its
own number of epochs, and lays their per-epoch losses end to end on one epoch axis, so they can be
drawn against one run of the same total number of epochs (the same number of iterations).

For ``DeepLinearNet(n, hidden=1)`` the function is ``x -> w2 * (W1 . x)``, so ``(W1, w2)`` and
``(-W1, -w2)`` are the same net: every minimum has a mirror image. The *basin* of a weight vector is
the sign of ``w2`` (its last weight). On the *ridge* ``w2 = 0`` the net outputs 0 for every input,
so the loss there is ``mean(y^2)`` whatever ``W1`` is: two basins, one wall of known height.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..callbacks import History
from ..callbacks_extra import ProgressBar
from ..checks import check_int
from ..landscape import hessian, least_squares, mse
from ..model import set_flat_weights
from ..snapshots import WeightSnapshots
from ..train import dataset_loss, fit

#: Restart r draws its weights from seed ``seed + r * SEED_STRIDE``: restart 0 uses ``seed`` itself, and
#: runs with different seeds (below the stride) never share a restart.
SEED_STRIDE = 1_000_003


@dataclass
class Restarts:
    """What :func:`run_restarts` measured: one ``History`` and one weight record per restart."""

    histories: list[History]
    seeds: list[int]
    epoch_weights: list[torch.Tensor]  # restart r: (epochs_r + 1, P), its weights at epoch 0, 1, ..., epochs_r

    @property
    def epochs(self) -> list[int]:
        """Epochs each restart trained for."""
        return [h.epochs_completed for h in self.histories]

    @property
    def steps(self) -> int:
        """Iterations (weight updates) spent by all restarts together: the compute."""
        return sum(h.epochs_completed * h.steps_per_epoch for h in self.histories)

    @property
    def initial_weights(self) -> torch.Tensor:
        """(K, P): the random weights each restart started from."""
        return torch.stack([w[0] for w in self.epoch_weights])

    @property
    def final_weights(self) -> torch.Tensor:
        """(K, P): the weights each restart ended with."""
        return torch.stack([w[-1] for w in self.epoch_weights])

    @property
    def start_losses(self) -> list[float]:
        """Full-dataset loss of each restart's initial weights."""
        return [h.epoch_loss[0] for h in self.histories]

    @property
    def end_losses(self) -> list[float]:
        """Full-dataset loss of each restart's final weights."""
        return [h.epoch_loss[-1] for h in self.histories]

    def starts(self) -> list[int]:
        """The epoch (on the shared axis) at which each restart begins: 0, E_0, E_0 + E_1, ..."""
        return [int(s) for s in np.cumsum([0, *self.epochs[:-1]])]

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """``(epoch, loss)`` of every restart end to end; each boundary epoch appears twice (end, then new start)."""
        x = np.concatenate([s + np.arange(e + 1) for s, e in zip(self.starts(), self.epochs)])
        return x.astype(np.float64), np.concatenate([np.asarray(h.epoch_loss, dtype=np.float64) for h in self.histories])

    def weight_curve(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """``(epoch, weight[index])`` end to end, on the same axis as :meth:`curve`."""
        x = self.curve()[0]
        return x, torch.cat([w[:, index] for w in self.epoch_weights]).double().numpy()


def split_epochs(total: int, restarts: int) -> list[int]:
    """``total`` epochs shared by ``restarts`` runs as evenly as possible (sizes differ by at most one)."""
    check_int("restarts", restarts, 1)
    if isinstance(total, bool) or not isinstance(total, int) or total < restarts:
        raise ValueError(f"Invalid total: {total!r} (expected an int >= restarts={restarts})")
    base, extra = divmod(total, restarts)
    return [base + 1 if r < extra else base for r in range(restarts)]


def run_restarts(
    model_factory: Callable[[int], nn.Module],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    restarts: int,
    epochs: int | Sequence[int],
    lr: float,
    batch_size: int | None = None,
    seed: int = 0,
    optimizer: str = "sgd",
    progress: str | None = None,
) -> Restarts:
    """Restart ``r`` is ``model_factory(seed + r * SEED_STRIDE)``, trained by ``fit`` for ``epochs`` (or ``epochs[r]``).

    Every restart sees the same data order (``fit(seed=seed)``), so restart 0 and one long run from
    ``model_factory(seed)`` share their first epochs exactly; only the initial weights differ between restarts.
    ``progress`` (a description, e.g. ``"restarts"``) shows a ``tqdm.auto`` bar: one tick per restart, or
    per epoch when there is a single restart (one long run).
    """
    check_int("restarts", restarts, 1)
    per_restart = [epochs] * restarts if isinstance(epochs, int) else list(epochs)
    if len(per_restart) != restarts:
        raise ValueError(f"Invalid epochs: {len(per_restart)} values for restarts={restarts}")
    if any(isinstance(e, bool) or not isinstance(e, int) or e < 1 for e in per_restart):
        raise ValueError(f"Invalid epochs: {epochs!r} (expected ints >= 1)")
    seeds = [seed + r * SEED_STRIDE for r in range(restarts)]
    histories, weights = [], []
    runs, per_epoch = zip(seeds, per_restart), progress is not None and restarts == 1
    for restart_seed, n_epochs in runs if progress is None or per_epoch else tqdm(list(runs), desc=progress):
        model, snapshots = model_factory(restart_seed), WeightSnapshots(every="epoch")
        bar = [ProgressBar(n_epochs, description=str(progress))] if per_epoch else []
        histories.append(fit(model, X, y, epochs=n_epochs, lr=lr, batch_size=batch_size, seed=seed,
                             optimizer=optimizer, callbacks=[snapshots, *bar]))
        weights.append(snapshots.trajectory())  # the start, then every epoch end (keep: starts repeat ends)
    return Restarts(histories=histories, seeds=seeds, epoch_weights=weights)


def basin(weights: torch.Tensor | np.ndarray) -> np.ndarray:
    """The basin of one-hidden-unit ``DeepLinearNet`` weights: the sign of ``w2`` (the last weight), +1 or -1.

    Takes one flat weight vector (P,) or a stack (T, P); 0 means exactly on the ridge ``w2 = 0``.
    """
    array = np.asarray(weights, dtype=np.float64)
    if array.ndim not in (1, 2) or array.shape[-1] < 2:
        raise ValueError(f"Invalid weights: shape {array.shape}, expected (P,) or (T, P) with P >= 2")
    return np.sign(array[..., -1]).astype(int)


def basin_changes(weights: torch.Tensor | np.ndarray) -> list[int]:
    """Indices ``t`` of a (T, P) weight path where the basin differs from the one at ``t - 1``."""
    signs = basin(weights)
    if signs.ndim != 1:
        raise ValueError("Invalid weights: expected a (T, P) path of weight vectors")
    return [int(t) for t in np.flatnonzero(signs[1:] != signs[:-1]) + 1]


def loss_at(model: nn.Module, X: torch.Tensor, y: torch.Tensor, weights: torch.Tensor) -> float:
    """Load ``weights`` into ``model`` (it keeps them) and return its full-dataset loss there."""
    set_flat_weights(model, weights)
    return dataset_loss(model, X, y)


def ridge_loss(y: torch.Tensor | np.ndarray) -> float:
    """``mean(y^2)``: the loss of a net that outputs 0 everywhere, hence the loss everywhere on ``w2 = 0``."""
    target = np.asarray(y, dtype=np.float64)
    if target.size == 0:
        raise ValueError("Invalid y: it is empty")
    return float(np.mean(target**2))


def start_loss_floor(X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray) -> float:
    """A lower bound on the loss of ANY initial weights of ``DeepLinearNet(n, hidden=1)`` (drawn in (-1, 1)).

    The net computes ``x . p`` with ``p = w2 * W1``, and a fresh draw puts ``p`` in the box
    ``[-1, 1]^n``. The loss is ``L_min + (p - p*)^T C (p - p*)`` with ``C = X^T X / N`` and ``p*``
    the least-squares solution, so it is at least ``L_min + lambda_min(C) * dist(p*, box)^2``.
    """
    best = least_squares(X, y, bias=False)
    outside = np.maximum(np.abs(best) - 1.0, 0.0)  # how far p* lies outside the box, per coordinate
    curvature = float(np.linalg.eigvalsh(hessian(X, bias=False) / 2).min())
    return float(mse(X, y, best, bias=False)) + curvature * float(outside @ outside)


def ridge_crossing(start: torch.Tensor, end: torch.Tensor) -> float:
    """The ``t`` in [0, 1] where the segment ``start + t (end - start)`` crosses ``w2 = 0`` (needs opposite basins)."""
    a, b = float(start[-1]), float(end[-1])
    if not a * b < 0:
        raise ValueError(f"Invalid start, end: w2 = {a:g} and {b:g} are not of opposite signs")
    return a / (a - b)


def barrier(losses: Sequence[float] | np.ndarray) -> float:
    """How far the loss along a path rises above its higher endpoint (0 if it never does)."""
    values = np.asarray(losses, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError("Invalid losses: expected a 1-D sequence of at least two values")
    return float(max(values.max() - max(values[0], values[-1]), 0.0))

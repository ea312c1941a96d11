"""Notebook 07: train vs validation loss per epoch; early stopping rewinds to the best epoch's weights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..callbacks import Callback, History
from ..callbacks_extra import EarlyStopping, RestoreBest
from ..digits import DigitsSplit, load_digits_split
from ..model import MLP
from ..snapshots import WeightSnapshots
from ..train import fit


@dataclass(frozen=True)
class OverfitSetup:
    """A small training split and a wide net, so that it overfits within seconds."""

    seed: int = 0
    n_train: int = 100
    hidden: int = 64
    epochs: int = 60
    lr: float = 0.01
    batch_size: int = 20

    def data(self) -> DigitsSplit:
        """``n_train`` training images and the 360 validation images."""
        return load_digits_split(self.n_train, seed=self.seed)


@dataclass
class ValidationRun:
    """One Adam run with a validation set: the net, its history, its epoch captures and the callbacks used."""

    model: MLP
    history: History
    snapshots: WeightSnapshots
    early_stopping: EarlyStopping | None = None
    restore_best: RestoreBest | None = None


class _EachEpoch(Callback):
    """Call ``tick()`` at every epoch end (e.g. a tqdm bar's ``update``)."""

    def __init__(self, tick: Callable[[], object]):
        self.tick = tick

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        self.tick()


def train_with_validation(setup: OverfitSetup, *, patience: int | None = None,
                          progress: Callable[[], object] | None = None) -> ValidationRun:
    """Train ``MLP(64, hidden, 10, seed)``; ``patience``: stop early and rewind to the best validation loss.

    ``progress()`` is called at every epoch end (e.g. a tqdm bar's ``update``).
    """
    data = setup.data()
    net = MLP(64, setup.hidden, 10, seed=setup.seed)
    snapshots = WeightSnapshots()
    stopping = EarlyStopping(patience) if patience is not None else None
    best = RestoreBest() if patience is not None else None
    ticks = _EachEpoch(progress) if progress is not None else None
    callbacks = [snapshots, *(cb for cb in (stopping, best, ticks) if cb is not None)]
    history = fit(net, data.X_train, data.y_train, epochs=setup.epochs, lr=setup.lr, batch_size=setup.batch_size,
                  seed=setup.seed, optimizer="adam", loss="cross_entropy", validation=(data.X_val, data.y_val),
                  callbacks=callbacks)
    return ValidationRun(net, history, snapshots, stopping, best)


def turning_point(history: History) -> int:
    """The epoch with the lowest validation loss: where more epochs stop helping."""
    return history.best_epoch("val_loss")


def overfitting_summary(history: History) -> dict[str, float]:
    """Train and validation loss at the best epoch and at the end, and how far validation rose."""
    best, end = turning_point(history), history.epochs_completed
    return {
        "best_epoch": best,
        "train_loss_best": history.epoch_loss[best],
        "train_loss_end": history.epoch_loss[end],
        "val_loss_best": history.val_loss[best],
        "val_loss_end": history.val_loss[end],
        "val_rise": history.val_loss[end] / history.val_loss[best],
    }


def lag(history: History) -> np.ndarray:
    """Per epoch k: running-mean training loss minus the end-of-epoch training loss (positive: it lags behind)."""
    return np.array(history.running_loss) - np.array(history.epoch_loss[1:])


def rewound_to_best(run: ValidationRun) -> bool:
    """Are the final weights bit-for-bit the capture at the end of the best epoch (its start if 0)?"""
    if run.restore_best is None:
        raise ValueError("Invalid run: it was trained without patience (no RestoreBest)")
    best = run.restore_best.best_epoch
    capture = run.snapshots.epoch_end(best) if best > 0 else run.snapshots.epoch_start(1)
    final = torch.cat([p.detach().reshape(-1) for p in run.model.parameters()])
    return torch.equal(final, capture)

"""Notebook 08: when resetting is right: k-fold cross-validation (fresh net per fold) and new data (warm start)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.model_selection import KFold

from ..callbacks import History
from ..digits import DigitsSplit, load_digits_split
from ..losses import accuracy
from ..model import MLP
from ..train import fit


@dataclass(frozen=True)
class CVSetup:
    """k-fold cross-validation on ``n_samples`` digits; each fold trains ``epochs`` epochs with Adam."""

    seed: int = 0
    n_samples: int = 300
    k: int = 5
    hidden: int = 64
    epochs: int = 20
    lr: float = 0.01
    batch_size: int = 20

    def data(self) -> DigitsSplit:
        """``n_samples`` images to cross-validate on; the 360 validation images stay untouched (a test set)."""
        return load_digits_split(self.n_samples, seed=self.seed)

    def folds(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """scikit-learn's ``KFold(k, shuffle=True, random_state=seed)`` as pairs of index tensors (train, val)."""
        splitter = KFold(n_splits=self.k, shuffle=True, random_state=self.seed)
        return [(torch.from_numpy(tr), torch.from_numpy(va)) for tr, va in splitter.split(np.arange(self.n_samples))]

    def fresh_net(self) -> MLP:
        """The same initial weights for every fold: a reset, not a new draw."""
        return MLP(64, self.hidden, 10, seed=self.seed)


@dataclass
class CVResult:
    """Per fold: validation accuracy, accuracy on the untouched test images, and the history."""

    fold_scores: list[float] = field(default_factory=list)
    test_scores: list[float] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The cross-validation score: the mean validation accuracy over the folds."""
        return float(np.mean(self.fold_scores))


def cross_validate(setup: CVSetup, *, reset: bool = True, progress: object = None) -> CVResult:
    """Train one net per fold (``reset``) or carry one net from fold to fold (the leak); score each fold.

    ``progress``: called with no argument after each fold (e.g. a tqdm bar's ``update``).
    """
    data, result, net = setup.data(), CVResult(), None
    X, y = data.X_train, data.y_train
    for fold, (train, val) in enumerate(setup.folds()):
        if reset or net is None:
            net = setup.fresh_net()
        history = fit(net, X[train], y[train], epochs=setup.epochs, lr=setup.lr, batch_size=setup.batch_size,
                      seed=setup.seed + fold, optimizer="adam", loss="cross_entropy", validation=(X[val], y[val]))
        result.histories.append(history)
        result.fold_scores.append(accuracy(net, X[val], y[val]))
        result.test_scores.append(accuracy(net, data.X_val, data.y_val))
        if callable(progress):
            progress()
    return result


def seen_before(folds: list[tuple[torch.Tensor, torch.Tensor]]) -> list[float]:
    """Without resets: for each fold, the fraction of its validation samples earlier folds already trained on."""
    trained: set[int] = set()
    fractions = []
    for train, val in folds:
        fractions.append(float(np.mean([i in trained for i in val.tolist()])))
        trained |= set(train.tolist())
    return fractions


@dataclass(frozen=True)
class NewDataSetup:
    """``n_old`` images trained for ``epochs_old`` epochs; then ``n_new`` more arrive and training goes on."""

    seed: int = 0
    n_old: int = 300
    n_new: int = 300
    hidden: int = 64
    epochs_old: int = 20
    epochs_new: int = 20
    lr: float = 0.01
    batch_size: int = 20


def warm_vs_cold(setup: NewDataSetup) -> tuple[History, History]:
    """Train on the old images, then on old + new: from those weights (warm) and from a fresh net (cold)."""
    data = load_digits_split(setup.n_old + setup.n_new, seed=setup.seed)
    old = slice(0, setup.n_old)

    def train(net: MLP, X: torch.Tensor, y: torch.Tensor, epochs: int, validation: bool) -> History:
        return fit(net, X, y, epochs=epochs, lr=setup.lr, batch_size=setup.batch_size, seed=setup.seed,
                   optimizer="adam", loss="cross_entropy", validation=(data.X_val, data.y_val) if validation else None)

    warm_net = MLP(64, setup.hidden, 10, seed=setup.seed)
    train(warm_net, data.X_train[old], data.y_train[old], setup.epochs_old, False)
    warm = train(warm_net, data.X_train, data.y_train, setup.epochs_new, True)  # the same net, trained on
    cold = train(MLP(64, setup.hidden, 10, seed=setup.seed), data.X_train, data.y_train, setup.epochs_new, True)
    return warm, cold

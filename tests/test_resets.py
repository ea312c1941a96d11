"""Notebook 08's lessons against oracles: scikit-learn's KFold and a hand-made fold loop."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.model_selection import KFold

from epochlab import MLP, accuracy, fit, load_digits_split
from epochlab.lessons.resets import CVSetup, NewDataSetup, cross_validate, seen_before, warm_vs_cold

SETUP = CVSetup(seed=2, n_samples=100, k=4, hidden=16, epochs=6)


def test_folds_are_scikit_learns_kfold_and_seen_before_counts_the_leak() -> None:
    folds = SETUP.folds()
    expected = list(KFold(4, shuffle=True, random_state=2).split(np.arange(100)))
    assert all(np.array_equal(a.numpy(), c) and np.array_equal(b.numpy(), d) for (a, b), (c, d) in zip(folds, expected))
    assert seen_before(folds) == [0.0, 1.0, 1.0, 1.0]
    toy = [(torch.tensor([2, 3]), torch.tensor([0, 1])), (torch.tensor([0, 3]), torch.tensor([1, 2]))]
    assert seen_before(toy) == [0.0, 0.5]


def test_cross_validate_with_and_without_reset_equals_a_hand_made_loop() -> None:
    ticks: list[int] = []
    honest = cross_validate(SETUP, progress=lambda: ticks.append(1))
    leaky = cross_validate(SETUP, reset=False)
    assert len(ticks) == 4 and honest.score == np.mean(honest.fold_scores)
    data, net = SETUP.data(), None
    X, y = data.X_train, data.y_train
    for reset, result in ((True, honest), (False, leaky)):
        for fold, (train, val) in enumerate(KFold(4, shuffle=True, random_state=2).split(np.arange(100))):
            if reset or fold == 0:
                net = MLP(64, 16, 10, seed=2)
            fit(net, X[train], y[train], epochs=6, lr=SETUP.lr, batch_size=SETUP.batch_size, seed=2 + fold,
                optimizer="adam", loss="cross_entropy")
            assert result.fold_scores[fold] == accuracy(net, X[val], y[val])
            assert result.test_scores[fold] == accuracy(net, data.X_val, data.y_val)
    assert honest.fold_scores[0] == leaky.fold_scores[0]


def test_warm_start_continues_the_old_net_and_cold_starts_fresh() -> None:
    setup = NewDataSetup(seed=1, n_old=60, n_new=60, hidden=16, epochs_old=5, epochs_new=3)
    warm, cold = warm_vs_cold(setup)
    assert len(warm.val_loss) == len(cold.val_loss) == 4
    fresh = MLP(64, 16, 10, seed=1)
    data = load_digits_split(120, seed=1)
    with torch.no_grad():
        assert cold.val_loss[0] == torch.nn.functional.cross_entropy(fresh(data.X_val), data.y_val).item()
    assert warm.val_loss[0] < cold.val_loss[0]

"""Notebook 07's lessons against oracles: the argmin of the recorded validation losses, the full run's captures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from epochlab import flat_weights
from epochlab.lessons.validation import (
    OverfitSetup,
    lag,
    overfitting_summary,
    rewound_to_best,
    train_with_validation,
    turning_point,
)

SMALL = OverfitSetup(seed=1, n_train=60, hidden=32, epochs=40, lr=0.02)


def test_overfitting_summary_reads_the_history() -> None:
    ticks: list[int] = []
    run = train_with_validation(SMALL, progress=lambda: ticks.append(1))
    h = run.history
    assert len(ticks) == 40
    best = turning_point(h)
    assert best == int(np.argmin(h.val_loss)) and h.epochs_completed == 40
    summary = overfitting_summary(h)
    assert summary["val_rise"] == h.val_loss[-1] / h.val_loss[best] > 1 and summary["train_loss_end"] < summary["train_loss_best"]
    assert np.array_equal(lag(h), np.array(h.running_loss) - np.array(h.epoch_loss[1:]))
    with pytest.raises(ValueError, match="Invalid run"):
        rewound_to_best(run)


def test_early_stopping_rewinds_to_the_argmin_of_the_epochs_it_ran() -> None:
    run = train_with_validation(SMALL, patience=3)
    h, best = run.history, run.restore_best.best_epoch  # type: ignore[union-attr]
    assert best == int(np.argmin(h.val_loss))  # the argmin over the epochs it ran (ties: the first)
    assert run.early_stopping.stopped_epoch == h.epochs_completed == best + 3  # type: ignore[union-attr]
    assert rewound_to_best(run)
    full = train_with_validation(SMALL)
    assert torch.equal(full.snapshots.epoch_end(best), flat_weights(run.model))  # the same run, rewound
    with torch.no_grad():
        data = SMALL.data()
        assert torch.nn.functional.cross_entropy(run.model(data.X_val), data.y_val).item() == h.val_loss[best]

"""Exercises of notebook 08 (when to reset): checked against the notebook's own folds and sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .checkers import Exercise, close_to


def _seen_by_fold_3(ctx: Mapping[str, Any]) -> float:
    folds = ctx["folds"]
    trained = {int(i) for train, _ in folds[:2] for i in train}
    val = [int(i) for i in folds[2][1]]
    return sum(i in trained for i in val) / len(val)


EXERCISES = {
    "08.val_size": Exercise(
        question="How many validation samples the first fold holds",
        is_correct=lambda answer, ctx: (isinstance(answer, int) and not isinstance(answer, bool)
                                        and answer == math.ceil(ctx["n_samples"] / ctx["k"])),
        hint="KFold splits the samples into k near-equal parts; the first n_samples % k parts get one extra.",
    ),
    "08.seen_fraction": Exercise(
        question="Without resets: the fraction of fold 3's validation samples the net trained on before fold 3",
        is_correct=close_to(_seen_by_fold_3, rel=1e-9, absolute=1e-9),
        hint="Fold 1 trains on every sample outside fold 1's validation part. Where are fold 3's validation samples?",
    ),
}

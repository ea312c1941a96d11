"""Exercises of notebook 07 (train vs validation): checked against the notebook's own run."""

from __future__ import annotations

from typing import Any

from .checkers import Exercise


def _same_int(answer: Any, value: int) -> bool:
    return isinstance(answer, int) and not isinstance(answer, bool) and answer == value


EXERCISES = {
    "07.best_epoch": Exercise(
        question="The epoch with the lowest validation loss",
        is_correct=lambda answer, ctx: _same_int(answer, ctx["history"].best_epoch("val_loss")),
        hint="Look for the star on the validation (orange) curve; the x-axis counts epochs from 0 (the start).",
    ),
    "07.stop_epoch": Exercise(
        question="The epoch after which EarlyStopping stops",
        is_correct=lambda answer, ctx: _same_int(answer, ctx["best"] + ctx["patience"]),
        hint="It waits PATIENCE epochs in a row without a new best, counting from the best epoch.",
    ),
}

"""Exercises of notebook 11 (the instructor dashboard)."""

from __future__ import annotations

import math

from .checkers import Exercise

EXERCISES = {
    "11.iterations": Exercise(
        question="How many iterations does one epoch have with batch size 24?",
        is_correct=lambda answer, ctx: not isinstance(answer, bool) and answer == math.ceil(ctx["n_samples"] / 24),
        hint="Count the mini-batches of one pass: every sample is used once, and a last, smaller batch still "
             "counts as one iteration. Move the batch size slider and read the status line to check.",
    ),
}

"""Notebook 09's exercises: counting work in epochs and steps, not seconds."""

from __future__ import annotations

import math

from .checkers import Exercise

EXERCISES = {
    "09.accumulated_steps": Exercise(
        question="Batch 256 split into 8 accumulated pieces: how many optimizer steps does one epoch take?",
        is_correct=lambda answer, ctx: answer == math.ceil(ctx["n_samples"] / 256),
        hint="Accumulation changes how many forward/backward passes a step takes, not how many steps: "
             "count the batches of 256 in one pass over the training set (the last one may be short).",
    ),
    "09.faster_machine": Exercise(
        question="On a machine twice as fast, how many epochs does the smallest batch size need to reach the target?",
        is_correct=lambda answer, ctx: answer == ctx["epochs_to_target"],
        hint="A faster machine shortens every epoch; does it change any weight the epoch computes? "
             "Read the left panel, not the right one.",
    ),
}

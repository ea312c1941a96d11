"""Exercises of notebook 00 (the tour): each checker recomputes the answer from the notebook's own numbers."""

from __future__ import annotations

from ..data import iterations_per_epoch
from .checkers import Exercise, hashed

EXERCISES = {
    "00.iterations": Exercise(
        "weight updates per epoch with a batch size of 24",
        lambda answer, ctx: answer == iterations_per_epoch(ctx["n_samples"], 24),
        "cut the N_SAMPLES samples into batches of 24; a last, shorter batch is still one update.",
    ),
    "00.full_batch_epochs": Exercise(
        "full-batch epochs that make as many updates as EPOCHS epochs at batch size 8",
        lambda answer, ctx: answer == ctx["epochs"] * iterations_per_epoch(ctx["n_samples"], 8),
        "count the updates of the default run (updates per epoch times epochs); a full-batch epoch is one update.",
    ),
    "00.diverged": Exercise(
        "what history.diverged says with LR = 2.0",
        hashed("b5bea41b6c623f7c09f1bf24dcae58ebab3c0cdd90ad966bc43a45b44867e12b"),  # sha256 of the answer's normalised text
        "set LR = 2.0 in the parameters cell, run the notebook again and read the sentence fit prints.",
    ),
}

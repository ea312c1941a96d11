"""Exercises of notebook 02 (weights persist): capture counts from the batch arithmetic; one yes/no by hash."""

from __future__ import annotations

from ..data import iterations_per_epoch
from .checkers import Exercise, hashed

EXERCISES = {
    "02.step_captures": Exercise(
        'captures WeightSnapshots(every="step") holds after EPOCHS epochs',
        lambda answer, ctx: answer == ctx["epochs"] * (iterations_per_epoch(ctx["n_samples"], ctx["batch_size"]) + 2),
        "each epoch stores its start, one capture per iteration, and its end; how many iterations is one epoch?",
    ),
    "02.epoch_captures": Exercise(
        'captures WeightSnapshots(every="epoch") holds after EPOCHS epochs',
        lambda answer, ctx: answer == 2 * ctx["epochs"],
        "with every='epoch' only the start and the end of each epoch are stored.",
    ),
    "02.momentum_boundaries_equal": Exercise(
        'with optimizer="momentum": are the weights equal bit for bit at every boundary?',
        hashed("b5bea41b6c623f7c09f1bf24dcae58ebab3c0cdd90ad966bc43a45b44867e12b"),  # sha256 of the answer's normalised text
        'train with WeightSnapshots and optimizer="momentum", then look at boundaries_equal(snapshots): '
        "does fit do anything to the weights between two epochs, whatever the optimizer?",
    ),
}

"""Notebook 10's exercises: an epoch split across workers."""

from __future__ import annotations

import math

from .checkers import Exercise, hashed

EXERCISES = {
    "10.samples_per_worker": Exercise(
        question="With 3 workers, how many samples does each worker see in one epoch?",
        is_correct=lambda answer, ctx: answer == math.ceil(ctx["n_samples"] / 3),
        hint="DistributedSampler gives every worker the same number of samples: it pads the shuffled list "
             "(repeating a few samples) until it divides evenly.",
    ),
    "10.iterations": Exercise(
        question="With 3 workers at batch 8, how many iterations does each worker run per epoch?",
        is_correct=lambda answer, ctx: answer == math.ceil(ctx["n_samples"] / (3 * 8)),
        hint="First each worker's share of the epoch, then how many batches of 8 that share makes; "
             "a short last batch still counts.",
    ),
    "10.equivalent_batch": Exercise(
        question="One process that reproduces 4 workers at batch 16 step for step uses which batch size?",
        is_correct=hashed("a68b412c4282555f15546cf6e1fc42893b7e07f271557ceb021821098dd66c1b"),  # sha256 of the answer's normalised text
        hint="Each averaged step uses every worker's batch at once: how many samples is that?",
    ),
}

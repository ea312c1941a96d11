"""Exercises of notebook 06 (what carries over): checked against the notebook's own parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .checkers import Exercise, close_to


def _steps_per_epoch(ctx: Mapping[str, Any]) -> int:
    return math.ceil(ctx["n_train"] / ctx["batch_size"])


def _is_int(answer: Any, value: int) -> bool:
    return isinstance(answer, int) and not isinstance(answer, bool) and answer == value


EXERCISES = {
    "06.adam_steps": Exercise(
        question="Adam's step count after EPOCHS epochs, its state kept",
        is_correct=lambda answer, ctx: _is_int(answer, ctx["epochs"] * _steps_per_epoch(ctx)),
        hint="Adam adds one to its counter at every optimizer step, and nothing resets it at an epoch boundary.",
    ),
    "06.cleared_steps": Exercise(
        question="Adam's step count after EPOCHS epochs, its state cleared at every epoch start",
        is_correct=lambda answer, ctx: _is_int(answer, _steps_per_epoch(ctx)),
        hint="Clearing optimizer.state throws the counter away too; count only the steps since the last clear.",
    ),
    "06.epoch5_lr": Exercise(
        question="The learning rate of epoch 5 under StepLR(step_size=2, gamma=0.5) started at LR",
        is_correct=close_to(lambda ctx: ctx["lr"] * 0.5 ** ((5 - 1) // 2), rel=1e-9),
        hint="scheduler.step() runs at each epoch end; count how many halvings happened before epoch 5 began.",
    ),
}

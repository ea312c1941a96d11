"""Exercises of notebook 05 (the asker's loop)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import Exercise


def _steps_for_point_1(ctx: Mapping[str, Any]) -> int:
    """The first s with |1 - 2 lr |x_1|^2|^s <= 1e-6 (the exercises are core: no lessons import)."""
    factor = abs(1.0 - 2.0 * float(ctx["lr"]) * float((ctx["X"][0] ** 2).sum()))
    return math.ceil(math.log(1e-6) / math.log(factor))


EXERCISES = {
    "05.steps_needed": Exercise(
        question="How many SGD steps does point 1 need before less than a millionth of its residual is left?",
        is_correct=lambda answer, ctx: isinstance(answer, int) and abs(answer - _steps_for_point_1(ctx)) <= 1,
        hint="Each step multiplies the residual by (1 - 2 lr |x|^2); find the first s where its size to the "
             "power s is below 1e-6 (residual_factor does the power for you).",
    ),
    "05.one_step_lr": Exercise(
        question="Which learning rate makes ONE SGD step on the point x = (1, 1) land exactly on its line?",
        is_correct=lambda answer, ctx: isinstance(answer, (int, float)) and abs(1 - 2 * answer * ctx["norm2"]) < 1e-9,
        hint="The residual factor of one step is 1 - 2 lr |x|^2; it must be 0. What is |x|^2 for x = (1, 1)?",
    ),
    "05.same_budget": Exercise(
        question="How many ordinary epochs (one step per point) cost as many SGD steps as one pass of the question's loop?",
        is_correct=lambda answer, ctx: answer == ctx["steps_per_point"],
        hint="One pass of the question's loop is N_POINTS x STEPS_PER_POINT steps; one ordinary epoch is N_POINTS.",
    ),
}

"""Notebook 12 (check your own loop): diagnose a fourth mistake, and count the boundaries a trace checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checkers import Exercise


def _first_problem_kind(answer: Any, context: Mapping[str, Any]) -> bool:
    if not isinstance(answer, str):
        raise TypeError(f"expected a kind name in quotes, got {type(answer).__name__}")
    problems = [f.kind for f in context["findings"] if f.problem]
    return bool(problems) and answer.strip().strip("`'\"") == problems[0]


def _boundaries(answer: Any, context: Mapping[str, Any]) -> bool:
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise TypeError(f"expected a whole number, got {type(answer).__name__}")
    return answer == context["epochs"] - 1


EXERCISES = {
    "12.fourth_mistake": Exercise(
        question="Which kind of problem does the trace report for the loop that calls init_weights every epoch?",
        is_correct=_first_problem_kind,
        hint="Run the cell and read the PROBLEM line of t4.report(): the kind is the word after PROBLEM. "
             "Ask what init_weights does to weights that have already been trained.",
    ),
    "12.boundaries": Exercise(
        question="How many epoch boundaries does the trace check in a healthy loop of EPOCHS epochs?",
        is_correct=_boundaries,
        hint="A boundary sits between the end of one epoch and the start of the next: count the gaps "
             "between EPOCHS fence posts, not the posts.",
    ),
}

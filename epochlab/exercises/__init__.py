"""Checked exercises: ``check(name, answer, **context)`` says not answered yet / correct / not quite (with a hint).

Stand-in written against the API the lead specified, until the "Exercises" commit lands on main
(then main's version replaces this file). Definitions live in ``epochlab/exercises/nbNN.py`` as
``EXERCISES = {"NN.name": Exercise(...)}``; the module is found from the ``NN.`` prefix.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Checker = Callable[[Any, Mapping[str, Any]], bool]


class ExerciseNotAnswered(AssertionError):
    """Raised under ``EPOCHLAB_EXERCISES=strict`` when the answer is still ``None``."""


class ExerciseWrong(AssertionError):
    """Raised under ``EPOCHLAB_EXERCISES=strict`` when the answer is not correct."""


@dataclass(frozen=True)
class Exercise:
    question: str
    is_correct: Checker
    hint: str


def _normalize(answer: Any) -> str:
    return " ".join(str(answer).strip().lower().split())


def digest(answer: Any, normalize: Callable[[Any], str] = _normalize) -> str:
    """The sha256 of an answer's normalised text (what :func:`hashed` compares against)."""
    return hashlib.sha256(normalize(answer).encode()).hexdigest()


def hashed(*digests: str, normalize: Callable[[Any], str] = _normalize) -> Checker:
    """A checker: the answer's normalised text has one of these sha256 digests."""
    return lambda answer, context: digest(answer, normalize) in digests


def close_to(reference: Callable[[Mapping[str, Any]], float], *, rel: float = 1e-2) -> Checker:
    """A checker: the answer is a number within ``rel`` (relative) of ``reference(context)``."""

    def is_correct(answer: Any, context: Mapping[str, Any]) -> bool:
        try:
            return math.isclose(float(answer), float(reference(context)), rel_tol=rel)
        except (TypeError, ValueError):
            return False

    return is_correct


def _exercise(name: str) -> Exercise:
    prefix = name.split(".", 1)[0]
    if not (len(prefix) == 2 and prefix.isdigit()):
        raise ValueError(f"Invalid name: {name!r} (expected 'NN.short_name')")
    exercises: dict[str, Exercise] = importlib.import_module(f"{__name__}.nb{prefix}").EXERCISES
    if name not in exercises:
        raise ValueError(f"Invalid name: {name!r} (known: {', '.join(sorted(exercises))})")
    return exercises[name]


def check(name: str, answer: Any, **context: Any) -> None:
    """Print whether ``answer`` to exercise ``name`` is correct; strict mode raises instead of "not quite"."""
    exercise, strict = _exercise(name), os.environ.get("EPOCHLAB_EXERCISES") == "strict"
    if answer is None:
        if strict:
            raise ExerciseNotAnswered(f"{name}: not answered yet")
        print(f"{name}: not answered yet. {exercise.question}")
    elif exercise.is_correct(answer, context):
        print(f"{name}: correct. {exercise.question}")
    else:
        if strict:
            raise ExerciseWrong(f"{name}: not quite. Hint: {exercise.hint}")
        print(f"{name}: not quite. Hint: {exercise.hint}")

"""Exercises that check a student's answer without showing it.

An exercise cell in a notebook holds the student's answer, ``None`` until they fill it in, and one
call per answer::

    my_iterations = None   # your answer
    check("01.iterations", my_iterations, n_samples=N_SAMPLES)

``check`` prints one of three verdicts: *not answered yet*, *correct*, or *not quite* with a hint that
teaches without giving the answer away. The reference is not in the notebook, and it is not written
in this package either: each exercise is a function of the notebook's own variables (passed as
keyword context), a tolerance around such a function, or a hash of the answer's text.

Definitions live in ``epochlab/exercises/nbNN.py`` as ``EXERCISES = {"NN.name": Exercise(...)}``;
the module is found from the name's ``NN.`` prefix. With the environment variable
``EPOCHLAB_EXERCISES=strict`` (CI), *not answered* raises :class:`ExerciseNotAnswered` and *not
quite* raises :class:`ExerciseWrong`, so a test can prove every check with reference and wrong answers.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Mapping
from typing import Any

from .checkers import Checker, Exercise, close_to, digest, hashed, normalize

__all__ = ["Checker", "Exercise", "ExerciseNotAnswered", "ExerciseWrong", "check", "close_to", "digest", "hashed",
           "lookup", "normalize"]

MODE_VARIABLE = "EPOCHLAB_EXERCISES"  # "strict": raise instead of printing a verdict that is not "correct"
LOG_VARIABLE = "EPOCHLAB_EXERCISES_LOG"  # a file path: every verdict is appended there as one JSON line


class ExerciseNotAnswered(AssertionError):
    """Strict mode: the answer is still ``None``."""


class ExerciseWrong(AssertionError):
    """Strict mode: the answer is not the expected one."""


def lookup(name: str) -> Exercise:
    """The exercise called ``name`` (``"NN.short_name"``), from ``epochlab/exercises/nbNN.py``."""
    if not isinstance(name, str):
        raise TypeError(f"Invalid name: {name!r} (expected a string such as '01.iterations')")
    prefix = name.split(".", 1)[0]
    if not (len(prefix) == 2 and prefix.isdigit()) or "." not in name:
        raise ValueError(f"Invalid name: {name!r} (expected 'NN.short_name', NN the notebook number)")
    try:
        module = importlib.import_module(f"{__name__}.nb{prefix}")
    except ModuleNotFoundError:
        raise ValueError(f"Invalid name: {name!r} (no exercises are defined for notebook {prefix})") from None
    exercises: Mapping[str, Exercise] = module.EXERCISES
    if name not in exercises:
        raise ValueError(f"Invalid name: {name!r} (notebook {prefix} defines {sorted(exercises)})")
    return exercises[name]


def check(name: str, answer: Any, **context: Any) -> None:
    """Print whether ``answer`` solves exercise ``name``; ``context`` passes the notebook's own variables."""
    exercise = lookup(name)
    if answer is None:
        verdict, text = "not answered", f"[{name}] not answered yet: replace None with your answer. ({exercise.question})"
    else:
        try:
            correct = bool(exercise.is_correct(answer, context))
        except (TypeError, ValueError, ArithmeticError) as error:  # an answer of the wrong kind is "not quite"
            correct, exercise_hint = False, f"{exercise.hint} (your answer could not be checked: {error})"
        else:
            exercise_hint = exercise.hint
        verdict = "correct" if correct else "not quite"
        text = f"[{name}] correct." if correct else f"[{name}] not quite. Hint: {exercise_hint}"
    _log(name, verdict)
    if os.environ.get(MODE_VARIABLE) == "strict" and verdict != "correct":
        raise (ExerciseNotAnswered if verdict == "not answered" else ExerciseWrong)(text)
    print(text)


def _log(name: str, verdict: str) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"name": name, "verdict": verdict}) + "\n")

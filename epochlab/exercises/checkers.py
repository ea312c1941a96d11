"""What an exercise is, and the checkers that compare an answer with a reference the notebook never shows."""

from __future__ import annotations

import hashlib
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Checker = Callable[[Any, Mapping[str, Any]], bool]  # (answer, the notebook's context) -> is it right?


@dataclass(frozen=True)
class Exercise:
    """One question: its one-line statement, how to check an answer, and a hint that teaches."""

    question: str
    is_correct: Checker
    hint: str

    def __post_init__(self) -> None:
        if not callable(self.is_correct):
            raise TypeError(f"Invalid is_correct: {self.is_correct!r} (expected a function (answer, context) -> bool)")
        for field_name in ("question", "hint"):
            if not isinstance(getattr(self, field_name), str) or not getattr(self, field_name).strip():
                raise ValueError(f"Invalid {field_name}: expected a non-empty sentence")


def normalize(answer: Any) -> str:
    """The text an answer is hashed by: lower case, single spaces; numbers and booleans in a canonical form."""
    if isinstance(answer, bool):
        return str(answer).lower()
    if isinstance(answer, numbers.Integral):
        return str(int(answer))
    if isinstance(answer, numbers.Real):
        value = float(answer)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(answer, str):
        return " ".join(answer.lower().split())
    if isinstance(answer, (tuple, list)):
        return "(" + ", ".join(normalize(item) for item in answer) + ")"
    raise TypeError(f"Invalid answer: {answer!r} (expected a number, a boolean, a string, or a tuple of them)")


def digest(answer: Any) -> str:
    """The sha256 of an answer's normalised text: what an exercise definition stores instead of the answer."""
    return hashlib.sha256(normalize(answer).encode()).hexdigest()


def hashed(*digests: str) -> Checker:
    """A checker for discrete answers: correct when the answer's digest is one of ``digests``."""
    if not digests or not all(isinstance(d, str) and len(d) == 64 for d in digests):
        raise ValueError("Invalid digests: expected one or more sha256 hex strings (see digest())")
    accepted = frozenset(digests)
    return lambda answer, context: digest(answer) in accepted


def close_to(reference: Callable[[Mapping[str, Any]], float], *, rel: float = 1e-2, absolute: float = 0.0) -> Checker:
    """A checker for numbers: correct within ``rel`` (relative) or ``absolute`` of ``reference(context)``."""
    if not (rel >= 0 and absolute >= 0 and math.isfinite(rel) and math.isfinite(absolute)):
        raise ValueError(f"Invalid tolerance: rel={rel!r}, absolute={absolute!r} (expected finite numbers >= 0)")

    def is_correct(answer: Any, context: Mapping[str, Any]) -> bool:
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            raise TypeError(f"expected a number, got {type(answer).__name__}")
        return math.isclose(float(answer), float(reference(context)), rel_tol=rel, abs_tol=absolute)

    return is_correct

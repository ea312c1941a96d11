"""Warnings a student should read, shown as plain sentences instead of a red block with a file path."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def warnings_as_sentences() -> Iterator[list[str]]:
    """Inside the block, every ``RuntimeWarning`` (e.g. fit's divergence warning) is printed as one sentence.

    The sentences are also collected in the list the block receives; other warnings are shown as usual.
    """
    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield said
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning):
            said.append(str(warning.message))
            print(f"Warning: {warning.message}")
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)

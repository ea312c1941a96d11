"""Exercises of notebook 01 (what is an epoch): answers recomputed from the batch arithmetic and the seed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from ..data import batch_sizes, epoch_batches, iterations_per_epoch, make_generator
from .checkers import Exercise


def _full_windows(ctx: Mapping[str, Any]) -> int:
    """Windows of N consecutive samples, in fit's shuffled stream, that hold every sample once."""
    n, generator = ctx["n_samples"], make_generator(ctx["seed"])
    stream = torch.cat([torch.cat(epoch_batches(n, 1, shuffle=True, generator=generator)) for _ in range(ctx["epochs"])])
    return sum(len(set(window.tolist())) == n for window in stream.unfold(0, n, 1))


EXERCISES = {
    "01.iterations": Exercise(
        "iterations per epoch with N = 100 and B = 32",
        lambda answer, ctx: answer == iterations_per_epoch(100, 32),
        "100 samples in batches of 32: count the full batches, then ask whether anything is left over.",
    ),
    "01.iterations_drop_last": Exercise(
        "iterations per epoch with N = 100, B = 32 and drop_last=True",
        lambda answer, ctx: answer == iterations_per_epoch(100, 32, drop_last=True),
        "drop_last throws away the short last batch, if there is one.",
    ),
    "01.skipped": Exercise(
        "samples skipped every epoch with N = 100, B = 32 and drop_last=True",
        lambda answer, ctx: answer == 100 - sum(batch_sizes(100, 32, drop_last=True)),
        "the skipped samples are the ones that were in the short last batch.",
    ),
    "01.full_windows": Exercise(
        "windows of the shuffled stream that are full passes",
        lambda answer, ctx: answer == _full_windows(ctx),
        "apply full_pass_windows(...) to the shuffled stream and count the True entries; the EPOCHS official "
        "epochs are always among them.",
    ),
}

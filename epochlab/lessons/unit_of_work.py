"""Epochs as a unit of work: the same epochs cost different seconds on different hardware settings.

:func:`timed_fit` runs ``fit`` with ``torch.set_num_threads(threads)`` (the caller's thread count
is restored afterwards, whatever happens) and records the wall-clock seconds at every epoch
boundary. The epochs it takes to reach a target loss are a property of the data, the model and
the settings; the seconds are a property of the machine.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..callbacks import Callback, History
from ..checks import check_int
from ..model import flat_weights
from ..train import fit


@contextmanager
def num_threads(threads: int) -> Iterator[None]:
    """``torch.set_num_threads(threads)`` inside the block; the caller's count is restored on exit."""
    check_int("threads", threads, 1)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class EpochClock(Callback):
    """Seconds since ``fit`` started, at every epoch boundary (``seconds[0] == 0.0``: the start)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = 0.0

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        self._start = time.perf_counter()
        self.seconds = [0.0]

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        self.seconds.append(time.perf_counter() - self._start)


@dataclass(frozen=True)
class TimedRun:
    """One run: ``epoch_loss[k]`` and ``seconds[k]`` at boundary ``k`` (0: the start), its final weights,
    and the optimizer steps each epoch took."""

    threads: int
    batch_size: int
    steps_per_epoch: int
    epoch_loss: list[float]
    seconds: list[float]
    weights: torch.Tensor

    def epochs_to(self, target: float) -> int | None:
        """The first epoch whose end loss is at or below ``target`` (``None``: never reached)."""
        return next((k for k, loss in enumerate(self.epoch_loss) if loss <= target), None)

    def seconds_to(self, target: float) -> float | None:
        """Wall-clock seconds until that epoch ended (``None``: never reached)."""
        k = self.epochs_to(target)
        return None if k is None else self.seconds[k]

    @property
    def seconds_per_epoch(self) -> float:
        """Mean seconds per epoch of this run."""
        return self.seconds[-1] / (len(self.seconds) - 1)


def timed_fit(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, threads: int, batch_size: int, epochs: int,
              lr: float, seed: int = 0, **fit_kwargs: Any) -> TimedRun:
    """``fit`` a copy of ``model`` (``model`` is not changed) on ``threads`` threads, timing every epoch."""
    net, clock = copy.deepcopy(model), EpochClock()
    with num_threads(threads):
        history = fit(net, X, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, callbacks=[clock],
                      **fit_kwargs)
    return TimedRun(threads, batch_size, history.steps_per_epoch, list(history.epoch_loss), clock.seconds, flat_weights(net))


def time_grid(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, threads: Sequence[int],
              batch_sizes: Sequence[int], epochs: int, lr: float, seed: int = 0,
              progress: bool = False, **fit_kwargs: Any) -> list[TimedRun]:
    """:func:`timed_fit` for every (batch size, thread count), threads varying fastest."""
    pairs: Iterable[tuple[int, int]] = [(b, t) for b in batch_sizes for t in threads]
    if progress:
        from tqdm.auto import tqdm  # a notebook dependency, loaded only when asked for

        pairs = tqdm(list(pairs), desc="runs (batch size x threads)")
    return [timed_fit(model, X, y, threads=t, batch_size=b, epochs=epochs, lr=lr, seed=seed, **fit_kwargs)
            for b, t in pairs]


def runs_agree(runs: Sequence[TimedRun], target: float) -> bool:
    """True if the runs (same batch size, different threads) reach ``target`` in the same epoch."""
    return len({run.epochs_to(target) for run in runs}) == 1

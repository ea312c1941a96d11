"""What an epoch is: batches per pass, the sample stream, weights at boundaries, and two explorers."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..callbacks import History
from ..checks import BETWEEN_EPOCHS, check_int
from ..data import batch_sizes, epoch_batches, make_generator
from ..model import set_flat_weights
from ..snapshots import WeightSnapshots
from ..train import dataset_loss, fit


def sample_order(n_samples: int, epochs: int, *, batch_size: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> torch.Tensor:
    """The sample indices ``fit`` feeds the net, in order, over ``epochs`` epochs (the sample stream)."""
    check_int("epochs", epochs, 1)
    size = n_samples if batch_size is None else batch_size
    check_int("batch_size", size, 1, n_samples)
    generator = make_generator(seed)  # the same draws, in the same order, as fit's data-order generator
    passes = [torch.cat(epoch_batches(n_samples, size, shuffle=shuffle, generator=generator, drop_last=drop_last))
              for _ in range(epochs)]
    return torch.cat(passes)


def stream_loss(history: History) -> np.ndarray:
    """One value per sample of the stream: the loss of the mini-batch that sample was trained in."""
    sizes = batch_sizes(history.n_samples, history.batch_size, drop_last=history.drop_last)
    per_step = np.tile(sizes, history.epochs_completed + 1)[: len(history.step_loss)]
    return np.repeat(np.asarray(history.step_loss, dtype=np.float64), per_step)


def sliding_window_loss(history: History, window: int | None = None) -> np.ndarray:
    """Mean stream loss over every ``window`` consecutive samples (default: one epoch's worth).

    Entry ``j`` averages samples ``j+1 .. j+window`` of the stream; the windows starting at
    ``0, N, 2N, ...`` are the epochs, and their means are ``history.running_loss``.
    """
    stream = stream_loss(history)
    window = history.samples_per_epoch if window is None else window
    check_int("window", window, 1, len(stream))
    total = np.concatenate([[0.0], np.cumsum(stream)])
    return (total[window:] - total[:-window]) / window


def boundaries_equal(snapshots: WeightSnapshots) -> list[bool]:
    """For each epoch ``k`` with a successor: is the end of ``k`` bit-for-bit the start of ``k+1``?"""
    ends = sorted(e for kind, e in zip(snapshots.kinds, snapshots.epochs) if kind == "epoch_end")
    return [torch.equal(snapshots.epoch_end(k), snapshots.epoch_start(k + 1)) for k in ends if k + 1 in snapshots.epochs]


def boundary_losses(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                    snapshots: WeightSnapshots) -> tuple[np.ndarray, np.ndarray]:
    """Full-dataset loss at the start and at the end of every captured epoch (two arrays)."""
    probe = copy.deepcopy(model)  # a scratch copy: loading snapshots must not move the real net
    epochs = sorted({e for kind, e in zip(snapshots.kinds, snapshots.epochs) if kind == "epoch_end"})

    def loss(weights: torch.Tensor) -> float:
        set_flat_weights(probe, weights)
        return dataset_loss(probe, X, y)

    starts = [loss(snapshots.epoch_start(k)) for k in epochs]
    return np.array(starts), np.array([loss(snapshots.epoch_end(k)) for k in epochs])


@dataclass
class ModeRun:
    """One training run under one ``between_epochs`` mode: the net, its history and its captures."""

    model: nn.Module
    history: History
    snapshots: WeightSnapshots


def run_modes(make_model: Callable[[], nn.Module], X: torch.Tensor, y: torch.Tensor, *,
              modes: Sequence[str] = BETWEEN_EPOCHS, **fit_args: Any) -> dict[str, ModeRun]:
    """Train a fresh ``make_model()`` under each mode, capturing weights at every step."""
    runs = {}
    for mode in modes:
        model, snapshots = make_model(), WeightSnapshots(every="step")
        history = fit(model, X, y, between_epochs=mode, callbacks=[snapshots], **fit_args)
        runs[mode] = ModeRun(model, history, snapshots)
    return runs


@dataclass
class CallCount:
    """How many times the watched method has been called."""

    count: int = 0


@contextmanager
def counting_calls(owner: type, name: str) -> Iterator[CallCount]:
    """Count calls of method ``owner.name`` inside the ``with`` block (e.g. ``reset_parameters``)."""
    original = getattr(owner, name, None)
    if not callable(original):
        raise ValueError(f"Invalid name: {owner.__name__} has no method {name!r}")
    counter, inherited = CallCount(), name not in vars(owner)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        return original(*args, **kwargs)

    setattr(owner, name, counted)
    try:
        yield counter
    finally:  # always undone, even if training raised
        if inherited:
            delattr(owner, name)
        else:
            setattr(owner, name, original)



@dataclass
class BatchSizeRun:
    """One run at one batch size: its history and the full-dataset loss after every update (entry 0: the start)."""

    history: History
    full_loss: np.ndarray


def batch_size_runs(make_model: Callable[[], nn.Module], X: torch.Tensor, y: torch.Tensor,
                    sizes: Sequence[int], **fit_args: Any) -> dict[int, BatchSizeRun]:
    """Train a fresh ``make_model()`` at each batch size, with the loss on all the data after every update."""
    runs = {}
    for size in sizes:
        model, snapshots = make_model(), WeightSnapshots(every="step")
        history = fit(model, X, y, batch_size=size, callbacks=[snapshots], **fit_args)
        probe = copy.deepcopy(model)
        steps = [w for w, kind in zip(snapshots.weights, snapshots.kinds) if kind == "step"]
        losses = []
        for weights in [snapshots.epoch_start(1), *steps]:
            set_flat_weights(probe, weights)
            losses.append(dataset_loss(probe, X, y))
        runs[size] = BatchSizeRun(history, np.array(losses))
    return runs


def full_pass_windows(order: torch.Tensor, n_samples: int) -> list[bool]:
    """For every window of ``n_samples`` consecutive entries of a sample stream: does it hold each sample once?"""
    check_int("n_samples", n_samples, 1, len(order))
    return [len(set(window.tolist())) == n_samples for window in order.unfold(0, n_samples, 1)]


def show_cuts(order: torch.Tensor, batch_size: int, first: int) -> str:
    """The first ``first`` samples of a stream as text, with a ``|`` wherever a new mini-batch begins."""
    check_int("batch_size", batch_size, 1)
    items = [str(int(i)) for i in order[:first]]
    return " ".join(item if k == 0 or k % batch_size else f"| {item}" for k, item in enumerate(items))

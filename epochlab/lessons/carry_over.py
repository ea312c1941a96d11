"""Notebook 06: what an epoch boundary carries over besides the weights (optimizer state, schedule, data order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..callbacks import Callback, History
from ..checks import check_int
from ..data import epoch_batches, make_generator
from ..digits import DigitsSplit
from ..model import MLP
from ..optim import make_optimizer
from ..snapshots import WeightSnapshots
from ..train import fit


class SchedulerStep(Callback):
    """Step a ``torch.optim.lr_scheduler`` scheduler at every epoch end (``fit`` leaves the rate to it)."""

    def __init__(self, scheduler: torch.optim.lr_scheduler.LRScheduler):
        if not isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler):
            raise TypeError(f"Invalid scheduler: expected a torch.optim.lr_scheduler scheduler, got {type(scheduler).__name__}")
        self.scheduler = scheduler

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        self.scheduler.step()


def optimizer_state_vector(optimizer: torch.optim.Optimizer) -> torch.Tensor:
    """Every per-parameter tensor the optimizer keeps (momentum buffers, Adam moments, step counts), as one copy."""
    parts = [value.detach().reshape(-1).double() for state in optimizer.state.values()
             for value in state.values() if isinstance(value, torch.Tensor)]
    return torch.cat(parts) if parts else torch.empty(0, dtype=torch.float64)


class OptimizerStates(Callback):
    """Capture :func:`optimizer_state_vector` at every epoch start and end (``starts[k-1]``, ``ends[k-1]``)."""

    def __init__(self, optimizer: torch.optim.Optimizer):
        self.optimizer = optimizer
        self.starts: list[torch.Tensor] = []
        self.ends: list[torch.Tensor] = []

    def on_epoch_start(self, epoch: int, model: nn.Module, history: History) -> None:
        self.starts.append(optimizer_state_vector(self.optimizer))

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        self.ends.append(optimizer_state_vector(self.optimizer))

    def carried_over(self) -> list[bool]:
        """For each boundary k -> k+1: is the state at the start of k+1 bit-for-bit the state at the end of k?"""
        return [len(end) > 0 and torch.equal(end, start) for end, start in zip(self.ends, self.starts[1:])]


@dataclass
class OptimizerRun:
    """One run on the digits: its net, history, weight captures and optimizer-state captures."""

    model: MLP
    history: History
    snapshots: WeightSnapshots
    states: OptimizerStates


def run_optimizer(data: DigitsSplit, *, optimizer: str, epochs: int, lr: float, batch_size: int, hidden: int,
                  seed: int, reset_state: bool = False) -> OptimizerRun:
    """Train ``MLP(64, hidden, 10, seed)`` with ``optimizer``; ``reset_state`` clears its state each epoch (weights kept)."""
    net = MLP(data.X_train.shape[1], hidden, data.n_classes, seed=seed)
    opt = make_optimizer(optimizer, net.parameters(), lr)
    snapshots, states = WeightSnapshots(), OptimizerStates(opt)
    history = fit(net, data.X_train, data.y_train, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                  optimizer=opt, loss="cross_entropy", reset_optimizer_each_epoch=reset_state,
                  validation=(data.X_val, data.y_val), callbacks=[snapshots, states])
    return OptimizerRun(net, history, snapshots, states)


def epoch_orders(n_samples: int, epochs: int, *, seed: int) -> torch.Tensor:
    """``(epochs, n_samples)``: row ``k`` is the order ``fit(..., seed=seed)`` visits the samples in epoch ``k+1``."""
    check_int("n_samples", n_samples, 1)
    check_int("epochs", epochs, 1)
    generator = make_generator(seed)  # the same draws, in the same order, as fit's data-order generator
    return torch.stack([torch.cat(epoch_batches(n_samples, n_samples, shuffle=True, generator=generator))
                        for _ in range(epochs)])


def is_permutation(order: torch.Tensor) -> bool:
    """Does ``order`` visit every index ``0..n-1`` exactly once?"""
    return torch.equal(torch.sort(order).values, torch.arange(len(order)))


def batch_sizes_per_epoch(history: History) -> np.ndarray:
    """The size of each mini-batch of one epoch (the last one may be short)."""
    full, rest = divmod(history.n_samples, history.batch_size)
    sizes = [history.batch_size] * full + ([rest] if rest and not history.drop_last else [])
    return np.array(sizes, dtype=np.float64)


def epoch_means(history: History) -> np.ndarray:
    """Recomputed from ``step_loss``: the sample-weighted mean of each epoch's own mini-batch losses."""
    sizes, steps = batch_sizes_per_epoch(history), history.steps_per_epoch
    losses = np.array(history.step_loss[: steps * history.epochs_completed]).reshape(-1, steps)
    return (losses * sizes).sum(axis=1) / sizes.sum()


def cumulative_means(history: History) -> np.ndarray:
    """What a meter that is never reset would print at each epoch end: the mean of every batch loss so far."""
    sizes, steps = batch_sizes_per_epoch(history), history.steps_per_epoch
    losses = np.array(history.step_loss[: steps * history.epochs_completed]).reshape(-1, steps)
    weighted = np.cumsum((losses * sizes).sum(axis=1))
    return weighted / (sizes.sum() * np.arange(1, len(weighted) + 1))

"""Notebook 05's hand-written loops: a log of the weights after every inner loop and at every epoch boundary.

The notebook writes the question's loop out (for each epoch, for each point ``m``, many SGD steps
on point ``m``) and calls the log at the three places where something could be reset. The log
answers the two questions that decide "was anything reset?": are the weights at the end of epoch
``k`` bit for bit the weights at the start of epoch ``k + 1``, and does the distance to the
weights that fit every point ever rise? A loss curve alone cannot: the loss on all points rises
after some inner loops of *every* epoch of this loop (a sawtooth), with nothing reset at all.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..model import flat_weights
from .kaczmarz import ArrayLike, point_losses


class BoundaryLog:
    """Copies of the weights at every epoch start, after every inner loop, and at every epoch end."""

    def __init__(self) -> None:
        self.starts: list[torch.Tensor] = []
        self.after_inner: list[torch.Tensor] = []
        self.ends: list[torch.Tensor] = []

    def epoch_start(self, net: nn.Module) -> None:
        """Call first thing in every epoch."""
        self.starts.append(flat_weights(net))

    def inner_loop_end(self, net: nn.Module) -> None:
        """Call after every point's inner loop."""
        self.after_inner.append(flat_weights(net))

    def epoch_end(self, net: nn.Module) -> None:
        """Call last thing in every epoch."""
        self.ends.append(flat_weights(net))

    def boundaries_equal(self) -> list[bool]:
        """For every boundary k -> k + 1: are the weights at the end of k exactly those at the start of k + 1?"""
        return [torch.equal(end, start) for end, start in zip(self.ends, self.starts[1:])]

    def path(self) -> np.ndarray:
        """``(T, P)`` float64: the weights at the very start, then after every inner loop."""
        if not self.starts:
            raise ValueError("Invalid log: no epoch was started (call epoch_start first)")
        return torch.stack([self.starts[0], *self.after_inner]).double().numpy()

    def loss_on_all_points(self, X: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Mean squared error over all points, at the start and after every inner loop."""
        return point_losses(X, y, self.path()).mean(axis=1)

    def distance(self, solution: ArrayLike) -> np.ndarray:
        """Distance from the weights that fit every point, at the start and after every inner loop."""
        return np.linalg.norm(self.path() - np.asarray(solution, dtype=np.float64), axis=1)


def as_if_reset(values: ArrayLike, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """A per-inner-loop curve (start + n_points per epoch) redrawn as if the weights were reset every epoch.

    Returns ``(x, values)`` with ``x`` in epochs: a reset restarts every epoch from the initial weights,
    so at every boundary the curve jumps back to its start and then repeats the first epoch.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or (len(array) - 1) % n_points or len(array) <= n_points:
        raise ValueError(f"Invalid values: expected 1 + a multiple of n_points={n_points} entries, got {array.shape}")
    epochs = (len(array) - 1) // n_points
    first = array[: n_points + 1]
    x = np.concatenate([k + np.arange(n_points + 1) / n_points for k in range(epochs)])
    return x, np.tile(first, epochs)


def rises(values: ArrayLike, *, tol: float = 0.0) -> np.ndarray:
    """Indices ``t`` where ``values[t] > values[t - 1] + tol``."""
    array = np.asarray(values, dtype=np.float64)
    return np.flatnonzero(np.diff(array) > tol) + 1

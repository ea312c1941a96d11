"""Plots of a ``History`` and of weight trajectories; every axis is labelled with its unit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .callbacks import History
from .epochs import samples_per_epoch
from .kaczmarz import line_points

X_UNITS = {"iteration": "iteration", "epoch": "epoch", "samples": "samples seen"}


def new_axes(ncols: int = 1, *, width: float = 5.0, height: float = 3.4) -> list[Axes]:
    """A row of ``ncols`` axes in a new pyplot figure (shown inline by Jupyter)."""
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False, layout="constrained")
    return list(axes[0])


def step_positions(history: History, x: str = "iteration") -> np.ndarray:
    """Where each iteration's loss sits on the chosen x-axis: iteration, epoch or samples seen."""
    if x == "iteration":
        return np.arange(1, len(history.step_loss) + 1)
    if x == "epoch":
        return np.array(history.step_epochs())
    if x == "samples":
        return np.array(history.samples_seen())
    raise ValueError(f"Invalid x: {x!r} (expected one of {tuple(X_UNITS)})")


def mark_epoch_boundaries(ax: Axes, history: History, x: str = "iteration") -> None:
    """Dotted vertical lines where one epoch ends and the next begins."""
    scale = {"iteration": history.steps_per_epoch, "epoch": 1, "samples": samples_per_epoch(history)}[x]
    epochs = math.ceil(len(history.step_loss) / history.steps_per_epoch)
    for k in range(1, epochs):
        ax.axvline(k * scale, color="0.6", lw=0.8, ls=":", zorder=0)


def plot_step_loss(history: History, ax: Axes | None = None, *, x: str = "iteration", label: str | None = None,
                   log: bool = True, boundaries: bool = True, **style: Any) -> Axes:
    """Mini-batch loss of every iteration against iterations, epochs or samples seen."""
    ax = ax or new_axes()[0]
    ax.plot(step_positions(history, x), _finite_or_nan(history.step_loss), label=label, lw=1, **style)
    if boundaries:
        mark_epoch_boundaries(ax, history, x)
    ax.set_xlabel(X_UNITS[x])
    ax.set_ylabel("mini-batch loss (MSE)")
    _log_if_positive(ax, history.step_loss, log)
    _note_divergence(ax, history)
    return ax


def plot_epoch_loss(history: History, ax: Axes | None = None, *, label: str | None = None, log: bool = True,
                    **style: Any) -> Axes:
    """Full-dataset loss at the start (epoch 0) and at the end of every epoch."""
    ax = ax or new_axes()[0]
    epochs = np.arange(len(history.epoch_loss))
    ax.plot(epochs, _finite_or_nan(history.epoch_loss), marker="o", ms=3, label=label, **style)
    ax.set_xlabel("epoch")
    ax.set_ylabel("full-dataset loss (MSE)")
    _log_if_positive(ax, history.epoch_loss, log)
    _note_divergence(ax, history)
    return ax


def plot_trajectory(ax: Axes, path: np.ndarray, epoch_of_point: Sequence[int] | np.ndarray | None = None, *,
                    dims: tuple[int, int] = (0, 1), cmap: str = "viridis", label: str | None = None) -> None:
    """A weight path (T, P) in two of its coordinates, points coloured by epoch."""
    path = np.asarray(path, dtype=np.float64)
    finite = np.isfinite(path[:, list(dims)]).all(axis=1)
    a, b = path[finite, dims[0]], path[finite, dims[1]]
    ax.plot(a, b, color="0.3", lw=0.7, zorder=2, label=label)
    colours = np.asarray(epoch_of_point)[finite] if epoch_of_point is not None else np.arange(len(a))
    points = ax.scatter(a, b, c=colours, cmap=cmap, s=10, zorder=3)
    if epoch_of_point is not None:
        ax.figure.colorbar(points, ax=ax, label="epoch")
    if len(a):
        ax.plot(a[0], b[0], "ks", ms=6, zorder=4)
        ax.plot(a[-1], b[-1], "r*", ms=10, zorder=4)


def plot_solution_lines(ax: Axes, X: Any, y: Any, *, half_length: float = 3.0, cmap: str = "plasma") -> None:
    """Each point's solution line ``{w : w.x = y}`` in the (w1, w2) plane, coloured by the point's order."""
    rows, targets = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(-1)
    colours = plt.get_cmap(cmap)(np.linspace(0.0, 0.85, len(rows)))
    for m, (x, t) in enumerate(zip(rows, targets), start=1):
        ends = line_points(x, float(t), half_length=half_length)
        ax.plot(ends[:, 0], ends[:, 1], color=colours[m - 1], lw=0.9, zorder=1, label=f"point {m}" if m in (1, len(rows)) else None)
    ax.set_xlabel("w1 (weight on x[m-1])")
    ax.set_ylabel("w2 (weight on x[m])")


def _finite_or_nan(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(array), array, np.nan)


def _log_if_positive(ax: Axes, values: Sequence[float], log: bool) -> None:
    array = np.asarray(values, dtype=np.float64)
    if log and np.isfinite(array).any() and (array[np.isfinite(array)] > 0).all():
        ax.set_yscale("log")


def _note_divergence(ax: Axes, history: History) -> None:
    if history.diverged:
        ax.text(0.5, 0.95, f"diverged (lr={history.lr:g})", transform=ax.transAxes, ha="center", va="top",
                color="#b00020", fontsize=9, bbox={"fc": "white", "ec": "#b00020"})

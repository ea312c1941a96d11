"""Plots of a ``History`` and of weight trajectories; every axis is labelled with its unit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from ..callbacks import History

X_UNITS = {"iteration": "iteration", "epoch": "epoch", "samples": "samples seen"}

# The series' one visual vocabulary: the same thing is drawn the same way in every notebook.
# Each entry is matplotlib keyword arguments, e.g. ``ax.plot(x, y, **STYLE["train"])``.
STYLE: dict[str, dict[str, Any]] = {
    "initial": {"marker": "s", "color": "black", "ms": 7, "ls": "none", "label": "initial weights"},
    "now": {"marker": "o", "color": "tab:red", "ms": 8, "mec": "white", "ls": "none", "label": "weights now"},
    "best": {"marker": "*", "color": "gold", "ms": 15, "mec": "black", "ls": "none", "label": "best weights (least squares)"},
    "boundary": {"color": "0.6", "lw": 0.8, "ls": ":"},
    "train": {"color": "tab:blue", "label": "train"},
    "validation": {"color": "tab:orange", "label": "validation"},
    "keep": {"color": "tab:green", "label": "keep (real training)"},
    "reset": {"color": "tab:red", "label": "reset to the start each epoch"},
    "reinit": {"color": "tab:purple", "label": "re-draw at random each epoch"},
}


def style(name: str, **overrides: Any) -> dict[str, Any]:
    """``STYLE[name]`` with some keywords replaced (e.g. another label)."""
    if name not in STYLE:
        raise ValueError(f"Invalid name: {name!r} (expected one of {sorted(STYLE)})")
    return {**STYLE[name], **overrides}


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
    scale = {"iteration": history.steps_per_epoch, "epoch": 1, "samples": history.samples_per_epoch}[x]
    epochs = math.ceil(len(history.step_loss) / history.steps_per_epoch)
    for k in range(1, epochs):
        ax.axvline(k * scale, zorder=0, **STYLE["boundary"])


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
                    dims: tuple[int, int] = (0, 1), cmap: str = "viridis", label: str | None = None,
                    colorbar: bool = True) -> None:
    """A weight path (T, P) in two of its coordinates, points coloured by epoch (``colorbar``: say which is which)."""
    path = np.asarray(path, dtype=np.float64)
    finite = np.isfinite(path[:, list(dims)]).all(axis=1)
    a, b = path[finite, dims[0]], path[finite, dims[1]]
    ax.plot(a, b, color="0.3", lw=0.7, zorder=2, label=label)
    colours = np.asarray(epoch_of_point)[finite] if epoch_of_point is not None else np.arange(len(a))
    points = ax.scatter(a, b, c=colours, cmap=cmap, s=10, zorder=3)
    if epoch_of_point is not None and colorbar:
        ax.figure.colorbar(points, ax=ax, label="epoch")
    if len(a):
        ax.plot(a[0], b[0], zorder=4, **STYLE["initial"])
        ax.plot(a[-1], b[-1], zorder=4, **STYLE["now"])


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

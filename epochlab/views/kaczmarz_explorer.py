"""Instructor slider for the asker's loop: how many SGD steps each point gets before the next."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure

from ..landscape import least_squares, mse
from ..lessons.askers_loop import as_if_reset
from ..lessons.kaczmarz import ArrayLike, epoch_map, iterate_map, kaczmarz, line_points, point_losses
from .plots import STYLE
from .widgets import LivePlot, int_slider

FLOOR = 1e-16  # log axes: a loss of exactly 0 (or below this) is drawn on the floor


def steps_per_point_explorer(X: ArrayLike, y: ArrayLike, w0: ArrayLike, *, lr: float, steps: int = 5000,
                             max_steps: int = 5000, iterations: int = 500_000) -> LivePlot:
    """Slider over steps per point: each point's error after one pass, and the loss for a budget of iterations.

    Both panels come from the closed form (:mod:`epochlab.kaczmarz`), so a move redraws at once.
    The right panel spends the same ``iterations`` SGD steps whatever the slider says: fewer
    steps per point means more epochs.
    """
    n_points = len(np.asarray(y).reshape(-1))
    best = float(mse(X, y, least_squares(X, y, bias=False), bias=False))
    figure = Figure(figsize=(9.5, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    (per_point,) = left.semilogy(np.arange(1, n_points + 1), np.ones(n_points), "o-")
    left.set(xlabel="point m (trained in this order)", ylabel="squared error after one pass", ylim=(FLOOR / 10, 10))
    (per_epoch,) = right.loglog([1, iterations], [1, 1], ".-", ms=3, label="end of each epoch")
    right.axhline(max(best, FLOOR), color="k", ls="--", lw=1, label="least-squares minimum")
    right.set(xlabel="iteration (SGD steps)", ylabel="full-dataset loss (MSE)", xlim=(n_points / 2, iterations * 2))
    right.legend(fontsize=8, loc="lower left")
    right.set_title("steps per point", fontsize=9)  # reserve the title's room before the layout is fixed

    def update(steps_per_point: int) -> None:
        one_pass = kaczmarz(X, y, w0, epochs=1, lr=lr, steps_per_point=steps_per_point)
        per_point.set_ydata(np.maximum(point_losses(X, y, one_pass[-1]), FLOOR))
        epochs = max(1, iterations // (n_points * steps_per_point))
        ends = iterate_map(*epoch_map(X, y, lr=lr, steps_per_point=steps_per_point), w0, epochs)
        per_epoch.set_data(np.arange(1, epochs + 1) * n_points * steps_per_point,
                           np.maximum(mse(X, y, ends[1:], bias=False), FLOOR))
        right.relim()
        right.autoscale_view(scalex=False)
        right.set_title(f"steps per point = {steps_per_point}: {epochs} epochs of {n_points * steps_per_point} "
                        "iterations", fontsize=9)

    controls: dict[str, Any] = {"steps_per_point": int_slider("steps per point", steps, 1, max_steps)}
    return LivePlot(figure, update, controls)


def explorer_readout(plot: LivePlot) -> tuple[np.ndarray, float]:
    """What a :func:`steps_per_point_explorer` shows now: each point's error after one pass, and the last loss."""
    per_point, per_epoch = plot.figure.axes[0].lines[0], plot.figure.axes[1].lines[0]
    return np.array(per_point.get_ydata(), dtype=np.float64), float(np.asarray(per_epoch.get_ydata())[-1])


def plot_solution_lines(ax: Axes, X: Any, y: Any, *, half_length: float = 3.0, cmap: str = "plasma") -> None:
    """Each point's solution line ``{w : w.x = y}`` in the (w1, w2) plane, coloured by the point's order.

    A colourbar beside the axes says which colour is which point m.
    """
    rows, targets = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(-1)
    colours = colormaps[cmap](np.linspace(0.0, 0.85, len(rows)))
    for m, (x, t) in enumerate(zip(rows, targets), start=1):
        ends = line_points(x, float(t), half_length=half_length)
        ax.plot(ends[:, 0], ends[:, 1], color=colours[m - 1], lw=0.9, zorder=1)
    scale = ScalarMappable(Normalize(0.5, len(rows) + 0.5), ListedColormap(colours))
    ax.figure.colorbar(scale, ax=ax, ticks=range(1, len(rows) + 1), label="solution line of point m")
    ax.set_xlabel("w1 (weight on x[m-1])")
    ax.set_ylabel("w2 (weight on x[m])")


def plot_boundary_story(left: Axes, right: Axes, loss: np.ndarray, distance: np.ndarray, n_points: int) -> None:
    """Per inner loop: the loss on all points (left) and the distance to the solution (right), with what a reset would do.

    ``loss`` and ``distance`` have one entry at the start and one after every inner loop. Dotted lines
    are epoch boundaries; the dashed curve on the right is the distance if every epoch restarted from the start.
    """
    x = np.arange(len(loss)) / n_points
    kept = {**STYLE["keep"], "label": "the loop as written (nothing reset)"}
    left.semilogy(x, np.maximum(loss, FLOOR), ".-", ms=4, **kept)
    left.set(xlabel="epoch (a dot after each inner loop)", ylabel="loss on all points (MSE)")
    right.plot(*as_if_reset(distance, n_points), **{**STYLE["reset"], "label": "if the weights were reset each epoch"},
               ls="--", lw=1.2)
    right.plot(x, distance, ".-", ms=4, **kept)
    right.set(xlabel="epoch (a dot after each inner loop)", ylabel="distance to the weights that fit every point")
    for ax in (left, right):
        for k in range(1, int(x[-1])):
            ax.axvline(k, zorder=0, **STYLE["boundary"])


def plot_cycle(ax: Axes, X: Any, y: Any, cycle: np.ndarray, best: np.ndarray) -> None:
    """Noisy data: the solution lines, zoomed on one epoch of the limit cycle, each visit numbered by its point."""
    shown = np.vstack([cycle, best])
    center, half = (shown.min(axis=0) + shown.max(axis=0)) / 2, 0.7 * np.ptp(shown, axis=0).max()
    plot_solution_lines(ax, X, y, half_length=4.0)
    ax.plot(*np.vstack([cycle, cycle[:1]]).T, "k.-", lw=0.8, ms=6, zorder=3, label="one epoch on the cycle")
    for m, w in enumerate(cycle[1:-1], start=1):
        ax.annotate(str(m), w, textcoords="offset points", xytext=(5, -3), fontsize=8)
    ax.plot(*cycle[0], zorder=4, **{**STYLE["now"], "label": "where every epoch starts and ends"})
    ax.plot(*best, zorder=4, **STYLE["best"])
    ax.set(xlim=(center[0] - half, center[0] + half), ylim=(center[1] - half, center[1] + half), aspect="equal")

"""Notebook 03's pictures: the bowl in 3-D and as contours, a descent path on it, and the learning-rate explorer."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mpl_toolkits.mplot3d.axes3d import Axes3D

from ..landscape import hessian, lr_threshold
from ..lessons.loss_bowl import Descent, descend, gd_losses, regime, surface
from .plots import STYLE, plot_trajectory
from .widgets import LivePlot, lr_slider


def draw_surface(ax: Axes3D, grid: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """The bowl in 3-D, on axes made with ``projection="3d"``."""
    ax.plot_surface(*grid, cmap="viridis", linewidth=0, rstride=2, cstride=2)
    ax.set(xlabel="weight w1", ylabel="weight w2", zlabel="loss (MSE)", title="the loss surface")


def draw_contours(ax: Axes, grid: tuple[np.ndarray, np.ndarray, np.ndarray], *, levels: int = 14) -> None:
    """Contours of the bowl, spaced geometrically so the rings near the bottom show too; minimum starred."""
    W1, W2, L = grid
    low = L.min()
    # Geometric spacing above the minimum: a quadratic's rings crowd together on a linear scale.
    ax.contour(W1, W2, L, levels=low + np.geomspace(1e-3, 1.0, levels) * (L.max() - low), cmap="Greys_r",
               linewidths=0.7, zorder=1)
    i, j = np.unravel_index(np.argmin(L), L.shape)
    ax.plot(W1[i, j], W2[i, j], zorder=5, **STYLE["best"])
    ax.set(xlabel="weight w1", ylabel="weight w2", xlim=(W1.min(), W1.max()), ylim=(W2.min(), W2.max()))
    ax.set_aspect("equal")


def draw_eigenvectors(ax: Axes, X: torch.Tensor, center: np.ndarray, *, length: float = 1.5) -> None:
    """Arrows along the Hessian's eigenvectors from ``center``, labelled with their eigenvalues."""
    values, vectors = np.linalg.eigh(hessian(X, bias=False))
    for value, vector, colour in zip(values, vectors.T, ("tab:blue", "tab:red")):
        vector = vector if vector[-1] >= 0 else -vector  # eigh's sign is arbitrary: point up, the same for every seed
        tip = (center[0] + length * vector[0], center[1] + length * vector[1])
        ax.annotate("", tip, (center[0], center[1]), arrowprops={"arrowstyle": "->", "color": colour, "lw": 2}, zorder=6)
        ax.text(tip[0], tip[1], f" $\\lambda$={value:.2f}", color=colour, fontsize=9, zorder=6)


def draw_descent(ax: Axes, descent: Descent, *, colorbar: bool = True) -> None:
    """The path coloured by epoch, with a ring where each epoch ends (the next one starts from that point)."""
    plot_trajectory(ax, descent.path, descent.epoch_of_point, colorbar=colorbar)
    ends = np.flatnonzero(np.diff(descent.epoch_of_point, append=-1) != 0)[1:]
    ends = ends[descent.epoch_of_point[ends] <= descent.history.epochs_completed]  # a diverged epoch never ended
    finite = ends[np.isfinite(descent.path[ends]).all(axis=1)]
    ax.scatter(descent.path[finite, 0], descent.path[finite, 1], s=45, facecolors="none", edgecolors="k",
               lw=0.8, zorder=4, label="end of an epoch")


# -- the instructor's learning-rate explorer ----------------------------------------------
def lr_explorer(X: torch.Tensor, y: torch.Tensor, *, epochs: int, seed: int = 0, lr: float | None = None) -> LivePlot:
    """Full-batch descent redrawn in place as the learning rate moves: path on the cached contours, loss curve."""
    threshold = lr_threshold(X, bias=False)
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    draw_contours(left, surface(X, y))
    (line,) = left.plot([], [], color="0.3", lw=0.8, zorder=2)
    dots = left.scatter([], [], c=[], cmap="viridis", vmin=0, vmax=epochs, s=14, zorder=3)
    figure.colorbar(dots, ax=left, label="epoch")
    (measured,) = right.plot([], [], "o", ms=4, label="measured (fit)")
    (analytic,) = right.plot([], [], "-", lw=1, label="closed form (recurrence)")
    right.set(xlabel="epoch", ylabel="full-dataset loss (MSE)", yscale="log", xlim=(-0.5, epochs + 0.5))
    right.legend(loc="best", fontsize=8)

    def update(lr: float) -> None:
        run = descend(X, y, lr=lr, epochs=epochs, seed=seed, quiet=True)
        line.set_data(run.path[:, 0], run.path[:, 1])
        dots.set_offsets(run.path)
        dots.set_array(run.epoch_of_point)
        losses = np.asarray(run.history.epoch_loss)
        measured.set_data(np.arange(len(losses)), losses)
        curve = gd_losses(X, y, run.path[0], lr=lr, steps=epochs)
        shown = np.isfinite(curve) & (curve < 1e30)
        analytic.set_data(np.arange(epochs + 1)[shown], curve[shown])
        right.set_ylim(0.5 * np.nanmin(curve[shown]), 2 * np.nanmax(curve[shown]))
        stop = f", overflowed in epoch {run.history.epochs_completed + 1}" if run.history.diverged else ""
        figure.suptitle(f"lr = {lr:.3g} = {lr / threshold:.2f} x 2/lambda_max: {regime(lr, threshold)}{stop}")

    plot = LivePlot(figure, update, {"lr": lr_slider(lr or 0.5 * threshold, low=0.05 * threshold, high=2 * threshold)})
    figure.set_layout_engine("none")  # keep the first layout: re-solving it on every move costs ~40% of a redraw
    return plot

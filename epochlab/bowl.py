"""Notebook 03's helpers: the two-weight loss bowl, gradient descent across it, and a learning-rate explorer.

The net is ``LinearNet(d, bias=False)``, so its loss is exactly the quadratic of ``landscape``:
along the Hessian's eigenvector ``i`` the error ``w - w*`` is multiplied by ``1 - lr * lambda_i``
at every full-batch step. That one fact sorts learning rates into the regimes named here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mpl_toolkits.mplot3d.axes3d import Axes3D
from torch import nn

from .callbacks import History
from .checks import check_int
from .data import make_generator
from .landscape import gd_recurrence, hessian, least_squares, loss_grid, lr_threshold, mse
from .model import LinearNet, flat_weights
from .plots import plot_trajectory
from .snapshots import WeightSnapshots
from .train import fit
from .widgets import LivePlot, lr_slider


def make_correlated_data(n_samples: int, weights: Sequence[float], *, correlation: float = 0.7, noise: float = 0.1,
                         seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two standard-normal inputs with correlation ``correlation``, and ``y = X @ weights + noise``."""
    check_int("n_samples", n_samples, 2)
    if len(weights) != 2:
        raise ValueError(f"Invalid weights: {weights!r} (expected two numbers, one per input)")
    if not -1.0 < correlation < 1.0:
        raise ValueError(f"Invalid correlation: {correlation!r} (expected a number in (-1, 1))")
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"Invalid noise: {noise!r} (expected a finite number >= 0)")
    generator = make_generator(seed)
    z = torch.randn(n_samples, 2, generator=generator)
    # Mixing two independent inputs correlates them: the bowl stretches along one diagonal.
    X = torch.stack([z[:, 0], correlation * z[:, 0] + math.sqrt(1.0 - correlation**2) * z[:, 1]], dim=1)
    y = X @ torch.tensor([float(v) for v in weights]).unsqueeze(1)
    return X, y + noise * torch.randn(n_samples, 1, generator=generator)


def autograd_hessian(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Hessian of the full-dataset MSE in the model's flat weights, by autograd at its current weights."""
    params = dict(model.named_parameters())
    shapes = [(name, p.shape, p.numel()) for name, p in params.items()]

    def loss_of(flat: torch.Tensor) -> torch.Tensor:
        chunks, offset = {}, 0
        for name, shape, size in shapes:
            chunks[name], offset = flat[offset : offset + size].reshape(shape), offset + size
        return torch.nn.functional.mse_loss(torch.func.functional_call(model, chunks, (X.double(),)), y.double())

    return torch.autograd.functional.hessian(loss_of, flat_weights(model).double()).numpy()


def regime(lr: float, threshold: float) -> str:
    """What full-batch descent does at ``lr``, from the factor ``1 - lr * lambda_max`` (a theorem, not a fit)."""
    if lr <= threshold / 2:
        return "monotone"  # every factor is in [0, 1): each direction shrinks without changing sign
    if lr < threshold:
        return "oscillating"  # the steepest factor is in (-1, 0): it flips sign but still shrinks
    return "diverging" if lr > threshold else "bouncing"  # |factor| > 1 grows; = 1 never settles


@dataclass
class Descent:
    """One run of ``fit`` on a fresh net: its history and the weights it walked through."""

    lr: float
    history: History
    path: np.ndarray  # (T, P): the start, then the weights after every step
    epoch_of_point: np.ndarray  # (T,): 0 for the start, else the epoch the step belongs to


def walked_path(snapshots: WeightSnapshots, steps_per_epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """The start and the weights after every step of a ``"keep"`` run, with the epoch of each (0: the start)."""
    path = snapshots.trajectory().double().numpy()  # under "keep": row i holds the weights after step i
    epochs = np.array([math.ceil(step / steps_per_epoch) for step in range(len(path))])
    return path, epochs


def descend(X: torch.Tensor, y: torch.Tensor, *, lr: float, epochs: int, batch_size: int | None = None,
            seed: int = 0, quiet: bool = False) -> Descent:
    """Train ``LinearNet(d, bias=False, seed=seed)`` from scratch and record its path; ``quiet`` hides the divergence warning."""
    net = LinearNet(X.shape[1], bias=False, seed=seed)
    snapshots = WeightSnapshots(every="step")
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", RuntimeWarning)
        history = fit(net, X, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, callbacks=[snapshots])
    path, epoch_of_point = walked_path(snapshots, history.steps_per_epoch)
    return Descent(lr, history, path, epoch_of_point)


def gd_losses(X: torch.Tensor, y: torch.Tensor, w0: np.ndarray, *, lr: float, steps: int) -> np.ndarray:
    """Closed-form full-batch loss curve (steps+1 values) from ``w0``; non-finite once it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(mse(X, y, gd_recurrence(X, y, w0, lr=lr, steps=steps, bias=False), bias=False))


def eigen_coordinates(path: np.ndarray, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """``path - w*`` in the Hessian's eigenbasis, ascending eigenvalue: the last column is the steepest direction."""
    _, vectors = np.linalg.eigh(hessian(X, bias=False))
    return (np.asarray(path, dtype=np.float64) - least_squares(X, y, bias=False)) @ vectors


def count_rises(values: Sequence[float] | np.ndarray) -> int:
    """How many times a curve goes up from one point to the next (0 for a strictly falling curve)."""
    return int(np.sum(np.diff(np.asarray(values, dtype=np.float64)) > 0))


# -- drawing ------------------------------------------------------------------------------
def surface(X: torch.Tensor, y: torch.Tensor, *, span: float = 4.0,
            resolution: int = 81) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on a square of weights around the minimum: depends on the data only, so compute it once."""
    return loss_grid(X, y, least_squares(X, y, bias=False), span=span, resolution=resolution, bias=False)


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
    ax.plot(W1[i, j], W2[i, j], "w*", ms=12, mec="k", zorder=5)
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


def draw_descent(ax: Axes, descent: Descent) -> None:
    """The path coloured by epoch, with a ring where each epoch ends (the next one starts from that point)."""
    plot_trajectory(ax, descent.path, descent.epoch_of_point)
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

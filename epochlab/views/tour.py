"""Figures for notebook 00: the loss per epoch against its floor, and one weight path down one bowl."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.axes import Axes

from ..callbacks import History
from ..landscape import loss_grid, mse
from .plots import STYLE, plot_epoch_loss, plot_step_loss


def plot_loss_and_floor(history: History, floor: float, left: Axes, right: Axes) -> None:
    """Left: the full-dataset loss once per epoch; right: every mini-batch's loss; the floor on both."""
    plot_epoch_loss(history, left, label="loss on all the data, end of each epoch", color=STYLE["train"]["color"])
    plot_step_loss(history, right, x="epoch", label="loss of each mini-batch", color=STYLE["train"]["color"])
    for ax in (left, right):
        ax.axhline(floor, color="black", ls="--", lw=1, label="floor: the least-squares loss")
        ax.legend(fontsize=8, loc="upper right")
    left.set_title("once per epoch: it falls, then settles on the floor")
    right.set_title("every iteration: it jitters around the floor")


def plot_bowl_path(X: torch.Tensor, y: torch.Tensor, path: np.ndarray, best: np.ndarray, whole: Axes,
                   zoom: Axes) -> None:
    """The weights at every epoch boundary on the bowl's contours: the whole path, and a zoom on its end.

    ``path`` is (epochs + 1, 2): the initial weights, then the weights at the end of each epoch.
    Contours are filled and spaced geometrically above the minimum, so the bottom of the bowl shows.
    """
    path, best = np.asarray(path, dtype=np.float64), np.asarray(best, dtype=np.float64)
    floor = float(mse(X, y, best, bias=False))
    whole_span = 1.15 * float(np.abs(path - best).max())
    zoom_span = 1.3 * max(float(np.abs(path[-4:] - best).max()), 1e-4)  # the last three epochs
    for ax, span in ((whole, whole_span), (zoom, zoom_span)):
        W1, W2, L = loss_grid(X, y, best, span=span, bias=False, resolution=120)
        levels = floor + np.geomspace(1e-3, 1.0, 12) * (L.max() - floor)
        ax.contourf(W1, W2, L, levels=np.concatenate([[floor], levels]), cmap="Blues_r", zorder=0)
        ax.plot(path[:, 0], path[:, 1], color="0.25", lw=0.8, zorder=2)
        ax.scatter(path[1:-1, 0], path[1:-1, 1], s=16, color="white", edgecolor="black", lw=0.6, zorder=3,
                   label="weights at an epoch boundary")
        ax.plot(*path[0], zorder=4, **STYLE["initial"])
        ax.plot(*best, zorder=5, **STYLE["best"])
        ax.plot(*path[-1], zorder=6, **STYLE["now"] | {"label": "weights after the last epoch"})
        ax.set(xlabel="weight w1", ylabel="weight w2", xlim=(best[0] - span, best[0] + span),
               ylim=(best[1] - span, best[1] + span), aspect="equal")
    whole.set_title("the whole path: start to bottom of the bowl")
    zoom.set_title("zoomed in on the last three epochs")
    whole.legend(fontsize=7, loc="lower left", framealpha=0.9)

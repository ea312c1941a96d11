"""Figures for notebook 04's tanh net: what each restart ended with, restarts against one run, the wall between minima."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from ..lessons.bad_minima import best_and_worst
from ..lessons.restarts import Restarts
from ..model import set_flat_weights
from .plots import STYLE

BEST_COLOUR, WORST_COLOUR = "tab:blue", "tab:red"  # green is the continued run (STYLE["keep"])


@torch.no_grad()
def plot_restart_fits(ax: Axes, restarts: Restarts, model_factory: Callable[[int], nn.Module], X: torch.Tensor,
                      y: torch.Tensor) -> None:
    """The data, and the function every restart ended with (grey); the best and the worst in colour."""
    best, worst = best_and_worst(restarts)
    grid = torch.linspace(float(X.min()), float(X.max()), 200).unsqueeze(1)
    model = model_factory(0)
    others: str | None = "the other restarts"
    ax.plot(X[:, 0], y[:, 0], "o", color="0.3", ms=3, label="data")
    for r, weights in enumerate(restarts.final_weights):
        set_flat_weights(model, weights)
        if r in (best, worst):
            kind, colour = ("best", BEST_COLOUR) if r == best else ("worst", WORST_COLOUR)
            label = f"{kind} restart (loss {restarts.end_losses[r]:.3f})"
            ax.plot(grid[:, 0], model(grid)[:, 0], color=colour, lw=2.5, zorder=3, label=label)
        else:
            ax.plot(grid[:, 0], model(grid)[:, 0], color="0.7", lw=1, zorder=2, label=others)
            others = None  # one legend entry for all of them
    ax.set(xlabel="input x", ylabel="output")


def plot_end_losses(ax: Axes, restarts: Restarts, one_run: Restarts | None = None) -> None:
    """The final loss of each restart (one dot each), and the one continued run's final loss (a line) if given."""
    ends = np.asarray(restarts.end_losses)
    best, worst = best_and_worst(restarts)
    colours = [BEST_COLOUR if r == best else WORST_COLOUR if r == worst else "0.4" for r in range(len(ends))]
    ax.scatter(np.arange(1, len(ends) + 1), ends, c=colours, s=40, zorder=3, label="where each restart ended")
    if one_run is not None:
        ax.axhline(one_run.end_losses[0], **{**STYLE["keep"], "label": "one continued run, same compute"}, lw=2)
    ax.set(xlabel="restart", ylabel="final full-dataset loss (MSE)", yscale="log", xticks=np.arange(1, len(ends) + 1))


def plot_restarts_vs_one_run(ax: Axes, restarts: Restarts, one_run: Restarts) -> None:
    """Loss against epoch: K restarts end to end (thin) and one continued run of the same compute (thick, on top)."""
    ax.plot(*restarts.curve(), **{**STYLE["reinit"], "label": f"{len(restarts.histories)} restarts, end to end"}, lw=1)
    ax.plot(*one_run.curve(), **{**STYLE["keep"], "label": "one continued run"}, lw=3, zorder=3)
    for epoch in restarts.starts()[1:]:
        ax.axvline(epoch, zorder=0, **STYLE["boundary"])
    ax.set(xlabel="epoch (= iteration: full batch; dotted: a restart begins)", ylabel="full-dataset loss (MSE)",
           yscale="log")


def plot_line(ax: Axes, ts: np.ndarray, losses: np.ndarray, *, start: str, end: str) -> None:
    """Loss on the straight line between two weight vectors, its two ends marked and labelled."""
    ax.plot(ts, losses, "-", color="0.2", lw=1.5, label="loss on the straight line")
    ax.plot(0, losses[0], "o", color=BEST_COLOUR, ms=9, zorder=3, label=start)
    ax.plot(1, losses[-1], "o", color=WORST_COLOUR, ms=9, zorder=3, label=end)
    ax.set(xlabel="t (0 and 1: two restarts' final weights; between: a mix of both)",
           ylabel="full-dataset loss (MSE)", yscale="log")

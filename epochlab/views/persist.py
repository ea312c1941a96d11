"""Figures for notebook 02: real training against the imagined world, and reset vs re-draw in weight space."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from ..lessons.epochs import ModeRun, boundary_losses
from ..lessons.imagined_world import ImaginedWorld
from .plots import STYLE

IMAGINED: dict[str, Any] = {"color": "tab:purple", "ls": "--", "marker": "o", "ms": 4}


def _sawtooth(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of a line through (k-1, start of epoch k) -> (k, end of epoch k), with the jumps at the boundaries."""
    epochs = np.arange(1, len(ends) + 1)
    return np.column_stack([epochs - 1, epochs]).ravel(), np.column_stack([starts, ends]).ravel()


def plot_real_vs_imagined(ax: Axes, real: ModeRun, imagined: ImaginedWorld, X: torch.Tensor, y: torch.Tensor,
                          *, search_steps: int) -> None:
    """Full-dataset loss at the start and end of every epoch: real training against the imagined world."""
    starts, ends = boundary_losses(real.model, X, y, real.snapshots)
    steps = real.history.steps_per_epoch
    ax.plot(*_sawtooth(starts, ends), marker="o", ms=4, color=STYLE["keep"]["color"],
            label=f"real training ({steps} steps per epoch)")
    ax.plot(*_sawtooth(imagined.start_loss, imagined.end_loss), **IMAGINED,
            label=f"imagined: each epoch a new random start,\n{search_steps} steps down to the bottom")
    epochs = np.arange(1, len(imagined.end_loss) + 1)
    ax.plot(epochs, imagined.end_loss, color=IMAGINED["color"], lw=2.5, alpha=0.5,
            label="imagined: the loss at each epoch's end\n(flat: no epoch learns from the last)")
    ax.set(xlabel="epoch", ylabel="loss on all the data (MSE)", yscale="log",
           title="loss at the start and the end of every epoch")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


MODE_TITLES = {
    "keep": "keep: each epoch starts where the last ended",
    "reset": "reset: every epoch starts at the same point",
    "reinit": "re-draw: every epoch starts somewhere new",
}


def plot_mode_paths(axes: list[Axes], runs: dict[str, ModeRun], best: np.ndarray) -> None:
    """One panel per mode: its weight path, one solid piece per epoch, numbered epoch starts, dotted jumps."""
    every = np.concatenate([run.snapshots.weights.numpy() for run in runs.values()])
    low, high = every.min(axis=0), every.max(axis=0)
    pad = 0.08 * (high - low)
    for ax, (mode, run) in zip(axes, runs.items()):
        colour, snaps = STYLE[mode]["color"], run.snapshots
        kinds, epochs, weights = snaps.kinds, snaps.epochs, snaps.weights.numpy()
        for k in sorted(set(epochs)):
            piece = weights[[i for i, (kind, e) in enumerate(zip(kinds, epochs)) if e == k and kind != "epoch_end"]]
            ax.plot(piece[:, 0], piece[:, 1], color=colour, lw=1.2, label="one epoch of training" if k == 1 else None)
            ax.plot(*piece[0], "s", mfc="white", mec=colour, ms=9, mew=1.5, zorder=3,
                    label="start of an epoch" if k == 1 else None)
            if mode == "reinit":
                ax.annotate(str(k), piece[0], fontsize=7, ha="center", va="center", zorder=4)
            elif mode == "reset" and k == 1:
                ax.annotate(f"all {max(epochs)} epochs start here", piece[0], xytext=(10, 6),
                            textcoords="offset points", fontsize=8, color=colour)
            if k + 1 in epochs and not torch.equal(snaps.epoch_end(k), snaps.epoch_start(k + 1)):
                jump = np.stack([snaps.epoch_end(k).numpy(), snaps.epoch_start(k + 1).numpy()])
                ax.plot(jump[:, 0], jump[:, 1], color=colour, lw=0.8, ls=":",
                        label="jump at an epoch boundary" if k == 1 else None)
        ax.plot(*best, zorder=5, **STYLE["best"])
        ax.set(xlabel="weight w1", ylabel="weight w2", title=MODE_TITLES.get(mode, mode),
               xlim=(low[0] - pad[0], high[0] + pad[0]), ylim=(low[1] - pad[1], high[1] + pad[1]))
        ax.title.set_fontsize(10)
        ax.legend(fontsize=7, loc="lower left")


def plot_boundary_losses(ax: Axes, runs: dict[str, ModeRun], X: torch.Tensor, y: torch.Tensor) -> None:
    """Full-dataset loss at every epoch start and end, one sawtooth per mode."""
    for mode, run in runs.items():
        ax.plot(*_sawtooth(*boundary_losses(run.model, X, y, run.snapshots)), ".-", **STYLE[mode])
    ax.set(xlabel="epoch", ylabel="loss on all the data (MSE)", yscale="log",
           title="loss at the start and the end of every epoch")
    ax.legend(fontsize=8)

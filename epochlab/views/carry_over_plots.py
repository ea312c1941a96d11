"""Figures for notebook 06: digits, optimizer state kept vs reset, the schedule, data orders, meters, resumes."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..callbacks import History
from ..digits import DigitsSplit
from ..lessons.carry_over import OptimizerRun, cumulative_means
from .plots import STYLE, new_axes, plot_step_loss, style

CE = "cross-entropy"


def show_digits(data: DigitsSplit, count: int = 12, *, split: str = "train") -> Figure:
    """The first ``count`` images of ``split``, each titled with its label."""
    images, labels = data.images(split)[:count], (data.y_train if split == "train" else data.y_val)[:count]
    fig, axes = plt.subplots(1, count, figsize=(1.1 * count, 1.6), layout="constrained")
    for ax, image, label in zip(axes, images, labels):
        ax.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"label {int(label)}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("8x8 pixels, each in [0, 1] (scikit-learn's bundled digits)", fontsize=10)
    return fig


def plot_kept_vs_reset(kept: OptimizerRun, reset: OptimizerRun, name: str) -> list[Axes]:
    """Left: mini-batch loss of both runs; right: validation loss per epoch. Same start, same data order."""
    left, right = new_axes(2)
    plot_step_loss(kept.history, left, **style("keep", label=f"{name} state kept"))
    plot_step_loss(reset.history, left, boundaries=False, **style("reset", label=f"{name} state reset each epoch"))
    left.set(ylabel=f"mini-batch loss ({CE})", title="every iteration (dotted: epoch boundaries)")
    for run, key, what in ((kept, "keep", "kept"), (reset, "reset", "reset each epoch")):
        right.plot(run.history.val_loss, marker="o", ms=3, **style(key, label=f"state {what}"))
    right.set(xlabel="epoch", ylabel=f"validation loss ({CE})", yscale="log", title="weights kept in both runs")
    for ax in (left, right):
        ax.legend(fontsize=8)
    return [left, right]


def plot_lr(history: History, ax: Axes | None = None) -> Axes:
    """The learning rate each epoch ran with, as a step curve."""
    ax = ax or new_axes(width=6)[0]
    epochs = np.arange(1, len(history.epoch_lr) + 1)
    ax.step(epochs, history.epoch_lr, where="mid", marker="o", **style("train", label="lr in force (history.epoch_lr)"))
    ax.set(xlabel="epoch", ylabel="learning rate", title="StepLR: the schedule keeps counting across epochs")
    ax.legend(fontsize=8)
    return ax


def plot_orders(orders: torch.Tensor, *, show: int = 40) -> Axes:
    """Each epoch's order, first ``show`` positions, coloured by sample index: every row a new shuffle."""
    ax = new_axes(width=8, height=2.6)[0]
    image = ax.imshow(orders[:, :show].numpy(), aspect="auto", cmap="viridis", interpolation="nearest",
                      extent=(0.5, show + 0.5, len(orders) + 0.5, 0.5))
    ax.figure.colorbar(image, ax=ax, label="sample index")
    ax.set(xlabel="position in the epoch (first few)", ylabel="epoch", title="which sample comes when")
    return ax


def plot_meters(history: History) -> Axes:
    """Mini-batch losses, the running mean (restarted every epoch), a mean never reset, and end-of-epoch loss."""
    ax = plot_step_loss(history, new_axes(width=9, height=3.6)[0], color="0.75", label="mini-batch loss")
    steps, epochs = history.steps_per_epoch, history.epochs_completed
    for k, value in enumerate(history.running_loss):
        ax.hlines(value, k * steps + 1, (k + 1) * steps, lw=2.5, **style("train", label="running mean (reset each epoch)" if k == 0 else None))
    ax.plot(np.arange(1, epochs + 1) * steps, cumulative_means(history), "s--", ms=4, color="tab:gray",
            label="mean since the start (never reset)")
    ax.plot(np.arange(0, epochs + 1) * steps, history.epoch_loss, "o", color="black", ms=5,
            label="full training-set loss at the epoch end")
    ax.set(ylabel=f"loss ({CE})", title="what a progress bar prints vs what the weights are")
    ax.legend(fontsize=8)
    return ax


def plot_resume_costs(costs: Mapping[str, float]) -> Axes:
    """Largest weight difference from the uninterrupted run, per part left out of the checkpoint."""
    ax = new_axes(width=7, height=3.2)[0]
    names = list(costs)
    values = [costs[n] for n in names]
    floor = min([v for v in values if v > 0], default=1.0) / 10
    colours = [STYLE["keep"]["color"] if v == 0 else STYLE["reset"]["color"] for v in values]
    ax.bar(names, [max(v, floor) for v in values], color=colours)
    for i, v in enumerate(values):
        ax.text(i, max(v, floor), "0: bit for bit" if v == 0 else f"{v:.2g}", ha="center", va="bottom", fontsize=8)
    ax.set(yscale="log", xlabel="part left out of the checkpoint", ylabel="max |weight - uninterrupted|",
           title="resumed in a fresh process: what each omission costs")
    return ax

"""Figures for notebook 07: train vs validation per epoch, early stopping's rewind, and a training-size slider."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..callbacks import History
from ..lessons.validation import OverfitSetup, ValidationRun, train_with_validation, turning_point
from .plots import STYLE, new_axes, style
from .widgets import LivePlot, int_slider

CE = "cross-entropy"


def draw_losses(ax: Axes, history: History, *, running: bool = True) -> None:
    """Train (end of epoch, and the running mean) and validation loss per epoch; a star at the best epoch."""
    epochs = np.arange(len(history.epoch_loss))
    ax.plot(epochs, history.epoch_loss, **style("train", label="train loss, end of epoch"))
    if running:
        ax.plot(epochs[1:], history.running_loss, ls="--", lw=1,
                **style("train", label="train loss, running mean (as printed at the epoch end)"))
    ax.plot(epochs, history.val_loss, **STYLE["validation"])
    best = turning_point(history)
    ax.axvline(best, **STYLE["boundary"])
    ax.plot(best, history.val_loss[best], **style("best", label=f"lowest validation loss (epoch {best})"))
    ax.set(xlabel="epoch", ylabel=f"loss ({CE})", yscale="log")


def plot_train_vs_validation(history: History) -> list[Axes]:
    """Losses per epoch (log scale); the validation loss alone (linear, zoomed); accuracy, train vs validation."""
    left, middle, right = new_axes(3, width=4.6, height=3.8)
    draw_losses(left, history)
    left.set_title("do more epochs always help?")
    left.legend(fontsize=7)
    best, skip = turning_point(history), max(1, turning_point(history) // 3)
    middle.plot(np.arange(skip, len(history.val_loss)), history.val_loss[skip:], **STYLE["validation"])
    middle.plot(best, history.val_loss[best], **style("best", label=f"lowest (epoch {best})"))
    middle.set(xlabel="epoch", ylabel=f"validation loss ({CE})", title="validation loss, zoomed: it turns up")
    middle.legend(fontsize=8)
    epochs = np.arange(len(history.epoch_accuracy))
    right.plot(epochs, history.epoch_accuracy, **STYLE["train"])
    right.plot(epochs, history.val_accuracy, **STYLE["validation"])
    right.set(xlabel="epoch", ylabel="accuracy (fraction correct)", title="accuracy", ylim=(0, 1.02))
    right.legend(fontsize=8)
    return [left, middle, right]


def plot_early_stopping(full: History, stopped: ValidationRun) -> Axes:
    """The full run's validation loss, where early stopping ended, and the epoch it rewound to."""
    ax = new_axes(width=8, height=3.6)[0]
    ax.plot(full.val_loss, color=STYLE["validation"]["color"], alpha=0.35, lw=4, label="validation, full run")
    ax.plot(stopped.history.val_loss, **style("validation", label="validation, early-stopped run"))
    assert stopped.early_stopping is not None and stopped.restore_best is not None
    end, best = stopped.early_stopping.stopped_epoch, stopped.restore_best.best_epoch
    ax.axvline(end, color="black", lw=1, label=f"stopped after epoch {end}")
    ax.annotate("", xy=(best, stopped.history.val_loss[best]), xytext=(end, stopped.history.val_loss[best]),
                arrowprops={"arrowstyle": "->", "color": "black"})
    ax.text((best + end) / 2, stopped.history.val_loss[best], "rewind", ha="center", va="top", fontsize=8)
    ax.plot(best, stopped.history.val_loss[best], **style("best", label=f"weights restored: epoch {best}"))
    ax.set(xlabel="epoch", ylabel=f"validation loss ({CE})", yscale="log", title="EarlyStopping + RestoreBest")
    ax.legend(fontsize=8)
    return ax


def training_size_explorer(setup: OverfitSetup, *, sizes: tuple[int, int] = (50, 800)) -> LivePlot:
    """A slider over the training-set size: train and validation loss per epoch, redrawn in place."""
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    ax = figure.subplots()

    def update(n_train: int) -> None:
        ax.clear()
        draw_losses(ax, train_with_validation(replace(setup, n_train=n_train)).history, running=False)
        ax.set_title(f"{n_train} training images, {setup.epochs} epochs")
        ax.legend(fontsize=8)

    slider = int_slider("training images", setup.n_train, sizes[0], sizes[1], step=50)
    return LivePlot(figure, update, {"n_train": slider})

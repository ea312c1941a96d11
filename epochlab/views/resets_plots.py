"""Figures for notebook 08: cross-validation scores with and without resets, and warm vs cold start."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from ..callbacks import History
from ..lessons.resets import CVResult
from .plots import STYLE, new_axes, style


def plot_cv_scores(honest: CVResult, leaky: CVResult) -> Axes:
    """Validation accuracy per fold (bars) and, for the same nets, accuracy on untouched test images (dots)."""
    ax = new_axes(width=9, height=4.4)[0]
    folds = np.arange(1, len(honest.fold_scores) + 1)
    runs = ((honest, -0.2, "reset", "fresh net per fold"), (leaky, 0.2, "keep", "one net carried across folds"))
    for result, shift, key, name in runs:
        ax.bar(folds + shift, result.fold_scores, width=0.4, alpha=0.8,
               **style(key, label=f"{name}: fold's validation score (mean {result.score:.3f})"))
        ax.plot(folds + shift, result.test_scores, "o", mec="black",
                **style(key, label=f"{name}: same net on untouched test images"))
    lows = honest.fold_scores + leaky.fold_scores + honest.test_scores + leaky.test_scores
    ax.set(xlabel="fold", ylabel="accuracy (fraction correct)", ylim=(min(lows) - 0.05, 1.04), xticks=folds,
           title="the leak: a carried-over net has already trained on the fold it is scored on")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    return ax


def plot_warm_vs_cold(warm: History, cold: History) -> list[Axes]:
    """Validation loss and accuracy per epoch on old + new data: continuing the old net vs a fresh one."""
    left, right = new_axes(2)
    runs = ((warm, "keep", "warm start (old net, trained on)"), (cold, "reset", "cold start (fresh net)"))
    for history, key, name in runs:
        left.plot(history.val_loss, marker="o", ms=3, **style(key, label=name))
        right.plot(history.val_accuracy, marker="o", ms=3, **style(key, label=name))
    left.set(xlabel="epoch on old + new data", ylabel="validation loss (cross-entropy)", yscale="log")
    right.set(xlabel="epoch on old + new data", ylabel="validation accuracy", ylim=(0, 1.02))
    for ax in (left, right):
        ax.legend(fontsize=8)
    return [left, right]


def plot_folds(folds: list[tuple[torch.Tensor, torch.Tensor]], n_samples: int) -> Axes:
    """One row per fold: which samples it trains on and which it validates on."""
    ax = new_axes(width=8, height=0.45 * len(folds) + 1.2)[0]
    grid = np.zeros((len(folds), n_samples))
    for row, (_, val) in enumerate(folds):
        grid[row, val.numpy()] = 1
    colours = ListedColormap([STYLE["train"]["color"], STYLE["validation"]["color"]])
    ax.imshow(grid, aspect="auto", cmap=colours, interpolation="nearest", extent=(0, n_samples, len(folds) + 0.5, 0.5))
    ax.set(xlabel="sample index", ylabel="fold", yticks=range(1, len(folds) + 1),
           title="k-fold: each sample is validation in exactly one fold")
    ax.legend(handles=[Patch(color=STYLE["train"]["color"], label="train"),
                       Patch(color=STYLE["validation"]["color"], label="validation")], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax

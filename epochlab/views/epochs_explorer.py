"""Figures for notebooks 01 and 02: sliding-window epochs, a batch-size slider, a between-epochs switch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from ..callbacks import History
from ..data import batch_sizes
from ..lessons.epochs import BatchSizeRun, boundaries_equal, run_modes, sliding_window_loss, stream_loss
from ..model import LinearNet
from ..train import fit
from .plots import STYLE, mark_epoch_boundaries
from .widgets import LivePlot, int_slider, mode_buttons

CLOCK_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")


def plot_three_clocks(runs: dict[int, BatchSizeRun], axes: list[Axes]) -> None:
    """The loss on all the data after every update, one line per batch size, against iterations, epochs, samples.

    A dot marks the end of every epoch: on the epoch and samples axes the dots of all batch sizes line up.
    """
    for (size, run), colour in zip(runs.items(), CLOCK_COLOURS):
        h, steps = run.history, run.history.steps_per_epoch
        updates = np.arange(len(run.full_loss))
        clocks = (updates, updates / steps, updates / steps * h.samples_per_epoch)
        for ax, x in zip(axes, clocks):
            ax.plot(x, run.full_loss, color=colour, lw=1.2, label=f"B = {size}: {steps} update{'s' if steps > 1 else ''} per epoch")
            ax.plot(x[::steps], run.full_loss[::steps], "o", color=colour, ms=4)
    titles = ("against iterations (weight updates)", "against epochs (passes over the data)",
              "against samples seen")
    for ax, unit, title in zip(axes, ("iteration (log scale)", "epoch", "samples seen"), titles):
        ax.set(xlabel=unit, ylabel="loss on all the data (MSE)", yscale="log", title=title)
    axes[0].set_xscale("symlog", linthresh=1)
    axes[0].set_xlim(0, None)
    axes[0].legend(fontsize=8)


def plot_sliding_window(history: History, left: Axes, right: Axes) -> None:
    """Left: the loss stream, its sliding one-epoch mean, the per-epoch means; right: a zoom on one boundary."""
    stream, sliding, n = stream_loss(history), sliding_window_loss(history), history.samples_per_epoch
    ends = np.arange(n, len(stream) + 1)  # sliding[j] covers samples j+1 .. j+n: drawn where it ends
    epochs = len(history.running_loss)
    left.plot(np.arange(1, len(stream) + 1), stream, color="0.8", lw=0.6, label="loss of each sample as it is used")
    for ax in (left, right):
        ax.stairs(history.running_loss, np.arange(epochs + 1) * n, baseline=None, color="0.3",
                  label="per-epoch mean (what a progress bar prints)")
        ax.plot(ends, sliding, lw=1.8, color=STYLE["train"]["color"], label="mean of the last N samples (sliding)")
        ax.plot(ends[::n], sliding[::n], "o", color="#b00020", label="sliding windows that are official epochs")
        mark_epoch_boundaries(ax, history, x="samples")
        ax.set(xlabel="samples seen", ylabel="loss (MSE)")
    left.set(yscale="log", ylim=(sliding.min() / 30, None), title="every window of N samples is one pass")
    left.legend(fontsize=7, loc="lower left")
    # The zoom: half an epoch before the second boundary to the third, on a linear scale the eye can read.
    low, high = 1.5 * n, min(3 * n, len(stream))
    shown = sliding[(ends >= low) & (ends <= high)]
    right.set(xlim=(low, high), ylim=(0, 1.2 * shown.max()), title=f"zoom on sample {2 * n}: the staircase drops, the sliding mean glides")
    right.legend(fontsize=7, loc="upper right")


def batch_size_explorer(X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 8, epochs: int = 4,
                        lr: float = 0.05, seed: int = 0) -> LivePlot:
    """A batch-size slider: iterations per epoch (readout and curve) and a short run against samples seen."""
    n = len(X)
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    sizes = np.arange(1, n + 1)
    left.plot(sizes, np.ceil(n / sizes), label="ceil(N/B)")
    left.plot(sizes, n // sizes, ls="--", label="floor(N/B) (drop_last)")
    (marker,) = left.plot([], [], "o", color="#b00020", ms=8)
    left.set(xlabel="batch size B (samples per iteration)", ylabel="iterations per epoch", yscale="log")
    left.legend(fontsize=8)
    (curve,) = right.plot([], [], ".-", lw=0.8, ms=3)
    for k in range(1, epochs):
        right.axvline(k * n, color="0.6", lw=0.8, ls=":")
    right.set(xlabel="samples seen (dotted: epoch boundaries)", ylabel="mini-batch loss (MSE)", yscale="log",
              xlim=(0, epochs * n * 1.03), ylim=(1e-3, 10.0))  # limits before the first update: a log axis needs some

    def update(batch_size: int) -> None:
        steps = len(batch_sizes(n, batch_size))
        marker.set_data([batch_size], [steps])
        left.set_title(f"B = {batch_size}: {steps} iterations per epoch ({n // batch_size} with drop_last)")
        history = fit(LinearNet(X.shape[1], bias=False, seed=seed), X, y, epochs=epochs, lr=lr,
                      batch_size=batch_size, seed=seed)
        curve.set_data(history.samples_seen(), history.step_loss)
        losses = np.asarray(history.step_loss)[np.isfinite(history.step_loss)]
        right.set_ylim(losses.min() / 1.5, losses.max() * 1.5)
        right.set_title(f"{steps * epochs} updates in {epochs} epochs; {n} samples per epoch")

    return LivePlot(fig, update, {"batch_size": int_slider("batch size", batch_size, 1, n)})


def between_epochs_explorer(make_model: Callable[[], nn.Module], X: torch.Tensor, y: torch.Tensor, *,
                            mode: str = "keep", **fit_args: Any) -> LivePlot:
    """Mode buttons (keep / reset / reinit): the loss per iteration and the weight path of that mode."""
    runs = run_modes(make_model, X, y, **fit_args)
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    keep = runs["keep"].history
    left.plot(keep.step_epochs(), keep.step_loss, color="0.7", lw=1, label="keep (the real run)")
    (curve,) = left.plot([], [], lw=1.2, color="#b00020", label="selected mode")
    mark_epoch_boundaries(left, keep, x="epoch")
    left.set(xlabel="epoch (dotted: epoch boundaries)", ylabel="mini-batch loss (MSE)", yscale="log")
    left.legend(fontsize=8, loc="lower left")
    (path,) = right.plot([], [], ".-", lw=0.6, ms=2, color="#b00020")
    (start,) = right.plot([], [], "s", mfc="white", ms=7, mew=1.5, label="epoch starts")
    right.set(xlabel="weight 1", ylabel="weight 2")
    every = torch.cat([run.snapshots.weights for run in runs.values()])
    right.set(xlim=_padded(every[:, 0]), ylim=_padded(every[:, 1]))

    def update(mode: str) -> None:
        run = runs[mode]
        curve.set_data(run.history.step_epochs(), run.history.step_loss)
        for line in (curve, path, start):  # the series' colour for this mode (plots.STYLE)
            line.set_color(STYLE[mode]["color"])
        start.set_markerfacecolor("white")
        right.legend(fontsize=8)  # rebuilt: its marker takes this mode's colour
        path_weights = run.snapshots.trajectory().numpy()
        path.set_data(path_weights[:, 0], path_weights[:, 1])
        starts = np.array([i for i, kind in enumerate(run.snapshots.kinds) if kind == "epoch_start"])
        start.set_data(run.snapshots.weights[starts, 0].numpy(), run.snapshots.weights[starts, 1].numpy())
        same = boundaries_equal(run.snapshots)
        left.set_title(f"{mode}: end of epoch k == start of k+1 at {sum(same)}/{len(same)} boundaries")
        right.set_title(f"{mode}: weight path, final loss {run.history.epoch_loss[-1]:.3g}")

    return LivePlot(fig, update, {"mode": mode_buttons(mode)})


def _padded(values: torch.Tensor) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    margin = 0.05 * (high - low or 1.0)
    return low - margin, high + margin

"""Figures for notebook 04: the deep-linear net's two basins, and a slider over the number of restarts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from ..landscape import least_squares
from ..lessons.restarts import Restarts, basin, run_restarts, split_epochs
from .plots import STYLE
from .widgets import LivePlot, int_slider


def plot_basins(ax: Axes, restarts: Restarts, one_run: Restarts, X: torch.Tensor, y: torch.Tensor) -> None:
    """One-hidden-unit deep-linear weights seen as (W1 along p*, w2): the minima are the curve x * w2 = |p*|.

    ``p*`` is the least-squares solution; a minimum has ``w2 * W1 = p*``, so the minima form two
    branches, one per basin, on either side of the ridge ``w2 = 0``.
    """
    best = least_squares(X, y, bias=False)
    direction, size = best / np.linalg.norm(best), float(np.linalg.norm(best))
    every = torch.cat([restarts.initial_weights, restarts.final_weights, one_run.epoch_weights[0]]).double().numpy()
    top = 1.1 * float(np.abs(every[:, -1]).max())
    for sign in (1.0, -1.0):
        w2 = sign * np.linspace(size / (1.1 * float(np.abs(every[:, :-1] @ direction).max())), top, 200)
        ax.plot(size / w2, w2, color="0.75", lw=4, zorder=1, label="minima (w2 W1 = p*)" if sign > 0 else None)
    ax.axhline(0.0, color="k", lw=0.8, label="ridge w2 = 0 (loss = mean y^2)")
    starts, ends = restarts.initial_weights.double().numpy(), restarts.final_weights.double().numpy()
    ax.scatter(starts[:, :-1] @ direction, starts[:, -1], s=12, color="0.5", zorder=2, label="restart starts")
    for side, colour in ((1, "C2"), (-1, "C1")):
        chosen = basin(ends) == side
        ax.scatter(ends[chosen, :-1] @ direction, ends[chosen, -1], s=30, color=colour, zorder=3,
                   label=f"restart ends, w2 {'>' if side > 0 else '<'} 0")
    path = one_run.epoch_weights[0].double().numpy()
    ax.plot(path[:, :-1] @ direction, path[:, -1], "-", color="C0", lw=1.5, zorder=4, label="one run (every epoch)")
    ax.plot(path[0, :-1] @ direction, path[0, -1], "ks", ms=5, zorder=5)
    ax.set(xlabel="W1 along p* (the least-squares direction)", ylabel="w2 (its sign is the basin)")


def mark_restarts(ax: Axes, restarts: Restarts) -> None:
    """A dotted vertical line at every epoch where a new restart begins (not at epoch 0)."""
    for epoch in restarts.starts()[1:]:
        ax.axvline(epoch, color="0.6", lw=0.8, ls=":", zorder=0)


def plot_basin_weight(ax: Axes, restarts: Restarts, one_run: Restarts) -> None:
    """``w2`` (its sign is the basin) epoch by epoch: the restarts end to end against one run, the ridge at 0."""
    ax.plot(*restarts.weight_curve(-1), color="C3", lw=1, label="restarts, end to end")
    ax.plot(*one_run.weight_curve(-1), color="C0", lw=2, label="one run")
    ax.axhline(0.0, color="k", lw=0.8)
    mark_restarts(ax, restarts)
    ax.set(xlabel="epoch (dotted: a restart begins)", ylabel="w2 (its sign is the basin)")
    ax.set_ylim(top=1.5 * float(restarts.final_weights[:, -1].abs().max()))  # headroom for a legend


def restarts_explorer(
    model_factory: Callable[[int], nn.Module], X: torch.Tensor, y: torch.Tensor, *, total_epochs: int, lr: float,
    restarts: int = 4, max_restarts: int = 40, batch_size: int | None = None, seed: int = 0,
    one_run: Restarts | None = None, known: Sequence[Restarts] = (),
) -> LivePlot:
    """A slider over the number of restarts K; the K restarts share ``total_epochs`` epochs, as the long run has.

    Left: full-dataset loss against epoch; right: the final loss of each restart against the one
    continued run's. ``one_run`` (one "restart" of ``total_epochs``) and ``known`` (restarts already
    run with these arguments, e.g. ``[restarts, one_run]``) are not recomputed; a move runs and caches new ones.
    """
    split_epochs(total_epochs, max_restarts)  # validates both now, not on the first slider move
    # One run of total_epochs is one "restart" that is never restarted: same code, same seed as restart 0.
    long = one_run or run_restarts(model_factory, X, y, restarts=1, epochs=total_epochs, lr=lr,
                                   batch_size=batch_size, seed=seed)
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    (loss_line,) = left.plot([], [], **{**STYLE["reinit"], "label": "K restarts, end to end"}, lw=1)
    left.plot(*long.curve(), **{**STYLE["keep"], "label": f"one run of {total_epochs} epochs"}, lw=3, zorder=3)
    (walls_left,) = left.plot([], [], **STYLE["boundary"])
    left.set(xlabel="epoch (dotted: a restart begins)", ylabel="full-dataset loss (MSE)", yscale="log",
             xlim=(0, total_epochs))
    left.legend(fontsize=8, loc="upper center", ncol=2)
    (ends_line,) = right.plot([], [], "o", color="0.3", label="final loss of each restart")
    right.axhline(long.end_losses[0], **{**STYLE["keep"], "label": "one continued run"}, lw=2)
    right.set(xlabel="restart", ylabel="final full-dataset loss (MSE)", yscale="log")
    right.legend(fontsize=8, loc="upper center", ncol=2)
    cache = {len(result.histories): result for result in known}

    def update(restarts: int) -> None:
        if restarts not in cache:
            cache[restarts] = run_restarts(model_factory, X, y, restarts=restarts, lr=lr, batch_size=batch_size,
                                           seed=seed, epochs=split_epochs(total_epochs, restarts))
        result = cache[restarts]
        loss_line.set_data(*result.curve())
        walls = np.repeat(result.starts()[1:], 3).astype(np.float64)
        walls_left.set_data(walls, np.tile([1e-9, 1e9, np.nan], len(walls) // 3))
        left.set_ylim(*_limits(np.concatenate([result.curve()[1], long.curve()[1]]), log=True))
        ends_line.set_data(np.arange(1, restarts + 1), result.end_losses)
        right.set_xlim(0.5, restarts + 0.5)
        right.set_ylim(*_limits(np.array([*result.end_losses, long.end_losses[0]]), log=True))
        sizes = sorted(set(result.epochs))
        left.set_title(f"K = {restarts} restarts x {'/'.join(map(str, sizes))} epochs = {sum(result.epochs)} epochs",
                       fontsize=9)
        right.set_title(f"restarts end between {min(result.end_losses):.3g} and {max(result.end_losses):.3g}; "
                        f"one run {long.end_losses[0]:.3g}", fontsize=9)

    return LivePlot(figure, update, {"restarts": int_slider("restarts K", restarts, 1, max_restarts)})


def _limits(values: np.ndarray, *, log: bool) -> tuple[float, float]:
    """Y-limits with headroom above the data for the legend (the ridge w2 = 0 always in view)."""
    finite = values[np.isfinite(values)]
    if log:
        finite = finite[finite > 0]
        return float(finite.min()) / 2, float(finite.max()) * 30
    span = float(finite.max() - finite.min()) or 1.0
    return float(finite.min()) - 0.05 * span, float(finite.max()) + 0.35 * span


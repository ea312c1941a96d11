"""Instructor slider for notebook 04: K random restarts against one continued run, at equal compute."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from .restarts import Restarts, basin, run_restarts, split_epochs
from .widgets import LivePlot, int_slider


def restarts_explorer(
    model_factory: Callable[[int], nn.Module], X: torch.Tensor, y: torch.Tensor, *, total_epochs: int, lr: float,
    restarts: int = 4, max_restarts: int = 40, batch_size: int | None = None, seed: int = 0,
) -> LivePlot:
    """A slider over the number of restarts K; the K restarts share ``total_epochs`` epochs, as the long run has.

    Left: full-dataset loss against epoch; right: the basin weight ``w2`` of a one-hidden-unit
    ``DeepLinearNet`` (its sign is the basin). The continued run is drawn once; a move redraws the restarts.
    """
    split_epochs(total_epochs, max_restarts)  # validates both now, not on the first slider move
    # One run of total_epochs is one "restart" that is never restarted: same code, same seed as restart 0.
    long = run_restarts(model_factory, X, y, restarts=1, epochs=total_epochs, lr=lr, batch_size=batch_size, seed=seed)
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.plot(*long.curve(), lw=2, color="C0", label=f"one run of {total_epochs} epochs")
    (loss_line,) = left.plot([], [], lw=1, color="C3", label="K restarts, end to end")
    (walls_left,) = left.plot([], [], color="0.5", lw=0.8, ls=":")
    left.set(xlabel="epoch (dotted: a restart begins)", ylabel="full-dataset loss (MSE)", yscale="log",
             xlim=(0, total_epochs))
    left.legend(fontsize=8, loc="upper right")
    right.plot(*long.weight_curve(-1), lw=2, color="C0", label="one run")
    (w2_line,) = right.plot([], [], lw=1, color="C3", label="restarts")
    (walls_right,) = right.plot([], [], color="0.5", lw=0.8, ls=":")
    right.axhline(0.0, color="k", lw=0.8, label="ridge w2 = 0")
    right.set(xlabel="epoch (dotted: a restart begins)", ylabel="w2 (its sign is the basin)", xlim=(0, total_epochs))
    right.legend(fontsize=8, loc="upper right")
    cache: dict[int, Restarts] = {}

    def update(restarts: int) -> None:
        if restarts not in cache:
            cache[restarts] = run_restarts(model_factory, X, y, restarts=restarts, lr=lr, batch_size=batch_size,
                                           seed=seed, epochs=split_epochs(total_epochs, restarts))
        result = cache[restarts]
        loss_line.set_data(*result.curve())
        w2_line.set_data(*result.weight_curve(-1))
        walls = np.repeat(result.starts()[1:], 3).astype(np.float64)
        walls_left.set_data(walls, np.tile([1e-9, 1e9, np.nan], len(walls) // 3))
        walls_right.set_data(walls, np.tile([-1e9, 1e9, np.nan], len(walls) // 3))
        for ax, values in ((left, result.curve()[1]), (right, result.weight_curve(-1)[1])):
            ax.set_ylim(*_limits(np.concatenate([values, ax.lines[0].get_ydata()]), log=ax is left))
        sizes = sorted(set(result.epochs))
        left.set_title(f"K = {restarts} restarts x {'/'.join(map(str, sizes))} epochs = {sum(result.epochs)} epochs; "
                       f"best restart {min(result.end_losses):.3g}, one run {long.end_losses[0]:.3g}", fontsize=9)
        ends = basin(result.final_weights)
        right.set_title(f"restarts ending in basin w2 > 0: {int((ends > 0).sum())}, w2 < 0: {int((ends < 0).sum())}",
                        fontsize=9)

    return LivePlot(figure, update, {"restarts": int_slider("restarts K", restarts, 1, max_restarts)})


def _limits(values: np.ndarray, *, log: bool) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if log:
        return float(finite.min()) / 2, float(finite.max()) * 2
    margin = 0.05 * (float(finite.max() - finite.min()) or 1.0)
    return float(finite.min()) - margin, float(finite.max()) + margin


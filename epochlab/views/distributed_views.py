"""Notebook 10's pictures: which worker saw which sample, the order each epoch, the weights at the boundaries."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes

from ..lessons.distributed import DistributedRun
from .plots import STYLE, new_axes

WORKER_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray")


def plot_shares(run: DistributedRun, epoch: int = 0, ax: Axes | None = None, *, first: int = 60) -> Axes:
    """One row per worker, a tick at each of the ``first`` sample indices it saw in ``epoch``: every column
    has exactly one tick (padding aside), so the rows tile one pass."""
    ax = ax or new_axes(width=8.0, height=0.5 + 0.45 * run.world_size)[0]
    for w in run.workers:
        mine = sorted(i for i in set(w.seen[epoch]) if i < first)
        ax.scatter(mine, [w.rank] * len(mine), marker="s", s=22, color=WORKER_COLOURS[w.rank % len(WORKER_COLOURS)])
    ax.set_yticks(range(run.world_size), [f"worker {r}: {len(w.seen[epoch])} samples"
                                          for r, w in enumerate(run.workers)])
    ax.set_ylim(run.world_size - 0.5, -0.5)
    ax.set_xlim(-1, first)
    ax.set_title(f"{run.world_size} workers: every sample in one row")
    ax.set_xlabel(f"sample index (the first {first} of {run.n_samples}) seen in epoch {epoch + 1}")
    return ax


def plot_orders(runs: Sequence[DistributedRun], titles: Sequence[str], axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Worker 0's sample order, epoch by epoch, one panel per run: identical curves mean a repeated order."""
    axes = list(axes) if axes is not None else new_axes(len(runs), width=4.6, height=3.4)
    for ax, run, title in zip(axes, runs, titles):
        seen = run.workers[0].seen
        for e, order in enumerate(seen):
            ax.plot(order[:40], ls="none", marker="o", ms=7 - 2 * e, label=f"epoch {e + 1}", alpha=0.8)
        ax.set_xlabel("position in worker 0's epoch (first 40)")
        ax.set_ylabel("sample index")
        ax.set_title(title)
        ax.legend(fontsize=8)
    return axes


def plot_boundaries(run: DistributedRun, single: torch.Tensor, ax: Axes | None = None) -> Axes:
    """Distance of the weights from their start at every epoch boundary: each worker, and one process at W*B."""
    ax = ax or new_axes(width=5.5)[0]
    start = single[0]
    ax.plot(range(len(single)), (single - start).norm(dim=1).numpy(), color="black", lw=3, alpha=0.3,
            label=f"one process, batch {run.world_size * run.batch_size}")
    for w in run.workers:
        dist = (w.weights - w.weights[0]).norm(dim=1).numpy()
        ax.plot(range(len(dist)), dist, ls="none", marker="o", ms=9 - 1.5 * w.rank,
                color=WORKER_COLOURS[w.rank % len(WORKER_COLOURS)], label=f"worker {w.rank}, batch {run.batch_size}")
    for k in range(1, len(single) - 1):
        ax.axvline(k, zorder=0, **STYLE["boundary"])
    ax.set_xlabel("epoch boundary (0: the start)")
    ax.set_ylabel("distance of the weights from the start")
    ax.set_xticks(np.arange(len(single)))
    ax.legend(fontsize=8)
    return ax

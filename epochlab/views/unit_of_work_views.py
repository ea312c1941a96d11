"""Notebook 09's pictures: loss against epochs and against seconds, time per epoch, memory per batch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from ..lessons.memory import Attempt
from ..lessons.unit_of_work import TimedRun
from .plots import STYLE, new_axes

BATCH_COLOURS = ("tab:blue", "tab:green", "tab:purple", "tab:brown", "tab:pink")
THREAD_LINES = ("-", "--", ":", "-.")


def _looks(runs: Sequence[TimedRun], run: TimedRun) -> dict[str, object]:
    sizes = sorted({r.batch_size for r in runs})
    threads = sorted({r.threads for r in runs})
    first = threads.index(run.threads) == 0  # drawn wide and pale, so the other thread counts show on top of it
    return {"color": BATCH_COLOURS[sizes.index(run.batch_size) % len(BATCH_COLOURS)],
            "ls": THREAD_LINES[threads.index(run.threads) % len(THREAD_LINES)], "lw": 5 if first else 1.5,
            "alpha": 0.35 if first else 1.0,
            "label": f"batch {run.batch_size}, {run.threads} thread{'s' if run.threads > 1 else ''}"}


def plot_epochs_and_seconds(runs: Sequence[TimedRun], target: float, axes: Sequence[Axes] | None = None,
                            *, loss_name: str = "cross-entropy") -> list[Axes]:
    """Two panels, the same runs: training loss against epochs (the lines of one batch size lie on top of
    each other whatever the threads) and against wall-clock seconds (they do not)."""
    left, right = axes if axes is not None else new_axes(2, width=5.2, height=3.6)
    for run in runs:
        looks = _looks(runs, run)
        left.plot(range(len(run.epoch_loss)), run.epoch_loss, marker="o", ms=3, **looks)  # type: ignore[arg-type]
        right.plot(run.seconds, run.epoch_loss, marker="o", ms=3, **looks)  # type: ignore[arg-type]
    for ax, unit in ((left, "epoch"), (right, "wall-clock seconds since the start")):
        ax.axhline(target, color="0.3", lw=1, ls="--", label=f"target loss {target:g}")
        ax.set_xlabel(unit)
        ax.set_ylabel(f"training loss ({loss_name})")
        ax.set_yscale("log")
    epochs = len(runs[0].epoch_loss) - 1
    for k in range(1, epochs):
        left.axvline(k, zorder=0, **STYLE["boundary"])
    left.set_title("against epochs: the threads agree")
    right.set_title("against seconds: the machine decides")
    left.legend(fontsize=8)
    return [left, right]


def plot_seconds_per_epoch(runs: Sequence[TimedRun], ax: Axes | None = None) -> Axes:
    """Grouped bars: mean seconds per epoch for every batch size (groups) and thread count (bars)."""
    ax = ax or new_axes(width=5.5)[0]
    sizes = sorted({r.batch_size for r in runs})
    threads = sorted({r.threads for r in runs})
    width = 0.8 / len(threads)
    for j, t in enumerate(threads):
        heights = [next(r.seconds_per_epoch for r in runs if r.batch_size == b and r.threads == t) for b in sizes]
        ax.bar(np.arange(len(sizes)) + (j - (len(threads) - 1) / 2) * width, heights, width,
               label=f"{t} thread{'s' if t > 1 else ''}", color=("tab:gray", "tab:olive", "tab:cyan")[j % 3])
    ax.set_xticks(range(len(sizes)), [f"batch {b}" for b in sizes])
    ax.set_ylabel("seconds per epoch (this machine, now)")
    ax.set_xlabel("batch size (the same N samples per epoch)")
    ax.legend()
    return ax


def plot_memory(attempts: Sequence[Attempt], ax: Axes | None = None) -> Axes:
    """Peak memory of one epoch against the batch size, log-log, with the straight line ``memory ~ B``."""
    ax = ax or new_axes(width=5.5)[0]
    plain = [a for a in attempts if a.chunks == 1 and a.completed]
    b = np.array([a.batch_size for a in plain], dtype=float)
    peak = np.array([a.peak_mib for a in plain])
    ax.loglog(b, peak, marker="o", color="tab:blue", label="measured peak (child process)")
    ax.loglog(b, peak[-1] * b / b[-1], color="0.5", ls="--", lw=1, label="proportional to the batch size")
    ax.set_xlabel("batch size (samples per forward/backward pass)")
    ax.set_ylabel("peak memory during the epoch (MiB)")
    ax.legend()
    return ax


def plot_limit(attempts: Sequence[Attempt], limit_mib: float, ax: Axes | None = None) -> Axes:
    """One bar per attempt under the memory limit: its peak, green if the epoch completed, red if it died."""
    ax = ax or new_axes(width=6.0)[0]
    names = [f"batch {a.batch_size}" + (f"\nin {a.chunks} pieces" if a.chunks > 1 else "") for a in attempts]
    colours = ["tab:green" if a.completed else "tab:red" for a in attempts]
    ax.bar(range(len(attempts)), [a.peak_mib for a in attempts], color=colours)
    for i, a in enumerate(attempts):
        ax.text(i, a.peak_mib, "epoch done" if a.completed else "allocation\nrefused", ha="center", va="bottom",
                fontsize=8)
    ax.axhline(limit_mib, color="black", ls="--", lw=1, label=f"limit: {limit_mib:g} MiB above the start")
    ax.set_xticks(range(len(attempts)), names)
    ax.set_ylabel("memory reached in the epoch (MiB)")
    ax.set_ylim(0, max(limit_mib, *(a.peak_mib for a in attempts)) * 1.3)
    ax.legend(loc="upper right")
    return ax

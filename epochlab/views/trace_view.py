"""Pictures of what ``epochlab.trace`` found: each loop's epoch boundaries, and its loss epoch by epoch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from ..tracing import Trace
from .plots import STYLE, style

# What happened at a boundary -> (colour, short label); the colours are the series' keep / reset / re-draw.
LOOK: dict[str, tuple[str, str]] = {
    "carried_over": (STYLE["keep"]["color"], "carried over"),
    "model_created": (STYLE["reinit"]["color"], "new net"),
    "reloaded": (STYLE["reset"]["color"], "reloaded"),
    "optimizer_recreated": ("tab:orange", "new optimizer"),
    "reinitialised": ("tab:brown", "re-initialised"),
    "weights_changed": ("tab:gray", "changed"),
}


def plot_boundaries(ax: Axes, traces: Mapping[str, Trace]) -> None:
    """One row per traced loop, one square per epoch boundary, coloured by what the trace found there."""
    if not traces:
        raise ValueError("Invalid traces: expected at least one (name -> trace)")
    names = list(traces)
    width = max(len(t.boundaries()) for t in traces.values())
    for row, name in enumerate(names):
        for col, kind in enumerate(traces[name].boundaries().values()):
            colour, label = LOOK.get(kind, ("black", kind))
            ax.add_patch(Rectangle((col + 0.05, row + 0.05), 0.9, 0.9, color=colour, alpha=0.85))
            ax.text(col + 0.5, row + 0.5, label.replace(" ", "\n"), ha="center", va="center", fontsize=7,
                    color="white")
    ax.set(xlim=(0, max(width, 1)), ylim=(len(names), 0), xlabel="epoch boundary (end of epoch k -> start of k+1)")
    ax.set_xticks([c + 0.5 for c in range(width)], [f"{c + 1}->{c + 2}" for c in range(width)])
    ax.set_yticks([r + 0.5 for r in range(len(names))], names)
    ax.set_title("what the trace found at each epoch boundary")
    kinds = {k for t in traces.values() for k in t.boundaries().values()}
    ax.legend(handles=[Patch(color=c, label=label) for k, (c, label) in LOOK.items() if k in kinds],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def plot_epoch_losses(ax: Axes, losses: Mapping[str, Sequence[float]], looks: Mapping[str, str]) -> None:
    """The loss on all points after each epoch, one line per loop; ``looks`` names each line's STYLE entry."""
    for name, values in losses.items():
        if name not in looks:
            raise ValueError(f"Invalid looks: no STYLE entry named for {name!r}")
        ax.semilogy(range(1, len(values) + 1), values, marker="o", **style(looks[name], label=name))
    ax.set(xlabel="epoch", ylabel="loss on all points after the epoch (MSE)",
           title="does the loss fall epoch after epoch?")
    ax.legend(fontsize=8)

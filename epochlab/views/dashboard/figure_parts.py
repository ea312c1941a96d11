"""The dashboard figure's artists, built once: the loss panel, the weights panel, the loss-surface image.

Colours and line styles come from :data:`epochlab.views.plots.STYLE` where the series has a name for
the thing drawn (initial weights, weights now, least squares, epoch boundary).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.ticker import MaxNLocator

from ..plots import style

FONT: Any = {"font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "legend.fontsize": 12,
             "xtick.labelsize": 12, "ytick.labelsize": 12}
BRANCH = "#b00020"


def landscape_image(L: np.ndarray, minimum_loss: float) -> np.ndarray:
    """RGBA bands of the loss, one band per doubling of the excess loss, with a dark line between bands."""
    excess = np.maximum(L - minimum_loss, 1e-12)
    band = np.floor(np.log2(excess / excess.max()) + 0.5)  # 0 at the rim, -1, -2 ... towards the minimum
    shade = np.clip(1.0 + band / 12.0, 0.0, 1.0)
    rgba = colormaps["Blues"](0.08 + 0.5 * shade)
    edge = np.zeros(L.shape, dtype=bool)
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    rgba[edge, :3] *= 0.55
    return rgba


def _note(ax: Axes, y: float) -> Artist:
    return ax.text(0.5, y, "", transform=ax.transAxes, ha="center", va="top", fontsize=12, color=BRANCH,
                   bbox={"fc": "white", "ec": BRANCH}, visible=False, zorder=10)


def build_loss_axes(ax: Axes) -> dict[str, Any]:
    """The loss panel: mini-batch loss (thinned when dense), full-data loss per epoch, boundaries, ghost."""
    art: dict[str, Any] = {}
    art["ghost_loss"], = ax.plot([], [], color="0.6", lw=3.0, alpha=0.45, label="previous run (faint)")
    art["band"], = ax.plot([], [], color="tab:blue", lw=1.0, alpha=0.25)
    art["step"], = ax.plot([], [], color="tab:blue", lw=1.0, alpha=0.85, label="mini-batch loss")
    art["val_loss"], = ax.plot([], [], lw=1.8, marker="s", ms=3, **style("validation", label="validation (held-out data)"))
    # blues are the training data (STYLE["train"]), orange the held-out data (STYLE["validation"]), as in every notebook
    art["epoch"], = ax.plot([], [], "o-", color="navy", ms=4, lw=2.0, label="full-data loss (epoch end)")
    art["boundary"], = ax.plot([], [], color="0.45", lw=0.8, ls=":", label="epoch boundary",
                               transform=ax.get_xaxis_transform())
    art["branch_line"], = ax.plot([], [], color=BRANCH, lw=1.8, ls="--", label="branch point",
                                  transform=ax.get_xaxis_transform())
    art["cursor"], = ax.plot([], [], color="0.2", lw=1.0, alpha=0.6, transform=ax.get_xaxis_transform())
    ax.set_ylabel("loss (MSE, log scale)")
    ax.set_title("loss per iteration and per epoch")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    art["loss_note"] = _note(ax, 0.97)
    return art


def build_weight_axes(ax: Axes, colorbar_ax: Axes) -> dict[str, Any]:
    """The weights panel: the path on the loss surface, coloured by epoch, markers, the ghost path."""
    art: dict[str, Any] = {}
    art["background"] = ax.imshow(np.zeros((2, 2, 4)), origin="lower", extent=(0, 1, 0, 1), aspect="auto",
                                  interpolation="nearest", zorder=0)
    art["ghost_path"], = ax.plot([], [], color="0.35", lw=2.0, alpha=0.35, zorder=1)
    art["path"], = ax.plot([], [], color="0.25", lw=0.8, zorder=2)
    art["points"] = ax.scatter([], [], c=[], cmap="viridis", norm=Normalize(0.5, 1.5), s=20, zorder=3,
                               edgecolors="none")
    # The series' markers (plots.STYLE), a little larger for a projector.
    art["minimum"], = ax.plot([], [], zorder=4, **style("best", ms=17, label="least squares (best)"))
    art["start"], = ax.plot([], [], zorder=4, **style("initial", ms=9))
    art["branch_marker"], = ax.plot([], [], "D", color=BRANCH, ms=9, zorder=4, ls="none")
    art["current"], = ax.plot([], [], zorder=5, **style("now", ms=12, mec="black"))
    art["offside"], = ax.plot([], [], ">", color=BRANCH, mec="black", ms=12, zorder=6, ls="none", clip_on=False)
    colorbar = ax.figure.colorbar(art["points"], cax=colorbar_ax, label="epoch")
    colorbar.locator = MaxNLocator(integer=True, nbins=6)  # epochs are whole numbers
    colorbar.update_ticks()
    ax.set_xlabel("weight w1")
    ax.set_ylabel("weight w2")
    ax.set_title("weights on the loss contours")
    art["weight_note"] = _note(ax, 0.97)
    art["minimum"].set_animated(False)
    return art


def encode_png(rgba: np.ndarray, level: int = 1) -> bytes:
    """An RGB PNG of an RGBA buffer: no per-row filter search, light zlib (about 2x faster than PIL here)."""
    h, w = rgba.shape[:2]
    rows = np.empty((h, w * 3 + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (none) on every row
    rows[:, 1:] = rgba[:, :, :3].reshape(h, w * 3)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
            + chunk(b"IEND", b""))


def decade_label(k: int) -> str:
    """The loss 10^k as a class reads it: 0.01, 1, 100, 1e4, 1e-5."""
    return f"{10.0**k:g}" if -3 <= k <= 3 else f"1e{k}"

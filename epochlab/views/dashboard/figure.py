"""The dashboard's figure: built once, then every move only changes data on existing artists.

The loss surface is painted once per dataset into an RGBA image (bands of loss with dark
contour lines) instead of a contour set. Everything that changes per move is an *animated*
artist: the static rest (axes, ticks, labels, legends, colorbar, surface) is rendered once per
set of axis limits and cached as pixels; a frame restores those pixels, draws the few moving
artists on top and encodes the PNG (offscreen blitting: the Image widget gets whole frames).
Epoch boundaries are one line broken by NaNs; the trajectory one line plus one scatter.
"""

from __future__ import annotations

import io
from collections.abc import Hashable
from typing import Any

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from .state import Timeline

FONT: Any = {"font.size": 14, "axes.titlesize": 15, "axes.labelsize": 14, "legend.fontsize": 12}
_EPOCH_CMAP = "viridis"


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


class DashboardFigure:
    """Two panels: loss per iteration and per epoch; the weights on the loss contours."""

    def __init__(self, *, width: float = 12.5, height: float = 5.4, dpi: int = 80):
        with rc_context(FONT):
            self.figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
            FigureCanvasAgg(self.figure)
            self.loss_ax, self.weight_ax = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1.0]})
            self._build_loss_axes()
            self._build_weight_axes()
        self.dynamic: list[Artist] = [
            self.boundary_line, self.branch_line, self.step_line, self.epoch_line, self.loss_note, self.path_line,
            self.points, self.minimum_marker, self.start_marker, self.branch_marker, self.current_marker,
            self.weight_note]
        for artist in self.dynamic:
            artist.set_animated(True)  # skipped by a full draw: drawn per frame over the cached background
        self._backgrounds: dict[Hashable, tuple[Any, list[Any]]] = {}
        self._landscape_version = 0
        self._layout_frozen = False

    def _build_loss_axes(self) -> None:
        ax = self.loss_ax
        (self.step_line,) = ax.plot([], [], color="tab:blue", lw=1.0, alpha=0.8, label="mini-batch loss (each iteration)")
        (self.epoch_line,) = ax.plot([], [], "o-", color="tab:orange", ms=5, lw=1.8,
                                     label="full-data loss (end of each epoch)")
        (self.boundary_line,) = ax.plot([], [], color="0.55", lw=1.0, ls=":", label="epoch boundary",
                                        transform=ax.get_xaxis_transform())
        (self.branch_line,) = ax.plot([], [], color="#b00020", lw=1.6, ls="--", label="branch point",
                                      transform=ax.get_xaxis_transform())
        ax.set_yscale("log")
        ax.set_xlabel("iteration (weight updates)")
        ax.set_ylabel("loss (MSE)")
        ax.set_title("loss per iteration and per epoch")
        ax.tick_params(labelsize=12)
        ax.legend(loc="upper right", framealpha=0.9)
        self.loss_note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=15,
                                 color="#b00020", bbox={"fc": "white", "ec": "#b00020"}, visible=False)

    def _build_weight_axes(self) -> None:
        ax = self.weight_ax
        self.background = ax.imshow(np.zeros((2, 2, 4)), origin="lower", extent=(0, 1, 0, 1), aspect="auto",
                                    interpolation="nearest", zorder=0)
        (self.path_line,) = ax.plot([], [], color="0.25", lw=0.8, zorder=2)
        self.points = ax.scatter([], [], c=[], cmap=_EPOCH_CMAP, norm=Normalize(1, 2), s=22, zorder=3,
                                 edgecolors="none")
        (self.minimum_marker,) = ax.plot([], [], "P", color="white", mec="black", ms=13, zorder=4,
                                         label="least-squares minimum")
        (self.start_marker,) = ax.plot([], [], "ks", ms=9, zorder=4, label="initial weights")
        (self.branch_marker,) = ax.plot([], [], "D", color="#b00020", ms=9, zorder=4, label="branch point")
        (self.current_marker,) = ax.plot([], [], "*", color="red", mec="black", ms=17, zorder=5,
                                         label="weights now")
        colorbar = self.figure.colorbar(self.points, ax=ax, label="epoch")
        colorbar.locator = MaxNLocator(integer=True)  # epochs are whole numbers
        ax.set_xlabel("weight w1")
        ax.set_ylabel("weight w2")
        ax.set_title("weights on the loss contours")
        ax.tick_params(labelsize=12)
        ax.legend(loc="lower left", framealpha=0.9, fontsize=10)
        self.weight_note = ax.text(0.5, 0.93, "", transform=ax.transAxes, ha="center", va="top", fontsize=13,
                                   color="#b00020", bbox={"fc": "white", "ec": "#b00020"}, visible=False)

    def set_landscape(self, grid: tuple[np.ndarray, np.ndarray, np.ndarray], minimum: np.ndarray,
                      minimum_loss: float) -> None:
        """Paint the loss surface of a new dataset (once per dataset, never per move)."""
        W1, W2, L = grid
        extent = (float(W1[0, 0]), float(W1[0, -1]), float(W2[0, 0]), float(W2[-1, 0]))
        self.background.set_data(landscape_image(L, minimum_loss))
        self.background.set_extent(extent)
        self.weight_ax.set_xlim(extent[:2])
        self.weight_ax.set_ylim(extent[2:])
        self.minimum_marker.set_data([minimum[0]], [minimum[1]])
        self._landscape_version += 1

    def show(self, timeline: Timeline, cursor: int, *, lr: float) -> None:
        """Show ``timeline`` up to ``cursor`` steps by changing the existing artists' data."""
        steps = timeline.steps
        cursor = max(0, min(cursor, steps))
        losses = np.asarray(timeline.step_loss, dtype=np.float64)
        shown = np.where(np.isfinite(losses[:cursor]), losses[:cursor], np.nan)
        self.step_line.set_data(np.arange(1, cursor + 1), shown)
        ends = [(s, v) for s, v in zip(timeline.epoch_end_step, timeline.epoch_end_loss) if s <= cursor]
        self.epoch_line.set_data([0] + [s for s, _ in ends], [timeline.start_loss] + [v for _, v in ends])
        marks = np.array([b[3] for b in timeline.boundaries], dtype=np.float64)
        self.boundary_line.set_data(np.repeat(marks, 3), np.tile([0.0, 1.0, np.nan], len(marks)))
        branch = [timeline.branch_step] if timeline.branch_step else []
        self.branch_line.set_data(branch * 2, [0.0, 1.0][: 2 * len(branch)])
        self._set_loss_limits(losses, timeline.start_loss, steps)
        self._show_weights(timeline, cursor)
        diverged = timeline.diverged and cursor >= steps
        for note in (self.loss_note, self.weight_note):
            note.set_text(f"diverged: the loss overflowed (lr={lr:g})" if diverged else "")
            note.set_visible(diverged)

    def _set_loss_limits(self, losses: np.ndarray, start: float, steps: int) -> None:
        values = np.append(losses, start)
        values = values[np.isfinite(values) & (values > 0)]
        low, high = (values.min(), values.max()) if len(values) else (1e-3, 1.0)
        # Whole decades: the limits (and so the cached background) change only when a decade does.
        self.loss_ax.set_ylim(10.0 ** np.floor(np.log10(low)), 10.0 ** min(np.ceil(np.log10(high)), 30.0))
        self.loss_ax.set_xlim(0, max(steps, 1) * 1.02)

    def _show_weights(self, timeline: Timeline, cursor: int) -> None:
        visible = timeline.visible_points(cursor) if timeline.path else 0
        path = np.array(timeline.path[:visible], dtype=np.float64).reshape(-1, 2)
        epochs = np.array(timeline.path_epoch[:visible], dtype=np.float64)
        # Break the line where an epoch starts somewhere else (reset/reinit): a jump, not a step.
        line = path.copy()
        if len(path) > 1:
            jumps = np.flatnonzero(np.any(path[1:] != path[:-1], axis=1) & (epochs[1:] != epochs[:-1]))
            line = np.insert(line, jumps + 1, np.nan, axis=0)
        self.path_line.set_data(line[:, 0], line[:, 1])
        self.points.set_offsets(path)
        self.points.set_array(epochs)
        self.points.set_clim(1, max(2, int(max(timeline.path_epoch, default=1))))
        first = timeline.path[0] if timeline.path else np.full(2, np.nan)
        self.start_marker.set_data([first[0]], [first[1]])
        self.current_marker.set_data(path[-1:, 0], path[-1:, 1])
        b = timeline.branch_step
        at = timeline.path[timeline.visible_points(b) - 1] if b and b <= cursor else np.full(2, np.nan)
        self.branch_marker.set_data([at[0]], [at[1]])

    def render_png(self) -> bytes:
        """One frame: the cached static background, the moving artists on top, legends over them."""
        canvas = self.figure.canvas
        assert isinstance(canvas, FigureCanvasAgg), "the dashboard renders with Agg"
        key = (self.loss_ax.get_xlim(), self.loss_ax.get_ylim(), self.points.get_clim(), self._landscape_version)
        if key not in self._backgrounds:
            canvas.draw()  # the full, expensive draw: once per set of axis limits
            if not self._layout_frozen:  # keep where constrained layout put the axes: no re-layout per move
                self.figure.set_layout_engine("none")
                self._layout_frozen = True
            legends = [ax.get_legend() for ax in (self.loss_ax, self.weight_ax)]
            regions = [canvas.copy_from_bbox(leg.get_window_extent()) for leg in legends if leg is not None]
            if len(self._backgrounds) >= 8:
                self._backgrounds.pop(next(iter(self._backgrounds)))
            self._backgrounds[key] = (canvas.copy_from_bbox(self.figure.bbox), regions)
        background, legend_regions = self._backgrounds[key]
        canvas.restore_region(background)
        for artist in self.dynamic:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        for region in legend_regions:
            canvas.restore_region(region)
        buffer = io.BytesIO()
        # Light compression: most of the frame is flat colour; level 1 is ~3x faster than the default.
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


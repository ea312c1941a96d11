"""The dashboard's figure: a fixed layout, built once; every move only changes data on animated artists.

The static rest is cached as pixels in two layers: the weights panel, colorbar and legend (redrawn
only for a new dataset, epoch count, legend or size) and the loss panel's axes (redrawn when its
limits change; limits move in whole decades and "nice" steps). A frame restores the pixels, draws the
moving artists and encodes a PNG of exactly the size it is displayed at. The layout is fixed, so a
redraw never clips a label; the legend sits above the panels, outside the data.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator

from ..widgets import FigureView
from .figure_parts import FONT, build_loss_axes, build_weight_axes, decade_label, encode_png, landscape_image
from .figure_show import show_loss, show_weights
from .panels import decade_ticks, nice_limit
from .timeline import Timeline, readable

#: Presentation sizes: figure pixels (width, height) that fit beside the controls on that screen.
SIZES = {"1280x720": (800, 470), "1920x1080": (1240, 728)}
BASE_DPI = 80


class DashboardFigure:
    """Two panels: loss per iteration and per epoch; the weights on the loss contours."""

    def __init__(self, *, size: str = "1280x720"):
        width, height = SIZES[size]
        with rc_context(FONT):
            self.figure = Figure(figsize=(width / BASE_DPI, height / BASE_DPI), dpi=BASE_DPI)
            FigureCanvasAgg(self.figure)
            self.loss_ax = self.figure.add_axes((0.09, 0.12, 0.36, 0.68))
            self.weight_ax = self.figure.add_axes((0.575, 0.12, 0.31, 0.68))
            self.colorbar_ax = self.figure.add_axes((0.9, 0.12, 0.018, 0.68))
            self.art: dict[str, Any] = {**build_loss_axes(self.loss_ax), **build_weight_axes(self.weight_ax, self.colorbar_ax)}
        for artist in self.art.values():
            if artist is not self.art["background"]:
                artist.set_animated(True)  # skipped by a full draw: drawn per frame over the cached pixels
        self.legend: Any = None
        self._legend_for: Any = None
        self.unit = "iterations"
        self._weights_bg: dict[Hashable, Any] = {}
        self._frames: dict[Hashable, Any] = {}
        self._landscape_version = 0
        self.size = size

    @property
    def pixels(self) -> tuple[int, int]:
        """(width, height) of the rendered PNG: show it at exactly this size."""
        return SIZES[self.size]

    def set_size(self, size: str) -> None:
        """Render at a presentation size (same layout, bigger pixels and text)."""
        self.size = size
        self.figure.set_dpi(BASE_DPI * SIZES[size][0] / SIZES["1280x720"][0])
        self._weights_bg.clear()
        self._frames.clear()

    def set_landscape(self, grid: tuple[np.ndarray, np.ndarray, np.ndarray], minimum: np.ndarray,
                      minimum_loss: float) -> None:
        """Paint the loss surface of a new dataset (once per dataset, never per move)."""
        W1, W2, L = grid
        extent = (float(W1[0, 0]), float(W1[0, -1]), float(W2[0, 0]), float(W2[-1, 0]))
        self.art["background"].set_data(landscape_image(L, minimum_loss))
        self.art["background"].set_extent(extent)
        self.weight_ax.set_xlim(extent[:2])
        self.weight_ax.set_ylim(extent[2:])
        self.art["minimum"].set_data([minimum[0]], [minimum[1]])
        self._landscape_version += 1

    def show(self, timeline: Timeline, cursor: int, *, lr: float, epochs: int, unit: str = "iterations",
             ghost: Timeline | None = None, validation: bool = False) -> None:
        """Show ``timeline`` up to ``cursor`` steps by changing the animated artists' data."""
        self.unit = unit
        x = timeline.x[unit]
        x_max = max(float(x[-1]) if len(x) else 1.0, float(ghost.x[unit][-1]) if ghost is not None else 0.0)
        if unit == "epochs":
            x_max = max(x_max, float(epochs))
        self.x_limit = (0.0, max(1.0, float(np.ceil(x_max))) if unit == "epochs" else nice_limit(x_max))
        columns = int(self.loss_ax.get_position().width * SIZES[self.size][0])
        val_loss = timeline.val_loss if validation else None
        self.y_decades = show_loss(self.art, timeline, cursor, unit, self.x_limit[1], columns, ghost, val_loss)
        show_weights(self.art, timeline, cursor, self.weight_ax.get_xlim(), self.weight_ax.get_ylim(), ghost)
        self.art["points"].set_clim(0.5, max(epochs, timeline.epochs_begun) + 0.5)
        note = timeline.diverging_at(cursor)
        self.art["loss_note"].set_text(note.replace(": ", ":\n", 1) + f"\n(lr={readable(lr)})")
        self.art["loss_note"].set_visible(bool(note))
        self._legend_key = (bool(timeline.branch_steps), ghost is not None, val_loss is not None)

    def render_png(self) -> bytes:
        """One frame: cached static pixels, the moving artists on top; a PNG at the displayed size."""
        canvas = self.figure.canvas
        assert isinstance(canvas, FigureCanvasAgg), "the dashboard renders with Agg"
        wkey = (self._landscape_version, self._legend_key, self.size)
        lkey = (wkey, self.art["points"].get_clim(), self.x_limit, self.y_decades, self.unit)
        if lkey not in self._frames:
            self._draw_static(canvas, wkey)
            if len(self._frames) >= 12:
                self._frames.pop(next(iter(self._frames)))
            self._frames[lkey] = canvas.copy_from_bbox(self.figure.bbox)
        canvas.restore_region(self._frames[lkey])
        for artist in self.art.values():
            if artist.get_animated() and artist.get_visible():
                self.figure.draw_artist(artist)
        return encode_png(np.asarray(canvas.buffer_rgba()))

    def _draw_static(self, canvas: FigureCanvasAgg, wkey: Hashable) -> None:
        if self._legend_for != self._legend_key:
            self._set_legend()  # the legend object always matches the pixels (cheap: no draw here)
        if wkey not in self._weights_bg:  # the expensive layer: image, contours, legend
            for ax in (self.loss_ax, self.colorbar_ax):
                ax.set_visible(False)
            canvas.draw()
            for ax in (self.loss_ax, self.colorbar_ax):
                ax.set_visible(True)
            if len(self._weights_bg) >= 4:
                self._weights_bg.pop(next(iter(self._weights_bg)))
            self._weights_bg[wkey] = canvas.copy_from_bbox(self.figure.bbox)
        canvas.restore_region(self._weights_bg[wkey])
        ax = self.loss_ax
        ax.set_xlim(*self.x_limit)
        low, high = self.y_decades
        ax.set_ylim(low, high)
        ticks = decade_ticks(low, high)
        ax.yaxis.set_major_locator(FixedLocator(ticks.tolist()))
        ax.set_yticklabels([decade_label(int(k)) for k in ticks])
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        ax.set_xlabel({"iterations": "iteration (weight updates)", "epochs": "epoch (passes over the data)",
                       "samples": "samples seen"}[self.unit])
        renderer = canvas.get_renderer()
        self.colorbar_ax.draw(renderer)  # the epoch colours: cheap, redrawn with the loss axes
        ax.draw(renderer)

    def _set_legend(self) -> None:
        branch, ghost, validation = self._legend_for = self._legend_key
        names = ["step", "epoch", "boundary", "start", "current", "minimum"]
        names += ["val_loss"] * validation + ["ghost_loss"] * ghost + ["branch_line"] * branch
        if self.legend is not None:
            self.legend.remove()
        handles = [self.art[name] for name in names]
        with rc_context(FONT):
            self.legend = self.figure.legend(handles, [str(h.get_label()) for h in handles], loc="upper center",
                                             ncol=4, frameon=False, columnspacing=1.2, handlelength=1.6, bbox_to_anchor=(0.5, 1.0))


class DashboardView(FigureView):
    """A :class:`FigureView` whose frames come from the dashboard figure's cached-pixel renderer."""

    def __init__(self, drawing: DashboardFigure):
        self.drawing = drawing
        super().__init__(drawing.figure, dpi=int(drawing.figure.dpi), render=False)

    def redraw(self) -> None:
        """One frame, shown at exactly its pixel size (no browser rescaling)."""
        width, height = self.drawing.pixels
        self.image.layout.width, self.image.layout.height = f"{width}px", f"{height}px"
        self.image.value = self.drawing.render_png()

"""Instructor widgets: controls that redraw a figure in place, and never swallow an error.

A figure is a ``matplotlib.figure.Figure`` rendered to PNG into an ``ipywidgets.Image``: it works
the same in JupyterLab, Voila and a headless kernel, needs no front-end extension, and a redraw
updates the existing artists instead of building a new figure (~5x cheaper).
"""

from __future__ import annotations

import html
import io
import math
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Every traceback raised inside an epochlab widget callback, oldest first. Tests fail on any.
ERRORS: list[str] = []


def raise_widget_errors() -> None:
    """Raise if any widget callback has failed since the kernel started (for tests and CI)."""
    if ERRORS:
        raise AssertionError(f"{len(ERRORS)} widget callback(s) failed; the first:\n{ERRORS[0]}")


class FigureView:
    """A figure shown as an ``Image`` widget; :meth:`redraw` re-renders it after artists change."""

    def __init__(self, figure: Figure, *, dpi: int = 80, render: bool = True):
        self.figure = figure
        FigureCanvasAgg(figure)  # a canvas of our own: no pyplot, no inline double display
        self.dpi = dpi
        self.image = w.Image(format="png")
        self.image.add_class("epochlab-figure")
        if render:  # LivePlot renders only after its first update, so titles it sets get laid out
            self.redraw()

    def redraw(self) -> None:
        """Render the figure's current artists into the image."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.dpi)
        self.image.value = buffer.getvalue()
        # Freeze the layout the first draw computed: a layout engine re-runs (and draws twice)
        # on every savefig, and a frozen layout also keeps the plot from jittering as values move.
        if self.figure.get_layout_engine() is not None:
            self.figure.set_layout_engine("none")


class ErrorArea:
    """Shows a callback's traceback to the user and records it in :data:`ERRORS`."""

    def __init__(self) -> None:
        self.widget = w.HTML(value="")
        self.errors: list[str] = []

    def run(self, callback: Callable[[], None]) -> bool:
        """Call ``callback``; on an exception show and record it instead of losing it. True if it ran."""
        try:
            callback()
        except Exception:  # noqa: BLE001 - shown to the user and recorded, never swallowed
            text = traceback.format_exc()
            self.errors.append(text)
            ERRORS.append(text)
            self.widget.value = (
                '<pre style="color:#b00020;white-space:pre-wrap">'
                f"epochlab widget error (the plot was not updated):\n{html.escape(text)}</pre>"
            )
            return False
        self.widget.value = ""
        return True


class LivePlot:
    """Controls wired to ``update(**values)``, which changes the figure's artists; then one redraw.

    ``update`` receives every control's current value by name. Moving any control calls it
    synchronously, so when ``control.value = x`` returns, the image already shows ``x``.
    """

    def __init__(self, figure: Figure, update: Callable[..., None], controls: Mapping[str, w.ValueWidget]):
        self.controls = dict(controls)
        self.update = update
        self.view = FigureView(figure, render=False)
        self.errors = ErrorArea()
        self.status = w.HTML(value="")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()
        self.widget = w.VBox([w.HBox(list(self.controls.values())), self.status, self.errors.widget, self.view.image])

    @property
    def figure(self) -> Figure:
        """The live figure (its artists change in place)."""
        return self.view.figure

    def values(self) -> dict[str, Any]:
        """Every control's current value, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Call ``update`` with the current values, then redraw; a failure is shown, never lost."""
        if self.errors.run(lambda: self.update(**self.values())):
            self.errors.run(self.view.redraw)

    def _on_change(self, change: Mapping[str, Any]) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)


# -- standard controls: every notebook's sliders come from here ---------------------------
_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "320px"}


def lr_slider(value: float = 0.1, *, low: float = 1e-3, high: float = 2.0) -> w.FloatLogSlider:
    """Learning rate on a log scale."""
    slider = w.FloatLogSlider(value=value, base=10, min=math.log10(low), max=math.log10(high), step=0.05,
                              description="learning rate", continuous_update=False, style=_STYLE, layout=_LAYOUT,
                              readout_format=".3g")
    slider.add_class("epochlab-lr")
    return slider


def int_slider(description: str, value: int, low: int, high: int, *, step: int = 1) -> w.IntSlider:
    """An integer slider (batch size, epochs, restarts, steps per point ...)."""
    return w.IntSlider(value=value, min=low, max=high, step=step, description=description,
                       continuous_update=False, style=_STYLE, layout=_LAYOUT)


def float_slider(description: str, value: float, low: float, high: float, *, step: float = 0.01) -> w.FloatSlider:
    """A float slider (noise ...)."""
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         continuous_update=False, style=_STYLE, layout=_LAYOUT)


def mode_buttons(value: str = "keep", options: tuple[str, ...] = ("keep", "reset", "reinit")) -> w.ToggleButtons:
    """What happens between epochs: keep the weights, reset them, or re-initialise them."""
    return w.ToggleButtons(options=list(options), value=value, description="between epochs", style=_STYLE)


def seed_box(value: int = 0) -> w.BoundedIntText:
    """The seed of every random draw (data order, initial weights, noise)."""
    return w.BoundedIntText(value=value, min=0, max=2**31 - 1, description="seed", style=_STYLE,
                            layout={"width": "160px"})


def checkbox(description: str, value: bool) -> w.Checkbox:
    """An on/off switch (shuffle ...)."""
    return w.Checkbox(value=value, description=description, indent=False, style=_STYLE)

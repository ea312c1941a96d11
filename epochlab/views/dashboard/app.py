"""The instructor dashboard: every control of the series on one live figure, for a lecture.

Moving a control retrains (with the numpy engine, the same steps as ``fit``) and redraws before
the observer returns. A cursor shows the run up to any iteration: step one batch, one epoch,
play (an ``ipywidgets.Play`` ticking in the browser, so the kernel never blocks), rewind, and
branch: keep the run up to the cursor and continue from there with new settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import ipywidgets as w
import numpy as np
from matplotlib.figure import Figure

from ...callbacks import History
from ...landscape import mse
from ..widgets import ErrorArea, FigureView, checkbox, float_slider, int_slider, lr_slider, mode_buttons, seed_box
from .figure import DashboardFigure
from .readout import readout_html, status_line
from .state import MODES, Session, Settings

MODE_TIPS = ("keep the weights (what every framework does)", "reset to this run's starting weights each epoch",
             "draw fresh random weights each epoch", "the asker's loop: steps on point 1, then point 2, ...")


class DashboardView(FigureView):
    """A :class:`FigureView` whose frames come from the dashboard figure's cached-background renderer."""

    def __init__(self, drawing: DashboardFigure):
        self.drawing = drawing
        super().__init__(drawing.figure, dpi=int(drawing.figure.dpi))

    def redraw(self) -> None:
        """One frame from the cached background (see :meth:`DashboardFigure.render_png`)."""
        self.image.value = self.drawing.render_png()


class Dashboard:
    """Controls, step/play/rewind/branch buttons, a boundary-weights readout and one live figure."""

    def __init__(self, *, n_samples: int = 64, lr: float = 0.05, batch_size: int = 8, epochs: int = 20,
                 between_epochs: str = "keep", shuffle: bool = True, seed: int = 0, noise: float = 0.5,
                 steps_per_point: int = 3, dpi: int = 80):
        settings = Settings(lr=lr, batch_size=batch_size, epochs=epochs, between_epochs=between_epochs,
                            shuffle=shuffle, seed=seed, noise=noise, steps_per_point=steps_per_point)
        self.session = Session(settings, n_samples=n_samples)
        self.drawing = DashboardFigure(dpi=dpi)
        modes = mode_buttons(between_epochs, MODES)
        modes.tooltips = list(MODE_TIPS)
        self.controls: dict[str, w.ValueWidget] = {
            "lr": lr_slider(lr, low=1e-3, high=2.0), "batch_size": int_slider("batch size", batch_size, 1, n_samples),
            "epochs": int_slider("epochs", epochs, 1, 60), "between_epochs": modes,
            "shuffle": checkbox("shuffle every epoch", shuffle), "seed": seed_box(seed),
            "noise": float_slider("noise", noise, 0.0, 2.0, step=0.05),
            "steps_per_point": int_slider("steps per point (asker's loop)", steps_per_point, 1, 20),
        }
        steps = self.session.timeline.steps
        self.cursor = int_slider("show up to iteration (rewind)", steps, 0, steps)
        self.play = w.Play(value=steps, min=0, max=steps, step=1, interval=200, show_repeat=False,
                           description="play")
        w.link((self.play, "value"), (self.cursor, "value"))  # kernel-side: works with or without a browser
        self.buttons = {name: w.Button(description=text, tooltip=tip) for name, text, tip in (
            ("batch", "step 1 batch", "one more iteration"), ("epoch", "step 1 epoch", "to the next epoch end"),
            ("start", "rewind to start", "show iteration 0"),
            ("branch", "branch here", "keep the run up to here; continue with the current settings"))}
        self.readout, self.status = w.HTML(), w.HTML()
        self.errors = ErrorArea()
        self._quiet, self._painted_version = False, -1
        self._paint_landscape()
        self._show()
        self.view = DashboardView(self.drawing)
        self._wire()
        self.widget = w.VBox([
            w.HBox([self.controls["lr"], self.controls["batch_size"], self.controls["epochs"]]),
            w.HBox([self.controls["between_epochs"], self.controls["shuffle"]]),
            w.HBox([self.controls["noise"], self.controls["seed"], self.controls["steps_per_point"]]),
            w.HBox([self.play, *self.buttons.values()]), self.cursor, self.errors.widget, self.status, self.view.image,
            self.readout])

    # -- public state ------------------------------------------------------------------
    @property
    def history(self) -> History:
        """The History of the latest training call (the whole run, or the part after the branch point)."""
        return self.session.history

    @property
    def figure(self) -> Figure:
        """The live figure."""
        return self.drawing.figure

    def boundaries(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(k, weights at the end of epoch k, weights at the start of k+1) for boundaries up to the cursor."""
        return [(k, end, start) for k, end, start, at in self.session.timeline.boundaries if at < self.cursor.value]

    # -- actions (the buttons call these) ----------------------------------------------
    def step_batch(self) -> None:
        """Show one more iteration (training one more epoch at the end of the run)."""
        self._advance(lambda cursor, ends: cursor + 1)

    def step_epoch(self) -> None:
        """Move the cursor to the next epoch end (training one more epoch at the end of the run)."""
        self._advance(lambda cursor, ends: min([s for s in ends if s > cursor], default=cursor + 1))

    def rewind(self, step: int = 0) -> None:
        """Show the run up to iteration ``step`` (0: the initial weights)."""
        self.cursor.value = max(0, min(step, self.cursor.max))

    def branch(self) -> None:
        """Keep the run up to the cursor; continue from the weights there with the current settings."""
        self._retrain(branch_at=self.cursor.value)

    # -- wiring ------------------------------------------------------------------------
    def _wire(self) -> None:
        for control in self.controls.values():
            control.observe(self._guarded(self._on_setting), names="value")
        self.cursor.observe(self._guarded(self._on_cursor), names="value")
        actions: Mapping[str, Callable[[], None]] = {
            "batch": self.step_batch, "epoch": self.step_epoch, "start": self.rewind, "branch": self.branch}
        for name, action in actions.items():
            self.buttons[name].on_click(self._guarded(_ignore_argument(action)))

    def _guarded(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """Run a callback through the error area: a failure is shown and recorded, never lost."""

        def guarded(arg: Any) -> None:
            if not self._quiet:  # a programmatic move inside another callback: that callback redraws
                self.errors.run(lambda: callback(arg))

        return guarded

    def _on_setting(self, change: Mapping[str, Any]) -> None:
        timeline, cursor = self.session.timeline, self.cursor.value
        # Rewound: the change branches from the cursor. At the end: it reruns from the last branch point.
        self._retrain(branch_at=cursor if cursor < timeline.steps else timeline.branch_step)

    def _on_cursor(self, change: Mapping[str, Any]) -> None:
        self._show()
        self.view.redraw()

    def _advance(self, target: Callable[[int, list[int]], int]) -> None:
        timeline, cursor = self.session.timeline, self.cursor.value
        if cursor >= timeline.steps and not timeline.diverged and self.controls["epochs"].value < self.controls["epochs"].max:
            self._quiet = True  # one more epoch: the same run, longer (the data order and draws are seeded)
            try:
                self.controls["epochs"].value += 1
            finally:
                self._quiet = False
            self._retrain(branch_at=timeline.branch_step, cursor=cursor)
        self.cursor.value = min(target(cursor, self.session.timeline.epoch_end_step), self.session.timeline.steps)

    def _retrain(self, *, branch_at: int, cursor: int | None = None) -> None:
        values = {name: control.value for name, control in self.controls.items()}
        self.session.train(replace(self.session.settings, **values), branch_at=branch_at)
        if self.session.data_version != self._painted_version:
            self._paint_landscape()
        steps = self.session.timeline.steps
        self._quiet = True  # move the cursor without a second redraw
        try:
            for widget in (self.cursor, self.play):
                widget.max = max(steps, widget.min)
                widget.value = steps if cursor is None else min(cursor, steps)
        finally:
            self._quiet = False
        self._show()
        self.view.redraw()

    def _paint_landscape(self) -> None:
        session = self.session
        self.drawing.set_landscape(session.grid, session.minimum, float(mse(session.X, session.y, session.minimum,
                                                                             bias=False)))
        self._painted_version = session.data_version

    def _show(self) -> None:
        session, cursor = self.session, self.cursor.value
        self.status.value = f'<div style="font-size:16px"><b>{status_line(session, cursor)}</b></div>'
        self.drawing.show(session.timeline, cursor, lr=session.settings.lr)
        self.readout.value = readout_html(session, cursor)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)


def _ignore_argument(action: Callable[[], None]) -> Callable[[Any], None]:
    """A button's click handler receives the button; the actions take nothing."""
    return lambda _button: action()

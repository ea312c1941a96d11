"""The instructor dashboard: every control of the series on one live figure, for a lecture.

Moving a control retrains (the engine: the same steps as ``fit``) and redraws before the observer
returns. A cursor shows the run up to any iteration: step a batch or an epoch (back or forward), play
(an ``ipywidgets.Play`` ticking in the browser), stop and rewind. A change while rewound, or "branch
here", branches at the epoch boundary at or before the cursor; a banner says so until "clear branch".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from functools import partial
from typing import Any

import ipywidgets as w
import numpy as np
from matplotlib.figure import Figure

from ...landscape import mse
from ..widgets import ErrorArea
from .controls import build_buttons, build_controls, build_view_controls
from .figure import DashboardFigure, DashboardView
from .playback import Playback
from .readout import _segment_text, banner_text, readout_html, status_line
from .state import Session, Settings, check_settings
from .timeline import Timeline

NO_BRANCH = ("epochs", "seed", "noise")  # a change of these never branches: run length and data


class Dashboard(Playback):
    """Controls, step/play/rewind/branch buttons, a boundary-weights readout and one live figure.

    Every argument must be one its control can show; anything else is a ``ValueError`` naming it.
    """

    def __init__(self, *, n_samples: int = 64, lr: float = 0.05, batch_size: int = 8, epochs: int = 20,
                 between_epochs: str = "keep", shuffle: bool = True, seed: int = 0, noise: float = 0.5,
                 steps_per_point: int = 3, size: str = "1280x720"):
        self.defaults = Settings(lr=lr, batch_size=batch_size, epochs=epochs, between_epochs=between_epochs,
                                 shuffle=shuffle, seed=seed, noise=noise, steps_per_point=steps_per_point)
        self.session = Session(self.defaults, n_samples=n_samples)  # refuses what a control cannot show
        check_settings(self.defaults, n_samples)
        self.drawing = DashboardFigure(size=size)
        self.controls = build_controls(self.defaults, n_samples)
        self.view_controls = build_view_controls()
        self.view_controls["size"].value = size
        self.buttons = build_buttons()
        steps = self.session.timeline.steps
        self.cursor = w.IntSlider(value=steps, min=0, max=steps, description="rewind: show up to iteration",
                                  continuous_update=True, style={"description_width": "initial"},
                                  layout=w.Layout(width="100%"))
        self.cursor.add_class("epochlab-cursor")
        self.play = w.Play(value=steps, min=0, max=steps, step=1, interval=100, show_repeat=False,
                           tooltip="play (pause keeps the position)")
        self.play.add_class("epochlab-play")
        self.play.layout.display = "none"  # its timer ticks in the browser; the labelled buttons drive it
        w.link((self.play, "value"), (self.cursor, "value"))  # kernel-side: works with or without a browser
        self.status, self.banner, self.readout = w.HTML(), w.HTML(), w.HTML()
        self.errors = ErrorArea()
        self.ghost: Timeline | None = None
        self.ghost_label = ""
        self._quiet, self._painted_version = False, -1
        self.view = DashboardView(self.drawing)
        self._paint_landscape()
        self._wire()
        self.widget = self._layout()
        self._refresh()

    # -- public state ------------------------------------------------------------------
    @property
    def history(self) -> Any:
        """The run on screen (:class:`~.engine.Run`): ``step_loss``, ``epoch_loss``, ``overflow_step`` ..."""
        return self.session.timeline.run

    @property
    def figure(self) -> Figure:
        """The live figure."""
        return self.drawing.figure

    def boundaries(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(k, weights at the end of epoch k, weights at the start of k+1) for boundaries before the cursor."""
        return [(k, end, start) for k, end, start, at in self.session.timeline.boundaries if at < self.cursor.value]

    # -- wiring ------------------------------------------------------------------------
    def _wire(self) -> None:
        for name, control in self.controls.items():
            control.observe(self._guarded(partial(self._on_setting, name)), names="value")
        for control in self.view_controls.values():
            control.observe(self._guarded(self._on_view), names="value")
        self.cursor.observe(self._guarded(self._refresh), names="value")
        actions: Mapping[str, Callable[[], None]] = {
            "back-epoch": self.back_epoch, "back-batch": self.back_batch, "toggle": self.toggle_play,
            "batch": self.step_batch, "epoch": self.step_epoch, "stop": self.stop, "branch": self.branch,
            "clear": self.clear_branch, "defaults": self.lecture_defaults}
        for name, action in actions.items():
            self.buttons[name].on_click(self._guarded(partial(_call, action)))

    def _guarded(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """Run a callback through the error area: a failure is shown and recorded, never lost."""

        def guarded(arg: Any) -> None:
            if not self._quiet:  # a programmatic move inside another callback: that callback redraws
                self.errors.run(lambda: callback(arg))

        return guarded

    def _quietly(self, action: Callable[[], object]) -> None:
        self._quiet = True
        try:
            action()
        finally:
            self._quiet = False

    def _set_controls(self, settings: Settings) -> None:
        def set_all() -> None:
            for name, value in asdict(settings).items():
                self.controls[name].value = value

        self._quietly(set_all)

    def _on_setting(self, name: str, change: object = None) -> None:
        rewound = self.cursor.value < self.session.timeline.steps
        self._retrain(branch_at=self.cursor.value if rewound and name not in NO_BRANCH else None)

    def _on_view(self, change: object = None) -> None:
        size = self.view_controls["size"].value
        if size != self.drawing.size:
            self.drawing.set_size(size)
            self.widget.remove_class("epochlab-large") if size == "1280x720" else self.widget.add_class("epochlab-large")
        self._set_play_speed()
        self._refresh()

    def _retrain(self, *, branch_at: int | None, cursor: int | None = None, ghost: bool = True) -> None:
        values = {name: control.value for name, control in self.controls.items()}
        if ghost:
            self._keep_ghost()
        try:
            self.session.train(replace(self.session.settings, **values), branch_at=branch_at)
        except Exception:
            # the run shown is the old one: put the controls back so they describe it, then report
            self._set_controls(self.session.settings)
            raise
        self._after_training(cursor)

    def _keep_ghost(self) -> None:
        self.ghost = self.session.timeline
        self.ghost_label = f"previous run: {_segment_text(self.session.plan[-1])}"

    def _after_training(self, cursor: int | None) -> None:
        if self.session.data_version != self._painted_version:
            self._paint_landscape()
            self.ghost = None  # a run on other data is no comparison
        steps = self.session.timeline.steps

        def move() -> None:
            for widget in (self.cursor, self.play):
                widget.max = max(steps, widget.min)
                widget.value = steps if cursor is None else min(cursor, steps)

        self._quietly(move)
        self._set_play_speed()
        self._refresh()

    def _paint_landscape(self) -> None:
        session = self.session
        self.drawing.set_landscape(session.grid, session.minimum, float(mse(session.X, session.y, session.minimum,
                                                                             bias=False)))
        self._painted_version = session.data_version

    def _refresh(self, change: object = None) -> None:
        """Text, enabled controls and one frame for the cursor's position."""
        session, cursor = self.session, self.cursor.value
        self.status.value = f"<b>{status_line(session, cursor)}</b>"
        banner = banner_text(session)
        self.banner.value = f'<div class="epochlab-banner" title="{banner}">{banner}</div>' if banner else ""
        faint = f"<br><span style='color:#666'>faint: {self.ghost_label}</span>" if self.ghost is not None else ""
        self.readout.value = readout_html(session, cursor) + faint
        self._enable()
        ghost = self.ghost if self.view_controls["ghost"].value else None
        self.drawing.show(session.timeline, cursor, lr=session.settings.lr, epochs=session.settings.epochs,
                          unit=self.view_controls["unit"].value, ghost=ghost,
                          validation=self.view_controls["validation"].value)
        self.view.redraw()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)


def _call(action: Callable[[], None], _button: object) -> None:
    """A button's click handler receives the button; the actions take nothing."""
    action()

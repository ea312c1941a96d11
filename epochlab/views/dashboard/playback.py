"""The dashboard's actions (branch, clear, defaults, step, back, play, stop), what is enabled, the layout."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .controls import keyboard_html

if TYPE_CHECKING:
    from .state import Session, Settings


class Playback:
    """Mixed into :class:`~.app.Dashboard`: everything that moves the cursor without retraining (mostly)."""

    session: Session
    cursor: w.IntSlider
    play: w.Play
    controls: dict[str, Any]
    view_controls: dict[str, Any]
    buttons: dict[str, w.Button]
    view: Any
    readout: w.HTML
    status: w.HTML
    banner: w.HTML
    errors: Any
    defaults: Settings
    ghost: Any

    def _after_training(self, cursor: int | None) -> None:
        raise NotImplementedError

    def _keep_ghost(self) -> None:
        raise NotImplementedError

    def _set_controls(self, settings: Settings) -> None:
        raise NotImplementedError

    def _retrain(self, *, branch_at: int | None, cursor: int | None = None, ghost: bool = True) -> None:
        raise NotImplementedError

    def _quietly(self, action: Any) -> None:
        raise NotImplementedError

    def branch(self) -> None:
        """Branch at the epoch boundary at or before the cursor (the run stays the same until a change)."""
        self._retrain(branch_at=self.cursor.value)

    def clear_branch(self) -> None:
        """One run again, from iteration 0 with the current settings."""
        self._keep_ghost()
        self.session.clear_branch()
        self._after_training(None)

    def lecture_defaults(self) -> None:
        """Every control back to the lecture defaults, no branch, the whole run shown."""
        self._set_controls(self.defaults)
        self.view_controls["unit"].value = "iterations"
        self.ghost = None
        self.session.train(self.defaults, fresh=True)
        self._after_training(None)

    def step_batch(self) -> None:
        """Show one more iteration (training one more epoch at the end of the run)."""
        self._advance(lambda cursor, ends: cursor + 1)

    def step_epoch(self) -> None:
        """Move the cursor to the next epoch end (training one more epoch at the end of the run)."""
        self._advance(lambda cursor, ends: min([s for s in ends if s > cursor], default=cursor + 1))

    def back_batch(self) -> None:
        """One iteration back."""
        self.rewind(self.cursor.value - 1)

    def back_epoch(self) -> None:
        """Back to the previous epoch boundary."""
        ends = [int(s) for s in self.session.timeline.run.epoch_end_step if s < self.cursor.value]
        self.rewind(max(ends, default=0))

    def rewind(self, step: int = 0) -> None:
        """Show the run up to iteration ``step`` (0: the initial weights)."""
        self.cursor.value = max(0, min(step, self.cursor.max))

    def toggle_play(self) -> None:
        """Play from the cursor (from the start when at the end); pause keeps the position."""
        if not self.play.playing and self.cursor.value >= self.cursor.max:
            self.rewind(0)
        self.play.playing = not self.play.playing

    def stop(self) -> None:
        """Stop playing and rewind to iteration 0."""
        self.play.playing = False
        self.rewind(0)

    def _advance(self, target: Any) -> None:
        timeline, cursor = self.session.timeline, self.cursor.value
        epochs = self.controls["epochs"]
        if cursor >= timeline.steps and not timeline.run.overflow_step and epochs.value < epochs.max:
            # one more epoch: the same run, longer (the data order and draws are seeded)
            self._quietly(lambda: setattr(epochs, "value", epochs.value + 1))
            self._retrain(branch_at=None, cursor=cursor, ghost=False)
        ends = [int(s) for s in self.session.timeline.run.epoch_end_step]
        self.cursor.value = min(target(cursor, ends), self.session.timeline.steps)

    def _set_play_speed(self) -> None:
        speed, steps = self.view_controls["speed"].value, self.session.timeline.steps
        per_epoch = self.session.steps_per_epoch
        self.play.step = {"1": 1, "4": 4, "epoch": per_epoch, "run": max(1, math.ceil(steps / 50))}[speed]

    def _enable(self) -> None:
        """Controls that do nothing in the current mode or position are disabled."""
        point = self.controls["between_epochs"].value == "point"
        self.controls["batch_size"].disabled = point
        self.controls["shuffle"].disabled = point
        self.controls["steps_per_point"].disabled = not point
        at_start, at_end = self.cursor.value <= 0, self.cursor.value >= self.session.timeline.steps
        for name in ("back-batch", "back-epoch", "stop"):
            self.buttons[name].disabled = at_start
        self.buttons["branch"].disabled = at_start
        self.buttons["clear"].disabled = not self.session.branch_steps
        del at_end

    def _layout(self) -> w.Box:
        c, v, b = self.controls, self.view_controls, self.buttons
        image = self.view.image
        left = w.VBox([c["lr"], c["batch_size"], c["epochs"], c["between_epochs"], w.HBox([c["shuffle"], c["seed"]]),
                       c["noise"], c["steps_per_point"], self.readout])
        left.add_class("epochlab-left")
        main = w.HBox([left, w.VBox([image, self.errors.widget])])
        playback = w.HBox([self.play, *[b[name] for name in ("back-epoch", "back-batch", "toggle", "batch", "epoch",
                                                              "stop", "branch", "clear")], v["speed"]],
                          layout=w.Layout(flex_flow="row wrap"))
        footer = w.HBox([v["unit"], v["ghost"], v["validation"], v["size"], b["defaults"]],
                        layout=w.Layout(flex_flow="row wrap", align_items="center"))
        root = w.VBox([self.status, self.banner, main, playback, self.cursor, footer, keyboard_html()])
        root.add_class("epochlab-dashboard")
        return root

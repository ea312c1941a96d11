"""What the figure and the readout read off a run: the path, the epoch boundaries, x-axes, divergence.

A :class:`Timeline` wraps one :class:`~.engine.Run`. ``path`` lists, per epoch, the weights it starts
from then the weights after each of its steps, so a reset or reinit shows as a jump between epochs.
"""

from __future__ import annotations

import numpy as np

from .engine import Run

#: "diverging" once the full-dataset loss at an epoch end exceeds its starting value by this factor.
DIVERGING_FACTOR = 10.0
UNITS = ("iterations", "epochs", "samples")


class Timeline:
    """One run on screen, with the branch points (steps, at epoch boundaries) it was built from."""

    def __init__(self, run: Run, *, branch_steps: tuple[int, ...] = (), val_loss: np.ndarray | None = None):
        self.run = run
        self.branch_steps = branch_steps
        self.val_loss = val_loss  # loss on held-out data at the start and at each epoch end (None: not computed)
        steps, d = run.steps, run.after.shape[1]
        begun = len(run.starts)
        first_step = np.searchsorted(run.step_epoch, np.arange(1, begun + 1))  # steps done when epoch e starts
        # path: epoch e contributes its start then its steps; step t's weights sit at index t + epoch(t)
        self.path = np.empty((steps + begun, d))
        self.path_epoch = np.empty(steps + begun, dtype=int)
        self.step_point = np.arange(steps) + run.step_epoch  # run.step_epoch counts the starts before
        starts_at = first_step + np.arange(begun)
        self.path[starts_at] = run.starts
        self.path_epoch[starts_at] = np.arange(1, begun + 1)
        self.path[self.step_point] = run.after
        self.path_epoch[self.step_point] = run.step_epoch
        self.first_step = first_step
        self.boundaries = [(k, run.ends[k - 1], run.starts[k], int(run.epoch_end_step[k - 1]))
                           for k in range(1, min(len(run.ends), begun - 1) + 1)]
        self.x = self._x_axes()
        above = np.flatnonzero(run.epoch_loss[1:] > DIVERGING_FACTOR * run.epoch_loss[0])
        self.diverging_epoch = int(above[0]) + 1 if len(above) else 0  # first epoch whose end loss is far above

    @property
    def steps(self) -> int:
        """Steps recorded (that updated the weights)."""
        return self.run.steps

    @property
    def epochs_begun(self) -> int:
        """Epochs that started (the last may have stopped early by overflow)."""
        return len(self.run.starts)

    def epoch_at(self, cursor: int) -> int:
        """The epoch the weights at ``cursor`` belong to (1 at iteration 0)."""
        return int(self.path_epoch[self.visible_points(cursor) - 1]) if len(self.path) else 1

    def visible_points(self, cursor: int) -> int:
        """How many ``path`` entries exist once ``cursor`` steps have run (the start counts as one)."""
        if cursor <= 0 or not self.steps:
            return min(1, len(self.path))
        return int(self.step_point[min(cursor, self.steps) - 1]) + 1

    def weights_at(self, cursor: int) -> np.ndarray:
        """The weights after ``cursor`` steps."""
        return self.path[self.visible_points(cursor) - 1]

    def snap(self, cursor: int) -> int:
        """The epoch boundary at or before ``cursor`` (a branch never splits an epoch)."""
        ends = self.run.epoch_end_step
        return int(ends[ends <= cursor].max()) if np.any(ends <= cursor) else 0

    def epochs_done_at(self, step: int) -> int:
        """Completed epochs once ``step`` steps ran."""
        return int(np.sum(self.run.epoch_end_step <= step))

    def diverging_at(self, cursor: int) -> str:
        """'' or why the run shown up to ``cursor`` is diverging: overflow, or a loss far above its start."""
        run = self.run
        if run.overflow_step and cursor >= self.steps:
            return f"diverged: the loss overflowed float32 at iteration {run.overflow_step}"
        k = self.diverging_epoch
        if k and cursor >= run.epoch_end_step[k - 1]:
            return (f"diverging since epoch {k}: full-data loss {readable(run.epoch_loss[k])}"
                    f" > {DIVERGING_FACTOR:g} x start {readable(run.epoch_loss[0])}")
        return ""

    def _x_axes(self) -> dict[str, np.ndarray]:
        """x of iteration 0..T in each unit: iterations, epochs (fractional within an epoch), samples."""
        run = self.run
        t = np.arange(self.steps + 1, dtype=np.float64)
        epochs = np.zeros(self.steps + 1)
        if self.steps:
            e = run.step_epoch
            lengths = np.bincount(e, minlength=self.epochs_begun + 1)[e].astype(float)
            if run.overflow_step:  # the stopped epoch: count it as far as a full one would go
                lengths[e == e[-1]] = max(lengths[e == e[-1]][0], lengths[0])
            within = np.arange(self.steps) - self.first_step[e - 1] + 1
            epochs[1:] = (e - 1) + within / lengths
        samples = np.concatenate([[0.0], run.step_samples])
        return {"iterations": t, "epochs": epochs, "samples": samples}


def readable(value: float, digits: int = 3) -> str:
    """A number a class can read: 0.0123, 12.3, 8.25e14 (no 15-digit strings)."""
    value = float(value)
    if not np.isfinite(value):
        return "overflow" if value != value or value > 0 else "-overflow"
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    if abs(value) >= 10 ** digits:
        return f"{value:.0f}"  # 5900, not 5.9e+03
    return f"{value:.{digits}g}"

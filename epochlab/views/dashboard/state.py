"""The dashboard's state without any widget: data, the run on screen, rewind and branch.

A :class:`Timeline` is the record of one run as the optimiser moved: every epoch start and every
step, with losses. Branching at step ``b`` keeps the first ``b`` steps (trained with the earlier
settings) and continues from the weights there with the new settings, as a second call of
``fit`` continues from the model's current weights.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from ...callbacks import History
from ...data import make_linear_data
from ...landscape import least_squares, loss_grid
from ...model import LinearNet, set_flat_weights
from .engine import Trace, fast_fit, fast_point_by_point

#: What happens between epochs: the three of ``fit``, plus the asker's per-point loop.
MODES = ("keep", "reset", "reinit", "point")
TRUE_WEIGHTS = (2.0, -3.0)  # the rule behind the data: y = 2 x1 - 3 x2 + noise


@dataclass(frozen=True)
class Settings:
    """Everything a control can change."""

    lr: float = 0.05
    batch_size: int = 8
    epochs: int = 20
    between_epochs: str = "keep"
    shuffle: bool = True
    seed: int = 0
    noise: float = 0.5
    steps_per_point: int = 3

    def data_key(self) -> tuple[int, float]:
        """What the dataset depends on: a change regenerates it."""
        return self.seed, self.noise


@dataclass
class Timeline:
    """A run step by step: ``path`` holds every epoch start and every step's weights, in order."""

    path: list[np.ndarray] = field(default_factory=list)
    path_epoch: list[int] = field(default_factory=list)
    step_point: list[int] = field(default_factory=list)  # index in ``path`` of the weights after each step
    step_loss: list[float] = field(default_factory=list)
    epoch_end_step: list[int] = field(default_factory=list)  # steps done when each epoch ended ...
    epoch_end_loss: list[float] = field(default_factory=list)  # ... and the full-dataset loss then
    # (epoch k, weights at the end of k, weights at the start of k+1, steps done at that boundary)
    boundaries: list[tuple[int, np.ndarray, np.ndarray, int]] = field(default_factory=list)
    start_loss: float = float("nan")
    diverged: bool = False
    branch_step: int = 0

    @property
    def steps(self) -> int:
        """Iterations recorded."""
        return len(self.step_loss)

    def visible_points(self, cursor: int) -> int:
        """How many ``path`` entries exist once ``cursor`` steps have run (the start counts as one)."""
        return 1 if cursor <= 0 else self.step_point[min(cursor, self.steps) - 1] + 1

    def truncated(self, b: int) -> Timeline:
        """The first ``b`` steps of this run: the prefix a branch at step ``b`` keeps."""
        keep = self.visible_points(b)
        ends = sum(s <= b for s in self.epoch_end_step)
        return Timeline(self.path[:keep], self.path_epoch[:keep], self.step_point[:b], self.step_loss[:b],
                        self.epoch_end_step[:ends], self.epoch_end_loss[:ends],
                        [bd for bd in self.boundaries if bd[3] < b], self.start_loss, False, b)

    def append(self, history: History, trace: Trace) -> None:
        """Add one training call's record after what is already here (epochs keep counting)."""
        offset, done = (self.path_epoch[-1] if self.path_epoch else 0), self.steps
        if self.path:  # the junction: the end of the kept prefix, the start of the new segment
            self.boundaries.append((offset, self.path[-1], trace.starts[0], done))
        else:
            self.start_loss = history.epoch_loss[0]
        self.path.append(trace.starts[0])
        self.path_epoch.append(offset + 1)
        last_epoch = 1
        for step, (weights, epoch) in enumerate(zip(trace.after, trace.epoch_of_step)):
            if epoch != last_epoch:  # a new epoch starts: record where it really starts (after any reset)
                self.boundaries.append((offset + last_epoch, trace.ends[last_epoch - 1],
                                        trace.starts[epoch - 1], done + step))
                self.path.append(trace.starts[epoch - 1])
                self.path_epoch.append(offset + epoch)
                last_epoch = epoch
            self.path.append(weights)
            self.path_epoch.append(offset + epoch)
            self.step_point.append(len(self.path) - 1)
        for k, loss in enumerate(history.epoch_loss[1:], start=1):
            self.epoch_end_step.append(done + k * history.steps_per_epoch)
            self.epoch_end_loss.append(loss)
        # A diverged step's loss is not finite and moved nothing: keep only the steps that updated.
        self.step_loss.extend(history.step_loss[: len(trace.after)])
        self.diverged = history.diverged


class Session:
    """Data (cached per seed and noise), the loss surface (cached with it), and the run on screen."""

    def __init__(self, settings: Settings | None = None, *, n_samples: int = 64, resolution: int = 240):
        self.settings = settings or Settings()
        self.n_samples = n_samples
        self.resolution = resolution
        self._data_key: tuple[int, float] | None = None
        self.data_version = 0  # counts datasets: the figure repaints the loss surface when it changes
        self.timeline = Timeline()
        self.history: History  # set by train: the latest training call
        self.train(self.settings)

    def _load_data(self) -> None:
        if self._data_key == self.settings.data_key():
            return
        s = self.settings
        self.X, self.y = make_linear_data(self.n_samples, TRUE_WEIGHTS, noise=s.noise, seed=s.seed)
        self.minimum = least_squares(self.X, self.y, bias=False)
        # The view holds the initial weights and the minimum, whatever the seed: the grid is computed once.
        lo = np.minimum(self.minimum, -1.0) - 1.0
        hi = np.maximum(self.minimum, 1.0) + 1.0
        center, span = (lo + hi) / 2, (hi - lo) / 2
        self.grid = loss_grid(self.X, self.y, center, span=(span[0], span[1]), resolution=self.resolution, bias=False)
        self._data_key = self.settings.data_key()
        self.data_version += 1

    @property
    def steps_per_epoch(self) -> int:
        """Iterations in one epoch of the run on screen."""
        return self.history.steps_per_epoch  # the latest call ran with the current settings

    def train(self, settings: Settings, *, branch_at: int = 0) -> None:
        """Retrain with ``settings``, keeping the first ``branch_at`` steps of the current run."""
        if settings.between_epochs not in MODES:
            raise ValueError(f"Invalid between_epochs: {settings.between_epochs!r} (expected one of {MODES})")
        if settings.data_key() != self.settings.data_key():
            branch_at = 0  # new data: the kept steps were measured on data that no longer exists
        self.settings = replace(settings, batch_size=min(settings.batch_size, self.n_samples))
        self._load_data()
        s, branch_at = self.settings, max(0, min(branch_at, self.timeline.steps))
        model = LinearNet(2, bias=False, seed=s.seed)
        timeline = self.timeline.truncated(branch_at) if branch_at else Timeline()
        epochs = max(1, s.epochs)
        if branch_at:
            set_flat_weights(model, torch.from_numpy(timeline.path[-1].copy()))
            epochs = max(1, s.epochs - timeline.path_epoch[-1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # divergence is drawn in the plot, not warned
            if s.between_epochs == "point":
                history, trace = fast_point_by_point(model, self.X, self.y, steps_per_point=s.steps_per_point,
                                                     lr=s.lr, epochs=epochs)
            else:
                history, trace = fast_fit(model, self.X, self.y, epochs=epochs, lr=s.lr, batch_size=s.batch_size,
                                          shuffle=s.shuffle, seed=s.seed, between_epochs=s.between_epochs)
        timeline.append(history, trace)
        self.timeline, self.history = timeline, history

"""Callback hooks (no-op by default, as in Keras and Lightning) and the ``History`` fit returns."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .divergence import diverging_message, is_diverging

if TYPE_CHECKING:
    from torch import nn

HOOKS = ("on_fit_start", "on_epoch_start", "on_step_end", "on_epoch_end", "on_fit_end")


@dataclass
class History:
    """What one call of ``fit`` (or ``train_point_by_point``) measured.

    ``epoch_loss[0]`` is the full-dataset loss of the starting weights and ``epoch_loss[k]``
    the full-dataset loss at the end of epoch ``k``. ``step_loss`` is the mini-batch loss of
    every iteration in order, computed before that iteration's update. ``running_loss[k-1]``
    is the mean mini-batch loss over epoch ``k`` (what progress bars print; reset every epoch).
    ``epoch_lr[k-1]`` is the learning rate used in epoch ``k``. ``val_loss`` is like ``epoch_loss``
    on the validation set (empty without one). A callback sets ``stop_requested`` to end training
    after the current epoch (``fit`` checks it after ``on_epoch_end``; see ``EarlyStopping``).
    With ``loss="cross_entropy"``, ``epoch_accuracy`` and ``val_accuracy`` are indexed like
    ``epoch_loss`` (fraction of samples whose largest output is their label); empty otherwise.
    """

    steps_per_epoch: int
    batch_size: int
    n_samples: int
    lr: float
    drop_last: bool = False
    epoch_loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    running_loss: list[float] = field(default_factory=list)
    diverged: bool = False
    epoch_lr: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    stop_requested: bool = False
    epoch_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)

    def mark_diverged(self, epoch: int, step: int, *, stacklevel: int) -> None:
        """Record that the loss became non-finite, and warn naming the learning rate."""
        self.diverged = True
        lr = self.epoch_lr[-1] if self.epoch_lr else self.lr  # the rate in force (a schedule may have changed it)
        warnings.warn(
            f"Training diverged at epoch {epoch}, iteration {step}: the loss is not finite. "
            f"The learning rate lr={lr:g} is too large for this data.",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )

    @property
    def diverging(self) -> bool:
        """The loss stayed finite but ended over 1000 times above its start (see ``epochlab.divergence``)."""
        return not self.diverged and is_diverging(self.epoch_loss)

    def warn_if_diverging(self, *, stacklevel: int) -> None:
        """Warn, naming the learning rate, if the loss ran away without overflowing."""
        if self.diverging:
            lr = self.epoch_lr[-1] if self.epoch_lr else self.lr
            warnings.warn(diverging_message(self.epoch_loss, lr), RuntimeWarning, stacklevel=stacklevel + 1)

    @property
    def epochs_completed(self) -> int:
        """Epochs that ran to their end (a diverged epoch does not count)."""
        return len(self.epoch_loss) - 1

    def best_epoch(self, metric: str = "val_loss") -> int:
        """The epoch (0: the starting weights) whose end had the lowest finite ``metric``; ties go to the earliest."""
        if metric not in ("val_loss", "epoch_loss"):
            raise ValueError(f"Invalid metric: {metric!r} (expected 'val_loss' or 'epoch_loss')")
        values = getattr(self, metric)
        finite = [k for k, value in enumerate(values) if math.isfinite(value)]
        if not values:
            hint = " (pass validation=(X_val, y_val) to fit)" if metric == "val_loss" else ""
            raise ValueError(f"Invalid metric: no {metric} was recorded{hint}")
        if not finite:
            raise ValueError(f"Invalid metric: every recorded {metric} overflowed (none of {len(values)} is finite)")
        return min(finite, key=lambda k: values[k])

    @property
    def samples_per_epoch(self) -> int:
        """Samples one epoch consumes: ``N``, or fewer when the short last batch is dropped."""
        return self.steps_per_epoch * self.batch_size if self.drop_last else self.n_samples

    def step_epochs(self) -> list[float]:
        """Each iteration's position in epochs (iteration ``i`` ends at ``(i+1)/steps_per_epoch``)."""
        return [(i + 1) / self.steps_per_epoch for i in range(len(self.step_loss))]

    def samples_seen(self) -> list[int]:
        """Samples consumed once each iteration has run: one epoch adds one pass over the data."""
        per_epoch = self.samples_per_epoch
        seen = []
        for i in range(len(self.step_loss)):
            epoch, in_epoch = divmod(i, self.steps_per_epoch)
            seen.append(epoch * per_epoch + min((in_epoch + 1) * self.batch_size, per_epoch))
        return seen


class Callback:
    """Base class of training hooks; each does nothing unless overridden.

    A subclass that defines an ``on_...`` method that is not a known hook (a typo such as
    ``on_epoch_ends``) fails at class creation instead of silently never being called.
    """

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for name in vars(cls):
            if name.startswith("on_") and name not in HOOKS:
                raise TypeError(f"{cls.__name__}.{name} is not a hook; known hooks: {', '.join(HOOKS)}")

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        """Before the first epoch (the model holds the weights training starts from)."""

    def on_epoch_start(self, epoch: int, model: nn.Module, history: History) -> None:
        """At the start of ``epoch`` (from 1), after any reset or re-initialisation, before its first step."""

    def on_step_end(self, step: int, model: nn.Module, history: History) -> None:
        """After the update of iteration ``step`` (from 1, counted within this fit call)."""

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        """After the last step of ``epoch`` and its full-dataset loss."""

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        """After training stops (normally or by divergence)."""

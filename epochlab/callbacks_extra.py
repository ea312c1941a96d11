"""Callbacks for long runs: ``RestoreBest`` (rewind to the best epoch), ``EarlyStopping``, ``Progress``, ``ProgressBar``."""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from torch import nn

from .callbacks import Callback, History
from .checks import check_int
from .model import flat_weights, set_flat_weights

MONITORS = ("val_loss", "epoch_loss")


def _check_monitor(monitor: str) -> str:
    if monitor not in MONITORS:
        raise ValueError(f"Invalid monitor: {monitor!r} (expected one of {MONITORS})")
    return monitor


def _monitored(history: History, monitor: str, owner: str) -> list[float]:
    values: list[float] = getattr(history, monitor)
    if not values:  # fit records the start value before on_fit_start: empty means no validation set
        raise ValueError(f"Invalid monitor: {owner}(monitor={monitor!r}) needs fit(..., validation=(X_val, y_val))")
    return values


class RestoreBest(Callback):
    """At the end of fit, load the weights of the epoch end (or the start) with the lowest ``monitor``.

    ``best_epoch`` is that epoch (0: the weights fit started from); ties keep the earliest. Also
    after divergence, the model ends on the best finite weights it passed through.
    """

    def __init__(self, monitor: str = "val_loss"):
        self.monitor = _check_monitor(monitor)
        self.best_epoch = 0
        self._best_value = math.inf
        self._best_weights: torch.Tensor | None = None

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        self.best_epoch, self._best_value, self._best_weights = 0, math.inf, None
        self._consider(0, model, history)

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        self._consider(epoch, model, history)

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        if self._best_weights is not None:
            set_flat_weights(model, self._best_weights)

    def _consider(self, epoch: int, model: nn.Module, history: History) -> None:
        value = _monitored(history, self.monitor, "RestoreBest")[epoch]
        if math.isfinite(value) and value < self._best_value:  # strictly lower: ties keep the earlier epoch
            self.best_epoch, self._best_value, self._best_weights = epoch, value, flat_weights(model)


class EarlyStopping(Callback):
    """Stop after ``patience`` epochs in a row without ``monitor`` falling below its best by more than ``min_delta``.

    It sets ``history.stop_requested``; ``fit`` ends after that epoch. ``stopped_epoch`` is the
    epoch it stopped at (0: it did not stop). Pair it with ``RestoreBest`` to rewind as well.
    """

    def __init__(self, patience: int, *, monitor: str = "val_loss", min_delta: float = 0.0):
        check_int("patience", patience, 1)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not math.isfinite(min_delta) or min_delta < 0:
            raise ValueError(f"Invalid min_delta: {min_delta!r} (expected a finite number >= 0)")
        self.patience, self.min_delta = patience, float(min_delta)
        self.monitor = _check_monitor(monitor)
        self.stopped_epoch = 0
        self._best, self._waited = math.inf, 0

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        self._best, self._waited, self.stopped_epoch = _monitored(history, self.monitor, "EarlyStopping")[0], 0, 0

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        value = _monitored(history, self.monitor, "EarlyStopping")[epoch]
        if value < self._best - self.min_delta:
            self._best, self._waited = value, 0
            return
        self._waited += 1
        if self._waited >= self.patience:
            history.stop_requested = True
            self.stopped_epoch = epoch


class Progress(Callback):
    """Print one short line every ``every`` epochs (and the last): epoch, loss, val loss, seconds since fit began."""

    def __init__(self, every: int = 1):
        check_int("every", every, 1)
        self.every = every
        self._start = 0.0
        self._printed = 0

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        self._start, self._printed = time.perf_counter(), 0

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        if epoch % self.every == 0:
            self._line(epoch, history)

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        done = history.epochs_completed
        if done > self._printed:  # the last epoch, when ``every`` skipped it
            self._line(done, history)
        if history.diverged:
            print(f"diverged in epoch {done + 1}", flush=True)
        elif history.stop_requested:
            print(f"stopped early after epoch {done}", flush=True)

    def _line(self, epoch: int, history: History) -> None:
        val = f"  val {history.val_loss[epoch]:.4g}" if history.val_loss else ""
        elapsed = time.perf_counter() - self._start
        print(f"epoch {epoch:>4d}  loss {history.epoch_loss[epoch]:.4g}{val}  {elapsed:.1f} s", flush=True)
        self._printed = epoch


class ProgressBar(Callback):
    """A ``tqdm.auto`` bar with one tick per epoch (``total``: the epochs planned) and the latest loss.

    It renders as a bar in Jupyter, VS Code and Voila and as text in CI logs.

    Unlike ``Progress`` (one printed line per epoch) it redraws in place, so a long run stays one line.
    """

    def __init__(self, total: int | None = None, *, description: str = "epochs"):
        if total is not None:
            check_int("total", total, 1)
        if not isinstance(description, str):
            raise TypeError(f"Invalid description: {description!r} (expected a string)")
        self.total, self.description = total, description
        self._bar: Any = None

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        from tqdm.auto import tqdm  # imported here: `import epochlab` stays free of widget machinery

        self._bar = tqdm(total=self.total, desc=self.description, leave=True)

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{history.epoch_loss[epoch]:.4g}")

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        if self._bar is not None:
            if history.diverged:
                self._bar.set_postfix_str(f"diverged in epoch {history.epochs_completed + 1}")
            self._bar.close()
            self._bar = None

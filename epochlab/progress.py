"""A progress bar for long training: ``tqdm.auto`` (a bar in Jupyter, Voila and VS Code; text lines in a CI log)."""

from __future__ import annotations

from typing import Any

from torch import nn
from tqdm.auto import tqdm

from .callbacks import Callback, History
from .checks import check_int


class ProgressBar(Callback):
    """Advance one bar by one every epoch (``unit="epoch"``) or every iteration (``unit="iteration"``).

    The same instance may be passed to several ``fit`` calls (e.g. K restarts): the bar counts across
    them up to ``total`` and closes when it gets there (or call :meth:`close`).
    """

    def __init__(self, total: int, *, desc: str = "training", unit: str = "epoch"):
        check_int("total", total, 1)
        if unit not in ("epoch", "iteration"):
            raise ValueError(f"Invalid unit: {unit!r} (expected 'epoch' or 'iteration')")
        self.total, self.desc, self.unit = total, desc, unit
        self.bar: Any = None

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        if self.bar is None:
            self.bar = tqdm(total=self.total, desc=self.desc, unit=self.unit, mininterval=0.5)

    def on_step_end(self, step: int, model: nn.Module, history: History) -> None:
        if self.unit == "iteration":
            self._advance()

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        if self.unit == "epoch":
            self._advance()

    def close(self) -> None:
        """Close the bar (idempotent)."""
        if self.bar is not None:
            self.bar.close()

    def _advance(self) -> None:
        self.bar.update(1)
        if self.bar.n >= self.total:
            self.close()

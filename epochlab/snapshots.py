"""``WeightSnapshots``: copies of the weights at epoch starts, after steps and at epoch ends."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .callbacks import Callback, History
from .snapshot_files import read_arrays, write_atomically

KINDS = ("epoch_start", "step", "epoch_end")
_FORMAT_VERSION = 1


class WeightSnapshots(Callback):
    """Capture the flat weight vector at every epoch start, every step (``every="step"``) and epoch end.

    Each capture is a copy, so training afterwards never changes it. Epochs are numbered from 1
    and keep counting across several ``fit`` calls, so a second call continues the record; every
    capture of one record has the same size and dtype (another model's fit is a ``ValueError``).
    """

    def __init__(self, every: str = "epoch"):
        if every not in ("step", "epoch"):
            raise ValueError(f"Invalid every: {every!r} (expected 'step' or 'epoch')")
        self.every = every
        # Captures are rows of one numpy array, grown by doubling, filled through numpy views of the
        # parameters: no torch op and no new tensor per step keeps every="step" nearly free.
        self._rows = np.empty((0, 0), dtype=np.float32)
        self._count = 0
        self._views: list[np.ndarray] = []
        self._flat = True
        self.kinds: list[str] = []
        self.epochs: list[int] = []
        self.steps: list[int] = []
        self._epoch_offset = 0
        self._step_offset = 0
        self._steps_done = 0
        self._model: nn.Module | None = None

    # -- hooks -------------------------------------------------------------------------
    def on_fit_start(self, model: nn.Module, history: History) -> None:
        self._epoch_offset = max(self.epochs, default=0)
        self._step_offset = max(self.steps, default=0)
        self._steps_done = self._step_offset
        self._model = None  # re-read the parameters: they may have been replaced since the last fit
        params = list(model.parameters())
        width, dtype = sum(p.numel() for p in params), params[0].detach().numpy().dtype
        if self._count and (width, dtype) != (self._rows.shape[1], self._rows.dtype):
            raise ValueError(f"Invalid model: these WeightSnapshots hold captures of {self._rows.shape[1]} "
                             f"{self._rows.dtype} weights, the model has {width} {dtype} weights "
                             "(record another model in a new WeightSnapshots)")

    def on_epoch_start(self, epoch: int, model: nn.Module, history: History) -> None:
        self._capture("epoch_start", epoch, model)

    def on_step_end(self, step: int, model: nn.Module, history: History) -> None:
        self._steps_done = self._step_offset + step
        if self.every == "step":
            self._capture("step", (step - 1) // history.steps_per_epoch + 1, model)

    def on_epoch_end(self, epoch: int, model: nn.Module, history: History) -> None:
        self._capture("epoch_end", epoch, model)

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        self._model, self._views = None, []  # hold no reference to the model between fits

    def _capture(self, kind: str, epoch: int, model: nn.Module) -> None:
        if model is not self._model:  # walking model.parameters() costs more than the copy: once per fit
            self._model = model
            views = [p.detach().numpy() for p in model.parameters()]  # share the memory (any strides)
            self._flat = all(v.flags.c_contiguous for v in views)
            self._views = [v.reshape(-1) for v in views] if self._flat else views  # contiguous: 1-D views, no copy
        if self._count == len(self._rows):
            grown = np.empty((max(64, 2 * self._count), sum(v.size for v in self._views)), self._views[0].dtype)
            if self._count:
                grown[: self._count] = self._rows[: self._count]
            self._rows = grown
        parts = self._views if self._flat else [v.reshape(-1) for v in self._views]  # a transposed one: flattened
        np.concatenate(parts, out=self._rows[self._count], casting="no")  # the copy, in flat_weights' order
        self._count += 1
        self.kinds.append(kind)
        self.epochs.append(self._epoch_offset + epoch)
        self.steps.append(self._steps_done)

    # -- reading -----------------------------------------------------------------------
    @property
    def weights(self) -> torch.Tensor:
        """A (T, P) tensor: every capture in order."""
        if not self._count:
            return torch.empty(0, 0)
        return torch.from_numpy(self._rows[: self._count].copy())

    def __len__(self) -> int:
        return self._count

    def epoch_start(self, k: int) -> torch.Tensor:
        """Weights at the start of epoch ``k`` (after any reset or re-initialisation)."""
        return self._find("epoch_start", k)

    def epoch_end(self, k: int) -> torch.Tensor:
        """Weights at the end of epoch ``k``."""
        return self._find("epoch_end", k)

    def trajectory(self) -> torch.Tensor:
        """The weights the optimiser moved through: the start, then every step (or every epoch end).

        An epoch start is included only where it differs from the capture before it: under
        ``"keep"`` it repeats the previous epoch's end, under ``"reset"``/``"reinit"`` it is a jump.
        """
        skipped = "epoch_end" if self.every == "step" else "step"
        keep: list[int] = []
        for i, kind in enumerate(self.kinds):
            if kind == skipped:
                continue
            if kind == "epoch_start" and keep and np.array_equal(self._rows[i], self._rows[keep[-1]]):
                continue
            keep.append(i)
        return torch.from_numpy(self._rows[keep]) if keep else torch.empty(0, 0)  # fancy indexing copies

    def _find(self, kind: str, k: int) -> torch.Tensor:
        for i, (captured_kind, epoch) in enumerate(zip(self.kinds, self.epochs)):
            if captured_kind == kind and epoch == k:
                return torch.from_numpy(self._rows[i].copy())
        captured = sorted({e for c, e in zip(self.kinds, self.epochs) if c == kind})
        raise KeyError(f"No {kind} capture for epoch {k}; captured epochs: {captured}")

    # -- files -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write exactly ``path`` (an ``.npz`` archive), atomically: a crash never leaves half a file.

        Permissions, symlinks and temporary files: see :func:`epochlab.snapshot_files.write_atomically`.
        """
        return write_atomically(path, {
            "format_version": np.array(_FORMAT_VERSION),
            "every": np.array(self.every),
            "weights": self.weights.numpy(),
            "kinds": np.array([KINDS.index(k) for k in self.kinds], dtype=np.int8),
            "epochs": np.array(self.epochs, dtype=np.int64),
            "steps": np.array(self.steps, dtype=np.int64),
        })

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> WeightSnapshots:
        """Read a file written by :meth:`save`; any other file is a ``ValueError`` naming it. Never unpickles."""
        path = Path(path)
        return cls._from_arrays(path, read_arrays(path))

    @classmethod
    def _from_arrays(cls, path: Path, data: dict[str, np.ndarray]) -> WeightSnapshots:
        def bad(reason: str) -> ValueError:
            return ValueError(f"Invalid snapshot file {str(path)!r}: {reason}")

        expected = {"format_version", "every", "weights", "kinds", "epochs", "steps"}
        if set(data) != expected:
            raise bad(f"expected arrays {sorted(expected)}, found {sorted(data)}")
        version, every = data["format_version"], data["every"]
        if version.shape != () or version.dtype.kind not in "iu" or int(version) != _FORMAT_VERSION:
            raise bad(f"format version {version}, this epochlab reads {_FORMAT_VERSION}")
        if every.shape != () or str(every) not in ("step", "epoch"):
            raise bad(f"unknown every={every}")
        weights, kinds, epochs, steps = data["weights"], data["kinds"], data["epochs"], data["steps"]
        if weights.dtype.kind != "f" or any(a.dtype.kind not in "iu" for a in (kinds, epochs, steps)):
            raise bad("unexpected array types")
        count = len(kinds)
        if weights.ndim != 2 or (count and weights.shape[0] != count) or epochs.shape != (count,) or steps.shape != (count,):
            raise bad("the arrays' shapes do not agree")
        if count and (kinds.min() < 0 or kinds.max() >= len(KINDS)):
            raise bad("unknown capture kind")
        snapshots = cls(every=str(every))
        if count:
            snapshots._rows, snapshots._count = weights, count  # read_arrays made a fresh copy
        snapshots.kinds = [KINDS[int(k)] for k in kinds]
        snapshots.epochs = [int(e) for e in epochs]
        snapshots.steps = [int(s) for s in steps]
        return snapshots

"""Training checkpoints: a dict of state dicts written atomically, read back with ``torch.load(weights_only=True)``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

PARTS = ("model", "optimizer", "scheduler", "data_order")


def training_state(
    model: torch.nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    data_order: torch.Generator | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The state to save: each given part's ``state_dict()`` (the generator's ``get_state()``), plus ``extra``."""
    state: dict[str, Any] = dict(extra)
    if model is not None:
        state["model"] = model.state_dict()
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if data_order is not None:
        state["data_order"] = data_order.get_state()
    return state


def save_checkpoint(path: str | os.PathLike[str], state: Mapping[str, Any]) -> Path:
    """Write ``state`` to exactly ``path`` with ``torch.save``, atomically: a crash never leaves half a file.

    The bytes go to a temporary file in the same directory, are flushed to disk, then renamed over
    ``path`` (``os.replace`` is atomic), so a reader sees the old checkpoint or the new one, never a mix.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"Invalid state: expected a mapping of names to state dicts, got {type(state).__name__}")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(dict(state), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint safely: ``weights_only=True`` refuses to run code hidden in the file (pickle)."""
    state = torch.load(Path(path), weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"Invalid checkpoint {path}: expected a dict, got {type(state).__name__}")
    return state


def restore(
    state: Mapping[str, Any],
    model: torch.nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    data_order: torch.Generator | None = None,
) -> list[str]:
    """Load each given object from its part of ``state`` (if saved); return the names of the parts restored."""
    restored = []
    for name, target in zip(PARTS, (model, optimizer, scheduler, data_order)):
        if target is None or name not in state:
            continue
        if isinstance(target, torch.Generator):
            target.set_state(state[name])
        else:
            target.load_state_dict(state[name])
        restored.append(name)
    return restored

"""Memory per batch, and a batch too big failing for real: one epoch per attempt, in a child process.

The child (``memory_child.py``) measures each attempt's peak resident memory above what it held
before the epoch (Linux ``VmHWM``, reset per attempt). With ``limit_mib`` it first caps its own
address space (``resource.setrlimit(RLIMIT_AS)``) at its current size plus ``limit_mib``: an epoch
whose batch needs more dies with torch's real allocation error, and the child carries on with the
next attempt. On a CUDA device, :func:`cuda_attempts` does the same with
``torch.cuda.set_per_process_memory_fraction`` and a real ``torch.cuda.OutOfMemoryError``.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..checks import check_int
from ..losses import LOSSES
from .accumulation import accumulated_epoch
from .processes import run_children


@dataclass(frozen=True)
class Attempt:
    """One epoch at ``batch_size`` in ``chunks`` accumulated pieces: did it complete, what it cost, what stopped it."""

    batch_size: int
    chunks: int
    completed: bool
    error: str | None
    peak_mib: float
    iterations: int
    loss: float | None
    weights: torch.Tensor | None = None  # the flat weights after the epoch, if it completed

    @property
    def micro_batch(self) -> int:
        """The largest piece one forward/backward pass holds at a time."""
        return -(-self.batch_size // self.chunks)


def epochs_in_child(model: nn.Module, X: torch.Tensor, y: torch.Tensor, attempts: Sequence[int | tuple[int, int]],
                    *, limit_mib: float | None = None, lr: float = 0.1, seed: int = 0, loss: str = "mse",
                    timeout: float = 60.0) -> list[Attempt]:
    """Train one epoch per attempt (a batch size, or ``(batch_size, chunks)``), each from ``model``'s weights.

    All attempts run in order in one fresh child process (``model`` itself is not changed), under an
    address-space limit of ``limit_mib`` MiB above the child's size after warm-up, if given.
    """
    plan = [(a, 1) if isinstance(a, int) else (int(a[0]), int(a[1])) for a in attempts]
    for b, k in plan:
        check_int("batch_size", b, 1, len(X))
        check_int("chunks", k, 1, b)
    if loss not in LOSSES:
        raise ValueError(f"Invalid loss: {loss!r} (expected one of {LOSSES})")
    if limit_mib is not None and not limit_mib > 0:
        raise ValueError(f"Invalid limit_mib: {limit_mib!r} (expected MiB > 0 or None)")
    job = {"model": copy.deepcopy(model), "X": X, "y": y, "attempts": plan, "limit_mib": limit_mib, "lr": lr,
           "seed": seed, "loss": loss}
    with tempfile.TemporaryDirectory(prefix="epochlab-memory-") as tmp:
        torch.save(job, Path(tmp) / "job.pt")
        run_children("epochlab.lessons.memory_child", [[tmp]], [Path(tmp) / "child.log"], timeout=timeout,
                     env={"MALLOC_MMAP_THRESHOLD_": "131072"})  # big buffers straight from and back to the OS
        results = torch.load(Path(tmp) / "result.pt", weights_only=False)["results"]
    return [Attempt(**r) for r in results]


def cuda_attempts(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_sizes: Sequence[int], *,
                  limit_mib: float, lr: float = 0.1, seed: int = 0, loss: str = "mse") -> list[Attempt]:
    """On a CUDA device, one epoch per batch size with at most ``limit_mib`` MiB more than the data and model.

    The cap is ``torch.cuda.set_per_process_memory_fraction``; a batch too big raises a real
    ``torch.cuda.OutOfMemoryError``, recorded as not completed.
    """
    if not torch.cuda.is_available():
        raise RuntimeError("cuda_attempts needs a CUDA device (torch.cuda.is_available() is False)")
    if limit_mib is None or not limit_mib > 0:
        raise ValueError(f"Invalid limit_mib: {limit_mib!r} (expected MiB > 0)")
    device = torch.device("cuda")
    Xd, yd, out = X.to(device), y.to(device), []
    held = torch.cuda.memory_allocated(device) + 2 * sum(p.numel() * p.element_size() for p in model.parameters())
    total = torch.cuda.get_device_properties(device).total_memory
    torch.cuda.set_per_process_memory_fraction(min(1.0, (held + limit_mib * 2**20) / total), device)
    try:
        for b in batch_sizes:
            net, error, losses = copy.deepcopy(model).to(device), None, []
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
            try:
                losses = accumulated_epoch(net, Xd, yd, batch_size=b, chunks=1, lr=lr, seed=seed, loss=loss)
            except torch.cuda.OutOfMemoryError as exc:
                error = f"OutOfMemoryError: {str(exc).splitlines()[0][:300]}"
            peak = torch.cuda.max_memory_allocated(device) / 2**20
            out.append(Attempt(b, 1, error is None, error, peak, len(losses), losses[-1] if losses else None))
            del net
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, device)
        torch.cuda.empty_cache()
    return out

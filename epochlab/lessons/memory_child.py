"""The child process of :func:`epochlab.lessons.memory.epochs_in_child`: epochs under a real memory limit.

Started as ``python -m epochlab.lessons.memory_child JOB_DIR``. It loads ``JOB_DIR/job.pt``, warms
up (so torch's one-off allocations happen before any limit), then caps its own address space with
``resource.setrlimit(RLIMIT_AS, ...)`` at its current size plus ``limit_mib``. Each attempt trains one
epoch from the same starting weights; an allocation the limit refuses raises inside torch (no
simulated check anywhere). Results go to ``JOB_DIR/result.pt``.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import resource
import sys
from pathlib import Path
from typing import Any

import torch

from ..model import flat_weights
from .accumulation import accumulated_epoch

MIB = 2**20


def _status(field: str) -> int:
    """A ``/proc/self/status`` field in bytes (``VmSize``: address space, ``VmRSS``, ``VmHWM``: peak RSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # Linux: reset VmHWM to the current RSS (if refused, peaks are running maxima)


def attempt(job: dict[str, Any], batch_size: int, chunks: int) -> dict[str, Any]:
    """One epoch at ``batch_size`` (in ``chunks`` pieces) from the job's weights: completed or the real error."""
    net = copy.deepcopy(job["model"])
    gc.collect()
    _reset_peak()
    start = _status("VmRSS")
    error, losses = None, []
    try:
        losses = accumulated_epoch(net, job["X"], job["y"], batch_size=batch_size, chunks=chunks, lr=job["lr"],
                                   seed=job["seed"], loss=job["loss"])
    except (RuntimeError, MemoryError) as exc:  # torch's allocator raises RuntimeError, Python MemoryError
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300]}"
    peak = _status("VmHWM") - start
    return {"batch_size": batch_size, "chunks": chunks, "completed": error is None, "error": error,
            "peak_mib": peak / MIB, "iterations": len(losses), "loss": losses[-1] if losses else None,
            "weights": flat_weights(net) if error is None else None}


def main(job_dir: Path) -> None:
    """Warm up, cap the address space if asked, run every attempt, save the results."""
    torch.set_num_threads(1)  # no thread pool may be started after the limit is set
    job = torch.load(job_dir / "job.pt", weights_only=False)
    warm = copy.deepcopy(job["model"])  # warm-up: every code path once, before the limit
    accumulated_epoch(warm, job["X"][:4], job["y"][:4], batch_size=4, chunks=2, lr=job["lr"], loss=job["loss"])
    limit = job["limit_mib"]
    if limit is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = _status("VmSize") + int(limit * MIB)
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    results = [attempt(job, b, k) for b, k in job["attempts"]]
    torch.save({"results": results, "baseline_mib": _status("VmRSS") / MIB}, job_dir / "result.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Epochs on several workers: real ``torch.distributed`` (gloo) processes, and the one-process run they equal.

:func:`run_workers` starts ``world_size`` worker processes (``distributed_worker.py``), each a
fresh Python that imports this same ``epochlab``. They rendezvous at a store this process holds, train
with a ``DistributedSampler`` and ``DistributedDataParallel``, and send back what each one saw.
A hard ``timeout`` bounds the whole run; on success, failure, timeout or interrupt every worker
process is gone before the function returns.
"""

from __future__ import annotations

import copy
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DistributedSampler, TensorDataset

from ..checks import check_int
from ..losses import LOSSES, make_objective
from .distributed_worker import flat
from .processes import run_children
from .unit_of_work import num_threads


@dataclass(frozen=True)
class WorkerRecord:
    """What one worker saw: ``seen[e]`` the sample indices of epoch ``e`` in order, ``weights[k]`` the
    flat weights at boundary ``k`` (0: the start), ``loss[e]`` its mean mini-batch loss, ``iterations[e]``."""

    rank: int
    seen: list[list[int]]
    weights: torch.Tensor
    loss: list[float]
    iterations: list[int]


@dataclass(frozen=True)
class DistributedRun:
    """Every worker's record, rank order, and the wall-clock seconds of the whole run."""

    world_size: int
    batch_size: int
    n_samples: int
    workers: list[WorkerRecord]
    seconds: float

    def samples_seen(self, epoch: int) -> list[int]:
        """How many samples each worker processed in ``epoch`` (0-based)."""
        return [len(w.seen[epoch]) for w in self.workers]

    def covered(self, epoch: int) -> set[int]:
        """The distinct sample indices the workers saw together in ``epoch``."""
        return {i for w in self.workers for i in w.seen[epoch]}

    def weight_spread(self) -> list[float]:
        """Per boundary, the largest absolute difference between any worker's weights and rank 0's."""
        base = self.workers[0].weights
        return [max(float((w.weights[k] - base[k]).abs().max()) for w in self.workers) for k in range(len(base))]


def run_workers(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, world_size: int, batch_size: int,
                epochs: int, lr: float, seed: int = 0, set_epoch: bool = True, loss: str = "mse",
                timeout: float = 60.0, fault: str | None = None) -> DistributedRun:
    """Train a copy of ``model`` on ``world_size`` gloo workers; ``model`` itself is not changed.

    Each worker runs SGD at ``batch_size`` on its ``DistributedSampler`` share. ``fault`` (``"raise"``
    or ``"hang"``) makes the last worker fail, to show the clean shutdown: a failing worker raises
    ``RuntimeError`` here, a hung one ``TimeoutError`` after ``timeout`` seconds.
    """
    check_int("world_size", world_size, 1, 16)
    check_int("batch_size", batch_size, 1)
    check_int("epochs", epochs, 1)
    if loss not in LOSSES:
        raise ValueError(f"Invalid loss: {loss!r} (expected one of {sorted(LOSSES)})")
    if fault not in (None, "raise", "hang"):
        raise ValueError(f"Invalid fault: {fault!r} (expected None, 'raise' or 'hang')")
    if not timeout > 0:
        raise ValueError(f"Invalid timeout: {timeout!r} (expected seconds > 0)")
    job = {"model": copy.deepcopy(model), "X": X, "y": y, "batch_size": batch_size, "epochs": epochs, "lr": lr,
           "seed": seed, "set_epoch": set_epoch, "loss": loss, "fault": fault, "timeout": timeout}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="epochlab-ddp-") as tmp:
        job_dir = Path(tmp)
        torch.save(job, job_dir / "job.pt")
        logs = [job_dir / f"rank{r}.log" for r in range(world_size)]
        # The rendezvous store lives here, on a port the OS picks (0): no race for a port, and it outlives every
        # worker, so no worker's exit can pull the store from under its peers.
        for attempt in (1, 2):
            store = dist.TCPStore("127.0.0.1", 0, is_master=True, wait_for_workers=False,
                                  timeout=timedelta(seconds=timeout))
            ranks = [[tmp, str(r), str(world_size), str(store.port)] for r in range(world_size)]
            try:
                run_children("epochlab.lessons.distributed_worker", ranks, logs, timeout=timeout)
                break
            except RuntimeError as error:  # one retry, only for gloo's rare C++ abort; anything else is real
                if attempt == 2 or "terminate called without an active exception" not in str(error):
                    raise
            finally:
                del store
        records = [torch.load(job_dir / f"rank{r}.pt", weights_only=False) for r in range(world_size)]
    workers = [WorkerRecord(**r) for r in records]
    return DistributedRun(world_size, batch_size, len(X), workers, time.perf_counter() - start)


def rank_order(n_samples: int, world_size: int, rank: int, *, epoch: int, seed: int = 0,
               set_epoch: bool = True) -> list[int]:
    """The indices ``DistributedSampler`` gives ``rank`` in ``epoch`` (0-based), computed without any process group."""
    indices = TensorDataset(torch.arange(n_samples))  # only its length matters to the sampler
    sampler: DistributedSampler[tuple[torch.Tensor, ...]] = DistributedSampler(indices, num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
    if set_epoch:
        sampler.set_epoch(epoch)
    return [int(i) for i in iter(sampler)]  # type: ignore[call-overload]


def single_process_run(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, world_size: int, batch_size: int,
                       epochs: int, lr: float, seed: int = 0, loss: str = "mse") -> torch.Tensor:
    """The oracle: ONE process, batch ``world_size * batch_size``, the same samples per step; boundary weights.

    Step ``k`` of the W workers uses batch ``k`` of every rank; their averaged gradient is the
    gradient of the mean loss over the union, which is what one process computes here.
    """
    net, objective = copy.deepcopy(model), make_objective(loss)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    weights = [flat(net)]
    with num_threads(1):  # one thread, as each worker has: small nets only lose time to thread hand-offs
        for epoch in range(epochs):
            orders = [rank_order(len(X), world_size, r, epoch=epoch, seed=seed) for r in range(world_size)]
            for k in range(0, len(orders[0]), batch_size):
                batch = torch.tensor([i for order in orders for i in order[k:k + batch_size]])
                opt.zero_grad()
                objective.batch_loss(net(X[batch]), y[batch]).backward()
                opt.step()
            weights.append(flat(net))
    return torch.stack(weights)

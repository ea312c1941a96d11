"""One worker of :func:`epochlab.lessons.distributed.run_workers`: the canonical DDP loop, run in its own process.

Started as ``python -m epochlab.lessons.distributed_worker JOB_DIR RANK WORLD_SIZE PORT``. It reads
``JOB_DIR/job.pt`` (the model, the data and the settings the parent saved), trains with a
``DistributedSampler``, averages gradients with one gloo ``all_reduce`` per step (what
``DistributedDataParallel`` does in its backward hooks; DDP itself costs a second of imports per
process), and writes what it saw to ``JOB_DIR/rank{RANK}.pt``.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from ..losses import make_objective


def flat(model: torch.nn.Module) -> torch.Tensor:
    """All parameters as one detached float64 vector (a copy)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double().clone()


def average_gradients(model: torch.nn.Module, world_size: int) -> None:
    """Sum every worker's gradients with one ``all_reduce`` and divide by ``world_size``."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    bucket = torch.cat([g.reshape(-1) for g in grads])  # one collective per step, like DDP's buckets
    dist.all_reduce(bucket, op=dist.ReduceOp.SUM)
    bucket /= world_size
    offset = 0
    for g in grads:
        g.copy_(bucket[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def train(job: dict[str, Any], rank: int, world_size: int) -> dict[str, Any]:
    """The loop every DDP tutorial shows; returns this worker's record."""
    model, X, y = job["model"], job["X"], job["y"]
    dataset = TensorDataset(torch.arange(len(X)), X, y)  # the index rides along: we record who saw what
    sampler: DistributedSampler[tuple[torch.Tensor, ...]] = DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=job["seed"])
    loader = DataLoader(dataset, batch_size=job["batch_size"], sampler=sampler)
    for p in model.parameters():
        dist.broadcast(p.data, src=0)  # every worker starts from rank 0's weights (as DDP does)
    opt = torch.optim.SGD(model.parameters(), lr=job["lr"])
    loss_fn = make_objective(job["loss"]).batch_loss
    seen: list[list[int]] = []
    weights, epoch_loss, iterations = [flat(model)], [], []
    for epoch in range(job["epochs"]):
        if job["set_epoch"]:
            sampler.set_epoch(epoch)  # a new shuffle each epoch; forget it and every epoch repeats epoch 0
        order: list[int] = []
        total, steps = 0.0, 0
        for index, xb, yb in loader:
            if job["fault"] == "raise" and rank == world_size - 1:
                raise RuntimeError(f"worker {rank} failed on purpose")
            if job["fault"] == "hang" and rank == world_size - 1:
                time.sleep(3600)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            average_gradients(model, world_size)  # every worker now holds the same, averaged gradient
            opt.step()
            order += index.tolist()
            total, steps = total + loss.item(), steps + 1
        seen.append(order)
        weights.append(flat(model))
        epoch_loss.append(total / steps)
        iterations.append(steps)
    return {"rank": rank, "seen": seen, "weights": torch.stack(weights), "loss": epoch_loss, "iterations": iterations}


def main(argv: list[str]) -> None:
    """Join the process group, train, save the record, leave the group."""
    job_dir, rank, world_size, port = Path(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])
    torch.set_num_threads(1)  # W processes share the machine's cores
    job = torch.load(job_dir / "job.pt", weights_only=False)
    timeout = timedelta(seconds=job["timeout"])
    store = dist.TCPStore("127.0.0.1", port, is_master=False, timeout=timeout)  # the parent holds the store
    dist.init_process_group("gloo", store=store, rank=rank, world_size=world_size, timeout=timeout)
    try:
        record = train(job, rank, world_size)
        torch.save(record, job_dir / f"rank{rank}.pt")
        dist.barrier()  # nobody leaves while a peer may still be talking to it
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # done and saved: skip interpreter teardown, where gloo's threads can abort ("terminate called")

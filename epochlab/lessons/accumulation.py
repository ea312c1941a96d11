"""Gradient accumulation: k small forward/backward passes, one optimizer step, the big batch's update.

For a mean loss over a batch of ``B`` samples split into chunks of sizes ``b_1..b_k``,
``grad mean_B = sum_j (b_j / B) * grad mean_{b_j}``: scaling each chunk's loss by ``b_j / B``
and letting ``backward`` add the gradients up gives exactly the big batch's gradient, while only
one chunk's activations are alive at a time.
"""

from __future__ import annotations

import torch
from torch import nn

from ..checks import check_batch_size, check_int
from ..data import epoch_batches, make_generator
from ..losses import make_objective


def accumulated_step(model: nn.Module, opt: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
                     batch: torch.Tensor, *, chunks: int, loss: str = "mse") -> float:
    """One optimizer step on ``batch`` computed in ``chunks`` pieces; returns the batch's mean loss."""
    check_int("chunks", chunks, 1)
    batch_loss = make_objective(loss).batch_loss
    opt.zero_grad()
    total = 0.0
    for piece in torch.tensor_split(batch, min(chunks, len(batch))):
        share = len(piece) / len(batch)  # chunk weight b_j / B: the chunk means add up to the batch mean
        value = batch_loss(model(X[piece]), y[piece]) * share
        value.backward()  # adds into .grad; the chunk's activations are freed here
        total += value.item()
    opt.step()
    return total


def accumulated_epoch(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int | None, chunks: int,
                      lr: float, seed: int = 0, loss: str = "mse") -> list[float]:
    """One SGD epoch in the same batches as ``fit(..., epochs=1, seed=seed)``, each in ``chunks`` pieces.

    Returns every step's batch loss. With ``chunks=1`` this is fit's own step; with more, the same
    update to float tolerance, at a fraction of the memory.
    """
    size = check_batch_size(batch_size, len(X))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    batches = epoch_batches(len(X), size, shuffle=True, generator=make_generator(seed))
    return [accumulated_step(model, opt, X, y, batch, chunks=chunks, loss=loss) for batch in batches]

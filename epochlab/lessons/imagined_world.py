"""The asker's picture of training, run fairly: every "epoch" a new search from fresh random weights, to the bottom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..checks import check_int
from ..model import flat_weights, reinitialize
from ..train import dataset_loss, fit, reinit_generator


@dataclass
class ImaginedWorld:
    """Per imagined epoch: the loss and weights at its random start and at the end of its search."""

    start_loss: np.ndarray
    end_loss: np.ndarray
    starts: torch.Tensor  # (epochs, P)
    ends: torch.Tensor  # (epochs, P)


def imagined_world(make_model: Callable[[], nn.Module], X: torch.Tensor, y: torch.Tensor, *, epochs: int,
                   search_steps: int, lr: float, seed: int = 0, progress: bool = False) -> ImaginedWorld:
    """Each "epoch" starts from fresh random weights and runs ``search_steps`` full-batch gradient-descent steps.

    Epoch 1 starts from ``make_model()``'s weights; every later one from a fresh draw of
    ``reinit_generator(seed)``, the very draws ``fit(..., between_epochs="reinit")`` makes.
    ``progress=True`` shows a ``tqdm.auto`` bar, one tick per imagined epoch.
    """
    check_int("epochs", epochs, 1)
    check_int("search_steps", search_steps, 1)
    model, generator = make_model(), reinit_generator(seed)
    starts, ends, start_loss, end_loss = [], [], [], []
    from tqdm.auto import trange  # here, not at the top: importing the lesson stays light

    for epoch in trange(epochs, desc="imagined epochs", disable=not progress):
        if epoch:
            reinitialize(model, generator)  # the imagined boundary: forget everything, draw again
        starts.append(flat_weights(model))
        start_loss.append(dataset_loss(model, X, y))
        fit(model, X, y, epochs=search_steps, lr=lr, shuffle=False)  # full batch: one step per pass
        ends.append(flat_weights(model))
        end_loss.append(dataset_loss(model, X, y))
    return ImaginedWorld(np.array(start_loss), np.array(end_loss), torch.stack(starts), torch.stack(ends))

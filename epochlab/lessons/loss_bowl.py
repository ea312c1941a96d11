"""Notebook 03's science: the two-weight loss bowl and gradient descent across it (no plotting).

The net is ``LinearNet(d, bias=False)``, so its loss is exactly the quadratic of ``landscape``:
along the Hessian's eigenvector ``i`` the error ``w - w*`` is multiplied by ``1 - lr * lambda_i``
at every full-batch step. That one fact sorts learning rates into the regimes named here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..callbacks import History
from ..checks import check_int
from ..data import make_generator
from ..landscape import gd_recurrence, hessian, least_squares, loss_grid, mse
from ..model import LinearNet, flat_weights
from ..snapshots import WeightSnapshots
from ..train import fit


def make_correlated_data(n_samples: int, weights: Sequence[float], *, correlation: float = 0.7, noise: float = 0.1,
                         seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two standard-normal inputs with correlation ``correlation``, and ``y = X @ weights + noise``."""
    check_int("n_samples", n_samples, 2)
    if len(weights) != 2:
        raise ValueError(f"Invalid weights: {weights!r} (expected two numbers, one per input)")
    if not -1.0 < correlation < 1.0:
        raise ValueError(f"Invalid correlation: {correlation!r} (expected a number in (-1, 1))")
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"Invalid noise: {noise!r} (expected a finite number >= 0)")
    generator = make_generator(seed)
    z = torch.randn(n_samples, 2, generator=generator)
    # Mixing two independent inputs correlates them: the bowl stretches along one diagonal.
    X = torch.stack([z[:, 0], correlation * z[:, 0] + math.sqrt(1.0 - correlation**2) * z[:, 1]], dim=1)
    y = X @ torch.tensor([float(v) for v in weights]).unsqueeze(1)
    return X, y + noise * torch.randn(n_samples, 1, generator=generator)


def autograd_hessian(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Hessian of the full-dataset MSE in the model's flat weights, by autograd at its current weights."""
    params = dict(model.named_parameters())
    shapes = [(name, p.shape, p.numel()) for name, p in params.items()]

    def loss_of(flat: torch.Tensor) -> torch.Tensor:
        chunks, offset = {}, 0
        for name, shape, size in shapes:
            chunks[name], offset = flat[offset : offset + size].reshape(shape), offset + size
        return torch.nn.functional.mse_loss(torch.func.functional_call(model, chunks, (X.double(),)), y.double())

    return torch.autograd.functional.hessian(loss_of, flat_weights(model).double()).numpy()


def regime(lr: float, threshold: float) -> str:
    """What full-batch descent does at ``lr``, from the factor ``1 - lr * lambda_max`` (a theorem, not a fit)."""
    if lr <= threshold / 2:
        return "monotone"  # every factor is in [0, 1): each direction shrinks without changing sign
    if lr < threshold:
        return "oscillating"  # the steepest factor is in (-1, 0): it flips sign but still shrinks
    return "diverging" if lr > threshold else "bouncing"  # |factor| > 1 grows; = 1 never settles


@dataclass
class Descent:
    """One run of ``fit`` on a fresh net: its history and the weights it walked through."""

    lr: float
    history: History
    path: np.ndarray  # (T, P): the start, then the weights after every step
    epoch_of_point: np.ndarray  # (T,): 0 for the start, else the epoch the step belongs to


def walked_path(snapshots: WeightSnapshots, steps_per_epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """The start and the weights after every step of a ``"keep"`` run, with the epoch of each (0: the start)."""
    path = snapshots.trajectory().double().numpy()  # under "keep": row i holds the weights after step i
    epochs = np.array([math.ceil(step / steps_per_epoch) for step in range(len(path))])
    return path, epochs


def descend(X: torch.Tensor, y: torch.Tensor, *, lr: float, epochs: int, batch_size: int | None = None,
            seed: int = 0, quiet: bool = False) -> Descent:
    """Train ``LinearNet(d, bias=False, seed=seed)`` from scratch and record its path; ``quiet`` hides the divergence warning."""
    net = LinearNet(X.shape[1], bias=False, seed=seed)
    snapshots = WeightSnapshots(every="step")
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", RuntimeWarning)
        history = fit(net, X, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, callbacks=[snapshots])
    path, epoch_of_point = walked_path(snapshots, history.steps_per_epoch)
    return Descent(lr, history, path, epoch_of_point)


def gd_losses(X: torch.Tensor, y: torch.Tensor, w0: np.ndarray, *, lr: float, steps: int) -> np.ndarray:
    """Closed-form full-batch loss curve (steps+1 values) from ``w0``; non-finite once it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(mse(X, y, gd_recurrence(X, y, w0, lr=lr, steps=steps, bias=False), bias=False))


def eigen_coordinates(path: np.ndarray, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """``path - w*`` in the Hessian's eigenbasis, ascending eigenvalue: the last column is the steepest direction."""
    _, vectors = np.linalg.eigh(hessian(X, bias=False))
    return (np.asarray(path, dtype=np.float64) - least_squares(X, y, bias=False)) @ vectors


def count_rises(values: Sequence[float] | np.ndarray) -> int:
    """How many times a curve goes up from one point to the next (0 for a strictly falling curve)."""
    return int(np.sum(np.diff(np.asarray(values, dtype=np.float64)) > 0))


def surface(X: torch.Tensor, y: torch.Tensor, *, span: float = 4.0,
            resolution: int = 81) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on a square of weights around the minimum: depends on the data only, so compute it once."""
    return loss_grid(X, y, least_squares(X, y, bias=False), span=span, resolution=resolution, bias=False)

"""The loss surface of a linear net, in closed form: the oracles notebooks and tests compare against.

For a linear net with mean-squared error the loss is a quadratic in the weights,
``L(w) = mean((Xa w - y)^2)`` with ``Xa = [X, 1]``: a bowl whose curvature is the Hessian
``H = (2/N) Xa^T Xa``. Everything here is float64 numpy, independent of the torch loop.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .model import flat_weights, set_flat_weights
from .train import dataset_loss


def design_matrix(X: torch.Tensor | np.ndarray, *, bias: bool = True) -> np.ndarray:
    """``X`` as float64, with a column of ones appended when the net has a bias."""
    Xa = np.asarray(X, dtype=np.float64)
    return np.hstack([Xa, np.ones((len(Xa), 1))]) if bias else Xa


def mse(X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, weights: np.ndarray, *, bias: bool = True) -> np.ndarray:
    """Loss of flat weight vector(s) ``weights`` (shape (P,) or (T, P)), in float64."""
    Xa, target = design_matrix(X, bias=bias), np.asarray(y, dtype=np.float64).reshape(-1)
    residual = np.atleast_2d(np.asarray(weights, dtype=np.float64)) @ Xa.T - target
    losses = np.mean(residual**2, axis=1)
    return losses if np.ndim(weights) == 2 else losses[0]


def hessian(X: torch.Tensor | np.ndarray, *, bias: bool = True) -> np.ndarray:
    """``(2/N) Xa^T Xa``: the same at every point, because the loss is quadratic."""
    Xa = design_matrix(X, bias=bias)
    return 2.0 / len(Xa) * Xa.T @ Xa


def lr_threshold(X: torch.Tensor | np.ndarray, *, bias: bool = True) -> float:
    """``2 / lambda_max``: full-batch gradient descent converges below it and diverges above it."""
    return float(2.0 / np.linalg.eigvalsh(hessian(X, bias=bias)).max())


def least_squares(X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, *, bias: bool = True) -> np.ndarray:
    """The global minimum, in the order of ``flat_weights`` (weights, then bias)."""
    solution, *_ = np.linalg.lstsq(design_matrix(X, bias=bias), np.asarray(y, dtype=np.float64).reshape(-1), rcond=None)
    return solution


def gd_recurrence(
    X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, w0: np.ndarray | torch.Tensor, *,
    lr: float, steps: int, bias: bool = True,
) -> np.ndarray:
    """Full-batch gradient descent by hand: ``w <- w - lr (2/N) Xa^T (Xa w - y)``; returns (steps+1, P)."""
    Xa, target = design_matrix(X, bias=bias), np.asarray(y, dtype=np.float64).reshape(-1)
    w = np.asarray(w0, dtype=np.float64).copy()
    path = [w.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            w = w - lr * 2.0 / len(Xa) * Xa.T @ (Xa @ w - target)
            path.append(w.copy())
    return np.array(path)


def loss_grid(
    X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, center: np.ndarray, *,
    span: float | tuple[float, float] = 2.0, resolution: int = 80, bias: bool = True,
    axes: tuple[int, int] = (0, 1),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loss over a grid of two weights around ``center`` (the others held at ``center``).

    Returns ``(W1, W2, L)`` ready for ``contour``. Exact and vectorised: the loss depends only
    on the data, so callers compute it once and cache it.
    """
    center = np.asarray(center, dtype=np.float64)
    half = (span, span) if np.isscalar(span) else span
    a, b = axes
    W1, W2 = np.meshgrid(
        np.linspace(center[a] - half[0], center[a] + half[0], resolution),  # type: ignore[index]
        np.linspace(center[b] - half[1], center[b] + half[1], resolution),  # type: ignore[index]
    )
    weights = np.tile(center, (W1.size, 1))
    weights[:, a], weights[:, b] = W1.ravel(), W2.ravel()
    return W1, W2, mse(X, y, weights, bias=bias).reshape(W1.shape)


@torch.no_grad()
def loss_along_line(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, start: torch.Tensor, end: torch.Tensor, *,
    points: int = 51, extend: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Loss at ``start + t (end - start)`` for ``t`` in ``[-extend, 1 + extend]``; the model is restored after."""
    saved = flat_weights(model)
    ts = np.linspace(-extend, 1.0 + extend, points)
    losses = []
    try:
        for t in ts:
            set_flat_weights(model, start + float(t) * (end - start))
            losses.append(dataset_loss(model, X, y))
    finally:
        set_flat_weights(model, saved)
    return ts, np.array(losses)


def grid_minima(L: np.ndarray) -> list[tuple[int, int]]:
    """Indices of the points of a loss grid lower than all of their (up to 8) neighbours: its local minima."""
    loss = np.asarray(L, dtype=np.float64)
    if loss.ndim != 2:
        raise ValueError(f"Invalid L: expected a 2-D grid, got shape {loss.shape}")
    padded = np.pad(loss, 1, constant_values=np.inf)  # points outside the grid never beat an edge point
    rows, cols = loss.shape
    lower = np.ones(loss.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower &= loss < padded[1 + di : 1 + di + rows, 1 + dj : 1 + dj + cols]
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(lower))]

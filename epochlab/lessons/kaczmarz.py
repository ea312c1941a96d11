"""The asker's loop in closed form: many SGD steps on one point project onto its solution line.

For a bias-free linear net and one point ``(x, y)``, the loss ``(w.x - y)^2`` has gradient
``2 (w.x - y) x``, so one SGD step multiplies the residual ``w.x - y`` by ``1 - 2 lr |x|^2`` and
moves ``w`` only along ``x``. After ``s`` steps ``w`` has gone the fraction
``1 - (1 - 2 lr |x|^2)^s`` of the way to its orthogonal projection onto the line
``{w : w.x = y}``. Cycling over the points is the Kaczmarz method. Float64 numpy throughout.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..callbacks import Callback, History
from ..checks import check_int
from ..model import flat_weights

ArrayLike = torch.Tensor | np.ndarray


def _as_float64(value: ArrayLike) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _check_lr_steps(lr: float | None, steps: int | None) -> None:
    if (lr is None) != (steps is None):
        raise ValueError(f"Invalid lr, steps: give both or neither (got lr={lr!r}, steps={steps!r})")
    if lr is not None and not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"Invalid learning rate: lr={lr!r} (expected a finite number > 0)")
    if steps is not None:
        check_int("steps_per_point", steps, 1)


def _fraction(norm: float, lr: float | None, steps: int | None) -> float:
    """How far towards the projection ``steps`` SGD steps go (1 without ``lr``: the exact projection)."""
    return 1.0 if lr is None or steps is None else 1.0 - (1.0 - 2.0 * lr * norm) ** steps


def residual_factor(X: ArrayLike, *, lr: float, steps_per_point: int) -> np.ndarray:
    """Per point, ``(1 - 2 lr |x|^2)^s``: what is left of its residual after ``s`` SGD steps on it."""
    _check_lr_steps(lr, steps_per_point)
    norms = np.sum(_as_float64(X) ** 2, axis=1)
    return (1.0 - 2.0 * lr * norms) ** steps_per_point


def steps_to_converge(X: ArrayLike, *, lr: float, tol: float = 1e-6) -> int:
    """The fewest steps per point after which every point's residual factor is at most ``tol``."""
    if not 0 < tol < 1:
        raise ValueError(f"Invalid tol: {tol!r} (expected a number in (0, 1))")
    _check_lr_steps(lr, 1)
    contraction = np.abs(1.0 - 2.0 * lr * np.sum(_as_float64(X) ** 2, axis=1)).max()
    if contraction >= 1:
        raise ValueError(f"Invalid learning rate: lr={lr!r}; SGD on the largest point never converges "
                         f"(it needs 0 < 2 lr |x|^2 < 2)")
    if contraction == 0:
        return 1
    return int(np.ceil(np.log(tol) / np.log(contraction)))


def project(w: ArrayLike, x: ArrayLike, y: float, *, lr: float | None = None, steps: int | None = None) -> np.ndarray:
    """``w`` projected onto the line ``{w : w.x = y}``; with ``lr`` and ``steps``, where that many SGD steps land."""
    _check_lr_steps(lr, steps)
    w, x = _as_float64(w).reshape(-1), _as_float64(x).reshape(-1)
    norm = float(x @ x)
    if norm == 0:
        raise ValueError("Invalid x: the zero vector has no solution line")
    return w - _fraction(norm, lr, steps) * (float(w @ x) - float(y)) / norm * x


def kaczmarz(X: ArrayLike, y: ArrayLike, w0: ArrayLike, *, epochs: int,
             lr: float | None = None, steps_per_point: int | None = None) -> np.ndarray:
    """Weights after each inner loop of the asker's loop, shape ``(epochs * N + 1, P)``; row ``k N`` ends epoch ``k``.

    Without ``lr``/``steps_per_point`` every inner loop is an exact projection (the Kaczmarz method).
    """
    check_int("epochs", epochs, 0)
    Xa, target = _as_float64(X), _as_float64(y).reshape(-1)
    if Xa.ndim != 2 or len(Xa) != len(target):
        raise ValueError(f"Invalid X, y: shapes {Xa.shape} and {target.shape} do not match")
    path = [_as_float64(w0).reshape(-1)]
    for _ in range(epochs):
        for x, t in zip(Xa, target):
            path.append(project(path[-1], x, float(t), lr=lr, steps=steps_per_point))
    return np.array(path)


def epoch_map(X: ArrayLike, y: ArrayLike, *, lr: float | None = None,
              steps_per_point: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One epoch of the asker's loop as the affine map ``w -> M w + c`` (each inner loop is one)."""
    _check_lr_steps(lr, steps_per_point)
    Xa, target = _as_float64(X), _as_float64(y).reshape(-1)
    M, c = np.eye(Xa.shape[1]), np.zeros(Xa.shape[1])
    for x, t in zip(Xa, target):
        norm = float(x @ x)
        fraction = _fraction(norm, lr, steps_per_point)
        step = np.eye(len(x)) - fraction * np.outer(x, x) / norm
        M, c = step @ M, step @ c + fraction * float(t) * x / norm
    return M, c


def iterate_map(M: np.ndarray, c: np.ndarray, w0: ArrayLike, epochs: int) -> np.ndarray:
    """Weights at the start and the end of every epoch, ``(epochs + 1, P)``, by repeating the epoch map."""
    path = [_as_float64(w0).reshape(-1)]
    for _ in range(epochs):
        path.append(M @ path[-1] + c)
    return np.array(path)


def fixed_point(M: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The weights one epoch maps to themselves, ``(I - M) w = c``: where every epoch ends on the cycle."""
    return np.linalg.solve(np.eye(len(c)) - M, c)


class InnerLoopEnds(Callback):
    """Copies the weights at the end of every inner loop of :func:`~epochlab.train.train_point_by_point`."""

    def __init__(self, steps_per_point: int):
        self.steps_per_point = steps_per_point
        self.weights: list[torch.Tensor] = []

    def on_fit_start(self, model: nn.Module, history: History) -> None:
        self.weights.append(flat_weights(model))

    def on_step_end(self, step: int, model: nn.Module, history: History) -> None:
        if step % self.steps_per_point == 0:
            self.weights.append(flat_weights(model))

    def path(self) -> np.ndarray:
        """The start, then the weights after each inner loop, ``(T, P)`` float64 (as :func:`kaczmarz` returns)."""
        return torch.stack(self.weights).double().numpy()


def point_losses(X: ArrayLike, y: ArrayLike, w: ArrayLike) -> np.ndarray:
    """Squared error of each point for weights ``w`` of shape (P,) -> (N,), or (T, P) -> (T, N)."""
    weights = _as_float64(w)
    residual = np.atleast_2d(weights) @ _as_float64(X).T - _as_float64(y).reshape(-1)
    return residual**2 if weights.ndim == 2 else (residual**2)[0]


def epoch_ends(path: np.ndarray, n_points: int) -> np.ndarray:
    """Rows of a :func:`kaczmarz` path at the start (row 0) and the end of every epoch."""
    return np.asarray(path)[::n_points]


def epoch_displacement(path: np.ndarray, n_points: int) -> np.ndarray:
    """How far the weights moved over each epoch, end to end: ``|w_end(k) - w_end(k-1)|``."""
    return np.linalg.norm(np.diff(epoch_ends(path, n_points), axis=0), axis=1)


def epoch_path_length(path: np.ndarray, n_points: int) -> np.ndarray:
    """Distance travelled inside each epoch (the sum of its inner-loop moves): stays > 0 on a cycle."""
    moves = np.linalg.norm(np.diff(np.asarray(path), axis=0), axis=1)
    return moves[: len(moves) // n_points * n_points].reshape(-1, n_points).sum(axis=1)


def line_points(x: ArrayLike, y: float, *, half_length: float = 3.0) -> np.ndarray:
    """Two points spanning the solution line ``{w : w.x = y}`` of a 2-weight net (for plotting)."""
    x = _as_float64(x).reshape(-1)
    if x.shape != (2,):
        raise ValueError(f"Invalid x: a line in the weight plane needs 2 inputs, got {x.shape}")
    foot = float(y) * x / float(x @ x)
    along = np.array([-x[1], x[0]]) / np.linalg.norm(x)
    return np.array([foot - half_length * along, foot + half_length * along])

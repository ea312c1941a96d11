"""The closed-form loss surface, checked against hand-built numpy, finite differences and the torch loss."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from epochlab import (
    LinearNet,
    dataset_loss,
    flat_weights,
    gd_recurrence,
    hessian,
    least_squares,
    loss_along_line,
    loss_grid,
    lr_threshold,
    make_linear_data,
    mse,
    set_flat_weights,
)
from epochlab.landscape import design_matrix


@pytest.fixture(scope="module")
def xy() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(30, [1.0, -0.5], 0.25, noise=0.2, seed=6)


def by_hand(X: torch.Tensor, bias: bool) -> np.ndarray:
    Xa = X.double().numpy()
    return np.column_stack([Xa, np.ones(len(Xa))]) if bias else Xa


@pytest.mark.parametrize("bias", [True, False])
def test_mse_matches_numpy_and_the_torch_loss(xy, bias) -> None:
    X, y = xy
    Xa, target = by_hand(X, bias), y.double().numpy()[:, 0]
    assert np.array_equal(design_matrix(X, bias=bias), Xa)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, Xa.shape[1]))
    losses = mse(X, y, W, bias=bias)
    assert losses.shape == (5,)
    for w, loss in zip(W, losses):
        assert loss == pytest.approx(np.mean((Xa @ w - target) ** 2), rel=1e-12)
        assert mse(X, y, w, bias=bias) == pytest.approx(loss, rel=1e-12)
        model = LinearNet(2, bias=bias)
        set_flat_weights(model, torch.tensor(w, dtype=torch.float32))
        assert dataset_loss(model, X, y) == pytest.approx(loss, rel=1e-5)


@pytest.mark.parametrize("bias", [True, False])
def test_hessian_is_the_second_derivative(xy, bias) -> None:
    X, y = xy
    H = hessian(X, bias=bias)
    P, h = H.shape[0], 1e-3
    w = np.random.default_rng(1).normal(size=P)
    numeric = np.empty((P, P))
    for i in range(P):
        for j in range(P):
            ei, ej = np.eye(P)[i] * h, np.eye(P)[j] * h
            numeric[i, j] = (mse(X, y, w + ei + ej, bias=bias) - mse(X, y, w + ei - ej, bias=bias)
                             - mse(X, y, w - ei + ej, bias=bias) + mse(X, y, w - ei - ej, bias=bias)) / (4 * h * h)
    np.testing.assert_allclose(H, numeric, atol=1e-6)
    np.testing.assert_allclose(H, H.T)


@pytest.mark.parametrize("bias", [True, False])
def test_lr_threshold_separates_convergence_from_divergence(xy, bias) -> None:
    X, y = xy
    Xa = by_hand(X, bias)
    lam_max = np.linalg.eigvalsh(2 / len(Xa) * Xa.T @ Xa).max()
    threshold = lr_threshold(X, bias=bias)
    assert threshold == pytest.approx(2 / lam_max, rel=1e-12)
    w0 = np.zeros(Xa.shape[1])
    solution = least_squares(X, y, bias=bias)
    below = gd_recurrence(X, y, w0, lr=0.95 * threshold, steps=2000, bias=bias)
    above = gd_recurrence(X, y, w0, lr=1.05 * threshold, steps=2000, bias=bias)
    assert np.linalg.norm(below[-1] - solution) < 1e-6
    assert np.linalg.norm(above[-1] - solution) > 1e6


@pytest.mark.parametrize("bias", [True, False])
def test_least_squares_is_lstsq_and_zeroes_the_gradient(xy, bias) -> None:
    X, y = xy
    Xa, target = by_hand(X, bias), y.double().numpy()[:, 0]
    expected, *_ = np.linalg.lstsq(Xa, target, rcond=None)
    solution = least_squares(X, y, bias=bias)
    np.testing.assert_allclose(solution, expected, atol=1e-12)
    np.testing.assert_allclose(2 / len(Xa) * Xa.T @ (Xa @ solution - target), 0, atol=1e-12)
    np.testing.assert_allclose(solution, np.linalg.solve(Xa.T @ Xa, Xa.T @ target), atol=1e-10)


def test_gd_recurrence_shape_and_divergence_is_silent(xy) -> None:
    X, y = xy
    w0 = np.array([0.3, -0.2, 0.1])
    path = gd_recurrence(X, y, w0, lr=0.1, steps=7)
    assert path.shape == (8, 3) and np.array_equal(path[0], w0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runaway = gd_recurrence(X, y, w0, lr=50 * lr_threshold(X), steps=400)
    assert not np.isfinite(runaway[-1]).all()


def test_loss_grid_values_are_the_loss_at_each_point(xy) -> None:
    X, y = xy
    center = np.array([0.5, 0.5, 0.1])
    W1, W2, L = loss_grid(X, y, center, span=(1.0, 2.0), resolution=7, axes=(0, 2))
    assert W1.shape == W2.shape == L.shape == (7, 7)
    assert W1.min() == pytest.approx(-0.5) and W1.max() == pytest.approx(1.5)
    assert W2.min() == pytest.approx(-1.9) and W2.max() == pytest.approx(2.1)
    for i, j in [(0, 0), (3, 3), (6, 2), (1, 5)]:
        w = np.array([W1[i, j], center[1], W2[i, j]])
        assert L[i, j] == pytest.approx(mse(X, y, w), rel=1e-12)


def test_loss_along_line_is_a_parabola_and_restores_the_model(xy) -> None:
    X, y = xy
    model = LinearNet(2, seed=2)
    saved = flat_weights(model)
    start, end = saved, torch.tensor(least_squares(X, y), dtype=torch.float32)
    ts, losses = loss_along_line(model, X, y, start, end, points=21, extend=0.5)
    assert torch.equal(flat_weights(model), saved)
    assert ts[0] == -0.5 and ts[-1] == 1.5 and len(losses) == 21
    middle = np.flatnonzero(ts == 0.0)
    assert losses[middle[0]] == pytest.approx(dataset_loss(model, X, y), rel=1e-6)
    coefficients = np.polyfit(ts, losses, 2)
    np.testing.assert_allclose(np.polyval(coefficients, ts), losses, rtol=1e-4)
    assert coefficients[0] > 0  # a bowl along every line
    assert abs(-coefficients[1] / (2 * coefficients[0]) - 1.0) < 1e-3  # lowest point: the least-squares end

"""epochlab.bowl and landscape.grid_minima, checked against closed forms and hand-written loops."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import epochlab.views.widgets as widgets
from epochlab import LinearNet, WeightSnapshots, fit, gd_recurrence, grid_minima, hessian, least_squares, lr_threshold
from epochlab.lessons.loss_bowl import (
    autograd_hessian,
    count_rises,
    descend,
    eigen_coordinates,
    gd_losses,
    make_correlated_data,
    regime,
    surface,
    walked_path,
)
from epochlab.views.bowl_explorer import draw_contours, draw_descent, draw_eigenvectors, draw_surface, lr_explorer


@pytest.fixture
def data() -> tuple[torch.Tensor, torch.Tensor]:
    return make_correlated_data(64, [3.0, 1.0], correlation=0.7, noise=0.1, seed=3)


def test_correlated_data_has_the_asked_correlation_and_rule() -> None:
    X, y = make_correlated_data(20000, [2.0, -1.0], correlation=0.6, noise=0.0, seed=0)
    assert X.shape == (20000, 2) and y.shape == (20000, 1)
    assert abs(np.corrcoef(X.numpy().T)[0, 1] - 0.6) < 0.02
    assert np.allclose(X.numpy().std(axis=0), 1.0, atol=0.02)
    assert np.allclose(least_squares(X, y, bias=False), [2.0, -1.0], atol=1e-5)  # noise 0: the rule exactly


def test_correlated_data_is_a_function_of_the_seed() -> None:
    first, again = make_correlated_data(10, [1.0, 1.0], seed=4), make_correlated_data(10, [1.0, 1.0], seed=4)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], make_correlated_data(10, [1.0, 1.0], seed=5)[0])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"n_samples": 1}, "n_samples"), ({"weights": [1.0]}, "weights"), ({"correlation": 1.0}, "correlation"),
     ({"noise": -0.1}, "noise")],
)
def test_correlated_data_rejects_bad_arguments(kwargs: dict, name: str) -> None:
    arguments = {"n_samples": 8, "weights": [1.0, 2.0], **kwargs}
    with pytest.raises(ValueError, match=name):
        make_correlated_data(**arguments)


@pytest.mark.parametrize("bias", [False, True])
def test_autograd_hessian_is_the_closed_form_everywhere(data, bias: bool) -> None:
    X, y = data
    for seed in (0, 1):
        net = LinearNet(2, bias=bias, seed=seed)
        assert np.allclose(autograd_hessian(net, X, y), hessian(X, bias=bias), rtol=1e-10, atol=1e-12)


def test_regime_follows_the_factor_one_minus_lr_lambda() -> None:
    assert [regime(f, 1.0) for f in (0.1, 0.5, 0.51, 0.99, 1.0, 1.01)] == [
        "monotone", "monotone", "oscillating", "oscillating", "bouncing", "diverging"]


def test_walked_path_lists_each_step_once() -> None:
    X, y = make_correlated_data(16, [1.0, 2.0], seed=0)
    net, snapshots = LinearNet(2, bias=False, seed=0), WeightSnapshots(every="step")
    weights_by_hand = [net.linear.weight.detach().flatten().clone()]
    start = weights_by_hand[0].clone()
    history = fit(net, X, y, epochs=3, lr=0.1, batch_size=5, seed=0, callbacks=[snapshots])
    path, epochs = walked_path(snapshots, history.steps_per_epoch)
    assert path.shape == (1 + 3 * 4, 2)
    assert np.array_equal(epochs, [0] + [1] * 4 + [2] * 4 + [3] * 4)
    assert np.array_equal(path[0], start.double().numpy())
    assert np.array_equal(path[-1], net.linear.weight.detach().flatten().double().numpy())
    assert (np.linalg.norm(np.diff(path, axis=0), axis=1) > 0).all()  # no boundary point repeated


def test_full_batch_descent_is_the_gd_recurrence(data) -> None:
    X, y = data
    run = descend(X, y, lr=0.9 * lr_threshold(X, bias=False), epochs=20, seed=2)
    start = LinearNet(2, bias=False, seed=2).linear.weight.detach().flatten().numpy()
    assert np.array_equal(run.path[0], start.astype(np.float64))
    oracle = gd_recurrence(X, y, start, lr=run.lr, steps=20, bias=False)
    assert np.allclose(run.path, oracle, rtol=1e-5, atol=1e-6)
    assert np.allclose(run.history.epoch_loss, gd_losses(X, y, start, lr=run.lr, steps=20), rtol=1e-5)
    assert np.array_equal(run.epoch_of_point, np.arange(21))


def test_eigen_coordinates_shrink_by_one_minus_lr_lambda(data) -> None:
    X, y = data
    eigenvalues = np.linalg.eigvalsh(hessian(X, bias=False))
    lr = 0.3
    path = gd_recurrence(X, y, np.array([0.0, 0.0]), lr=lr, steps=5, bias=False)
    coordinates = eigen_coordinates(path, X, y)
    assert np.allclose(coordinates[1:] / coordinates[:-1], 1 - lr * eigenvalues)
    assert np.allclose(np.linalg.norm(coordinates, axis=1), np.linalg.norm(path - least_squares(X, y, bias=False), axis=1))


def test_divergence_is_recorded_not_raised(data) -> None:
    X, y = data
    run = descend(X, y, lr=1.5 * lr_threshold(X, bias=False), epochs=500, seed=0, quiet=True)
    assert run.history.diverged and run.history.epochs_completed < 500
    assert np.isfinite(run.path).all() and len(run.path) >= run.history.epochs_completed + 1
    with pytest.warns(RuntimeWarning, match="lr="):
        descend(X, y, lr=1.5 * lr_threshold(X, bias=False), epochs=500, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the closed form overflows float64 quietly too
        assert not np.isfinite(gd_losses(X, y, run.path[0], lr=run.lr, steps=1200)[-1])


def test_count_rises_counts_by_hand() -> None:
    assert count_rises([3, 2, 2, 1]) == 0
    assert count_rises([1, 2, 1, 3, 3, 4]) == 3
    assert count_rises([]) == 0


def test_grid_minima_of_a_bowl_and_of_two_wells() -> None:
    a, b = np.meshgrid(np.linspace(-2, 2, 41), np.linspace(-2, 2, 41))
    assert grid_minima((a - 0.5) ** 2 + 3 * (b + 1) ** 2) == [(10, 25)]  # rows are b, columns a
    assert len(grid_minima((a**2 - 1) ** 2 + b**2)) == 2
    assert grid_minima(a + 0.01 * b) == [(0, 0)]  # a tilted plane: its minimum is a corner of the grid
    assert grid_minima(a) == []  # flat along b: no point is strictly lower than all its neighbours
    with pytest.raises(ValueError, match="L"):
        grid_minima(np.zeros(3))


def test_surface_has_its_single_minimum_at_least_squares(data) -> None:
    X, y = data
    W1, W2, L = surface(X, y, span=2.0, resolution=41)
    (minimum,) = grid_minima(L)
    assert np.allclose([W1[minimum], W2[minimum]], least_squares(X, y, bias=False), atol=0.1)


def test_drawing_helpers_draw(data) -> None:
    X, y = data
    ax = Figure().subplots()
    draw_contours(ax, surface(X, y, resolution=21))
    draw_eigenvectors(ax, X, least_squares(X, y, bias=False))
    run = descend(X, y, lr=0.1, epochs=3, batch_size=16, seed=0)
    draw_descent(ax, run)
    assert ax.get_xlabel() == "weight w1" and ax.get_ylabel() == "weight w2"
    rings = ax.collections[-1].get_offsets()
    assert np.allclose(rings, run.path[[4, 8, 12]])  # one ring at the end of each epoch


def test_draw_surface_spans_the_grid(data) -> None:
    X, y = data
    W1, W2, L = grid = surface(X, y, resolution=21)
    ax = Figure().add_subplot(projection="3d")
    draw_surface(ax, grid)
    assert len(ax.collections) == 1 and ax.get_zlabel() == "loss (MSE)" and ax.get_xlabel() == "weight w1"
    # Autoscaling fits the drawn surface: its limits enclose the grid's lowest and highest loss, with a small margin.
    (z_low, z_high), span = ax.get_zlim(), L.max() - L.min()
    assert L.min() - 0.1 * span <= z_low <= L.min() and L.max() <= z_high <= L.max() + 0.1 * span
    assert ax.get_xlim()[0] <= W1.min() and ax.get_ylim()[1] >= W2.max()


def test_lr_explorer_redraws_in_place_and_survives_overflow(data) -> None:
    X, y = data
    threshold = lr_threshold(X, bias=False)
    errors_before = len(widgets.ERRORS)
    explorer = lr_explorer(X, y, epochs=60, seed=0)
    figure, image = explorer.figure, explorer.view.image.value
    assert "monotone" in figure.get_suptitle()
    explorer.controls["lr"].value = 0.9 * threshold
    assert "oscillating" in figure.get_suptitle() and explorer.view.image.value != image
    explorer.controls["lr"].value = 1.95 * threshold  # overflows float32 within 60 epochs
    assert "diverging" in figure.get_suptitle() and "overflowed" in figure.get_suptitle()
    measured = figure.axes[1].lines[0].get_ydata()
    assert math.isfinite(measured[-1]) and measured[-1] > measured[0]
    assert explorer.figure is figure and not explorer.errors.errors and len(widgets.ERRORS) == errors_before


def test_draw_descent_can_leave_out_its_colourbar() -> None:
    from matplotlib.figure import Figure

    from epochlab.lessons.loss_bowl import descend, make_correlated_data
    from epochlab.views.bowl_explorer import draw_descent

    X, y = make_correlated_data(16, [3.0, 1.0], seed=0)
    run = descend(X, y, lr=0.1, epochs=3, seed=0)
    figure = Figure()
    with_bar, without = figure.subplots(1, 2)
    draw_descent(with_bar, run)
    draw_descent(without, run, colorbar=False)
    assert len(figure.axes) == 3, "one colourbar, for the first panel only"
    labels = [h.get_label() for h in without.get_legend_handles_labels()[0]]
    assert labels == ["initial weights", "weights now", "end of an epoch"]

"""The asker's loop in closed form, checked against hand-written SGD loops and the torch training loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from epochlab import LinearNet, fit, flat_weights, least_squares, set_flat_weights, train_point_by_point
from epochlab.data import make_rising_series_data
from epochlab.lessons.kaczmarz import (
    InnerLoopEnds,
    epoch_displacement,
    epoch_ends,
    epoch_map,
    epoch_path_length,
    fixed_point,
    iterate_map,
    kaczmarz,
    line_points,
    point_losses,
    project,
    residual_factor,
    steps_to_converge,
)


def sgd_by_hand(w, x, y, *, lr, steps):
    """The update of ``torch.optim.SGD`` on ``(w.x - y)^2``, written out in float64."""
    w = np.array(w, dtype=np.float64)
    for _ in range(steps):
        w = w - lr * 2.0 * (w @ x - y) * x
    return w


def random_problem(seed, n=6, noise=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X @ np.array([0.7, -1.3]) + noise * rng.normal(size=n)
    return X, y, rng.normal(size=2)


@pytest.mark.parametrize("steps", [1, 7, 300])
def test_project_with_steps_matches_sgd_by_hand(steps):
    x, y, w = np.array([0.8, -0.6]), 0.4, np.array([1.5, 2.0])
    expected = sgd_by_hand(w, x, y, lr=0.05, steps=steps)
    np.testing.assert_allclose(project(w, x, y, lr=0.05, steps=steps), expected, rtol=1e-12, atol=1e-12)
    residual_left = (expected @ x - y) / (w @ x - y)
    np.testing.assert_allclose(residual_factor(x[None], lr=0.05, steps_per_point=steps)[0], residual_left, rtol=1e-10,
                               atol=1e-13)


def test_exact_projection_is_orthogonal_and_idempotent():
    x, y, w = np.array([2.0, 1.0]), 3.0, np.array([-1.0, 4.0])
    p = project(w, x, y)
    assert abs(p @ x - y) < 1e-12, "the projection lies on the solution line"
    assert abs((p - w)[0] * x[1] - (p - w)[1] * x[0]) < 1e-12, "the move is along x (orthogonal to the line)"
    np.testing.assert_allclose(project(p, x, y), p, atol=1e-12)
    np.testing.assert_allclose(project(w, x, y, lr=0.1, steps=400), p, atol=1e-10)  # many steps -> the projection


def test_steps_to_converge_is_the_smallest_enough():
    X = np.array([[1.0, 0.5], [0.3, 0.4], [1.2, -0.7]])
    s = steps_to_converge(X, lr=0.01, tol=1e-6)
    assert np.abs(residual_factor(X, lr=0.01, steps_per_point=s)).max() <= 1e-6
    assert np.abs(residual_factor(X, lr=0.01, steps_per_point=s - 1)).max() > 1e-6
    assert steps_to_converge(np.array([[1.0, 1.0]]), lr=0.25) == 1  # 1 - 2 lr |x|^2 = 0: one step lands on the line


def test_bad_arguments_are_named():
    X = np.array([[3.0, 4.0]])
    with pytest.raises(ValueError, match="lr=0.1"):
        steps_to_converge(X, lr=0.1)  # 2 lr |x|^2 = 5 > 2: diverges
    with pytest.raises(ValueError, match="tol"):
        steps_to_converge(X, lr=0.001, tol=2.0)
    with pytest.raises(ValueError, match="steps_per_point"):
        residual_factor(X, lr=0.01, steps_per_point=0)
    with pytest.raises(ValueError, match="lr, steps"):
        project(np.zeros(2), X[0], 1.0, lr=0.1)
    with pytest.raises(ValueError, match="Invalid x"):
        project(np.zeros(2), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="epochs"):
        kaczmarz(X, np.ones(1), np.zeros(2), epochs=-1)


@pytest.mark.parametrize("steps", [3, 40])
def test_kaczmarz_matches_the_torch_loop(steps):
    """The closed form against train_point_by_point itself (float64 model, so agreement is tight)."""
    X, y = make_rising_series_data(6, noise=0.05, seed=3)
    X, y = X.double(), y.double()
    net = LinearNet(2, bias=False, seed=3).double()
    w0 = flat_weights(net)
    ends = InnerLoopEnds(steps)
    history = train_point_by_point(net, X, y, steps_per_point=steps, lr=0.01, epochs=2, callbacks=[ends])
    expected = kaczmarz(X, y, w0, epochs=2, lr=0.01, steps_per_point=steps)
    assert ends.path().shape == expected.shape == (13, 2)
    np.testing.assert_allclose(ends.path(), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(history.epoch_loss, point_losses(X, y, epoch_ends(expected, 6)).mean(axis=1), rtol=1e-10)


def test_epoch_map_reproduces_the_loop_and_its_fixed_point_closes_the_cycle():
    X, y, w0 = random_problem(0, noise=0.3)
    for lr, steps in ((None, None), (0.05, 4)):
        path = kaczmarz(X, y, w0, epochs=5, lr=lr, steps_per_point=steps)
        M, c = epoch_map(X, y, lr=lr, steps_per_point=steps)
        np.testing.assert_allclose(iterate_map(M, c, w0, 5), epoch_ends(path, len(X)), atol=1e-12)
        anchor = fixed_point(M, c)
        np.testing.assert_allclose(kaczmarz(X, y, anchor, epochs=1)[-1] if lr is None else M @ anchor + c, anchor,
                                   atol=1e-12)


def test_consistent_data_distance_to_solution_never_grows():
    """Projection onto a line through the solution is non-expansive towards it (every inner loop)."""
    for seed in range(5):
        X, y, w0 = random_problem(seed)
        solution = least_squares(X, y, bias=False)
        for lr, steps in ((None, None), (0.05, 3)):  # 0 < 2 lr |x|^2 < 2 for these points
            distance = np.linalg.norm(kaczmarz(X, y, w0, epochs=60, lr=lr, steps_per_point=steps) - solution, axis=1)
            assert np.all(np.diff(distance) <= 1e-12)
            assert distance[-1] < 1e-2 * distance[0]
        M, c = epoch_map(X, y)
        np.testing.assert_allclose(fixed_point(M, c), solution, atol=1e-10)


def test_noisy_data_settles_into_a_cycle():
    for seed in range(5):
        X, y, w0 = random_problem(seed, noise=0.5)
        path = kaczmarz(X, y, w0, epochs=60)
        shift = epoch_displacement(path, len(X))
        assert np.all(np.diff(shift) <= 1e-12), "the epoch map is non-expansive"
        assert shift[-1] < 1e-6 * shift[0], "end-of-epoch weights converge"
        assert epoch_path_length(path, len(X))[-1] > 1e3 * shift[-1], "inside an epoch the weights keep moving"
        assert point_losses(X, y, path[-1]).mean() > point_losses(X, y, least_squares(X, y, bias=False)).mean()


def test_point_losses_and_line_points():
    X, y, w = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1.0, 0.5]), np.array([0.5, 0.5])
    np.testing.assert_allclose(point_losses(X, y, w), [(1.5 - 1.0) ** 2, (1.0 - 0.5) ** 2])
    assert point_losses(X, y, np.stack([w, w, w])).shape == (3, 2)
    for x, t in zip(X, y):
        np.testing.assert_allclose(line_points(x, t) @ x, [t, t])
    with pytest.raises(ValueError, match="2 inputs"):
        line_points(np.ones(3), 1.0)


def test_one_step_per_point_is_fit_with_batch_size_one_in_order():
    X, y = make_rising_series_data(5, noise=0.05, seed=1)
    a, b = LinearNet(2, bias=False, seed=1), LinearNet(2, bias=False, seed=1)
    train_point_by_point(a, X, y, steps_per_point=1, lr=0.01, epochs=4)
    fit(b, X, y, epochs=4, lr=0.01, batch_size=1, shuffle=False)
    assert torch.equal(flat_weights(a), flat_weights(b))


def test_rising_series_obeys_its_rule():
    for seed in range(10):
        X, y = make_rising_series_data(10, seed=seed)
        np.testing.assert_allclose(X.double() @ torch.tensor([-0.8, 1.8], dtype=torch.float64), y[:, 0].double(),
                                   atol=1e-5)
        assert torch.equal(X[1:, 1], y[:-1, 0]) and torch.equal(X[1:, 0], X[:-1, 1]), "inputs are (x[m-1], x[m])"
        assert (X**2).sum(dim=1).min() > 0.2, "no point too small for SGD at lr=0.01"
    X1, y1 = make_rising_series_data(10, noise=0.1, seed=4)
    X2, y2 = make_rising_series_data(10, noise=0.1, seed=4)
    assert torch.equal(X1, X2) and torch.equal(y1, y2) and not torch.equal(y1, make_rising_series_data(10, seed=4)[1])
    for bad in ({"n_points": 1}, {"n_points": 5, "ratio": 1.0}, {"n_points": 5, "noise": -1.0}):
        with pytest.raises(ValueError, match=next(iter(bad)) if len(bad) == 1 else list(bad)[1]):
            make_rising_series_data(**bad)  # type: ignore[arg-type]


def test_explorer_redraws_in_place():
    from epochlab.views import widgets
    from epochlab.views.kaczmarz_explorer import steps_per_point_explorer

    X, y = make_rising_series_data(6, seed=0)
    explorer = steps_per_point_explorer(X, y, np.zeros(2), lr=0.01, steps=5000, iterations=60_000)
    per_point = explorer.figure.axes[0].lines[0]
    fitted_last = per_point.get_ydata()[-1]
    explorer.controls["steps_per_point"].value = 1
    assert explorer.figure.axes[0].lines[0] is per_point, "the same artist, redrawn"
    assert per_point.get_ydata()[-1] > 1e6 * fitted_last, "one step per point does not fit the last point"
    assert explorer.figure.axes[1].get_title().startswith("steps per point = 1:"), "the title follows the slider"
    widgets.raise_widget_errors()


def test_explorer_readout_is_what_fit_reaches_at_one_step_per_point():
    from epochlab.views.kaczmarz_explorer import explorer_readout, steps_per_point_explorer

    X, y = make_rising_series_data(6, noise=0.05, seed=1)
    w0 = torch.tensor([0.3, -0.2])
    explorer = steps_per_point_explorer(X, y, w0, lr=0.01, steps=5000, iterations=60)
    explorer.controls["steps_per_point"].value = 1
    errors, last = explorer_readout(explorer)
    # One step per point is fit with batch_size=1 in order: one epoch for the left panel, 60 / 6 = 10 for the right.
    net = LinearNet(2, bias=False)
    set_flat_weights(net, w0)
    fit(net, X, y, epochs=1, lr=0.01, batch_size=1, shuffle=False)
    by_hand = ((X.double() @ flat_weights(net).double() - y[:, 0].double()) ** 2).numpy()
    np.testing.assert_allclose(errors, by_hand, rtol=1e-4)
    history = fit(net, X, y, epochs=9, lr=0.01, batch_size=1, shuffle=False)
    assert last == pytest.approx(history.epoch_loss[-1], rel=1e-4)


def test_set_flat_weights_round_trip_for_inner_loop_ends():
    net = LinearNet(2, bias=False, seed=0)
    ends = InnerLoopEnds(2)
    set_flat_weights(net, torch.tensor([0.5, -0.5]))
    X, y = make_rising_series_data(3, seed=0)
    train_point_by_point(net, X, y, steps_per_point=2, lr=0.01, callbacks=[ends])
    assert len(ends.weights) == 4 and torch.equal(ends.weights[0], torch.tensor([0.5, -0.5]))


def test_plot_solution_lines_draws_one_line_per_point_on_its_solutions():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from epochlab.views.kaczmarz_explorer import plot_solution_lines

    X, y = make_rising_series_data(4, noise=0.1, seed=2)
    fig, ax = plt.subplots()
    plot_solution_lines(ax, X, y)
    assert len(ax.lines) == 4
    for line, x, t in zip(ax.lines, X.double().numpy(), y[:, 0].double().numpy()):
        np.testing.assert_allclose(np.column_stack(line.get_data()) @ x, [t, t], atol=1e-6)
    plt.close(fig)

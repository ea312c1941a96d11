"""Restarts and basins, checked against a hand-written gradient-descent loop and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from epochlab import DeepLinearNet, dataset_loss, fit, flat_weights, make_linear_data, set_flat_weights
from epochlab.lessons.restarts import (
    SEED_STRIDE,
    barrier,
    basin,
    basin_changes,
    loss_at,
    ridge_crossing,
    ridge_loss,
    run_restarts,
    split_epochs,
    start_loss_floor,
)


def factory(seed: int) -> DeepLinearNet:
    return DeepLinearNet(2, seed=seed)


@pytest.fixture(scope="module")
def data() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(32, [2.0, -3.0], noise=0.1, seed=3)


def hand_gd(X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, *, lr: float, steps: int) -> np.ndarray:
    """Full-batch gradient descent on (W1, w2) written out: p = w2 W1, dL/dp = (2/N) X^T (X p - y)."""
    Xn, yn = X.double().numpy(), y.double().numpy().reshape(-1)
    w = w0.double().numpy().copy()
    path = [w.copy()]
    for _ in range(steps):
        W1, w2 = w[:-1], w[-1]
        grad_p = 2.0 / len(Xn) * Xn.T @ (Xn @ (w2 * W1) - yn)
        w = np.concatenate([W1 - lr * w2 * grad_p, [w2 - lr * W1 @ grad_p]])
        path.append(w.copy())
    return np.array(path)


def test_split_epochs_is_even_and_adds_up() -> None:
    for total in (1, 7, 100, 1000):
        for restarts in range(1, min(total, 13) + 1):
            sizes = split_epochs(total, restarts)
            assert len(sizes) == restarts and sum(sizes) == total and max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError, match="restarts"):
        split_epochs(10, 0)
    with pytest.raises(ValueError, match="total"):
        split_epochs(3, 4)


def test_each_restart_is_gradient_descent_from_its_own_seed(data) -> None:
    X, y = data
    result = run_restarts(factory, X, y, restarts=3, epochs=[5, 6, 7], lr=0.05, seed=10)
    assert result.seeds == [10, 10 + SEED_STRIDE, 10 + 2 * SEED_STRIDE] and result.epochs == [5, 6, 7] and result.steps == 18
    for r, seed in enumerate(result.seeds):
        start = flat_weights(factory(seed))
        assert torch.equal(result.initial_weights[r], start), "restart r must start from its own seed"
        expected = hand_gd(X, y, start, lr=0.05, steps=result.epochs[r])
        np.testing.assert_allclose(result.epoch_weights[r].double().numpy(), expected, rtol=1e-5, atol=1e-6)
        losses = [dataset_loss(_net_with(w), X, y) for w in result.epoch_weights[r]]
        np.testing.assert_allclose(result.histories[r].epoch_loss, losses, rtol=1e-6)


def test_one_restart_is_the_long_run_and_shares_restart_zero(data) -> None:
    X, y = data
    long = run_restarts(factory, X, y, restarts=1, epochs=12, lr=0.05, batch_size=8, seed=4)
    net = factory(4)
    history = fit(net, X, y, epochs=12, lr=0.05, batch_size=8, seed=4)
    assert long.histories[0].epoch_loss == history.epoch_loss
    assert torch.equal(long.final_weights[0], flat_weights(net))
    short = run_restarts(factory, X, y, restarts=3, epochs=4, lr=0.05, batch_size=8, seed=4)
    assert short.histories[0].epoch_loss == history.epoch_loss[:5], "restart 0 = the first epochs of the long run"
    assert short.steps == long.steps == 12 * 4


def test_curve_lays_restarts_end_to_end(data) -> None:
    X, y = data
    result = run_restarts(factory, X, y, restarts=3, epochs=[2, 3, 2], lr=0.05)
    x, loss = result.curve()
    assert result.starts() == [0, 2, 5]
    np.testing.assert_array_equal(x, [0, 1, 2, 2, 3, 4, 5, 5, 6, 7])
    np.testing.assert_array_equal(loss, [v for h in result.histories for v in h.epoch_loss])
    wx, w2 = result.weight_curve(-1)
    np.testing.assert_array_equal(wx, x)
    np.testing.assert_allclose(w2, torch.cat([w[:, -1] for w in result.epoch_weights]).numpy())


def test_basin_is_the_sign_of_w2_and_the_mirror_flips_it(data) -> None:
    X, y = data
    weights = torch.tensor([[0.5, -0.2, 0.3], [0.1, 0.4, -2.0], [1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(basin(weights), [1, -1, 0])
    assert int(basin(weights[0])) == 1 and int(basin(-weights[0])) == -1
    net = factory(0)
    mirror = factory(0)
    set_flat_weights(mirror, -flat_weights(net))
    assert dataset_loss(net, X, y) == pytest.approx(dataset_loss(mirror, X, y), rel=1e-6), "(W1, w2) ~ (-W1, -w2)"
    assert basin_changes(torch.tensor([[1.0, 1.0], [1.0, 2.0], [1.0, -1.0], [1.0, -3.0], [1.0, 4.0]])) == [2, 4]
    with pytest.raises(ValueError, match="weights"):
        basin(torch.zeros(3, 1))


def test_ridge_loss_is_the_loss_on_w2_equal_zero(data) -> None:
    X, y = data
    for W1 in ([0.0, 0.0], [3.0, -7.0], [-0.5, 0.25]):
        assert dataset_loss(_net_with(torch.tensor([*W1, 0.0])), X, y) == pytest.approx(ridge_loss(y), rel=1e-6)
    start, end = torch.tensor([1.0, -2.0, 0.8]), torch.tensor([-1.5, 2.5, -1.2])
    t = ridge_crossing(start, end)
    assert float((start + t * (end - start))[-1]) == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="opposite"):
        ridge_crossing(start, start)


def test_start_loss_floor_bounds_every_random_start(data) -> None:
    X, y = data
    floor = start_loss_floor(X, y)
    starts = [dataset_loss(factory(seed), X, y) for seed in range(300)]
    assert min(starts) >= floor, "no initial draw may have a loss below the floor"
    # The bound holds for any product in the box, including its corners (where a draw can only approach).
    corners = [torch.tensor([a, b, 1.0]) for a in (-1.0, 1.0) for b in (-1.0, 1.0)]
    assert min(dataset_loss(_net_with(c), X, y) for c in corners) >= floor * (1 - 1e-6)
    assert floor > 1.0 > ridge_loss(torch.zeros(4, 1))


def test_barrier() -> None:
    assert barrier([1.0, 3.0, 2.0]) == pytest.approx(1.0)
    assert barrier([3.0, 2.0, 1.0]) == 0.0
    with pytest.raises(ValueError, match="losses"):
        barrier([1.0])


def test_run_restarts_rejects_bad_arguments(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match="restarts"):
        run_restarts(factory, X, y, restarts=0, epochs=3, lr=0.05)
    with pytest.raises(ValueError, match="epochs"):
        run_restarts(factory, X, y, restarts=2, epochs=[3], lr=0.05)
    with pytest.raises(ValueError, match="epochs"):
        run_restarts(factory, X, y, restarts=2, epochs=0, lr=0.05)


def test_explorer_redraws_in_place_at_equal_compute(data) -> None:
    from epochlab.views import widgets
    from epochlab.views.restarts_explorer import restarts_explorer

    X, y = data
    explorer = restarts_explorer(factory, X, y, total_epochs=30, lr=0.05, restarts=2, max_restarts=6)
    left = explorer.figure.axes[0]
    restarts_line = left.lines[0]
    explorer.controls["restarts"].value = 4
    x, loss = restarts_line.get_xdata(), restarts_line.get_ydata()
    assert left.lines[0] is restarts_line and len(explorer.figure.axes) == 2, "redrawn in place"
    assert len(x) == 30 + 4 and x[-1] == 30, "4 restarts share the same 30 epochs"
    assert loss[0] == pytest.approx(dataset_loss(factory(0), X, y)), "restart 0 starts from model_factory(seed)"
    assert left.get_title().startswith("K = 4 restarts")
    assert not explorer.errors.errors and not widgets.ERRORS
    with pytest.raises(ValueError, match="total"):
        restarts_explorer(factory, X, y, total_epochs=5, lr=0.05, max_restarts=6)


def _net_with(weights: torch.Tensor) -> DeepLinearNet:
    net = factory(0)
    set_flat_weights(net, weights)
    return net


def test_loss_at_is_the_hand_computed_loss_and_keeps_the_weights(data) -> None:
    X, y = data
    net, weights = factory(0), torch.tensor([0.5, -1.5, 2.0])
    # By hand: the one-hidden-unit net outputs w2 * (a x1 + b x2).
    expected = np.mean(((2.0 * (X.double().numpy() @ [0.5, -1.5]))[:, None] - y.double().numpy()) ** 2)
    assert loss_at(net, X, y, weights) == pytest.approx(expected, rel=1e-6)
    assert torch.equal(flat_weights(net), weights), "the net keeps the loaded weights"
    with pytest.raises(ValueError, match="weights"):
        loss_at(net, X, y, torch.zeros(2))


def test_basin_weight_panel_draws_both_runs_and_the_restart_marks(data) -> None:
    from matplotlib.figure import Figure

    from epochlab.views.restarts_explorer import mark_restarts, plot_basin_weight

    X, y = data
    restarts = run_restarts(factory, X, y, restarts=3, epochs=[4, 5, 6], lr=0.05)
    one_run = run_restarts(factory, X, y, restarts=1, epochs=15, lr=0.05)
    ax = Figure().subplots()
    plot_basin_weight(ax, restarts, one_run)
    red, blue, ridge, *walls = ax.lines
    # The restarts' w2, end to end: restart r's epoch weights, shifted by the epochs before it.
    expected_x = np.concatenate([np.arange(5), 4 + np.arange(6), 9 + np.arange(7)])
    np.testing.assert_array_equal(red.get_xdata(), expected_x)
    np.testing.assert_array_equal(red.get_ydata(), torch.cat([w[:, -1] for w in restarts.epoch_weights]).double())
    np.testing.assert_array_equal(blue.get_ydata(), one_run.epoch_weights[0][:, -1].double())
    assert list(ridge.get_ydata()) == [0.0, 0.0] and [w.get_xdata()[0] for w in walls] == [4, 9]
    assert ax.get_ylim()[1] == pytest.approx(1.5 * float(restarts.final_weights[:, -1].abs().max()))
    other = Figure().subplots()
    mark_restarts(other, one_run)
    assert not other.lines, "a single run has no restart to mark"

"""epochlab.epochs and its explorers, checked against hand-written loops and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import epochlab.views.widgets
from epochlab import LinearNet, WeightSnapshots, fit, flat_weights, make_linear_data
from epochlab.data import batch_sizes
from epochlab.lessons.epochs import (
    boundaries_equal,
    boundary_losses,
    counting_calls,
    run_modes,
    sample_order,
    sliding_window_loss,
    stream_loss,
)
from epochlab.views.epochs_explorer import batch_size_explorer, between_epochs_explorer, plot_sliding_window


@pytest.fixture
def data() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(20, [2.0, -3.0], noise=0.1, seed=3)


def test_batch_sizes_match_ceil_and_floor() -> None:
    for n in (1, 7, 20):
        for b in range(1, n + 1):
            sizes = batch_sizes(n, b)
            assert len(sizes) == math.ceil(n / b) and sum(sizes) == n
            dropped = batch_sizes(n, b, drop_last=True)
            assert len(dropped) == n // b and set(dropped) == {b}


@pytest.mark.parametrize("bad", [0, 21, 2.5, True])
def test_batch_sizes_rejects_bad_batch_size(bad: object) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        batch_sizes(20, bad)  # type: ignore[arg-type]


def test_sample_order_is_the_order_fit_uses() -> None:
    # One-hot inputs: a step on sample i changes weight i alone, so the weights reveal the order.
    n = 6
    X, y = torch.eye(n), torch.ones(n, 1)
    snapshots = WeightSnapshots(every="step")
    fit(LinearNet(n, bias=False, seed=0), X, y, epochs=3, lr=0.1, batch_size=1, seed=5, callbacks=[snapshots])
    steps = [w for w, kind in zip(snapshots.weights, snapshots.kinds) if kind == "step"]
    path = [snapshots.epoch_start(1), *steps]
    seen = [int(torch.nonzero(b != a).item()) for a, b in zip(path, path[1:])]
    assert seen == sample_order(n, 3, batch_size=1, seed=5).tolist()


def test_unshuffled_windows_are_full_passes() -> None:
    order = sample_order(5, 4, batch_size=2, shuffle=False)
    assert order.tolist() == list(range(5)) * 4
    assert all(sorted(order[j : j + 5].tolist()) == list(range(5)) for j in range(len(order) - 4))
    assert len(sample_order(5, 2, batch_size=2, shuffle=False, drop_last=True)) == 8


def test_sample_order_rejects_bad_epochs() -> None:
    with pytest.raises(ValueError, match="epochs"):
        sample_order(5, 0)


@pytest.mark.parametrize(("batch_size", "drop_last"), [(1, False), (3, False), (3, True), (20, False)])
def test_sliding_windows_against_a_loop(data, batch_size: int, drop_last: bool) -> None:
    X, y = data
    history = fit(LinearNet(2, bias=False, seed=1), X, y, epochs=4, lr=0.05, batch_size=batch_size,
                  shuffle=False, drop_last=drop_last)
    stream = stream_loss(history)
    per_epoch = history.samples_per_epoch
    assert per_epoch == (20 // batch_size * batch_size if drop_last else 20)
    assert len(stream) == 4 * per_epoch
    # A hand-written stream: every sample of a mini-batch carries that batch's loss.
    sizes = [batch_size] * (20 // batch_size) + ([] if drop_last or 20 % batch_size == 0 else [20 % batch_size])
    expected = [loss for loss, size in zip(history.step_loss, sizes * 4) for _ in range(size)]
    np.testing.assert_array_equal(stream, expected)
    sliding = sliding_window_loss(history)
    naive = [np.mean(stream[j : j + per_epoch]) for j in range(len(stream) - per_epoch + 1)]
    np.testing.assert_allclose(sliding, naive, rtol=1e-12)
    np.testing.assert_allclose(sliding[::per_epoch], history.running_loss, rtol=1e-9)
    np.testing.assert_allclose(sliding_window_loss(history, 1), stream, rtol=1e-9)


def test_sliding_window_rejects_bad_window(data) -> None:
    history = fit(LinearNet(2, seed=0), *data, epochs=1, lr=0.05, batch_size=5)
    for bad in (0, 21, 1.5):
        with pytest.raises(ValueError, match="window"):
            sliding_window_loss(history, bad)  # type: ignore[arg-type]


def test_modes_boundaries_and_losses(data) -> None:
    X, y = data
    runs = run_modes(lambda: LinearNet(2, seed=2), X, y, epochs=4, lr=0.1, batch_size=5, seed=2)
    initial = flat_weights(LinearNet(2, seed=2))
    assert boundaries_equal(runs["keep"].snapshots) == [True] * 3
    assert boundaries_equal(runs["reset"].snapshots) == [False] * 3
    assert boundaries_equal(runs["reinit"].snapshots) == [False] * 3
    assert all(torch.equal(runs["reset"].snapshots.epoch_start(k), initial) for k in range(1, 5))
    for run in runs.values():
        before = flat_weights(run.model)
        starts, ends = boundary_losses(run.model, X, y, run.snapshots)
        assert torch.equal(flat_weights(run.model), before), "boundary_losses must not move the net"
        np.testing.assert_allclose(ends, run.history.epoch_loss[1:], rtol=1e-6)
        assert starts[0] == pytest.approx(run.history.epoch_loss[0], rel=1e-6)
    starts, ends = boundary_losses(runs["keep"].model, X, y, runs["keep"].snapshots)
    np.testing.assert_array_equal(starts[1:], ends[:-1])


def test_boundaries_equal_across_two_fit_calls(data) -> None:
    net, snapshots = LinearNet(2, seed=0), WeightSnapshots()
    fit(net, *data, epochs=2, lr=0.05, callbacks=[snapshots])
    fit(net, *data, epochs=2, lr=0.05, callbacks=[snapshots])
    assert boundaries_equal(snapshots) == [True] * 3


def test_counting_calls_counts_and_restores(data) -> None:
    original = LinearNet.reset_parameters
    with counting_calls(LinearNet, "reset_parameters") as calls:
        net = LinearNet(2, seed=0)
        fit(net, *data, epochs=3, lr=0.05)
        assert calls.count == 1
        fit(net, *data, epochs=3, lr=0.05, between_epochs="reinit")
        assert calls.count == 1 + 2
    assert LinearNet.reset_parameters is original

    class Child(LinearNet):
        pass

    with counting_calls(Child, "reset_parameters") as calls:
        Child(2)
    assert calls.count == 1 and "reset_parameters" not in vars(Child)
    with pytest.raises(ValueError, match="name"), counting_calls(LinearNet, "reset_paramters"):
        pass


def test_plot_sliding_window_draws_the_windows(data) -> None:
    from matplotlib.figure import Figure

    history = fit(LinearNet(2, bias=False, seed=0), *data, epochs=3, lr=0.02, batch_size=1, shuffle=False)
    left, right = Figure().subplots(1, 2)
    plot_sliding_window(history, left, right)
    sliding = left.lines[1]
    assert list(sliding.get_xdata()) == list(range(20, 61))  # one point per window, at the sample it ends on
    np.testing.assert_allclose(sliding.get_ydata(), sliding_window_loss(history))
    np.testing.assert_allclose(left.lines[2].get_ydata(), history.running_loss, rtol=1e-9)
    assert left.get_xlabel() == right.get_xlabel() == "samples seen"


def test_batch_size_explorer_updates_in_place(data) -> None:
    errors = len(epochlab.views.widgets.ERRORS)
    explorer = batch_size_explorer(*data, batch_size=4, epochs=2)
    marker, curve = explorer.figure.axes[0].lines[2], explorer.figure.axes[1].lines[0]
    explorer.controls["batch_size"].value = 7
    assert list(marker.get_ydata()) == [math.ceil(20 / 7)]
    assert "B = 7: 3 iterations per epoch (2 with drop_last)" in explorer.figure.axes[0].get_title()
    assert len(curve.get_xdata()) == 2 * 3 and curve.get_xdata()[-1] == 40
    assert len(epochlab.views.widgets.ERRORS) == errors


def test_between_epochs_explorer_switches_mode(data) -> None:
    errors = len(epochlab.views.widgets.ERRORS)
    explorer = between_epochs_explorer(lambda: LinearNet(2, bias=False, seed=0), *data, epochs=3, lr=0.1,
                                       batch_size=5, seed=0)
    assert "2/2 boundaries" in explorer.figure.axes[0].get_title()
    explorer.controls["mode"].value = "reset"
    assert "0/2 boundaries" in explorer.figure.axes[0].get_title()
    curve = explorer.figure.axes[0].lines[1]
    assert len(curve.get_ydata()) == 12 and len(epochlab.views.widgets.ERRORS) == errors


def test_batch_size_runs_measure_the_loss_after_every_update(data) -> None:
    from epochlab.lessons.epochs import batch_size_runs

    runs = batch_size_runs(lambda: LinearNet(2, bias=False, seed=0), *data, (1, 7, 20), epochs=2, lr=0.05, seed=4)
    for size, run in runs.items():
        assert len(run.full_loss) == len(run.history.step_loss) + 1 == 2 * math.ceil(20 / size) + 1
        by_hand = LinearNet(2, bias=False, seed=0)  # oracle: the same fit, then its own end-of-epoch losses
        reference = fit(by_hand, *data, epochs=2, lr=0.05, batch_size=size, seed=4)
        steps = reference.steps_per_epoch
        np.testing.assert_allclose(run.full_loss[::steps], reference.epoch_loss, rtol=1e-6)


def test_full_pass_windows_and_show_cuts() -> None:
    from epochlab.lessons.epochs import full_pass_windows, show_cuts

    assert full_pass_windows(torch.tensor([0, 1, 2, 0, 1, 2]), 3) == [True] * 4
    assert full_pass_windows(torch.tensor([0, 1, 2, 2, 0, 1]), 3) == [True, False, False, True]
    assert show_cuts(torch.arange(7), 3, 5) == "0 1 2 | 3 4"
    with pytest.raises(ValueError, match="n_samples"):
        full_pass_windows(torch.arange(3), 4)
    with pytest.raises(ValueError, match="batch_size"):
        show_cuts(torch.arange(3), 0, 2)

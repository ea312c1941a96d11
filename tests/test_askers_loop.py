"""Notebook 05's hand-written loops: BoundaryLog against the library's loop and the closed form; the figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from epochlab import LinearNet, flat_weights, make_rising_series_data, train_point_by_point
from epochlab.lessons.askers_loop import BoundaryLog, as_if_reset, rises
from epochlab.lessons.kaczmarz import kaczmarz, point_losses


def _logged_loop(X: torch.Tensor, y: torch.Tensor, *, epochs: int, steps: int, lr: float) -> tuple[LinearNet, BoundaryLog]:
    """The question's three loops, written out as notebook 05 writes them."""
    net, criterion = LinearNet(2, bias=False, seed=2), nn.MSELoss()
    optimizer, log = torch.optim.SGD(net.parameters(), lr=lr), BoundaryLog()
    for _ in range(epochs):
        log.epoch_start(net)
        for m in range(len(X)):
            for _ in range(steps):
                net.zero_grad()
                criterion(net(X[m : m + 1]), y[m : m + 1]).backward()
                optimizer.step()
            log.inner_loop_end(net)
        log.epoch_end(net)
    return net, log


def test_boundary_log_records_the_loop_the_library_runs_and_the_closed_form_predicts() -> None:
    X, y = make_rising_series_data(5, seed=2)
    net, log = _logged_loop(X, y, epochs=3, steps=7, lr=0.01)
    library = LinearNet(2, bias=False, seed=2)
    train_point_by_point(library, X, y, steps_per_point=7, lr=0.01, epochs=3)
    assert torch.equal(flat_weights(net), flat_weights(library))
    assert log.boundaries_equal() == [True, True]
    path = log.path()
    assert path.shape == (1 + 3 * 5, 2)
    np.testing.assert_allclose(path, kaczmarz(X, y, path[0], epochs=3, lr=0.01, steps_per_point=7), atol=1e-5)
    np.testing.assert_allclose(log.loss_on_all_points(X, y), point_losses(X, y, path).mean(axis=1))
    np.testing.assert_allclose(log.distance([-0.8, 1.8]), np.linalg.norm(path - [-0.8, 1.8], axis=1))
    assert np.all(np.diff(log.distance([-0.8, 1.8])) <= 1e-6), "Kaczmarz never moves away from the solution"


def test_boundary_log_sees_a_reset_that_a_loop_slips_in() -> None:
    X, y = make_rising_series_data(3, seed=0)
    net, log = LinearNet(2, bias=False, seed=0), BoundaryLog()
    start = flat_weights(net)
    for _ in range(2):
        with torch.no_grad():
            net.linear.weight.copy_(start.reshape(1, 2))  # the mistake: back to the start every epoch
        log.epoch_start(net)
        with torch.no_grad():
            net.linear.weight.add_(1.0)
        log.inner_loop_end(net)
        log.epoch_end(net)
    assert log.boundaries_equal() == [False]
    with pytest.raises(ValueError, match="log"):
        BoundaryLog().path()


def test_as_if_reset_jumps_back_to_the_start_at_every_boundary() -> None:
    x, values = as_if_reset([5.0, 3.0, 2.0, 9.0, 9.0], 2)
    np.testing.assert_array_equal(x, [0.0, 0.5, 1.0, 1.0, 1.5, 2.0])
    np.testing.assert_array_equal(values, [5.0, 3.0, 2.0, 5.0, 3.0, 2.0])
    with pytest.raises(ValueError, match="values"):
        as_if_reset([1.0, 2.0, 3.0, 4.0], 2)
    np.testing.assert_array_equal(rises([3.0, 1.0, 2.0, 2.0, 5.0]), [2, 4])
    np.testing.assert_array_equal(rises([1.0, 1.05], tol=0.1), [])


def test_05_figures_draw_their_legends_and_colourbar() -> None:
    from epochlab.views.kaczmarz_explorer import plot_boundary_story, plot_cycle, plot_solution_lines

    X, y = make_rising_series_data(4, seed=0)
    figure = Figure()
    left, right, lines, cycle_ax = figure.subplots(1, 4)
    loss, distance = np.array([4.0, 2.0, 1.0, 3.0, 0.5]), np.array([2.0, 1.5, 1.2, 1.1, 1.0])
    plot_boundary_story(left, right, loss, distance, 2)
    labels = [h.get_label() for h in right.get_legend_handles_labels()[0]]
    assert labels == ["if the weights were reset each epoch", "the loop as written (nothing reset)"]
    np.testing.assert_array_equal(right.lines[0].get_ydata(), [2.0, 1.5, 1.2, 2.0, 1.5, 1.2])
    plot_solution_lines(lines, X, y)
    assert len(lines.lines) == 4 and len(figure.axes) == 5, "one line per point and one colourbar"
    cycle = kaczmarz(X, y, np.zeros(2), epochs=1)
    plot_cycle(cycle_ax, X, y, cycle, np.array([-0.8, 1.8]))
    assert [t.get_text() for t in cycle_ax.texts] == ["1", "2", "3"], "each visit numbered by its point"

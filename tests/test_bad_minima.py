"""Notebook 04's tanh net: the model against its formula, the helpers against hand computations, the plots."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from epochlab import dataset_loss, fit, flat_weights
from epochlab.lessons.bad_minima import (
    TanhNet,
    best_and_worst,
    boundary_jumps,
    largest_rise,
    line_between,
    make_wave_data,
    spread,
)
from epochlab.lessons.restarts import run_restarts


def factory(seed: int) -> TanhNet:
    return TanhNet(3, seed=seed)


@pytest.fixture(scope="module")
def restarts():
    X, y = make_wave_data(32, seed=1)
    return X, y, run_restarts(factory, X, y, restarts=4, epochs=[5, 6, 7, 8], lr=0.1, seed=1)


def test_tanh_net_is_its_formula_and_draws_from_its_own_seed() -> None:
    state = torch.random.get_rng_state()
    net = TanhNet(2, seed=5, scale=1.5)
    assert torch.equal(torch.random.get_rng_state(), state), "the global RNG must not be touched"
    a, b = net.first.weight[:, 0], net.first.bias
    c, d = net.second.weight[0], net.second.bias
    x = torch.linspace(-1, 1, 7).unsqueeze(1)
    expected = (c * torch.tanh(a * x + b)).sum(dim=1, keepdim=True) + d
    torch.testing.assert_close(net(x), expected)
    assert torch.equal(flat_weights(net), flat_weights(TanhNet(2, seed=5, scale=1.5)))
    assert not torch.equal(flat_weights(net), flat_weights(TanhNet(2, seed=6, scale=1.5)))
    assert flat_weights(net).abs().max() < 1.5 and flat_weights(net).numel() == 2 + 2 + 2 + 1
    with pytest.raises(ValueError, match="hidden"):
        TanhNet(0)
    with pytest.raises(ValueError, match="scale"):
        TanhNet(3, scale=0.0)


def test_wave_data_is_sin_3x_plus_seeded_noise() -> None:
    X, y = make_wave_data(9, noise=0.0)
    torch.testing.assert_close(y, torch.sin(3 * X))
    assert X.shape == y.shape == (9, 1) and X[0, 0] == -2 and X[-1, 0] == 2
    assert torch.equal(make_wave_data(9, seed=3)[1], make_wave_data(9, seed=3)[1])
    assert not torch.equal(make_wave_data(9, seed=3)[1], make_wave_data(9, seed=4)[1])
    with pytest.raises(ValueError, match="noise"):
        make_wave_data(9, noise=-1.0)
    with pytest.raises(ValueError, match="n_samples"):
        make_wave_data(1)


def test_helpers_match_hand_computations(restarts) -> None:
    X, y, result = restarts
    ends, starts = result.end_losses, result.start_losses
    assert spread(result) == pytest.approx(max(ends) / min(ends))
    np.testing.assert_allclose(boundary_jumps(result), [starts[1] - ends[0], starts[2] - ends[1], starts[3] - ends[2]])
    assert best_and_worst(result) == (int(np.argmin(ends)), int(np.argmax(ends)))
    assert largest_rise([4.0, 2.0, 3.0, 1.0]) == pytest.approx(0.5)
    assert largest_rise([3.0, 2.0, 1.0]) < 0
    with pytest.raises(ValueError, match="losses"):
        largest_rise([1.0])


def test_line_between_runs_from_one_restart_end_to_the_other(restarts) -> None:
    X, y, result = restarts
    ts, losses = line_between(factory(0), X, y, result, 0, 3, points=11)
    assert len(ts) == 11 and ts[0] == 0 and ts[-1] == 1
    assert losses[0] == pytest.approx(result.end_losses[0], rel=1e-6)
    assert losses[-1] == pytest.approx(result.end_losses[3], rel=1e-6)
    with pytest.raises(ValueError, match="j"):
        line_between(factory(0), X, y, result, 0, 4)


def test_restarts_of_the_tanh_net_end_far_apart_while_one_run_never_rises() -> None:
    X, y = make_wave_data(64, seed=0)
    result = run_restarts(factory, X, y, restarts=8, epochs=200, lr=0.1, seed=0)
    assert spread(result) >= 2, "the tanh net's restarts should end at clearly different losses"
    model = factory(0)
    history = fit(model, X, y, epochs=400, lr=0.1)
    assert largest_rise(history.epoch_loss) <= 1e-5
    assert history.epoch_loss[-1] == pytest.approx(dataset_loss(model, X, y))


def test_progress_changes_nothing_but_the_bar(capsys) -> None:
    X, y = make_wave_data(8)
    quiet = run_restarts(factory, X, y, restarts=2, epochs=3, lr=0.1)
    shown = run_restarts(factory, X, y, restarts=2, epochs=3, lr=0.1, progress="restarts")
    long = run_restarts(factory, X, y, restarts=1, epochs=4, lr=0.1, progress="one run")
    assert torch.equal(quiet.final_weights, shown.final_weights)
    assert long.histories[0].epochs_completed == 4
    err = capsys.readouterr().err
    assert "restarts" in err and "one run" in err and "4/4" in err, "a bar per call: restarts, then epochs"


def test_minima_plots_draw_what_their_legends_say(restarts) -> None:
    from epochlab.views.minima_plots import plot_end_losses, plot_line, plot_restart_fits, plot_restarts_vs_one_run

    X, y, result = restarts
    one_run = run_restarts(factory, X, y, restarts=1, epochs=26, lr=0.1, seed=1)
    fits, ends, curves, line = Figure().subplots(1, 4)
    plot_restart_fits(fits, result, factory, X, y)
    assert len(fits.lines) == 1 + 4, "the data and one curve per restart"
    labels = [h.get_label() for h in fits.get_legend_handles_labels()[0]]
    assert labels[0] == "data" and labels.count("the other restarts") == 1
    plot_end_losses(ends, result, one_run)
    np.testing.assert_array_equal(ends.collections[0].get_offsets()[:, 1], result.end_losses)
    assert ends.lines[0].get_ydata()[0] == one_run.end_losses[0]
    plot_restarts_vs_one_run(curves, result, one_run)
    np.testing.assert_array_equal(curves.lines[1].get_ydata(), one_run.curve()[1])
    assert len(curves.lines) == 2 + 3, "two curves and a dotted line at each of the 3 restart boundaries"
    plot_line(line, np.array([0.0, 0.5, 1.0]), np.array([1.0, 3.0, 2.0]), start="a", end="b")
    assert [h.get_label() for h in line.get_legend_handles_labels()[0]] == ["loss on the straight line", "a", "b"]


def test_explorer_reuses_the_runs_it_is_given(restarts) -> None:
    from epochlab.views.restarts_explorer import restarts_explorer

    X, y, _ = restarts
    one_run = run_restarts(factory, X, y, restarts=1, epochs=12, lr=0.1, seed=1)
    known = run_restarts(factory, X, y, restarts=3, epochs=4, lr=0.1, seed=1)
    explorer = restarts_explorer(factory, X, y, total_epochs=12, lr=0.1, restarts=3, max_restarts=4, seed=1,
                                 one_run=one_run, known=[known, one_run])
    left, right = explorer.figure.axes
    np.testing.assert_array_equal(left.lines[0].get_ydata(), known.curve()[1])
    np.testing.assert_array_equal(right.lines[0].get_ydata(), known.end_losses)
    explorer.controls["restarts"].value = 1
    np.testing.assert_array_equal(left.lines[0].get_ydata(), one_run.curve()[1], err_msg="K = 1 is the one run")
    assert right.get_title().startswith("restarts end between")

"""The figures of notebooks 00-02 draw what their prose says, and warnings become sentences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from epochlab import LinearNet, WeightSnapshots, fit, least_squares, make_linear_data, mse
from epochlab.lessons.epochs import batch_size_runs, run_modes
from epochlab.lessons.imagined_world import imagined_world
from epochlab.views.epochs_explorer import plot_three_clocks
from epochlab.views.messages import warnings_as_sentences
from epochlab.views.persist import plot_mode_paths, plot_real_vs_imagined
from epochlab.views.plots import STYLE
from epochlab.views.tour import plot_bowl_path, plot_loss_and_floor


@pytest.fixture
def data() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(24, [2.0, -3.0], noise=0.1, seed=2)


def test_loss_and_floor_draw_the_floor_on_both_panels(data) -> None:
    history = fit(LinearNet(2, bias=False), *data, epochs=3, lr=0.05, batch_size=8)
    floor = float(mse(*data, least_squares(*data, bias=False), bias=False))
    left, right = Figure().subplots(1, 2)
    plot_loss_and_floor(history, floor, left, right)
    for ax in (left, right):
        labels = [line.get_label() for line in ax.lines]
        assert any("floor" in label for label in labels) and ax.get_legend() is not None
        assert any(list(line.get_ydata()) == [floor, floor] for line in ax.lines)


def test_bowl_path_marks_start_end_and_least_squares(data) -> None:
    snapshots = WeightSnapshots()
    fit(LinearNet(2, bias=False), *data, epochs=5, lr=0.05, batch_size=8, callbacks=[snapshots])
    path, best = snapshots.trajectory().numpy(), least_squares(*data, bias=False)
    whole, zoom = Figure().subplots(1, 2)
    plot_bowl_path(*data, path, best, whole, zoom)
    for ax in (whole, zoom):
        marked = {line.get_label(): line.get_xydata()[0] for line in ax.lines if line.get_marker() != "None"}
        np.testing.assert_allclose(marked[STYLE["initial"]["label"]], path[0])
        np.testing.assert_allclose(marked[STYLE["best"]["label"]], best)  # the star IS least squares
        np.testing.assert_allclose(marked["weights after the last epoch"], path[-1])
    assert zoom.get_xlim()[1] - zoom.get_xlim()[0] < whole.get_xlim()[1] - whole.get_xlim()[0]


def test_three_clocks_line_up_the_epoch_ends(data) -> None:
    runs = batch_size_runs(lambda: LinearNet(2, bias=False), *data, (1, 8), epochs=2, lr=0.05)
    axes = list(Figure().subplots(1, 3))
    plot_three_clocks(runs, axes)
    dots = [line for line in axes[1].lines if line.get_marker() == "o"]
    assert [list(d.get_xdata()) for d in dots] == [[0, 1, 2], [0, 1, 2]]  # epoch ends at the same epochs
    samples = [line for line in axes[2].lines if line.get_marker() == "o"]
    assert all(list(d.get_xdata()) == [0, 24, 48] for d in samples)


def test_persist_figures(data) -> None:
    new = lambda: LinearNet(2, bias=False, seed=1)  # noqa: E731
    runs = run_modes(new, *data, epochs=3, lr=0.1, batch_size=8)
    world = imagined_world(new, *data, epochs=3, search_steps=50, lr=0.1)
    ax = Figure().subplots()
    plot_real_vs_imagined(ax, runs["keep"], world, *data, search_steps=50)
    imagined = [line for line in ax.lines if "imagined" in line.get_label()][0]  # the sawtooth
    np.testing.assert_allclose(imagined.get_ydata()[1::2], world.end_loss)
    axes = list(Figure().subplots(1, 3))
    plot_mode_paths(axes, runs, least_squares(*data, bias=False))
    for ax, mode in zip(axes, runs):
        starts = [line.get_xydata()[0] for line in ax.lines if line.get_marker() == "s"]
        expected = [runs[mode].snapshots.epoch_start(k).numpy() for k in (1, 2, 3)]
        np.testing.assert_allclose(starts, expected, rtol=1e-6)


def test_warnings_as_sentences(capsys: pytest.CaptureFixture[str], data) -> None:
    with warnings_as_sentences() as said:
        history = fit(LinearNet(2, bias=False), *data, epochs=30, lr=50.0)
    out = capsys.readouterr().out
    assert history.diverged and len(said) == 1 and out.startswith("Warning: Training diverged") and "lr=50" in out
    with pytest.warns(UserWarning, match="other"), warnings_as_sentences() as said:
        warnings.warn("other", UserWarning, stacklevel=1)
    assert said == []

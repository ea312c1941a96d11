"""The dashboard, headless: branches happen on purpose at epoch boundaries, divergence is named, dense runs thinned."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_dashboard import _assert_matches_oracle, _clean_errors, _oracle, _reset  # noqa: F401

import epochlab.views.widgets as widgets
from epochlab import WeightSnapshots
from epochlab.views.dashboard import Dashboard


@pytest.fixture(scope="module")
def dash() -> Dashboard:
    return Dashboard(n_samples=32, epochs=5, batch_size=4)


def test_branch_here_with_nothing_changed_keeps_the_run_and_its_data_order(dash: Dashboard) -> None:
    _reset(dash)
    before = dash.history.step_loss.copy()
    dash.rewind(11)  # inside epoch 2 (8 iterations per epoch): snaps back to the boundary at 8
    dash.branch()
    assert dash.session.branch_steps == (8,) and "branched at iteration 8 (end of epoch 1)" in dash.banner.value
    assert np.array_equal(dash.history.step_loss, before), "a branch without a change changed the future"
    assert dash.cursor.value == dash.session.timeline.steps == 5 * 8


def test_a_change_while_rewound_branches_at_an_epoch_boundary_and_continues_like_fit(dash: Dashboard) -> None:
    _reset(dash)
    before = dash.history.step_loss.copy()
    dash.rewind(19)
    dash.controls["lr"].value = 0.2  # rewound: branches at 16, the end of epoch 2
    timeline = dash.session.timeline
    assert timeline.branch_steps == (16,) and np.array_equal(timeline.run.step_loss[:16], before[:16])
    _assert_matches_oracle(dash, lr_schedule=lambda e: 0.05 if e <= 2 else 0.2)
    lengths = np.bincount(timeline.run.step_epoch)[1:]
    assert list(lengths) == [8] * 5, "no short epoch: the branch never splits one"
    assert [b[3] for b in timeline.boundaries] == [8, 16, 24, 32]
    dash.controls["lr"].value = 0.1  # at the end, with a branch: the banner says it changes the part after it
    assert dash.session.branch_steps == (16,) and "lr 0.1" in dash.banner.value
    dash.controls["epochs"].value = 4  # the epochs setting is the length of the whole run, branch or not
    assert dash.session.timeline.steps == 4 * 8 and dash.session.branch_steps == (16,)
    dash.controls["epochs"].value = 2  # the branch is past the end: gone
    assert dash.session.timeline.steps == 16 and not dash.session.branch_steps and not dash.banner.value
    dash.controls["epochs"].value = 5
    _assert_matches_oracle(dash)


def test_clear_branch_and_new_data_end_the_branch(dash: Dashboard) -> None:
    _reset(dash)
    dash.rewind(8)
    dash.controls["lr"].value = 0.2
    assert dash.session.branch_steps and not dash.buttons["clear"].disabled
    dash.buttons["clear"].click()
    assert not dash.session.branch_steps and dash.banner.value == "" and dash.buttons["clear"].disabled
    _assert_matches_oracle(dash)
    dash.rewind(8)
    dash.controls["lr"].value = 0.1
    dash.controls["seed"].value = 3  # new data: the kept steps no longer apply
    assert not dash.session.branch_steps
    _assert_matches_oracle(dash)


def test_reset_after_a_branch_restarts_from_iteration_0_and_says_so(dash: Dashboard) -> None:
    _reset(dash)
    dash.rewind(16)
    dash.controls["between_epochs"].value = "reset"
    run = dash.history
    assert all(np.array_equal(start, run.w0) for start in run.starts[2:]), "reset should return to iteration 0"
    assert "initial weights (iteration 0), also after a branch" in dash.readout.value
    assert run.epoch_loss[3] > run.epoch_loss[2], "a sawtooth: the epoch after the branch starts over"


def test_divergence_is_named_from_the_loss_not_only_from_overflow(dash: Dashboard) -> None:
    _reset(dash)
    dash.controls["batch_size"].value = 8
    dash.controls["lr"].value = 1.05
    timeline = dash.session.timeline
    assert timeline.diverging_epoch and not timeline.run.overflow_step
    assert dash.drawing.art["loss_note"].get_visible() and "diverging since epoch" in dash.readout.value
    dash.rewind(0)
    assert not dash.drawing.art["loss_note"].get_visible(), "nothing diverged yet at iteration 0"
    dash.rewind(dash.cursor.max)
    dash.controls["epochs"].value = 60
    assert dash.drawing.art["loss_note"].get_visible(), "once diverging, the label stays"
    assert dash.drawing.art["weight_note"].get_visible() and len(dash.drawing.art["offside"].get_xdata()) == 1
    assert "e" in dash.drawing.art["weight_note"].get_text(), "huge weights in readable notation"
    dash.controls["lr"].value = 2.0
    assert dash.history.overflow_step and "overflowed" in dash.drawing.art["loss_note"].get_text()
    assert not widgets.ERRORS


def test_dense_curves_are_thinned_to_fits_numbers(dash: Dashboard) -> None:
    _reset(dash)
    dash.controls["between_epochs"].value = "point"
    dash.controls["steps_per_point"].value = 10  # 320 iterations per epoch, 1600 in all: more than pixel columns
    snaps = WeightSnapshots(every="step")
    oracle = _oracle(dash, snaps=snaps)
    x, y = (np.asarray(v, dtype=float) for v in dash.drawing.art["step"].get_data())
    columns = int(dash.drawing.loss_ax.get_position().width * dash.drawing.pixels[0])
    assert len(x) <= columns < len(oracle.step_loss)
    x_max, groups = dash.drawing.x_limit[1], {}
    for step, loss in enumerate(oracle.step_loss, start=1):  # the oracle's own per-column geometric means
        groups.setdefault(min(int(step / x_max * columns), columns - 1), []).append(math.log10(loss))
    np.testing.assert_allclose(y, [np.mean(v) for v in groups.values()], rtol=1e-4, atol=1e-5)
    dots = dash.drawing.art["points"].get_offsets()
    weights = snaps.weights.numpy()
    assert len(dots) <= 600 and all(np.abs(weights - d).max(axis=1).min() < 1e-5 for d in dots[::50])
    assert dash.controls["batch_size"].disabled and dash.controls["shuffle"].disabled
    assert not dash.controls["steps_per_point"].disabled

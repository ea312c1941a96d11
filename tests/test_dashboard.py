"""The instructor dashboard, headless: every control retrains (checked against ``fit``), buttons, errors."""

from __future__ import annotations

import math
from collections.abc import Iterator

import ipywidgets as w
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import epochlab
import epochlab.views.widgets as widgets
from epochlab import LinearNet, fit, make_linear_data, train_point_by_point
from epochlab.views.dashboard import Dashboard
from epochlab.views.dashboard.state import TRUE_WEIGHTS

N = 32  # small and fast; the defaults are exercised by the notebook and the benchmark


@pytest.fixture(autouse=True)
def _clean_errors() -> Iterator[None]:
    saved = list(widgets.ERRORS)
    widgets.ERRORS.clear()
    yield
    widgets.ERRORS[:] = saved


@pytest.fixture(scope="module")
def dash() -> Dashboard:
    return Dashboard(n_samples=N, epochs=5, batch_size=4)


def _reset(dash: Dashboard) -> None:
    """Back to known settings, the cursor at the end and no branch."""
    dash.rewind(0)
    dash.branch()
    for name, value in dict(lr=0.05, batch_size=4, epochs=5, between_epochs="keep", shuffle=True, seed=0,
                            noise=0.5, steps_per_point=3).items():
        dash.controls[name].value = value
    assert dash.session.timeline.branch_step == 0 and dash.cursor.value == dash.session.timeline.steps


def _oracle(dash: Dashboard, *, start: torch.Tensor | None = None, epochs: int | None = None):
    """The same settings through epochlab.fit (torch autograd): what the dashboard must have shown."""
    v = {name: control.value for name, control in dash.controls.items()}
    X, y = make_linear_data(N, TRUE_WEIGHTS, noise=v["noise"], seed=v["seed"])
    model = LinearNet(2, bias=False, seed=v["seed"])
    if start is not None:
        epochlab.set_flat_weights(model, start)
    epochs = v["epochs"] if epochs is None else epochs
    if v["between_epochs"] == "point":
        return train_point_by_point(model, X, y, steps_per_point=v["steps_per_point"], lr=v["lr"], epochs=epochs)
    return fit(model, X, y, epochs=epochs, lr=v["lr"], batch_size=v["batch_size"], shuffle=v["shuffle"],
               seed=v["seed"], between_epochs=v["between_epochs"])


def _assert_matches_oracle(dash: Dashboard) -> None:
    oracle = _oracle(dash)
    np.testing.assert_allclose(dash.history.epoch_loss, oracle.epoch_loss, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dash.history.step_loss, oracle.step_loss, rtol=1e-4, atol=1e-5)


def test_public_surface(dash: Dashboard) -> None:
    assert not hasattr(epochlab, "Dashboard") and not hasattr(widgets, "Dashboard"), "the core offers no views"
    assert {"lr", "batch_size", "epochs", "between_epochs", "shuffle", "seed", "noise"} <= set(dash.controls)
    assert isinstance(dash.figure, Figure) and isinstance(dash.view.image, w.Image)
    assert "epochlab-figure" in dash.view.image._dom_classes
    assert "epochlab-lr" in dash.controls["lr"]._dom_classes and dash.controls["lr"].description == "learning rate"
    assert bytes(dash.view.image.value).startswith(b"\x89PNG")
    assert "text/plain" in (dash._repr_mimebundle_() or {})


@pytest.mark.parametrize(("name", "value"), [
    ("lr", 0.2), ("batch_size", 7), ("epochs", 3), ("between_epochs", "reset"), ("between_epochs", "reinit"),
    ("between_epochs", "point"), ("shuffle", False), ("seed", 5), ("noise", 1.5), ("steps_per_point", 2),
])
def test_every_control_retrains_as_fit_would(dash: Dashboard, name: str, value: object) -> None:
    _reset(dash)
    if name == "steps_per_point":
        dash.controls["between_epochs"].value = "point"
    before_png, before = dash.view.image.value, list(dash.history.step_loss)
    dash.controls[name].value = value  # retrains and redraws before this line returns
    _assert_matches_oracle(dash)
    assert dash.history.step_loss != before, f"moving {name} did not change the run"
    assert dash.view.image.value != before_png, f"moving {name} did not redraw"
    assert not widgets.ERRORS


def test_controls_change_what_they_should(dash: Dashboard) -> None:
    _reset(dash)
    dash.controls["batch_size"].value = 7
    assert dash.history.steps_per_epoch == math.ceil(N / 7) and len(dash.history.step_loss) == 5 * math.ceil(N / 7)
    assert f"ceil({N}/7)" in dash.readout.value
    dash.controls["epochs"].value = 4
    assert dash.history.epochs_completed == 4
    dash.controls["lr"].value = 0.3
    assert dash.history.lr == pytest.approx(0.3)


def test_keep_shows_equal_boundaries_and_reset_does_not(dash: Dashboard) -> None:
    _reset(dash)
    assert all(np.array_equal(end, start) for _, end, start in dash.boundaries())
    assert "yes, bit for bit" in dash.readout.value
    dash.controls["between_epochs"].value = "reset"
    assert dash.boundaries() and not any(np.array_equal(end, start) for _, end, start in dash.boundaries())
    assert "<b>no</b>" in dash.readout.value


def test_step_buttons_move_the_cursor_and_redraw(dash: Dashboard) -> None:
    _reset(dash)
    dash.buttons["start"].click()
    assert dash.cursor.value == 0 and dash.play.value == 0
    png = dash.view.image.value
    dash.buttons["batch"].click()
    assert dash.cursor.value == 1 and dash.view.image.value != png
    dash.buttons["epoch"].click()
    assert dash.cursor.value == dash.history.steps_per_epoch
    dash.play.value = 17  # what the Play widget does on each tick in the browser
    assert dash.cursor.value == 17
    steps = dash.session.timeline.steps
    dash.rewind(steps)
    dash.buttons["epoch"].click()  # at the end: one more epoch of the same run
    assert dash.controls["epochs"].value == 6 and dash.cursor.value == steps + dash.history.steps_per_epoch
    _assert_matches_oracle(dash)
    assert not widgets.ERRORS


def test_rewind_and_branch_keep_the_prefix_and_continue_like_fit(dash: Dashboard) -> None:
    _reset(dash)
    old = list(dash.session.timeline.step_loss)
    dash.rewind(10)
    dash.buttons["branch"].click()
    dash.controls["lr"].value = 0.2
    timeline = dash.session.timeline
    assert timeline.branch_step == 10 and timeline.step_loss[:10] == old[:10] and timeline.step_loss[10:] != old[10:]
    start = torch.from_numpy(timeline.path[timeline.visible_points(10) - 1].copy())
    oracle = _oracle(dash, start=start, epochs=5 - 2)  # 8 steps per epoch: step 10 is in epoch 2
    np.testing.assert_allclose(timeline.step_loss[10:], oracle.step_loss, rtol=1e-4, atol=1e-5)
    dash.controls["lr"].value = 0.1  # at the end: the change reruns from the same branch point
    assert dash.session.timeline.branch_step == 10 and dash.session.timeline.step_loss[:10] == old[:10]
    dash.controls["seed"].value = 3  # new data: the kept prefix no longer applies
    assert dash.session.timeline.branch_step == 0
    _assert_matches_oracle(dash)


def test_divergence_is_drawn_not_raised(dash: Dashboard) -> None:
    _reset(dash)
    dash.controls["lr"].value = 2.0
    assert dash.history.diverged and dash.session.timeline.diverged
    assert dash.drawing.loss_note.get_visible() and "diverged" in dash.readout.value
    assert not widgets.ERRORS


def test_a_failing_update_is_shown_recorded_and_fails_the_runner(dash: Dashboard, monkeypatch) -> None:
    _reset(dash)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("deliberately broken update")

    monkeypatch.setattr(dash.drawing, "show", broken)
    dash.controls["lr"].value = 0.07  # must not raise here: the error is caught, shown and recorded
    assert widgets.ERRORS and "deliberately broken update" in widgets.ERRORS[-1]
    assert "epochlab widget error" in dash.errors.widget.value
    with pytest.raises(AssertionError, match="widget callback"):
        widgets.raise_widget_errors()
    monkeypatch.undo()
    dash.controls["lr"].value = 0.05
    assert dash.errors.widget.value == ""  # the next good update clears the message

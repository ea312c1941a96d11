"""The instructor dashboard, headless: controls retrain as ``fit`` would, honest branching and divergence."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import ipywidgets as w
import numpy as np
import pytest
from matplotlib.figure import Figure

import epochlab
import epochlab.views.widgets as widgets
from epochlab import LinearNet, WeightSnapshots, fit, make_linear_data, train_point_by_point
from epochlab.views.dashboard import Dashboard
from epochlab.views.dashboard import state as state_module
from epochlab.views.dashboard.state import TRUE_WEIGHTS

N = 32  # small and fast; the defaults are exercised by the notebook and the benchmark
SETTINGS = dict(lr=0.05, batch_size=4, epochs=5, between_epochs="keep", shuffle=True, seed=0, noise=0.5,
                steps_per_point=3)


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
    dash.lecture_defaults()
    assert not dash.session.branch_steps and dash.cursor.value == dash.session.timeline.steps


def _oracle(dash: Dashboard, *, snaps: WeightSnapshots | None = None, **kwargs: object):
    """The controls' settings through epochlab.fit (torch autograd): what the dashboard must show."""
    v = {name: control.value for name, control in dash.controls.items()}
    X, y = make_linear_data(N, TRUE_WEIGHTS, noise=v["noise"], seed=v["seed"])
    model = LinearNet(2, bias=False, seed=v["seed"])
    callbacks = [snaps] if snaps is not None else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if v["between_epochs"] == "point":
            return train_point_by_point(model, X, y, steps_per_point=v["steps_per_point"], lr=v["lr"],
                                        epochs=v["epochs"], callbacks=callbacks)
        return fit(model, X, y, epochs=v["epochs"], lr=v["lr"], batch_size=v["batch_size"], shuffle=v["shuffle"],
                   seed=v["seed"], between_epochs=v["between_epochs"], callbacks=callbacks, **kwargs)


def _assert_matches_oracle(dash: Dashboard, **kwargs: object) -> None:
    oracle = _oracle(dash, **kwargs)
    np.testing.assert_allclose(dash.history.epoch_loss, oracle.epoch_loss, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dash.history.step_loss, oracle.step_loss, rtol=1e-4, atol=1e-5)


def test_public_surface(dash: Dashboard) -> None:
    assert not hasattr(epochlab, "Dashboard") and not hasattr(widgets, "Dashboard"), "the core offers no views"
    assert {"lr", "batch_size", "epochs", "between_epochs", "shuffle", "seed", "noise"} <= set(dash.controls)
    assert isinstance(dash.figure, Figure) and isinstance(dash.view.image, w.Image)
    assert "epochlab-figure" in dash.view.image._dom_classes and "epochlab-dashboard" in dash.widget._dom_classes
    assert "epochlab-lr" in dash.controls["lr"]._dom_classes and dash.controls["lr"].description == "learning rate"
    png = bytes(dash.view.image.value)
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (f"{width}px", f"{height}px") == (dash.view.image.layout.width, dash.view.image.layout.height), \
        "the PNG is shown at exactly its pixel size"
    assert "text/plain" in (dash._repr_mimebundle_() or {})


@pytest.mark.parametrize(("name", "value"), [
    ("lr", 0.2), ("batch_size", 7), ("epochs", 3), ("between_epochs", "reset"), ("between_epochs", "reinit"),
    ("between_epochs", "point"), ("shuffle", False), ("seed", 5), ("noise", 1.5), ("steps_per_point", 2),
])
def test_every_control_retrains_as_fit_would(dash: Dashboard, name: str, value: object) -> None:
    _reset(dash)
    if name == "steps_per_point":
        dash.controls["between_epochs"].value = "point"
    before_png, before = dash.view.image.value, dash.history.step_loss.copy()
    dash.controls[name].value = value  # retrains and redraws before this line returns
    _assert_matches_oracle(dash)
    assert not np.array_equal(dash.history.step_loss, before), f"moving {name} did not change the run"
    assert dash.view.image.value != before_png, f"moving {name} did not redraw"
    assert not dash.session.branch_steps, "a change at the end of the run never branches"
    assert not widgets.ERRORS


@pytest.mark.parametrize(("name", "value"), [
    ("lr", 5.0), ("lr", 1e-5), ("epochs", 100), ("epochs", 0), ("seed", -1), ("seed", 2**40), ("noise", 3.0),
    ("steps_per_point", 50), ("batch_size", N + 1), ("batch_size", 0), ("between_epochs", "restart"),
    ("shuffle", "no"), ("epochs", 2.5),
])
def test_arguments_the_controls_cannot_show_are_refused_by_name(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        Dashboard(n_samples=N, **{name: value})  # type: ignore[arg-type]


def test_the_controls_show_the_arguments_given() -> None:
    dash = Dashboard(n_samples=N, lr=0.3, epochs=60, batch_size=N, noise=2.0, seed=2**31 - 1, steps_per_point=20)
    assert [dash.controls[k].value for k in ("lr", "epochs", "batch_size", "noise", "seed", "steps_per_point")] == [
        pytest.approx(0.3), 60, N, 2.0, 2**31 - 1, 20]
    assert dash.session.settings.lr == pytest.approx(0.3) and dash.session.timeline.steps == 60
    assert "1 iteration per epoch = ceil(32/32)" in dash.status.value
    assert dash.drawing.art["points"].get_clim() == (0.5, 60.5)


def test_a_failed_training_stores_nothing_and_restores_the_controls(dash: Dashboard, monkeypatch) -> None:
    _reset(dash)
    settings, run = dash.session.settings, dash.history

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("deliberately broken training")

    monkeypatch.setattr(state_module, "run_plan", broken)
    dash.controls["lr"].value = 0.3  # caught, shown and recorded
    assert widgets.ERRORS and "deliberately broken training" in widgets.ERRORS[-1]
    assert dash.session.settings == settings and dash.history is run, "the failed settings were stored"
    assert dash.controls["lr"].value == pytest.approx(0.05), "the control should describe the run shown"
    monkeypatch.undo()
    dash.rewind(3)
    assert "lr 0.3" not in dash.status.value + dash.readout.value


def test_cursor_buttons_play_and_stop(dash: Dashboard) -> None:
    _reset(dash)
    dash.buttons["stop"].click()
    assert dash.cursor.value == 0 and dash.play.value == 0 and dash.buttons["back-batch"].disabled
    dash.buttons["batch"].click()
    dash.buttons["epoch"].click()
    assert dash.cursor.value == 8
    dash.buttons["back-batch"].click()
    assert dash.cursor.value == 7
    dash.buttons["back-epoch"].click()
    assert dash.cursor.value == 0
    dash.buttons["toggle"].click()
    assert dash.play.playing
    dash.play.value = 17  # what the Play widget does on each tick in the browser
    dash.buttons["toggle"].click()
    assert not dash.play.playing and dash.cursor.value == 17, "pause keeps the position"
    dash.view_controls["speed"].value = "epoch"
    assert dash.play.step == 8
    steps = dash.session.timeline.steps
    dash.rewind(steps)
    dash.buttons["epoch"].click()  # at the end: one more epoch of the same run
    assert dash.controls["epochs"].value == 6 and dash.cursor.value == steps + 8
    _assert_matches_oracle(dash)


def test_view_controls_units_legend_and_layout(dash: Dashboard) -> None:
    _reset(dash)
    art = dash.drawing.art
    labels = [t.get_text() for t in dash.drawing.legend.get_texts()]
    assert "branch point" not in labels
    dash.view_controls["unit"].value = "epochs"
    assert dash.drawing.x_limit == (0.0, 5.0) and art["epoch"].get_xdata()[-1] == pytest.approx(5.0)
    dash.view_controls["unit"].value = "samples"
    assert art["epoch"].get_xdata()[-1] == pytest.approx(5 * N)
    dash.rewind(8)
    dash.branch()
    assert "branch point" in [t.get_text() for t in dash.drawing.legend.get_texts()]
    dash.controls["noise"].value = 0.0  # tiny losses, long tick labels: the fixed layout keeps the label inside
    assert dash.drawing.loss_ax.yaxis.label.get_window_extent().x0 >= 0
    dash.view_controls["size"].value = "1920x1080"
    assert dash.view.image.layout.width == "1240px" and "epochlab-large" in dash.widget._dom_classes
    dash.view_controls["size"].value = "1280x720"
    assert dash.view.image.layout.width == "800px"
    assert "previous run" in [t.get_text() for t in dash.drawing.legend.get_texts()][-2:] or dash.ghost is None


def test_lecture_defaults_and_keys(dash: Dashboard) -> None:
    dash.controls["lr"].value = 0.3
    dash.rewind(4)
    dash.controls["between_epochs"].value = "reinit"
    dash.buttons["defaults"].click()
    assert dash.session.settings.lr == pytest.approx(0.05) and dash.controls["between_epochs"].value == "keep"
    assert not dash.session.branch_steps and dash.cursor.value == dash.session.timeline.steps
    html = str(dash.widget.children[-1].value)
    assert "onerror=" in html and "space play/pause" in html
    for name in ("toggle", "batch", "back-batch", "epoch", "back-epoch", "branch", "clear", "stop", "defaults"):
        assert f"epochlab-key-{name}" in dash.buttons[name]._dom_classes


def test_a_failing_update_is_shown_recorded_and_fails_the_runner(dash: Dashboard, monkeypatch) -> None:
    _reset(dash)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("deliberately broken update")

    monkeypatch.setattr(dash.drawing, "show", broken)
    dash.rewind(3)  # must not raise here: the error is caught, shown and recorded
    assert widgets.ERRORS and "deliberately broken update" in widgets.ERRORS[-1]
    assert "epochlab widget error" in dash.errors.widget.value
    with pytest.raises(AssertionError, match="widget callback"):
        widgets.raise_widget_errors()
    monkeypatch.undo()
    dash.rewind(4)
    assert dash.errors.widget.value == ""  # the next good update clears the message

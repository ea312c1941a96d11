"""Callback hooks (order, arguments, typo detection) and the ``History`` helpers."""

from __future__ import annotations

import pytest
import torch

from epochlab import Callback, History, LinearNet, fit, flat_weights, make_linear_data, train_point_by_point
from epochlab.callbacks import HOOKS


class Recorder(Callback):
    """Logs every hook call with its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_fit_start(self, model, history):
        self.calls.append(("fit_start", len(history.epoch_loss)))

    def on_epoch_start(self, epoch, model, history):
        self.calls.append(("epoch_start", epoch))

    def on_step_end(self, step, model, history):
        self.calls.append(("step_end", step, len(history.step_loss)))

    def on_epoch_end(self, epoch, model, history):
        self.calls.append(("epoch_end", epoch, len(history.epoch_loss)))

    def on_fit_end(self, model, history):
        self.calls.append(("fit_end",))


def expected_calls(epochs: int, steps: int) -> list[tuple]:
    calls: list[tuple] = [("fit_start", 1)]
    for epoch in range(1, epochs + 1):
        calls.append(("epoch_start", epoch))
        calls += [("step_end", s, s) for s in range((epoch - 1) * steps + 1, epoch * steps + 1)]
        calls.append(("epoch_end", epoch, epoch + 1))
    return [*calls, ("fit_end",)]


@pytest.fixture(scope="module")
def xy() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(11, [1.0, 2.0], seed=0)


def test_hooks_are_called_in_order(xy) -> None:
    recorder = Recorder()
    fit(LinearNet(2), *xy, epochs=3, lr=0.05, batch_size=4, callbacks=[recorder])
    assert recorder.calls == expected_calls(3, 3)


def test_point_by_point_calls_the_same_hooks(xy) -> None:
    recorder = Recorder()
    train_point_by_point(LinearNet(2), *xy, steps_per_point=2, lr=0.01, epochs=2, callbacks=[recorder])
    assert recorder.calls == expected_calls(2, 22)


def test_zero_epochs_still_opens_and_closes(xy) -> None:
    recorder = Recorder()
    history = fit(LinearNet(2), *xy, epochs=0, lr=0.05, callbacks=[recorder])
    assert recorder.calls == [("fit_start", 1), ("fit_end",)]
    assert len(history.epoch_loss) == 1 and history.step_loss == []


def test_several_callbacks_run_in_the_order_given(xy) -> None:
    log: list[str] = []

    class Named(Callback):
        def __init__(self, name: str) -> None:
            self.name = name

        def on_epoch_end(self, epoch, model, history):
            log.append(f"{self.name}{epoch}")

    fit(LinearNet(2), *xy, epochs=2, lr=0.05, callbacks=[Named("a"), Named("b")])
    assert log == ["a1", "b1", "a2", "b2"]


def test_hooks_see_the_live_model(xy) -> None:
    seen: list[torch.Tensor] = []

    class Watch(Callback):
        def on_step_end(self, step, model, history):
            seen.append(flat_weights(model))

    model = LinearNet(2)
    fit(model, *xy, epochs=1, lr=0.05, callbacks=[Watch()])
    assert torch.equal(seen[-1], flat_weights(model))


def test_divergence_still_calls_fit_end(xy) -> None:
    recorder = Recorder()
    with pytest.warns(RuntimeWarning):
        fit(LinearNet(2), *xy, epochs=500, lr=20.0, callbacks=[recorder])
    assert recorder.calls[-1] == ("fit_end",)
    assert recorder.calls[-2][0] in ("step_end", "epoch_start", "epoch_end")


@pytest.mark.parametrize("typo", ["on_epoch_ends", "on_step", "on_train_begin", "on_fitstart"])
def test_a_misspelt_hook_is_a_type_error(typo) -> None:
    with pytest.raises(TypeError, match=typo):
        type("Typo", (Callback,), {typo: lambda self, *args: None})


def test_every_hook_exists_and_other_names_are_fine() -> None:
    assert all(callable(getattr(Callback, name)) for name in HOOKS)

    class Fine(Callback):
        def on_epoch_end(self, epoch, model, history):
            pass

        def helper(self):  # not an on_ name: allowed
            pass

    assert Fine().helper() is None


def test_history_positions() -> None:
    history = History(steps_per_epoch=3, batch_size=4, n_samples=10, lr=0.1)
    history.step_loss = [1.0] * 6
    assert history.step_epochs() == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2])
    assert history.samples_seen() == [4, 8, 10, 14, 18, 20]
    dropped = History(steps_per_epoch=2, batch_size=4, n_samples=10, lr=0.1, drop_last=True)
    dropped.step_loss = [1.0] * 4
    assert dropped.samples_seen() == [4, 8, 12, 16]
    history.epoch_loss = [3.0, 2.0, 1.0]
    assert history.epochs_completed == 2


def test_running_loss_is_the_mean_of_the_epochs_batch_losses(xy) -> None:
    history = fit(LinearNet(2), *xy, epochs=3, lr=0.05, batch_size=4, shuffle=False)
    sizes = [4, 4, 3]
    for epoch in range(3):
        losses = history.step_loss[epoch * 3 : epoch * 3 + 3]
        expected = sum(loss * size for loss, size in zip(losses, sizes)) / 11
        assert history.running_loss[epoch] == pytest.approx(expected, rel=1e-12)

"""The dashboard's engine against the oracle it replaces: ``fit`` / ``train_point_by_point`` (torch autograd)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from epochlab import (
    LinearNet,
    WeightSnapshots,
    fit,
    flat_weights,
    make_linear_data,
    set_flat_weights,
    train_point_by_point,
)
from epochlab.callbacks import Callback
from epochlab.views.dashboard.engine import Segment, run_plan

RTOL, ATOL = 1e-5, 1e-5


def _data(seed: int, n: int = 30, noise: float = 0.3) -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(n, weights=[2.0, -3.0], noise=noise, seed=seed)


def _seg(first: int = 1, *, lr: float = 0.05, batch_size: int = 4, mode: str = "keep", shuffle: bool = True,
         steps_per_point: int = 3) -> Segment:
    return Segment(first, lr, batch_size, mode, shuffle, steps_per_point)


def _fit(X, y, seed, *, callbacks=(), **kwargs):
    model = LinearNet(2, bias=False, seed=seed)
    snaps = WeightSnapshots(every="step")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if kwargs.pop("point", False):
            history = train_point_by_point(model, X, y, callbacks=[snaps, *callbacks], **kwargs)
        else:
            history = fit(model, X, y, seed=seed, callbacks=[snaps, *callbacks], **kwargs)
    return history, snaps, model


def _assert_same_run(run, history, snaps) -> None:
    kinds, weights = np.array(snaps.kinds), snaps.weights.numpy()
    losses = history.step_loss[:-1] if history.diverged else history.step_loss
    assert bool(run.overflow_step) == history.diverged
    if history.diverged:
        assert run.overflow_step == len(history.step_loss), "the overflow is found at fit's step"
    np.testing.assert_allclose(run.step_loss, losses, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(run.epoch_loss, history.epoch_loss, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(run.after, weights[kinds == "step"][: run.steps], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(run.starts, weights[kinds == "epoch_start"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(run.ends, weights[kinds == "epoch_end"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("mode", ["keep", "reset", "reinit"])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size", [1, 4, 7, 30])
def test_one_segment_is_fit(mode: str, shuffle: bool, batch_size: int) -> None:
    seed = 3
    X, y = _data(seed)
    history, snaps, model = _fit(X, y, seed, epochs=4, lr=0.05, batch_size=batch_size, shuffle=shuffle,
                                 between_epochs=mode)
    run = run_plan(X, y, flat_weights(LinearNet(2, bias=False, seed=seed)).numpy(),
                   [_seg(batch_size=batch_size, mode=mode, shuffle=shuffle)], epochs=4, seed=seed)
    _assert_same_run(run, history, snaps)
    np.testing.assert_allclose(run.after[-1], flat_weights(model).numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("steps_per_point", [1, 3, 20])
@pytest.mark.parametrize("seed", [0, 7])
def test_closed_form_point_epochs_are_the_askers_loop(steps_per_point: int, seed: int) -> None:
    X, y = _data(seed, n=16)
    history, snaps, _ = _fit(X, y, seed, point=True, steps_per_point=steps_per_point, lr=0.05, epochs=3)
    run = run_plan(X, y, flat_weights(LinearNet(2, bias=False, seed=seed)).numpy(),
                   [_seg(mode="point", steps_per_point=steps_per_point)], epochs=3, seed=seed)
    _assert_same_run(run, history, snaps)


@pytest.mark.parametrize(("point", "lr"), [(False, 1.2), (False, 8.0), (True, 1.5)])
def test_overflow_is_found_where_fit_finds_it(point: bool, lr: float) -> None:
    X, y = _data(4)
    kwargs = dict(point=True, steps_per_point=5, lr=lr, epochs=60) if point else dict(
        epochs=60, lr=lr, batch_size=1)
    history, snaps, _ = _fit(X, y, 4, **kwargs)
    segment = _seg(lr=lr, mode="point", steps_per_point=5) if point else _seg(lr=lr, batch_size=1)
    run = run_plan(X, y, flat_weights(LinearNet(2, bias=False, seed=4)).numpy(), [segment], epochs=60, seed=4)
    assert history.diverged
    _assert_same_run(run, history, snaps)


@pytest.mark.parametrize("mode", ["keep", "reset", "reinit", "point"])
def test_a_branch_with_nothing_changed_is_the_same_run_bit_for_bit(mode: str) -> None:
    X, y = _data(5)
    w0 = flat_weights(LinearNet(2, bias=False, seed=5)).numpy()
    one = run_plan(X, y, w0, [_seg(mode=mode)], epochs=6, seed=5)
    two = run_plan(X, y, w0, [_seg(mode=mode), _seg(3, mode=mode)], epochs=6, seed=5)
    assert np.array_equal(one.after, two.after) and np.array_equal(one.step_loss, two.step_loss)


def test_a_branch_to_a_new_lr_is_fit_with_that_schedule() -> None:
    X, y = _data(6)
    history, snaps, _ = _fit(X, y, 6, epochs=5, lr=0.05, batch_size=4, lr_schedule=lambda e: 0.05 if e <= 2 else 0.2)
    run = run_plan(X, y, flat_weights(LinearNet(2, bias=False, seed=6)).numpy(),
                   [_seg(lr=0.05), _seg(3, lr=0.2)], epochs=5, seed=6)
    _assert_same_run(run, history, snaps)


class _ResetFrom(Callback):
    """Oracle for 'keep, then reset from epoch k+1': fit in keep mode, weights of iteration 0 at later starts."""

    def __init__(self, k: int, w0: torch.Tensor):
        self.k, self.w0 = k, w0

    def on_epoch_start(self, epoch: int, model, history) -> None:
        if epoch > self.k:
            set_flat_weights(model, self.w0)


def test_reset_after_a_branch_returns_to_the_initial_weights() -> None:
    X, y = _data(7)
    w0 = flat_weights(LinearNet(2, bias=False, seed=7))
    history, snaps, _ = _fit(X, y, 7, epochs=5, lr=0.05, batch_size=4, callbacks=[_ResetFrom(2, w0)])
    run = run_plan(X, y, w0.numpy(), [_seg(), _seg(3, mode="reset")], epochs=5, seed=7)
    np.testing.assert_allclose(run.step_loss, history.step_loss, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(run.starts[2:], np.tile(w0.numpy(), (3, 1)), rtol=RTOL, atol=ATOL)


def test_reinit_after_a_branch_draws_what_a_reinit_run_draws() -> None:
    X, y = _data(8)
    _, snaps, _ = _fit(X, y, 8, epochs=5, lr=0.05, batch_size=4, between_epochs="reinit")
    starts = snaps.weights.numpy()[np.array(snaps.kinds) == "epoch_start"]
    run = run_plan(X, y, flat_weights(LinearNet(2, bias=False, seed=8)).numpy(), [_seg(), _seg(3, mode="reinit")],
                   epochs=5, seed=8)
    np.testing.assert_allclose(run.starts[2:], starts[2:], rtol=RTOL, atol=ATOL)


def test_the_engine_refuses_a_plan_without_a_start() -> None:
    X, y = _data(0)
    with pytest.raises(ValueError, match="plan"):
        run_plan(X, y, np.zeros(2), [_seg(2)], epochs=3, seed=0)

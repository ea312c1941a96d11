"""fit at the edges (issue 8): numbers beyond float32, huge epochs, grad modes, several outputs, divergence, arguments."""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from epochlab import (
    Callback,
    EarlyStopping,
    History,
    LinearNet,
    RestoreBest,
    WeightSnapshots,
    fit,
    flat_weights,
    lr_threshold,
    make_generator,
    make_linear_data,
    train_point_by_point,
)


def data(n: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(n, [1.5, -2.0], 0.5, noise=0.1, seed=seed)


# -- 1. learning rates beyond float32, huge epochs -------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("lr", [3.5e38, 1e300, 10**39, 10**400, 3e38])
def test_a_rate_float32_weights_cannot_step_with_is_a_value_error(optimizer, lr) -> None:
    with pytest.raises(ValueError, match=r"learning rate: lr="):
        fit(LinearNet(2), *data(), epochs=2, lr=lr, optimizer=optimizer)


def test_float64_weights_take_rates_beyond_float32() -> None:
    X, y = data()
    with pytest.warns(RuntimeWarning, match="lr=1e"):
        history = fit(LinearNet(2).double(), X.double(), y.double(), epochs=3, lr=1e300, optimizer="adam")
    assert history.diverged


@pytest.mark.parametrize("rate", [3.5e38, 10**400])
def test_a_scheduled_or_point_by_point_rate_beyond_float32_is_a_value_error(rate) -> None:
    X, y = data()
    with pytest.raises(ValueError, match=r"lr_schedule.*epoch 2"):
        fit(LinearNet(2), X, y, epochs=3, lr=0.1, lr_schedule=lambda e: rate if e == 2 else 0.1)
    with pytest.raises(ValueError, match="lr="):
        train_point_by_point(LinearNet(2), X, y, steps_per_point=2, lr=rate)


@pytest.mark.parametrize("epochs", [10**19, 10**400, 2**63])
def test_epochs_beyond_int64_is_a_value_error(epochs) -> None:
    with pytest.raises(ValueError, match="epochs"):
        fit(LinearNet(2), *data(), epochs=epochs, lr=0.1)


def test_huge_epochs_with_early_stopping_allocate_nothing_per_epoch() -> None:
    X, y = data()
    tracemalloc.start()
    try:
        history = fit(LinearNet(2), X, y, epochs=10**8, lr=0.05,
                      callbacks=[EarlyStopping(3, monitor="epoch_loss", min_delta=1e9)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert history.epochs_completed == 3 and history.stop_requested
    assert peak < 10 * 2**20, f"fit(epochs=10**8) allocated {peak / 2**20:.0f} MiB"


class StopAfter(Callback):
    def __init__(self, steps: int):
        self.steps = steps

    def on_step_end(self, step, model, history):
        if step == self.steps:
            raise LookupError("enough")


def test_huge_steps_per_point_are_taken_one_at_a_time() -> None:
    X, y = data(4)
    tracemalloc.start()
    try:
        with pytest.raises(LookupError):
            train_point_by_point(LinearNet(2), X, y, steps_per_point=10**7, lr=0.01, callbacks=[StopAfter(5)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20, f"steps_per_point=10**7 allocated {peak / 2**20:.0f} MiB"


# -- 2. grad mode -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode, lambda: torch.set_grad_enabled(False)])
def test_fit_trains_under_any_grad_mode_and_restores_it(mode) -> None:
    X, y = data()
    reference = fit(LinearNet(2), X, y, epochs=3, lr=0.1, batch_size=4)
    model, point_model = LinearNet(2), LinearNet(2)
    with mode():
        history = fit(model, X, y, epochs=3, lr=0.1, batch_size=4)
        assert not torch.is_grad_enabled()
        point = train_point_by_point(point_model, X, y, steps_per_point=2, lr=0.05)
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert history.step_loss == reference.step_loss and point.epoch_loss[-1] < point.epoch_loss[0]


def test_a_model_made_under_inference_mode_is_refused_naming_it() -> None:
    with torch.inference_mode():
        model = LinearNet(2)  # inference tensors: torch forbids updating them outside inference mode
    with pytest.raises(ValueError, match="Invalid model.*inference_mode"):
        fit(model, *data(), epochs=1, lr=0.1)


def test_fit_works_after_grad_mode_was_left_off_globally() -> None:
    """What a Ctrl-C inside torch.optim's grad-mode switch leaves behind: every later fit must still train."""
    X, y = data()
    torch.set_grad_enabled(False)
    try:
        history = fit(LinearNet(2), X, y, epochs=2, lr=0.1)
        assert not torch.is_grad_enabled(), "fit must leave the caller's mode as it found it"
    finally:
        torch.set_grad_enabled(True)
    assert history.epoch_loss[-1] < history.epoch_loss[0]


# -- 4. several outputs -------------------------------------------------------------------------------------------
def test_a_two_output_net_trains_on_two_column_targets_like_a_hand_written_loop() -> None:
    X, y1 = data()
    y = torch.cat([y1, -2 * y1 + 1], dim=1)
    model = LinearNet(2, n_outputs=2, seed=3)
    reference = nn.Linear(2, 2)
    reference.load_state_dict(model.linear.state_dict())
    opt = torch.optim.SGD(reference.parameters(), lr=0.05)
    history = fit(model, X, y, epochs=5, lr=0.05, shuffle=False, batch_size=4)
    losses = []
    for _ in range(5):
        for start in range(0, len(X), 4):
            opt.zero_grad()
            loss = F.mse_loss(reference(X[start : start + 4]), y[start : start + 4])
            losses.append(loss.item())
            loss.backward()
            opt.step()
    assert history.step_loss == pytest.approx(losses, rel=1e-6)
    assert torch.allclose(model.linear.weight, reference.weight)


def test_a_one_column_target_for_two_outputs_is_refused_never_broadcast() -> None:
    X, y = data()
    with pytest.raises(ValueError, match=r"Invalid y.*n_outputs=2"):
        fit(LinearNet(2, n_outputs=2), X, y, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="validation"):
        fit(LinearNet(2, n_outputs=2), X, y.repeat(1, 2), epochs=1, lr=0.1, validation=(X, y))
    plain = nn.Sequential(nn.Linear(2, 2))  # a model that does not say n_outputs: its output shape is checked
    with pytest.raises(ValueError, match=r"Invalid y.*output has shape"):
        fit(plain, X, y, epochs=1, lr=0.1)


# -- 7, 8. divergence -----------------------------------------------------------------------------------------------
def test_with_warnings_as_errors_divergence_still_restores_the_best_weights() -> None:
    X, y = data()
    model = LinearNet(2)
    start = flat_weights(model)
    best = RestoreBest(monitor="epoch_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="diverged"):
            fit(model, X, y, epochs=100, lr=50.0, callbacks=[best])
    assert torch.isfinite(flat_weights(model)).all() and flat_weights(model).abs().max() < 10
    assert best.best_epoch == 0 and torch.equal(flat_weights(model), start)


def test_data_that_overflow_before_training_are_blamed_not_the_rate() -> None:
    X, y = data()
    with pytest.raises(ValueError, match=r"Invalid X, y: .*overflows") as error:
        fit(LinearNet(2), X * 1e20, y * 1e20, epochs=2, lr=1e-30)
    assert "lr" not in str(error.value)
    with pytest.raises(ValueError, match=r"Invalid validation X, validation y: .*overflows"):
        fit(LinearNet(2), X, y, epochs=2, lr=0.01, validation=(X * 1e20, y * 1e20))


def test_a_loss_that_runs_away_without_overflowing_is_flagged_diverging() -> None:
    X, y = make_linear_data(32, [1.0, -1.0], 0.5, noise=0.1, seed=2)
    lr = 1.05 * lr_threshold(X)  # just above the edge: the stiffest direction grows by about 1.1 per epoch
    with pytest.warns(RuntimeWarning, match=r"more than 1000 times.*lr=") as record:
        history = fit(LinearNet(2), X, y, epochs=200, lr=lr)
    assert record[0].filename == __file__
    assert history.diverging and not history.diverged
    assert all(math.isfinite(v) for v in history.epoch_loss) and history.epoch_loss[-1] > 1e3 * history.epoch_loss[0]
    calm = fit(LinearNet(2), X, y, epochs=200, lr=0.9 * lr_threshold(X))
    assert not calm.diverging and not calm.diverged


def test_best_epoch_says_the_validation_loss_overflowed_when_it_was_passed() -> None:
    history = History(steps_per_epoch=1, batch_size=1, n_samples=1, lr=0.1, val_loss=[math.inf, math.nan])
    with pytest.raises(ValueError, match="overflowed") as error:
        history.best_epoch()
    assert "pass validation" not in str(error.value)
    with pytest.raises(ValueError, match="pass validation"):
        History(steps_per_epoch=1, batch_size=1, n_samples=1, lr=0.1).best_epoch()


# -- 9. arguments -----------------------------------------------------------------------------------------------
def test_seed_range_is_0_to_2_64_minus_1() -> None:
    X, y = data()
    history = fit(LinearNet(2, seed=2**64 - 1), X, y, epochs=3, lr=0.1, batch_size=4, seed=2**64 - 1,
                  between_epochs="reinit")
    assert history.epochs_completed == 3
    for seed in (2**64, -1, 10**30, 1.0, "3"):
        with pytest.raises(ValueError, match="seed"):
            make_generator(seed)
        with pytest.raises(ValueError, match="seed"):
            fit(LinearNet(2), X, y, epochs=1, lr=0.1, seed=seed)


def test_meta_and_sparse_inputs_are_refused_naming_them() -> None:
    X, y = data()
    for bad in (X.to("meta"), X.to_sparse()):
        with pytest.raises(ValueError, match="Invalid X"):
            fit(LinearNet(2), bad, y, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="Invalid y"):
        fit(LinearNet(2), X, y.to_sparse(), epochs=1, lr=0.1)


class NoParameters(nn.Module):
    n_features = 2

    def forward(self, x):
        return x[:, :1]


def test_a_model_without_parameters_or_not_a_module_is_refused() -> None:
    X, y = data()
    with pytest.raises(ValueError, match="Invalid model: it has no parameters"):
        fit(NoParameters(), X, y, epochs=1, lr=0.1)
    with pytest.raises(TypeError, match="Invalid model"):
        fit(lambda x: x, X, y, epochs=1, lr=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs,error,name", [
    ({"bias": "1"}, TypeError, "bias"),
    ({"bias": None}, TypeError, "bias"),
    ({"weights": "ab"}, ValueError, "weights"),
    ({"weights": 3}, ValueError, "weights"),
    ({"weights": [1.0, "2"]}, ValueError, "weights"),
    ({"bias": 1e39}, ValueError, "bias"),
    ({"bias": 10**400}, ValueError, "bias"),
    ({"weights": [3e38, 3e38]}, ValueError, "overflow"),
    ({"noise": "0.1"}, TypeError, "noise"),
])
def test_make_linear_data_names_bad_arguments(kwargs, error, name) -> None:
    args = {"weights": [1.0, 2.0], **kwargs}
    with pytest.raises(error, match=name):
        make_linear_data(10, args.pop("weights"), **args)


def test_numpy_integers_are_ints_everywhere() -> None:
    X, y = make_linear_data(np.int64(16), np.array([1.5, -2.0]), np.float32(0.5), seed=np.uint8(3))
    reference = make_linear_data(16, [1.5, -2.0], 0.5, seed=3)
    assert torch.equal(X, reference[0]) and torch.equal(y, reference[1])
    a = fit(LinearNet(np.int64(2), seed=np.int32(1)), X, y, epochs=np.int64(3), lr=np.float64(0.1),
            batch_size=np.int16(4), seed=np.int64(5))
    b = fit(LinearNet(2, seed=1), X, y, epochs=3, lr=0.1, batch_size=4, seed=5)
    assert a.step_loss == b.step_loss and type(a.lr) is float
    for bad in (np.bool_(True), np.float64(2.0)):
        with pytest.raises(ValueError, match="epochs"):
            fit(LinearNet(2), X, y, epochs=bad, lr=0.1)


@pytest.mark.parametrize("name,value", [("shuffle", "no"), ("shuffle", 0), ("drop_last", "yes"), ("shuffle", None)])
def test_flags_are_bools_only(name, value) -> None:
    with pytest.raises(TypeError, match=name):
        fit(LinearNet(2), *data(), epochs=1, lr=0.1, batch_size=5, **{name: value})


def test_callbacks_must_be_a_list_of_callbacks() -> None:
    for bad in (RestoreBest("epoch_loss"), [print], "callbacks"):
        with pytest.raises(TypeError, match="callbacks"):
            fit(LinearNet(2), *data(), epochs=1, lr=0.1, callbacks=bad)  # type: ignore[arg-type]


def test_inputs_that_require_grad_get_no_grad_accumulated() -> None:
    X, y = data()
    X.requires_grad_(True)
    y.requires_grad_(True)
    history = fit(LinearNet(2), X, y, epochs=2, lr=0.1, batch_size=4, validation=(X, y))
    assert X.grad is None and y.grad is None
    assert history.step_loss == fit(LinearNet(2), X.detach(), y.detach(), epochs=2, lr=0.1, batch_size=4).step_loss


def test_an_lr_schedule_gives_the_optimizer_its_rate_back() -> None:
    X, y = data()
    model = LinearNet(2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(model, X, y, epochs=3, lr=0.1, optimizer=opt, lr_schedule=lambda e: 0.1 / e)
    assert opt.param_groups[0]["lr"] == 0.1
    history = fit(model, X, y, epochs=1, lr=0.1, optimizer=opt)  # refused before: "the optimizer's rate is 0.033"
    assert history.epoch_lr == [0.1]


def test_a_bad_scheduled_rate_late_in_a_run_leaves_model_and_optimizer_as_they_were() -> None:
    X, y = data()
    model = LinearNet(2)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    fit(model, X, y, epochs=2, lr=0.1, optimizer=opt)
    weights, state = flat_weights(model), {k: v["exp_avg"].clone() for k, v in opt.state.items()}
    with pytest.raises(ValueError, match=r"lr_schedule.*epoch 50"):
        fit(model, X, y, epochs=60, lr=0.1, optimizer=opt, lr_schedule=lambda e: -1.0 if e == 50 else 0.01)
    assert torch.equal(flat_weights(model), weights)
    assert all(torch.equal(opt.state[k]["exp_avg"], v) for k, v in state.items()) and opt.param_groups[0]["lr"] == 0.1


# -- 10. a callback that calls fit ----------------------------------------------------------------------------------
class Nested(Callback):
    def __init__(self, model, callbacks):
        self.model, self.callbacks, self.inner = model, callbacks, None

    def on_epoch_end(self, epoch, model, history):
        if epoch == 2:
            self.inner = fit(self.model, *data(), epochs=1, lr=0.1, callbacks=self.callbacks)


def test_a_nested_fit_on_the_same_model_or_callbacks_is_refused_and_releases_its_guard() -> None:
    model, snaps = LinearNet(2), WeightSnapshots()
    for inner_model, inner_callbacks in ((model, []), (LinearNet(2), [snaps])):
        with pytest.raises(ValueError, match="already training"):
            fit(model, *data(), epochs=4, lr=0.1, callbacks=[snaps, Nested(inner_model, inner_callbacks)])
    nested = Nested(LinearNet(2), [])  # another model with its own callbacks: allowed
    fit(model, *data(), epochs=3, lr=0.1, callbacks=[nested])
    assert nested.inner is not None and nested.inner.epochs_completed == 1
    assert fit(model, *data(), epochs=1, lr=0.1, callbacks=[snaps]).epochs_completed == 1  # the guard was released

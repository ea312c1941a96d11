"""fit's additions for notebooks 06-08 against oracles: hand-written torch loops, the GD closed form, set algebra."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from epochlab import (
    Callback,
    EarlyStopping,
    History,
    LinearNet,
    Progress,
    RestoreBest,
    WeightSnapshots,
    fit,
    flat_weights,
    gd_recurrence,
    make_linear_data,
    mse,
)
from epochlab.views.dashboard.engine import Segment, run_plan


def data(n: int = 40, seed: int = 0, noise: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(n, [1.5, -2.0], 0.5, noise=noise, seed=seed)


def build(name: str, model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    if name == "momentum":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=lr)


def hand_loop(
    model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, opt: torch.optim.Optimizer, *, epochs: int,
    batch_size: int, seed: int, before_epoch: Callable[[int], torch.optim.Optimizer | None] = lambda e: None,
) -> tuple[torch.optim.Optimizer, list[float]]:
    """The textbook loop; ``before_epoch(e)`` may act at the start of epoch e and return a replacement optimizer."""
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for epoch in range(1, epochs + 1):
        opt = before_epoch(epoch) or opt
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            opt.zero_grad()
            loss = F.mse_loss(model(X[batch]), y[batch])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return opt, losses


KW = dict(lr=0.02, batch_size=8, seed=4)


# -- 1. an optimizer instance: its state outlives one fit call ---------------------------------------------------
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_an_optimizer_instance_carries_its_state_into_the_next_fit(name: str) -> None:
    X, y = data()
    model, oracle = LinearNet(2, seed=1), LinearNet(2, seed=1)
    opt, oracle_opt = build(name, model, 0.02), build(name, oracle, 0.02)
    for _ in range(2):  # two calls; each call's data order restarts from its seed, as the hand loop's does
        losses = fit(model, X, y, epochs=3, optimizer=opt, **KW).step_loss  # type: ignore[arg-type]
        assert losses == hand_loop(oracle, X, y, oracle_opt, epochs=3, batch_size=8, seed=4)[1]
    assert torch.equal(flat_weights(model), flat_weights(oracle))
    # The same two calls with a name build a fresh optimizer each time: only plain SGD has no state to lose.
    by_name = LinearNet(2, seed=1)
    for _ in range(2):
        fit(by_name, X, y, epochs=3, optimizer=name, **KW)  # type: ignore[arg-type]
    assert torch.equal(flat_weights(by_name), flat_weights(model)) == (name == "sgd")


def test_an_instance_must_hold_exactly_the_models_parameters_and_its_lr() -> None:
    X, y = data()
    model = LinearNet(2)
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, X, y, epochs=1, lr=0.02, optimizer=torch.optim.SGD(LinearNet(2).parameters(), lr=0.02))
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, X, y, epochs=1, lr=0.02, optimizer=torch.optim.SGD([model.linear.weight], lr=0.02))
    with pytest.raises(ValueError, match="lr"):
        fit(model, X, y, epochs=1, lr=0.02, optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, X, y, epochs=1, lr=0.02, optimizer="rmsprop")
    assert torch.equal(flat_weights(model), flat_weights(LinearNet(2)))  # nothing ran
    # With an lr_schedule the instance's own rate does not matter: the schedule sets it before the first step.
    history = fit(model, X, y, epochs=2, lr=0.02, optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
                  lr_schedule=lambda e: 0.01)
    assert history.epoch_lr == [0.01, 0.01]


@pytest.mark.parametrize("between_epochs", ["reset", "reinit"])
@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_reset_and_reinit_clear_an_instances_state_like_a_fresh_optimizer(between_epochs: str, name: str) -> None:
    X, y = data()
    by_name, by_instance = LinearNet(2, seed=2), LinearNet(2, seed=2)
    h_name = fit(by_name, X, y, epochs=4, optimizer=name, between_epochs=between_epochs, **KW)  # type: ignore[arg-type]
    h_inst = fit(by_instance, X, y, epochs=4, optimizer=build(name, by_instance, 0.02),
                 between_epochs=between_epochs, **KW)  # type: ignore[arg-type]
    assert h_inst.step_loss == h_name.step_loss
    assert torch.equal(flat_weights(by_instance), flat_weights(by_name))
    if between_epochs == "reset":  # oracle: restore the weights and build a NEW optimizer at each later epoch
        oracle = LinearNet(2, seed=2)
        start = flat_weights(oracle)

        def fresh(epoch: int) -> torch.optim.Optimizer | None:
            if epoch == 1:
                return None
            with torch.no_grad():
                oracle.linear.weight.copy_(start[:2].reshape(1, 2))
                oracle.linear.bias.copy_(start[2:])
            return build(name, oracle, 0.02)

        assert hand_loop(oracle, X, y, build(name, oracle, 0.02), epochs=4, batch_size=8, seed=4,
                         before_epoch=fresh)[1] == h_inst.step_loss


def test_an_instance_keeps_its_state_for_the_first_epoch_then_reset_clears_it() -> None:
    X, y = data()
    model, oracle = LinearNet(2, seed=3), LinearNet(2, seed=3)
    opt, oracle_opt = build("momentum", model, 0.02), build("momentum", oracle, 0.02)
    fit(model, X, y, epochs=2, optimizer=opt, **KW)  # type: ignore[arg-type]
    hand_loop(oracle, X, y, oracle_opt, epochs=2, batch_size=8, seed=4)
    start = flat_weights(oracle)

    def reset(epoch: int) -> None:
        if epoch > 1:
            with torch.no_grad():
                oracle.linear.weight.copy_(start[:2].reshape(1, 2))
                oracle.linear.bias.copy_(start[2:])
            oracle_opt.state.clear()

    history = fit(model, X, y, epochs=3, optimizer=opt, between_epochs="reset", **KW)  # type: ignore[arg-type]
    assert history.step_loss == hand_loop(oracle, X, y, oracle_opt, epochs=3, batch_size=8, seed=4,
                                          before_epoch=reset)[1]  # type: ignore[arg-type]
    assert torch.equal(flat_weights(model), flat_weights(oracle))


# -- 2. reset_optimizer_each_epoch -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_resetting_only_the_optimizer_matches_a_new_optimizer_per_epoch(name: str) -> None:
    X, y = data()
    model, oracle, kept = LinearNet(2, seed=5), LinearNet(2, seed=5), LinearNet(2, seed=5)
    history = fit(model, X, y, epochs=5, optimizer=name, reset_optimizer_each_epoch=True, **KW)  # type: ignore[arg-type]
    oracle_losses = hand_loop(oracle, X, y, build(name, oracle, 0.02), epochs=5, batch_size=8, seed=4,
                              before_epoch=lambda e: build(name, oracle, 0.02))[1]
    assert history.step_loss == oracle_losses
    assert torch.equal(flat_weights(model), flat_weights(oracle))
    kept_history = fit(kept, X, y, epochs=5, optimizer=name, **KW)  # type: ignore[arg-type]
    # Plain SGD has no state: bit for bit the same run. Momentum and Adam lose their memory: a different run.
    same = kept_history.step_loss == history.step_loss and torch.equal(flat_weights(kept), flat_weights(model))
    assert same == (name == "sgd")
    assert kept_history.step_loss[:5] == history.step_loss[:5]  # epoch 1 (5 steps) is identical either way


def test_reset_optimizer_each_epoch_clears_an_instances_carried_state_too() -> None:
    X, y = data()
    model = LinearNet(2, seed=6)
    opt = build("adam", model, 0.02)
    fit(model, X, y, epochs=2, optimizer=opt, **KW)  # type: ignore[arg-type]
    twin, carried = LinearNet(2, seed=6), LinearNet(2, seed=6)
    twin.load_state_dict(model.state_dict())
    carried.load_state_dict(model.state_dict())
    carried_opt = build("adam", carried, 0.02)
    carried_opt.load_state_dict(opt.state_dict())
    a = fit(model, X, y, epochs=2, optimizer=opt, reset_optimizer_each_epoch=True, **KW)  # type: ignore[arg-type]
    b = fit(twin, X, y, epochs=2, optimizer="adam", reset_optimizer_each_epoch=True, **KW)  # type: ignore[arg-type]
    assert a.step_loss == b.step_loss  # a carried Adam cleared at every epoch start == a fresh one
    c = fit(carried, X, y, epochs=2, optimizer=carried_opt, **KW)  # type: ignore[arg-type]
    assert c.step_loss[1:5] != a.step_loss[1:5]  # without the flag the carried moments do change epoch 1
    with pytest.raises(ValueError, match="reset_optimizer_each_epoch"):
        fit(model, X, y, epochs=1, lr=0.02, reset_optimizer_each_epoch="yes")  # type: ignore[arg-type]


# -- 3. lr_schedule ----------------------------------------------------------------------------------------------
def test_a_schedule_equals_full_batch_gd_with_that_rate_per_epoch() -> None:
    X, y = data(n=30)
    model = LinearNet(2, seed=7)
    schedule = [0.3, 0.2, 0.1, 0.05, 0.02, 0.01]
    w = flat_weights(model).double().numpy()
    Xd, yd = X.double().numpy(), y.double().numpy()
    expected = [mse(Xd, yd, w)]
    for rate in schedule:  # one full-batch step per epoch: the GD recurrence with that epoch's rate
        w = gd_recurrence(Xd, yd, w, lr=rate, steps=1)[-1]
        expected.append(mse(Xd, yd, w))
    history = fit(model, X, y, epochs=6, lr=0.3, lr_schedule=lambda e: schedule[e - 1])
    assert history.epoch_lr == schedule
    np.testing.assert_allclose(flat_weights(model).numpy(), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.epoch_loss, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_a_schedule_continues_while_the_optimizer_state_does(name: str) -> None:
    X, y = data()
    model, oracle = LinearNet(2, seed=8), LinearNet(2, seed=8)
    oracle_opt = build(name, oracle, 0.02)
    rate = lambda e: 0.02 * 0.5 ** (e - 1)  # noqa: E731

    def set_rate(epoch: int) -> None:
        for group in oracle_opt.param_groups:
            group["lr"] = rate(epoch)

    history = fit(model, X, y, epochs=4, optimizer=name, lr_schedule=rate, **KW)  # type: ignore[arg-type]
    assert history.step_loss == hand_loop(oracle, X, y, oracle_opt, epochs=4, batch_size=8, seed=4,
                                          before_epoch=set_rate)[1]  # type: ignore[arg-type]
    assert history.epoch_lr == [rate(e) for e in range(1, 5)]
    constant = LinearNet(2, seed=8)
    plain = fit(constant, X, y, epochs=4, optimizer=name, **KW)  # type: ignore[arg-type]
    same = fit(LinearNet(2, seed=8), X, y, epochs=4, optimizer=name, lr_schedule=lambda e: 0.02, **KW)  # type: ignore[arg-type]
    assert plain.step_loss == same.step_loss and plain.epoch_lr == [0.02] * 4


@pytest.mark.parametrize("bad", [0.0, -0.1, math.nan, math.inf, "0.1", True, None])
def test_a_bad_scheduled_rate_fails_before_any_step(bad: object) -> None:
    X, y = data()
    model = LinearNet(2)
    with pytest.raises(ValueError, match=r"lr_schedule.*epoch 3"):
        fit(model, X, y, epochs=4, lr=0.1, lr_schedule=lambda e: bad if e == 3 else 0.1)  # type: ignore[arg-type,return-value]
    assert torch.equal(flat_weights(model), flat_weights(LinearNet(2)))
    with pytest.raises(ValueError, match="lr_schedule"):
        fit(model, X, y, epochs=1, lr=0.1, lr_schedule=0.1)  # type: ignore[arg-type]


def test_divergence_under_a_schedule_names_the_rate_in_force() -> None:
    X, y = data()
    with pytest.warns(RuntimeWarning, match=re.escape("lr=5")):
        history = fit(LinearNet(2), X, y, epochs=30, lr=0.01, lr_schedule=lambda e: 0.01 if e < 3 else 5.0)
    assert history.diverged and history.epoch_lr[-1] == 5.0


# -- 4. validation -----------------------------------------------------------------------------------------------
def test_val_loss_is_the_validation_mse_of_each_epoch_end_and_changes_nothing_else() -> None:
    X, y = data()
    X_val, y_val = data(n=25, seed=9)
    model, plain = LinearNet(2, seed=1), LinearNet(2, seed=1)
    snaps = WeightSnapshots(every="epoch")
    history = fit(model, X, y, epochs=5, validation=(X_val, y_val), callbacks=[snaps], **KW)  # type: ignore[arg-type]
    assert len(history.val_loss) == len(history.epoch_loss) == 6
    points = [snaps.epoch_start(1)] + [snaps.epoch_end(k) for k in range(1, 6)]
    expected = [mse(X_val.double().numpy(), y_val.double().numpy(), w.double().numpy()) for w in points]
    np.testing.assert_allclose(history.val_loss, expected, rtol=1e-5)
    without = fit(plain, X, y, epochs=5, **KW)  # type: ignore[arg-type]
    assert without.val_loss == [] and without.step_loss == history.step_loss
    assert torch.equal(flat_weights(plain), flat_weights(model))


@pytest.mark.parametrize(
    "validation",
    [
        (torch.zeros(5), torch.zeros(5, 1)),
        (torch.zeros(5, 2), torch.zeros(5)),
        (torch.zeros(5, 2), torch.zeros(4, 1)),
        (torch.zeros(0, 2), torch.zeros(0, 1)),
        (torch.zeros(5, 3), torch.zeros(5, 1)),
        (torch.zeros(5, 2, dtype=torch.float64), torch.zeros(5, 1)),
        (torch.full((5, 2), math.nan), torch.zeros(5, 1)),
        (torch.zeros(5, 2), torch.full((5, 1), math.inf)),
        (torch.zeros(5, 2),),
        torch.zeros(5, 2),
    ],
)
def test_bad_validation_data_is_rejected_naming_validation(validation: object) -> None:
    X, y = data()
    with pytest.raises(ValueError, match="validation"):
        fit(LinearNet(2), X, y, epochs=1, lr=0.1, validation=validation)  # type: ignore[arg-type]


def test_best_epoch_is_the_earliest_lowest_finite_value() -> None:
    history = History(steps_per_epoch=1, batch_size=1, n_samples=1, lr=0.1)
    history.epoch_loss = [3.0, 2.0, 1.0, 0.5]
    history.val_loss = [3.0, math.nan, 1.0, 1.0, 2.0]
    assert history.best_epoch() == 2 and history.best_epoch("epoch_loss") == 3
    with pytest.raises(ValueError, match="metric"):
        history.best_epoch("running_loss")
    with pytest.raises(ValueError, match="validation"):
        History(steps_per_epoch=1, batch_size=1, n_samples=1, lr=0.1).best_epoch()


# -- 5. callbacks: RestoreBest, EarlyStopping, Progress ----------------------------------------------------------
def overfitting_setup(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Few noisy samples, many features: the training loss keeps falling, the validation loss turns up."""
    weights = [1.0, -1.0] + [0.0] * 10
    X, y = make_linear_data(14, weights, noise=1.0, seed=seed)
    X_val, y_val = make_linear_data(300, weights, noise=1.0, seed=seed + 100)
    return X, y, X_val, y_val


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_restore_best_ends_on_the_weights_a_run_of_best_epoch_epochs_ends_on(seed: int) -> None:
    X, y, X_val, y_val = overfitting_setup(seed)
    model = LinearNet(12, seed=seed)
    best = RestoreBest()
    history = fit(model, X, y, epochs=60, lr=0.05, batch_size=7, seed=seed, validation=(X_val, y_val),
                  callbacks=[best])
    assert best.best_epoch == history.best_epoch() and 0 < best.best_epoch < 60  # the curve really turned up
    oracle = LinearNet(12, seed=seed)  # the same run, simply stopped at the best epoch
    fit(oracle, X, y, epochs=best.best_epoch, lr=0.05, batch_size=7, seed=seed)
    assert torch.equal(flat_weights(model), flat_weights(oracle))


def test_restore_best_returns_to_the_start_when_epoch_zero_is_best() -> None:
    X, y = data()
    model = LinearNet(2, seed=3)
    start = flat_weights(model)
    X_val = torch.randn(20, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y_val = model(X_val)  # validation loss 0 at the start: any training can only raise it
    best = RestoreBest()
    history = fit(model, X, y, epochs=5, validation=(X_val, y_val), callbacks=[best], **KW)  # type: ignore[arg-type]
    assert best.best_epoch == 0 and history.val_loss[0] == 0.0 and min(history.val_loss[1:]) > 0
    assert torch.equal(flat_weights(model), start)
    with pytest.raises(ValueError, match="monitor"):
        fit(model, X, y, epochs=1, lr=0.1, callbacks=[RestoreBest()])  # no validation set to monitor
    with pytest.raises(ValueError, match="monitor"):
        RestoreBest(monitor="val_acc")


def test_restore_best_on_training_loss_keeps_the_last_epoch_of_convex_full_batch_descent() -> None:
    X, y = data()
    model = LinearNet(2, seed=4)
    best = RestoreBest(monitor="epoch_loss")
    history = fit(model, X, y, epochs=10, lr=0.05, callbacks=[best])
    assert best.best_epoch == 10 and history.epoch_loss == sorted(history.epoch_loss, reverse=True)


def first_stop(values: list[float], patience: int, min_delta: float = 0.0) -> int:
    """Oracle: the first epoch ending ``patience`` epochs after the last improvement by more than min_delta."""
    best, last_improved = values[0], 0
    for epoch in range(1, len(values)):
        if values[epoch] < best - min_delta:
            best, last_improved = values[epoch], epoch
        elif epoch - last_improved >= patience:
            return epoch
    return 0


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize(("patience", "min_delta"), [(1, 0.0), (3, 0.0), (3, 0.01)])
def test_early_stopping_stops_where_the_full_run_says_and_changes_nothing_before(
    seed: int, patience: int, min_delta: float
) -> None:
    X, y, X_val, y_val = overfitting_setup(seed)
    kw = dict(lr=0.05, batch_size=7, seed=seed, validation=(X_val, y_val))
    full = fit(LinearNet(12, seed=seed), X, y, epochs=80, **kw)  # type: ignore[arg-type]
    expected = first_stop(full.val_loss, patience, min_delta)
    assert expected > 0
    stopper = EarlyStopping(patience, min_delta=min_delta)
    history = fit(LinearNet(12, seed=seed), X, y, epochs=80, callbacks=[stopper], **kw)  # type: ignore[arg-type]
    assert stopper.stopped_epoch == history.epochs_completed == expected and history.stop_requested
    assert history.step_loss == full.step_loss[: len(history.step_loss)]
    assert history.val_loss == full.val_loss[: expected + 1]


def test_early_stopping_with_restore_best_rewinds_to_the_best_epoch() -> None:
    X, y, X_val, y_val = overfitting_setup(2)
    model = LinearNet(12, seed=2)
    best, stopper = RestoreBest(), EarlyStopping(5)
    history = fit(model, X, y, epochs=200, lr=0.05, batch_size=7, seed=2, validation=(X_val, y_val),
                  callbacks=[stopper, best])
    assert history.epochs_completed == stopper.stopped_epoch == best.best_epoch + 5
    oracle = LinearNet(12, seed=2)
    fit(oracle, X, y, epochs=best.best_epoch, lr=0.05, batch_size=7, seed=2)
    assert torch.equal(flat_weights(model), flat_weights(oracle))


@pytest.mark.parametrize("bad", [{"patience": 0}, {"patience": 1.5}, {"patience": True},
                                 {"patience": 2, "min_delta": -1.0}, {"patience": 2, "monitor": "loss"}])
def test_early_stopping_rejects_bad_arguments(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(k for k in bad if k != "patience"), "patience")):
        EarlyStopping(**bad)


def test_a_stop_requested_by_any_callback_ends_fit_after_that_epoch() -> None:
    class StopAtThree(Callback):
        def on_epoch_end(self, epoch, model, history):  # type: ignore[no-untyped-def]
            history.stop_requested = epoch == 3

    X, y = data()
    history = fit(LinearNet(2), X, y, epochs=10, lr=0.05, callbacks=[StopAtThree()])
    assert history.epochs_completed == 3 and len(history.epoch_lr) == 3


def test_progress_prints_every_kth_epoch_and_the_last(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = data()
    X_val, y_val = data(n=10, seed=3)
    history = fit(LinearNet(2), X, y, epochs=7, lr=0.05, validation=(X_val, y_val), callbacks=[Progress(every=3)])
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[1]) for line in lines] == [3, 6, 7]
    loss, val = float(lines[0].split()[3]), float(lines[0].split()[5])
    assert loss == pytest.approx(history.epoch_loss[3], rel=1e-3) and val == pytest.approx(history.val_loss[3], rel=1e-3)
    assert all(line.endswith(" s") for line in lines)
    fit(LinearNet(2), X, y, epochs=2, lr=0.05, callbacks=[Progress()])
    assert "val" not in capsys.readouterr().out
    with pytest.warns(RuntimeWarning):
        fit(LinearNet(2), X, y, epochs=30, lr=50.0, callbacks=[Progress()])
    assert "diverged" in capsys.readouterr().out
    fit(LinearNet(2), X, y, epochs=9, lr=0.05, callbacks=[Progress(), EarlyStopping(1, monitor="epoch_loss",
                                                                                    min_delta=1e9)])
    assert capsys.readouterr().out.splitlines()[-1] == "stopped early after epoch 1"
    with pytest.raises(ValueError, match="every"):
        Progress(every=0)


# -- the dashboard's engine: fit's other options are refused, not ignored ------------------------------------------
def test_the_dashboard_engine_refuses_fits_other_options() -> None:
    X, y = data()
    w0 = flat_weights(LinearNet(2, bias=False)).numpy()
    plan = [Segment(1, 0.05, 8, "keep", True, 3)]
    run = run_plan(X, y, w0, plan, epochs=3, seed=0)
    fitted = fit(LinearNet(2, bias=False), X, y, epochs=3, lr=0.05, batch_size=8)
    np.testing.assert_allclose(run.epoch_loss, fitted.epoch_loss, rtol=1e-5)
    for option in [{"optimizer": "momentum"}, {"lr_schedule": lambda e: 0.1}, {"validation": (X, y)},
                   {"reset_optimizer_each_epoch": True}, {"callbacks": [Progress()]}]:
        with pytest.raises(TypeError, match=next(iter(option))):
            run_plan(X, y, w0, plan, epochs=1, seed=0, **option)  # type: ignore[call-arg]


def test_make_optimizer_stays_importable_from_train() -> None:
    from epochlab.optim import make_optimizer
    from epochlab.optim import make_optimizer as moved

    assert make_optimizer is moved


def test_progress_bar_ticks_once_per_epoch_and_shows_the_loss(capsys: pytest.CaptureFixture[str]) -> None:
    from epochlab import ProgressBar

    X, y = data()
    bar = ProgressBar(5, description="training")
    history = fit(LinearNet(2), X, y, epochs=5, lr=0.05, callbacks=[bar])
    err = capsys.readouterr().err  # outside Jupyter tqdm.auto writes a text bar to stderr
    assert "training" in err and "5/5" in err and f"loss={history.epoch_loss[-1]:.4g}" in err
    with pytest.warns(RuntimeWarning):
        fit(LinearNet(2), X, y, epochs=30, lr=50.0, callbacks=[ProgressBar()])
    assert "diverged in epoch" in capsys.readouterr().err
    with pytest.raises(ValueError, match="total"):
        ProgressBar(0)
    with pytest.raises(TypeError, match="description"):
        ProgressBar(description=3)  # type: ignore[arg-type]

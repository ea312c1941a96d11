"""``fit`` and ``train_point_by_point`` against oracles: a hand-written torch loop, float64 numpy, lstsq."""

from __future__ import annotations

import math
import re

import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from epochlab import (
    Callback,
    DeepLinearNet,
    LinearNet,
    WeightSnapshots,
    fit,
    flat_weights,
    gd_recurrence,
    iterations_per_epoch,
    lr_threshold,
    make_linear_data,
    make_series_data,
    train_point_by_point,
)
from epochlab.views import plots

matplotlib.use("Agg")


def data(n: int = 37, noise: float = 0.1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(n, [1.5, -2.0], 0.5, noise=noise, seed=seed)


def canonical_loop(model, X, y, *, epochs, lr, batch_size, shuffle, seed, optimizer, drop_last):
    """The textbook PyTorch loop, written out by hand; returns every mini-batch loss."""
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    elif optimizer == "momentum":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    n = len(X)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            if drop_last and len(batch) < batch_size:
                break
            opt.zero_grad()
            loss = F.mse_loss(model(X[batch]), y[batch])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (5, False), (5, True), (8, True), (37, False), (36, True)])
def test_fit_equals_the_canonical_loop(optimizer, shuffle, batch_size, drop_last) -> None:
    X, y = data()
    model = LinearNet(2, seed=3)
    reference = torch.nn.Linear(2, 1)
    with torch.no_grad():
        reference.weight.copy_(model.linear.weight)
        reference.bias.copy_(model.linear.bias)
    lr = 0.01 if optimizer == "adam" else 0.05
    kwargs = dict(epochs=4, lr=lr, batch_size=batch_size, shuffle=shuffle, seed=11, optimizer=optimizer,
                  drop_last=drop_last)
    history = fit(model, X, y, **kwargs)
    expected_losses = canonical_loop(reference, X, y, **kwargs)
    assert history.step_loss == expected_losses
    expected = torch.cat([reference.weight.detach().reshape(-1), reference.bias.detach()])
    assert torch.equal(flat_weights(model), expected), (flat_weights(model), expected)


@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-5), (torch.float64, 1e-12)])
@pytest.mark.parametrize("bias", [True, False])
def test_full_batch_fit_is_the_gd_recurrence(dtype, tol, bias) -> None:
    X, y = data(n=40)
    X, y = X.to(dtype), y.to(dtype)
    model = LinearNet(2, bias=bias, seed=5).to(dtype)
    w0 = flat_weights(model).double().numpy()
    lr, steps = 0.4 * lr_threshold(X, bias=bias), 60
    snaps = WeightSnapshots(every="step")
    fit(model, X, y, epochs=steps, lr=lr, callbacks=[snaps])
    after_steps = [w for w, kind in zip(snaps.weights, snaps.kinds) if kind == "step"]
    path = torch.stack([snaps.epoch_start(1), *after_steps]).double().numpy()

    # An independent hand-written float64 recurrence, w <- w - lr (2/N) Xa^T (Xa w - y).
    Xa = X.double().numpy()
    if bias:
        Xa = np.hstack([Xa, np.ones((len(Xa), 1))])
    target = y.double().numpy()[:, 0]
    w, by_hand = w0.copy(), [w0.copy()]
    for _ in range(steps):
        w = w - lr * (2.0 / len(Xa)) * (Xa.T @ (Xa @ w - target))
        by_hand.append(w.copy())
    by_hand = np.array(by_hand)

    np.testing.assert_allclose(gd_recurrence(X, y, w0, lr=lr, steps=steps, bias=bias), by_hand, rtol=0, atol=1e-12)
    np.testing.assert_allclose(path, by_hand, rtol=0, atol=tol)


def test_long_training_reaches_the_least_squares_solution() -> None:
    X, y = data(n=64, noise=0.3, seed=2)
    model = LinearNet(2, seed=1)
    fit(model, X, y, epochs=400, lr=0.5 * lr_threshold(X))
    design = np.hstack([X.double().numpy(), np.ones((64, 1))])
    solution, *_ = np.linalg.lstsq(design, y.double().numpy()[:, 0], rcond=None)
    np.testing.assert_allclose(flat_weights(model).double().numpy(), solution, atol=1e-5)


@pytest.mark.parametrize("shuffle", [False, True])
def test_three_epochs_then_two_equals_five(shuffle) -> None:
    X, y = data()
    once, twice = LinearNet(2, seed=4), LinearNet(2, seed=4)
    h5 = fit(once, X, y, epochs=5, lr=0.1, shuffle=shuffle)
    h3 = fit(twice, X, y, epochs=3, lr=0.1, shuffle=shuffle)
    h2 = fit(twice, X, y, epochs=2, lr=0.1, shuffle=shuffle)
    if shuffle:  # full batch: the order only changes the summation order inside the mean
        torch.testing.assert_close(flat_weights(twice), flat_weights(once), rtol=0, atol=1e-6)
        np.testing.assert_allclose(h3.epoch_loss + h2.epoch_loss[1:], h5.epoch_loss, rtol=1e-5)
    else:
        assert torch.equal(flat_weights(twice), flat_weights(once))
        assert h3.epoch_loss + h2.epoch_loss[1:] == h5.epoch_loss
        assert h3.step_loss + h2.step_loss == h5.step_loss


def test_second_fit_starts_where_the_first_ended() -> None:
    X, y = data()
    model = LinearNet(2, seed=0)
    h1 = fit(model, X, y, epochs=3, lr=0.05, batch_size=4)
    h2 = fit(model, X, y, epochs=1, lr=0.05, batch_size=4)
    assert h2.epoch_loss[0] == h1.epoch_loss[-1]


def test_step_counts_for_many_sizes() -> None:
    for n in (1, 2, 3, 5, 7, 16, 17, 31, 32, 33, 50):
        X, y = data(n=n)
        for b in sorted({1, 2, 3, 4, 7, 8, 16, n - 1, n} & set(range(1, n + 1))):
            for drop_last in (False, True):
                expected = n // b if drop_last else math.ceil(n / b)
                assert iterations_per_epoch(n, b, drop_last=drop_last) == expected
                history = fit(LinearNet(2), X, y, epochs=2, lr=0.01, batch_size=b, drop_last=drop_last)
                where = (n, b, drop_last)
                assert history.steps_per_epoch == expected, where
                assert len(history.step_loss) == 2 * expected, where
                assert len(history.epoch_loss) == 3 and len(history.running_loss) == 2, where
                seen = history.samples_seen()
                assert seen[-1] == 2 * (expected * b if drop_last else n), where
                assert all(a < b_ for a, b_ in zip(seen, seen[1:])), where
                assert history.step_epochs()[-1] == 2.0, where


def test_same_seed_same_history_different_seed_differs() -> None:
    X, y = data()
    runs = []
    for seed in (0, 0, 1):
        snaps = WeightSnapshots(every="step")
        history = fit(LinearNet(2, seed=seed), X, y, epochs=3, lr=0.05, batch_size=5, seed=seed, callbacks=[snaps])
        runs.append((history, snaps))
    (h0, s0), (h0b, s0b), (h1, s1) = runs
    assert h0 == h0b and torch.equal(s0.weights, s0b.weights)
    assert h0.step_loss != h1.step_loss and not torch.equal(s0.weights, s1.weights)
    # Only the data order differs: same model seed, different fit seed.
    a = fit(LinearNet(2), X, y, epochs=1, lr=0.05, batch_size=5, seed=0)
    b = fit(LinearNet(2), X, y, epochs=1, lr=0.05, batch_size=5, seed=1)
    assert a.step_loss != b.step_loss


def test_training_never_touches_the_global_rng() -> None:
    X, y = data()
    models = [(mode, LinearNet(2), DeepLinearNet(2, seed=2)) for mode in ("keep", "reset", "reinit")]
    series_net, series = LinearNet(2, bias=False), make_series_data(6)
    torch.manual_seed(1234)
    expected_next = torch.rand(5)
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    for mode, linear, deep in models:
        fit(linear, X, y, epochs=3, lr=0.05, batch_size=4, between_epochs=mode)
        fit(deep, X, y, epochs=2, lr=0.05, batch_size=4, between_epochs=mode)
    train_point_by_point(series_net, *series, steps_per_point=3, lr=0.05, epochs=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.random.initial_seed() == 1234
    assert torch.equal(torch.rand(5), expected_next)


def test_divergence_stops_warns_and_plots() -> None:
    X, y = data(n=32)
    lr = 12.5
    assert lr > 20 * lr_threshold(X)
    for batch_size in (None, 4):
        with pytest.warns(RuntimeWarning, match=re.escape(f"lr={lr:g}")) as record:
            history = fit(LinearNet(2), X, y, epochs=200, lr=lr, batch_size=batch_size)
        assert record[0].filename == __file__, "the warning should point at the caller's line"
        assert history.diverged
        assert len(history.epoch_loss) < 201
        assert all(math.isfinite(v) for v in history.epoch_loss)
        assert len(history.step_loss) < 200 * history.steps_per_epoch
        assert not math.isfinite(history.step_loss[-1]) or len(history.step_loss) % history.steps_per_epoch == 0
        for x in ("iteration", "epoch", "samples"):
            plots.plot_step_loss(history, x=x)
        plots.plot_epoch_loss(history)
        matplotlib.pyplot.close("all")


def test_converging_run_does_not_warn(recwarn) -> None:
    X, y = data()
    history = fit(LinearNet(2), X, y, epochs=20, lr=0.5 * lr_threshold(X))
    assert not history.diverged and not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def bad_fit_cases():
    X, y = data(n=10)
    good = dict(epochs=1, lr=0.1)
    nan_X, inf_y = X.clone(), y.clone()
    nan_X[3, 1] = float("nan")
    inf_y[2, 0] = float("inf")
    return [
        ("lr", X, y, {**good, "lr": 0.0}),
        ("lr", X, y, {**good, "lr": -0.1}),
        ("lr", X, y, {**good, "lr": float("nan")}),
        ("lr", X, y, {**good, "lr": float("inf")}),
        ("lr", X, y, {**good, "lr": True}),
        ("epochs", X, y, {**good, "epochs": -1}),
        ("epochs", X, y, {**good, "epochs": 2.0}),
        ("batch_size", X, y, {**good, "batch_size": 0}),
        ("batch_size", X, y, {**good, "batch_size": 11}),
        ("batch_size", X, y, {**good, "batch_size": 2.5}),
        ("X, y", X, y[:9], good),
        ("X", X[:, :1], y, good),
        ("X", X[:, 0], y, good),
        ("y", X, y[:, 0], good),
        ("y", X, torch.cat([y, y], dim=1), good),
        ("X", nan_X, y, good),
        ("y", X, inf_y, good),
        ("X", X.double(), y, good),
        ("y", X, y.double(), good),
        ("X", X[:0], y[:0], good),
        ("between_epochs", X, y, {**good, "between_epochs": "restart"}),
        ("optimizer", X, y, {**good, "optimizer": "rmsprop"}),
        ("seed", X, y, {**good, "seed": 1.5}),
    ]


@pytest.mark.parametrize("name,X,y,kwargs", bad_fit_cases())
def test_bad_fit_arguments_raise_value_error_naming_them(name, X, y, kwargs) -> None:
    with pytest.raises(ValueError, match=re.escape(name)):
        fit(LinearNet(2), X, y, **kwargs)


@pytest.mark.parametrize("steps_per_point", [0, -1, 1.5, True])
def test_bad_steps_per_point(steps_per_point) -> None:
    with pytest.raises(ValueError, match="steps_per_point"):
        train_point_by_point(LinearNet(2, bias=False), *make_series_data(5), steps_per_point=steps_per_point, lr=0.1)


class InnerLoopEnds(Callback):
    """Weights after the last step spent on each point."""

    def __init__(self, steps_per_point: int):
        self.steps_per_point, self.after = steps_per_point, []

    def on_step_end(self, step, model, history):
        if step % self.steps_per_point == 0:
            self.after.append(flat_weights(model).double())


def test_point_by_point_projects_onto_each_points_solution_line() -> None:
    X, y = make_series_data(6, noise=0.05, seed=3)  # later points of the damped series are tiny: slow
    model = LinearNet(2, bias=False, seed=2)
    start = flat_weights(model).double()
    # Each point alone is a 1-D quadratic along x_i with curvature 2|x_i|^2: the distance to its solution
    # line shrinks by |1 - 2 lr |x_i|^2| per step, so pick lr stable for the largest point and enough
    # steps for the smallest to converge to float32 precision.
    norms = (X.double() ** 2).sum(dim=1)
    lr = 0.4 / float(norms.max())
    spp = math.ceil(math.log(1e-9) / math.log(1 - 2 * lr * float(norms.min())))
    assert spp < 2000
    ends = InnerLoopEnds(spp)
    history = train_point_by_point(model, X, y, steps_per_point=spp, lr=lr, callbacks=[ends])
    assert len(ends.after) == len(X)
    previous = start
    for x, target, after in zip(X.double(), y.double()[:, 0], ends.after):
        projection = previous + x * (target - x @ previous) / (x @ x)
        torch.testing.assert_close(after, projection, rtol=0, atol=1e-5)
        assert abs(float(x @ after - target)) < 1e-5
        previous = after
    last_loss = F.mse_loss(model(X[-1:]), y[-1:]).item()
    assert last_loss < 1e-9
    assert len(history.step_loss) == len(X) * spp and history.steps_per_epoch == len(X) * spp
    assert len(history.epoch_loss) == 2 and len(history.running_loss) == 1


def test_point_by_point_history_shapes_match_fit() -> None:
    X, y = make_series_data(6)
    history = train_point_by_point(LinearNet(2, bias=False), X, y, steps_per_point=3, lr=0.01, epochs=4)
    assert len(history.step_loss) == 4 * 6 * 3
    assert len(history.epoch_loss) == 5 and len(history.running_loss) == 4
    assert history.step_epochs()[-1] == 4.0


def test_numpy_scalar_learning_rate_is_accepted() -> None:


    X, y = make_linear_data(8, [1.0], seed=0)
    a = fit(LinearNet(1), X, y, epochs=2, lr=np.float32(0.1))
    b = fit(LinearNet(1), X, y, epochs=2, lr=float(np.float32(0.1)))
    assert a.epoch_loss == b.epoch_loss

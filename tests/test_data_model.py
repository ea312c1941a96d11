"""Data generators, mini-batch indexing and the models, against closed forms and fresh generators."""

from __future__ import annotations

import math

import pytest
import torch

from epochlab import (
    DeepLinearNet,
    LinearNet,
    epoch_batches,
    flat_weights,
    iterations_per_epoch,
    make_generator,
    make_linear_data,
    make_series_data,
    reinitialize,
    set_flat_weights,
)


def test_linear_data_is_the_stated_formula() -> None:
    X, y = make_linear_data(50, [1.5, -2.0, 0.25], 0.75, seed=3)
    assert X.shape == (50, 3) and y.shape == (50, 1) and X.dtype == y.dtype == torch.float32
    expected = X.double() @ torch.tensor([[1.5], [-2.0], [0.25]], dtype=torch.float64) + 0.75
    torch.testing.assert_close(y.double(), expected, rtol=0, atol=1e-5)
    assert torch.equal(X, torch.randn(50, 3, generator=torch.Generator().manual_seed(3)))


def test_linear_data_noise_and_seeds() -> None:
    X, y = make_linear_data(4000, [1.0, 2.0], noise=0.5, seed=1)
    residual = y - X @ torch.tensor([[1.0], [2.0]])
    assert abs(residual.std().item() - 0.5) < 0.05 and abs(residual.mean().item()) < 0.05
    again = make_linear_data(4000, [1.0, 2.0], noise=0.5, seed=1)
    other = make_linear_data(4000, [1.0, 2.0], noise=0.5, seed=2)
    assert torch.equal(again[0], X) and torch.equal(again[1], y)
    assert not torch.equal(other[0], X)


def test_series_data_follows_its_recurrence() -> None:
    for seed in range(4):
        X, y = make_series_data(12, seed=seed)
        assert X.shape == (12, 2) and y.shape == (12, 1)
        assert torch.equal(X[1:, 0], X[:-1, 1]) and torch.equal(X[1:, 1], y[:-1, 0])  # one series, shifted
        torch.testing.assert_close(y[:, 0], 1.2 * X[:, 1] - 0.5 * X[:, 0], rtol=0, atol=1e-6)
    noisy, clean = make_series_data(12, noise=0.1, seed=0), make_series_data(12, seed=0)
    assert torch.equal(noisy[0], clean[0]) and not torch.equal(noisy[1], clean[1])


def test_generators_never_touch_the_global_rng() -> None:
    plain = torch.nn.Linear(2, 1)  # torch's own constructor does draw from the global RNG
    torch.manual_seed(99)
    state = torch.get_rng_state()
    make_linear_data(20, [1.0, 2.0], 0.5, noise=0.3, seed=4)
    make_series_data(10, noise=0.2, seed=4)
    LinearNet(3, seed=4)
    LinearNet(3, 2, bias=False, seed=5)
    DeepLinearNet(3, hidden=2, seed=4)
    reinitialize(LinearNet(2), make_generator(1))
    reinitialize(plain, make_generator(1))
    epoch_batches(10, 3, shuffle=True, generator=make_generator(0))
    assert torch.equal(torch.get_rng_state(), state) and torch.random.initial_seed() == 99


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": -3}, "n_samples"),
        ({"n_samples": 2.0}, "n_samples"),
        ({"n_samples": True}, "n_samples"),
        ({"weights": []}, "weights"),
        ({"weights": [1.0, float("nan")]}, "weights"),
        ({"weights": [[1.0, 2.0]]}, "weights"),
        ({"bias": float("nan")}, "bias"),
        ({"bias": float("inf")}, "bias"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
    ],
)
def test_make_linear_data_bad_arguments(kwargs, name) -> None:
    args = {"n_samples": 10, "weights": [1.0, 2.0], **kwargs}
    with pytest.raises(ValueError, match=name):
        make_linear_data(args.pop("n_samples"), args.pop("weights"), **args)


@pytest.mark.parametrize("kwargs,name", [({"n_points": 1}, "n_points"), ({"noise": -1.0}, "noise")])
def test_make_series_data_bad_arguments(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        make_series_data(**{"n_points": 5, **kwargs})


def test_iterations_per_epoch_grid() -> None:
    for n in range(1, 40):
        for b in range(1, n + 1):
            assert iterations_per_epoch(n, b) == -(-n // b) == math.ceil(n / b)
            assert iterations_per_epoch(n, b, drop_last=True) == n // b
    for n, b, name in ((0, 1, "n_samples"), (5, 0, "batch_size"), (5, 6, "batch_size")):
        with pytest.raises(ValueError, match=name):
            iterations_per_epoch(n, b)


@pytest.mark.parametrize("n,b", [(1, 1), (10, 3), (10, 5), (17, 4), (16, 16)])
def test_epoch_batches_partition_the_data(n, b) -> None:
    ordered = epoch_batches(n, b, shuffle=False, generator=make_generator(0))
    assert torch.equal(torch.cat(ordered), torch.arange(n))
    batches = epoch_batches(n, b, shuffle=True, generator=make_generator(7))
    assert torch.equal(torch.cat(batches), torch.randperm(n, generator=torch.Generator().manual_seed(7)))
    assert [len(batch) for batch in batches] == [b] * (n // b) + ([n % b] if n % b else [])
    dropped = epoch_batches(n, b, shuffle=True, generator=make_generator(7), drop_last=True)
    assert len(dropped) == n // b and all(len(batch) == b for batch in dropped)
    assert [batch.tolist() for batch in dropped] == [batch.tolist() for batch in batches[: n // b]]


def test_epoch_batches_reshuffle_every_epoch() -> None:
    generator = make_generator(0)
    first, second = (torch.cat(epoch_batches(20, 4, shuffle=True, generator=generator)) for _ in range(2))
    assert not torch.equal(first, second)
    assert torch.equal(first.sort().values, second.sort().values)


def test_linear_net_forward_and_initialisation() -> None:
    model = LinearNet(3, seed=5)
    W, b = model.linear.weight.detach(), model.linear.bias.detach()
    x = torch.randn(8, 3, generator=make_generator(0))
    torch.testing.assert_close(model(x), x @ W.T + b)
    bound = 1 / math.sqrt(3)
    assert (W.abs() <= bound).all() and (b.abs() <= bound).all()
    assert torch.equal(flat_weights(model), torch.cat([W.reshape(-1), b]))  # weight first, then bias
    assert torch.equal(flat_weights(LinearNet(3, seed=5)), flat_weights(model))
    assert not torch.equal(flat_weights(LinearNet(3, seed=6)), flat_weights(model))
    assert flat_weights(LinearNet(3, bias=False)).shape == (3,)
    assert LinearNet(3, 2, seed=1)(x).shape == (8, 2)


def test_deep_linear_net_forward_and_seeds() -> None:
    model = DeepLinearNet(3, hidden=2, seed=4)
    W1, w2 = model.first.weight.detach(), model.second.weight.detach()
    assert W1.shape == (2, 3) and w2.shape == (1, 2)
    x = torch.randn(6, 3, generator=make_generator(1))
    torch.testing.assert_close(model(x), x @ W1.T @ w2.T)
    assert torch.equal(flat_weights(DeepLinearNet(3, hidden=2, seed=4)), flat_weights(model))
    assert not torch.equal(flat_weights(DeepLinearNet(3, hidden=2, seed=5)), flat_weights(model))
    mirrored = DeepLinearNet(3, hidden=2, seed=4)
    set_flat_weights(mirrored, -flat_weights(model))
    torch.testing.assert_close(mirrored(x), model(x))  # (W1, w2) and (-W1, -w2): the same function


@pytest.mark.parametrize(
    "build,name",
    [
        (lambda: LinearNet(0), "n_features"),
        (lambda: LinearNet(True), "n_features"),
        (lambda: LinearNet(2.0), "n_features"),
        (lambda: LinearNet(2, 0), "n_outputs"),
        (lambda: LinearNet(2, seed=0.5), "seed"),
        (lambda: DeepLinearNet(0), "n_features"),
        (lambda: DeepLinearNet(2, hidden=0), "hidden"),
    ],
)
def test_model_bad_arguments(build, name) -> None:
    with pytest.raises(ValueError, match=name):
        build()


def test_flat_weights_is_a_copy_and_set_flat_weights_round_trips() -> None:
    model = LinearNet(2, seed=1)
    before = flat_weights(model)
    with torch.no_grad():
        model.linear.weight.mul_(3.0)
    assert not torch.equal(flat_weights(model), before)
    assert not before.requires_grad
    set_flat_weights(model, before)
    assert torch.equal(flat_weights(model), before)
    before[0] = 123.0  # the model does not share the vector's storage
    assert flat_weights(model)[0] != 123.0
    set_flat_weights(model, [0.5, -0.5, 2.0])
    assert flat_weights(model).tolist() == [0.5, -0.5, 2.0]
    single = LinearNet(2, bias=False)  # one parameter tensor: the copy must not be a view of it
    vector = flat_weights(single)
    with torch.no_grad():
        single.linear.weight.add_(1.0)
    assert torch.equal(flat_weights(single), vector + 1.0)


@pytest.mark.parametrize("weights", [torch.zeros(2), torch.zeros(4), torch.zeros(1, 3), torch.zeros(())])
def test_set_flat_weights_wrong_size(weights) -> None:
    with pytest.raises(ValueError, match="weights"):
        set_flat_weights(LinearNet(2), weights)


def test_reinitialize_is_a_fresh_draw_from_the_generator() -> None:
    model = LinearNet(2, seed=0)
    reinitialize(model, make_generator(5))
    assert torch.equal(flat_weights(model), flat_weights(LinearNet(2, seed=5)))
    plain = torch.nn.Linear(2, 1)
    reinitialize(plain, make_generator(5))
    first = flat_weights(plain)
    reinitialize(plain, make_generator(5))
    assert torch.equal(flat_weights(plain), first)

"""MLP, the digits split and ``fit(loss="cross_entropy")`` against oracles: a hand-written torch loop, nn.Linear."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from epochlab import MLP, WeightSnapshots, accuracy, fit, flat_weights, load_digits_split, reinitialize
from epochlab.digits import N_DIGITS


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(200, 100, seed=3)


def test_mlp_init_is_a_function_of_the_seed_and_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, b, c = MLP(64, [16, 8], 10, seed=5), MLP(64, [16, 8], 10, seed=5), MLP(64, [16, 8], 10, seed=6)
    assert torch.equal(torch.get_rng_state(), before), "building an MLP drew from torch's global RNG"
    assert torch.equal(flat_weights(a), flat_weights(b))
    assert not torch.equal(flat_weights(a), flat_weights(c))
    assert [p.shape for p in a.parameters()] == [(16, 64), (16,), (8, 16), (8,), (10, 8), (10,)]


def test_mlp_init_bounds_match_nn_linear_and_forward_matches_a_sequential() -> None:
    net = MLP(64, 32, 10, activation="tanh", seed=0)
    for layer in net.layers:
        bound = 1 / layer.in_features**0.5
        assert all(p.abs().max() <= bound for p in (layer.weight, layer.bias))
    oracle = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))
    oracle.load_state_dict({k.replace("layers.", "").replace("1.", "2.", 1) if k.startswith("layers.1") else
                            k.replace("layers.", ""): v for k, v in net.state_dict().items()})
    x = torch.rand(5, 64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(net(x), oracle(x))


def test_mlp_reset_parameters_from_a_generator_equals_a_fresh_net() -> None:
    net = MLP(8, 4, 3, seed=9)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    reinitialize(net, torch.Generator().manual_seed(9))
    assert torch.equal(flat_weights(net), flat_weights(MLP(8, 4, 3, seed=9)))


@pytest.mark.parametrize(
    "kwargs, name",
    [({"n_in": 0}, "n_in"), ({"hidden": 0}, "hidden"), ({"hidden": []}, "hidden"), ({"hidden": "8"}, "hidden"),
     ({"n_out": 0}, "n_out"), ({"activation": "sigmoid"}, "activation"), ({"seed": 1.5}, "seed")],
)
def test_mlp_bad_arguments_name_the_argument(kwargs, name) -> None:
    args = {"n_in": 4, "hidden": 3, "n_out": 2, **kwargs}
    with pytest.raises(ValueError, match=f"Invalid {name}"):
        MLP(args.pop("n_in"), args.pop("hidden"), args.pop("n_out"), **args)


def test_digits_split_sizes_dtypes_ranges_and_disjointness(digits) -> None:
    assert digits.X_train.shape == (200, 64) and digits.X_val.shape == (100, 64)
    assert digits.X_train.dtype == torch.float32 and digits.y_train.dtype == torch.int64
    assert digits.y_train.shape == (200,) and digits.y_val.shape == (100,)
    for X in (digits.X_train, digits.X_val):
        assert X.min() >= 0 and X.max() <= 1 and X.max() == 1
    assert not set(digits.train_index.tolist()) & set(digits.val_index.tolist())
    raw = load_digits()
    assert np.array_equal(digits.X_train.numpy(), (raw.data[digits.train_index.numpy()] / 16).astype(np.float32))
    assert np.array_equal(digits.y_val.numpy(), raw.target[digits.val_index.numpy()])
    assert digits.images("val").shape == (100, 8, 8)
    assert torch.equal(digits.images("train")[0].reshape(-1), digits.X_train[0])


def test_digits_default_split_uses_every_image_once_and_depends_on_the_seed() -> None:
    full = load_digits_split(seed=0)
    assert len(full.X_train) + len(full.X_val) == N_DIGITS == 1797
    assert sorted(full.train_index.tolist() + full.val_index.tolist()) == list(range(N_DIGITS))
    assert torch.equal(full.val_index, load_digits_split(seed=0).val_index)
    assert not torch.equal(full.val_index, load_digits_split(seed=1).val_index)


@pytest.mark.parametrize("kwargs, name", [({"n_val": 0}, "n_val"), ({"n_train": 1797}, "n_train"),
                                          ({"n_train": 0}, "n_train"), ({"seed": "0"}, "seed")])
def test_digits_bad_arguments(kwargs, name) -> None:
    with pytest.raises(ValueError, match=f"Invalid {name}"):
        load_digits_split(**kwargs)
    with pytest.raises(ValueError, match="Invalid split"):
        load_digits_split(10, 10).images("test")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_fit_cross_entropy_equals_the_canonical_loop_bit_for_bit(digits, optimizer) -> None:
    X, y = digits.X_train, digits.y_train
    net, oracle = MLP(64, 16, 10, seed=1), MLP(64, 16, 10, seed=1)
    history = fit(net, X, y, epochs=3, lr=0.05, batch_size=32, seed=4, optimizer=optimizer, loss="cross_entropy")
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=0.05), "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
           "adam": lambda p: torch.optim.Adam(p, lr=0.05)}[optimizer](oracle.parameters())
    generator, losses = torch.Generator().manual_seed(4), []
    for _ in range(3):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), 32):
            batch = order[start : start + 32]
            opt.zero_grad()
            loss = F.cross_entropy(oracle(X[batch]), y[batch])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert torch.equal(flat_weights(net), flat_weights(oracle))
    assert history.step_loss == losses


def test_fit_cross_entropy_records_loss_and_accuracy_per_epoch(digits) -> None:
    net = MLP(64, 16, 10, seed=2)
    val = (digits.X_val, digits.y_val)
    history = fit(net, digits.X_train, digits.y_train, epochs=4, lr=0.5, batch_size=20, loss="cross_entropy",
                  validation=val)
    assert len(history.epoch_accuracy) == len(history.val_accuracy) == len(history.epoch_loss) == 5
    assert history.epoch_accuracy[-1] == accuracy(net, digits.X_train, digits.y_train)
    assert history.val_accuracy[-1] == accuracy(net, *val)
    with torch.no_grad():
        assert history.val_loss[-1] == F.cross_entropy(net(digits.X_val), digits.y_val).item()
    assert history.epoch_accuracy[-1] > 0.5 > 0.3 > history.epoch_accuracy[0]  # chance is 0.1


def test_fit_mse_records_no_accuracy() -> None:
    X = torch.rand(10, 3, generator=torch.Generator().manual_seed(0))
    history = fit(MLP(3, 4, 1), X, X.sum(1, keepdim=True), epochs=2, lr=0.1)
    assert history.epoch_accuracy == [] and history.val_accuracy == []


def test_notebook_02_proof_on_the_mlp(digits) -> None:
    """End of epoch k == start of epoch k+1, bit for bit, and the net initialised exactly once."""
    net = MLP(64, [16, 16], 10, seed=0)
    snaps = WeightSnapshots()
    fit(net, digits.X_train, digits.y_train, epochs=3, lr=0.1, batch_size=50, loss="cross_entropy",
        optimizer="momentum", callbacks=[snaps])
    for k in (1, 2):
        assert torch.equal(snaps.epoch_end(k), snaps.epoch_start(k + 1)), f"the weights changed between epochs {k}, {k + 1}"
    assert torch.equal(snaps.epoch_start(1), flat_weights(MLP(64, [16, 16], 10, seed=0)))
    assert not torch.equal(snaps.epoch_end(1), snaps.epoch_end(3))


@pytest.mark.parametrize(
    "y, match",
    [(torch.zeros(200, 1), "Invalid y: expected class labels"), (torch.zeros(200, dtype=torch.int32), "int64"),
     (torch.full((200,), 10), "labels must lie in 0..9"), (torch.zeros(199, dtype=torch.int64), "Invalid X, y")],
)
def test_fit_cross_entropy_bad_labels(digits, y, match) -> None:
    with pytest.raises(ValueError, match=match):
        fit(MLP(64, 4, 10), digits.X_train, y, epochs=1, lr=0.1, loss="cross_entropy")


def test_fit_bad_loss_and_bad_validation_labels(digits) -> None:
    with pytest.raises(ValueError, match="Invalid loss"):
        fit(MLP(64, 4, 10), digits.X_train, digits.y_train, epochs=1, lr=0.1, loss="hinge")
    with pytest.raises(ValueError, match="Invalid validation y"):
        fit(MLP(64, 4, 10), digits.X_train, digits.y_train, epochs=1, lr=0.1, loss="cross_entropy",
            validation=(digits.X_val, digits.y_val.float()))


def test_fit_reinit_and_reset_modes_work_on_the_mlp(digits) -> None:
    from epochlab.train import reinit_generator

    snaps = WeightSnapshots()
    fit(MLP(64, 8, 10, seed=3), digits.X_train, digits.y_train, epochs=3, lr=0.1, batch_size=50, seed=3,
        loss="cross_entropy", between_epochs="reinit", callbacks=[snaps])
    generator, oracle = reinit_generator(3), MLP(64, 8, 10, seed=0)
    for k in (2, 3):
        reinitialize(oracle, generator)  # fit draws epoch k's fresh weights from this one stream
        assert torch.equal(snaps.epoch_start(k), flat_weights(oracle))
    reset = WeightSnapshots()
    fit(MLP(64, 8, 10, seed=3), digits.X_train, digits.y_train, epochs=2, lr=0.1, batch_size=50, loss="cross_entropy",
        between_epochs="reset", callbacks=[reset])
    assert torch.equal(reset.epoch_start(2), flat_weights(MLP(64, 8, 10, seed=3)))

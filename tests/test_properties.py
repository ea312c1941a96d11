"""Property-based tests (hypothesis, bounded for CI): fit's argument space and damaged snapshot files."""

from __future__ import annotations

import math
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from epochlab import LinearNet, WeightSnapshots, fit, make_linear_data

X, Y = make_linear_data(10, [1.0, -1.0], 0.2, noise=0.1, seed=0)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOOD = {  # argument -> strategy of values fit must accept
    "epochs": st.integers(0, 4) | st.sampled_from([np.int64(2), np.uint8(1)]),
    "lr": st.floats(1e-6, 0.5) | st.sampled_from([np.float32(0.1), 1, np.int64(1)]),
    "batch_size": st.none() | st.integers(1, 10) | st.just(np.int32(3)),
    "shuffle": st.booleans(),
    "seed": st.integers(0, 2**64 - 1) | st.just(np.uint64(2**64 - 1)),
    "optimizer": st.sampled_from(["sgd", "momentum", "adam"]),
    "between_epochs": st.sampled_from(["keep", "reset", "reinit"]),
    "drop_last": st.booleans(),
    "reset_optimizer_each_epoch": st.booleans(),
}
ANYTHING = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.binary(max_size=2), st.lists(st.integers(), max_size=2),
                     st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70), st.just(10**400),
                     st.just(np.bool_(True)), st.just(np.float64(2.5)), st.just(torch.tensor(1.0)))
BAD = {  # argument -> strategy of values fit must refuse (with any of ANYTHING it may also accept: filtered below)
    "epochs": ANYTHING.filter(lambda v: not (isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                                             and 0 <= v <= 2**63 - 1)),
    "lr": ANYTHING.filter(lambda v: not _accepted_lr(v)) | st.floats(3.5e35, 1e308),
    "batch_size": ANYTHING.filter(lambda v: v is not None and not (type(v) is int and 1 <= v <= 10)),
    "shuffle": ANYTHING.filter(lambda v: not isinstance(v, bool)),
    "seed": ANYTHING.filter(lambda v: not (type(v) is int and 0 <= v < 2**64)),
    "optimizer": ANYTHING.filter(lambda v: not (isinstance(v, str) and v in ("sgd", "momentum", "adam"))),
    "between_epochs": ANYTHING.filter(lambda v: not (isinstance(v, str) and v in ("keep", "reset", "reinit"))),
    "drop_last": ANYTHING.filter(lambda v: not isinstance(v, bool)),
    "reset_optimizer_each_epoch": ANYTHING.filter(lambda v: not isinstance(v, bool)),
    "lr_schedule": ANYTHING.filter(lambda v: v is not None),
    "validation": ANYTHING.filter(lambda v: v is not None),
    "callbacks": ANYTHING.filter(lambda v: not (isinstance(v, list) and not v)),
}


def _accepted_lr(value: object) -> bool:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return False
    try:
        return 0 < float(value) <= 3.4e35
    except OverflowError:
        return False


@st.composite
def good_arguments(draw: st.DrawFn) -> dict[str, object]:
    return {name: draw(strategy) for name, strategy in GOOD.items()}


@FAST
@given(good_arguments())
def test_good_arguments_train(kwargs) -> None:
    kwargs = {**kwargs, "lr": min(float(kwargs["lr"]), 0.1)} if kwargs["optimizer"] != "sgd" else kwargs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an lr of 0.5 may diverge: recorded, not raised
        history = fit(LinearNet(2), X, Y, **kwargs)  # type: ignore[arg-type]
    assert history.epochs_completed == int(kwargs["epochs"]) or history.diverged
    assert all(math.isfinite(v) for v in history.epoch_loss)


@FAST
@given(good_arguments(), st.sampled_from(sorted(BAD)), st.data())
def test_every_bad_argument_is_a_value_or_type_error_naming_it(kwargs, name, data) -> None:
    bad = data.draw(BAD[name], label=name)
    with pytest.raises((ValueError, TypeError)) as error:
        fit(LinearNet(2), X, Y, **{**kwargs, "epochs": max(1, int(kwargs["epochs"])), name: bad})  # type: ignore[arg-type]
    message = str(error.value)
    named = "learning rate" if name == "lr" else name
    assert re.match(rf"Invalid [^:]*{re.escape(named)}", message), f"{name}={bad!r} gave: {message}"


# -- damaged snapshot files ---------------------------------------------------------------------------------------
def _valid_file() -> tuple[bytes, WeightSnapshots]:
    snaps = WeightSnapshots(every="step")
    fit(LinearNet(2), X, Y, epochs=2, lr=0.05, batch_size=5, callbacks=[snaps])
    with tempfile.TemporaryDirectory() as directory:
        return snaps.save(Path(directory) / "valid.npz").read_bytes(), snaps


VALID, ORIGINAL = _valid_file()
CENTRAL, LOCAL = VALID.index(b"PK\x01\x02"), VALID.index(b"PK\x03\x04")  # the first member's two headers


def _load_or_refuse(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "damaged.npz"
        path.write_bytes(data)
        try:
            loaded = WeightSnapshots.load(path)
        except ValueError as error:
            assert repr(str(path)) in str(error)
            return
    # A flip the format cannot see (a timestamp, a padding byte) may load: then it is the same record.
    assert torch.equal(loaded.weights, ORIGINAL.weights)
    assert (loaded.kinds, loaded.epochs, loaded.steps, loaded.every) == (
        ORIGINAL.kinds, ORIGINAL.epochs, ORIGINAL.steps, ORIGINAL.every)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.integers(1, 255))
@example(CENTRAL + 10, 99)  # compression method 0 -> 99 (NotImplementedError before)
@example(CENTRAL + 10, 1)  # -> 1, "shrunk" (NotImplementedError before)
@example(CENTRAL + 8, 1)  # the encrypted flag (RuntimeError before)
@example(LOCAL + 8, 12)  # the local header says bzip2, the directory says stored
def test_a_flipped_byte_is_refused_or_harmless(position, mask) -> None:
    damaged = bytearray(VALID)
    damaged[position] ^= mask
    _load_or_refuse(bytes(damaged))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(VALID) - 1))
def test_every_truncation_is_refused(size) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cut.npz"
        path.write_bytes(VALID[:size])
        with pytest.raises(ValueError, match=re.escape(str(path))):
            WeightSnapshots.load(path)

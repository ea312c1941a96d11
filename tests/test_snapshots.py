"""``WeightSnapshots``: what the epoch boundary does to the weights, and its files (exact, atomic, safe)."""

from __future__ import annotations

import itertools
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import epochlab.snapshots
from epochlab import LinearNet, WeightSnapshots, fit, flat_weights, make_linear_data


@pytest.fixture(scope="module")
def xy() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(24, [2.0, -1.0], 0.3, noise=0.1, seed=1)


def record(xy, mode: str, *, epochs: int = 5, every: str = "epoch", model_seed: int = 0, seed: int = 0):
    snaps = WeightSnapshots(every=every)
    model = LinearNet(2, seed=model_seed)
    start = flat_weights(model)
    fit(model, *xy, epochs=epochs, lr=0.05, batch_size=5, seed=seed, between_epochs=mode, callbacks=[snaps])
    return snaps, start, model


@pytest.mark.parametrize("every", ["epoch", "step"])
def test_keep_the_next_epoch_starts_where_the_last_ended(xy, every) -> None:
    snaps, start, model = record(xy, "keep", every=every)
    assert torch.equal(snaps.epoch_start(1), start)
    for k in range(1, 5):
        assert torch.equal(snaps.epoch_end(k), snaps.epoch_start(k + 1))
        assert not torch.equal(snaps.epoch_start(k), snaps.epoch_end(k))
    assert torch.equal(snaps.epoch_end(5), flat_weights(model))


def test_reset_every_epoch_starts_from_the_starting_weights(xy) -> None:
    snaps, start, _ = record(xy, "reset")
    for k in range(1, 6):
        assert torch.equal(snaps.epoch_start(k), start)
    for k in range(1, 5):
        assert not torch.equal(snaps.epoch_end(k), snaps.epoch_start(k + 1))


@pytest.mark.parametrize("model_seed,seed", [(0, 0), (1, 0), (2, 1), (0, 3), (5, 4)])
def test_reinit_draws_new_weights_every_epoch(xy, model_seed, seed) -> None:
    snaps, start, _ = record(xy, "reinit", model_seed=model_seed, seed=seed)
    starts = [snaps.epoch_start(k) for k in range(1, 6)]
    assert torch.equal(starts[0], start)
    for a, b in itertools.combinations(starts, 2):
        assert not torch.equal(a, b)
    for k in range(1, 5):
        assert not torch.equal(snaps.epoch_end(k), snaps.epoch_start(k + 1))


@pytest.mark.parametrize("mode,draws", [("keep", 0), ("reset", 0), ("reinit", 4)])
def test_initial_weights_are_drawn_once_unless_reinit(xy, monkeypatch, mode, draws) -> None:
    calls = []
    original = LinearNet.reset_parameters
    monkeypatch.setattr(LinearNet, "reset_parameters", lambda self, g: calls.append(1) or original(self, g))
    model = LinearNet(2)
    assert len(calls) == 1
    fit(model, *xy, epochs=5, lr=0.05, batch_size=5, between_epochs=mode)
    assert len(calls) == 1 + draws


@pytest.mark.parametrize("bias", [True, False])  # False: one parameter tensor, nothing to concatenate
def test_captures_are_copies(xy, bias) -> None:
    snaps = WeightSnapshots(every="step")
    model = LinearNet(2, bias=bias)
    fit(model, *xy, epochs=1, lr=0.05, batch_size=5, callbacks=[snaps])
    frozen = snaps.weights.clone()
    read = snaps.epoch_end(1)
    read += 100.0  # mutating what a reader got must not reach the record either
    fit(model, *xy, epochs=3, lr=0.05, batch_size=5)
    with torch.no_grad():
        model.linear.weight.add_(1.0)
    assert torch.equal(snaps.weights, frozen)
    first = snaps.weights
    first += 1.0  # nor what the weights property returned
    assert torch.equal(snaps.weights, frozen)
    assert torch.equal(snaps.epoch_end(1), frozen[-1])


def test_a_new_model_between_fits_is_recorded(xy) -> None:
    snaps = WeightSnapshots(every="step")
    first, second = LinearNet(2, seed=1), LinearNet(2, seed=2)
    fit(first, *xy, epochs=1, lr=0.05, batch_size=5, callbacks=[snaps])
    fit(second, *xy, epochs=1, lr=0.05, batch_size=5, callbacks=[snaps])
    assert torch.equal(snaps.epoch_end(1), flat_weights(first))
    assert torch.equal(snaps.epoch_end(2), flat_weights(second))


def test_a_second_fit_continues_the_numbering(xy) -> None:
    snaps = WeightSnapshots(every="step")
    model = LinearNet(2)
    h1 = fit(model, *xy, epochs=3, lr=0.05, batch_size=5, callbacks=[snaps])
    h2 = fit(model, *xy, epochs=2, lr=0.05, batch_size=5, callbacks=[snaps])
    steps = h1.steps_per_epoch
    assert sorted(set(snaps.epochs)) == [1, 2, 3, 4, 5]
    assert torch.equal(snaps.epoch_end(3), snaps.epoch_start(4))
    step_rows = [(e, s) for kind, e, s in zip(snaps.kinds, snaps.epochs, snaps.steps) if kind == "step"]
    assert [s for _, s in step_rows] == list(range(1, 5 * steps + 1))
    assert [e for e, _ in step_rows] == [(s - 1) // steps + 1 for _, s in step_rows]
    assert len(h2.step_loss) == 2 * steps


def test_kinds_and_counts(xy) -> None:
    for every, per_epoch in (("epoch", 2), ("step", 7)):  # 24 samples in batches of 5: 5 steps
        snaps, _, _ = record(xy, "keep", epochs=3, every=every)
        assert len(snaps) == 3 * per_epoch == snaps.weights.shape[0]
        assert snaps.weights.shape[1] == 3
        assert snaps.kinds[:per_epoch] == ["epoch_start", *["step"] * (per_epoch - 2), "epoch_end"]
    with pytest.raises(KeyError, match="epoch 9"):
        snaps.epoch_end(9)


@pytest.mark.parametrize("every", ["x", "", "steps", None])
def test_bad_every(every) -> None:
    with pytest.raises(ValueError, match="every"):
        WeightSnapshots(every=every)


# -- files -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["snaps.npz", "snaps", "snaps.bin"])
@pytest.mark.parametrize("every,mode", [("step", "keep"), ("epoch", "reset"), ("step", "reinit")])
def test_save_writes_exactly_path_and_round_trips(xy, tmp_path, name, every, mode) -> None:
    snaps, _, _ = record(xy, mode, epochs=3, every=every)
    path = tmp_path / name
    assert snaps.save(path) == path
    assert sorted(os.listdir(tmp_path)) == [name]
    loaded = WeightSnapshots.load(path)
    assert loaded.every == snaps.every
    assert loaded.weights.dtype == snaps.weights.dtype and torch.equal(loaded.weights, snaps.weights)
    assert (loaded.kinds, loaded.epochs, loaded.steps) == (snaps.kinds, snaps.epochs, snaps.steps)
    assert torch.equal(loaded.epoch_end(2), snaps.epoch_end(2))
    assert torch.equal(loaded.trajectory(), snaps.trajectory())


def test_empty_round_trip(tmp_path) -> None:
    path = WeightSnapshots(every="step").save(tmp_path / "empty")
    loaded = WeightSnapshots.load(path)
    assert len(loaded) == 0 and loaded.every == "step"


def test_save_overwrites_atomically(xy, tmp_path, monkeypatch) -> None:
    snaps, _, _ = record(xy, "keep", epochs=2)
    path = snaps.save(tmp_path / "snaps.npz")
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(epochlab.snapshots.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        record(xy, "keep", epochs=4)[0].save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["snaps.npz"]


class Payload:
    """Unpickling this creates a marker file: proof that a loader ran code from the file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_the_payload_is_live(tmp_path) -> None:
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists(), "the payload should run when unpickled, or the safety tests prove nothing"


def crafted_files(directory: Path, marker: Path) -> dict[str, Path]:
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    good = {"format_version": np.array(1), "every": np.array("step"), "weights": np.zeros((1, 3), np.float32),
            "kinds": np.array([0], np.int8), "epochs": np.array([1]), "steps": np.array([0])}
    files = {"pickle": directory / "evil.pkl", "npy": directory / "evil.npy", "npz": directory / "evil.npz",
             "npz-weights": directory / "evil-weights.npz"}
    files["pickle"].write_bytes(pickle.dumps(Payload(marker)))
    with open(files["npy"], "wb") as f:
        np.save(f, evil, allow_pickle=True)
    with open(files["npz"], "wb") as f:
        np.savez(f, **good, extra=evil)
    with open(files["npz-weights"], "wb") as f:
        np.savez(f, **{**good, "weights": evil})
    return files


def test_load_never_unpickles(tmp_path) -> None:
    marker = tmp_path / "ran"
    for kind, path in crafted_files(tmp_path, marker).items():
        with pytest.raises(ValueError, match=re.escape(str(path))):
            WeightSnapshots.load(path)
        assert not marker.exists(), f"loading the crafted {kind} file ran its payload"


def valid_bytes(xy, tmp_path) -> bytes:
    return record(xy, "keep", epochs=2, every="step")[0].save(tmp_path / "valid.npz").read_bytes()


def test_truncated_files_are_refused(xy, tmp_path) -> None:
    data = valid_bytes(xy, tmp_path)
    for size in (0, 1, 10, len(data) // 3, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut{size}.npz"
        path.write_bytes(data[:size])
        with pytest.raises(ValueError, match=re.escape(str(path))):
            WeightSnapshots.load(path)


def foreign_arrays() -> dict[str, dict[str, np.ndarray]]:
    good = {"format_version": np.array(1), "every": np.array("epoch"), "weights": np.zeros((2, 3), np.float32),
            "kinds": np.array([0, 2], np.int8), "epochs": np.array([1, 1]), "steps": np.array([0, 5])}
    return {
        "other keys": {"a": np.arange(3), "b": np.ones(2)},
        "missing key": {k: v for k, v in good.items() if k != "steps"},
        "future version": {**good, "format_version": np.array(99)},
        "version not a scalar": {**good, "format_version": np.array([1, 1])},
        "unknown every": {**good, "every": np.array("sometimes")},
        "weights 1-D": {**good, "weights": np.zeros(3, np.float32)},
        "too few epochs": {**good, "epochs": np.array([1])},
        "kind out of range": {**good, "kinds": np.array([0, 7], np.int8)},
        "kinds not integers": {**good, "kinds": np.array(["a", "b"])},
    }


@pytest.mark.parametrize("case", list(foreign_arrays()))
def test_foreign_npz_is_refused_naming_the_file(tmp_path, case) -> None:
    path = tmp_path / "foreign.npz"
    with open(path, "wb") as f:
        np.savez(f, **foreign_arrays()[case])
    with pytest.raises(ValueError, match=re.escape(str(path))):
        WeightSnapshots.load(path)


def test_random_bytes_text_and_npy_are_refused(tmp_path) -> None:
    rng = np.random.default_rng(0)
    files = {
        "random.npz": rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "notes.txt": b"epoch 1: loss 0.3\nepoch 2: loss 0.1\n",
        "zip-header-only.npz": b"PK\x03\x04" + bytes(40),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    np.save(tmp_path / "plain.npy", np.zeros((2, 3)))
    for name in [*files, "plain.npy"]:
        path = tmp_path / name
        with pytest.raises(ValueError, match=re.escape(str(path))):
            WeightSnapshots.load(path)
    with pytest.raises(ValueError, match="snapshot file"):
        WeightSnapshots.load(tmp_path)  # a directory


def test_missing_file_is_file_not_found(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        WeightSnapshots.load(tmp_path / "nope.npz")


def test_trajectory_has_no_repeated_boundary_points_under_keep_but_keeps_reset_jumps() -> None:
    X, y = make_linear_data(12, [1.0, -2.0], seed=3)
    for mode, expected_rows in (("keep", 1 + 3 * 3), ("reset", 1 + 3 * 3 + 2)):
        snaps = WeightSnapshots(every="step")
        fit(LinearNet(2, seed=3), X, y, epochs=3, lr=0.05, batch_size=4, between_epochs=mode, callbacks=[snaps])
        path = snaps.trajectory()
        assert len(path) == expected_rows, mode
        assert not any(torch.equal(a, b) for a, b in zip(path, path[1:])), mode


def test_saved_file_gets_ordinary_permissions(tmp_path) -> None:
    import stat

    snaps = WeightSnapshots()
    X, y = make_linear_data(8, [1.0], seed=0)
    fit(LinearNet(1), X, y, epochs=1, lr=0.1, callbacks=[snaps])
    umask = os.umask(0o022)
    try:
        mode = stat.S_IMODE(snaps.save(tmp_path / "s.npz").stat().st_mode)
    finally:
        os.umask(umask)
    assert mode == 0o644

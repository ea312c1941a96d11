"""WeightSnapshots at the edges (issue 8): hostile files, permissions, symlinks, long names, kills, reuse."""

from __future__ import annotations

import io
import os
import re
import signal
import stat
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ROOT
from torch import nn

from epochlab import Callback, LinearNet, WeightSnapshots, fit, flat_weights, make_linear_data

GOOD = {"format_version": np.array(1), "every": np.array("epoch"), "weights": np.zeros((2, 3), np.float32),
        "kinds": np.array([0, 2], np.int8), "epochs": np.array([1, 1]), "steps": np.array([0, 5])}


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def lying_npy(shape: tuple[int, ...], descr: str = "<f4", data: bytes = b"\0" * 24) -> bytes:
    """A .npy whose header declares ``shape`` whatever data follows."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def write_zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def good_members(**replace: bytes) -> dict[str, bytes]:
    return {**{f"{name}.npy": npy_bytes(array) for name, array in GOOD.items()}, **replace}


def patch_headers(data: bytes, local: int, central: int, value: int) -> bytes:
    """Set a 2-byte field of every member, at offset ``local`` of its local header, ``central`` of its directory entry."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        for match in re.finditer(re.escape(signature), data):
            out[match.start() + offset : match.start() + offset + 2] = value.to_bytes(2, "little")
    return bytes(out)


def hostile_files(directory: Path) -> dict[str, Path]:
    members = good_members()
    files = {
        "member without .npy": write_zip(directory / "a.npz", {**{k: v for k, v in members.items() if k != "weights.npy"},
                                                               "weights": members["weights.npy"]}),
        "deflated": write_zip(directory / "c.npz", members, compression=zipfile.ZIP_DEFLATED),
        "shape 10**12 x 2": write_zip(directory / "d.npz", good_members(**{
            "weights.npy": lying_npy((10**12, 2)), "kinds.npy": lying_npy((10**12,), "|i1", b"\0" * 2),
            "epochs.npy": lying_npy((10**12,), "<i8", b"\0" * 16), "steps.npy": lying_npy((10**12,), "<i8", b"\0" * 16)})),
        "header shape differs from its data": write_zip(directory / "e.npz", good_members(
            **{"weights.npy": lying_npy((2, 4))})),
        "object dtype header": write_zip(directory / "f.npz", good_members(**{"weights.npy": lying_npy((2, 3), "|O")})),
        "structured dtype": write_zip(directory / "g.npz", good_members(
            **{"weights.npy": npy_bytes(np.zeros((2, 3), dtype=[("a", "<f4")]))})),
        "not a .npy member": write_zip(directory / "h.npz", good_members(**{"steps.npy": b"hello world"})),
    }
    files["a member twice"] = write_zip(directory / "i.npz", members)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(files["a member twice"], "a") as archive:
        archive.writestr("kinds.npy", members["kinds.npy"])
    plain = write_zip(directory / "plain.npz", members).read_bytes()
    for case, name, local, central, value in (("compression method 99", "j.npz", 8, 10, 99),
                                              ("encrypted flag", "b.npz", 6, 8, 0x1)):
        files[case] = directory / name
        files[case].write_bytes(patch_headers(plain, local, central, value))
    return files


def test_every_hostile_file_is_a_value_error_naming_it(tmp_path) -> None:
    for case, path in hostile_files(tmp_path).items():
        with pytest.raises(ValueError, match=re.escape(repr(str(path)))):
            WeightSnapshots.load(path)
        assert case  # (named in the traceback's locals when it fails)
    assert len(WeightSnapshots.load(write_zip(tmp_path / "fine.npz", good_members()))) == 2  # the good members load


def test_a_deflate_bomb_is_refused_before_it_is_inflated(tmp_path) -> None:
    path = tmp_path / "bomb.npz"
    bomb = {**GOOD, "weights": np.zeros((20_000, 2_000), np.float32), "kinds": np.zeros(3, np.int8)}  # 160 MB of zeros
    np.savez_compressed(path, **bomb)
    assert path.stat().st_size < 2 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=re.escape(str(path))):
            WeightSnapshots.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"loading a {path.stat().st_size} byte file took {peak / 2**20:.0f} MiB"


# -- 6, 11. writing as open(path, "wb") would -------------------------------------------------------------------
@pytest.fixture
def snaps() -> WeightSnapshots:
    recorder = WeightSnapshots()
    fit(LinearNet(2), *make_linear_data(8, [1.0, 2.0], seed=0), epochs=2, lr=0.1, callbacks=[recorder])
    return recorder


def test_save_never_changes_the_process_umask(snaps, tmp_path, monkeypatch) -> None:
    def no_umask(mask: int) -> int:
        raise AssertionError("save() changed the process-wide umask (files other threads create get its mode)")

    previous = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", no_umask)
        mode = stat.S_IMODE(snaps.save(tmp_path / "new.npz").stat().st_mode)
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert mode == 0o640


@pytest.mark.parametrize("mode", [0o600, 0o444, 0o640, 0o755])
def test_overwriting_keeps_the_file_permissions(snaps, tmp_path, mode) -> None:
    path = tmp_path / "kept.npz"
    path.write_bytes(b"old")
    path.chmod(mode)
    if mode & stat.S_IWUSR == 0 and os.geteuid() != 0:
        with pytest.raises(PermissionError):  # as open(path, "wb") on a read-only file
            snaps.save(path)
        return
    snaps.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode and len(WeightSnapshots.load(path)) == len(snaps)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_overwriting_keeps_the_file_owner_where_allowed(snaps, tmp_path) -> None:
    path = tmp_path / "theirs.npz"
    path.write_bytes(b"old")
    os.chown(path, 4321, 4321)
    snaps.save(path)
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_blocking(tmp_path) -> None:
    pipe = tmp_path / "pipe.npz"
    os.mkfifo(pipe)
    with pytest.raises(ValueError, match="not a regular file"):
        WeightSnapshots.load(pipe)


def test_save_writes_through_a_symlink_to_its_target(snaps, tmp_path) -> None:
    target, link = tmp_path / "data" / "target.npz", tmp_path / "link.npz"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link.symlink_to(target)
    assert snaps.save(link) == link
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert torch.equal(WeightSnapshots.load(target).weights, snaps.weights)
    dangling = tmp_path / "dangling.npz"
    dangling.symlink_to(tmp_path / "created.npz")
    snaps.save(dangling)
    assert dangling.is_symlink() and (tmp_path / "created.npz").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["created.npz", "dangling.npz", "data", "link.npz"]


@pytest.mark.parametrize("length", [250, 255])
def test_any_valid_name_length_saves(snaps, tmp_path, length) -> None:
    path = tmp_path / ("n" * (length - 4) + ".npz")
    assert len(path.name) == length
    assert len(WeightSnapshots.load(snaps.save(path))) == len(snaps)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("bad", ["", b""])
def test_an_empty_path_is_a_value_error(snaps, bad) -> None:
    with pytest.raises(ValueError, match="path"):
        snaps.save(bad)  # type: ignore[arg-type]


def test_saving_onto_a_directory_is_the_error_open_gives(snaps, tmp_path) -> None:
    with pytest.raises(IsADirectoryError):
        snaps.save(tmp_path)


SAVER = """
import importlib.util, sys
import numpy as np
spec = importlib.util.spec_from_file_location("snapshot_files", sys.argv[2])  # save()'s writer, without torch
files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(files)
count = 300
arrays = {"format_version": np.array(1), "every": np.array("step"), "kinds": np.ones(count, np.int8),
          "weights": np.random.default_rng(0).standard_normal((count, 20_000), dtype=np.float32),  # 24 MB
          "epochs": np.ones(count, np.int64), "steps": np.arange(count, dtype=np.int64)}
print("ready", flush=True)
while True:
    files.write_atomically(sys.argv[1], arrays)
"""


def test_killed_saves_keep_the_old_file_and_leave_no_temporaries_behind(snaps, tmp_path) -> None:
    path = snaps.save(tmp_path / "precious.npz")
    writer = str(ROOT / "epochlab" / "snapshot_files.py")
    for kill in range(10):
        child = subprocess.Popen([sys.executable, "-c", SAVER, str(path), writer], stdout=subprocess.PIPE)
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        time.sleep(0.01 + 0.03 * kill)  # from inside the first save to several saves in
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        loaded = WeightSnapshots.load(path)  # a whole file: the first one, or one complete save of the child's
        assert len(loaded) == len(snaps) or loaded.weights.shape == (300, 20_000)
        leftovers = [p.name for p in tmp_path.iterdir() if p != path]
        assert len(leftovers) <= 1, f"temporary files accumulate after {kill + 1} kills: {leftovers}"
    snaps.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["precious.npz"], "the next save removes a killed save's file"


# -- 10. reusing a recorder -----------------------------------------------------------------------------------
def test_a_recorder_reused_on_another_size_or_dtype_is_refused_and_kept(snaps) -> None:
    X, y = make_linear_data(8, [1.0, 2.0, 3.0], seed=0)
    before = snaps.weights.clone()
    with pytest.raises(ValueError, match="Invalid model.*3 float32 weights.*4 float32"):
        fit(LinearNet(3), X, y, epochs=1, lr=0.1, callbacks=[snaps])
    with pytest.raises(ValueError, match="Invalid model.*float64"):
        fit(LinearNet(2).double(), X[:, :2].double(), y.double(), epochs=1, lr=0.1, callbacks=[snaps])
    assert torch.equal(snaps.weights, before) and len(snaps) == len(before)


def test_loaded_float64_captures_stay_float64_when_recording_continues(tmp_path) -> None:
    X, y = (t.double() for t in make_linear_data(8, [1.0, 2.0], seed=0))
    model, recorder, whole = LinearNet(2).double(), WeightSnapshots(), WeightSnapshots()
    twin = LinearNet(2).double()
    fit(model, X, y, epochs=2, lr=0.1, callbacks=[recorder])
    fit(twin, X, y, epochs=2, lr=0.1, callbacks=[whole])
    loaded = WeightSnapshots.load(recorder.save(tmp_path / "f64.npz"))
    fit(model, X, y, epochs=2, lr=0.1, callbacks=[loaded])
    fit(twin, X, y, epochs=2, lr=0.1, callbacks=[whole])
    assert loaded.weights.dtype == torch.float64 and torch.equal(loaded.weights, whole.weights)
    assert loaded.epochs == whole.epochs == [1, 1, 2, 2, 3, 3, 4, 4]
    again = WeightSnapshots.load(tmp_path / "f64.npz")
    with pytest.raises(ValueError, match="Invalid model.*float64.*float32"):  # never cast the loaded record silently
        fit(LinearNet(2), *make_linear_data(8, [1.0, 2.0], seed=0), epochs=1, lr=0.1, callbacks=[again])
    assert again.weights.dtype == torch.float64 and len(again) == 4


class Transposed(nn.Module):
    """A parameter stored transposed (non-contiguous), as after ``weight.t()``."""

    n_features, n_outputs = 3, 2

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.arange(6.0).reshape(3, 2).t() / 10)  # (2, 3), strides (1, 2)
        self.bias = nn.Parameter(torch.zeros(2))

    def forward(self, x):
        return x @ self.weight.t() + self.bias


def test_non_contiguous_parameters_are_captured_in_flat_weights_order() -> None:
    model = Transposed()
    assert not model.weight.is_contiguous()
    X, y1 = make_linear_data(8, [1.0, 2.0, 3.0], seed=0)
    recorder, ends = WeightSnapshots(every="step"), []

    class Ends(Callback):
        def on_epoch_end(self, epoch, model, history):
            ends.append(flat_weights(model))

    fit(model, X, y1.repeat(1, 2), epochs=3, lr=0.05, batch_size=4, callbacks=[recorder, Ends()])
    assert all(torch.equal(recorder.epoch_end(k), ends[k - 1]) for k in (1, 2, 3))

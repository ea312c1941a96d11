"""The ``.npz`` files of ``WeightSnapshots``: written atomically as ``open(path, "wb")`` would, read defensively.

Reading trusts nothing in the file: member names, zip flags, compression and every ``.npy`` header
(dtype, shape, size) are checked against the format before a byte of array data is read or any
array is allocated, and no member is read past the size its header declares. Nothing is unpickled.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import math
import os
import secrets
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

MEMBERS = {  # name -> (dtype kinds, allowed item sizes, number of dimensions)
    "format_version": ("iu", (1, 2, 4, 8), 0),
    "every": ("U", (16, 20), 0),  # 'step' or 'epoch'
    "weights": ("f", (4, 8), 2),
    "kinds": ("iu", (1, 2, 4, 8), 1),
    "epochs": ("iu", (1, 2, 4, 8), 1),
    "steps": ("iu", (1, 2, 4, 8), 1),
}
_HEADER_BYTES = 4096  # a .npy header of these small arrays is ~128 bytes; more is not ours


def _bad(path: Path, reason: str) -> ValueError:
    return ValueError(f"Invalid snapshot file {str(path)!r}: {reason}")


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a snapshot file, each checked as described above; ``ValueError`` naming the file otherwise."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or a device could block or never end
            raise _bad(path, "not a regular file")
        size = status.st_size
        with zipfile.ZipFile(path) as archive:
            headers = _check_directory(path, archive, size)
            return {name: _read_member(path, archive, info, *headers[name]) for name, info in _members(archive).items()}
    except FileNotFoundError:
        raise
    except (ValueError, TypeError, SyntaxError, OverflowError, OSError, EOFError, KeyError, zipfile.BadZipFile,
            NotImplementedError, RuntimeError) as error:
        if isinstance(error, ValueError) and str(error).startswith("Invalid snapshot file"):
            raise
        raise _bad(path, f"not a readable WeightSnapshots file ({type(error).__name__}: {error})") from None


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    return {info.filename[: -len(".npy")]: info for info in archive.infolist()}


def _check_directory(path: Path, archive: zipfile.ZipFile, size: int) -> dict[str, tuple[tuple[int, ...], np.dtype, int]]:
    infos = archive.infolist()
    names = sorted(info.filename for info in infos)
    if names != sorted(f"{name}.npy" for name in MEMBERS):  # also refuses a name given twice
        raise _bad(path, f"expected arrays {sorted(MEMBERS)}, found members {names[:10]}")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _bad(path, f"member {info.filename!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise _bad(path, f"member {info.filename!r} is compressed (method {info.compress_type}); save() stores them")
    if sum(info.file_size for info in infos) > size:
        raise _bad(path, "its members declare more bytes than the file holds")
    headers = {name: _read_header(path, archive, info) for name, info in _members(archive).items()}
    count = headers["kinds"][0]
    shapes = {name: header[0] for name, header in headers.items()}
    if count != shapes["epochs"] or count != shapes["steps"] or (count[0] and shapes["weights"][0] != count[0]):
        raise _bad(path, f"the arrays' shapes do not agree: {shapes}")
    return headers


def _read_header(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype, int]:
    """``(shape, dtype, offset of the data)`` of one ``.npy`` member, checked against ``MEMBERS`` and its size."""
    name = info.filename[: -len(".npy")]
    kinds, itemsizes, ndim = MEMBERS[name]
    with archive.open(info) as member:
        head = io.BytesIO(member.read(min(info.file_size, _HEADER_BYTES)))  # never read beyond what it declares
    version = np.lib.format.read_magic(head)
    if version not in ((1, 0), (2, 0)):
        raise _bad(path, f"member {info.filename!r} has .npy format version {version}")
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran_order, dtype = reader(head, max_header_size=_HEADER_BYTES)
    if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize not in itemsizes or dtype.fields is not None:
        raise _bad(path, f"member {info.filename!r} has dtype {dtype}")
    if len(shape) != ndim or fortran_order:
        raise _bad(path, f"member {info.filename!r} has shape {shape} (fortran_order={fortran_order})")
    declared = math.prod(shape) * dtype.itemsize  # Python ints: a shape of (10**12, 2) cannot overflow
    if head.tell() + declared != info.file_size:
        raise _bad(path, f"member {info.filename!r} declares shape {shape} of {dtype} but holds "
                         f"{info.file_size - head.tell()} data bytes")
    return shape, dtype, head.tell()


def _read_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple[int, ...],
                 dtype: np.dtype, offset: int) -> np.ndarray:
    with archive.open(info) as member:
        raw = member.read(info.file_size)  # exactly the checked size; the zip's CRC is verified at its end
    if len(raw) != info.file_size:
        raise _bad(path, f"member {info.filename!r} is truncated")
    array = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=offset).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a native-order copy (torch reads no big-endian arrays)


# -- writing -------------------------------------------------------------------------------------------------
def write_atomically(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` as an ``.npz`` at ``path`` atomically: a crash or a kill leaves the old file intact.

    As ``open(path, "wb")`` would: a symlink's target is written (the link stays), an existing file
    keeps its permissions, a new file gets ``0o666`` minus the umask (the OS applies it; the
    process umask is never changed). The temporary file sits next to the target under a short name
    (``.epochlab-<hash of the name>.<pid>.<random>.tmp``, so any valid name works); the next save
    of the same name removes those left by killed processes.
    """
    if not isinstance(path, (str, os.PathLike)) or os.fspath(path) in ("", b""):
        raise ValueError(f"Invalid path: {path!r} (expected a file name)")
    given = Path(path)
    target = Path(os.path.realpath(given))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(given))
    try:
        existing: os.stat_result | None = os.stat(target)
        if not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(given))
    except FileNotFoundError:
        existing = None
    prefix = ".epochlab-" + hashlib.sha256(os.fsencode(target.name)).hexdigest()[:16] + "."
    remove_stale_temporaries(target.parent, prefix)
    tmp = target.parent / f"{prefix}{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if existing is not None:  # overwriting keeps the file's permissions (and owner, where allowed)
            os.chmod(tmp, stat.S_IMODE(existing.st_mode))
            if hasattr(os, "chown") and (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):
                    os.chown(tmp, existing.st_uid, existing.st_gid)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return given


def remove_stale_temporaries(directory: Path, prefix: str) -> None:
    """Delete ``prefix<pid>.<random>.tmp`` files whose writing process no longer exists (it was killed mid-save)."""
    try:
        entries = [entry.name for entry in os.scandir(directory) if entry.name.startswith(prefix)]
    except OSError:
        return
    for name in entries:
        pid = name[len(prefix):].split(".")[0]
        if name.endswith(".tmp") and pid.isdigit() and not _alive(int(pid)):
            (directory / name).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # another thread of ours may be saving; elsewhere: cannot tell
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True

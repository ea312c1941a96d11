"""Child Python processes that always end: a hard timeout, and every child killed before we return or raise.

Children run ``sys.executable -m MODULE ...`` with this ``epochlab`` first on ``PYTHONPATH``, so a
child imports the very code its parent runs (a worktree, an editable install, a notebook kernel).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding this epochlab


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment, with this ``epochlab`` first on ``PYTHONPATH``, one OpenMP thread, and ``extra``."""
    path = os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", **(extra or {})}


def run_children(module: str, arguments: Sequence[Sequence[str]], logs: Sequence[Path], *, timeout: float,
                 env: Mapping[str, str] | None = None) -> None:
    """Run ``python -m module *arguments[i]`` for every i at once, output to ``logs[i]``; wait for all.

    Raises ``RuntimeError`` (with the failing children's last output) as soon as one exits non-zero,
    ``env`` adds variables to the parent's environment. ``TimeoutError`` after ``timeout`` seconds. Either way, and on success or interrupt, every child
    (each started in its own session, so with anything it started) is killed and reaped first.
    """
    if not timeout > 0:
        raise ValueError(f"Invalid timeout: {timeout!r} (expected seconds > 0)")
    child = child_env(env)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for args, log_path in zip(arguments, logs, strict=True):
            with open(log_path, "wb") as log:  # the child holds its own copy of the file handle
                procs.append(subprocess.Popen([sys.executable, "-m", module, *args], stdout=log,
                                              stderr=subprocess.STDOUT, env=child, start_new_session=True))
        deadline = time.monotonic() + timeout
        while True:
            codes = [p.poll() for p in procs]
            failed = [i for i, code in enumerate(codes) if code not in (None, 0)]
            if failed:
                raise _failure(failed, logs, len(procs))
            if all(code == 0 for code in codes):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(procs)} child process(es) of {module} did not finish within "
                                   f"timeout={timeout} s")
            time.sleep(0.02)
    finally:
        for p in procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):  # it may end between poll and kill
                    os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def live_children() -> list[int]:
    """Process ids whose parent is this process (read from ``/proc``): empty after every run here."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                # /proc/PID/stat: "pid (name) state ppid ..."; the name may contain spaces, so split after ")"
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == me:
                    found.append(int(entry.name))
    return found


def _failure(failed: list[int], logs: Sequence[Path], n: int) -> RuntimeError:
    tails = [f"--- child {i} ---\n" + logs[i].read_text(errors="replace")[-700:] for i in failed]
    return RuntimeError(f"child process(es) {failed} of {n} failed:\n" + "\n".join(tails))

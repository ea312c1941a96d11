#!/usr/bin/env python3
"""Set up and run epochlab with nothing but Python 3.10+ (standard library only).

    python dev.py lab     # create .venv, install, open JupyterLab on notebooks/
    python dev.py test    # create .venv, install, run ruff, mypy, lint-imports and every test
    python dev.py voila   # create .venv, install, serve the instructor dashboard alone (lecture mode)

The virtual environment lives in .venv next to this file; installing again is a no-op when
nothing changed. Extra arguments after ``test`` go to pytest (e.g. ``-k notebook``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


LECTURE_NOTEBOOK = ROOT / "notebooks" / "lecture" / "dashboard.ipynb"  # the dashboard alone: no prose, no answers
#: Voila settings of lecture mode (the browser tests serve with the same): a kernel whose page was reloaded
#: or closed is shut down within ~15 s (only kernels without a connection are culled; an open tab never is).
VOILA_SETTINGS = [
    "--MappingKernelManager.cull_idle_timeout=10",
    "--MappingKernelManager.cull_interval=5",
    "--MappingKernelManager.cull_connected=False",
    "--VoilaConfiguration.strip_sources=True",
]


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def ensure_environment(extras: str) -> None:
    """Create .venv and install the package with ``extras``, pinned by constraints.txt."""
    if sys.version_info < (3, 10):  # noqa: UP036 - dev.py itself must run (and explain) on old Pythons
        sys.exit(f"epochlab needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    inputs = b"".join((ROOT / name).read_bytes() for name in ("pyproject.toml", "constraints.txt"))
    wanted = hashlib.sha256(inputs).hexdigest()
    stamp = VENV / f".epochlab-installed-{extras.replace(',', '-')}"  # one per extras: lab and test don't undo each other
    if stamp.exists() and stamp.read_text() == wanted:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "-e", f".[{extras}]")
    stamp.write_text(wanted)


def test(pytest_args: list[str]) -> int:
    ensure_environment("notebooks,dev")
    run(PYTHON, "-m", "ruff", "check", "epochlab", "tests", "benchmarks", "notebooks", "dev.py")
    run(PYTHON, "-m", "mypy", "epochlab")
    run(BIN / "lint-imports")  # the layer contract in pyproject.toml: views -> lessons -> core, no cycles
    # Exit code 5 means pytest collected nothing: that is a failure here, never a pass.
    result = subprocess.run([str(PYTHON), "-m", "pytest", "--durations=40", *pytest_args], cwd=ROOT)
    if result.returncode == 5:
        print("dev.py test: pytest collected no tests; failing on purpose", file=sys.stderr)
        return 1
    return result.returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    try:
        if command == "test":
            return test(argv[1:])
        if command == "lab":
            ensure_environment("notebooks")
            # JupyterLab refuses to start as root unless told; containers and CI machines often are root.
            as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
            os.execv(PYTHON, [str(PYTHON), "-m", "jupyter", "lab", str(ROOT / "notebooks"), *as_root, *argv[1:]])
        if command == "voila":
            ensure_environment("notebooks")
            os.execv(PYTHON, [str(PYTHON), "-m", "voila", str(LECTURE_NOTEBOOK), *VOILA_SETTINGS, *argv[1:]])
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

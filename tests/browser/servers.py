"""Lifecycle of the Jupyter servers (JupyterLab, Voila) driven by the browser tests.

Every server runs in its own session (process group) on a port picked by the
OS, with all Jupyter/IPython/matplotlib state directories redirected into a
temporary directory so that a test run never touches the user's home.

Kernels are the tricky part of cleanup: jupyter_client starts each kernel with
``start_new_session=True``, so they are *not* in the server's process group and
``os.killpg`` alone would orphan them.  We therefore tag every server with a
unique environment variable (inherited by its kernels) and, after the server is
gone, kill and report any process still carrying the tag.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # a dependency of ipykernel, so always present next to jupyter

# Environment variable whose value identifies the processes of one server.
MARKER_VAR = "EPOCHLAB_BROWSER_TEST_SERVER"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
# How often to retry when the port picked by the OS was grabbed by someone
# else between our probe and the server's bind (port_retries=0 makes the
# server exit instead of silently moving to another port).
START_ATTEMPTS = 3
REPO_ROOT = Path(__file__).resolve().parents[2]


class ServerError(RuntimeError):
    """A server failed to start or to stop cleanly."""


@dataclass
class Server:
    """A running Jupyter server and everything needed to talk to it and stop it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    token: str
    root_dir: Path
    log_path: Path
    marker: str
    leftovers: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` with the auth token appended (when there is one)."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        if self.token:
            url += ("&" if "?" in url else "?") + f"token={self.token}"
        return url

    def log_tail(self, max_chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<no server log: {exc}>"
        return text[-max_chars:]


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def isolated_env(state_dir: Path, marker: str) -> dict[str, str]:
    """Environment for a server: private state dirs, repo importable, tagged.

    JUPYTER_DATA_DIR only replaces the *user* data dir; ``sys.prefix/share/jupyter``
    (the venv's python3 kernelspec and the ipywidgets lab extension) stays on
    the search path, and the same holds for JUPYTER_CONFIG_DIR vs
    ``sys.prefix/etc/jupyter``.
    """
    env = dict(os.environ)
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
        "XDG_CACHE_HOME": "cache",
        "npm_config_cache": "npm",  # anything that shells out to npm logs there
    }.items():
        path = state_dir / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    # Notebooks import epochlab; make the checkout importable even when the
    # package is not installed into the environment running the tests.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env["MPLBACKEND"] = "Agg"
    env.pop("JUPYTER_TOKEN", None)  # our command line decides the token
    env.pop("JUPYTER_PORT", None)
    env[MARKER_VAR] = marker
    return env


def write_lab_settings(config_dir: Path) -> None:
    """User settings that keep JupyterLab deterministic and offline.

    - no news/update toasts (they would ask for consent and try the internet);
    - every notebook cell attached to the DOM, so widgets below the fold exist
      for the selectors even when the dashboard notebook is long.
    """
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
            "doNotDisturbMode": True,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none",
        },
    }
    for rel, content in settings.items():
        path = config_dir / "lab" / "user-settings" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


def lab_command(port: int, token: str, root_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        # window.jupyterapp lets the test run JupyterLab commands directly
        # instead of clicking through menus (the approach used by galata).
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.terminals_enabled=False",
        # CI containers run as root; the flag is a no-op for other users.
        "--ServerApp.allow_root=True",
        # The default 'pypi' extension manager queries PyPI from the browser UI.
        "--LabApp.extension_manager=readonly",
        # jupyter-lsp would probe for language servers (running npm, which logs
        # into ~/.npm); the dashboard test needs none.
        "--LanguageServerManager.autodetect=False",
    ]


def voila_settings() -> list[str]:
    """The lecture-mode settings of ``dev.py voila`` (kernel culling ...): the tests serve what lecturers get."""
    spec = importlib.util.spec_from_file_location("epochlab_dev", REPO_ROOT / "dev.py")
    assert spec is not None and spec.loader is not None, "dev.py is missing"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.VOILA_SETTINGS)


def voila_command(port: int, token: str, root_dir: Path, notebook: str, state_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        notebook,
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.token={token}",
        f"--Voila.root_dir={root_dir}",
        # Kernel connection files go next to the other state, not into /tmp.
        f"--Voila.connection_dir_root={state_dir}",
        # INFO (as JupyterLab logs by default) for useful failure reports.
        "--Voila.log_level=INFO",
        # Put tracebacks into the page so the test can see them.
        "--VoilaConfiguration.show_tracebacks=True",
        *voila_settings(),
    ]


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return None


def _wait_ready(server: Server, probe_path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    probe = server.url(probe_path)
    last: int | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(
                f"{server.name} exited with code {server.process.returncode} "
                f"before becoming ready.\n--- server log ---\n{server.log_tail()}"
            )
        last = _http_status(probe)
        if last == 200:
            return
        time.sleep(0.25)
    raise ServerError(
        f"{server.name} not ready after {timeout:.0f}s (last status of "
        f"{probe_path!r}: {last}).\n--- server log ---\n{server.log_tail()}"
    )


def _lost_port_race(log: str) -> bool:
    """Whether the server log says the port was taken (JupyterLab's or Voila's wording)."""
    log = log.lower()
    return "already in use" in log or "no available port" in log


def _marked_processes(marker: str) -> list[psutil.Process]:
    """Processes (other than us) whose environment carries ``marker``."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        if proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(MARKER_VAR) == marker:
                found.append(proc)
        except (psutil.Error, OSError):
            continue  # gone, a zombie, or not ours to inspect
    return found


def _describe(proc: psutil.Process) -> str:
    try:
        return f"pid {proc.pid}: {' '.join(proc.cmdline())[:200]}"
    except psutil.Error:
        return f"pid {proc.pid}"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop(server: Server, timeout: float = STOP_TIMEOUT_S) -> None:
    """Stop the server, its process group and every kernel it started.

    SIGTERM first: jupyter_server and Voila then shut their kernels down
    themselves.  Whatever is still alive afterwards is SIGKILLed and recorded
    in ``server.leftovers`` so the caller can fail loudly about it.
    """
    proc = server.process
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    # Stragglers of the server's group carry the marker too, so the scan below
    # finds them; no blind killpg after the leader is reaped (its pgid could
    # in theory be reused).

    # Give kernels the server asked to shut down a moment to exit by themselves.
    deadline = time.monotonic() + 5.0
    remaining = _marked_processes(server.marker)
    while remaining and time.monotonic() < deadline:
        time.sleep(0.2)
        remaining = _marked_processes(server.marker)
    for leftover in remaining:
        server.leftovers.append(_describe(leftover))
        with contextlib.suppress(psutil.Error):
            leftover.kill()
    psutil.wait_procs(remaining, timeout=5.0)


def _launch(
    name: str,
    command: Sequence[str],
    port: int,
    token: str,
    root_dir: Path,
    state_dir: Path,
    env: dict[str, str],
    marker: str,
) -> Server:
    log_path = state_dir / f"{name.lower()}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            cwd=root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: one killpg reaches the server and its helpers
            # without ever signalling pytest itself.
            start_new_session=True,
        )
    return Server(name, process, port, token, root_dir, log_path, marker)


@contextlib.contextmanager
def running_server(
    name: str,
    root_dir: Path,
    state_dir: Path,
    kind: str,
    notebook: str = "",
) -> Iterator[Server]:
    """Start JupyterLab (``kind="lab"``) or Voila (``kind="voila"``), yield it, stop it.

    Raises ServerError if it cannot start, and on exit if the port is still
    open or processes of the server survived it.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    marker = secrets.token_hex(8)
    env = isolated_env(state_dir, marker)
    if kind == "lab":
        write_lab_settings(Path(env["JUPYTER_CONFIG_DIR"]))
        probe = "api/status"
    elif kind == "voila":
        # The page's main bundle: polling the notebook page itself would start
        # a kernel and execute the whole notebook on every probe.
        probe = "voila/static/voila.js"
    else:
        raise ValueError(f"unknown server kind {kind!r}")

    server: Server | None = None
    errors: list[str] = []
    for _ in range(START_ATTEMPTS):
        port, token = free_port(), secrets.token_hex(16)
        command = (
            lab_command(port, token, root_dir)
            if kind == "lab"
            else voila_command(port, token, root_dir, notebook, state_dir)
        )
        candidate = _launch(name, command, port, token, root_dir, state_dir, env, marker)
        try:
            _wait_ready(candidate, probe, READY_TIMEOUT_S)
        except BaseException as exc:  # also Ctrl-C: never leave the server behind
            stop(candidate)
            errors.append(str(exc))
            # Only a lost race for the port is worth another attempt.
            if isinstance(exc, ServerError) and _lost_port_race(candidate.log_tail()):
                continue
            raise
        server = candidate
        break
    if server is None:
        raise ServerError(f"{name} could not start:\n" + "\n\n".join(errors))

    try:
        yield server
    finally:
        stop(server)
    # Reached only when the test body succeeded: a failing test keeps its own
    # error instead of having it masked by a cleanup complaint.
    problems = []
    if port_is_open(server.port):
        problems.append(f"port {server.port} still accepts connections")
    if server.leftovers:
        problems.append("processes survived the server and had to be killed: " + "; ".join(server.leftovers))
    if problems:
        raise ServerError(
            f"{name} did not shut down cleanly: " + ", ".join(problems) + f"\n--- server log ---\n{server.log_tail()}"
        )

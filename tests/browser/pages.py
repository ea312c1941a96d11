"""Playwright helpers for the dashboard browser tests.

The dashboard contract (what notebooks/11_instructor_dashboard.ipynb exposes):

- the learning-rate control is an ipywidgets ``FloatLogSlider`` with the CSS
  class ``epochlab-lr`` (``slider.add_class("epochlab-lr")``);
- the plot is an ``ipywidgets.Image`` with the CSS class ``epochlab-figure``
  whose PNG bytes change whenever the figure is redrawn.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, WebSocket
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path(os.environ.get("EPOCHLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# ipywidgets 8 renders an Image widget as the <img> itself, so the class lands
# on the <img>; the descendant form covers a wrapper carrying the class.
FIGURE_IMG = "img.epochlab-figure, .epochlab-figure img"
LR_SLIDER = ".epochlab-lr"
LR_HANDLE = ".epochlab-lr .noUi-handle"  # noUiSlider handle, keyboard-focusable
STDERR_OUTPUT = '[data-mime-type="application/vnd.jupyter.stderr"]'

DEFAULT_TIMEOUT_MS = 30_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def timeout_ms(var: str, default_s: float) -> int:
    """A timeout in ms, overridable (in seconds) through the environment."""
    return int(float(os.environ.get(var, default_s)) * 1000)


def launch_chromium(playwright: Playwright, state_dir: Path) -> Browser:
    """Debian's chromium, headless; Playwright's own browser builds are never used.

    Playwright gives chromium a temporary profile, but chromium still writes
    crash-report settings and a dconf cache under $HOME; the XDG variables
    send those into ``state_dir`` instead.
    """
    env: dict[str, str | float | bool] = {**os.environ}
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        path = state_dir / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env=env)


# --- watching what the page does ------------------------------------------------------


def kernel_message(payload: str | bytes) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(channel, header, content) of a kernel websocket frame; None if not a kernel message.

    Handles both the JSON text protocol and jupyter_server's binary
    ``v1.kernel.websocket.jupyter.org`` protocol (a little-endian uint64 count,
    that many uint64 offsets, then channel, header, parent, metadata, content,
    buffers).
    """
    try:
        if isinstance(payload, str):
            msg = json.loads(payload)
            return str(msg.get("channel", "")), msg.get("header", {}), msg.get("content", {})
        (count,) = struct.unpack_from("<Q", payload, 0)
        if not 6 <= count <= 64:
            return None  # not v1 framing (e.g. a legacy binary buffer message)
        offsets = struct.unpack_from(f"<{count}Q", payload, 8)
        parts = [payload[start:end] for start, end in zip(offsets, offsets[1:])]
        return parts[0].decode(), json.loads(parts[1]), json.loads(parts[4])
    except (ValueError, struct.error, IndexError, AttributeError, TypeError):
        return None


def kernel_error(payload: str | bytes) -> str | None:
    """A readable summary if the frame is an exception reported by the kernel.

    Widget callbacks run in the kernel: in JupyterLab their tracebacks only
    reach the log console and in Voila nowhere visible, so the kernel's own
    ``error`` messages (and tracebacks printed to stderr) are the reliable signal.
    """
    msg = kernel_message(payload)
    if msg is None:
        return None
    channel, header, content = msg
    if channel != "iopub":
        return None
    msg_type = header.get("msg_type")
    if msg_type == "error":
        trace = _ANSI.sub("", "\n".join(content.get("traceback", [])))
        return f"{content.get('ename')}: {content.get('evalue')}\n{trace[-3000:]}"
    if msg_type == "stream" and content.get("name") == "stderr":
        text = _ANSI.sub("", str(content.get("text", "")))
        if "Traceback" in text:
            return f"stderr: {text[-3000:]}"
    return None


@dataclass
class PageWatch:
    """What the page did besides rendering: kernel errors, console errors, outside traffic."""

    kernel_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def on_websocket(self, ws: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            error = kernel_error(payload)
            if error:
                self.kernel_errors.append(error)

        ws.on("framereceived", on_frame)

    def report(self) -> str:
        parts = []
        for title, items in (
            ("kernel errors", self.kernel_errors),
            ("external requests (blocked)", self.external_requests),
            ("failed requests", self.failed_requests),
            ("page errors", self.page_errors),
            ("console errors", self.console_errors),
        ):
            if items:
                parts.append(f"{title}:\n  " + "\n  ".join(items[:30]))
        return "\n".join(parts) or "no kernel errors, console errors, failed or external requests"


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


def new_watched_page(browser: Browser) -> tuple[BrowserContext, Page, PageWatch]:
    """A fresh context/page that blocks and records every non-local request.

    Blocking makes the offline behaviour deterministic: the test proves the
    page works without a CDN whether or not the machine has internet access.
    """
    watch = PageWatch()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)

    def block_external(route: Route) -> None:
        watch.external_requests.append(route.request.url)
        route.abort()

    context.route(_is_external, block_external)
    page = context.new_page()
    page.on("websocket", watch.on_websocket)
    page.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("requestfailed", lambda req: watch.failed_requests.append(f"{req.method} {req.url}: {req.failure}"))
    return context, page, watch


# --- the dashboard ---------------------------------------------------------------------


def figure_src(page: Page, timeout: int = DEFAULT_TIMEOUT_MS) -> str:
    """Wait for the dashboard figure to show a decoded image and return its src.

    Gives up early when a traceback shows up instead (Voila stops executing the
    notebook at the first error, so the figure would never come).
    """
    try:
        outcome = page.wait_for_function(
            """sel => {
                const img = document.querySelector(sel);
                if (img && img.getAttribute('src') && img.complete && img.naturalWidth > 0
                    && img.getBoundingClientRect().width > 0) return 'figure';
                return document.body && document.body.innerText.includes('Traceback') ? 'traceback' : false;
            }""",
            arg=FIGURE_IMG,
            timeout=timeout,
        ).json_value()
    except PlaywrightTimeoutError:
        raise AssertionError(f"no dashboard figure ({FIGURE_IMG}) after {timeout / 1000:.0f}s") from None
    if outcome != "figure":
        raise AssertionError("traceback instead of the dashboard figure:\n" + "\n".join(traceback_problems(page)))
    return str(page.locator(FIGURE_IMG).first.get_attribute("src"))


def figure_digest(page: Page) -> str:
    """SHA-256 of the PNG currently displayed (ipywidgets serves it as a blob: URL)."""
    b64 = page.evaluate(
        """async sel => {
            const img = document.querySelector(sel);
            const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            let s = '';
            for (const b of bytes) s += String.fromCharCode(b);
            return btoa(s);
        }""",
        FIGURE_IMG,
    )
    return hashlib.sha256(base64.b64decode(b64)).hexdigest()


def slider_readout(page: Page) -> str:
    readout = page.locator(f"{LR_SLIDER} .widget-readout").first
    return readout.inner_text() if readout.count() else "<no readout>"


def nudge_lr_slider(page: Page, presses: int, key: str = "ArrowRight") -> None:
    """Move the learning-rate slider the way a keyboard user would.

    Key presses move by exactly one step regardless of layout, unlike a drag
    by pixels; noUiSlider turns each into slide/change events that ipywidgets
    syncs to the kernel.
    """
    handle = page.locator(LR_HANDLE).first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        handle.press(key)


def wait_figure_changed(page: Page, old_src: str, timeout: int) -> None:
    """Wait until the figure shows a decoded image with a src other than ``old_src``."""
    try:
        page.wait_for_function(
            """([sel, old]) => { const img = document.querySelector(sel);
                                 return !!img && !!img.getAttribute('src')
                                        && img.getAttribute('src') !== old
                                        && img.complete && img.naturalWidth > 0; }""",
            arg=[FIGURE_IMG, old_src],
            timeout=timeout,
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"figure not redrawn within {timeout / 1000:.0f}s after moving the learning-rate "
            f"slider (readout now {slider_readout(page)})"
        ) from None


def wait_figure_settled(page: Page, timeout: int, quiet_s: float = 1.5) -> None:
    """Wait until the figure has not changed for ``quiet_s``.

    Each key press queues a redraw in the kernel; looking for errors before
    the last one ran could miss a failure in a later callback.
    """
    img = page.locator(FIGURE_IMG).first
    deadline = time.monotonic() + timeout / 1000
    last, stable_since = img.get_attribute("src"), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        src = img.get_attribute("src")
        if src != last:
            last, stable_since = src, time.monotonic()
        elif time.monotonic() - stable_since >= quiet_s:
            return
    raise AssertionError(f"figure still changing after {timeout / 1000:.0f}s")


def traceback_problems(page: Page) -> list[str]:
    """Tracebacks or errors shown on the page (stderr outputs, then any page text)."""
    problems = [
        f"stderr output: {text.strip()[:2000]}"
        for text in page.locator(STDERR_OUTPUT).all_inner_texts()
        if "Traceback" in text or "Error" in text
    ]
    body = page.locator("body").inner_text()
    if "Traceback" in body and not problems:
        start = body.index("Traceback")
        problems.append(f"page text: ...{body[max(0, start - 300) : start + 1500]}")
    return problems


# --- screenshots and failure reports ------------------------------------------------------


def screenshots_dir(fallback: Path) -> Path:
    path = Path(os.environ.get("EPOCHLAB_SCREENSHOTS") or fallback)
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, directory: Path, name: str) -> Path:
    """Save a screenshot with the figure in view and print where it went."""
    figure = page.locator(FIGURE_IMG)
    if figure.count():
        # A screenshot without scrolling is still useful.
        with contextlib.suppress(PlaywrightTimeoutError):
            figure.first.scroll_into_view_if_needed(timeout=5_000)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


@contextmanager
def explained_failure(
    page: Page, watch: PageWatch, directory: Path, name: str, server_log: Callable[[], str]
) -> Iterator[None]:
    """On any failure: take a screenshot, re-raise with page and server diagnostics."""
    try:
        yield
    except Exception as exc:
        try:
            shot = str(screenshot(page, directory, f"{name}-FAILED"))
        except Exception as shot_exc:  # the page may be gone; keep the real error
            shot = f"<screenshot failed: {shot_exc}>"
        raise AssertionError(
            f"{name}: {exc}\n\nscreenshot: {shot}\n\n--- page ---\n{watch.report()}"
            f"\n\n--- server log (tail) ---\n{server_log()}"
        ) from exc


# --- JupyterLab ----------------------------------------------------------------------------

# window.jupyterapp exists because the server runs with expose_app_in_browser.
_LAB_NOTEBOOK_READY = """name => {
    const app = window.jupyterapp;
    const nb = app && app.shell.currentWidget;
    if (!nb || !nb.context || !nb.sessionContext || !nb.content) return false;
    if (!nb.context.path.endsWith(name) || !nb.context.isReady) return false;
    const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}"""

# Fire and record: the command's promise settles when the last cell finished
# (false if a cell raised), which may take longer than one evaluate() should.
_LAB_RUN_ALL = """() => {
    window.__epochlabRunAll = 'running';
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => { window.__epochlabRunAll = ok === false ? 'a cell raised' : 'done'; },
        err => { window.__epochlabRunAll = 'command failed: ' + err; });
}"""


def lab_wait_kernel_idle(page: Page, notebook: str, timeout: int) -> None:
    """Wait for the notebook to be open with a connected, idle kernel.

    Should JupyterLab ask which kernel to use (the notebook names a kernelspec
    that is not installed), accept its proposal instead of hanging.
    """
    deadline = time.monotonic() + timeout / 1000
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    while time.monotonic() < deadline:
        if accept.count() and accept.first.is_visible():
            accept.first.click()
        try:
            page.wait_for_function(_LAB_NOTEBOOK_READY, arg=notebook, timeout=1_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"{notebook}: no idle kernel after {timeout / 1000:.0f}s")


def lab_run_all_cells(page: Page, timeout: int) -> None:
    """Run every cell with JupyterLab's own 'Run All Cells' command and wait for the end."""
    page.evaluate(_LAB_RUN_ALL)
    page.wait_for_function("() => window.__epochlabRunAll !== 'running'", timeout=timeout)
    status = page.evaluate("() => window.__epochlabRunAll")
    if status != "done":
        details = "\n".join(traceback_problems(page)) or "(no traceback visible)"
        raise AssertionError(f"'Run All Cells' ended with: {status}\n{details}")

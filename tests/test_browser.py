"""Real-browser tests of the instructor dashboard (notebook 11).

Debian's chromium (/usr/bin/chromium, installed by .ci/install-browser) is
driven by the Python playwright package; Playwright's own browser downloads
are never used.  Outside CI the tests skip with a reason when chromium,
playwright or the notebook is missing; with CI=true they fail instead.

Environment knobs:
  EPOCHLAB_BROWSER_NOTEBOOK  serve this notebook instead of
                             notebooks/11_instructor_dashboard.ipynb (development)
  EPOCHLAB_SCREENSHOTS       directory for screenshots (default: pytest tmp dir)
  EPOCHLAB_BROWSER_RUN_TIMEOUT     seconds for the notebook to run/render (90)
  EPOCHLAB_BROWSER_UPDATE_TIMEOUT  seconds for a slider move to redraw (30)
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser import servers

# pages imports playwright; import it only when present so that a machine
# without playwright gets a skip (or, in CI, a clear failure), not an ImportError.
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
if HAVE_PLAYWRIGHT or TYPE_CHECKING:
    from browser import pages

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser  # registered in pyproject.toml

NOTEBOOK = "11_instructor_dashboard.ipynb"  # JupyterLab runs the notebook; Voila serves the lecture page
NOTEBOOKS_DIR = servers.REPO_ROOT / "notebooks"
KERNEL_TIMEOUT_MS = 60_000
SLIDER_PRESSES = 5


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(ok: bool, reason: str) -> None:
    """Skip when a prerequisite is missing, except in CI where it must fail."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")  # per module: test_browser_lecture.py shares it, one playwright at a time
def chromium_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    require(HAVE_PLAYWRIGHT, "the playwright Python package is not installed")
    require(
        pages.CHROMIUM.is_file() and os.access(pages.CHROMIUM, os.X_OK),
        f"{pages.CHROMIUM} is missing (run .ci/install-browser)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = pages.launch_chromium(playwright, tmp_path_factory.mktemp("chromium"))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def notebook_copy(tmp_path: Path) -> Path:
    """A private copy of notebooks/ (the server may autosave/checkpoint into it)."""
    override = os.environ.get("EPOCHLAB_BROWSER_NOTEBOOK")
    source = Path(override) if override else NOTEBOOKS_DIR / NOTEBOOK
    require(source.is_file(), f"dashboard notebook {source} does not exist")
    root = tmp_path / "notebooks"
    if NOTEBOOKS_DIR.is_dir():
        shutil.copytree(NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    root.mkdir(exist_ok=True)
    shutil.copyfile(source, root / NOTEBOOK)
    return root


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return pages.screenshots_dir(tmp_path / "screenshots")


@pytest.fixture
def lab_server(notebook_copy: Path, tmp_path: Path) -> Iterator[servers.Server]:
    with servers.running_server("JupyterLab", notebook_copy, tmp_path / "lab-state", kind="lab") as server:
        yield server


@pytest.fixture
def voila_server(notebook_copy: Path, tmp_path: Path) -> Iterator[servers.Server]:
    with servers.running_server(
        "Voila", notebook_copy, tmp_path / "voila-state", kind="voila", notebook="lecture/dashboard.ipynb"
    ) as server:
        yield server


def check_slider_redraws(page: Page, shots: Path, name: str, watch: pages.PageWatch) -> None:
    """Shared second half: figure shown -> move slider -> figure redrawn, no traceback."""
    update_timeout = pages.timeout_ms("EPOCHLAB_BROWSER_UPDATE_TIMEOUT", 30)
    src_before = pages.figure_src(page)
    digest_before = pages.figure_digest(page)
    readout_before = pages.slider_readout(page)
    pages.screenshot(page, shots, f"{name}-before")

    pages.nudge_lr_slider(page, presses=SLIDER_PRESSES)
    pages.wait_figure_changed(page, src_before, update_timeout)
    pages.wait_figure_settled(page, update_timeout)
    readout_after = pages.slider_readout(page)
    pages.screenshot(page, shots, f"{name}-after")

    assert readout_after != readout_before, f"slider readout did not move: {readout_before!r} -> {readout_after!r}"
    assert pages.figure_digest(page) != digest_before, "new <img> src but identical PNG bytes"
    problems = watch.kernel_errors + pages.traceback_problems(page)
    assert not problems, "\n\n".join(problems)
    print(f"{name}: learning rate {readout_before} -> {readout_after}, figure redrawn")


def test_lab_runs_dashboard_and_slider_redraws(
    chromium_browser: Browser, lab_server: servers.Server, shots: Path
) -> None:
    context, page, watch = pages.new_watched_page(chromium_browser)
    try:
        with pages.explained_failure(page, watch, shots, "lab", lab_server.log_tail):
            page.goto(lab_server.url(f"lab/tree/{NOTEBOOK}"))
            pages.lab_wait_kernel_idle(page, NOTEBOOK, KERNEL_TIMEOUT_MS)
            pages.lab_run_all_cells(page, pages.timeout_ms("EPOCHLAB_BROWSER_RUN_TIMEOUT", 90))
            check_slider_redraws(page, shots, "lab", watch)
        print(watch.report())
    finally:
        context.close()


def test_voila_dashboard_slider_redraws(chromium_browser: Browser, voila_server: servers.Server, shots: Path) -> None:
    context, page, watch = pages.new_watched_page(chromium_browser)
    try:
        with pages.explained_failure(page, watch, shots, "voila", voila_server.log_tail):
            page.goto(voila_server.url(""), timeout=pages.timeout_ms("EPOCHLAB_BROWSER_RUN_TIMEOUT", 90))
            pages.figure_src(page, timeout=pages.timeout_ms("EPOCHLAB_BROWSER_RUN_TIMEOUT", 90))
            check_slider_redraws(page, shots, "voila", watch)
        print(watch.report())
    finally:
        context.close()

"""The lecture page (``python3 dev.py voila``) in a real browser: one screen, no answers, honest branches,
divergence named, and a reload never leaks a kernel. Debian chromium through Playwright, as test_browser.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser import servers
from test_browser import HAVE_PLAYWRIGHT, chromium_browser, notebook_copy, require, shots  # noqa: F401

if HAVE_PLAYWRIGHT or TYPE_CHECKING:
    from browser import lecture, pages

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ANSWERS = ("ceil(64/24)", "Lecture notes", "Predict before you run", "assert", "Check 1", "diverged: True",
           "not answered", "sawtooth")


@pytest.fixture
def lecture_server(notebook_copy: Path, tmp_path: Path) -> Iterator[servers.Server]:  # noqa: F811
    require((notebook_copy / lecture.LECTURE).is_file(), "notebooks/lecture/dashboard.ipynb is missing")
    with servers.running_server("Voila", notebook_copy, tmp_path / "voila-state", kind="voila",
                                notebook=lecture.LECTURE) as server:
        yield server


def _page(browser: Browser, width: int, height: int) -> tuple[object, Page, pages.PageWatch]:
    context, page, watch = pages.new_watched_page(browser)
    page.set_viewport_size({"width": width, "height": height})
    return context, page, watch


def test_the_lecture_page_fits_one_screen_and_shows_no_answers(
        chromium_browser: Browser, lecture_server: servers.Server, shots: Path) -> None:  # noqa: F811
    context, page, watch = _page(chromium_browser, 1280, 720)
    try:
        with pages.explained_failure(page, watch, shots, "lecture", lecture_server.log_tail):
            seconds = lecture.open_lecture(page, lecture_server)
            report = lecture.fit_report(page)
            page.screenshot(path=str(shots / "lecture-1280x720.png"))
            assert report["bottom"] <= report["height"] and report["right"] <= report["width"], report
            assert report["page_height"] <= report["height"] and not report["scrolling"], report
            assert report["min_font"] >= 18, f"control text below 18 px: {report}"
            assert report["img_natural"] == report["img_shown"], f"the figure is rescaled: {report}"
            text = page.locator("body").inner_text()
            assert not [a for a in ANSWERS if a in text], f"the lecture page shows notebook text: {text[:500]}"
            assert "space play/pause" in text, "the keys are documented on screen"
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.locator(".epochlab-dashboard button", has_text="1080p").click()
            pages.wait_figure_settled(page, 30_000, quiet_s=1.0)
            large = lecture.fit_report(page)
            page.screenshot(path=str(shots / "lecture-1920x1080.png"))
            assert large["bottom"] <= large["height"] and large["right"] <= large["width"], large
            assert large["img_natural"] == large["img_shown"] and large["img_natural"][0] > 1200, large
            assert large["min_font"] >= 24, large
            assert not watch.kernel_errors + pages.traceback_problems(page)
            print(f"figure after {seconds:.1f} s; 1280x720: {report}; 1920x1080: {large}")
    finally:
        context.close()  # type: ignore[attr-defined]


def test_a_branch_keeps_the_data_order_and_the_epochs_setting(
        chromium_browser: Browser, lecture_server: servers.Server, shots: Path) -> None:  # noqa: F811
    context, page, watch = _page(chromium_browser, 1280, 720)
    try:
        with pages.explained_failure(page, watch, shots, "branch", lecture_server.log_tail):
            lecture.open_lecture(page, lecture_server)
            readout = page.locator(".epochlab-dashboard .epochlab-table")
            table_before = readout.inner_text()
            lecture.blur(page)
            for _ in range(10):  # back ten epochs (down arrow): iteration 80, the end of epoch 10
                lecture.press_and_settle(page, "ArrowDown")
            lecture.press_and_settle(page, "ArrowRight")  # inside epoch 11: a branch snaps back to 80
            lecture.press_and_settle(page, "b")
            banner = page.locator(".epochlab-banner").inner_text()
            assert "branched at iteration 80 (end of epoch 10)" in banner, banner
            status = page.locator(".epochlab-dashboard b", has_text="iteration").first.inner_text()
            assert "iteration 160 of 160" in status and "epoch 20 of 20" in status, status
            assert readout.inner_text() == table_before, "branching with nothing changed changed the run"
            page.screenshot(path=str(shots / "branch.png"))
            report = lecture.fit_report(page)
            assert report["bottom"] <= report["height"], f"with the banner the page no longer fits: {report}"
            for _ in range(5):  # epochs 20 -> 15: the whole run is 15 epochs, branch or not
                lecture.press_and_settle(page, "ArrowLeft", handle=lecture.slider_handle("epochs"))
            status = page.locator(".epochlab-dashboard b", has_text="iteration").first.inner_text()
            assert "iteration 120 of 120" in status and "epoch 15 of 15" in status, status
            assert "branched at iteration 80" in page.locator(".epochlab-banner").inner_text()
            assert not watch.kernel_errors + pages.traceback_problems(page)
    finally:
        context.close()  # type: ignore[attr-defined]


def test_divergence_is_named_at_lr_1_05(
        chromium_browser: Browser, lecture_server: servers.Server, shots: Path) -> None:  # noqa: F811
    context, page, watch = _page(chromium_browser, 1280, 720)
    try:
        with pages.explained_failure(page, watch, shots, "diverging", lecture_server.log_tail):
            lecture.open_lecture(page, lecture_server)
            src = pages.figure_src(page)
            readout = page.locator(f"{pages.LR_SLIDER} .widget-readout").first
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("1.05")
            page.keyboard.press("Enter")
            pages.wait_figure_changed(page, src, 30_000)
            pages.wait_figure_settled(page, 30_000, quiet_s=1.0)
            assert pages.slider_readout(page).startswith("1.05"), pages.slider_readout(page)
            text = page.locator(".epochlab-dashboard").inner_text()
            page.screenshot(path=str(shots / "diverging-lr-1.05.png"))
            assert "diverging since epoch" in text and "lr=1.05 is too large" in text, text[-600:]
            assert not watch.kernel_errors + pages.traceback_problems(page)
    finally:
        context.close()  # type: ignore[attr-defined]


def test_ten_reloads_leave_one_kernel(chromium_browser: Browser, lecture_server: servers.Server,  # noqa: F811
                                      shots: Path) -> None:  # noqa: F811
    context, page, watch = _page(chromium_browser, 1280, 720)
    try:
        with pages.explained_failure(page, watch, shots, "reloads", lecture_server.log_tail):
            lecture.open_lecture(page, lecture_server)
            for _ in range(10):
                page.reload(wait_until="domcontentloaded")
                page.wait_for_timeout(1500)
            lecture.open_lecture(page, lecture_server)  # the page in use: its kernel must survive
            deadline = time.monotonic() + 90
            while len(lecture.kernels(lecture_server)) > 1 and time.monotonic() < deadline:
                time.sleep(2)
            alive = lecture.kernels(lecture_server)
            rss = sum(p.memory_info().rss for p in alive) / 2**20
            assert len(alive) == 1, f"{len(alive)} kernels after 10 reloads (culling is off?)"
            assert rss < 1024, f"the remaining kernel holds {rss:.0f} MiB"
            src = pages.figure_src(page)
            lecture.blur(page)
            page.keyboard.press("ArrowLeft")
            pages.wait_figure_changed(page, src, 30_000)  # the survivor is the page's own kernel
            print(f"1 kernel after 10 reloads, {rss:.0f} MiB")
    finally:
        context.close()  # type: ignore[attr-defined]

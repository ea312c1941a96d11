"""Driving the lecture page (``dev.py voila``'s notebooks/lecture/dashboard.ipynb) in chromium.

Shared by tests/test_browser_lecture.py and benchmarks/bench_dashboard.py --browser: open the page at a
screen size, measure what fits, press keys, time key press -> new image shown.
"""

from __future__ import annotations

import time
from typing import Any

import psutil
from playwright.sync_api import Page

from . import pages, servers

LECTURE = "lecture/dashboard.ipynb"

# Key press -> the figure <img> has loaded a new image: times taken in the page (performance.now()).
_TIMER = """() => {
  if (window.__epochlabTimer) return;
  window.__epochlabTimer = true; window.__t0 = 0; window.__t1 = 0;
  document.addEventListener('keydown', () => { window.__t0 = performance.now(); window.__t1 = 0; }, true);
  const img = document.querySelector('img.epochlab-figure');
  img.addEventListener('load', () => { if (window.__t0) window.__t1 = performance.now(); });
}"""


def open_lecture(page: Page, server: servers.Server, *, timeout_s: float = 120) -> float:
    """Load the lecture page and wait for the figure; the seconds it took."""
    start = time.monotonic()
    page.goto(server.url(""), timeout=int(timeout_s * 1000))
    pages.figure_src(page, timeout=int(timeout_s * 1000))
    page.evaluate(_TIMER)
    return time.monotonic() - start


def fit_report(page: Page) -> dict[str, Any]:
    """Where the dashboard ends, the viewport, anything that scrolls, and the smallest control text."""
    return dict(page.evaluate("""() => {
      const r = document.querySelector('.epochlab-dashboard').getBoundingClientRect();
      const scrolling = [...document.querySelectorAll('*')].filter(e => e.scrollHeight > e.clientHeight + 1
          && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).length;
      const sizes = [...document.querySelectorAll('.epochlab-dashboard .widget-label, .epochlab-dashboard button,'
          + ' .epochlab-dashboard .widget-readout')].filter(e => e.offsetParent !== null)
          .map(e => parseFloat(getComputedStyle(e).fontSize));
      const img = document.querySelector('img.epochlab-figure');
      return {bottom: r.bottom, right: r.right, height: innerHeight, width: innerWidth, scrolling: scrolling,
              page_height: document.documentElement.scrollHeight, min_font: Math.min(...sizes),
              img_natural: [img.naturalWidth, img.naturalHeight], img_shown: [img.clientWidth, img.clientHeight]};
    }"""))


def blur(page: Page) -> None:
    """Take the focus off any control, so that keys reach the dashboard's shortcuts."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def press_timed(page: Page, key: str, *, handle: str | None = None, timeout_ms: int = 30_000) -> float:
    """Press ``key`` (on a slider handle, or the page) and return ms until the figure shows a new image."""
    if handle:
        page.locator(handle).first.press(key)
    else:
        page.keyboard.press(key)
    page.wait_for_function("() => window.__t1 > 0 && window.__t1 >= window.__t0", timeout=timeout_ms)
    return float(page.evaluate("() => window.__t1 - window.__t0"))


def press_and_settle(page: Page, key: str, *, handle: str | None = None) -> None:
    """Press ``key`` and wait until the figure stops changing."""
    src = pages.figure_src(page)
    if handle:
        page.locator(handle).first.press(key)
    else:
        page.keyboard.press(key)
    pages.wait_figure_changed(page, src, 30_000)
    pages.wait_figure_settled(page, 30_000, quiet_s=0.8)


def slider_handle(name: str) -> str:
    """The CSS selector of a dashboard slider's handle by its visible description."""
    return f".epochlab-dashboard .widget-slider:has(.widget-label:text-is('{name}')) .noUi-handle"


def kernels(server: servers.Server) -> list[psutil.Process]:
    """The server's kernel processes (they carry its marker)."""
    found = []
    for proc in servers._marked_processes(server.marker):
        try:
            if "ipykernel" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue
    return found

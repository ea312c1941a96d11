"""Key press -> new image in the real browser, per setting: the lecture page served as ``dev.py voila`` serves it.

Used by ``bench_dashboard.py --browser``. Settings are made the way a lecturer makes them, with keys
(Home/End on a slider handle, ``p`` / ``i`` for a mode); each timed move alternates two key presses.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import lecture, pages, servers  # noqa: E402

#: setting -> the keys that make it: (slider description or None for the page, key)
KEYS: list[tuple[str, list[tuple[str | None, str]]]] = [
    ("defaults", []),
    ("batch 1 x 60 epochs", [("batch size", "Home"), ("epochs", "End")]),
    ("reinit x 60 epochs", [(None, "i"), ("epochs", "End")]),
    ("point mode, defaults", [(None, "p")]),
    ("point, 20 steps/point x 60 epochs", [(None, "p"), ("steps per point", "End"), ("epochs", "End")]),
]


def browser_table(moves: int) -> list[tuple[str, str, np.ndarray]]:
    from playwright.sync_api import sync_playwright

    rows = []
    root = Path(tempfile.mkdtemp(prefix="epochlab-bench-"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    try:
        with servers.running_server("Voila", root / "notebooks", root / "state", kind="voila",
                                    notebook=lecture.LECTURE) as server, sync_playwright() as playwright:
            browser = pages.launch_chromium(playwright, root / "chromium")
            for name, keys in KEYS:
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                page = context.new_page()
                seconds = lecture.open_lecture(page, server)
                for slider, key in keys:
                    if slider is None:
                        lecture.blur(page)
                    lecture.press_and_settle(page, key, handle=lecture.slider_handle(slider) if slider else None)
                status = page.locator(".epochlab-dashboard b", has_text="iteration").first.inner_text()
                print(f"{name}: {status} (page ready in {seconds:.1f} s)", flush=True)
                handle = pages.LR_HANDLE
                for key in ("ArrowRight", "ArrowLeft"):  # warm-up: first renders of both values
                    lecture.press_timed(page, key, handle=handle)
                lr = [lecture.press_timed(page, ("ArrowRight", "ArrowLeft")[i % 2], handle=handle)
                      for i in range(moves)]
                rows.append((name, "lr key", np.array(lr)))
                lecture.blur(page)
                lecture.press_timed(page, "ArrowLeft")
                rewind = [lecture.press_timed(page, ("ArrowLeft", "ArrowRight")[i % 2]) for i in range(moves)]
                rows.append((name, "rewind key", np.array(rewind)))
                context.close()
            browser.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return rows

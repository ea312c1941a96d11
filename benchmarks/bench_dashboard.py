"""The dashboard's latency at every setting: in the kernel (control move -> PNG) and in the real browser.

    python benchmarks/bench_dashboard.py [--moves 30]            # kernel side, headless
    python benchmarks/bench_dashboard.py --browser [--moves 20]  # Voila + chromium: key press -> new image

Kernel side, a move is ``dash.controls["lr"].value = x`` (alternating two values) or a cursor move:
it retrains and renders the PNG before returning. In the browser (see bench_dashboard_browser.py) a
move is a key press on the learning-rate slider, or the left/right arrow shortcut, timed in the page
from the keydown to the figure's ``load`` of the new image. Goals (issue 11): p50 <= 60 ms at the
defaults, p95 <= 150 ms at every setting. No asserts: this prints numbers.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from epochlab.views.dashboard import Dashboard

#: (name, control values): the defaults and the heaviest corners the controls allow.
SETTINGS: list[tuple[str, dict[str, object]]] = [
    ("defaults", {}),
    ("batch 1 x 60 epochs", {"batch_size": 1, "epochs": 60}),
    ("reinit x 60 epochs", {"between_epochs": "reinit", "epochs": 60}),
    ("point mode, defaults", {"between_epochs": "point"}),
    ("point, 20 steps/point x 60 epochs", {"between_epochs": "point", "steps_per_point": 20, "epochs": 60}),
]


def timings(action: Callable[[], object], repeats: int) -> np.ndarray:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return np.array(out) * 1e3


def kernel_table(moves: int) -> list[tuple[str, str, np.ndarray]]:
    """(setting, move kind, ms per move) measured headless."""
    return [row for name, values in SETTINGS for row in _kernel_setting(name, values, moves)]


def _kernel_setting(name: str, values: dict[str, object], moves: int) -> list[tuple[str, str, np.ndarray]]:
    dash = Dashboard()
    for key, value in values.items():
        dash.controls[key].value = value
    lrs = [0.056, 0.05]
    for value in lrs * 2:  # warm-up: the first render of each axis-limit set
        dash.controls["lr"].value = value
    counter = iter(range(10**9))
    lr = timings(lambda: setattr(dash.controls["lr"], "value", lrs[next(counter) % 2]), moves)
    end = dash.cursor.max
    rewind = timings(lambda: dash.rewind(end - 1 - next(counter) % 2), moves)
    return [(name, "lr move", lr), (name, "rewind 1 step", rewind)]


def print_table(title: str, rows: list[tuple[str, str, np.ndarray]]) -> None:
    print(title)
    print(f"| {'setting':36} | {'move':14} | p50 ms | p95 ms |")
    print(f"|{'-' * 38}|{'-' * 16}|--------|--------|")
    for name, kind, ms in rows:
        print(f"| {name:36} | {kind:14} | {np.median(ms):6.1f} | {np.percentile(ms, 95):6.1f} |")
    worst = max(np.percentile(ms, 95) for _, _, ms in rows)
    defaults = max(np.median(ms) for name, _, ms in rows if name == "defaults")
    print(f"goal p50 <= 60 ms at defaults: {'met' if defaults <= 60 else 'NOT met'} ({defaults:.1f}); "
          f"p95 <= 150 ms everywhere: {'met' if worst <= 150 else 'NOT met'} (worst {worst:.1f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--browser", action="store_true", help="measure in Voila + chromium instead")
    args = parser.parse_args(argv)
    if args.browser:
        from bench_dashboard_browser import browser_table

        print_table("in the browser: key press -> new image shown", browser_table(args.moves))
    else:
        print_table("kernel: move -> redrawn PNG", kernel_table(args.moves))


if __name__ == "__main__":
    main()

"""Smoke test: the dashboard benchmark still runs (two moves, no timing asserts), so it cannot rot."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def test_bench_dashboard_runs(capsys) -> None:
    spec = importlib.util.spec_from_file_location("bench_dashboard", ROOT / "benchmarks" / "bench_dashboard.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--moves", "2"])
    out = capsys.readouterr().out
    for line in ("move -> redrawn PNG", "defaults", "point, 20 steps/point x 60 epochs", "p95"):
        assert line in out, f"benchmark output lost its line: {line!r}"

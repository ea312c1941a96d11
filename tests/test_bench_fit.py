"""Smoke test: the fit benchmark still runs (tiny sizes, no timing asserts), so it cannot rot."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def test_bench_fit_runs(capsys) -> None:
    spec = importlib.util.spec_from_file_location("bench_fit", ROOT / "benchmarks" / "bench_fit.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    samples = bench.main(["--n", "24", "--batch-size", "8", "--min-time", "0.001", "--repeats", "2"])
    assert set(samples) == {"canonical torch loop", "fit", "fit + WeightSnapshots(step)", "numpy gradient loop"}
    assert all(len(values) == 2 and min(values) > 0 for values in samples.values())
    out = capsys.readouterr().out
    assert "fit / canonical torch loop" in out and "snapshot overhead" in out

"""Smoke test: the trace benchmark still runs (tiny sizes, no timing asserts), so it cannot rot."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def test_bench_trace_runs(capsys) -> None:
    spec = importlib.util.spec_from_file_location("bench_trace", ROOT / "benchmarks" / "bench_trace.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    samples = bench.main(["--n-linear", "32", "--n-mlp", "64", "--min-time", "0.001", "--repeats", "2"])
    assert set(samples) == {"canonical loop", "canonical loop traced", "MLP loop", "MLP loop traced"}
    assert all(len(values) == 2 and min(values) > 0 for values in samples.values())
    out = capsys.readouterr().out
    assert "traced / untraced" in out and "MLP loop" in out and "<= 1.15" in out

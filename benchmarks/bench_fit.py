"""How much does ``fit`` cost per step, next to the loop you would write by hand?

Run: ``python benchmarks/bench_fit.py`` (options: ``--help``). Not a test: it prints one run's
medians. Every variant trains a 2-weight linear net (no bias) on N=256 samples in mini-batches
of 16, for enough epochs that each timed run lasts at least ``--min-time`` seconds.

Times are process CPU time by default (``--clock wall`` for wall-clock): on a shared machine the
wall clock mostly measures the wait for a free core. torch runs on one thread, so CPU time is
the loop's own cost (tensors this small never use a second thread anyway).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from epochlab import LinearNet, WeightSnapshots, fit, make_linear_data

LR = 0.05
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
Variant = Callable[[int], None]  # trains for the given number of epochs


def variants(n: int, batch_size: int) -> dict[str, Variant]:
    """The four loops under test, each training a fresh net on the same data."""
    X, y = make_linear_data(n, [1.5, -2.0], noise=0.1, seed=0)

    def canonical(epochs: int) -> None:
        # The textbook loop, with the same data order as fit and the loss logged every step.
        model = LinearNet(2, bias=False)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        generator = torch.Generator().manual_seed(0)
        losses = []
        for _ in range(epochs):
            for batch in torch.randperm(n, generator=generator).split(batch_size):
                opt.zero_grad()
                loss = F.mse_loss(model(X[batch]), y[batch])
                loss.backward()
                opt.step()
                losses.append(loss.item())

    def library(epochs: int) -> None:
        fit(LinearNet(2, bias=False), X, y, epochs=epochs, lr=LR, batch_size=batch_size)

    def snapshots(epochs: int) -> None:
        snaps = WeightSnapshots(every="step")
        fit(LinearNet(2, bias=False), X, y, epochs=epochs, lr=LR, batch_size=batch_size, callbacks=[snaps])

    Xn, yn = X.numpy().astype(np.float64), y.numpy()[:, 0].astype(np.float64)

    def numpy_loop(epochs: int) -> None:
        # The floor: the same SGD steps with the gradient written out, 2/B Xb^T (Xb w - yb).
        w = np.zeros(2)
        rng = np.random.default_rng(0)
        losses = []
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                Xb = Xn[idx]
                residual = Xb @ w - yn[idx]
                losses.append(float(residual @ residual) / len(idx))
                w -= LR * 2.0 / len(idx) * (Xb.T @ residual)

    return {"canonical torch loop": canonical, "fit": library, "fit + WeightSnapshots(step)": snapshots,
            "numpy gradient loop": numpy_loop}


def seconds(run: Variant, epochs: int, clock: Callable[[], float] = time.process_time) -> float:
    start = clock()
    run(epochs)
    return clock() - start


def calibrate(run: Variant, min_time: float, clock: Callable[[], float]) -> int:
    """Epochs for one timed run to last at least ``min_time`` seconds (with a 30% margin)."""
    epochs = 1
    while (elapsed := seconds(run, epochs, clock)) < min_time / 10:
        epochs *= 4
    return max(1, math.ceil(epochs * 1.3 * min_time / max(elapsed, 1e-9)))


def measure(n: int = 256, batch_size: int = 16, *, min_time: float = 0.3, repeats: int = 7,
            clock: str = "cpu") -> dict[str, list[float]]:
    """Milliseconds per step of every timed run of each variant, interleaved so load drifts hit all alike."""
    tick = CLOCKS[clock]
    runs = variants(n, batch_size)
    for run in runs.values():
        run(2)  # warm-up: the first torch.optim use imports torch._dynamo (seconds)
    epochs = {name: calibrate(run, min_time, tick) for name, run in runs.items()}
    steps_per_epoch = math.ceil(n / batch_size)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(seconds(run, epochs[name], tick) / (epochs[name] * steps_per_epoch) * 1e3)
    return samples


def report(samples: dict[str, list[float]]) -> str:
    """The table: median (and fastest) ms/step, and each ratio of medians against its goal."""
    ms = {name: statistics.median(values) for name, values in samples.items()}
    fit_ms, canonical_ms = ms["fit"], ms["canonical torch loop"]
    rows = [f"{'variant':<28} {'ms/step':>8} {'(fastest)':>10}"]
    rows += [f"{name:<28} {ms[name]:>8.4f} {min(values):>10.4f}" for name, values in samples.items()]
    checks = [
        ("fit / canonical torch loop", fit_ms / canonical_ms, "<= 1.10", fit_ms / canonical_ms <= 1.10),
        ("snapshot overhead (step)", ms["fit + WeightSnapshots(step)"] / fit_ms - 1, "<= 10%",
         ms["fit + WeightSnapshots(step)"] / fit_ms - 1 <= 0.10),
        ("fit / numpy loop (floor)", fit_ms / ms["numpy gradient loop"], "report", None),
    ]
    rows.append("")
    rows.append(f"{'ratio':<28} {'value':>8}  {'goal':<8} met")
    for name, value, goal, met in checks:
        shown = f"{value:>7.1%}" if goal.endswith("%") else f"{value:>7.2f}x"
        rows.append(f"{name:<28} {shown:>8}  {goal:<8} {'-' if met is None else ('yes' if met else 'NO')}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="samples (default 256)")
    parser.add_argument("--batch-size", type=int, default=16, help="mini-batch size (default 16)")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per timed run (default 0.3)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per variant; the median is shown")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="process CPU time or wall clock")
    args = parser.parse_args(argv)
    samples = measure(args.n, args.batch_size, min_time=args.min_time, repeats=args.repeats, clock=args.clock)
    print(f"N={args.n}, B={args.batch_size}, 2-weight linear net, torch {torch.__version__}, "
          f"{args.clock} time, median of {args.repeats} runs per variant")
    print(report(samples))
    return samples


if __name__ == "__main__":
    torch.set_num_threads(1)  # here, not in main(): importing callers keep their own setting
    main()

"""What does ``epochlab.trace()`` cost per step, on the canonical 2-weight loop and on a small MLP loop?

Run: ``python benchmarks/bench_trace.py`` (options: ``--help``). Not a test: it prints one run's
medians. Each loop runs untraced and inside ``with epochlab.trace()``, for enough epochs that each
timed run lasts at least ``--min-time`` seconds; runs are interleaved so load drifts hit all alike.

- canonical loop: the 2-weight linear net (no bias) on N=256 samples in mini-batches of 16,
  SGD, tensor indexing with a seeded ``randperm`` per epoch (``t.mark_epoch()`` at each epoch).
- MLP loop: 64 features -> 64 ReLU units -> 10 classes, Adam, cross-entropy, a shuffling
  ``DataLoader`` with batches of 32 over N=512 samples (the trace sees its epochs itself).

Times are process CPU time by default (``--clock wall`` for wall-clock).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from epochlab import LinearNet, make_linear_data, trace

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
Loop = Callable[[int, bool], int]  # (epochs, traced) -> steps taken


def canonical_loop(n: int, batch_size: int) -> Loop:
    X, y = make_linear_data(n, [1.5, -2.0], noise=0.1, seed=0)

    def run(epochs: int, traced: bool) -> int:
        model = LinearNet(2, bias=False)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        generator = torch.Generator().manual_seed(0)
        steps = 0
        with trace() if traced else _nothing() as t:
            for _ in range(epochs):
                if t is not None:
                    t.mark_epoch()
                for batch in torch.randperm(n, generator=generator).split(batch_size):
                    opt.zero_grad()
                    loss = F.mse_loss(model(X[batch]), y[batch])
                    loss.backward()
                    opt.step()
                    steps += 1
        return steps

    return run


def mlp_loop(n: int, batch_size: int) -> Loop:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 64, generator=g)
    labels = (X[:, :10] + 0.5 * torch.randn(n, 10, generator=g)).argmax(dim=1)
    dataset = TensorDataset(X, labels)

    def run(epochs: int, traced: bool) -> int:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
        steps = 0
        with trace() if traced else _nothing():
            for _ in range(epochs):
                for xb, yb in loader:
                    opt.zero_grad()
                    F.cross_entropy(model(xb), yb).backward()
                    opt.step()
                    steps += 1
        return steps

    return run


class _nothing:  # noqa: N801 - reads like the context manager it stands in for
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def measure(*, min_time: float = 0.3, repeats: int = 7, clock: str = "cpu", n_linear: int = 256,
            n_mlp: int = 512) -> dict[str, list[float]]:
    """Milliseconds per step of every timed run, per loop, untraced and traced."""
    tick = CLOCKS[clock]
    loops = {"canonical loop": canonical_loop(n_linear, 16), "MLP loop": mlp_loop(n_mlp, 32)}
    runs: dict[str, tuple[Loop, bool]] = {}
    for name, loop in loops.items():
        runs[name] = (loop, False)
        runs[f"{name} traced"] = (loop, True)
    for loop, traced in runs.values():
        loop(2, traced)  # warm-up: the first torch.optim use imports torch._dynamo (seconds)
    epochs = {}
    for name, (loop, traced) in runs.items():
        count = 1
        while (elapsed := _timed(loop, count, traced, tick)[0]) < min_time / 10:
            count *= 4
        epochs[name] = max(1, math.ceil(count * 1.3 * min_time / max(elapsed, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (loop, traced) in runs.items():
            seconds, steps = _timed(loop, epochs[name], traced, tick)
            samples[name].append(seconds / steps * 1e3)
    return samples


def _timed(loop: Loop, epochs: int, traced: bool, tick: Callable[[], float]) -> tuple[float, int]:
    start = tick()
    steps = loop(epochs, traced)
    return tick() - start, steps


def report(samples: dict[str, list[float]]) -> str:
    """The table of median (and fastest) ms/step, then traced/untraced ratios against the goal."""
    ms = {name: statistics.median(values) for name, values in samples.items()}
    rows = [f"{'variant':<24} {'ms/step':>8} {'(fastest)':>10}"]
    rows += [f"{name:<24} {ms[name]:>8.4f} {min(values):>10.4f}" for name, values in samples.items()]
    rows += ["", f"{'traced / untraced':<24} {'ratio':>8}  {'goal':<8} met"]
    for name, goal in (("canonical loop", None), ("MLP loop", 1.15)):
        ratio = ms[f"{name} traced"] / ms[name]
        met = "-" if goal is None else ("yes" if ratio <= goal else "NO")
        rows.append(f"{name:<24} {ratio:>7.3f}x  {'report' if goal is None else f'<= {goal:.2f}':<8} {met}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per timed run (default 0.3)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per variant; the median is shown")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="process CPU time or wall clock")
    parser.add_argument("--n-linear", type=int, default=256, help="samples of the canonical loop (default 256)")
    parser.add_argument("--n-mlp", type=int, default=512, help="samples of the MLP loop (default 512)")
    args = parser.parse_args(argv)
    samples = measure(min_time=args.min_time, repeats=args.repeats, clock=args.clock, n_linear=args.n_linear,
                      n_mlp=args.n_mlp)
    print(f"torch {torch.__version__}, {args.clock} time, median of {args.repeats} runs per variant")
    print(report(samples))
    return samples


if __name__ == "__main__":
    torch.set_num_threads(1)  # here, not in main(): importing callers keep their own setting
    main()

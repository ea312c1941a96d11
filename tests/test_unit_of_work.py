"""Epochs as a unit of work: timing runs, gradient accumulation and real memory limits, against oracles."""

from __future__ import annotations

import copy
import math

import psutil
import pytest
import torch

from epochlab import MLP, LinearNet, fit, flat_weights, make_linear_data
from epochlab.digits import load_digits_split
from epochlab.lessons.accumulation import accumulated_epoch, accumulated_step
from epochlab.lessons.memory import epochs_in_child
from epochlab.lessons.processes import child_env, run_children
from epochlab.lessons.unit_of_work import TimedRun, num_threads, runs_agree, time_grid, timed_fit


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(300, 100, seed=2)


def no_children() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


def test_num_threads_restores_the_callers_count_even_on_error() -> None:
    before = torch.get_num_threads()
    with num_threads(1):
        assert torch.get_num_threads() == 1
    with pytest.raises(KeyError), num_threads(1):
        raise KeyError("boom")
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads"), num_threads(0):
        pass


def test_timed_fit_equals_fit_and_leaves_the_model_alone(digits) -> None:
    net = MLP(64, 16, 10, seed=1)
    start = flat_weights(net)
    run = timed_fit(net, digits.X_train, digits.y_train, threads=1, batch_size=32, epochs=3, lr=0.2,
                    loss="cross_entropy")
    assert torch.equal(flat_weights(net), start), "timed_fit trained the caller's model"
    oracle = copy.deepcopy(net)
    with num_threads(1):  # the same thread count: the same float rounding
        history = fit(oracle, digits.X_train, digits.y_train, epochs=3, lr=0.2, batch_size=32, loss="cross_entropy")
    assert run.epoch_loss == history.epoch_loss and torch.equal(run.weights, flat_weights(oracle))
    assert len(run.seconds) == 4 and run.seconds[0] == 0.0 and run.steps_per_epoch == math.ceil(300 / 32)
    assert all(b > a for a, b in zip(run.seconds, run.seconds[1:])), "seconds must increase epoch by epoch"


def test_epochs_to_target_do_not_depend_on_threads(digits) -> None:
    runs = time_grid(MLP(64, 16, 10, seed=0), digits.X_train, digits.y_train, threads=[1, 2], batch_sizes=[16, 64],
                     epochs=6, lr=0.3, loss="cross_entropy")
    assert [(r.batch_size, r.threads) for r in runs] == [(16, 1), (16, 2), (64, 1), (64, 2)]
    for one, two in (runs[:2], runs[2:]):
        assert torch.allclose(one.weights, two.weights, atol=1e-5), "threads changed the trained weights"
        target = (one.epoch_loss[2] + one.epoch_loss[3]) / 2  # halfway: far from any float-rounding tie
        assert runs_agree([one, two], target) and one.epochs_to(target) == 3
        assert one.seconds_to(target) == one.seconds[3] and one.seconds_per_epoch > 0


def test_epochs_to_and_seconds_to_read_the_boundaries() -> None:
    run = TimedRun(1, 8, 3, [4.0, 2.0, 1.0, 0.5], [0.0, 0.1, 0.3, 0.6], torch.zeros(1))
    assert [run.epochs_to(t) for t in (5.0, 2.0, 0.9, 0.1)] == [0, 1, 3, None]
    assert run.seconds_to(1.0) == 0.3 and run.seconds_to(0.1) is None
    assert run.seconds_per_epoch == pytest.approx(0.2)


@pytest.mark.parametrize("chunks", [1, 3, 7])
def test_accumulated_epoch_equals_fits_big_batch_epoch_mse(chunks: int) -> None:
    X, y = make_linear_data(50, weights=[1.0, -2.0, 0.5], noise=0.1, seed=4)
    a, b = LinearNet(3, seed=4), LinearNet(3, seed=4)
    fit(a, X, y, epochs=1, lr=0.1, batch_size=20, seed=9)
    losses = accumulated_epoch(b, X, y, batch_size=20, chunks=chunks, lr=0.1, seed=9)
    assert len(losses) == 3  # ceil(50 / 20) steps, whatever the chunks
    assert torch.allclose(flat_weights(a), flat_weights(b), atol=1e-6)


def test_accumulated_step_equals_the_big_batch_gradient_cross_entropy(digits) -> None:
    a, b = MLP(64, 32, 10, seed=3), MLP(64, 32, 10, seed=3)
    batch = torch.arange(0, 300, 2)  # 150 samples, split 150 = 22 * 6 + 4 * 4... unevenly below
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.5), torch.optim.SGD(b.parameters(), lr=0.5)
    big = accumulated_step(a, opt_a, digits.X_train, digits.y_train, batch, chunks=1, loss="cross_entropy")
    small = accumulated_step(b, opt_b, digits.X_train, digits.y_train, batch, chunks=7, loss="cross_entropy")
    assert small == pytest.approx(big, rel=1e-5)
    assert torch.allclose(flat_weights(a), flat_weights(b), atol=1e-6)
    assert not torch.equal(flat_weights(a), flat_weights(MLP(64, 32, 10, seed=3))), "no step was taken"


def test_peak_memory_grows_with_the_batch_and_accumulation_cuts_it(digits) -> None:
    net = MLP(64, 2048, 10, seed=0)
    small, big, accumulated = epochs_in_child(net, digits.X_train, digits.y_train, [10, 300, (300, 10)],
                                              loss="cross_entropy", timeout=90)
    assert all(a.completed for a in (small, big, accumulated))
    assert (small.iterations, big.iterations, accumulated.iterations) == (30, 1, 1)
    assert big.peak_mib > 4 * small.peak_mib and big.peak_mib > 2 * accumulated.peak_mib
    assert big.peak_mib > 300 * 2048 * 4 / 2**20, "the big batch's hidden activations alone are this large"
    assert accumulated.micro_batch == 30 and not no_children()


def test_a_batch_too_big_really_fails_under_a_memory_limit(digits) -> None:
    X, y = digits.X_train, digits.y_train
    net = MLP(64, 4096, 10, seed=0)
    too_big, smaller, accumulated = epochs_in_child(net, X, y, [300, 30, (300, 10)], limit_mib=12,
                                                    loss="cross_entropy", lr=0.1, seed=5, timeout=90)
    assert not too_big.completed and too_big.iterations == 0 and too_big.weights is None
    assert too_big.error is not None and "allocate" in too_big.error, too_big.error
    assert smaller.completed and smaller.iterations == 10
    assert accumulated.completed and accumulated.weights is not None
    oracle = copy.deepcopy(net)  # the big batch's epoch, in this process, with no limit
    fit(oracle, X, y, epochs=1, lr=0.1, batch_size=300, seed=5, loss="cross_entropy")
    assert torch.allclose(accumulated.weights, flat_weights(oracle), atol=1e-6)
    assert not no_children(), "the memory child outlived its epoch"


def test_epochs_in_child_rejects_bad_arguments(digits) -> None:
    net = MLP(64, 8, 10)
    for kwargs, name in (({"attempts": [0]}, "batch_size"), ({"attempts": [(10, 20)]}, "chunks"),
                         ({"attempts": [10], "limit_mib": -1}, "limit_mib"), ({"attempts": [10], "loss": "l1"}, "loss")):
        with pytest.raises(ValueError, match=name):
            epochs_in_child(net, digits.X_train, digits.y_train, **kwargs)


def test_run_children_raises_on_failure_and_on_timeout_and_leaves_nothing(tmp_path) -> None:
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with pytest.raises(RuntimeError, match="No module named"):
        run_children("epochlab.no_such_module", [[], []], logs, timeout=30)
    with pytest.raises(TimeoutError, match="timeout=1"):
        run_children("http.server", [["0", "--bind", "127.0.0.1"]], logs[:1], timeout=1)
    assert not no_children()
    with pytest.raises(ValueError, match="timeout"):
        run_children("http.server", [[]], logs[:1], timeout=0)
    assert child_env({"X_EXTRA": "1"})["X_EXTRA"] == "1"


def test_live_children_sees_a_running_child_and_then_none(tmp_path) -> None:
    import subprocess
    import sys

    from epochlab.lessons.processes import live_children

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in live_children()
    finally:
        child.kill()
        child.wait()
    assert child.pid not in live_children()


def test_cuda_attempts_needs_a_gpu_and_says_so(digits) -> None:
    from epochlab.lessons.memory import cuda_attempts

    if torch.cuda.is_available():  # a real OutOfMemoryError for the full batch under a 16 MiB cap, 64 completes
        small, big = cuda_attempts(MLP(64, 4096, 10), digits.X_train, digits.y_train, [30, 300], limit_mib=4,
                                   loss="cross_entropy")
        assert small.completed and not big.completed and "OutOfMemoryError" in str(big.error)
    else:
        with pytest.raises(RuntimeError, match="CUDA"):
            cuda_attempts(MLP(64, 8, 10), digits.X_train, digits.y_train, [10], limit_mib=4, loss="cross_entropy")


def test_views_draw_what_the_lessons_measured() -> None:
    import matplotlib.pyplot as plt

    from epochlab.lessons.memory import Attempt
    from epochlab.views.unit_of_work_views import (
        plot_epochs_and_seconds,
        plot_limit,
        plot_memory,
        plot_seconds_per_epoch,
    )

    runs = [TimedRun(t, b, 4, [2.0, 1.0, 0.5], [0.0, 0.1 * t, 0.2 * t], torch.zeros(1)) for b in (8, 32) for t in (1, 2)]
    left, right = plot_epochs_and_seconds(runs, 0.7)
    assert len(left.lines) == len(right.lines) + 1, "4 runs and the target on each, plus one epoch boundary on the left"
    assert right.get_xlabel().startswith("wall-clock seconds") and left.get_xlabel() == "epoch"
    assert len(plot_seconds_per_epoch(runs).patches) == 4
    attempts = [Attempt(b, 1, True, None, b / 10, 1, 0.1) for b in (10, 100, 1000)]
    assert plot_memory(attempts).get_xscale() == "log"
    failed = Attempt(1000, 1, False, "RuntimeError: can't allocate memory", 30.0, 0, None)
    assert len(plot_limit([failed, attempts[0]], 24).patches) == 2
    plt.close("all")

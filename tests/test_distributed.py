"""Real torch.distributed (gloo) workers against oracles: DistributedSampler computed in-process, one process at W*B.

Every run is bounded by run_workers' own hard timeout, and every test checks no child process is left.
"""

from __future__ import annotations

import math

import psutil
import pytest
import torch

from epochlab import MLP
from epochlab.digits import load_digits_split
from epochlab.lessons.distributed import rank_order, run_workers, single_process_run

N, BATCH, EPOCHS, LR = 101, 8, 3, 0.5  # 101: not divisible by W, so the sampler pads


@pytest.fixture(scope="module")
def data():
    d = load_digits_split(N, 50, seed=1)
    return MLP(64, 16, 10, seed=2), d.X_train, d.y_train


@pytest.fixture(scope="module", params=[2, 4], ids=lambda w: f"W{w}")
def run(request, data):
    net, X, y = data
    result = run_workers(net, X, y, world_size=request.param, batch_size=BATCH, epochs=EPOCHS, lr=LR,
                         loss="cross_entropy", seed=3, timeout=120)
    assert not psutil.Process().children(recursive=True), "a worker process outlived run_workers"
    return result


def test_each_worker_sees_its_share_and_together_one_pass(run) -> None:
    W = run.world_size
    for epoch in range(EPOCHS):
        assert run.samples_seen(epoch) == [math.ceil(N / W)] * W
        assert run.covered(epoch) == set(range(N)), "the workers together missed a sample"
        for w in run.workers:
            assert w.seen[epoch] == rank_order(N, W, w.rank, epoch=epoch, seed=3)
    assert all(w.iterations == [math.ceil(N / (W * BATCH))] * EPOCHS for w in run.workers)


def test_weights_identical_on_every_worker_at_every_boundary(run, data) -> None:
    assert run.weight_spread() == [0.0] * (EPOCHS + 1)
    assert torch.equal(run.workers[0].weights[0], torch.cat([p.detach().reshape(-1) for p in data[0].parameters()])
                       .double()), "the workers did not start from the model's weights"


def test_w_workers_at_batch_b_equal_one_process_at_batch_w_times_b(run, data) -> None:
    net, X, y = data
    oracle = single_process_run(net, X, y, world_size=run.world_size, batch_size=BATCH, epochs=EPOCHS, lr=LR,
                                loss="cross_entropy", seed=3)
    assert torch.allclose(run.workers[0].weights, oracle, atol=1e-5)
    assert not torch.allclose(oracle[0], oracle[-1]), "the weights never moved"


def test_forgetting_set_epoch_repeats_the_same_order(data) -> None:
    net, X, y = data
    forgot = run_workers(net, X, y, world_size=2, batch_size=BATCH, epochs=2, lr=LR, loss="cross_entropy",
                         set_epoch=False, timeout=120)
    for w in forgot.workers:
        assert w.seen[0] == w.seen[1], "without set_epoch the order should repeat"
        assert w.seen[0] == rank_order(N, 2, w.rank, epoch=5, set_epoch=False)
    assert rank_order(N, 2, 0, epoch=0) != rank_order(N, 2, 0, epoch=1), "set_epoch should reshuffle"
    assert not psutil.Process().children(recursive=True)


@pytest.mark.parametrize("fault, error", [("raise", RuntimeError), ("hang", TimeoutError)])
def test_a_failing_or_hung_worker_ends_the_run_and_leaves_no_process(data, fault: str, error: type) -> None:
    net, X, y = data
    with pytest.raises(error, match="on purpose" if fault == "raise" else "timeout=6"):
        run_workers(net, X, y, world_size=2, batch_size=BATCH, epochs=1, lr=LR, loss="cross_entropy",
                    fault=fault, timeout=60 if fault == "raise" else 6)  # a raise ends the run at once
    assert not psutil.Process().children(recursive=True), "a worker survived the failure"


def test_bad_arguments_are_named(data) -> None:
    net, X, y = data
    for kwargs, name in (({"world_size": 0}, "world_size"), ({"batch_size": 0}, "batch_size"),
                         ({"loss": "l1"}, "loss"), ({"fault": "explode"}, "fault"), ({"timeout": 0}, "timeout")):
        args = {"world_size": 2, "batch_size": 4, "epochs": 1, "lr": 0.1, **kwargs}
        with pytest.raises(ValueError, match=name):
            run_workers(net, X, y, **args)


def test_views_draw_every_worker() -> None:
    import matplotlib.pyplot as plt

    from epochlab.lessons.distributed import DistributedRun, WorkerRecord
    from epochlab.views.distributed_views import plot_boundaries, plot_orders, plot_shares

    weights = torch.arange(6.0).reshape(3, 2).double()
    workers = [WorkerRecord(r, [[r, r + 2], [r + 2, r]], weights, [1.0, 0.5], [1, 1]) for r in range(2)]
    run = DistributedRun(2, 1, 4, workers, 0.1)
    assert len(plot_shares(run).collections) == 2
    assert len(plot_orders([run, run], ["a", "b"])) == 2
    assert len(plot_boundaries(run, weights).lines) >= 3
    plt.close("all")

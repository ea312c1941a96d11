"""Notebook 06's lessons against oracles: torch's own optimizers and lr_scheduler, a DataLoader loop, torch.save."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from epochlab import MLP, EpochShuffle, fit, flat_weights, load_digits_split
from epochlab.checkpoint import load_checkpoint, restore, save_checkpoint, training_state
from epochlab.lessons.carry_over import (
    SchedulerStep,
    cumulative_means,
    epoch_means,
    epoch_orders,
    is_permutation,
    optimizer_state_vector,
    run_optimizer,
)
from epochlab.lessons.checkpoints import (
    OMISSIONS,
    ResumeSetup,
    resume,
    resume_in_fresh_process,
    start,
    train_epochs,
    uninterrupted,
    val_loss,
    write_checkpoint,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(150, 60, seed=2)


def loop(net, opt, X, y, *, epochs, batch_size, seed, fresh_optimizer=None, scheduler=None):
    """The canonical loop by hand; ``fresh_optimizer()`` builds a new optimizer at every epoch start."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        if fresh_optimizer is not None:
            opt = fresh_optimizer()
        order = torch.randperm(len(X), generator=generator)
        for start_ in range(0, len(X), batch_size):
            batch = order[start_ : start_ + batch_size]
            opt.zero_grad()
            F.cross_entropy(net(X[batch]), y[batch]).backward()
            opt.step()
        if scheduler is not None:
            scheduler.step()
    return opt


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_optimizer_state_is_carried_over_and_matches_torch(digits, optimizer) -> None:
    run = run_optimizer(digits, optimizer=optimizer, epochs=3, lr=0.01, batch_size=40, hidden=8, seed=1)
    assert run.states.carried_over() == [True, True]
    assert len(run.states.starts[0]) == 0  # nothing before the first step
    oracle = MLP(64, 8, 10, seed=1)
    make = {"momentum": lambda: torch.optim.SGD(oracle.parameters(), lr=0.01, momentum=0.9),
            "adam": lambda: torch.optim.Adam(oracle.parameters(), lr=0.01)}[optimizer]
    opt = loop(oracle, make(), digits.X_train, digits.y_train, epochs=3, batch_size=40, seed=1)
    assert torch.equal(optimizer_state_vector(opt), run.states.ends[-1])
    assert torch.equal(flat_weights(oracle), flat_weights(run.model))


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_resetting_the_optimizer_alone_equals_a_fresh_torch_optimizer_each_epoch(digits, optimizer) -> None:
    run = run_optimizer(digits, optimizer=optimizer, epochs=3, lr=0.01, batch_size=40, hidden=8, seed=1, reset_state=True)
    keep = run_optimizer(digits, optimizer=optimizer, epochs=3, lr=0.01, batch_size=40, hidden=8, seed=1)
    assert all(len(s) == 0 for s in run.states.starts) and run.states.carried_over() == [False, False]
    for k in (1, 2):
        assert torch.equal(run.snapshots.epoch_end(k), run.snapshots.epoch_start(k + 1))  # weights kept
    oracle = MLP(64, 8, 10, seed=1)
    cls = {"momentum": lambda: torch.optim.SGD(oracle.parameters(), lr=0.01, momentum=0.9),
           "adam": lambda: torch.optim.Adam(oracle.parameters(), lr=0.01)}[optimizer]
    loop(oracle, cls(), digits.X_train, digits.y_train, epochs=3, batch_size=40, seed=1, fresh_optimizer=cls)
    assert torch.equal(flat_weights(oracle), flat_weights(run.model))
    assert torch.equal(run.snapshots.epoch_end(1), keep.snapshots.epoch_end(1))
    assert not torch.equal(flat_weights(run.model), flat_weights(keep.model))


def test_scheduler_step_is_torch_step_lr_continued_across_epochs(digits) -> None:
    net, oracle = MLP(64, 8, 10, seed=0), MLP(64, 8, 10, seed=0)
    opt = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    history = fit(net, digits.X_train, digits.y_train, epochs=5, lr=0.2, batch_size=50, seed=3, optimizer=opt,
                  loss="cross_entropy", callbacks=[SchedulerStep(sched)])
    assert history.epoch_lr == [0.2, 0.2, 0.1, 0.1, 0.05] and sched.last_epoch == 5
    opt2 = torch.optim.SGD(oracle.parameters(), lr=0.2, momentum=0.9)
    loop(oracle, opt2, digits.X_train, digits.y_train, epochs=5, batch_size=50, seed=3,
         scheduler=torch.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5))
    assert torch.equal(flat_weights(net), flat_weights(oracle))
    with pytest.raises(TypeError, match="Invalid scheduler"):
        SchedulerStep(opt)  # type: ignore[arg-type]


def test_epoch_orders_are_one_randperm_per_epoch_and_what_epoch_shuffle_yields() -> None:
    orders = epoch_orders(30, 4, seed=5)
    generator = torch.Generator().manual_seed(5)
    assert [torch.randperm(30, generator=generator).tolist() for _ in range(4)] == orders.tolist()
    sampler = EpochShuffle(30, seed=5)
    assert [list(sampler) for _ in range(4)] == orders.tolist() and len(sampler) == 30
    # RandomSampler draws the same first epoch, then a spare permutation per epoch: a different order after.
    torch_sampler = RandomSampler(range(30), generator=torch.Generator().manual_seed(5))
    torch_orders = [list(torch_sampler) for _ in range(4)]
    assert torch_orders[0] == orders[0].tolist() and torch_orders[1] != orders[1].tolist()
    assert all(is_permutation(row) for row in orders)
    assert len({tuple(row.tolist()) for row in orders}) == 4
    assert torch.equal(orders, epoch_orders(30, 4, seed=5)) and not torch.equal(orders, epoch_orders(30, 4, seed=6))
    assert not is_permutation(torch.tensor([0, 0, 2]))


def test_a_dataloader_loop_with_a_seeded_sampler_gives_fits_weights(digits) -> None:
    net = MLP(64, 8, 10, seed=4)
    history = fit(net, digits.X_train, digits.y_train, epochs=3, lr=0.1, batch_size=32, seed=4, optimizer="momentum",
                  loss="cross_entropy")
    oracle = MLP(64, 8, 10, seed=4)
    opt = torch.optim.SGD(oracle.parameters(), lr=0.1, momentum=0.9)
    data = TensorDataset(digits.X_train, digits.y_train)
    loader = DataLoader(data, batch_size=32, sampler=EpochShuffle(len(data), seed=4))
    losses = []
    for _ in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(oracle(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert torch.equal(flat_weights(net), flat_weights(oracle)) and losses == history.step_loss


def test_epoch_means_are_the_running_loss_and_cumulative_means_never_reset(digits) -> None:
    history = fit(MLP(64, 8, 10), digits.X_train, digits.y_train, epochs=4, lr=0.3, batch_size=40,
                  loss="cross_entropy")  # 150 = 3 x 40 + 30: a short last batch
    assert np.allclose(epoch_means(history), history.running_loss, rtol=1e-12)
    steps = np.array(history.step_loss).reshape(4, 4)
    weights = np.array([40, 40, 40, 30])
    per_sample = np.repeat(steps.reshape(-1), np.tile(weights, 4))
    assert np.allclose(cumulative_means(history), [per_sample[: 150 * k].mean() for k in range(1, 5)])
    assert np.isclose(cumulative_means(history)[0], history.running_loss[0])


def test_checkpoint_round_trip_is_exact_and_loads_with_weights_only(tmp_path, digits) -> None:
    run = start(ResumeSetup(hidden=8))
    train_epochs(run, digits.X_train, digits.y_train, 1, 50)
    path = save_checkpoint(tmp_path / "c.pt", training_state(run.net, run.optimizer, run.scheduler, run.data_order,
                                                             epoch=1))
    other = start(ResumeSetup(hidden=8, seed=9))
    assert restore(load_checkpoint(path), other.net, other.optimizer, other.scheduler, other.data_order) == [
        "model", "optimizer", "scheduler", "data_order"]
    assert torch.equal(flat_weights(other.net), flat_weights(run.net))
    assert torch.equal(other.data_order.get_state(), run.data_order.get_state())
    assert other.scheduler.state_dict() == run.scheduler.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left behind


class Sneaky:
    def __reduce__(self):
        return (print, ("this ran while loading",))


def test_load_checkpoint_refuses_pickled_code_and_non_dicts(tmp_path) -> None:
    torch.save({"model": Sneaky()}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(tmp_path / "evil.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="expected a dict"):
        load_checkpoint(tmp_path / "list.pt")
    with pytest.raises(TypeError, match="Invalid state"):
        save_checkpoint(tmp_path / "x.pt", [1])  # type: ignore[arg-type]


def test_save_checkpoint_is_atomic(tmp_path, monkeypatch) -> None:
    path = save_checkpoint(tmp_path / "c.pt", {"epoch": 1})

    def crash(obj, f):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"epoch": 2})
    assert load_checkpoint(path) == {"epoch": 1} and [p.name for p in tmp_path.iterdir()] == ["c.pt"]


def test_train_epochs_is_fit_with_a_scheduler_step(digits) -> None:
    setup = ResumeSetup(hidden=8, lr=0.2)
    run = start(setup)
    train_epochs(run, digits.X_train, digits.y_train, 3, setup.batch_size)
    net = MLP(64, 8, 10, seed=0)
    opt = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=setup.step_size, gamma=setup.gamma)
    fit(net, digits.X_train, digits.y_train, epochs=3, lr=0.2, batch_size=setup.batch_size, seed=0, optimizer=opt,
        loss="cross_entropy", callbacks=[SchedulerStep(sched)])
    assert torch.equal(flat_weights(net), flat_weights(run.net))


def test_resume_is_exact_only_with_every_part_in_this_and_a_fresh_process(tmp_path) -> None:
    setup = ResumeSetup(seed=3, n_train=200, hidden=8, epochs=4, stop_after=1, step_size=2)
    reference = uninterrupted(setup)
    path = write_checkpoint(setup, tmp_path / "c.pt")
    lines: list[str] = []
    fresh = resume_in_fresh_process(setup, path, progress=lines.append)
    assert lines == ["started", *OMISSIONS]
    for omit in OMISSIONS:
        assert torch.equal(fresh[omit], resume(setup, path, omit))  # the new process computes what this one does
        assert torch.equal(fresh[omit], reference) == (omit == "nothing"), omit
    assert val_loss(setup, fresh["model"]) > val_loss(setup, reference)
    with pytest.raises(ValueError, match="Invalid omit"):
        resume(setup, path, "weights")
    with pytest.raises(ValueError, match="Invalid stop_after"):
        ResumeSetup(epochs=3, stop_after=3)

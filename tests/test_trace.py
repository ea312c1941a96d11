"""epochlab.trace: every finding kind from a small loop written here; healthy loops raise no problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import epochlab
from epochlab import Finding, trace
from epochlab.tracing import KINDS
from epochlab.tracing.hooks import INIT_FUNCTIONS, global_hook_counts

HERE = Path(__file__)
SOURCE = HERE.read_text().splitlines()


def line(marker: str) -> str:
    """ "test_trace.py:N" of the line carrying ``# <- marker`` (so a test states where a finding must point)."""
    numbers = [i for i, text in enumerate(SOURCE, 1) if text.rstrip().endswith(f"# <- {marker}")]
    assert len(numbers) == 1, marker
    return f"{HERE.name}:{numbers[0]}"


def data(seed: int = 0, n: int = 48) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=g)
    return X, X @ torch.tensor([[2.0], [-3.0]]) + 0.1 * torch.randn(n, 1, generator=g)


def loader(seed: int = 0, shuffle: bool = True, batch_size: int = 8) -> DataLoader:
    return DataLoader(TensorDataset(*data(seed)), batch_size=batch_size, shuffle=shuffle,
                      generator=torch.Generator().manual_seed(seed))


def step(net: nn.Module, optimizer: torch.optim.Optimizer, xb: torch.Tensor, yb: torch.Tensor) -> None:
    optimizer.zero_grad()
    nn.functional.mse_loss(net(xb), yb).backward()
    optimizer.step()


def kinds(t: epochlab.tracing.Trace, *, problem: bool | None = None) -> list[str]:
    return [f.kind for f in t.findings if problem is None or f.problem == problem]


def one(t: epochlab.tracing.Trace, kind: str) -> Finding:
    found = [f for f in t.findings if f.kind == kind]
    assert len(found) == 1, (kind, t.text())
    return found[0]


# -- healthy loops: no problem, and the boundaries are counted -------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_canonical_dataloader_loop_is_healthy(seed: int) -> None:
    torch.manual_seed(seed)
    net, batches = nn.Linear(2, 1), loader(seed)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    with trace() as t:
        for _ in range(4):
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
    assert t.problems == [], t.text()
    assert "4 epoch boundaries" not in one(t, "carried_over").message
    assert "all 3 epoch boundaries" in one(t, "carried_over").message and "`net`" in one(t, "carried_over").message
    assert "6 steps in each of the 4 epochs" in one(t, "steps_per_epoch").message
    assert "48 samples in each of the 4 epochs" in one(t, "samples_per_epoch").message
    assert "changed at every one of the 3" in one(t, "data_order").message
    assert "0.05 in every epoch" in one(t, "learning_rate").message


def test_accumulation_scheduler_validation_and_no_grad_raise_no_alarm() -> None:
    torch.manual_seed(0)
    net, batches, val = nn.Linear(2, 1), loader(0), loader(1, shuffle=False, batch_size=16)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    with trace() as t:
        for _ in range(5):
            net.train()
            for i, (xb, yb) in enumerate(batches):
                (nn.functional.mse_loss(net(xb), yb) / 2).backward()
                if i % 2 == 1:  # gradient accumulation over two batches
                    optimizer.step()
                    optimizer.zero_grad()
                if i == 2:  # a validation pass in the middle of an epoch starts no epoch
                    with torch.no_grad():
                        [net(xv) for xv, _ in val]
            net.eval()
            with torch.no_grad():
                [net(xv) for xv, _ in val]
            scheduler.step()
    assert t.problems == [], t.text()
    assert t.epoch == 5 and "all 4 epoch boundaries" in one(t, "carried_over").message
    assert "3 steps in each of the 5 epochs" in one(t, "steps_per_epoch").message
    assert "0.1, 0.1, 0.05, 0.05, 0.025 epoch by epoch" in one(t, "learning_rate").message


def test_unshuffled_loader_reports_the_same_order() -> None:
    net = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    batches = loader(0, shuffle=False)
    with trace() as t:
        for _ in range(3):
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
    assert "same order in every epoch" in one(t, "data_order").message and not t.problems


def test_early_stopping_rewind_is_a_rewind_not_a_problem() -> None:
    torch.manual_seed(0)
    net, batches = nn.Linear(2, 1), loader(0)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    with trace() as t:
        best = None
        for epoch in range(1, 7):
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
            if epoch == 3:
                best = copy.deepcopy(net.state_dict())
        net.load_state_dict(best)  # <- rewind
    assert t.problems == [], t.text()
    rewind = one(t, "rewind")
    assert rewind.where == line("rewind") and "end of epoch 3" in rewind.message
    assert "all 5 epoch boundaries" in one(t, "carried_over").message


def question_loop(t: epochlab.tracing.Trace | None, epochs: int, iterations: int = 40) -> nn.Module:
    """The question's loop (seeds/000): 10 points, many iterations on each, here inside an epoch loop."""
    x = torch.linspace(0.0, 1.0, 12)
    truth = torch.tensor([0.5])
    net = nn.Linear(2, 1)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    for _ in range(epochs):
        if t is not None:
            t.mark_epoch()
        for m in range(1, 11):
            inputs = torch.stack([x[m - 1], x[m]])
            for _ in range(iterations):
                net.zero_grad()
                loss = criterion(net(inputs), truth)
                loss.backward()
                optimizer.step()
    return net


def test_the_questions_loop_traced() -> None:
    with trace() as t:
        question_loop(t, epochs=3)
    assert t.problems == [], t.text()
    assert "all 2 epoch boundaries" in one(t, "carried_over").message
    assert "400 steps in each of the 3 epochs" in one(t, "steps_per_epoch").message
    with trace() as once:  # the question's own code has no epoch loop: one epoch, nothing to compare
        question_loop(None, epochs=1)
    assert kinds(once, problem=True) == [] and "one_epoch" in kinds(once)


def test_traced_run_equals_untraced_run() -> None:
    torch.manual_seed(3)
    plain = question_loop(None, epochs=2, iterations=5)
    torch.manual_seed(3)
    with trace() as t:
        traced = question_loop(t, epochs=2, iterations=5)
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), traced.parameters()))


def test_several_models_and_optimizers_each_get_an_account() -> None:
    torch.manual_seed(0)
    generator, critic = nn.Linear(2, 2), nn.Linear(2, 1)
    g_opt = torch.optim.Adam(generator.parameters(), lr=0.01)
    batches = loader(0)
    with trace() as t:
        for _ in range(3):
            c_opt = torch.optim.SGD(critic.parameters(), lr=0.01, momentum=0.5)  # <- critic optimizer
            for xb, _ in batches:
                step(critic, c_opt, generator(xb).detach(), xb[:, :1])
                step(generator, g_opt, xb, xb)
    carried = [f.message for f in t.findings if f.kind == "carried_over"]
    assert len(carried) == 2 and any("`generator`" in m for m in carried) and any("`critic`" in m for m in carried)
    recreated = [f for f in t.findings if f.kind == "optimizer_recreated"]
    assert [f.epoch for f in recreated] == [2, 3] and all(f.where == line("critic optimizer") for f in recreated)
    assert all("`c_opt`" in f.message and "momentum" in f.message for f in recreated)
    assert {f.message.split(" took")[0] for f in t.findings if f.kind == "steps_per_epoch"} == {"`g_opt`", "`c_opt`"}


# -- each problem kind --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_net_created_inside_the_epoch_loop(seed: int) -> None:
    torch.manual_seed(seed)
    batches = loader(seed)
    with trace() as t:
        for _ in range(4):
            net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))  # <- net inside
            optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
    created = [f for f in t.problems]
    assert [f.kind for f in created] == ["model_created"] * 3 and [f.epoch for f in created] == [2, 3, 4]
    assert all(f.where == line("net inside") and "`net`" in f.message for f in created)
    assert "carried_over" not in kinds(t) and "epochs 2-4" in t.text()


def test_library_net_created_inside_the_epoch_loop() -> None:
    # LinearNet builds its layer with nn.utils.skip_init (on the meta device, then moved): still seen.
    X, y = data()
    with trace() as t:
        for epoch in range(3):
            t.mark_epoch()
            net = epochlab.LinearNet(2, bias=False, seed=epoch)  # <- library net inside
            optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
            for i in range(0, 48, 12):
                step(net, optimizer, X[i:i + 12], y[i:i + 12])
    assert [(f.kind, f.epoch, f.where) for f in t.problems] == [("model_created", e, line("library net inside"))
                                                                for e in (2, 3)], t.text()


class Net(nn.Module):
    """A user's own module class: its creation is placed on the line that calls Net(), not inside __init__."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def test_created_module_never_trained_and_user_module_class() -> None:
    net = Net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    X, y = data()
    with trace() as t:
        for epoch in range(3):
            t.mark_epoch()
            if epoch == 1:
                net = Net()  # <- never trained
            for i in range(0, 48, 12):
                step(net, optimizer, X[i:i + 12], y[i:i + 12])
    created = one(t, "model_created")
    assert created.problem and created.where == line("never trained") and "no optimizer ever" in created.message


@pytest.mark.parametrize("optimizer_name", ["sgd", "momentum", "adam"])
def test_optimizer_created_inside_the_epoch_loop(optimizer_name: str) -> None:
    net, batches = nn.Linear(2, 1), loader(0)
    cls, options = {"sgd": (torch.optim.SGD, {}), "momentum": (torch.optim.SGD, {"momentum": 0.9}),
                    "adam": (torch.optim.Adam, {})}[optimizer_name]
    with trace() as t:
        for _ in range(3):
            optimizer = cls(net.parameters(), lr=0.05, **options)  # <- optimizer inside
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
    recreated = [f for f in t.problems]
    assert [f.kind for f in recreated] == ["optimizer_recreated"] * 2 and [f.epoch for f in recreated] == [2, 3]
    assert all(f.where == line("optimizer inside") for f in recreated)
    lost = {"sgd": "plain SGD keeps no state", "momentum": "momentum buffers", "adam": "Adam moments"}
    assert lost[optimizer_name] in recreated[0].message
    assert "all 2 epoch boundaries" in one(t, "carried_over").message  # the weights themselves carried over


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_checkpoint_reloaded_every_epoch(seed: int) -> None:
    torch.manual_seed(seed)
    net, X, y = nn.Linear(2, 1), *data(seed)
    checkpoint = copy.deepcopy(net.state_dict())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    with trace() as t:
        for _ in range(4):
            t.mark_epoch()
            net.load_state_dict(checkpoint)  # <- reload
            for i in range(0, 48, 8):
                step(net, optimizer, X[i:i + 8], y[i:i + 8])
    reloads = t.problems
    assert [f.kind for f in reloads] == ["reloaded"] * 3 and [f.epoch for f in reloads] == [2, 3, 4]
    assert all(f.where == line("reload") and "before training" in f.message for f in reloads)


def test_reinitialised_by_reset_parameters_and_by_init_functions() -> None:
    net, batches = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)), loader(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)

    def init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)  # <- init function

    with trace() as t:
        for epoch in range(3):
            if epoch == 1:
                net[0].reset_parameters()  # <- reset_parameters
            if epoch == 2:
                net.apply(init_weights)
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
    found = [(f.kind, f.epoch, f.where) for f in t.problems]
    assert found == [("reinitialised", 2, line("reset_parameters")), ("reinitialised", 3, line("init function"))]


def test_weights_changed_by_anything_else() -> None:
    net, batches = nn.Linear(2, 1), loader(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    with trace() as t:
        for epoch in range(3):
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
            if epoch == 0:
                net.weight.data.mul_(0.5)  # an in-place edit the trace cannot name
    changed = one(t, "weights_changed")
    assert changed.problem and changed.epoch == 2 and changed.where is None and "epoch 1" in changed.message


def test_report_prints_the_text_and_boundaries_name_each_epoch(capsys) -> None:
    net, X, y = nn.Linear(2, 1), *data()
    checkpoint = copy.deepcopy(net.state_dict())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    with trace() as t:
        for epoch in range(4):
            t.mark_epoch()
            if epoch == 2:
                net.load_state_dict(checkpoint)
            step(net, optimizer, X, y)
    t.report()
    assert capsys.readouterr().out == t.text() + "\n" and t.text().startswith("epochlab.trace: 4 epochs")
    assert t.boundaries() == {2: "carried_over", 3: "reloaded", 4: "carried_over"} and t.epochs_with("reloaded") == [3]


@pytest.mark.parametrize("epochs_by", ["auto", "dataloader", "mark"])
def test_how_epochs_are_delimited(epochs_by: str) -> None:
    net, batches = nn.Linear(2, 1), loader(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    with trace(epochs=epochs_by) as t:
        for epoch in range(6):
            if epoch % 2 == 0:
                t.mark_epoch()  # marks every other pass over the loader
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
    assert t.epoch == {"auto": 3, "dataloader": 6, "mark": 3}[epochs_by] and not t.problems


def test_memory_is_one_copy_and_a_fingerprint_per_epoch() -> None:
    net, batches = nn.Linear(2, 1), loader(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    with trace() as t:
        for _ in range(20):
            for xb, yb in batches:
                step(net, optimizer, xb, yb)
            (model,) = t._ledger.models
            assert len(model.copies) == len(model.params) == 2  # one copy per parameter, whatever the steps
    assert len(model.ends) == 21 and model.copies == []  # epochs 0 (before training) .. 20; released on exit


def test_no_steps_and_one_epoch() -> None:
    with trace() as t:
        nn.Linear(2, 1)(torch.ones(1, 2))
    assert kinds(t) == ["no_steps"]


# -- hooks removed, compile, arguments ----------------------------------------------------------------------------
def patched_attributes() -> list[object]:
    from torch.utils.data import dataloader as dl
    return [dl.DataLoader.__iter__, dl._BaseDataLoaderIter.__next__, dl._BaseDataLoaderIter._next_index,
            torch.optim.Optimizer.__init__] + [getattr(nn.init, name) for name in INIT_FUNCTIONS]


def test_hooks_removed_after_the_block_and_after_an_exception() -> None:
    counts, attributes = global_hook_counts(), patched_attributes()
    net = nn.Linear(2, 1)
    with trace() as t:
        assert global_hook_counts() != counts
        step(net, torch.optim.SGD(net.parameters(), lr=0.1), torch.ones(2, 2), torch.ones(2, 1))
    assert global_hook_counts() == counts and patched_attributes() == attributes
    assert net._load_state_dict_post_hooks == {}
    with pytest.raises(ZeroDivisionError), trace() as broken:
        step(net, torch.optim.SGD(net.parameters(), lr=0.1), torch.ones(2, 2), torch.ones(2, 1))
        raise ZeroDivisionError("the loop failed")
    assert global_hook_counts() == counts and patched_attributes() == attributes
    assert net._load_state_dict_post_hooks == {} and t.findings and "steps_per_epoch" in kinds(broken)


def test_a_failure_of_the_trace_never_breaks_the_loop(monkeypatch) -> None:
    def broken(self: object, optimizer: object) -> None:
        raise KeyError("a bug in the trace")

    monkeypatch.setattr(epochlab.tracing.Trace, "after_step", broken)
    counts, net = global_hook_counts(), nn.Linear(2, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    with trace() as t:
        for _ in range(3):
            step(net, optimizer, torch.ones(2, 2), torch.ones(2, 1))
    assert global_hook_counts() == counts and "trace_failed" in kinds(t) and "KeyError" in t.text()


def test_bad_arguments_and_misuse() -> None:
    with pytest.raises(ValueError, match="epochs"):
        trace(epochs="batches")
    with pytest.raises(ValueError, match="kind"):
        trace().epochs_with("reset")
    t = trace()
    with pytest.raises(RuntimeError, match="mark_epoch"):
        t.mark_epoch()
    with t, pytest.raises(RuntimeError, match="nested"), trace():
        pass
    with pytest.raises(RuntimeError, match="already run"), t:
        pass


def test_compile_failure_is_reported_not_a_crash_of_the_trace() -> None:
    def broken_backend(graph: torch.fx.GraphModule, inputs: list[torch.Tensor]) -> None:
        raise RuntimeError("no compiler here")

    counts = global_hook_counts()
    net = nn.Linear(2, 1)
    compiled = torch.compile(net, backend=broken_backend)
    with pytest.raises(Exception) as raised, trace() as t:
        compiled(torch.ones(1, 2))
    assert global_hook_counts() == counts
    assert one(t, "compile_failed").problem is False and "torch.compile failed" in t.text()
    assert any("epochlab.trace" in note for note in getattr(raised.value, "__notes__", []))


def test_works_with_torch_compile() -> None:
    torch.manual_seed(0)
    net, batches = nn.Linear(2, 1), loader(0)
    model = torch.compile(net)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    try:
        with trace() as t:
            for _ in range(3):
                for xb, yb in batches:
                    step(model, optimizer, xb, yb)
    except Exception:  # compile unsupported on this machine: the trace must have said so
        assert "compile_failed" in kinds(t)
        return
    assert t.problems == [] and "all 2 epoch boundaries" in one(t, "carried_over").message


# -- documentation ------------------------------------------------------------------------------------------------
def test_every_kind_is_documented() -> None:
    readme = (HERE.parent.parent / "README.md").read_text()
    for kind in KINDS:
        assert f"``{kind}``" in (epochlab.tracing.__doc__ or ""), kind
        assert f"`{kind}`" in readme, kind

"""Notebook 06: stop after epoch k, save, resume in a fresh process; bit for bit only if every part was saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from ..checkpoint import load_checkpoint, restore, save_checkpoint, training_state
from ..checks import check_int
from ..data import make_generator
from ..digits import DigitsSplit, load_digits_split
from ..model import MLP, flat_weights, set_flat_weights

# What a resume may leave out, and what each name leaves out ("nothing": the complete checkpoint).
OMISSIONS = ("nothing", "model", "optimizer", "scheduler", "data_order")


@dataclass(frozen=True)
class ResumeSetup:
    """One training run: MLP(64, hidden, 10) with SGD momentum 0.9, StepLR(step_size, gamma), shuffled batches."""

    seed: int = 0
    n_train: int = 600
    hidden: int = 32
    lr: float = 0.1
    batch_size: int = 50
    epochs: int = 6
    stop_after: int = 3
    step_size: int = 2
    gamma: float = 0.5

    def __post_init__(self) -> None:
        check_int("epochs", self.epochs, 2)
        check_int("stop_after", self.stop_after, 1, self.epochs - 1)
        check_int("step_size", self.step_size, 1)

    def data(self) -> DigitsSplit:
        """The digits this run trains on (validation: the 360 held-out images)."""
        return load_digits_split(self.n_train, seed=self.seed)


@dataclass
class Run:
    """Everything training state consists of: net, optimizer, schedule and the data-order generator."""

    net: MLP
    optimizer: torch.optim.SGD
    scheduler: torch.optim.lr_scheduler.StepLR
    data_order: torch.Generator


def start(setup: ResumeSetup) -> Run:
    """A fresh run: initial weights, empty momentum, the schedule at epoch 0, the generator at ``seed``."""
    net = MLP(64, setup.hidden, 10, seed=setup.seed)
    optimizer = torch.optim.SGD(net.parameters(), lr=setup.lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=setup.step_size, gamma=setup.gamma)
    return Run(net, optimizer, scheduler, make_generator(setup.seed))


def train_epochs(run: Run, X: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int) -> None:
    """The canonical loop (as ``fit`` runs it), the schedule stepped at every epoch end."""
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=run.data_order)
        for batch in torch.split(order, batch_size):
            run.optimizer.zero_grad()
            F.cross_entropy(run.net(X[batch]), y[batch]).backward()
            run.optimizer.step()
        run.scheduler.step()


def uninterrupted(setup: ResumeSetup) -> torch.Tensor:
    """The final weights of the run trained all ``epochs`` in one go."""
    run, data = start(setup), setup.data()
    train_epochs(run, data.X_train, data.y_train, setup.epochs, setup.batch_size)
    return flat_weights(run.net)


def write_checkpoint(setup: ResumeSetup, path: str | os.PathLike[str]) -> Path:
    """Train ``stop_after`` epochs, then save every part of the training state to ``path`` (atomically)."""
    run, data = start(setup), setup.data()
    train_epochs(run, data.X_train, data.y_train, setup.stop_after, setup.batch_size)
    state = training_state(run.net, run.optimizer, run.scheduler, run.data_order, epoch=setup.stop_after)
    return save_checkpoint(path, state)


def resume(setup: ResumeSetup, checkpoint: str | os.PathLike[str], omit: str = "nothing", *,
           data: DigitsSplit | None = None) -> torch.Tensor:
    """Load the checkpoint into a fresh run, except the part ``omit`` (kept fresh), and train to the end."""
    if omit not in OMISSIONS:
        raise ValueError(f"Invalid omit: {omit!r} (expected one of {OMISSIONS})")
    state = {name: part for name, part in load_checkpoint(checkpoint).items() if name != omit}
    run, data = start(setup), data or setup.data()
    restore(state, run.net, run.optimizer, run.scheduler, run.data_order)
    train_epochs(run, data.X_train, data.y_train, setup.epochs - int(state["epoch"]), setup.batch_size)
    return flat_weights(run.net)


def resume_in_fresh_process(setup: ResumeSetup, checkpoint: str | os.PathLike[str], *,
                            progress: Callable[[str], object] | None = None) -> dict[str, torch.Tensor]:
    """Run :func:`resume` for every entry of ``OMISSIONS`` in a new Python process; its final weights by omission.

    ``progress(line)`` is called with each line the process prints ("started", then each omission as it ends).
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "resumed.pt"
        package_root = str(Path(__file__).resolve().parents[2])  # the new process imports this same epochlab
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        data = Path(tmp) / "data.pt"  # handed over so the new process need not import scikit-learn (1 s)
        save_checkpoint(data, {"X_train": setup.data().X_train, "y_train": setup.data().y_train})
        command = [sys.executable, "-m", __name__, json.dumps(asdict(setup)), str(checkpoint), str(data), str(out)]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None and child.stderr is not None
            for line in child.stdout:
                if progress is not None:
                    progress(line.strip())
            errors = child.stderr.read()
        if child.returncode:
            raise RuntimeError(f"the fresh process failed (exit {child.returncode}):\n{errors}")
        return load_checkpoint(out)


@torch.no_grad()
def val_loss(setup: ResumeSetup, weights: torch.Tensor) -> float:
    """Cross-entropy on the validation images of the run's final weights ``weights``."""
    net, data = MLP(64, setup.hidden, 10), setup.data()
    set_flat_weights(net, weights)
    return F.cross_entropy(net(data.X_val), data.y_val).item()


def _main(argv: list[str]) -> None:
    torch.set_num_threads(1)  # a tiny net: more threads only wait for each other
    print("started", flush=True)
    setup_json, checkpoint, data_path, out = argv
    setup, arrays = ResumeSetup(**json.loads(setup_json)), load_checkpoint(data_path)
    data = DigitsSplit(arrays["X_train"], arrays["y_train"], *(torch.empty(0),) * 4)  # training part only
    weights = {}
    for omit in OMISSIONS:
        weights[omit] = resume(setup, checkpoint, omit, data=data)
        print(omit, flush=True)
    save_checkpoint(out, weights)


if __name__ == "__main__":
    _main(sys.argv[1:])

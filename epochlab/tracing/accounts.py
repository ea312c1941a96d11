"""Per-model and per-optimizer bookkeeping: what each one did, epoch by epoch.

Memory is bounded: a model keeps one copy of its weights after its latest step (overwritten in
place every step, which is what a boundary is compared against) and a 16-byte fingerprint of its
weights at each epoch end (to say which epoch a reload or rewind went back to), never every step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch
from torch import nn


def fingerprint(tensors: list[torch.Tensor]) -> bytes:
    """A short digest of the exact bits of some tensors (equal bits, equal digest)."""
    digest = hashlib.blake2b(digest_size=16)
    for t in tensors:
        digest.update(t.detach().reshape(-1).contiguous().cpu().view(torch.uint8).numpy().tobytes())
    return digest.digest()


def label(name: str) -> str:
    """`net` for a variable name; a description ("the parameters of `opt`") is left as it is."""
    return name if " " in name else f"`{name}`"


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two tensors hold the same values (NaN equal to NaN, so a diverged net is not "changed")."""
    if torch.equal(a, b):
        return True
    return a.shape == b.shape and bool(((a == b) | (a.isnan() & b.isnan())).all())


@dataclass
class Event:
    """Something done to a model's weights outside a step: a ``load_state_dict`` or an init function."""

    kind: str  # "load" or "init"
    where: str | None
    epoch: int


@dataclass
class ModelAccount:
    """One model: its parameters, the copy after its latest step, and what happened at its boundaries."""

    name: str
    params: list[torch.Tensor]
    module: nn.Module | None = None
    copies: list[torch.Tensor] = field(default_factory=list)
    ends: dict[int, bytes] = field(default_factory=dict)  # epoch -> fingerprint at its end (0: before training)
    events: list[Event] = field(default_factory=list)  # not yet matched to a weight change
    checked_epoch: int = 0  # the last epoch whose start was compared with the previous end
    boundaries: int = 0
    kept: int = 0
    steps: int = 0
    last_epoch: int = 0  # the epoch of its latest step
    replacement: bool = False  # created after training had started

    def __post_init__(self) -> None:
        self.ids = {id(p) for p in self.params}
        self.copies = [p.detach().clone() for p in self.params]
        self.ends[0] = fingerprint(self.params)

    @property
    def label(self) -> str:
        """The name as a report writes it: `net` for a variable, plain words otherwise."""
        return label(self.name)

    def changed(self) -> bool:
        """Do the weights differ from the copy taken after the latest step?"""
        return not all(same_bits(p.detach(), c) for p, c in zip(self.params, self.copies))

    def end_name(self, digest: bytes) -> str:
        """Which saved state some weights are, in words ("from before training", "from the end of epoch 3")."""
        matches = [e for e, d in self.ends.items() if d == digest]
        if not matches:
            return "weights it had at no epoch end"
        epoch = max(matches)
        return "the weights from before training" if epoch == 0 else f"its weights from the end of epoch {epoch}"


@dataclass
class OptimizerAccount:
    """One optimizer: where it was created, its steps and learning rates per epoch, the models it trains."""

    optimizer: torch.optim.Optimizer
    name: str
    where: str | None
    late: bool  # created after some optimizer had already stepped
    models: list[ModelAccount] = field(default_factory=list)
    steps: dict[int, int] = field(default_factory=dict)
    lrs: dict[int, tuple[float, ...]] = field(default_factory=dict)
    params: list[torch.Tensor] = field(default_factory=list)
    copies: list[torch.Tensor] = field(default_factory=list)
    epoch: int = 0  # the epoch of its latest step

    @property
    def label(self) -> str:
        return label(self.name)

    def state_words(self) -> str | None:
        """What per-parameter state it holds, in words ("momentum buffers", "Adam moments"), or None."""
        keys = {key for state in self.optimizer.state.values() for key in state}
        if not keys:
            return None
        if "momentum_buffer" in keys:
            return "momentum buffers"
        if "exp_avg" in keys or "exp_avg_sq" in keys:
            return "Adam moments"
        return "per-parameter state (" + ", ".join(sorted(keys)) + ")"

    def lr_now(self) -> tuple[float, ...]:
        return tuple(float(group["lr"]) for group in self.optimizer.param_groups)

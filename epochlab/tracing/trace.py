"""``trace()``: watch a training loop from the outside, epoch by epoch, and say what persisted."""

from __future__ import annotations

import weakref
from types import TracebackType

import torch
from torch import nn

from . import summary
from .accounts import Event, ModelAccount, fingerprint
from .findings import KINDS, Finding, report_text
from .frames import user_frame, where
from .hooks import Hooks
from .ledger import Ledger
from .loaders import LoaderPass
from .words import boundary_finding, compile_failure, late_module_findings, rewind_finding, trace_failure

EPOCHS = ("auto", "dataloader", "mark")
_ACTIVE: list[Trace] = []  # at most one trace at a time: hooks are global


class Trace:
    """The context manager returned by ``trace()``; see ``epochlab.tracing`` for what it reports."""

    def __init__(self, *, epochs: str = "auto") -> None:
        if epochs not in EPOCHS:
            raise ValueError(f"Invalid epochs: {epochs!r} (expected one of {EPOCHS})")
        self.epochs_by = epochs
        self.findings: list[Finding] = []
        self.epoch = 0  # the current epoch (0 before the first step)
        self.steps = 0
        self._hooks: Hooks | None = None
        self._marked = self._mark_used = False
        self._pass: LoaderPass | None = None
        self._passes: dict[int, LoaderPass] = {}
        self._ledger = Ledger(lambda module: self._hooks.watch_loads(module) if self._hooks else None)

    # -- the with block -------------------------------------------------------------------------------------
    def __enter__(self) -> Trace:
        if _ACTIVE:
            raise RuntimeError("epochlab.trace is already active: traces cannot be nested")
        if self._hooks is not None:
            raise RuntimeError("this trace has already run: create a new one with epochlab.trace()")
        self._hooks = Hooks(self)
        self._hooks.install()
        _ACTIVE.append(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._hooks is not None
        try:
            self._hooks.remove()
        finally:
            _ACTIVE.clear()
        self._finish(error)
        if self._hooks.failure is not None:
            self.findings.append(trace_failure(self._hooks.failure))

    def mark_epoch(self) -> None:
        """Start a new epoch at the next optimizer step (for loops that read no DataLoader)."""
        if not _ACTIVE or _ACTIVE[0] is not self:
            raise RuntimeError("mark_epoch() is for inside the `with epochlab.trace() as t:` block")
        self._marked = self._mark_used = True

    @property
    def problems(self) -> list[Finding]:
        """The findings that are problems (something reset, re-created, reloaded or changed)."""
        return [f for f in self.findings if f.problem]

    def epochs_with(self, kind: str) -> list[int]:
        """The epochs of the findings of one kind, in order (a ``ValueError`` for an unknown kind)."""
        if kind not in KINDS:
            raise ValueError(f"Invalid kind: {kind!r} (expected one of {sorted(KINDS)})")
        return sorted({f.epoch for f in self.findings if f.kind == kind and f.epoch is not None})

    def boundaries(self) -> dict[int, str]:
        """For each epoch from 2: the first problem found at its start, or "carried_over"."""
        found = {e: "carried_over" for e in range(2, self.epoch + 1)}
        for f in reversed(self.problems):
            if f.epoch is not None and f.epoch in found:
                found[f.epoch] = f.kind
        return found

    def report(self) -> None:
        """Print the findings as readable lines, problems first (``text()`` returns them instead)."""
        print(self.text())

    def text(self) -> str:
        """The report as a string: a summary line, then one line per finding (several epochs merged)."""
        return report_text(sorted(self.findings, key=lambda f: not f.problem),
                           self._ledger.headline(self.epoch, self.steps))

    # -- called by the hooks --------------------------------------------------------------------------------
    def before_step(self, optimizer: torch.optim.Optimizer) -> None:
        self._advance_epoch()
        acc = self._ledger.optimizers.get(id(optimizer))
        if acc is None or acc.optimizer is not optimizer:
            acc, found = self._ledger.open(optimizer, steps=self.steps, epoch=self.epoch)
            self.findings += found
        epoch = self.epoch
        if acc.epoch != epoch:
            acc.epoch, acc.steps[epoch], acc.lrs[epoch] = epoch, 0, acc.lr_now()
            for m in acc.models:
                if m.checked_epoch < epoch:
                    self._check(m, epoch, boundary=True)
        for m in acc.models:
            if m.events:
                self._check(m, epoch, boundary=False)
        acc.steps[epoch] += 1

    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        acc = self._ledger.optimizers[id(optimizer)]
        with torch.no_grad():
            torch._foreach_copy_(acc.copies, acc.params)  # the one copy a boundary is compared with
        for m in acc.models:
            m.steps += 1
            m.last_epoch = self.epoch
        self.steps += 1

    def parameter_created(self, module: nn.Module, param: torch.Tensor) -> None:
        if self.steps and id(param) not in self._ledger.owner:  # a new parameter after training started
            self._ledger.module_built(module, self.epoch)

    def submodule_added(self, parent: nn.Module, child: nn.Module) -> None:
        if self.steps and not any(id(p) in self._ledger.owner for p in child.parameters()):
            self._ledger.module_built(parent, self.epoch)

    def optimizer_created(self, optimizer: torch.optim.Optimizer) -> None:
        self._ledger.created[id(optimizer)] = (weakref.ref(optimizer), where(user_frame()))

    def initialised(self, tensor: torch.Tensor) -> None:
        m = self._ledger.owner.get(id(tensor)) if self.steps else None
        if m is not None and m.steps:
            self._event(m, Event("init", where(user_frame()), self.epoch))

    def loaded(self, module: nn.Module) -> None:
        place = where(user_frame())
        for m in {id(o): o for p in module.parameters(recurse=False) if (o := self._ledger.owner.get(id(p)))}.values():
            if m.steps:
                self._event(m, Event("load", place, self.epoch))

    # -- bookkeeping ----------------------------------------------------------------------------------------
    def _advance_epoch(self) -> None:
        boundary, current = False, None
        if self.epochs_by == "mark" or (self.epochs_by == "auto" and self._mark_used):
            boundary, self._marked = self._marked, False
        elif self._hooks is not None and (current := self._hooks.loaders.current) is not None:
            boundary = current is not self._pass
            self._pass = current
        if self.epoch == 0 or boundary:
            self.epoch += 1
            if current is not None:
                self._passes[self.epoch] = current

    def _event(self, m: ModelAccount, event: Event) -> None:
        if not m.events or m.events[-1] != event:
            m.events.append(event)

    def _check(self, m: ModelAccount, epoch: int, *, boundary: bool) -> None:
        """Compare a model's weights with the copy after its latest step; a difference becomes a finding."""
        if boundary:
            m.checked_epoch = epoch
            if m.steps:
                m.ends[m.last_epoch] = fingerprint(m.copies)
                m.boundaries += 1
        if m.steps and m.changed():
            self.findings.append(boundary_finding(m, epoch, boundary=boundary))
        elif boundary and m.steps:
            m.kept += 1
        m.events.clear()

    def _finish(self, error: BaseException | None) -> None:
        ledger = self._ledger
        for m in ledger.models:
            if m.steps:
                m.ends[m.last_epoch] = fingerprint(m.copies)
                if m.events and (rewind := rewind_finding(m)) is not None:
                    self.findings.append(rewind)
        self.findings += late_module_findings(ledger.late)
        if error is not None and (failure := compile_failure(error)) is not None:
            self.findings.append(failure)
        self.findings += summary.carried_over(ledger.models)
        self.findings += summary.epochs_seen(self.epoch, self.steps, self._mark_used)
        self.findings += summary.steps_and_rates(ledger.accounts)
        self.findings += summary.data_passes(self._passes)
        ledger.release()


def trace(*, epochs: str = "auto") -> Trace:
    """Watch any PyTorch training loop in a ``with`` block; ``t.report()`` then says what persisted.

    ``epochs``: "auto" (``t.mark_epoch()`` calls if any, else each new pass over a DataLoader),
    "dataloader" or "mark". Any other value raises ``ValueError``.
    """
    return Trace(epochs=epochs)


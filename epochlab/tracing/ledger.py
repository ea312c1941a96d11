"""The ledger of accounts: which model each parameter belongs to, and opening an account for a new optimizer."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

import torch
from torch import nn

from .accounts import ModelAccount, OptimizerAccount, label
from .findings import Finding, finding
from .frames import compiling, models_of, user_frame, variable_name, where
from .words import optimizer_recreated


class Ledger:
    """Every model and optimizer a trace has seen; parameters are held only while the trace runs."""

    def __init__(self, watch_loads: Callable[[nn.Module], None]) -> None:
        self.watch_loads = watch_loads
        self.optimizers: dict[int, OptimizerAccount] = {}
        self.accounts: list[OptimizerAccount] = []
        self.models: list[ModelAccount] = []
        self.owner: dict[int, ModelAccount] = {}  # id(parameter) -> its model
        self.created: dict[int, tuple[weakref.ref[torch.optim.Optimizer], str | None]] = {}
        self.late: dict[int, tuple[weakref.ref[nn.Module], str | None, int, str]] = {}  # built after step 1

    def module_built(self, module: nn.Module, epoch: int) -> None:
        """Remember a module that got a new parameter or submodule after training started, and where."""
        known = self.late.get(id(module))
        if known is not None and known[0]() is module:
            return
        frame = user_frame(skip_module_init=True)
        if frame is None or compiling(frame):
            return  # torch.compile building its own graph modules from the user's, not the user's code
        self.late[id(module)] = (weakref.ref(module), where(frame), epoch, type(module).__name__)

    def open(self, optimizer: torch.optim.Optimizer, *, steps: int, epoch: int) -> tuple[OptimizerAccount,
                                                                                          list[Finding]]:
        """An account for an optimizer seen for the first time, its models found in the user's frame."""
        frame = user_frame()
        params = [p for group in optimizer.param_groups for p in group["params"]]
        ids = {id(p) for p in params}
        ref, place = self.created.get(id(optimizer), (None, None))
        place = place if ref is not None and ref() is optimizer else None
        name = variable_name(frame, optimizer) or f"{type(optimizer).__name__} optimizer"
        acc = OptimizerAccount(optimizer, name, place, late=steps > 0)
        found: list[Finding] = []
        new = {id(p): p for p in params if id(p) not in self.owner}
        for model_name, module in models_of(frame, set(new)):
            mine = [p for p in module.parameters() if id(p) in new and id(p) not in self.owner]
            found += self._add_model(model_name, mine, module, steps=steps, epoch=epoch)
        rest = [p for p in new.values() if id(p) not in self.owner]
        found += self._add_model(f"the parameters of {label(name)}", rest, None, steps=steps, epoch=epoch)
        acc.models = list({id(self.owner[i]): self.owner[i] for i in ids}.values())
        for m in acc.models:
            for p, c in zip(m.params, m.copies):
                if id(p) in ids:
                    acc.params.append(p)
                    acc.copies.append(c)
        replaced = [old for old in self.accounts if old.steps and ids & {id(p) for p in old.params}]
        if acc.late and replaced:
            found.append(optimizer_recreated(acc, replaced[-1], epoch))
        self.optimizers[id(optimizer)] = acc
        self.accounts.append(acc)
        return acc, found

    def _add_model(self, name: str, params: Sequence[torch.Tensor], module: nn.Module | None, *, steps: int,
                   epoch: int) -> list[Finding]:
        if not params:
            return []
        built = [] if module is None else [sub for sub in module.modules() if id(sub) in self.late]
        late = [self.late.pop(id(sub)) for sub in built if self.late[id(sub)][0]() is sub]
        m = ModelAccount(name, list(params), module, replacement=bool(late))  # built after training started
        self.models.append(m)
        self.owner.update((id(p), m) for p in params)
        if module is not None:
            self.watch_loads(module)
        if not late:
            return []
        place = late[0][1]
        return [finding("model_created", f"The model {label(name)} was created again at {place} after training had "
                                         "started, so it began from fresh random weights and nothing learned "
                                         "before carried over.", epoch=epoch, where=place)]

    def headline(self, epochs: int, steps: int) -> str:
        """The report's first line: epochs, steps, and the names of the models and optimizers seen."""
        models = ", ".join(dict.fromkeys(m.label for m in self.models)) or "none"
        optimizers = ", ".join(dict.fromkeys(a.label for a in self.accounts)) or "none"
        return (f"{epochs} epoch{'s' * (epochs != 1)}, {steps} optimizer steps; models: {models}; "
                f"optimizers: {optimizers}")

    def release(self) -> None:
        """Let the user's models and optimizers go (the findings stay)."""
        self.optimizers.clear()
        self.owner.clear()
        for m in self.models:
            m.params, m.copies, m.module = [], [], None
        for acc in self.accounts:
            acc.params, acc.copies, acc.models = [], [], []

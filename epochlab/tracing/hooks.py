"""The global hooks and patches a trace installs, and their removal (always all of them, even on errors).

torch's public global hooks: ``register_optimizer_step_pre_hook`` / ``register_optimizer_step_post_hook``
(every optimizer's steps), ``register_module_parameter_registration_hook`` and
``register_module_module_registration_hook`` (every parameter or submodule a module is given).
Three patches, each restored on exit: ``Optimizer.__init__`` (where an optimizer was created), the public ``torch.nn.init`` functions (an in-place re-initialisation of trained weights,
which is also what ``reset_parameters()`` calls), and the DataLoader wrappers of ``loaders.py``.
Per-model ``load_state_dict`` post-hooks are registered by the trace and removed here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol

import torch
import torch.nn.modules.module as _module
import torch.optim.optimizer as _optimizer
from torch import nn
from torch.utils.hooks import RemovableHandle

from .loaders import LoaderWatch

INIT_FUNCTIONS = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
                  "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
                  "sparse_")


class Recorder(Protocol):
    """What the hooks call (implemented by ``Trace``)."""

    def before_step(self, optimizer: torch.optim.Optimizer) -> None: ...
    def after_step(self, optimizer: torch.optim.Optimizer) -> None: ...
    def parameter_created(self, module: nn.Module, param: torch.Tensor) -> None: ...
    def submodule_added(self, parent: nn.Module, child: nn.Module) -> None: ...
    def optimizer_created(self, optimizer: torch.optim.Optimizer) -> None: ...
    def initialised(self, tensor: torch.Tensor) -> None: ...
    def loaded(self, module: nn.Module) -> None: ...


class Hooks:
    """Installs every hook and patch for one recorder; ``remove()`` undoes all of them."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.loaders = LoaderWatch()
        self._handles: list[RemovableHandle] = []
        self._patches: list[tuple[Any, str, Any]] = []
        self.failure: Exception | None = None  # a bug of the trace's own: it stops watching, the loop runs on

    def call(self, method: Callable[..., None], *args: Any) -> None:
        """Call the recorder, but never let the trace's own error break the user's loop."""
        if self.failure is None:
            try:
                method(*args)
            except Exception as error:
                self.failure = error

    def install(self) -> None:
        rec = self.recorder
        try:
            self._handles.append(_optimizer.register_optimizer_step_pre_hook(
                lambda opt, args, kwargs: self.call(rec.before_step, opt)))
            self._handles.append(_optimizer.register_optimizer_step_post_hook(
                lambda opt, args, kwargs: self.call(rec.after_step, opt)))
            self._handles.append(_module.register_module_parameter_registration_hook(
                lambda module, name, param: self.call(rec.parameter_created, module, param)))
            self._handles.append(_module.register_module_module_registration_hook(
                lambda module, name, child: self.call(rec.submodule_added, module, child) if child is not None else None))
            self._patch(torch.optim.Optimizer, "__init__", self._wrap_optimizer_init)
            for name in INIT_FUNCTIONS:
                self._patch(torch.nn.init, name, self._wrap_init)
            self.loaders.install()
        except BaseException:
            self.remove()
            raise

    def watch_loads(self, module: nn.Module) -> None:
        """Hear every ``load_state_dict`` into ``module`` or any of its submodules."""
        for sub in module.modules():
            self._handles.append(sub.register_load_state_dict_post_hook(
                lambda mod, keys: self.call(self.recorder.loaded, mod)))

    def remove(self) -> None:
        """Remove every hook and restore every patched attribute (safe to call twice)."""
        errors: list[BaseException] = []
        while self._handles:
            try:
                self._handles.pop().remove()
            except Exception as error:  # keep removing the rest, then report
                errors.append(error)
        while self._patches:
            owner, name, original = self._patches.pop()
            setattr(owner, name, original)
        self.loaders.remove()
        if errors:
            raise errors[0]

    def _patch(self, owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        self._patches.append((owner, name, original))
        setattr(owner, name, wrap(original))

    def _wrap_optimizer_init(self, original: Callable[..., None]) -> Callable[..., None]:
        rec = self.recorder

        @functools.wraps(original)
        def __init__(optimizer: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
            original(optimizer, *args, **kwargs)
            self.call(rec.optimizer_created, optimizer)

        return __init__

    def _wrap_init(self, original: Callable[..., Any]) -> Callable[..., Any]:
        rec = self.recorder

        @functools.wraps(original)
        def init(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            self.call(rec.initialised, tensor)
            return original(tensor, *args, **kwargs)

        return init


def global_hook_counts() -> dict[str, int]:
    """How many global hooks torch holds now, by kind (tests compare before and after a trace)."""
    return {
        "optimizer_step_pre": len(_optimizer._global_optimizer_pre_hooks),
        "optimizer_step_post": len(_optimizer._global_optimizer_post_hooks),
        "parameter_registration": len(_module._global_parameter_registration_hooks),
        "module_registration": len(_module._global_module_registration_hooks),
    }

"""Where in the user's code: walk the stack to the first frame outside torch and epochlab, and name things.

A finding says *where* (``"file:line"``) and *what* (the variable the student wrote, ``net``,
``optimizer``): both come from the first stack frame that is neither torch's nor epochlab's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from types import FrameType

import torch
from torch import nn

_LIBRARY_DIRS = (
    os.path.dirname(torch.__file__) + os.sep,
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,  # the epochlab package
)

_COMPILER_DIRS = tuple(os.sep + os.path.join("torch", name) + os.sep for name in ("_dynamo", "_inductor", "fx"))


def _outside(frame: FrameType) -> bool:
    return not frame.f_code.co_filename.startswith(_LIBRARY_DIRS)


def user_frame(*, skip_module_init: bool = False) -> FrameType | None:
    """The innermost caller frame outside torch and epochlab (None if there is none).

    With ``skip_module_init`` the frames of a user's ``nn.Module.__init__`` are skipped too, so the
    creation of ``net = Net(2, 1)`` is placed on that line, not on ``self.fc = nn.Linear(...)``.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if _outside(frame) and not (skip_module_init and _in_module_init(frame)):
            return frame
        frame = frame.f_back
    return None


def compiling(frame: FrameType) -> bool:
    """Is torch.compile (dynamo, inductor, fx) somewhere below this frame on the stack?"""
    current: FrameType | None = sys._getframe(1)
    while current is not None and current is not frame:
        if any(part in current.f_code.co_filename for part in _COMPILER_DIRS):
            return True
        current = current.f_back
    return False


def _in_module_init(frame: FrameType) -> bool:
    return frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), nn.Module)


def where(frame: FrameType | None) -> str | None:
    """``"file:line"`` of a frame: the file's base name, or the notebook cell (``In[5]``) it came from."""
    if frame is None:
        return None
    filename = frame.f_code.co_filename
    return f"{_cell_name(filename) or os.path.basename(filename)}:{frame.f_lineno}"


def _cell_name(filename: str) -> str | None:
    # IPython compiles each cell to a temporary file name and remembers its execution count.
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in filename and not filename.startswith("<ipython-input"):
        return None
    try:
        shell = ipython.get_ipython()
        number = shell.compile._filename_map.get(filename)
    except AttributeError:
        return None
    return None if number is None else f"cell In[{number}]"


def _variables(frame: FrameType, depth: int = 40) -> Iterator[tuple[str, object]]:
    """The variables of this frame and of the user frames that called it, outermost first.

    Outermost first, so an object passed down into a helper (``def step(net, optimizer)``) is
    called by the name the loop gave it (``generator``), not by the helper's parameter name.
    """
    frames: list[FrameType] = []
    current: FrameType | None = frame
    while current is not None and len(frames) < depth:
        if _outside(current):
            frames.append(current)
        current = current.f_back
    for f in reversed(frames):
        yield from list(f.f_locals.items())
        if f.f_globals is not f.f_locals:
            yield from list(f.f_globals.items())


def variable_name(frame: FrameType | None, value: object) -> str | None:
    """The name the user's code gives ``value`` (the outermost caller that holds it), or None."""
    if frame is None:
        return None
    return next((name for name, v in _variables(frame) if v is value and not name.startswith("_")), None)


def models_of(frame: FrameType | None, param_ids: set[int]) -> list[tuple[str, nn.Module]]:
    """The outermost modules visible in the user's frame that hold some of these parameters, named.

    A submodule (``net.fc``) gives way to the module that contains it (``net``); of two modules with
    the same parameters (a module and its ``torch.compile`` wrapper) the plain module is kept.
    """
    if frame is None:
        return []
    found: list[tuple[str, nn.Module, frozenset[int]]] = []
    for name, value in _variables(frame):
        if isinstance(value, nn.Module) and not name.startswith("_"):
            ids = frozenset(id(p) for p in value.parameters())
            if ids & param_ids and all(value is not m for _, m, _ in found):
                found.append((name, value, ids))
    compiled = getattr(sys.modules.get("torch._dynamo.eval_frame"), "OptimizedModule", ())  # if compile is in use
    kept: list[tuple[str, nn.Module]] = []
    for name, module, ids in found:
        bigger = any(ids < other for _, _, other in found)
        twin = any(ids == other and m is not module and not isinstance(m, compiled) for _, m, other in found)
        if not bigger and not (twin and isinstance(module, compiled)) and all(
            ids != frozenset(id(p) for p in m.parameters()) for _, m in kept
        ):
            kept.append((name, module))
    return kept

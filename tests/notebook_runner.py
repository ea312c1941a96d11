"""Execute a notebook in a fresh kernel and fail on any error it shows, including inside widgets.

nbmake and nbclient only see errors raised by a cell; an exception inside a widget callback is
drawn into the widget and lost. So after the notebook runs, a final check cell calls
``epochlab.views.widgets.raise_widget_errors()``, and every output (and every widget's stored
outputs) is scanned for tracebacks.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from exercises_injection import inject_answers
from nbclient import NotebookClient

CELL_TIMEOUT_S = 120  # per cell: a widget cell that stalls fails here instead of hanging CI
CHECK_CELL = "import epochlab.views.widgets\nepochlab.views.widgets.raise_widget_errors()"


@dataclass
class Run:
    notebook: nbformat.NotebookNode
    seconds: float
    verdicts: list[dict[str, str]] = field(default_factory=list)  # every exercise check, in order


def parameters_cell_index(nb: nbformat.NotebookNode) -> int:
    tagged = [i for i, cell in enumerate(nb.cells) if "parameters" in cell.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise AssertionError(f"expected exactly one cell tagged 'parameters', found {len(tagged)}")
    return tagged[0]


def inject_parameters(nb: nbformat.NotebookNode, parameters: dict[str, Any]) -> None:
    """Insert a cell after the ``parameters`` cell that overrides its values (as papermill does)."""
    if not parameters:
        return
    index = parameters_cell_index(nb)
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, cell)


def execute(path: Path, parameters: dict[str, Any] | None = None, *, answers: dict[str, str] | None = None,
            strict: bool = False, allow_errors: bool = False) -> Run:
    """Run ``path`` in a fresh kernel; ``answers`` replace the exercises' ``None``; ``strict`` makes checks raise."""
    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, parameters or {})
    if answers is not None:
        inject_answers(nb, answers)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True, allow_errors=allow_errors,
    )
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "verdicts.jsonl"
        env = {**os.environ, "EPOCHLAB_EXERCISES_LOG": str(log)}
        env.pop("EPOCHLAB_EXERCISES", None)
        env.pop("MPLBACKEND", None)  # the kernel's inline backend: every figure is really drawn, as a student sees it
        if strict:
            env["EPOCHLAB_EXERCISES"] = "strict"
        start = time.perf_counter()
        client.execute(env=env)
        seconds = time.perf_counter() - start
        verdicts = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return Run(nb, seconds, verdicts)


def error_cells(nb: nbformat.NotebookNode) -> dict[int, str]:
    """Cell index -> the exception name of the error it shows."""
    return {i: o.get("ename", "") for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
            if o.get("output_type") == "error"}


def shown_errors(nb: nbformat.NotebookNode, expected: dict[int, str] | None = None) -> list[str]:
    """Every error or traceback the executed notebook displays, in cells or in widget state.

    ``expected`` maps a cell index to the one exception name that cell is meant to raise (an exercise in
    strict mode); that error is not a problem, any other is.
    """
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if expected and output.get("output_type") == "error" and expected.get(index) == output.get("ename"):
                continue
            text = json.dumps(output)
            if output.get("output_type") == "error" or "Traceback" in text or "epochlab widget error" in text:
                problems.append(f"cell {index}: {text[:2000]}")
    widget_state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    text = json.dumps(widget_state)
    if "Traceback" in text or "epochlab widget error" in text:
        problems.append(f"widget state shows an error: {text[text.find('Traceback') - 200:][:2000]}")
    return problems

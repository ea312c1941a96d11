"""Execute a notebook in a fresh kernel and fail on any error it shows, including inside widgets.

nbmake and nbclient only see errors raised by a cell; an exception inside a widget callback is
drawn into the widget and lost. So after the notebook runs, a final check cell calls
``epochlab.views.widgets.raise_widget_errors()``, and every output (and every widget's stored
outputs) is scanned for tracebacks.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT_S = 120  # per cell: a widget cell that stalls fails here instead of hanging CI
CHECK_CELL = "import epochlab.views.widgets\nepochlab.views.widgets.raise_widget_errors()"


@dataclass
class Run:
    notebook: nbformat.NotebookNode
    seconds: float


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


def execute(path: Path, parameters: dict[str, Any] | None = None) -> Run:
    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, parameters or {})
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    return Run(nb, time.perf_counter() - start)


def shown_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Every error or traceback the executed notebook displays, in cells or in widget state."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = json.dumps(output)
            if output.get("output_type") == "error" or "Traceback" in text or "epochlab widget error" in text:
                problems.append(f"cell {index}: {text[:2000]}")
    widget_state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    text = json.dumps(widget_state)
    if "Traceback" in text or "epochlab widget error" in text:
        problems.append(f"widget state shows an error: {text[text.find('Traceback') - 200:][:2000]}")
    return problems

"""Every notebook, executed in a fresh kernel at its defaults and with other seeds injected."""

from __future__ import annotations

import nbformat
import pytest
from conftest import NOTEBOOKS
from notebook_runner import execute, parameters_cell_index, shown_errors

PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SEEDS = [None, 1, 7]  # None: the notebook's own defaults


def test_notebooks_exist() -> None:
    assert PATHS, f"no notebooks found in {NOTEBOOKS}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_without_outputs(path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {index} has committed outputs"
    parameters_cell_index(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "first cell: the title"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("You will learn", "Predict before you run", "Summary", "Exercises"):
        assert heading in markdown, f"missing section: {heading}"
    checks = [c for c in nb.cells if c.cell_type == "code" and "assert " in c.source]
    assert len(checks) >= 3, f"expected at least three self-check cells, found {len(checks)}"


@pytest.mark.notebook
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "defaults" if s is None else f"seed{s}")
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path, seed) -> None:
    run = execute(path, {} if seed is None else {"SEED": seed})
    problems = shown_errors(run.notebook)
    assert not problems, "\n".join(problems)
    print(f"{path.name} seed={seed}: {run.seconds:.1f} s")

"""Every notebook, executed in a fresh kernel at its defaults and with other seeds injected."""

from __future__ import annotations

import nbformat
import pytest
from conftest import NOTEBOOKS
from notebook_runner import execute, parameters_cell_index, shown_errors

PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SEEDS = [None, 1, 7]  # None: the notebook's own defaults
MAX_CELL_LINES = 10  # longer code belongs in epochlab, with a unit test


def code_lines(source: str) -> list[str]:
    """The lines of a code cell that are neither blank nor comment-only, stripped."""
    return [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]


def imports_only(lines: list[str]) -> bool:
    """True if every line is an import statement or a continuation inside an import's parentheses."""
    inside = False
    for line in lines:
        if inside:
            inside = ")" not in line
        elif line.startswith(("import ", "from ")):
            inside = line.endswith("(")
        else:
            return False
    return True


def test_notebooks_exist() -> None:
    assert PATHS, f"no notebooks found in {NOTEBOOKS}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_without_outputs(path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {index} has committed outputs"
            lines = code_lines(cell.source)
            assert len(lines) <= MAX_CELL_LINES or imports_only(lines), (
                f"cell {index} has {len(lines)} lines of code (at most {MAX_CELL_LINES}): move logic into epochlab"
            )
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

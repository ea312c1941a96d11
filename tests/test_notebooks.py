"""Every notebook, executed in a fresh kernel at its defaults and with other seeds injected.

The three runs also prove the exercises (see ``epochlab.exercises``), in strict mode where a check raises:
- defaults: the reference answers of ``tests/exercise_answers/nbNN.py`` are injected: every check says *correct*;
- seed 1: the notebook as committed: every exercise cell raises "not answered" (so no answer can sneak back in),
  and nothing else fails;
- seed 7: the wrong answers are injected (not strict, so every check in a cell runs): every check says *not quite*.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import NOTEBOOKS
from exercises_injection import answer_key, committed_answers, exercise_cells, slots
from notebook_runner import error_cells, execute, parameters_cell_index, shown_errors

from epochlab.exercises import lookup

PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SEEDS = [None, 1, 7]  # None: the notebook's own defaults
ANSWERS = {None: "reference", 1: "committed", 7: "wrong"}  # which exercise answers each run injects
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


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_exercises_hide_their_answers_and_are_all_proven(path) -> None:
    nb = nbformat.read(path, as_version=4)
    found = slots(nb)
    outside = {i: list(committed_answers(c.source)) for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and i not in exercise_cells(nb) and committed_answers(c.source)}
    assert not outside, f"answers (my_...) outside a cell tagged 'exercise': {outside}"
    for index in exercise_cells(nb):
        given = committed_answers(nb.cells[index].source)
        assert given, f"cell {index} is tagged 'exercise' but holds no my_... answer"
        filled = {name: value for name, value in given.items() if value != "None"}
        assert not filled, f"cell {index} shows an answer in the committed notebook: {filled}"
    names = [slot.name for slot in found]
    assert len(names) == len(set(names)), f"an exercise is checked twice: {names}"
    for name in names:
        assert name.startswith(path.stem[:2] + "."), f"{name} is not named after notebook {path.stem[:2]}"
        lookup(name)  # defined in epochlab/exercises/nbNN.py (raises a ValueError naming it otherwise)
    reference, wrong = answer_key(path.stem)
    assert set(reference) == set(names) == set(wrong), (
        f"tests/exercise_answers/nb{path.stem[:2]}.py must give a reference and a wrong answer for exactly {names}")
    for name in names:
        assert reference[name] != wrong[name], f"{name}: the wrong answer is the reference"


@pytest.mark.notebook
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "defaults" if s is None else f"seed{s}")
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path, seed) -> None:
    reference, wrong = answer_key(path.stem)
    mode = ANSWERS[seed]
    answers = {"reference": reference, "wrong": wrong, "committed": None}[mode]
    run = execute(path, {} if seed is None else {"SEED": seed}, answers=answers, strict=mode != "wrong",
                  allow_errors=mode == "committed")
    names = [slot.name for slot in slots(run.notebook)]
    expected = {index: "ExerciseNotAnswered" for index in exercise_cells(run.notebook)} if mode == "committed" else None
    problems = shown_errors(run.notebook, expected)
    assert not problems, "\n".join(problems)
    verdicts = {v["name"]: v["verdict"] for v in run.verdicts}
    if mode == "committed":
        errors = error_cells(run.notebook)
        assert all(errors.get(i) == "ExerciseNotAnswered" for i in exercise_cells(run.notebook)), (
            f"every exercise cell of the committed notebook must say 'not answered' in strict mode: {errors}")
        assert set(verdicts.values()) <= {"not answered"}, verdicts
    else:
        want = "correct" if mode == "reference" else "not quite"
        assert verdicts == dict.fromkeys(names, want), f"with the {mode} answers every check must say {want!r}: {verdicts}"
    print(f"{path.name} seed={seed} ({mode} answers): {run.seconds:.1f} s")

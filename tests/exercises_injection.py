"""Find the exercise cells of a notebook and substitute answers for their ``None`` placeholders."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import nbformat
from conftest import ROOT

CHECK_CALL = re.compile(r"""check\(\s*["'](?P<name>\d\d\.\w+)["']\s*,\s*(?P<var>my_\w+)""")
ANSWER_LINE = re.compile(r"^(?P<indent>\s*)(?P<var>my_\w+)\s*=(?!=)(?P<value>[^#\n]*)(?P<comment>#.*)?$", re.M)


@dataclass(frozen=True)
class Slot:
    """One answer in one exercise cell: the variable the student fills in and the exercise it answers."""

    cell: int
    name: str
    variable: str


def exercise_cells(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])]


def slots(nb: nbformat.NotebookNode) -> list[Slot]:
    return [Slot(i, m["name"], m["var"]) for i in exercise_cells(nb) for m in CHECK_CALL.finditer(nb.cells[i].source)]


def committed_answers(source: str) -> dict[str, str]:
    """``my_x`` -> the value it is given in a cell (stripped source), for every answer line."""
    return {m["var"]: m["value"].strip() for m in ANSWER_LINE.finditer(source)}


def answer_key(stem: str) -> tuple[dict[str, str], dict[str, str]]:
    """(REFERENCE, WRONG) for notebook ``NN_...``, from ``tests/exercise_answers/nbNN.py`` ({} if none)."""
    path = ROOT / "tests" / "exercise_answers" / f"nb{stem[:2]}.py"
    if not path.exists():
        return {}, {}
    module = importlib.import_module(f"exercise_answers.nb{stem[:2]}")
    return dict(module.REFERENCE), dict(module.WRONG)


def inject_answers(nb: nbformat.NotebookNode, answers: dict[str, str]) -> None:
    """Replace ``my_x = None`` by ``my_x = <answer>`` for every slot; every slot must have an answer."""
    for slot in slots(nb):
        if slot.name not in answers:
            raise AssertionError(f"no answer for exercise {slot.name} in tests/exercise_answers")
        cell = nb.cells[slot.cell]
        pattern = re.compile(rf"^(\s*){slot.variable}\s*=\s*None\b", re.M)
        cell.source, count = pattern.subn(lambda m, s=slot: f"{m.group(1)}{s.variable} = {answers[s.name]}", cell.source)
        if count != 1:
            raise AssertionError(f"exercise {slot.name}: expected one line '{slot.variable} = None' in cell {slot.cell}")

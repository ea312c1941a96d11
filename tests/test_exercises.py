"""epochlab.exercises: three verdicts, strict mode, references never stored as plain answers."""

from __future__ import annotations

import json
import math
import sys
import types

import nbformat
import pytest
from exercises_injection import committed_answers, inject_answers, slots

from epochlab.exercises import (
    Exercise,
    ExerciseNotAnswered,
    ExerciseWrong,
    check,
    close_to,
    digest,
    hashed,
    lookup,
    normalize,
)

DEMO = {
    "99.iterations": Exercise("iterations per epoch", lambda a, ctx: a == math.ceil(ctx["n"] / 24),
                              "count the batches: the last one may be short."),
    "99.same": Exercise("same weights?", hashed(digest(True)), "compare the boundary weights."),
    "99.lr": Exercise("a learning rate", close_to(lambda ctx: 1 / ctx["top"], rel=0.05), "the threshold is 2/top."),
}


@pytest.fixture(autouse=True)
def demo_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("epochlab.exercises.nb99")
    module.EXERCISES = DEMO  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "epochlab.exercises.nb99", module)
    monkeypatch.delenv("EPOCHLAB_EXERCISES", raising=False)
    monkeypatch.delenv("EPOCHLAB_EXERCISES_LOG", raising=False)


def test_three_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    check("99.iterations", None, n=64)
    assert "not answered yet" in capsys.readouterr().out
    check("99.iterations", 3, n=64)
    assert "correct" in capsys.readouterr().out
    check("99.iterations", 2, n=64)
    out = capsys.readouterr().out
    assert "not quite" in out and "count the batches" in out and "3" not in out.replace("99.", "")


def test_the_reference_follows_the_notebooks_own_variables(capsys: pytest.CaptureFixture[str]) -> None:
    check("99.iterations", 5, n=100)  # ceil(100/24) = 5: the check is a function of the context
    assert "correct" in capsys.readouterr().out


def test_hashed_and_close_to(capsys: pytest.CaptureFixture[str]) -> None:
    for answer, verdict in [(True, "correct"), (False, "not quite"), ("yes", "not quite")]:
        check("99.same", answer)
        assert verdict in capsys.readouterr().out
    check("99.lr", 0.252, top=4.0)
    assert "correct" in capsys.readouterr().out
    check("99.lr", 0.5, top=4.0)
    assert "not quite" in capsys.readouterr().out
    check("99.lr", "a quarter", top=4.0)  # an answer of the wrong kind is "not quite", never a crash
    assert "not quite" in capsys.readouterr().out


def test_strict_mode_raises_and_the_log_records(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("EPOCHLAB_EXERCISES", "strict")
    monkeypatch.setenv("EPOCHLAB_EXERCISES_LOG", str(log))
    with pytest.raises(ExerciseNotAnswered, match="not answered"):
        check("99.iterations", None, n=64)
    with pytest.raises(ExerciseWrong, match="not quite"):
        check("99.iterations", 4, n=64)
    check("99.iterations", 3, n=64)
    assert [json.loads(line)["verdict"] for line in log.read_text().splitlines()] == [
        "not answered", "not quite", "correct"]
    assert issubclass(ExerciseWrong, AssertionError) and issubclass(ExerciseNotAnswered, AssertionError)


def test_digest_normalises_and_never_stores_the_answer() -> None:
    assert digest(3) == digest(3.0) == digest("3") and digest(True) == digest("TRUE")
    assert digest(" Reset  the weights ") == digest("reset the weights")
    assert digest((1, 2)) == digest([1, 2]) != digest((2, 1))
    assert "3" not in digest(3) or len(digest(3)) == 64
    assert normalize(0.25) == "0.25"
    with pytest.raises(TypeError, match="answer"):
        normalize({"a": 1})


@pytest.mark.parametrize(("name", "error", "message"), [
    (3, TypeError, "name"), ("iterations", ValueError, "NN.short_name"), ("98.x", ValueError, "notebook 98"),
    ("99.nope", ValueError, "99.iterations"),
])
def test_lookup_names_what_is_wrong(name: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        lookup(name)  # type: ignore[arg-type]


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(TypeError, match="is_correct"):
        Exercise("q", "not callable", "h")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hint"):
        Exercise("q", lambda a, c: True, " ")
    with pytest.raises(ValueError, match="digests"):
        hashed("abc")
    with pytest.raises(ValueError, match="tolerance"):
        close_to(lambda c: 1.0, rel=-1)


def test_injection_replaces_only_the_placeholder() -> None:
    cell = nbformat.v4.new_code_cell('my_n = None  # your answer\ncheck("99.iterations", my_n, n=N)',
                                     metadata={"tags": ["exercise"]})
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert [s.name for s in slots(nb)] == ["99.iterations"] and committed_answers(cell.source) == {"my_n": "None"}
    inject_answers(nb, {"99.iterations": "math.ceil(N / 24)"})
    assert nb.cells[0].source.startswith("my_n = math.ceil(N / 24)")
    with pytest.raises(AssertionError, match="no answer"):
        inject_answers(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            'my_n = None\ncheck("99.iterations", my_n)', metadata={"tags": ["exercise"]})]), {})


def test_no_definition_computes_a_digest_from_a_readable_answer() -> None:
    # hashed(digest(True)) would print the answer in the library's source: definitions store the hex digest.
    from conftest import ROOT

    for path in sorted((ROOT / "epochlab" / "exercises").glob("nb*.py")):
        assert "digest(" not in path.read_text(), f"{path.name} computes a digest from the answer itself"

"""What a trace found: the ``Finding`` record, the documented kinds, and the readable report."""

from __future__ import annotations

from dataclasses import dataclass

# Every kind a trace can report, with whether it is a problem (something reset, re-created, reloaded or
# changed between epochs) or information. The module docstring of ``epochlab.tracing`` and the README
# describe each one; a test keeps the three lists equal.
KINDS: dict[str, bool] = {
    "carried_over": False,
    "one_epoch": False,
    "no_steps": False,
    "steps_per_epoch": False,
    "samples_per_epoch": False,
    "data_order": False,
    "learning_rate": False,
    "rewind": False,
    "compile_failed": False,
    "trace_failed": False,
    "model_created": True,
    "optimizer_recreated": True,
    "reinitialised": True,
    "reloaded": True,
    "weights_changed": True,
}


@dataclass(frozen=True)
class Finding:
    """One thing a trace saw: ``kind`` (see ``KINDS``), the ``epoch`` it concerns (from 1, or None),
    one plain-sentence ``message``, ``where`` in the user's code (``"file:line"`` or None), and
    ``problem`` (True when something was reset, re-created, reloaded or changed between epochs)."""

    kind: str
    epoch: int | None
    message: str
    where: str | None = None
    problem: bool = False


def finding(kind: str, message: str, *, epoch: int | None = None, where: str | None = None) -> Finding:
    """A ``Finding`` whose ``problem`` flag comes from its kind, so a kind is never both."""
    return Finding(kind=kind, epoch=epoch, message=message, where=where, problem=KINDS[kind])


def epochs_text(epochs: list[int]) -> str:
    """``[3]`` -> "epoch 3"; ``[2, 3, 4]`` -> "epochs 2-4"; ``[2, 4]`` -> "epochs 2, 4"."""
    if len(epochs) == 1:
        return f"epoch {epochs[0]}"
    if epochs == list(range(epochs[0], epochs[-1] + 1)):
        return f"epochs {epochs[0]}-{epochs[-1]}"
    return "epochs " + ", ".join(map(str, epochs))


def runs_text(values: list[object], unit: str) -> str:
    """Per-epoch values in words: "5000 steps in each of the 3 epochs" or "8, 8, 4 steps in epochs 1-3"."""
    if len(set(values)) == 1:
        each = "the only epoch" if len(values) == 1 else f"each of the {len(values)} epochs"
        return f"{values[0]} {unit} in {each}"
    shown = ", ".join(map(str, values[:12])) + (", ..." if len(values) > 12 else "")
    return f"{shown} {unit} in epochs 1-{len(values)}"


def report_text(findings: list[Finding], summary: str) -> str:
    """The report: a summary line, then one line per finding, identical findings of several epochs merged."""
    groups: dict[tuple[str, str, str | None], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.kind, f.message, f.where), []).append(f)
    problems = sum(1 for f in findings if f.problem)
    verdict = "no problem found" if problems == 0 else f"{problems} problem{'s' * (problems != 1)} found"
    lines = [f"epochlab.trace: {summary}; {verdict}."]
    for same in groups.values():
        first = same[0]
        epochs = sorted({f.epoch for f in same if f.epoch is not None})
        label = "PROBLEM" if first.problem else "ok"
        when = f"{epochs_text(epochs)}: " if epochs else ""
        lines.append(f"  {label:<8}{first.kind:<20}{when}{first.message}")
    return "\n".join(lines)

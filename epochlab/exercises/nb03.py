"""Exercises of notebook 03 (why the loss falls)."""

from __future__ import annotations

from . import Exercise


def _regime(fraction: float) -> str:
    """What full-batch descent does at ``fraction`` x 2/lambda_max (the rule section 3 teaches)."""
    return "monotone" if fraction <= 0.5 else "oscillating" if fraction < 1 else "diverging"


EXERCISES = {
    "03.one_step_lr": Exercise(
        question="At which learning rate is the error across the valley removed in one single step?",
        is_correct=lambda answer, ctx: abs(1 - float(answer) * float(ctx["eigenvalues"][-1])) < 1e-6,
        hint="One step multiplies the error along the steep direction by 1 - lr * lambda_max: make it 0.",
    ),
    "03.regime": Exercise(
        question="What does full-batch descent do at lr = 0.75 x 2/lambda_max: 'monotone', 'oscillating' or 'diverging'?",
        is_correct=lambda answer, ctx: isinstance(answer, str) and answer.strip().lower() == _regime(ctx["fraction"]),
        hint="Compare the fraction with 1/2 and with 1, then find the panel of section 3 on the same side of both.",
    ),
}

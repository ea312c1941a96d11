"""Exercises of notebook 04 (restarts vs epochs)."""

from __future__ import annotations

from . import Exercise, close_to

EXERCISES = {
    "04.iterations": Exercise(
        question="How many weight updates do all the restarts spend together?",
        is_correct=lambda answer, ctx: answer == ctx["restarts"] * ctx["epochs"],
        hint="Every step here uses the whole dataset, so one epoch is one weight update; count epochs.",
    ),
    "04.bad_restarts": Exercise(
        question="How many restarts ended at least twice as high as the best one?",
        is_correct=lambda answer, ctx: answer == sum(loss >= 2 * min(ctx["end_losses"]) for loss in ctx["end_losses"]),
        hint="Read the dots of the right panel in section 1 against twice the lowest dot (a log axis: one tick up "
             "is ten times, not two).",
    ),
    "04.flipped_loss": Exercise(
        question="What is the loss of the best restart's weights with every sign flipped except the output bias?",
        is_correct=close_to(lambda ctx: min(ctx["end_losses"]), rel=1e-3),
        hint="tanh(-z) = -tanh(z): flip a unit's input weight, its bias and its output weight, and what does that "
             "unit add to the output?",
    ),
}

"""Notebook 12's exercise answers: the reference, and a plausible wrong answer, as source strings."""

REFERENCE = {
    "12.fourth_mistake": '"reinitialised"',
    "12.boundaries": "EPOCHS - 1",
}
WRONG = {
    "12.fourth_mistake": '"reloaded"',
    "12.boundaries": "EPOCHS",
}

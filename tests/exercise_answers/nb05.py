"""Reference and wrong answers for notebook 05's exercises (source strings substituted for ``my_x = None``)."""

REFERENCE = {
    "05.steps_needed": "steps_to_converge(X[:1], lr=LR, tol=1e-6)",
    "05.one_step_lr": "1 / (2 * 2.0)",
    "05.same_budget": "STEPS_PER_POINT",
}
WRONG = {
    "05.steps_needed": "STEPS_PER_POINT",
    "05.one_step_lr": "0.5",
    "05.same_budget": "N_POINTS * STEPS_PER_POINT",
}

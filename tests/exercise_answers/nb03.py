"""Reference and wrong answers for notebook 03's exercises (source strings substituted for ``my_x = None``)."""

REFERENCE = {
    "03.one_step_lr": "1 / eigenvalues[-1]",
    "03.regime": "'oscillating'",
}
WRONG = {
    "03.one_step_lr": "2 / eigenvalues[-1]",
    "03.regime": "'diverging'",
}

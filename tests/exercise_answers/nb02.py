"""Reference and wrong answers of notebook 02's exercises (source the test runner substitutes for None)."""

REFERENCE = {
    "02.step_captures": "EPOCHS * 6",
    "02.epoch_captures": "EPOCHS * 2",
    "02.momentum_boundaries_equal": "True",
}
WRONG = {
    "02.step_captures": "EPOCHS * 4",  # only the steps: forgets the start and end of each epoch
    "02.epoch_captures": "EPOCHS",
    "02.momentum_boundaries_equal": "False",
}

"""Reference and wrong answers of notebook 00's exercises (source the test runner substitutes for None)."""

REFERENCE = {
    "00.iterations": "3",
    "00.full_batch_epochs": "EPOCHS * 8",
    "00.diverged": "True",
}
WRONG = {
    "00.iterations": "2",  # 64 // 24: forgets the short last batch
    "00.full_batch_epochs": "EPOCHS",
    "00.diverged": "False",
}

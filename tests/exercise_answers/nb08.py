"""Notebook 08: reference and wrong answers (Python source, substituted for ``my_x = None``)."""

REFERENCE = {
    "08.val_size": "-(-N_SAMPLES // K)",
    "08.seen_fraction": "1.0",
}
WRONG = {
    "08.val_size": "N_SAMPLES - N_SAMPLES // K",  # the training part
    "08.seen_fraction": "0.0",  # as if the folds never shared samples
}

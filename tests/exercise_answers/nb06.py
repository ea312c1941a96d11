"""Notebook 06: reference and wrong answers (Python source, substituted for ``my_x = None``)."""

REFERENCE = {
    "06.adam_steps": "EPOCHS * -(-N_TRAIN // BATCH_SIZE)",
    "06.cleared_steps": "-(-N_TRAIN // BATCH_SIZE)",
    "06.epoch5_lr": "LR / 4",
}
WRONG = {
    "06.adam_steps": "-(-N_TRAIN // BATCH_SIZE)",  # as if the counter restarted every epoch
    "06.cleared_steps": "EPOCHS * -(-N_TRAIN // BATCH_SIZE)",
    "06.epoch5_lr": "LR / 8",  # one halving too many
}

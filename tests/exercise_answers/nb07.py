"""Notebook 07: reference and wrong answers (Python source, substituted for ``my_x = None``)."""

REFERENCE = {
    "07.best_epoch": "turning_point(full.history)",
    "07.stop_epoch": "stopped.restore_best.best_epoch + PATIENCE",
}
WRONG = {
    "07.best_epoch": "EPOCHS",  # the last epoch: as if more epochs always helped
    "07.stop_epoch": "stopped.restore_best.best_epoch",  # forgets the patience
}

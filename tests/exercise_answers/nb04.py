"""Reference and wrong answers for notebook 04's exercises (source strings substituted for ``my_x = None``)."""

REFERENCE = {
    "04.iterations": "RESTARTS * EPOCHS_PER_RESTART",
    "04.bad_restarts": "sum(loss >= 2 * min(restarts.end_losses) for loss in restarts.end_losses)",
    "04.flipped_loss": "min(restarts.end_losses)",
}
WRONG = {
    "04.iterations": "RESTARTS * EPOCHS_PER_RESTART * N_SAMPLES",
    "04.bad_restarts": "0",
    "04.flipped_loss": "0.0",
}

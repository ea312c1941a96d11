"""Reference and wrong answers for notebook 09's exercises (source strings, evaluated in the notebook)."""

REFERENCE = {
    "09.accumulated_steps": "math.ceil(len(digits.X_train) / 256)",
    "09.faster_machine": "timed[0].epochs_to(TARGET)",
}
WRONG = {
    "09.accumulated_steps": "math.ceil(len(digits.X_train) / 32)",
    "09.faster_machine": "timed[0].epochs_to(TARGET) // 2 if timed[0].epochs_to(TARGET) > 1 else 7",
}

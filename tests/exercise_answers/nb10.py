"""Reference and wrong answers for notebook 10's exercises (source strings, evaluated in the notebook)."""

REFERENCE = {
    "10.samples_per_worker": "math.ceil(N_SAMPLES / 3)",
    "10.iterations": "math.ceil(N_SAMPLES / 24)",
    "10.equivalent_batch": "64",
}
WRONG = {
    "10.samples_per_worker": "N_SAMPLES // 3 - 1",
    "10.iterations": "math.ceil(N_SAMPLES / 8)",
    "10.equivalent_batch": "16",
}

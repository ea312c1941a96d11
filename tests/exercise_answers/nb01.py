"""Reference and wrong answers of notebook 01's exercises (source the test runner substitutes for None)."""

REFERENCE = {
    "01.iterations": "4",
    "01.iterations_drop_last": "3",
    "01.skipped": "4",
    "01.full_windows": "sum(full_pass_windows(sample_order(N_SAMPLES, EPOCHS, batch_size=1, shuffle=True, seed=SEED), N_SAMPLES))",
}
WRONG = {
    "01.iterations": "3",  # 100 // 32: forgets the short batch
    "01.iterations_drop_last": "4",
    "01.skipped": "0",
    "01.full_windows": "EPOCHS * N_SAMPLES - N_SAMPLES + 1",  # "every window is a pass": false with shuffling
}

"""Reference and wrong answers of notebook 11's exercises (source substituted for ``my_x = None``)."""

REFERENCE = {"11.iterations": "-(-N_SAMPLES // 24)"}
WRONG = {"11.iterations": "N_SAMPLES // 24"}  # the floor: forgets the last, smaller batch

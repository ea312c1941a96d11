"""The dashboard's text: the status line, the branch banner and the boundary-weights table."""

from __future__ import annotations

import numpy as np

from .engine import Segment
from .state import Session
from .timeline import readable

PROMISES = {
    "keep": "keep: each epoch starts exactly where the last one ended",
    "reset": "reset: each epoch starts again from the initial weights (iteration 0), also after a branch",
    "reinit": "reinit: each epoch starts from a fresh random draw (the same draws as without a branch)",
    "point": "point: the asker's loop, many steps on point 1, then point 2, ... in order",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def iterations_text(session: Session) -> str:
    """How many iterations one epoch has, and why: ceil(N/B), or N points x steps per point."""
    s, n = session.settings, session.n_samples
    per_epoch = _plural(session.steps_per_epoch, "iteration")
    if s.between_epochs == "point":
        return f"{per_epoch} per epoch = {_plural(n, 'point')} x {_plural(s.steps_per_point, 'step')}"
    return f"{per_epoch} per epoch = ceil({n}/{min(s.batch_size, n)})"


def status_line(session: Session, cursor: int) -> str:
    """Where the cursor is, in iterations and epochs, and how long an epoch is."""
    timeline = session.timeline
    return (f"iteration {cursor} of {timeline.steps} &middot; epoch {timeline.epoch_at(cursor)} of "
            f"{session.settings.epochs} &middot; {iterations_text(session)}")


def _segment_text(segment: Segment) -> str:
    if segment.between_epochs == "point":
        return f"point, {segment.steps_per_point} steps per point, lr {readable(segment.lr)}"
    return f"{segment.between_epochs}, lr {readable(segment.lr)}, batch {segment.batch_size}"


def banner_text(session: Session) -> str:
    """'' without a branch; else where the run branched and what ran after."""
    steps = session.branch_steps
    if not steps:
        return ""
    parts = [f"iteration {b} (end of epoch {seg.first_epoch - 1}): after it {_segment_text(seg)}"
             for b, seg in zip(steps, session.plan[1:])]
    return ("branched at " + "; then at ".join(parts) + f"; before: {_segment_text(session.plan[0])}. "
            "Changes apply after the branch; c clears it.")


def readout_html(session: Session, cursor: int, *, rows: int = 3) -> str:
    """The mode's promise, divergence, and the last ``rows`` epoch boundaries before the cursor."""
    timeline = session.timeline
    shown = [b for b in timeline.boundaries if b[3] < cursor][-rows:]
    lines = [PROMISES[session.settings.between_epochs]]
    note = timeline.diverging_at(cursor)
    if note:
        lines.append(f'<b style="color:#b00020">{note}: lr={readable(session.settings.lr)} is too large</b>')
    if not shown:
        lines.append("no epoch boundary before the cursor yet")
    else:
        cells = "".join(
            f"<tr><td>{k} &rarr; {k + 1}</td><td>{_weights(end)}</td><td>{_weights(start)}</td>"
            f"<td>{'yes' if np.array_equal(end, start) else '<b>no</b>'}</td></tr>"
            for k, end, start, _ in shown)
        lines.append('<table class="epochlab-table"><tr><th>k &rarr; k+1</th><th>end of k (w1, w2)</th>'
                     f"<th>start of k+1</th><th>same?</th></tr>{cells}</table>"
                     "same? = yes only if bit for bit equal")
    return "<br>".join(lines)


def _weights(w: np.ndarray) -> str:
    values = np.asarray(w, dtype=np.float64)
    return "(" + ", ".join(f"{v:+.4f}" if abs(v) < 1e3 else readable(v, 3) for v in values) + ")"

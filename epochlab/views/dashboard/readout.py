"""The dashboard's text: a one-line status for the figure and the boundary-weights table."""

from __future__ import annotations

import numpy as np

from .state import Session

_MODE_NAMES = {"keep": "keep the weights", "reset": "reset the weights each epoch",
               "reinit": "random restart each epoch", "point": "the asker's point-by-point loop"}


def iterations_text(session: Session) -> str:
    """How many iterations one epoch has, and why: ceil(N/B), or N points x steps per point."""
    s, n = session.settings, session.n_samples
    if s.between_epochs == "point":
        return f"{session.steps_per_epoch} iterations per epoch = {n} points x {s.steps_per_point} steps"
    return f"{session.steps_per_epoch} iterations per epoch = ceil({n}/{s.batch_size})"


def status_line(session: Session, cursor: int) -> str:
    """Where the cursor is, in iterations and epochs, and what the settings are."""
    timeline = session.timeline
    epoch = timeline.path_epoch[timeline.visible_points(cursor) - 1] if timeline.path else 0
    return (f"iteration {cursor} of {timeline.steps} (epoch {epoch})   |   {iterations_text(session)}   |   "
            f"{_MODE_NAMES[session.settings.between_epochs]}, lr={session.settings.lr:.3g}")


def readout_html(session: Session, cursor: int, *, rows: int = 3) -> str:
    """The last ``rows`` epoch boundaries before the cursor: end of epoch k next to start of k+1."""
    shown = [b for b in session.timeline.boundaries if b[3] < cursor][-rows:]
    lines = [f"<b>{iterations_text(session)}</b>"]
    if session.timeline.branch_step:
        lines.append(f"branch point: iteration {session.timeline.branch_step} (settings changed there)")
    if session.timeline.diverged:
        lines.append(f'<span style="color:#b00020">diverged: lr={session.settings.lr:.3g} is too large</span>')
    if not shown:
        lines.append("no epoch boundary before the cursor yet")
    else:
        cells = "".join(
            f"<tr><td>{k} &rarr; {k + 1}</td><td>{_weights(end)}</td><td>{_weights(start)}</td>"
            f"<td>{'yes, bit for bit' if np.array_equal(end, start) else '<b>no</b>'}</td></tr>"
            for k, end, start, _ in shown)
        lines.append('<table style="font-family:monospace"><tr><th>epochs</th><th>end of epoch k (w1, w2)</th>'
                     f"<th>start of epoch k+1</th><th>same?</th></tr>{cells}</table>")
    return f'<div style="font-size:16px;line-height:1.5">{"<br>".join(lines)}</div>'


def _weights(w: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:+.4f}" for v in np.asarray(w, dtype=np.float64)) + ")"

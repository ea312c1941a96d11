"""Per move: put a timeline (up to the cursor) into the figure's artists, in the chosen x unit."""

from __future__ import annotations

from typing import Any

import numpy as np

from .panels import MAX_DOTS, broken_path, clip_to_window, dot_indices, log_loss, thin_curve
from .timeline import Timeline, readable


def _vertical(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One line of vertical segments (axes-fraction y 0..1), broken by NaNs."""
    xs = np.asarray(xs, dtype=np.float64)
    return np.repeat(xs, 3), np.tile([0.0, 1.0, np.nan], len(xs))


def show_loss(art: dict[str, Any], timeline: Timeline, cursor: int, unit: str, x_max: float, columns: int,
              ghost: Timeline | None, val_loss: np.ndarray | None = None) -> tuple[int, int]:
    """Set the loss panel's artists; return the y limits in whole decades of the loss."""
    run, x = timeline.run, timeline.x[unit]
    cursor = max(0, min(cursor, timeline.steps))
    y = log_loss(run.step_loss[:cursor])
    line_x, line_y, band_x, band_y = thin_curve(x[1:cursor + 1], y, x_max, columns)
    art["step"].set_data(line_x, line_y)
    art["band"].set_data(band_x, band_y)
    shown = run.epoch_end_step <= cursor
    ends = run.epoch_end_step[shown]
    art["epoch"].set_data(np.r_[0.0, x[ends]], log_loss(np.r_[run.epoch_loss[0], run.epoch_loss[1:][shown]]))
    art["epoch"].set_marker("o" if len(run.epoch_end_step) <= 30 else "")
    art["boundary"].set_data(*_vertical(x[[b[3] for b in timeline.boundaries]]))
    art["boundary"].set_alpha(1.0 if len(timeline.boundaries) <= 30 else 0.4)  # many epochs: lines, not hatching
    art["branch_line"].set_data(*_vertical(x[list(timeline.branch_steps)]))
    art["cursor"].set_data(*_vertical(x[[cursor]] if cursor < timeline.steps else np.zeros(0)))
    if val_loss is not None:  # the same epoch ends as the full-data loss
        art["val_loss"].set_data(np.r_[0.0, x[ends]], log_loss(val_loss[: 1 + len(ends)]))
    else:
        art["val_loss"].set_data([], [])
    if ghost is not None:
        gx = ghost.x[unit][ghost.run.epoch_end_step]
        art["ghost_loss"].set_data(np.r_[0.0, gx], log_loss(ghost.run.epoch_loss))
    else:
        art["ghost_loss"].set_data([], [])
    # limits from what the curves show (per-column means when dense), so a spike band never squashes them
    _, full_line, _, _ = thin_curve(x[1:], log_loss(run.step_loss), x_max, columns)
    values = np.r_[full_line, log_loss(run.epoch_loss), log_loss(val_loss) if val_loss is not None else []]
    if ghost is not None:
        values = np.r_[values, log_loss(ghost.run.epoch_loss)]
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if len(values) else (-3.0, 0.0)
    low, high = int(np.floor(max(low, -30))), int(np.ceil(min(high, 39)))  # loss > 1e39 overflowed float32
    return low, max(high, low + 1)


def show_weights(art: dict[str, Any], timeline: Timeline, cursor: int, xlim: tuple[float, float],
                 ylim: tuple[float, float], ghost: Timeline | None) -> None:
    """Set the weights panel's artists: path, dots by epoch, markers; weights outside the window at its edge."""
    visible = timeline.visible_points(cursor)
    path, epochs = timeline.path[:visible], timeline.path_epoch[:visible]
    keep = dot_indices(len(path))
    line_keep = dot_indices(len(path), 2 * MAX_DOTS)
    art["path"].set_data(*broken_path(path[line_keep], epochs[line_keep]).T)  # the axes clip a line
    dots, outside = clip_to_window(path[keep], xlim, ylim)
    art["points"].set_offsets(dots[~outside])
    art["points"].set_array(epochs[keep][~outside].astype(float))
    art["start"].set_data([timeline.path[0][0]], [timeline.path[0][1]])
    now = timeline.weights_at(cursor)
    at_edge, off = clip_to_window(now, xlim, ylim)
    art["current"].set_data(at_edge[:, 0], at_edge[:, 1])
    art["offside"].set_data(at_edge[off, 0], at_edge[off, 1])
    note = art["weight_note"]
    note.set_visible(bool(off[0]))
    if off[0]:
        note.set_text(f"weights left the window: ({readable(now[0])}, {readable(now[1])})")
    branches = [timeline.weights_at(b) for b in timeline.branch_steps if b <= cursor]
    art["branch_marker"].set_data([b[0] for b in branches], [b[1] for b in branches])
    if ghost is not None:
        gkeep = dot_indices(len(ghost.path), MAX_DOTS)
        art["ghost_path"].set_data(*broken_path(ghost.path[gkeep], ghost.path_epoch[gkeep]).T)
    else:
        art["ghost_path"].set_data([], [])

"""What each panel draws for a timeline up to a cursor: no more points than pixels, numbers as fit computed them.

The loss panel's y axis is log10 of the loss (tick labels say the loss itself). A dense mini-batch
curve (more iterations than pixel columns) is drawn as its geometric mean per pixel column, with the
column's min..max as a faint band; the weight path keeps at most :data:`MAX_DOTS` of its points
(always the first and the last), each exactly one of the run's weights; its line twice as many.
"""

from __future__ import annotations

import numpy as np

MAX_DOTS = 600  # dots of the weight path; its line keeps up to 2 x as many points


def log_loss(values: np.ndarray) -> np.ndarray:
    """log10 of losses; non-finite (overflowed) losses are gaps, never drawn."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        out = np.log10(np.maximum(values, 1e-300))
    out[~np.isfinite(values)] = np.nan
    return out


def thin_curve(x: np.ndarray, y: np.ndarray, x_max: float, columns: int) -> tuple[np.ndarray, ...]:
    """(x, y, band_x, band_y): the curve itself when sparse; per-column means and min..max segments when dense.

    ``y`` is already log10(loss), so the mean per column is the geometric mean of the losses.
    """
    empty = np.zeros(0)
    if len(x) <= columns or columns < 1:
        return x, y, empty, empty
    column = np.minimum((x / max(x_max, 1e-12) * columns).astype(int), columns - 1)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    finite = np.where(np.isfinite(y), y, 0.0)
    counts = np.add.reduceat(np.isfinite(y).astype(float), starts)
    with np.errstate(all="ignore"):
        mean_y = np.add.reduceat(finite, starts) / counts
        low = np.fmin.reduceat(y, starts)
        high = np.fmax.reduceat(y, starts)
    mean_x = np.add.reduceat(x, starts) / np.diff(np.r_[starts, len(x)])
    band_x = np.repeat(mean_x, 3)
    band_y = np.column_stack([low, high, np.full(len(low), np.nan)]).reshape(-1)
    return mean_x, mean_y, band_x, band_y


def dot_indices(count: int, limit: int = MAX_DOTS) -> np.ndarray:
    """Indices of at most ``limit`` evenly spread points of ``count``, first and last included."""
    if count <= limit:
        return np.arange(count)
    return np.linspace(0, count - 1, limit).round().astype(int)  # spacing >= 1: distinct, first and last kept


def broken_path(path: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    """The path with a gap (NaN row) wherever an epoch starts somewhere else: a jump, not a step."""
    if len(path) < 2:
        return path
    jumps = np.flatnonzero(np.any(path[1:] != path[:-1], axis=1) & (epochs[1:] != epochs[:-1]))
    return np.insert(path, jumps + 1, np.nan, axis=0)


def clip_to_window(points: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(points clipped onto the window's edge, which of them were outside)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        clipped = np.column_stack([np.clip(points[:, 0], *xlim), np.clip(points[:, 1], *ylim)])
    outside = np.any(clipped != points, axis=1)
    return clipped, outside


def decade_ticks(low: int, high: int, most: int = 7) -> np.ndarray:
    """Whole decades from ``low`` to ``high``, every k-th so that at most ``most`` are labelled."""
    step = max(1, int(np.ceil((high - low) / (most - 1))))
    return np.arange(low, high + 1, step)


def nice_limit(value: float) -> float:
    """The next of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 x 10^k at or above ``value`` (axis limits change rarely)."""
    if value <= 1:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(value))
    for mantissa in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if mantissa * scale >= value - 1e-9:
            return float(mantissa * scale)
    return float(10 * scale)

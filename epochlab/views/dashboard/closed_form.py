"""The asker's loop in closed form: many SGD steps on one point, then the next, without a loop per step.

On one point ``x`` with target ``t`` the residual ``r = x.w - t`` after j steps of rate ``lr`` is
``r0 q^j`` with ``q = 1 - 2 lr |x|^2``, and the weights move along ``x`` by ``2 lr r0 (1 + q + ... + q^(j-1))``.
So an epoch costs one Python step per point and array arithmetic for the steps (76,800 steps in ~10 ms);
``tests/test_fastlinear.py`` checks every loss and weight against ``train_point_by_point``.
"""

from __future__ import annotations

import numpy as np

F32_MAX = float(np.finfo(np.float32).max)


def point_epoch(X: np.ndarray, y: np.ndarray, w: np.ndarray, lr: float,
                 steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """The asker's loop for one epoch in closed form: ``steps`` steps on point 0, then on point 1, ...

    On one point the residual after j steps is ``r0 q^j`` (``q = 1 - 2 lr |x|^2``) and the weights move
    along ``x`` by ``2 lr r0 (1 + q + ... + q^(j-1))``.
    """
    n, d = X.shape
    r0s, qs, base = np.empty(n), np.empty(n), np.empty((n, d))
    powers = np.arange(steps)
    with np.errstate(all="ignore"):
        w1, w2 = float(w[0]), float(w[1])
        for i, ((x1, x2), target) in enumerate(zip(X.tolist(), y.tolist())):  # each point starts where the last ended
            base[i] = (w1, w2)
            r0 = w1 * x1 + w2 * x2 - target
            q = 1.0 - 2.0 * lr * (x1 * x1 + x2 * x2)
            r0s[i], qs[i] = r0, q
            geometric = float(steps) if q == 1.0 else (1.0 - q**steps) / (1.0 - q)  # 1 + q + ... + q^(steps-1)
            move = 2.0 * lr * r0 * geometric
            w1, w2 = w1 - move * x1, w2 - move * x2
        qpow = qs[:, None] ** powers[None, :]  # (n, steps): q^j
        loss = (r0s[:, None] * qpow) ** 2  # the loss before step j on point i
        cumulative = np.cumsum(qpow, axis=1)  # 1 + q + ... + q^j: after step j+1
        after = base[:, None, :] - (2.0 * lr * r0s[:, None, None] * cumulative[:, :, None]) * X[:, None, :]
    loss, after = loss.reshape(-1), after.reshape(-1, d)
    bad_steps = np.flatnonzero(~(loss <= F32_MAX) | ~np.all(np.abs(after) <= F32_MAX, axis=1))
    if len(bad_steps):
        first = int(bad_steps[0])
        if loss[first] <= F32_MAX:  # the weights overflowed after this step: the next loss is not finite
            first += 1
        return loss[:first], after[:first], (after[first - 1] if first else base[0]), True
    return loss, after, after[-1].copy(), False

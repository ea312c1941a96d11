"""Real data, offline: scikit-learn's bundled 8x8 handwritten digits, split into train and validation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from .checks import check_int
from .data import make_generator

N_DIGITS = 1797  # images in scikit-learn's copy of the UCI optical-digits test set
N_PIXELS = 64
N_CLASSES = 10


@dataclass(frozen=True)
class DigitsSplit:
    """Pixels in [0, 1] (float32, one row of 64 per image) and labels 0..9 (int64), train and validation.

    ``train_index`` / ``val_index`` are the rows of ``sklearn.datasets.load_digits()`` each split holds.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    train_index: torch.Tensor
    val_index: torch.Tensor

    @property
    def n_classes(self) -> int:
        """Ten digits, 0..9."""
        return N_CLASSES

    def images(self, split: str = "train") -> torch.Tensor:
        """The split's images as ``(n, 8, 8)`` (row-major pixels, 0 = background), for showing them."""
        if split not in ("train", "val"):
            raise ValueError(f"Invalid split: {split!r} (expected 'train' or 'val')")
        return (self.X_train if split == "train" else self.X_val).reshape(-1, 8, 8)


@lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # read from the installed package: no download

    bunch = load_digits()
    return bunch.data, bunch.target


def load_digits_split(n_train: int | None = None, n_val: int = 360, *, seed: int = 0) -> DigitsSplit:
    """``n_val`` validation and ``n_train`` (``None``: all the rest) training images, disjoint, drawn by ``seed``.

    The 1,797 images are shuffled with ``make_generator(seed)``; the first ``n_val`` are validation,
    the next ``n_train`` training. Pixels (0..16 in the source) are divided by 16.
    """
    check_int("n_val", n_val, 1, N_DIGITS - 1)
    if n_train is None:
        n_train = N_DIGITS - n_val
    check_int("n_train", n_train, 1, N_DIGITS - n_val)
    data, target = _raw()
    order = torch.randperm(N_DIGITS, generator=make_generator(seed))
    val_index, train_index = order[:n_val], order[n_val : n_val + n_train]
    X = torch.from_numpy((data / 16.0).astype(np.float32))
    y = torch.from_numpy(target.astype(np.int64))
    return DigitsSplit(X[train_index], y[train_index], X[val_index], y[val_index], train_index, val_index)

"""Synthetic data and mini-batch indexing: the only places the data order is decided."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch
import torch.utils.data

from .checks import SEED_RANGE, as_float, check_int, check_seed, is_real

_REINIT_SEED_OFFSET = 1_000_003


def make_generator(seed: int) -> torch.Generator:
    """A local random generator: the library never touches torch's global RNG. ``seed``: an int in 0..2**64-1."""
    return torch.Generator().manual_seed(check_seed(seed))


def reinit_generator(seed: int) -> torch.Generator:
    """The generator ``between_epochs="reinit"`` draws from (the numpy engine makes the same draws)."""
    # Its own stream: never shifts the data order, never repeats LinearNet(seed=seed+1)'s weights (as seed+1 did).
    return make_generator((check_seed(seed) + _REINIT_SEED_OFFSET) % (SEED_RANGE[1] + 1))


def make_linear_data(
    n_samples: int,
    weights: Sequence[float],
    bias: float = 0.0,
    *,
    noise: float = 0.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``X`` (n_samples, len(weights)) and ``y = X @ weights + bias + noise`` (n_samples, 1)."""
    n_samples = check_int("n_samples", n_samples, 1)
    w = torch.tensor(_numbers(weights), dtype=torch.float32)
    if w.numel() == 0 or not torch.isfinite(w).all():
        raise ValueError(f"Invalid weights: {weights!r} (expected a non-empty list of numbers finite in float32)")
    if not is_real(bias):
        raise TypeError(f"Invalid bias: {bias!r} (expected a number)")
    if not torch.isfinite(torch.tensor(as_float(bias), dtype=torch.float32)):
        raise ValueError(f"Invalid bias: {bias!r} (expected a number finite in float32)")
    _check_noise(noise)
    generator = make_generator(seed)
    X = torch.randn(n_samples, w.numel(), generator=generator)
    y = X @ w.unsqueeze(1) + as_float(bias)
    if noise > 0:
        y = y + noise * torch.randn(n_samples, 1, generator=generator)
    if not torch.isfinite(y).all():
        raise ValueError(f"Invalid weights, bias: the targets overflow float32 (weights={weights!r}, bias={bias!r})")
    return X, y


def _numbers(values: object) -> list[float]:
    """``values`` as floats; ``[]`` (so the caller's check fails naming it) if it is not a flat sequence of numbers."""
    if isinstance(values, (str, bytes)):
        return []
    try:
        items = values.tolist() if hasattr(values, "tolist") else list(values)  # type: ignore[call-overload]
    except TypeError:
        return []
    return [as_float(v) for v in items] if isinstance(items, list) and all(is_real(v) for v in items) else []


def make_series_data(
    n_points: int, *, noise: float = 0.0, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The asker's setup: a series ``x``; inputs ``(x[m-1], x[m])``, target ``x[m+1]``.

    The clean series obeys ``x[m+1] = 1.2 x[m] - 0.5 x[m-1]`` (a damped oscillation), so a
    2-input linear net without bias fits every point exactly; ``noise`` breaks that.
    """
    check_int("n_points", n_points, 2)
    _check_noise(noise)
    generator = make_generator(seed)
    series = [1.0, 0.5 + torch.rand(1, generator=generator).item()]
    for _ in range(n_points):
        series.append(1.2 * series[-1] - 0.5 * series[-2])
    x = torch.tensor(series, dtype=torch.float32)
    return _series_pairs(x, noise, generator)


def make_rising_series_data(
    n_points: int, *, ratio: float = 0.8, noise: float = 0.0, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The asker's layout on a smooth curve rising to 2: ``x[m] = 2 - (2 - x[0]) ratio**m``.

    It obeys ``x[m+1] = (1 + ratio) x[m] - ratio x[m-1]``, so a bias-free 2-input linear net
    fits every point with weights ``(-ratio, 1 + ratio)``; ``noise`` (on the targets) breaks that.
    ``x[0]`` is drawn in [0.1, 0.5]; for ``ratio <= 0.8`` every input pair then has a squared
    norm above 0.2, so no point is too small for SGD at lr=0.01 to fit (unlike a decaying series).
    """
    check_int("n_points", n_points, 2)
    if not 0 < ratio < 1:
        raise ValueError(f"Invalid ratio: {ratio!r} (expected a number in (0, 1))")
    _check_noise(noise)
    generator = make_generator(seed)
    start = 0.1 + 0.4 * torch.rand(1, generator=generator).item()
    x = torch.tensor([2.0 - (2.0 - start) * ratio**m for m in range(n_points + 2)], dtype=torch.float32)
    return _series_pairs(x, noise, generator)


def _check_noise(noise: float) -> None:
    if not is_real(noise):
        raise TypeError(f"Invalid noise: {noise!r} (expected a number)")
    if not math.isfinite(as_float(noise)) or noise < 0:
        raise ValueError(f"Invalid noise: {noise!r} (expected a finite number >= 0)")


def _series_pairs(x: torch.Tensor, noise: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The asker's layout of a series: inputs ``(x[m-1], x[m])``, target ``x[m+1]`` (plus noise)."""
    X = torch.stack([x[:-2], x[1:-1]], dim=1)
    y = x[2:].unsqueeze(1).clone()
    if noise > 0:
        y += noise * torch.randn(y.shape, generator=generator)
    return X, y


def iterations_per_epoch(n_samples: int, batch_size: int, *, drop_last: bool = False) -> int:
    """Mini-batches in one epoch: ``ceil(N/B)``, or ``floor(N/B)`` when the short batch is dropped."""
    if n_samples < 1:
        raise ValueError(f"Invalid n_samples: {n_samples}")
    if not 1 <= batch_size <= n_samples:
        raise ValueError(f"Invalid batch_size: {batch_size} (expected 1..{n_samples})")
    return n_samples // batch_size if drop_last else math.ceil(n_samples / batch_size)


def batch_sizes(n_samples: int, batch_size: int, *, drop_last: bool = False) -> list[int]:
    """Sizes of one epoch's mini-batches, as ``fit`` cuts them (a short last one unless dropped)."""
    check_int("batch_size", batch_size, 1, n_samples)
    batches = epoch_batches(n_samples, batch_size, shuffle=False, generator=make_generator(0), drop_last=drop_last)
    return [len(b) for b in batches]


def epoch_batches(
    n_samples: int,
    batch_size: int,
    *,
    shuffle: bool,
    generator: torch.Generator,
    drop_last: bool = False,
) -> list[torch.Tensor]:
    """Index tensors of one epoch's mini-batches (a ``randperm`` split: no DataLoader overhead)."""
    order = torch.randperm(n_samples, generator=generator) if shuffle else torch.arange(n_samples)
    batches = list(torch.split(order, batch_size))
    if drop_last and len(batches[-1]) < batch_size:
        batches.pop()
    return batches


class EpochShuffle(torch.utils.data.Sampler[int]):
    """``fit``'s data order as a ``DataLoader`` sampler: each epoch one ``randperm`` from ``make_generator(seed)``.

    ``DataLoader(shuffle=True, generator=g)`` is reproducible too, but draws more per epoch (a worker
    seed, and ``RandomSampler`` one spare permutation), so from epoch 2 on its order is not ``fit``'s.
    """

    def __init__(self, n_samples: int, *, seed: int):
        check_int("n_samples", n_samples, 1)
        self.n_samples, self.generator = n_samples, make_generator(seed)

    def __iter__(self) -> Iterator[int]:
        return iter(torch.randperm(self.n_samples, generator=self.generator).tolist())

    def __len__(self) -> int:
        return self.n_samples

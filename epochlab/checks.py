"""Argument checks shared by the library: every message names the argument at fault."""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

OPTIMIZERS = ("sgd", "momentum", "adam")
BETWEEN_EPOCHS = ("keep", "reset", "reinit")


def check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an int in ``low..high`` (a bool is not an int here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        expected = f"an int >= {low}" if high is None else f"an int in {low}..{high}"
        raise ValueError(f"Invalid {name}: {value!r} (expected {expected})")


def check_batch_size(batch_size: int | None, n_samples: int) -> int:
    """``batch_size`` checked against ``n_samples``; ``None`` means the whole set (full-batch)."""
    if batch_size is None:
        return n_samples
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= n_samples:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (expected an int in 1..{n_samples}, or None)")
    return batch_size


def check_training_args(
    *, epochs: int, lr: float, optimizer: str | torch.optim.Optimizer, between_epochs: str
) -> None:
    """Raise ``ValueError`` naming the first invalid training argument."""
    check_int("epochs", epochs, 0)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"Invalid learning rate: lr={lr!r} (expected a finite number > 0)")
    if not isinstance(optimizer, torch.optim.Optimizer) and optimizer not in OPTIMIZERS:  # an instance: see optim.py
        raise ValueError(f"Invalid optimizer: {optimizer!r} (expected one of {OPTIMIZERS})")
    if between_epochs not in BETWEEN_EPOCHS:
        raise ValueError(f"Invalid between_epochs: {between_epochs!r} (expected one of {BETWEEN_EPOCHS})")


def check_data(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, names: tuple[str, str] = ("X", "y")) -> int:
    """Validate ``(X, y)`` against each other and the model; return the number of samples.

    ``names`` are what the messages call the two tensors (e.g. ``("validation X", "validation y")``).
    """
    xn, yn = names
    if not isinstance(X, torch.Tensor) or X.ndim != 2:
        raise ValueError(f"Invalid {xn}: expected a 2-D tensor (n_samples, n_features), got {_describe(X)}")
    if not isinstance(y, torch.Tensor) or y.ndim != 2 or y.shape[1] != 1:
        raise ValueError(f"Invalid {yn}: expected a 2-D tensor (n_samples, 1), got {_describe(y)}")
    if len(X) != len(y):
        raise ValueError(f"Invalid {xn}, {yn}: {xn} has {len(X)} samples but {yn} has {len(y)}")
    if len(X) == 0:
        raise ValueError(f"Invalid {xn}: the dataset is empty")
    expected = getattr(model, "n_features", None)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(f"Invalid {xn}: {X.shape[1]} features, but the model expects n_features={expected}")
    dtype = next(model.parameters()).dtype
    for name, tensor in ((xn, X), (yn, y)):
        if tensor.dtype != dtype:
            raise ValueError(f"Invalid {name}: dtype {tensor.dtype}, but the model's weights are {dtype}")
    if not torch.isfinite(X).all():
        raise ValueError(f"Invalid {xn}: it contains NaN or infinite values")
    if not torch.isfinite(y).all():
        raise ValueError(f"Invalid {yn}: it contains NaN or infinite values")
    return len(X)


def check_validation(model: nn.Module, validation: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``None``, or a pair ``(X_val, y_val)`` checked like ``(X, y)``, every message naming ``validation``."""
    if validation is None:
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise ValueError(f"Invalid validation: expected a pair (X_val, y_val) or None, got {_describe(validation)}")
    X_val, y_val = validation
    check_data(model, X_val, y_val, names=("validation X", "validation y"))
    return X_val, y_val


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return type(value).__name__

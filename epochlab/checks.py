"""Argument checks shared by the library: every message names the argument at fault."""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np
import torch
from torch import nn

OPTIMIZERS = ("sgd", "momentum", "adam")
BETWEEN_EPOCHS = ("keep", "reset", "reinit")
MAX_EPOCHS = 2**63 - 1  # epoch and step counters are int64 in snapshot files
SEED_RANGE = (0, 2**64 - 1)  # what torch.Generator.manual_seed holds without wrapping
LR_HEADROOM = 1e3  # optimizers scale lr internally (Adam by up to 1/(1 - beta1) = 10): keep a margin below overflow


def is_int(value: object) -> bool:
    """An int or a numpy integer scalar; a bool (or numpy bool) is not an int here."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value: object) -> bool:
    """A real number (int, float, numpy scalar); a bool is not a number here."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_float(value: object) -> float:
    """``float(value)`` of a real number, with ints too large for a float (``10**400``) as +-inf, not an OverflowError."""
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


def check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` as a Python int; ``ValueError`` naming ``name`` unless it is an int in ``low..high``."""
    if not is_int(value) or operator.index(value) < low or (high is not None and operator.index(value) > high):  # type: ignore[arg-type]
        expected = f"an int >= {low}" if high is None else f"an int in {low}..{high}"
        raise ValueError(f"Invalid {name}: {value!r} (expected {expected})")
    return operator.index(value)  # type: ignore[arg-type]


def check_bool(name: str, value: object) -> bool:
    """``TypeError`` naming ``name`` unless ``value`` is a bool (a string such as ``'no'`` is not)."""
    if not isinstance(value, bool):
        raise TypeError(f"Invalid {name}: {value!r} (expected True or False)")
    return value


def check_seed(seed: object) -> int:
    """A seed in ``SEED_RANGE`` (0 .. 2**64 - 1), as a Python int."""
    low, high = SEED_RANGE
    if not is_int(seed) or not low <= operator.index(seed) <= high:  # type: ignore[arg-type]
        raise ValueError(f"Invalid seed: {seed!r} (expected an int in 0..2**64-1)")
    return operator.index(seed)  # type: ignore[arg-type]


def check_lr(value: object, dtype: torch.dtype = torch.float32, *, name: str = "lr", where: str = "") -> float:
    """A learning rate as a float: finite, > 0, and small enough for the weights' ``dtype`` to take a step with."""
    top = torch.finfo(dtype).max / LR_HEADROOM
    rate = as_float(value) if is_real(value) else math.nan
    if not (math.isfinite(rate) and 0 < rate <= top):
        shown = f"lr={value!r}" if name == "lr" else f"it returned {value!r}{where}"
        raise ValueError(f"Invalid {'learning rate' if name == 'lr' else name}: {shown} "
                         f"(expected a finite number > 0 and at most {top:.3g} for {dtype} weights)")
    return rate


def check_batch_size(batch_size: int | None, n_samples: int) -> int:
    """``batch_size`` checked against ``n_samples``; ``None`` means the whole set (full-batch)."""
    if batch_size is None:
        return n_samples
    if not is_int(batch_size) or not 1 <= operator.index(batch_size) <= n_samples:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (expected an int in 1..{n_samples}, or None)")
    return operator.index(batch_size)


def check_training_args(
    *, epochs: int, lr: float, optimizer: str | torch.optim.Optimizer, between_epochs: str,
    dtype: torch.dtype = torch.float32,
) -> tuple[int, float]:
    """Raise ``ValueError`` naming the first invalid training argument; return ``(epochs, lr)`` as int, float."""
    epochs = check_int("epochs", epochs, 0, MAX_EPOCHS)
    rate = check_lr(lr, dtype)
    if not isinstance(optimizer, torch.optim.Optimizer) and optimizer not in OPTIMIZERS:  # an instance: see optim.py
        raise ValueError(f"Invalid optimizer: {optimizer!r} (expected one of {OPTIMIZERS})")
    if not isinstance(between_epochs, str) or between_epochs not in BETWEEN_EPOCHS:
        raise ValueError(f"Invalid between_epochs: {between_epochs!r} (expected one of {BETWEEN_EPOCHS})")
    return epochs, rate


def check_model(model: object) -> torch.dtype:
    """An ``nn.Module`` with trainable parameters, all of one dtype on the CPU; return that dtype."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"Invalid model: expected a torch.nn.Module, got {type(model).__name__}")
    params = list(model.parameters())
    if not params:
        raise ValueError("Invalid model: it has no parameters to train")
    dtypes = {p.dtype for p in params}
    if len(dtypes) != 1 or not params[0].dtype.is_floating_point:
        raise ValueError(f"Invalid model: its parameters must share one floating dtype, found {sorted(map(str, dtypes))}")
    if any(p.device.type != "cpu" or p.is_inference() for p in params):
        raise ValueError("Invalid model: its parameters must be ordinary CPU tensors (not meta, not made under inference_mode)")
    return params[0].dtype


def check_data(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, names: tuple[str, str] = ("X", "y")) -> int:
    """Validate ``(X, y)`` against each other and the model; return the number of samples.

    ``names`` are what the messages call the two tensors (e.g. ``("validation X", "validation y")``).
    ``y`` has one column per model output (``model.n_outputs``, 1 if the model does not say).
    """
    xn, yn = names
    dtype = check_model(model)
    outputs = getattr(model, "n_outputs", 1)
    for name, tensor in ((xn, X), (yn, y)):
        if isinstance(tensor, torch.Tensor) and (tensor.layout != torch.strided or tensor.device.type != "cpu"):
            raise ValueError(f"Invalid {name}: expected a dense CPU tensor, got layout {tensor.layout} on {tensor.device}")
    if not isinstance(X, torch.Tensor) or X.ndim != 2:
        raise ValueError(f"Invalid {xn}: expected a 2-D tensor (n_samples, n_features), got {_describe(X)}")
    if not isinstance(y, torch.Tensor) or y.ndim != 2 or y.shape[1] != outputs:
        raise ValueError(f"Invalid {yn}: expected a 2-D tensor (n_samples, {outputs}), one column per output of the "
                         f"model (n_outputs={outputs}), got {_describe(y)}")
    if len(X) != len(y):
        raise ValueError(f"Invalid {xn}, {yn}: {xn} has {len(X)} samples but {yn} has {len(y)}")
    if len(X) == 0:
        raise ValueError(f"Invalid {xn}: the dataset is empty")
    expected = getattr(model, "n_features", None)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(f"Invalid {xn}: {X.shape[1]} features, but the model expects n_features={expected}")
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
    return X_val.detach(), y_val.detach()


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return type(value).__name__

"""What ``fit`` minimises: mean-squared error (regression) or cross-entropy (classes), and accuracy."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .callbacks import History
from .checks import _describe, check_data, check_model, check_validation
from .divergence import starting_loss

LOSSES = ("mse", "cross_entropy")


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose largest output is the label ``y`` (int64, shape ``(n,)``)."""
    return (model(X).argmax(dim=1) == y).double().mean().item()


@torch.no_grad()
def dataset_loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Mean-squared error of ``model`` over the whole dataset."""
    return F.mse_loss(model(X), y).item()


def check_class_data(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, names: tuple[str, str] = ("X", "y")
) -> int:
    """Like ``check_data``, but ``y`` holds class labels: int64 of shape ``(n,)``, each in 0..n_out-1."""
    xn, yn = names
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.dtype != torch.int64:
        got = f"{_describe(y)} of dtype {y.dtype}" if isinstance(y, torch.Tensor) else _describe(y)
        raise ValueError(f"Invalid {yn}: expected class labels, an int64 tensor of shape (n_samples,), got {got}")
    n_out = getattr(model, "n_outputs", None)
    if len(y) and (y.min() < 0 or (n_out is not None and y.max() >= n_out)):
        raise ValueError(f"Invalid {yn}: labels must lie in 0..{'n_outputs-1' if n_out is None else n_out - 1}")
    dtype = check_model(model)
    columns = y.to(dtype).reshape(-1, 1).expand(-1, n_out or 1)  # a stand-in target: the X checks are shared
    return check_data(model, X, columns, names=(xn, yn))


@dataclass(frozen=True)
class Objective:
    """One loss as ``fit`` uses it: its argument checks, the per-batch loss and what it records per epoch."""

    name: str
    batch_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

    def check_data(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> int:
        """Validate the training data for this loss; return the number of samples."""
        return check_data(model, X, y) if self.name == "mse" else check_class_data(model, X, y)

    def check_validation(self, model: nn.Module, validation: object) -> tuple[torch.Tensor, torch.Tensor] | None:
        """``None`` or a checked pair ``(X_val, y_val)``, every message naming ``validation``."""
        if self.name == "mse" or validation is None:
            return check_validation(model, validation)
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise ValueError(f"Invalid validation: expected a pair (X_val, y_val) or None, got {_describe(validation)}")
        check_class_data(model, *validation, names=("validation X", "validation y"))
        return validation[0], validation[1]

    @torch.no_grad()
    def dataset_loss(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
        """This loss over the whole of ``(X, y)``."""
        return self.batch_loss(model(X), y).item()

    def starting_loss(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                      names: tuple[str, str] = ("X", "y")) -> float:
        """The loss of the starting weights, refused (naming the data) unless the output fits ``y`` and it is finite."""
        if self.name == "mse":
            return starting_loss(model, X, y, names)
        with torch.no_grad():
            output = model(X)
        if output.ndim != 2 or output.shape[0] != len(y):
            raise ValueError(f"Invalid {names[1]}: {len(y)} labels, but the model's output has shape {tuple(output.shape)}")
        loss = self.batch_loss(output, y).item()
        if not math.isfinite(loss):
            raise ValueError(f"Invalid {names[0]}: the loss of the starting weights is not finite before any step")
        return loss

    def record_accuracy(
        self, history: History, model: nn.Module, X: torch.Tensor, y: torch.Tensor,
        validation: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> None:
        """Append the accuracy (train, and validation if given) where it applies: class labels only."""
        if self.name != "cross_entropy":
            return
        history.epoch_accuracy.append(accuracy(model, X, y))
        if validation is not None:
            history.val_accuracy.append(accuracy(model, *validation))


MSE = Objective("mse", F.mse_loss)
CROSS_ENTROPY = Objective("cross_entropy", F.cross_entropy)


def make_objective(loss: str) -> Objective:
    """``"mse"`` or ``"cross_entropy"`` (labels int64 ``(n,)``; the model outputs one score per class)."""
    if loss == "mse":
        return MSE
    if loss == "cross_entropy":
        return CROSS_ENTROPY
    raise ValueError(f"Invalid loss: {loss!r} (expected one of {LOSSES})")

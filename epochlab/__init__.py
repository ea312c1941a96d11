"""epochlab: what happens between epochs, shown with evidence you can re-run.

This top level is the core a student uses (data, models, the one training loop, optimizers, callbacks,
snapshots, the closed-form landscape). The science of each notebook lives in ``epochlab.lessons``, the
pictures and widgets in ``epochlab.views``; arrows point down only (see ARCHITECTURE.md).
"""

from .callbacks import Callback, History
from .callbacks_extra import EarlyStopping, Progress, ProgressBar, RestoreBest
from .data import (
    EpochShuffle,
    epoch_batches,
    iterations_per_epoch,
    make_generator,
    make_linear_data,
    make_rising_series_data,
    make_series_data,
)
from .digits import DigitsSplit, load_digits_split
from .landscape import (
    gd_recurrence,
    grid_minima,
    hessian,
    least_squares,
    loss_along_line,
    loss_grid,
    lr_threshold,
    mse,
)
from .losses import accuracy
from .model import MLP, DeepLinearNet, LinearNet, flat_weights, reinitialize, set_flat_weights
from .snapshots import WeightSnapshots
from .tracing import Finding, trace
from .train import dataset_loss, fit, train_point_by_point

__all__ = [
    "Callback",
    "DeepLinearNet",
    "DigitsSplit",
    "EarlyStopping",
    "EpochShuffle",
    "Finding",
    "History",
    "LinearNet",
    "MLP",
    "Progress",
    "ProgressBar",
    "RestoreBest",
    "WeightSnapshots",
    "accuracy",
    "dataset_loss",
    "epoch_batches",
    "fit",
    "flat_weights",
    "gd_recurrence",
    "grid_minima",
    "hessian",
    "iterations_per_epoch",
    "least_squares",
    "load_digits_split",
    "loss_along_line",
    "loss_grid",
    "lr_threshold",
    "make_generator",
    "make_linear_data",
    "make_rising_series_data",
    "make_series_data",
    "mse",
    "reinitialize",
    "set_flat_weights",
    "trace",
    "train_point_by_point",
]
__version__ = "0.1.0"

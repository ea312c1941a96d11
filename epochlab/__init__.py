"""epochlab: what happens between epochs, shown with evidence you can re-run."""

from .callbacks import Callback, History
from .callbacks_extra import EarlyStopping, Progress, RestoreBest
from .data import (
    epoch_batches,
    iterations_per_epoch,
    kfold_indices,
    make_generator,
    make_linear_data,
    make_rising_series_data,
    make_series_data,
)
from .epochs import boundaries_equal, counting_calls, run_modes, sample_order, sliding_window_loss, stream_loss
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
from .model import DeepLinearNet, LinearNet, flat_weights, reinitialize, set_flat_weights
from .restarts import (
    Restarts,
    barrier,
    basin,
    basin_changes,
    loss_at,
    ridge_crossing,
    ridge_loss,
    run_restarts,
    split_epochs,
    start_loss_floor,
)
from .snapshots import WeightSnapshots
from .tracing import Finding, trace
from .train import dataset_loss, fit, train_point_by_point

__all__ = [
    "Callback",
    "Dashboard",
    "DeepLinearNet",
    "EarlyStopping",
    "Finding",
    "History",
    "LinearNet",
    "Progress",
    "Restarts",
    "RestoreBest",
    "WeightSnapshots",
    "barrier",
    "basin",
    "basin_changes",
    "boundaries_equal",
    "counting_calls",
    "dataset_loss",
    "epoch_batches",
    "fit",
    "flat_weights",
    "gd_recurrence",
    "grid_minima",
    "hessian",
    "iterations_per_epoch",
    "kfold_indices",
    "least_squares",
    "loss_along_line",
    "loss_at",
    "loss_grid",
    "lr_threshold",
    "make_generator",
    "make_linear_data",
    "make_rising_series_data",
    "make_series_data",
    "mse",
    "reinitialize",
    "ridge_crossing",
    "ridge_loss",
    "run_modes",
    "run_restarts",
    "sample_order",
    "set_flat_weights",
    "sliding_window_loss",
    "split_epochs",
    "start_loss_floor",
    "stream_loss",
    "trace",
    "train_point_by_point",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # Lazy: the dashboard pulls in ipywidgets and matplotlib, which the core never imports.
    if name == "Dashboard":
        from .dashboard import Dashboard

        return Dashboard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

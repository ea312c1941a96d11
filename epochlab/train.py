"""The training loop: one canonical PyTorch loop, shared by ``fit`` and ``train_point_by_point``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from .callbacks import Callback, History
from .checks import check_batch_size, check_bool, check_data, check_int, check_training_args
from .data import epoch_batches, iterations_per_epoch, make_generator
from .data import reinit_generator as reinit_generator  # its home before data.py; the numpy engine imports it here
from .losses import MSE, Objective, make_objective
from .losses import dataset_loss as dataset_loss  # its home before losses.py
from .model import flat_weights, reinitialize, set_flat_weights
from .optim import epoch_rate, make_optimizer, resolve_optimizer
from .train_guard import training_run


def fit(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
    optimizer: str | torch.optim.Optimizer = "sgd",
    between_epochs: str = "keep",
    drop_last: bool = False,
    callbacks: Sequence[Callback] = (),
    reset_optimizer_each_epoch: bool = False,
    lr_schedule: Callable[[int], float] | None = None,
    validation: tuple[torch.Tensor, torch.Tensor] | None = None,
    loss: str = "mse",
) -> History:
    """Train ``model`` on ``(X, y)`` with mean-squared error, continuing from its current weights.

    Each epoch is one pass over the data in mini-batches of ``batch_size`` (``None``: the whole
    set), reshuffled every epoch from a generator seeded with ``seed``. ``between_epochs``
    chooses what happens at each epoch boundary after the first: ``"keep"`` does nothing (what
    every real framework does), ``"reset"`` restores the weights this call started from, and
    ``"reinit"`` draws fresh random weights (a new draw each time). A non-finite loss stops
    training: ``history.diverged`` is set, a warning names the learning rate, and fit returns (after
    every ``on_fit_end``); a loss that ends over 1000 times its start sets ``history.diverging``.
    ``X`` and ``y`` are never differentiated (no ``.grad`` on them); fit trains under any grad mode.

    ``optimizer`` may also be a ``torch.optim.Optimizer`` built on exactly this model's parameters
    (with learning rate ``lr`` unless ``lr_schedule`` is given): a second call then continues with
    its momentum / Adam state. ``"reset"`` and ``"reinit"`` clear that state at each boundary, as a
    fresh optimizer would; ``reset_optimizer_each_epoch`` clears it at every epoch start (weights
    kept). ``lr_schedule(epoch)`` (epochs of this call, from 1) sets each epoch's learning rate
    (``history.epoch_lr``); without one fit never sets the rate, so a ``torch.optim.lr_scheduler``
    stepped by a callback is obeyed. ``validation=(X_val, y_val)`` records ``history.val_loss`` per epoch end.
    ``loss="cross_entropy"`` trains a classifier (``y``: int64 labels of shape ``(n,)``, one output
    per class) and also records ``history.epoch_accuracy`` (and ``val_accuracy``).
    """
    objective = make_objective(loss)
    n_samples = objective.check_data(model, X, y)
    dtype = next(model.parameters()).dtype
    epochs, lr = check_training_args(epochs=epochs, lr=lr, optimizer=optimizer, between_epochs=between_epochs, dtype=dtype)
    if not isinstance(reset_optimizer_each_epoch, bool):
        raise ValueError(f"Invalid reset_optimizer_each_epoch: {reset_optimizer_each_epoch!r} (expected a bool)")
    shuffle, drop_last = check_bool("shuffle", shuffle), check_bool("drop_last", drop_last)
    rate = epoch_rate(lr_schedule, lr, dtype)
    validation = objective.check_validation(model, validation)
    size = check_batch_size(batch_size, n_samples)
    order_generator = make_generator(seed)

    def schedule(epoch: int) -> list[torch.Tensor]:
        return epoch_batches(n_samples, size, shuffle=shuffle, generator=order_generator, drop_last=drop_last)

    steps = iterations_per_epoch(n_samples, size, drop_last=drop_last)
    history = History(steps_per_epoch=steps, batch_size=size, n_samples=n_samples, lr=lr, drop_last=drop_last)
    opt = resolve_optimizer(optimizer, model, lr, scheduled=lr_schedule is not None)
    with training_run(model, callbacks, opt):
        return _train(model, X.detach(), y.detach(), schedule, history, opt=opt, epochs=epochs, rate=rate,
                      between_epochs=between_epochs, seed=seed, callbacks=callbacks,
                      reset_optimizer_each_epoch=reset_optimizer_each_epoch, validation=validation,
                      objective=objective, scheduled=lr_schedule is not None)


def train_point_by_point(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    steps_per_point: int,
    lr: float,
    epochs: int = 1,
    callbacks: Sequence[Callback] = (),
) -> History:
    """The asker's loop: ``steps_per_point`` SGD steps on sample 0, then on sample 1, and so on.

    One epoch is one such pass over all the samples in order; ``epochs > 1`` adds the outer
    loop the question asks about. Same ``History`` and callbacks as :func:`fit`.
    """
    n_samples = check_data(model, X, y)
    dtype = next(model.parameters()).dtype
    epochs, lr = check_training_args(epochs=epochs, lr=lr, optimizer="sgd", between_epochs="keep", dtype=dtype)
    steps_per_point = check_int("steps_per_point", steps_per_point, 1)
    points = [torch.tensor([i]) for i in range(n_samples)]

    def schedule(epoch: int) -> Iterable[torch.Tensor]:
        return (point for point in points for _ in range(steps_per_point))  # lazy: steps_per_point may be huge

    history = History(steps_per_epoch=n_samples * steps_per_point, batch_size=1, n_samples=n_samples, lr=lr)
    opt = make_optimizer("sgd", model.parameters(), lr)
    with training_run(model, callbacks, opt):
        return _train(model, X.detach(), y.detach(), schedule, history, opt=opt, epochs=epochs,
                      rate=epoch_rate(None, lr, dtype), between_epochs="keep", seed=0, callbacks=callbacks)


def _train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    schedule: Callable[[int], Iterable[torch.Tensor]],
    history: History,
    *,
    opt: torch.optim.Optimizer,
    epochs: int,
    rate: Callable[[int], float],
    between_epochs: str,
    seed: int,
    callbacks: Sequence[Callback],
    reset_optimizer_each_epoch: bool = False,
    validation: tuple[torch.Tensor, torch.Tensor] | None = None,
    objective: Objective = MSE,
    scheduled: bool = True,
) -> History:
    start_weights = flat_weights(model)
    reinit = reinit_generator(seed)
    history.epoch_loss.append(objective.starting_loss(model, X, y))
    if validation is not None:
        history.val_loss.append(objective.starting_loss(model, *validation, names=("validation X", "validation y")))
    objective.record_accuracy(history, model, X, y, validation)
    for cb in callbacks:
        cb.on_fit_start(model, history)
    step = 0
    for epoch in range(1, epochs + 1):  # no per-epoch list: epochs may be 10**8, with EarlyStopping ending it
        lr = rate(epoch)  # a bad scheduled rate raises here: training_run puts the model and optimizer back
        # The epoch boundary: under "keep" (the real thing) nothing at all happens here.
        if epoch > 1 and between_epochs == "reset":
            set_flat_weights(model, start_weights)
            opt.state.clear()  # as a freshly built optimizer: no momentum or Adam moments carried over
        elif epoch > 1 and between_epochs == "reinit":
            reinitialize(model, reinit)
            opt.state.clear()
        if reset_optimizer_each_epoch:
            opt.state.clear()  # the optimizer forgets; the weights are kept
        if scheduled:  # without an lr_schedule the rate is left alone: a torch lr_scheduler may be driving it
            for group in opt.param_groups:
                group["lr"] = lr
        history.epoch_lr.append(float(opt.param_groups[0]["lr"]))  # the rate in force
        for cb in callbacks:
            cb.on_epoch_start(epoch, model, history)
        epoch_sum, epoch_count = 0.0, 0
        for batch in schedule(epoch):
            # The canonical step: zero_grad, forward, loss, backward, step.
            opt.zero_grad()
            loss = objective.batch_loss(model(X[batch]), y[batch])
            value = loss.item()
            history.step_loss.append(value)
            if not math.isfinite(value):
                return _diverged(model, history, callbacks, epoch, step + 1)
            loss.backward()
            opt.step()
            step += 1
            epoch_sum, epoch_count = epoch_sum + value * len(batch), epoch_count + len(batch)
            for cb in callbacks:
                cb.on_step_end(step, model, history)
        end_loss = objective.dataset_loss(model, X, y)
        if not math.isfinite(end_loss):
            return _diverged(model, history, callbacks, epoch, step)
        history.epoch_loss.append(end_loss)
        history.running_loss.append(epoch_sum / epoch_count)
        if validation is not None:
            history.val_loss.append(objective.dataset_loss(model, *validation))
        objective.record_accuracy(history, model, X, y, validation)
        for cb in callbacks:
            cb.on_epoch_end(epoch, model, history)
        if history.stop_requested:  # a callback (e.g. EarlyStopping) asked to end training here
            break
    for cb in callbacks:
        cb.on_fit_end(model, history)
    history.warn_if_diverging(stacklevel=3)  # after on_fit_end: a warning raised as an error skips no hook
    return history


def _diverged(model: nn.Module, history: History, callbacks: Sequence[Callback], epoch: int, step: int) -> History:
    history.diverged = True
    for cb in callbacks:  # first: with warnings as errors, RestoreBest still rewinds
        cb.on_fit_end(model, history)
    history.mark_diverged(epoch, step, stacklevel=4)  # _diverged <- _train <- fit: point at the caller's line
    return history

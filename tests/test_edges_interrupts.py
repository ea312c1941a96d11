"""Ctrl-C anywhere in fit: grad mode, optimizer rates and the one-run-per-model guard are as the caller had them."""

from __future__ import annotations

import _thread
import contextlib
import random
import threading

import pytest
import torch

from epochlab import Callback, LinearNet, fit, make_linear_data

HOOKS = ("on_fit_start", "on_epoch_start", "on_step_end", "on_epoch_end", "on_fit_end")


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (what Ctrl-C raises) at the ``count``-th call of ``hook``."""

    def __init__(self, hook: str, count: int):
        self.hook, self.count = hook, count

    def _tick(self, hook: str) -> None:
        if hook == self.hook:
            self.count -= 1
            if self.count == 0:
                raise KeyboardInterrupt

    def on_fit_start(self, model, history):
        self._tick("on_fit_start")

    def on_epoch_start(self, epoch, model, history):
        self._tick("on_epoch_start")

    def on_step_end(self, step, model, history):
        self._tick("on_step_end")

    def on_epoch_end(self, epoch, model, history):
        self._tick("on_epoch_end")

    def on_fit_end(self, model, history):
        self._tick("on_fit_end")


def caller_modes():
    return [("enabled", torch.enable_grad), ("no_grad", torch.no_grad)]


def check_left_as_found(grad: bool, model: torch.nn.Module, opt: torch.optim.Optimizer) -> None:
    assert torch.is_grad_enabled() == grad, "an interrupt changed the caller's grad mode"
    assert opt.param_groups[0]["lr"] == 0.1, "an interrupt left the optimizer at a scheduled rate"
    # A fresh optimizer: an interrupt inside torch.optim's own step can leave *its* state half-built (Adam's
    # exp_avg missing), which is torch's to own; what fit owns is the model, the grad mode and its one-run guard.
    history = fit(model, *make_linear_data(8, [1.0, 2.0], seed=1), epochs=1, lr=0.1, optimizer="adam")
    assert history.epochs_completed == 1, "fit no longer trains after an interrupt (or its one-run guard is held)"


@pytest.mark.parametrize("caller,mode", caller_modes())
def test_ctrl_c_from_every_hook_leaves_the_caller_state(caller, mode) -> None:
    X, y = make_linear_data(12, [1.0, 2.0], seed=0)
    cases = [(hook, count) for hook in HOOKS for count in (1, 2, 3, 5, 9)]  # 25 per caller mode
    for hook, count in cases:
        model = LinearNet(2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        with mode():
            grad = torch.is_grad_enabled()
            with contextlib.suppress(KeyboardInterrupt):
                fit(model, X, y, epochs=4, lr=0.1, batch_size=4, optimizer=opt, lr_schedule=lambda e: 0.05 / e,
                    callbacks=[InterruptAt(hook, count)])
            check_left_as_found(grad, model, opt)


@pytest.mark.parametrize("caller,mode", caller_modes())
def test_ctrl_c_at_random_moments_leaves_the_caller_state(caller, mode) -> None:
    """A thread interrupts the main thread (as Ctrl-C does) at 25 random moments inside a long fit."""
    X, y = make_linear_data(12, [1.0, 2.0], seed=0)
    rng = random.Random(8)
    for _ in range(25):
        model = LinearNet(2)
        opt = torch.optim.Adam(model.parameters(), lr=0.1)
        timer = threading.Timer(rng.uniform(0.0, 0.01), _thread.interrupt_main)
        with mode():
            grad = torch.is_grad_enabled()
            try:
                timer.start()
                fit(model, X, y, epochs=10**6, lr=0.1, batch_size=4, optimizer=opt, lr_schedule=lambda e: 0.01)
            except KeyboardInterrupt:
                pass
            timer.join()
            check_left_as_found(grad, model, opt)

"""The numpy engine against the oracle it replaces: ``fit`` / ``train_point_by_point`` (torch autograd)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from epochlab import LinearNet, WeightSnapshots, fit, flat_weights, make_linear_data, train_point_by_point
from epochlab.views.dashboard.engine import fast_fit, fast_point_by_point

ATOL = 1e-5


def _data(seed: int, n: int = 30, noise: float = 0.3, features: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(n, weights=[2.0, -3.0, 0.5][:features], bias=0.7, noise=noise, seed=seed)


def _assert_same_run(torch_history, snaps: WeightSnapshots, torch_model, fast_history, trace, fast_model) -> None:
    assert fast_history.diverged == torch_history.diverged
    assert len(fast_history.step_loss) == len(torch_history.step_loss)
    np.testing.assert_allclose(fast_history.step_loss, torch_history.step_loss, rtol=1e-5, atol=ATOL)
    np.testing.assert_allclose(fast_history.epoch_loss, torch_history.epoch_loss, rtol=1e-5, atol=ATOL)
    np.testing.assert_allclose(fast_history.running_loss, torch_history.running_loss, rtol=1e-5, atol=ATOL)
    assert fast_history.steps_per_epoch == torch_history.steps_per_epoch
    kinds = np.array(snaps.kinds)
    weights = snaps.weights.numpy()
    np.testing.assert_allclose(np.array(trace.after), weights[kinds == "step"], atol=ATOL)
    np.testing.assert_allclose(np.array(trace.starts), weights[kinds == "epoch_start"], atol=ATOL)
    if trace.ends:
        np.testing.assert_allclose(np.array(trace.ends), weights[kinds == "epoch_end"], atol=ATOL)
    np.testing.assert_allclose(flat_weights(fast_model).numpy(), flat_weights(torch_model).numpy(), atol=ATOL)


@pytest.mark.parametrize("between_epochs", ["keep", "reset", "reinit"])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size", [1, 4, 7, 30, None])
@pytest.mark.parametrize("drop_last", [False, True])
def test_fast_fit_matches_fit(between_epochs: str, shuffle: bool, batch_size: int | None, drop_last: bool) -> None:
    seed = 3
    X, y = _data(seed)
    kwargs = dict(epochs=4, lr=0.05, batch_size=batch_size, shuffle=shuffle, seed=seed,
                  between_epochs=between_epochs, drop_last=drop_last)
    torch_model, fast_model = LinearNet(2, seed=seed), LinearNet(2, seed=seed)
    snaps = WeightSnapshots(every="step")
    torch_history = fit(torch_model, X, y, callbacks=[snaps], **kwargs)  # type: ignore[arg-type]
    fast_history, trace = fast_fit(fast_model, X, y, **kwargs)  # type: ignore[arg-type]
    _assert_same_run(torch_history, snaps, torch_model, fast_history, trace, fast_model)


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("bias", [True, False])
def test_fast_fit_matches_fit_across_seeds_and_bias(seed: int, bias: bool) -> None:
    X, y = _data(seed, n=64, features=3 if bias else 2)
    kwargs = dict(epochs=20, lr=0.1, batch_size=8, seed=seed, between_epochs="reinit")
    features = X.shape[1]
    torch_model, fast_model = LinearNet(features, bias=bias, seed=seed), LinearNet(features, bias=bias, seed=seed)
    snaps = WeightSnapshots(every="step")
    torch_history = fit(torch_model, X, y, callbacks=[snaps], **kwargs)  # type: ignore[arg-type]
    _assert_same_run(torch_history, snaps, torch_model, *fast_fit(fast_model, X, y, **kwargs), fast_model)  # type: ignore[arg-type]


def test_fast_fit_continues_from_current_weights_like_a_second_fit() -> None:
    X, y = _data(5)
    torch_model, fast_model = LinearNet(2, seed=5), LinearNet(2, seed=5)
    for _ in range(2):  # the second call continues, and "reset" restores the weights THIS call started from
        snaps = WeightSnapshots(every="step")
        torch_history = fit(torch_model, X, y, epochs=3, lr=0.05, batch_size=4, seed=9, between_epochs="reset",
                            callbacks=[snaps])
        fast_history, trace = fast_fit(fast_model, X, y, epochs=3, lr=0.05, batch_size=4, seed=9,
                                       between_epochs="reset")
        _assert_same_run(torch_history, snaps, torch_model, fast_history, trace, fast_model)


@pytest.mark.parametrize("steps_per_point", [1, 3, 10])
@pytest.mark.parametrize("epochs", [1, 3])
def test_fast_point_by_point_matches_the_askers_loop(steps_per_point: int, epochs: int) -> None:
    X, y = _data(2, n=12)
    torch_model, fast_model = LinearNet(2, seed=2), LinearNet(2, seed=2)
    snaps = WeightSnapshots(every="step")
    torch_history = train_point_by_point(torch_model, X, y, steps_per_point=steps_per_point, lr=0.05, epochs=epochs,
                                         callbacks=[snaps])
    fast_history, trace = fast_point_by_point(fast_model, X, y, steps_per_point=steps_per_point, lr=0.05,
                                              epochs=epochs)
    _assert_same_run(torch_history, snaps, torch_model, fast_history, trace, fast_model)


@pytest.mark.parametrize("mode", ["keep", "reset", "point"])
def test_divergence_is_recorded_the_same_way(mode: str) -> None:
    X, y = _data(4)
    torch_model, fast_model = LinearNet(2, seed=4), LinearNet(2, seed=4)
    snaps = WeightSnapshots(every="step")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if mode == "point":
            torch_history = train_point_by_point(torch_model, X, y, steps_per_point=5, lr=3.0, epochs=40,
                                                 callbacks=[snaps])
            fast_history, trace = fast_point_by_point(fast_model, X, y, steps_per_point=5, lr=3.0, epochs=40)
        else:
            kwargs = dict(epochs=50, lr=8.0, batch_size=1, seed=4, between_epochs=mode)
            torch_history = fit(torch_model, X, y, callbacks=[snaps], **kwargs)  # type: ignore[arg-type]
            fast_history, trace = fast_fit(fast_model, X, y, **kwargs)  # type: ignore[arg-type]
    assert torch_history.diverged and fast_history.diverged
    assert len(fast_history.step_loss) == len(torch_history.step_loss)
    assert not np.isfinite(fast_history.step_loss[-1])
    assert sum("lr=" in str(w.message) for w in caught if w.category is RuntimeWarning) == 2


def test_fast_engine_rejects_what_it_cannot_replay() -> None:
    X, y = _data(0)
    with pytest.raises(ValueError, match="batch_size"):
        fast_fit(LinearNet(2), X, y, epochs=1, lr=0.1, batch_size=0)
    with pytest.raises(ValueError, match="between_epochs"):
        fast_fit(LinearNet(2), X, y, epochs=1, lr=0.1, between_epochs="restart")
    with pytest.raises(ValueError, match="steps_per_point"):
        fast_point_by_point(LinearNet(2), X, y, steps_per_point=0, lr=0.1)
    with pytest.raises(ValueError, match="model"):
        fast_fit(LinearNet(2, n_outputs=2), X, y, epochs=1, lr=0.1)

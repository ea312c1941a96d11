"""epochlab.lessons.imagined_world: each "epoch" a fresh random start run to the bottom, against a hand loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from epochlab import LinearNet, WeightSnapshots, fit, flat_weights, least_squares, make_linear_data, mse
from epochlab.lessons.imagined_world import imagined_world


@pytest.fixture
def data() -> tuple[torch.Tensor, torch.Tensor]:
    return make_linear_data(32, [2.0, -3.0], noise=0.1, seed=5)


def test_each_epoch_is_a_search_from_reinits_draws(data) -> None:
    world = imagined_world(lambda: LinearNet(2, bias=False, seed=1), *data, epochs=4, search_steps=80, lr=0.1, seed=2)
    reinit = WeightSnapshots(every="epoch")  # oracle for the starts: fit's own reinit mode draws the same weights
    fit(LinearNet(2, bias=False, seed=1), *data, epochs=4, lr=0.1, seed=2, between_epochs="reinit", callbacks=[reinit])
    assert torch.equal(world.starts, torch.stack([reinit.epoch_start(k) for k in range(1, 5)]))
    for k in range(4):  # oracle for each search: a fresh net at that start, full-batch steps by fit
        net = LinearNet(2, bias=False, seed=0)
        torch.nn.utils.vector_to_parameters(world.starts[k], net.parameters())
        fit(net, *data, epochs=80, lr=0.1, shuffle=False)
        assert torch.equal(flat_weights(net), world.ends[k])
    floor = float(mse(*data, least_squares(*data, bias=False), bias=False))
    np.testing.assert_allclose(world.end_loss, floor, rtol=1e-4)  # every search reaches the one bottom
    assert (world.start_loss > 10 * floor).all()


@pytest.mark.parametrize(("name", "value"), [("epochs", 0), ("search_steps", 0)])
def test_bad_arguments_are_named(data, name: str, value: int) -> None:
    args = {"epochs": 2, "search_steps": 3, name: value}
    with pytest.raises(ValueError, match=name):
        imagined_world(lambda: LinearNet(2, bias=False), *data, lr=0.1, **args)

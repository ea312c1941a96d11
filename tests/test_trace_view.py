"""The trace pictures: one square per epoch boundary, coloured by what the trace found; arguments checked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from epochlab import trace  # noqa: E402
from epochlab.views.trace_view import LOOK, plot_boundaries, plot_epoch_losses  # noqa: E402


def traced(epochs: int, recreate: bool) -> object:
    X, y = torch.ones(4, 2), torch.ones(4, 1)
    net = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    with trace() as t:
        for _ in range(epochs):
            t.mark_epoch()
            if recreate:
                net = nn.Linear(2, 1)
                optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
            optimizer.zero_grad()
            nn.functional.mse_loss(net(X), y).backward()
            optimizer.step()
    return t


def test_plot_boundaries_draws_one_square_per_boundary_in_its_colour() -> None:
    fig, ax = plt.subplots()
    plot_boundaries(ax, {"healthy": traced(4, False), "new net": traced(4, True)})
    colours = [tuple(p.get_facecolor()[:3]) for p in ax.patches]
    assert len(colours) == 6
    keep, new = (matplotlib.colors.to_rgb(LOOK[k][0]) for k in ("carried_over", "model_created"))
    assert colours[:3] == [keep] * 3 and colours[3:] == [new] * 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["healthy", "new net"]
    plt.close(fig)


def test_plot_epoch_losses_and_bad_arguments() -> None:
    fig, ax = plt.subplots()
    plot_epoch_losses(ax, {"a": [1.0, 0.5]}, {"a": "keep"})
    assert len(ax.lines) == 1 and ax.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="looks"):
        plot_epoch_losses(ax, {"b": [1.0]}, {})
    with pytest.raises(ValueError, match="traces"):
        plot_boundaries(ax, {})
    plt.close(fig)

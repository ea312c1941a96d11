"""The dashboard's validation curve: held-out data, drawn on request, equal to what fit records."""

from __future__ import annotations

import numpy as np
import pytest

from epochlab import LinearNet, fit, make_linear_data
from epochlab.views.dashboard import Dashboard
from epochlab.views.dashboard.state import TRUE_WEIGHTS, VALIDATION_SEED


@pytest.mark.parametrize("mode", ["keep", "reset", "reinit"])
def test_the_validation_curve_is_fits_validation_loss(mode: str) -> None:
    dash = Dashboard(between_epochs=mode, epochs=6, seed=3)
    X, y = dash.session.X, dash.session.y
    X_val, y_val = make_linear_data(64, TRUE_WEIGHTS, noise=0.5, seed=3 + VALIDATION_SEED)
    history = fit(LinearNet(2, bias=False, seed=3), X, y, epochs=6, lr=0.05, batch_size=8, seed=3,
                  between_epochs=mode, validation=(X_val, y_val))
    np.testing.assert_allclose(dash.session.timeline.val_loss, history.val_loss, rtol=1e-4)
    assert not np.array_equal(X_val.numpy(), X.numpy()), "the held-out data must not be the training data"


def test_the_curve_and_its_legend_entry_show_only_when_asked() -> None:
    dash = Dashboard(epochs=5)
    labels = lambda: [t.get_text() for t in dash.drawing.legend.get_texts()]  # noqa: E731
    assert len(dash.drawing.art["val_loss"].get_xdata()) == 0 and "validation (held-out data)" not in labels()
    before = bytes(dash.view.image.value)
    dash.view_controls["validation"].value = True
    assert len(dash.drawing.art["val_loss"].get_xdata()) == 6, "start + one point per epoch end"
    assert "validation (held-out data)" in labels() and bytes(dash.view.image.value) != before
    dash.cursor.value = 8 * 2  # rewound to the end of epoch 2: the curve stops there too
    assert len(dash.drawing.art["val_loss"].get_xdata()) == 3

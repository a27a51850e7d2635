"""Fine-tuning plots, tested by what was drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from vizlab.plot.finetune import plot_confusion, plot_training_curves


def _history(n_steps=40, steps_per_epoch=20):
    step = np.arange(1, n_steps + 1)
    rows = []
    for s in step:
        rows += [{"step": s, "epoch": s / steps_per_epoch, "split": "train", "metric": "loss", "value": 1 / s},
                 {"step": s, "epoch": s / steps_per_epoch, "split": "train", "metric": "accuracy", "value": 0.5}]
    for s, acc in ((0, 0.3), (20, 0.6), (40, 0.7)):
        rows += [{"step": s, "epoch": s / steps_per_epoch, "split": "eval", "metric": "loss", "value": 1 - acc},
                 {"step": s, "epoch": s / steps_per_epoch, "split": "eval", "metric": "accuracy", "value": acc}]
    return pd.DataFrame(rows)


def test_training_curves_draw_raw_smoothed_and_heldout_lines():
    res = plot_training_curves(_history(), window=5, baseline=0.65, chance=1 / 3,
                               references=[{"value": 0.5, "lo": 0.45, "hi": 0.55, "label": "só o tema"}],
                               text={"eval": "reservados", "epoch": "época {}"})
    fig = res.figure_
    loss_ax, acc_ax = res.axes_["loss"], res.axes_["accuracy"]
    raw, smooth, held = loss_ax.lines[:3]
    np.testing.assert_allclose(raw.get_ydata(), 1 / np.arange(1, 41))
    assert smooth.get_ydata()[4] == pytest.approx(np.mean(1 / np.arange(1, 6)))  # trailing mean of 5
    np.testing.assert_allclose(held.get_xdata(), [0, 20, 40])
    np.testing.assert_allclose(acc_ax.lines[2].get_ydata(), [0.3, 0.6, 0.7])
    hlines = [l.get_ydata()[0] for l in acc_ax.lines[3:] if len(set(l.get_ydata())) == 1]
    assert 0.65 in hlines and 0.5 in hlines and pytest.approx(1 / 3) in hlines
    texts = [t.get_text() for t in loss_ax.texts]
    assert texts == ["época 1", "época 2"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "reservados" in legend and "só o tema" in legend
    assert acc_ax.get_ylim() == (0, 1)


def test_training_curves_need_long_form_columns():
    with pytest.raises(ValueError, match="lacks column"):
        plot_training_curves(_history().drop(columns="split"))
    with pytest.raises(TypeError, match="DataFrame"):
        plot_training_curves({"step": [1]})


def test_confusion_shows_row_fractions_and_counts():
    counts = np.array([[8, 2], [1, 9]])
    fig, ax = plt.subplots()
    res = plot_confusion(counts, labels=["neg", "pos"], ax=ax, lang="pt")
    assert res.ax_ is ax
    np.testing.assert_allclose(ax.images[0].get_array(), [[80, 20], [10, 90]])  # a percentage scale
    assert res.im_.get_clim() == (0, 100)
    assert [t.get_text() for t in ax.texts] == ["80,0 %\n(8)", "20,0 %\n(2)", "10,0 %\n(1)", "90,0 %\n(9)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["neg", "pos"]
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        plot_confusion(counts, labels=["a", "b", "c"])

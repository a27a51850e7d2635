"""Prediction and logit-lens plots: what was drawn."""

from __future__ import annotations

import numpy as np
import pytest

from vizlab.plot.lens import plot_logit_lens
from vizlab.plot.prediction import plot_blank_scores, plot_topk_bars, show_token


def test_topk_bars():
    ax = plot_topk_bars([0.5, 0.3, 0.1], labels=["a", "b", "c"], highlight="b")
    widths = [p.get_width() for p in ax.patches]
    assert widths == [0.5, 0.3, 0.1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.patches[1].get_facecolor() != ax.patches[0].get_facecolor()
    assert "50.0%" in [t.get_text() for t in ax.texts]
    with pytest.raises(ValueError):
        plot_topk_bars([0.5, 0.5], labels=["a"])


def test_blank_scores_two_series():
    ax = plot_blank_scores([0.7, 0.3], [0.2, 0.8], candidates=["x", "y"], labels=("left", "whole"))
    left, whole = ax.containers
    assert [p.get_width() for p in left] == [0.7, 0.3] and [p.get_width() for p in whole] == [0.2, 0.8]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["left", "whole"]
    ax2 = plot_blank_scores(None, [0.2, 0.8], candidates=["x", "y"])
    assert len(ax2.containers) == 1


def test_logit_lens_heatmap():
    P = np.array([[0.1, 0.2, 0.3], [0.9, 0.5, 0.6]])
    T = np.array([["a", "b", "c"], [" d", "e", "\n"]])
    ax = plot_logit_lens(P, top_tokens=T, input_tokens=["x", " y", "z"], layers=[0, 5],
                         highlight=T == " d")
    assert np.allclose(ax.images[0].get_array(), P)
    assert ax.images[0].origin == "lower"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["a", "b", "c", "␣d", "e", "\\n"]
    assert ax.texts[3].get_fontweight() == "bold" and ax.texts[0].get_fontweight() == "normal"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "␣y", "z"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "5"]
    with pytest.raises(ValueError):
        plot_logit_lens(P, top_tokens=T[:, :2], input_tokens=["x", "y", "z"])


def test_show_token():
    assert show_token(" mesa") == "␣mesa" and show_token("a\tb") == "a\\tb"

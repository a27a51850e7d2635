"""Prediction and logit-lens plots: what was drawn."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from vizlab.palette import role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.lens import plot_lens_paths, plot_logit_lens
from vizlab.plot.prediction import plot_blank_scores, plot_topk_bars

EXPECTED = role_color("expected")  # the expected word's colour


def test_topk_bars():
    res = plot_topk_bars([0.5, 0.3, 0.1], labels=["a", "b", "c"], highlight="b", lang="pt")
    assert isinstance(res, PlotResult)
    ax = res.ax_
    assert [p.get_width() for p in res.artists_["bars"]] == [0.5, 0.3, 0.1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert to_hex(res.artists_["bars"][1].get_facecolor()) == EXPECTED.lower()
    assert to_hex(res.artists_["bars"][0].get_facecolor()) != EXPECTED.lower()
    assert "50,0 %" in [t.get_text() for t in ax.texts]
    assert res.artists_["extra"] is None
    with pytest.raises(ValueError):
        plot_topk_bars([0.5, 0.5], labels=["a"])


def test_topk_bars_extra_item_below_the_top_k():
    res = plot_topk_bars([0.5, 0.3], labels=["a", "b"], extra=("␣teclado", 0.0002, "(posição 441)"), lang="pt")
    assert [t.get_text() for t in res.ax_.get_yticklabels()] == ["a", "b", "␣teclado"]
    assert res.artists_["extra"][0].get_width() == 0.0002
    assert to_hex(res.artists_["extra"][0].get_facecolor()) == EXPECTED.lower()
    assert "0,02 %  (posição 441)" in [t.get_text() for t in res.ax_.texts]
    en = plot_topk_bars([0.5], labels=["a"], lang="en")
    assert "50.0%" in [t.get_text() for t in en.ax_.texts]


def test_blank_scores_two_series():
    res = plot_blank_scores([0.7, 0.3], [0.2, 0.8], candidates=["x", "y*"], labels=("left", "whole"),
                            marked={"y*"})
    left, whole = res.artists_["bars"]
    assert [p.get_width() for p in left] == [0.7, 0.3] and [p.get_width() for p in whole] == [0.2, 0.8]
    assert [t.get_text() for t in res.ax_.get_legend().get_texts()] == ["left", "whole"]
    assert "70 %" in [t.get_text() for t in res.ax_.texts]
    assert to_hex(res.ax_.get_yticklabels()[1].get_color()) == EXPECTED.lower()
    res2 = plot_blank_scores(None, [0.2, 0.8], candidates=["x", "y"])
    assert len(res2.artists_["bars"]) == 1


def test_logit_lens_heatmap():
    P = np.array([[0.1, 0.2, 0.3], [0.9, 0.5, 0.6]])
    T = np.array([["a", "b", "c"], ["␣d", "中", "↵"]], dtype=object)
    res = plot_logit_lens(P, top_tokens=T, input_tokens=["x", "␣y", "z"], row_labels=["emb.", "5"],
                          bold=T == "␣d", outline=T == "c", lang="pt")
    ax = res.ax_
    assert np.allclose(ax.images[0].get_array(), P)
    assert ax.images[0].origin == "lower"
    assert res.values_["vmin"] == 0 and res.values_["vmax"] == 1  # probability scale, not the data range
    texts = [[t.get_text() for t in row] for row in res.text_]
    assert texts == [["a", "b", "c"], ["␣d", "U+4E2D", "↵"]]  # no empty glyph boxes
    assert res.text_[1, 0].get_fontweight() == "bold" and res.text_[0, 0].get_fontweight() == "normal"
    assert len(res.artists_["outline"]) == 1 and res.artists_["outline"][0].get_xy() == (2 - 0.47, 0 - 0.45)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "␣y", "z"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["emb.", "5"]
    cb = res.colorbar_
    assert cb.ax.get_ylabel() == "probabilidade"
    assert cb.ax.yaxis.get_major_formatter()(0.5, 0) == "50 %"
    with pytest.raises(ValueError):
        plot_logit_lens(P, top_tokens=T[:, :2], input_tokens=["x", "y", "z"])


def test_logit_lens_draws_no_missing_glyph_warning(recwarn):
    import matplotlib.pyplot as plt

    T = np.array([["匐", "ิก"]], dtype=object)
    res = plot_logit_lens(np.array([[0.2, 0.9]]), top_tokens=T, input_tokens=["窕", "a"])
    res.figure_.canvas.draw()
    plt.close(res.figure_)
    assert not [w for w in recwarn if "Glyph" in str(w.message)]


def test_lens_paths():
    P = np.array([[0.0, 0.3, 0.1], [0.0, 0.1, 0.9]])
    res = plot_lens_paths(P, labels=["␣Norte", "␣Sul"], row_labels=["emb.", "1", "2"], lang="pt")
    lines = res.artists_["lines"]
    assert np.allclose(lines[1].get_xdata(), P[1]) and np.allclose(lines[1].get_ydata(), [0, 1, 2])
    assert [t.get_text() for t in res.ax_.get_legend().get_texts()] == ["␣Norte", "␣Sul"]
    assert res.ax_.xaxis.get_major_formatter()(0.25, 0) == "25 %"

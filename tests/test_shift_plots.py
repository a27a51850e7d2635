"""Before/after plots (embedding shift, CKA, attention change), tested by what was drawn."""

from __future__ import annotations

import numpy as np
import pytest

from vizlab.analysis.shift import embedding_shift
from vizlab.plot.shift import (
    plot_attention_pair,
    plot_cka_layers,
    plot_cka_matrix,
    plot_embedding_shift,
    plot_head_change,
)


def test_embedding_shift_panels_points_centroids_and_arrows():
    rng = np.random.default_rng(0)
    y = np.repeat(["neg", "pos"], 20)
    X = rng.normal(size=(40, 6))
    s = embedding_shift(X, X + (y == "pos")[:, None] * 2.0, y)
    res = plot_embedding_shift(s, titles=("antes {silhouette}", "depois {silhouette}"),
                               class_names=["negativo", "positivo"], lang="pt")
    fig = res.figure_
    before_ax, after_ax = res.axes_["before"], res.axes_["after"]
    np.testing.assert_allclose(before_ax.collections[0].get_offsets(), s.before[y == "neg"])
    np.testing.assert_allclose(after_ax.collections[1].get_offsets(), s.after[y == "pos"])
    np.testing.assert_allclose(after_ax.collections[2].get_offsets(), s.centroids_after[:1])
    assert len(after_ax.texts) == 2  # one arrow per class
    assert before_ax.get_title() == "antes " + f"{s.silhouette_before:.2f}".replace(".", ",").replace("-", "−")
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["negativo", "positivo"]
    assert before_ax.get_xlim() == after_ax.get_xlim()  # one coordinate system
    with pytest.raises(ValueError, match="class names"):
        plot_embedding_shift(s, class_names=["only one"])


def test_cka_plots():
    res = plot_cka_layers(np.array([1.0, 0.9, 0.5]), lo=np.array([1.0, 0.85, 0.4]), hi=np.array([1.0, 0.95, 0.6]),
                          xticklabels=["emb.", "1", "2"])
    np.testing.assert_allclose(res.artists_["line"].get_ydata(), [1.0, 0.9, 0.5])
    segs = res.artists_["errorbars"].lines[2][0].get_segments()
    np.testing.assert_allclose([seg[:, 1] for seg in segs], [[1.0, 1.0], [0.85, 0.95], [0.4, 0.6]])
    assert [t.get_text() for t in res.ax_.texts] == ["1,00", "0,90", "0,50"]
    assert [t.get_text() for t in res.ax_.get_xticklabels()] == ["emb.", "1", "2"]
    M = np.array([[1.0, 0.5], [0.4, 0.2], [0.3, 0.1]])
    res = plot_cka_matrix(M, xticklabels=["emb.", "1"], yticklabels=["emb.", "1", "2"])
    np.testing.assert_allclose(res.im_.get_array(), M)
    assert res.im_.get_clim() == (0, 1) and res.colorbar_ is not None
    assert res.text_[0, 1].get_text() == "0,50"
    with pytest.raises(ValueError, match="1-D"):
        plot_cka_layers(M)


def test_head_change_heatmap_marks_the_highlighted_head():
    C = np.arange(12, dtype=float).reshape(3, 4) / 20
    res = plot_head_change(C, highlight=(3, 4))  # layer 3, head 4: the bottom-right cell
    ax = res.ax_
    np.testing.assert_allclose(ax.images[0].get_array(), C)
    assert res.artists_["highlight"].get_xy() == (2.5, 1.5)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3"]  # layers from 1
    assert res.text_[2, 3].get_text() == "0,55"
    for bad in ((4, 1), (0, 1), (1, 5)):
        with pytest.raises(ValueError, match="count from 1"):
            plot_head_change(C, highlight=bad)


def test_attention_pair_shares_one_colour_scale():
    a = np.full((3, 3), 1 / 3)
    b = np.eye(3)
    res = plot_attention_pair(a, b, tokens=["[CLS]", "hi", "[SEP]"], titles=("before", "after"))
    axes = [res.axes_["before"], res.axes_["after"]]
    assert res.values_["vmax"] == 1.0
    assert [ax.images[0].get_clim() for ax in axes] == [(0.0, 1.0), (0.0, 1.0)]
    np.testing.assert_allclose(axes[1].images[0].get_array(), b)
    assert axes[0].get_title() == "before"
    with pytest.raises(ValueError, match="differ in shape"):
        plot_attention_pair(a, np.eye(2), tokens=["a", "b", "c"])

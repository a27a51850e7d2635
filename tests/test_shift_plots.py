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
    fig = plot_embedding_shift(s, titles=("antes {silhouette:.2f}", "depois {silhouette:.2f}"),
                               class_names=["negativo", "positivo"])
    before_ax, after_ax = fig.axes
    np.testing.assert_allclose(before_ax.collections[0].get_offsets(), s.before[y == "neg"])
    np.testing.assert_allclose(after_ax.collections[1].get_offsets(), s.after[y == "pos"])
    np.testing.assert_allclose(after_ax.collections[2].get_offsets(), s.centroids_after[:1])
    assert len(after_ax.texts) == 2  # one arrow per class
    assert before_ax.get_title() == f"antes {s.silhouette_before:.2f}"
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["negativo", "positivo"]
    assert before_ax.get_xlim() == after_ax.get_xlim()  # one coordinate system
    with pytest.raises(ValueError, match="class names"):
        plot_embedding_shift(s, class_names=["only one"])


def test_cka_plots():
    ax = plot_cka_layers(np.array([1.0, 0.9, 0.5]))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.9, 0.5])
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.90", "0.50"]
    M = np.array([[1.0, 0.5], [0.4, 0.2], [0.3, 0.1]])
    ax = plot_cka_matrix(M)
    np.testing.assert_allclose(ax.images[0].get_array(), M)
    assert ax.images[0].get_clim() == (0, 1)
    with pytest.raises(ValueError, match="1-D"):
        plot_cka_layers(M)


def test_head_change_heatmap_marks_the_highlighted_head():
    C = np.arange(12, dtype=float).reshape(3, 4) / 20
    ax = plot_head_change(C, highlight=(2, 3))
    np.testing.assert_allclose(ax.images[0].get_array(), C)
    assert ax.patches[0].get_xy() == (2.5, 1.5)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    with pytest.raises(ValueError, match="outside"):
        plot_head_change(C, highlight=(3, 0))


def test_attention_pair_shares_one_colour_scale():
    a = np.full((3, 3), 1 / 3)
    b = np.eye(3)
    axes = plot_attention_pair(a, b, tokens=["[CLS]", "hi", "[SEP]"], titles=("before", "after"))
    assert [ax.images[0].get_clim() for ax in axes] == [(0.0, 1.0), (0.0, 1.0)]
    np.testing.assert_allclose(axes[1].images[0].get_array(), b)
    assert axes[0].get_title() == "before"
    with pytest.raises(ValueError, match="differ in shape"):
        plot_attention_pair(a, np.eye(2), tokens=["a", "b", "c"])

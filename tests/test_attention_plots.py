"""Attention plots, checked by what they drew."""

import numpy as np
import pytest
from matplotlib.colors import to_hex

from vizlab.activations import Activations
from vizlab.analysis.attention import head_stats
from vizlab.plot.attention import plot_attention_lines, plot_attention_map, plot_head_grid, plot_rollout
from vizlab.plot.attention_stats import PATTERN_COLORS, plot_head_stats
from vizlab.plot.qk import plot_qk_walkthrough

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"]


@pytest.fixture
def attn():
    return np.random.default_rng(0).dirichlet(np.ones(5), size=(2, 3, 5))


def test_attention_map_draws_the_matrix_with_token_labels(attn):
    ax = plot_attention_map(attn[0, 1], tokens=TOKENS, annotate=True)
    np.testing.assert_allclose(ax.images[0].get_array(), attn[0, 1])
    assert [t.get_text() for t in ax.get_xticklabels()] == TOKENS
    assert [t.get_text() for t in ax.get_yticklabels()] == TOKENS
    assert len(ax.texts) == int((attn[0, 1] >= 0.005).sum())
    mask = np.triu(np.ones((5, 5), bool), 1)
    ax2 = plot_attention_map(attn[0, 1], tokens=TOKENS, masked=mask, colorbar=False)
    assert ax2.images[0].get_array().mask[0, 4] and not ax2.images[0].get_array().mask[4, 0]
    with pytest.raises(ValueError, match="tokens"):
        plot_attention_map(attn[0, 1], tokens=TOKENS[:3])


def test_attention_lines_one_segment_per_weight(attn):
    a = attn[1, 2]
    ax = plot_attention_lines(a, tokens=TOKENS, min_weight=0.1)
    lc = ax.collections[0]
    assert len(lc.get_segments()) == int((a >= 0.1).sum())
    np.testing.assert_allclose(np.sort(lc.weights), np.sort(a[a >= 0.1]))
    ax = plot_attention_lines(a, tokens=TOKENS, query=2, min_weight=0.0)
    segs = ax.collections[0].get_segments()
    assert len(segs) == 5 and all(s[0][1] == -2 for s in segs)  # all start at query row 2
    with pytest.raises(ValueError, match="query"):
        plot_attention_lines(a, tokens=TOKENS, query=9)


def test_head_grid_every_head_on_one_scale(attn):
    labels = np.array([["prev"] * 3, ["broad"] * 3])
    fig = plot_head_grid(attn, tokens=TOKENS, highlight=(1, 2), labels=labels, vmax=0.9)
    assert fig.grid_axes.shape == (2, 3)
    for li in range(2):
        for h in range(3):
            im = fig.grid_axes[li, h].images[0]
            np.testing.assert_allclose(im.get_array(), attn[li, h])
            assert im.get_clim() == (0, 0.9)
    assert fig.grid_axes[0, 0].get_xlabel() == "prev"
    np.testing.assert_allclose(fig.detail_ax.images[0].get_array(), attn[1, 2])
    assert [t.get_text() for t in fig.detail_ax.get_xticklabels()] == TOKENS
    assert to_hex(fig.grid_axes[1, 2].spines["left"].get_edgecolor()) == to_hex("crimson")
    assert plot_head_grid(attn, tokens=TOKENS).detail_ax is None


def test_rollout_panels(attn):
    raw, rolled = attn[0, 0], attn[1, 0]
    fig = plot_rollout(raw, rolled, tokens=TOKENS, query=1)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), raw)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), rolled)
    bars_raw, bars_roll = fig.axes[2].containers
    np.testing.assert_allclose([b.get_width() for b in bars_raw], raw[1])
    np.testing.assert_allclose([b.get_width() for b in bars_roll], rolled[1])


def test_head_stats_panels():
    rng = np.random.default_rng(1)
    a = rng.dirichlet(np.ones(5), size=(2, 3, 5))
    a[0, 0] = np.eye(5)[[0, 0, 0, 0, 0]]  # all on [CLS]
    acts = Activations("x", TOKENS, np.arange(5), None, a, np.array([1, 0, 0, 0, 1], bool),
                       attention_layers=(0, 1))
    st = head_stats(acts)
    fig = plot_head_stats(st, metrics=("entropy", "cls"), cell_names={"[CLS]": "CLS!"})
    np.testing.assert_allclose(fig.metric_axes["cls"].images[0].get_array(), st.cls)
    np.testing.assert_allclose(fig.metric_axes["entropy"].images[0].get_array(), st.entropy)
    texts = [t.get_text() for t in fig.labels_ax.texts]
    assert texts[0] == "CLS!" and len(texts) == 6
    legend = [t.get_text() for t in fig.labels_ax.get_legend().get_texts()]
    assert "[CLS]" in legend and set(legend) <= set(PATTERN_COLORS)


def test_qk_walkthrough_panels():
    rng = np.random.default_rng(2)
    q, k = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    s = q @ k.T / 2
    w = np.exp(s) / np.exp(s).sum(1, keepdims=True)
    fig = plot_qk_walkthrough(q, k, scores=s, weights=w, reference=w, tokens=TOKENS, query=2,
                              mask=np.tril(np.ones((5, 5), bool)))
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), q)
    assert fig.axes[2].images[0].get_array().mask[0, 1]  # masked entry greyed
    bars = fig.axes[5].containers[0]
    np.testing.assert_allclose([b.get_width() for b in bars], w[2])
    with pytest.raises(ValueError, match="query"):
        plot_qk_walkthrough(q, k, scores=s, weights=w, reference=w, tokens=TOKENS, query=7)

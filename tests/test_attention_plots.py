"""Attention plots, checked by what they drew."""

import numpy as np
import pytest
from matplotlib.colors import to_hex

from vizlab.activations import Activations
from vizlab.analysis.attention import head_stats
from vizlab.i18n import Lang
from vizlab.palette import HIGHLIGHT
from vizlab.plot.attention import plot_attention_lines, plot_attention_map, plot_head_grid, plot_rollout
from vizlab.plot.attention_stats import PATTERN_COLORS, plot_head_stats
from vizlab.plot.display import PlotResult
from vizlab.plot.qk import plot_qk_walkthrough

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"]


@pytest.fixture
def attn():
    return np.random.default_rng(0).dirichlet(np.ones(5), size=(2, 3, 5))


def test_attention_map_draws_the_matrix_with_token_labels(attn):
    res = plot_attention_map(attn[0, 1], tokens=TOKENS, annot=True)
    ax = res.ax_
    assert isinstance(res, PlotResult) and res.im_ is ax.images[0]
    np.testing.assert_allclose(ax.images[0].get_array(), attn[0, 1])
    assert [t.get_text() for t in ax.get_xticklabels()] == TOKENS
    assert [t.get_text() for t in ax.get_yticklabels()] == TOKENS
    assert len(ax.texts) == int((attn[0, 1] >= 0.005).sum())
    i, j = np.unravel_index(np.argmax(attn[0, 1]), (5, 5))
    assert res.text_[i, j].get_text() == f"{attn[0, 1][i, j]:.2f}".replace(".", ",")  # decimal comma (pt)
    assert res.colorbar_ is not None
    mask = np.triu(np.ones((5, 5), bool), 1)
    res2 = plot_attention_map(attn[0, 1], tokens=TOKENS, mask=mask, cbar=False)
    assert res2.im_.get_array().mask[0, 4] and not res2.im_.get_array().mask[4, 0]
    assert res2.colorbar_ is None
    with pytest.raises(ValueError, match="tokens"):
        plot_attention_map(attn[0, 1], tokens=TOKENS[:3])


def test_attention_lines_one_segment_per_weight(attn):
    a = attn[1, 2]
    res = plot_attention_lines(a, tokens=TOKENS, min_weight=0.1)
    lc = res.artists_["lines"]
    assert lc is res.ax_.collections[0]
    assert len(lc.get_segments()) == int((a >= 0.1).sum())
    np.testing.assert_allclose(np.sort(res.values_["weights"]), np.sort(a[a >= 0.1]))
    res = plot_attention_lines(a, tokens=TOKENS, query=2, min_weight=0.0)
    segs = res.artists_["lines"].get_segments()
    assert len(segs) == 5 and all(s[0][1] == -2 for s in segs)  # all start at query row 2
    assert all(q == 2 for q, _ in res.values_["pairs"])
    with pytest.raises(ValueError, match="query"):
        plot_attention_lines(a, tokens=TOKENS, query=9)


def test_head_grid_one_scale_covering_every_value(attn):
    labels = np.array([["prev"] * 3, ["broad"] * 3])
    res = plot_head_grid(attn, tokens=TOKENS, highlight=(2, 3), labels=labels)  # layer 2, head 3
    grid = res.values_["grid_axes"]
    assert grid.shape == (2, 3)
    top = float(attn.max())
    for li in range(2):
        for h in range(3):
            im = grid[li, h].images[0]
            np.testing.assert_allclose(im.get_array(), attn[li, h])
            assert im.norm is res.im_.norm and im.get_clim() == (0, top)  # every value inside the scale
    assert (res.values_["vmin"], res.values_["vmax"]) == (0.0, top)
    assert grid[0, 0].get_xlabel() == "prev"
    # reader numbering by default: rows and columns count from 1
    assert grid[0, 0].get_ylabel() == "1" and grid[1, 0].get_ylabel() == "2"
    assert [grid[0, h].get_title() for h in range(3)] == ["1", "2", "3"]
    detail = res.axes_["detail"]
    np.testing.assert_allclose(detail.images[0].get_array(), attn[1, 2])
    assert detail.images[0].get_clim() == (0, top)
    assert detail.get_title() == "camada 2, cabeça 3"  # lang="pt" by default: the catalogue's terms
    assert [t.get_text() for t in detail.get_xticklabels()] == TOKENS
    assert to_hex(grid[1, 2].spines["left"].get_edgecolor()) == HIGHLIGHT.lower()
    assert res.colorbar_.ax.get_ylabel() == "peso de atenção (escala de raiz quadrada)"
    assert "detail" not in plot_head_grid(attn, tokens=TOKENS).axes_
    with pytest.raises(ValueError, match="colour scale"):
        plot_head_grid(attn, tokens=TOKENS, vmax=0.5)
    assert not hasattr(res.figure_, "grid_axes")


def test_head_grid_highlight_is_numbered_as_the_grid_is(attn):
    """issue 23: ``highlight=(layer, head)`` in reader numbers, the rows' and columns' labels; a head the
    grid does not have is a ValueError naming the valid numbers (it was numpy's IndexError)."""
    res = plot_head_grid(attn, tokens=TOKENS, highlight=(1, 1))
    np.testing.assert_allclose(res.axes_["detail"].images[0].get_array(), attn[0, 0])
    assert res.axes_["detail"].get_title() == "camada 1, cabeça 1"
    last = plot_head_grid(attn, tokens=TOKENS, highlight=(-1, -1)).axes_["detail"]
    np.testing.assert_allclose(last.images[0].get_array(), attn[1, 2])
    sub = plot_head_grid(attn, tokens=TOKENS, layers=[2, 6], highlight=(6, 2))  # rows hold layers 2 and 6
    np.testing.assert_allclose(sub.axes_["detail"].images[0].get_array(), attn[1, 1])
    assert sub.axes_["detail"].get_title() == "camada 6, cabeça 2"
    for bad, match in (((6, 0), "layer must be one of 1, 2 "), ((3, 1), "layer must be one of 1, 2 "),
                       ((1, 0), "head must be one of 1, 2, 3 "), ((1, 4), "head must be one of 1, 2, 3 ")):
        with pytest.raises(ValueError, match=match):
            plot_head_grid(attn, tokens=TOKENS, highlight=bad)
    with pytest.raises(ValueError, match="layer must be one of 2, 6"):
        plot_head_grid(attn, tokens=TOKENS, layers=[2, 6], highlight=(1, 1))


def test_rollout_panels_share_one_scale(attn):
    raw, rolled = attn[0, 0], attn[1, 0] * 0.5
    res = plot_rollout(raw, rolled, tokens=TOKENS, query=1)
    a_raw, a_roll = res.axes_["raw"], res.axes_["rollout"]
    assert res.axes_["bars"].get_yticklabels()[1].get_text() == TOKENS[1]
    np.testing.assert_allclose(a_raw.images[0].get_array(), raw)
    np.testing.assert_allclose(a_roll.images[0].get_array(), rolled)
    top = float(max(raw.max(), rolled.max()))
    assert a_raw.images[0].get_clim() == a_roll.images[0].get_clim() == (0, top)
    assert res.colorbar_.ax.get_ylabel()  # one labelled colour bar
    np.testing.assert_allclose([b.get_width() for b in res.artists_["bars_raw"]], raw[1])
    np.testing.assert_allclose([b.get_width() for b in res.artists_["bars_rollout"]], rolled[1])


def test_head_stats_percent_scales():
    rng = np.random.default_rng(1)
    a = rng.dirichlet(np.ones(5), size=(2, 3, 5))
    a[0, 0] = np.eye(5)[[0, 0, 0, 0, 0]]  # all on [CLS]
    acts = Activations("x", TOKENS, np.arange(5), None, a, np.array([1, 0, 0, 0, 1], bool),
                       attention_layers=(0, 1))
    st = head_stats(acts)
    res = plot_head_stats(st, metrics=("entropy", "cls"), cell_names={"[CLS]": "CLS!"},
                          share_label="% da atenção")
    cls_ax = res.axes_["cls"]
    np.testing.assert_allclose(cls_ax.images[0].get_array(), 100 * st.cls)  # percentages...
    assert cls_ax.images[0].get_clim() == (0, 100)                          # ...on a 0-100 scale
    cb = res.artists_["colorbars"]["cls"]
    assert cb.ax.get_ylabel() == "% da atenção"
    np.testing.assert_allclose(res.axes_["entropy"].images[0].get_array(), st.entropy)
    ent_clim = res.axes_["entropy"].images[0].get_clim()
    assert ent_clim[0] == 0 and ent_clim[1] >= st.entropy.max()
    texts = [t.get_text() for t in res.axes_["labels"].texts]
    assert texts[0] == "CLS!" and len(texts) == 6
    legend = [t.get_text() for t in res.axes_["labels"].get_legend().get_texts()]
    assert "[CLS] (vertical)" in legend and set(legend) <= {Lang("pt")(f"pattern.{p}") for p in PATTERN_COLORS}
    assert [t.get_text() for t in cls_ax.get_yticklabels()] == ["1", "2"]  # layers from 1
    ent_text = res.axes_["entropy"].texts[0].get_text()
    assert "," in ent_text or ent_text.isdigit()  # decimal comma


def test_qk_walkthrough_panels():
    rng = np.random.default_rng(2)
    q, k = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    s = q @ k.T / 2
    w = np.exp(s) / np.exp(s).sum(1, keepdims=True)
    res = plot_qk_walkthrough(q, k, scores=s, weights=w, reference=w, tokens=TOKENS, query=2,
                              mask=np.tril(np.ones((5, 5), bool)))
    np.testing.assert_allclose(res.axes_["q"].images[0].get_array(), q)
    assert res.axes_["scores"].images[0].get_array().mask[0, 1]  # masked entry greyed
    np.testing.assert_allclose([b.get_width() for b in res.artists_["bars"]], w[2])
    with pytest.raises(ValueError, match="query"):
        plot_qk_walkthrough(q, k, scores=s, weights=w, reference=w, tokens=TOKENS, query=7)


def test_attention_study_and_drawing_number_from_1_and_clean_tokens(attn):
    """`vizlab attention`'s pair: attention_data (Activations -> plain data) and draw_attention."""
    from vizlab.drawings.attention import draw_attention
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.attention import attention_data

    toks = ["<|endoftext|>", "The", "Ġcat", "Ġsat", "."]  # byte-level BPE (GPT-2 style)
    acts = Activations("The cat sat.", toks, np.arange(5), None, attn.astype(np.float32),
                       np.array([1, 0, 0, 0, 0], bool), attention_layers=(0, 1))
    data = attention_data(acts)
    assert data["layers"] == [1, 2] and data["tokens"] == toks
    src = decode(encode(data))  # what a drawing gets: the committed source data
    assert src["attentions"].dtype == np.float32 and src["special"].dtype == bool
    fig = draw_attention(src, lang="pt").figure_
    rows = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel() in ("1", "2")]
    assert rows == ["1", "2"]
    assert any("camadas numeradas de 1" in t.get_text() for t in fig.texts)
    one_layer = draw_attention(src, lang="pt", layer=2).figure_
    assert [ax.get_ylabel() for ax in one_layer.axes if ax.get_ylabel().isdigit()] == ["2"]
    single = draw_attention(src, lang="en", layer=2, head=3)
    ax = single.ax_
    np.testing.assert_array_equal(ax.images[0].get_array(), attn.astype(np.float32)[1, 2])
    assert ax.get_title().startswith("layer 2, head 3")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["<|endoftext|>", "The", "␣cat", "␣sat", "."]
    with pytest.raises(ValueError, match="count from 1"):
        draw_attention(src, lang="pt", layer=0)
    with pytest.raises(ValueError, match="count from 1"):
        draw_attention(src, lang="pt", layer=1, head=4)
    with pytest.raises(ValueError, match="head needs layer"):
        draw_attention(src, lang="pt", head=1)
    # negative numbers count from the end, as in a list: -1 = the last layer, the last head
    last = draw_attention(src, lang="en", layer=-1, head=-1)
    np.testing.assert_array_equal(last.ax_.images[0].get_array(), attn.astype(np.float32)[1, 2])
    assert last.ax_.get_title().startswith("layer 2, head 3")

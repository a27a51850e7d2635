"""Tokenization, mask, softmax and architecture plots, checked by what they drew."""

import numpy as np
import pytest
from matplotlib.colors import to_hex

from vizlab.plot.architecture import Stage, plot_block_diagram
from vizlab.plot.softmax import plot_softmax_temperature
from vizlab.plot.tokenization import (
    SEGMENT_COLORS,
    SPECIAL_COLOR,
    plot_mask,
    plot_padded_batch,
    plot_token_strip,
)


def test_token_strip_boxes_ids_and_word_colours():
    tokens = ["[CLS]", "ga", "##to", "e", "[SEP]"]
    res = plot_token_strip(tokens, ids=[101, 7, 8, 9, 102], special_mask=[1, 0, 0, 0, 1],
                           word_index=[0, 1, 1, 2, 3], max_width=10)
    boxes = res.artists_["boxes"]
    assert len(boxes) == 5
    texts = [t.get_text() for t in res.ax_.texts]
    assert all(t in texts for t in tokens) and "101" in texts and "102" in texts
    colours = [to_hex(b.get_facecolor()) for b in boxes]
    assert colours[0] == colours[4] == SPECIAL_COLOR.lower()
    assert colours[1] == colours[2] != colours[3]  # the two pieces of one word share a colour
    # wrapped onto more than one line at this width
    assert len({round(b.get_y(), 3) for b in boxes}) > 1
    with pytest.raises(ValueError, match="word_index"):
        plot_token_strip(tokens, word_index=[0, 1])
    # sentence pairs: outline colour = segment (token_type_ids)
    res = plot_token_strip(tokens, segments=[0, 0, 0, 1, 1])
    edges = [to_hex(b.get_edgecolor()) for b in res.artists_["boxes"]]
    assert edges[0] == edges[2] == SEGMENT_COLORS[0].lower() and edges[3] == edges[4] == SEGMENT_COLORS[1].lower()


def test_padded_batch_and_masks():
    toks = [["[CLS]", "a", "[SEP]", "[PAD]"], ["[CLS]", "b", "c", "[SEP]"]]
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]])
    special = np.array([[1, 0, 1, 0], [1, 0, 0, 1]], bool)
    ids = np.array([[101, 7, 102, 0], [101, 8, 9, 102]])
    res = plot_padded_batch(ids, mask, tokens=toks, special_mask=special, truncated=[False, True],
                            row_labels=["frase 1", "frase 2"])
    np.testing.assert_array_equal(res.im_.get_array(), [[2, 1, 2, 0], [2, 1, 1, 2]])
    # each cell shows the real id (first line) and the token (second line)
    assert res.text_[0, 0].get_text() == "101\n[CLS]" and res.text_[0, 3].get_text() == "0\n[PAD]"
    assert [t.get_text() for t in res.ax_.get_yticklabels()] == ["frase 1", "frase 2"]
    assert "✂" in [t.get_text() for t in res.ax_.texts]
    only_ids = plot_padded_batch(ids, mask)
    assert only_ids.text_[1, 2].get_text() == "9"
    res = plot_mask(np.tril(np.ones((3, 3))), row_labels=list("abc"), col_labels=list("abc"))
    np.testing.assert_array_equal(res.im_.get_array(), np.tril(np.ones((3, 3))))
    assert [t.get_text() for t in res.ax_.texts].count("0") == 3
    with pytest.raises(ValueError, match="rows"):
        plot_padded_batch(ids, mask, tokens=toks[:1])
    with pytest.raises(ValueError, match="shape"):
        plot_padded_batch(ids[:1], mask)


def test_softmax_temperature_bars():
    logits = np.array([3.0, 2.0, 1.0])
    probs = np.array([[0.8, 0.15, 0.05], [0.6, 0.3, 0.1]])
    res = plot_softmax_temperature(logits, probs, labels=["a", "b", "c"], temperatures=(0.5, 1.0))
    np.testing.assert_allclose(res.artists_["logit_dots"].get_offsets()[:, 0], logits)
    assert res.axes_["logits"].get_xlim()[0] > 0  # no bars from 0: the axis starts near the smallest logit
    for row, bars in zip(probs, res.artists_["prob_bars"]):
        np.testing.assert_allclose([b.get_width() for b in bars], row)
    assert [t.get_text() for t in res.axes_["probs"].get_legend().get_texts()] == ["T = 0,5", "T = 1"]
    assert "3,0" in [t.get_text() for t in res.axes_["logits"].texts]
    en = plot_softmax_temperature(logits, probs, labels=["a", "b", "c"], temperatures=(0.5, 1.0), lang="en")
    assert [t.get_text() for t in en.axes_["probs"].get_legend().get_texts()] == ["T = 0.5", "T = 1"]
    with pytest.raises(ValueError, match="labels"):
        plot_softmax_temperature(logits, probs, labels=["a"], temperatures=(0.5, 1.0))


def test_block_diagram():
    stages = [Stage("input", "", "(2 × 5)"), Stage("attention", "12 heads", "(2 × 5 × 384)", "attn"),
              Stage("head", "", "(2 × 384)", "head")]
    res = plot_block_diagram(stages, repeat=(1, 1, "× 6"),
                             branches=[("classifier", [Stage("pooler", "tanh", "(2 × 384)", "head")]),
                                       ("embedding", [Stage("mean", "", "(2 × 384)", "head2")])])
    assert len(res.artists_["boxes"]) == 3
    assert [len(b) for b in res.artists_["branch_boxes"]] == [1, 1]
    texts = [t.get_text() for t in res.ax_.texts]
    assert {"input", "12 heads", "(2 × 5 × 384)", "× 6", "classifier", "pooler", "mean"} <= set(texts)
    # the branches sit above the stack, side by side
    b0, b1 = (b[0] for b in res.artists_["branch_boxes"])
    assert b0.get_y() == b1.get_y() > res.artists_["boxes"][-1].get_y() and b0.get_x() < b1.get_x()
    with pytest.raises(ValueError, match="repeat"):
        plot_block_diagram(stages, repeat=(1, 5, "x"))

"""The query/key/value diagram: its numbers measured on a model, its drawing checked by what was drawn."""

from __future__ import annotations

import numpy as np
import pytest

from vizlab.plot.qkv import plot_qkv_diagram

SHAPES = {"x": [3, 8], "w_q": [8, 4], "q": [3, 4], "k": [3, 4], "v": [3, 4], "scores": [3, 3], "weights": [3, 3],
          "z": [3, 4], "concat": [3, 8], "w_o": [8, 8], "output": [3, 8]}
TEXT = {k: k.upper() for k in ("tokens", "x", "proj", "q", "k", "v", "scores", "softmax", "sum", "output",
                                "row_scores", "row_weights", "row_title")} | {"concat": "{n} heads"}


def test_diagram_draws_the_shapes_and_the_row():
    w = np.array([0.2, 0.7, 0.1])
    res = plot_qkv_diagram(SHAPES, tokens=["a", "b", "c"], query=1, scores_row=[0.5, 1.75, -0.2],
                           weights_row=w, n_heads=2, text=TEXT, fmt=lambda x, d: f"{x:.{d}f}".replace(".", ","))
    assert "3 × 8" in res.boxes_["x"] and "8 × 4" in res.boxes_["w_q"] and "2 heads" in res.boxes_["concat"]
    assert "8 × 8" in res.boxes_["w_o"] and "3 × 3" in res.boxes_["softmax"]
    np.testing.assert_allclose(res.row_ax_.images[0].get_array()[0], w)
    written = [t.get_text() for t in res.row_ax_.texts]
    assert "0,70" in written and "1,8" in written  # weights with 2 decimals, scores with 1, reader's comma
    assert [t.get_text() for t in res.row_ax_.get_xticklabels()] == ["a", "b", "c"]
    w_in = res.figure_.get_size_inches() * 25.4
    assert w_in[0] <= 183 + 1e-6


def test_diagram_refuses_a_row_of_the_wrong_length():
    with pytest.raises(ValueError, match="one value per token"):
        plot_qkv_diagram(SHAPES, tokens=["a", "b", "c"], query=0, scores_row=[1, 2], weights_row=[0.5, 0.5],
                         n_heads=2, text=TEXT)
    with pytest.raises(ValueError, match="query"):
        plot_qkv_diagram(SHAPES, tokens=["a", "b", "c"], query=3, scores_row=[1, 2, 3], weights_row=[0.2, 0.3, 0.5],
                         n_heads=2, text=TEXT)


def test_qkv_numbers_from_a_tiny_model(tiny_bert):
    from vizlab.studies.attention_qkv import qkv_diagram

    tokens = tiny_bert.tokenizer.tokenize("cats chase mice")
    d = qkv_diagram(tiny_bert, query_token=tokens[0])
    n, cfg = len(d["tokens"]), tiny_bert.config
    s = d["shapes"]
    assert s["x"] == [n, cfg.hidden_size] and s["q"] == [n, d["head_dim"]] == s["v"]
    assert s["concat"] == [n, cfg.num_attention_heads * d["head_dim"]] and s["scores"] == [n, n]
    w = np.asarray(d["weights_row"])
    assert w.sum() == pytest.approx(1, abs=1e-6)
    # the weights are the softmax of the scores
    z = np.exp(np.asarray(d["scores_row"]) - np.max(d["scores_row"]))
    np.testing.assert_allclose(w, z / z.sum(), atol=1e-6)
    assert d["max_error"] < 1e-5
    with pytest.raises(ValueError, match="not a token"):
        qkv_diagram(tiny_bert, query_token="zzzz-not-there")

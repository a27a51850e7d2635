"""Subword tokens -> words, and token attention -> word attention."""

import numpy as np
import pytest
from numerics import assert_close

from vizlab.analysis.words import aggregate_attention, detect_scheme, word_spans


def test_wordpiece_and_sentencepiece_words():
    wp = word_spans(["[CLS]", "o", "ga", "##to", "dor", "##mi", "##u", ".", "[SEP]"],
                    [1, 0, 0, 0, 0, 0, 0, 0, 1])
    assert wp.words == ["[CLS]", "o", "gato", "dormiu", ".", "[SEP]"]
    assert wp.pieces.tolist() == [1, 1, 2, 3, 1, 1]
    assert wp.special.tolist() == [True, False, False, False, False, True]
    sp = word_spans(["<bos>", "O", "▁ga", "to", "▁dorm", "iu", "."], [1, 0, 0, 0, 0, 0, 0])
    assert sp.words == ["<bos>", "O", "gato", "dormiu", "."]
    assert detect_scheme(["Ġthe", "cat"]) == "bpe"
    assert word_spans(["Ġthe", "Ġc", "at"]).words == ["the", "cat"]


def test_aggregate_sums_received_and_averages_given():
    rng = np.random.default_rng(0)
    tokens = ["[CLS]", "ga", "##to", "[SEP]"]
    spans = word_spans(tokens, [1, 0, 0, 1])
    a = rng.dirichlet(np.ones(4), size=(2, 4))
    w = aggregate_attention(a, spans)
    assert w.shape == (2, 3, 3)
    assert_close(w.sum(-1), 1.0, ops=a.shape[-1])
    # row of word "gato" = mean of token rows 1 and 2, column = sum of key columns 1 and 2
    np.testing.assert_allclose(w[:, 1, 1], (a[:, 1, 1] + a[:, 1, 2] + a[:, 2, 1] + a[:, 2, 2]) / 2)
    np.testing.assert_allclose(w[:, 0, 1], a[:, 0, 1] + a[:, 0, 2])


def test_one_piece_words_leave_attention_unchanged():
    a = np.random.default_rng(1).dirichlet(np.ones(3), size=3)
    np.testing.assert_allclose(aggregate_attention(a, word_spans(["a", "b", "c"])), a)


def test_errors():
    with pytest.raises(ValueError, match="special_mask"):
        word_spans(["a", "b"], [1])
    with pytest.raises(ValueError, match="scheme"):
        word_spans(["a"], scheme="bytes")
    with pytest.raises(ValueError, match="spans cover"):
        aggregate_attention(np.eye(3), word_spans(["a", "b"]))

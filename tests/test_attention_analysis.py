"""Per-head attention statistics, labels and averages, on hand-made attention matrices."""

import numpy as np
import pytest
from numerics import assert_close

from vizlab.activations import Activations
from vizlab.analysis.attention import (
    PATTERNS,
    average_heads,
    average_layers,
    drop_special,
    head_stats,
    is_causal,
    is_punctuation,
    kv_head_index,
    label_heads,
    validate_attention,
)

TOKENS = ["[CLS]", "o", "gato", "dor", "##miu", ".", "[SEP]"]
SPECIAL = np.array([1, 0, 0, 0, 0, 0, 1], bool)
N = len(TOKENS)


def _acts(attn, tokens=TOKENS, special=SPECIAL, tt=None):
    return Activations(text="x", tokens=list(tokens), input_ids=np.arange(len(tokens)), hidden_states=None,
                       attentions=np.asarray(attn), special_mask=np.asarray(special), token_type_ids=tt,
                       attention_layers=tuple(range(np.asarray(attn).shape[0])))


def _onehot_cols(cols, n=N):
    """Row i puts all its attention on key cols[i]."""
    a = np.zeros((n, n))
    a[np.arange(n), cols] = 1.0
    return a


def _pattern_maps():
    n = N
    cls = _onehot_cols([0] * n)
    sep = _onehot_cols([n - 1] * n)
    prev = _onehot_cols([max(i - 1, 0) for i in range(n)])
    nxt = _onehot_cols([min(i + 1, n - 1) for i in range(n)])
    same = np.eye(n)
    uniform = np.full((n, n), 1.0 / n)
    punct = _onehot_cols([5] * n)
    return np.stack([cls, sep, prev, nxt, same, uniform, punct])[None]  # (1, 7, n, n)


def test_shares_and_labels_of_pure_patterns():
    st = head_stats(_acts(_pattern_maps()))
    assert st.shape == (1, 7)
    # the previous-token head of query 1 lands on [CLS]; the next-token head of query 5 on [SEP]
    np.testing.assert_allclose(st.cls[0], [1, 0, 1 / 5, 0, 0, 1 / N, 0])
    np.testing.assert_allclose(st.sep[0], [0, 1, 0, 1 / 5, 0, 1 / N, 0])
    np.testing.assert_allclose(st.prev[0, 2], 1.0)
    np.testing.assert_allclose(st.next[0, 3], 1.0)
    np.testing.assert_allclose(st.same[0, 4], 1.0)
    np.testing.assert_allclose(st.punct[0, 6], 1.0)
    # uniform rows: entropy log(n), normalised entropy 1
    np.testing.assert_allclose(st.entropy[0, 5], np.log(N))
    np.testing.assert_allclose(st.norm_entropy[0, 5], 1.0)
    np.testing.assert_allclose(st.entropy[0, [0, 1, 2, 3, 4, 6]], 0.0, atol=1e-12)
    assert st.labels[0].tolist() == ["[CLS]", "[SEP]", "prev", "next", "self", "broad", "punct"]
    assert set(st.labels.ravel()) <= set(PATTERNS)


def test_distance_and_query_averaging():
    st = head_stats(_acts(_pattern_maps()))
    # content queries 1..5 attending to key 0: mean |i - 0| = 3
    np.testing.assert_allclose(st.distance[0, 0], np.mean([1, 2, 3, 4, 5]))
    np.testing.assert_allclose(st.distance[0, 2], 1.0)
    st_all = head_stats(_acts(_pattern_maps()), exclude_special_queries=False)
    np.testing.assert_allclose(st_all.distance[0, 0], np.mean(np.arange(N)))


def test_mixed_label_and_many_texts_weigh_by_tokens():
    rng = np.random.default_rng(0)
    # 40% on CLS, 40% on SEP, rest on self: no single share >= 0.5, low entropy -> mixed
    a = 0.4 * _onehot_cols([0] * N) + 0.4 * _onehot_cols([N - 1] * N) + 0.2 * np.eye(N)
    st = head_stats(_acts(a[None, None]))
    assert st.labels[0, 0] == "mixed"
    # two texts: averages equal the mean over all content tokens of both
    b = rng.dirichlet(np.ones(N), size=(1, 1, N))
    st2 = head_stats([_acts(a[None, None]), _acts(b)])
    np.testing.assert_allclose(st2.cls, (a[1:-1, 0].sum() + b[0, 0, 1:-1, 0].sum()) / 10)
    assert st2.n_texts == 2


def test_block_label_for_sentence_pairs():
    tokens = ["[CLS]", "a", "b", "c", "[SEP]", "d", "e", "f", "[SEP]"]
    special = np.array([1, 0, 0, 0, 1, 0, 0, 0, 1], bool)
    tt = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    n = len(tokens)
    a = np.zeros((n, n))
    for i in range(n):
        same = np.flatnonzero((tt == tt[i]) & ~special)
        a[i, same] = 1 / len(same)
    st = head_stats(_acts(a[None, None], tokens, special, tt))
    np.testing.assert_allclose(st.segment, 1.0)
    assert st.labels[0, 0] == "block"
    assert "segment" in st.to_frame().columns
    # mixed with a single text: the segment share still averages over the pair's tokens only
    single = _acts(np.full((1, 1, 5, 5), 0.2), ["[CLS]", "a", "b", "c", "[SEP]"], [1, 0, 0, 0, 1])
    st2 = head_stats([single, _acts(a[None, None], tokens, special, tt)])
    np.testing.assert_allclose(st2.segment, 1.0)
    assert head_stats(single).segment is None


def test_label_heads_thresholds_documented_order():
    z = np.zeros((1, 2))
    stats = {"cls": np.array([[0.55, 0.3]]), "sep": np.array([[0.6, 0.3]]), "punct": z, "prev": z,
             "same": z, "next": z, "norm_entropy": np.array([[0.9, 0.5]])}
    # the larger share wins; below every threshold and low entropy -> mixed
    assert label_heads(stats).tolist() == [["[SEP]", "mixed"]]


def test_causal_normalised_entropy_uses_visible_keys():
    n = 5
    a = np.tril(np.ones((n, n)))
    a /= a.sum(1, keepdims=True)
    special = np.zeros(n, bool)
    st = head_stats(_acts(a[None, None], [f"t{i}" for i in range(n)], special))
    np.testing.assert_allclose(st.norm_entropy[0, 0], np.mean([0, 1, 1, 1, 1]))
    assert is_causal(a) and not is_causal(a.T)


def test_to_frame_long_form():
    st = head_stats(_acts(_pattern_maps()))
    df = st.to_frame()
    assert len(df) == 7 and {"layer", "head", "entropy", "cls", "label"} <= set(df.columns)
    assert df.loc[df["head"] == 3, "label"].item() == "prev"  # heads numbered from 1
    assert df["layer"].min() == 1


def test_drop_special_renormalises():
    a = _pattern_maps()[0, 5]
    d = drop_special(a, SPECIAL)
    assert d.shape == (5, 5)
    assert_close(d.sum(1), 1.0, ops=d.shape[1])
    np.testing.assert_allclose(d, 0.2)
    raw = drop_special(a, SPECIAL, renormalize=False)
    np.testing.assert_allclose(raw, 1 / N)
    with pytest.raises(ValueError, match="special_mask"):
        drop_special(a, SPECIAL[:-1])


def test_averages_keep_rows_stochastic():
    rng = np.random.default_rng(1)
    a = rng.dirichlet(np.ones(6), size=(3, 4, 6))
    np.testing.assert_allclose(average_heads(a), a.mean(1))
    assert_close(average_layers(a).sum(-1), 1.0, ops=a.shape[-1] * a.shape[0])


def test_validation_errors():
    with pytest.raises(ValueError, match="dimensions"):
        validate_attention(np.ones((3, 3)))
    with pytest.raises(ValueError, match="square"):
        validate_attention(np.ones((1, 1, 3, 4)) / 4)
    with pytest.raises(ValueError, match="sum to 1"):
        validate_attention(np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="negative"):
        validate_attention(np.array([[[[2.0, -1.0], [0.5, 0.5]]]]))
    with pytest.raises(ValueError, match="no attentions"):
        head_stats(Activations("x", ["a"], np.zeros(1), None, None, np.zeros(1, bool)))


def test_kv_head_index_and_punctuation():
    assert kv_head_index(4, 1).tolist() == [0, 0, 0, 0]
    assert kv_head_index(12, 12).tolist() == list(range(12))
    with pytest.raises(ValueError, match="multiple"):
        kv_head_index(4, 3)
    assert is_punctuation(".") and is_punctuation("▁,") and is_punctuation("!?")
    assert not is_punctuation("##s") and not is_punctuation("▁gato") and not is_punctuation("")

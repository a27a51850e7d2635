"""Queries/keys captured by hooks, scores -> softmax recomputed and checked against the model."""

import numpy as np
import pytest
import torch
from numerics import assert_close
from scipy.special import softmax as scipy_softmax

from vizlab.analysis.softmax import (
    attention_from_qk,
    attention_scores,
    entropy,
    softcap,
    softmax,
    top_k,
)
from vizlab.extraction.hooks import attention_modules
from vizlab.extraction.qk import apply_rotary, trace_qk
from vizlab.extraction.run import extract

LONG = "the cat sat on the mat and then the dog ran after it across the whole garden very fast"


def test_softmax_temperature_and_mask():
    z = np.array([2.0, 1.0, 0.0, -1.0])
    np.testing.assert_allclose(softmax(z), scipy_softmax(z))
    np.testing.assert_allclose(softmax(z, temperature=2.0), scipy_softmax(z / 2))
    assert entropy(softmax(z, temperature=0.5)) < entropy(softmax(z)) < entropy(softmax(z, temperature=3))
    np.testing.assert_allclose(softmax(z, temperature=1e6), 0.25, atol=1e-5)
    p = softmax(np.zeros((2, 3)), where=np.tril(np.ones((2, 3), bool)))
    np.testing.assert_allclose(p, [[1, 0, 0], [0.5, 0.5, 0]])
    np.testing.assert_allclose(entropy([0.5, 0.5, 0.0]), np.log(2))
    assert top_k(np.array([0.1, 0.5, 0.4]), 2).tolist() == [1, 2]
    with pytest.raises(ValueError, match="temperature"):
        softmax(z, temperature=0)
    with pytest.raises(ValueError, match="no allowed"):
        softmax(z, where=np.zeros(4, bool))
    np.testing.assert_allclose(softcap(np.array([100.0]), 50.0), 50 * np.tanh(2))


def test_scores_with_grouped_query_heads():
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(4, 5, 8)), rng.normal(size=(2, 5, 8))
    s = attention_scores(q, k, scaling=0.5)
    np.testing.assert_allclose(s[1], 0.5 * q[1] @ k[0].T)
    np.testing.assert_allclose(s[2], 0.5 * q[2] @ k[1].T)
    a = attention_from_qk(q, k, scaling=0.5, mask=np.tril(np.ones((5, 5), bool)))
    assert_close(a.sum(-1), 1.0, ops=a.shape[-1])
    assert np.all(np.triu(a, 1) == 0)


def test_rotary_preserves_norm_and_matches_rotation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 4))
    theta = rng.normal(size=(3, 2))
    cos, sin = np.cos(np.concatenate([theta, theta], 1)), np.sin(np.concatenate([theta, theta], 1))
    y = apply_rotary(x, cos, sin)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1))
    # pair (d, d + half) rotates by theta_d
    np.testing.assert_allclose(y[0, :, 0], x[0, :, 0] * np.cos(theta[:, 0]) - x[0, :, 2] * np.sin(theta[:, 0]))


def test_encoder_trace_matches_model_and_plain_linear_algebra(tiny_bert):
    tr = trace_qk(tiny_bert, "the cat sat on the mat", layer=2)  # the second (last) layer
    assert tr.layer == 2
    n = len(tr.tokens)
    assert tr.q.shape == (4, n, 8) and tr.k.shape == (4, n, 8) and tr.cos is None
    assert tr.mask.all() and tr.max_error() < 1e-5
    np.testing.assert_allclose(tr.attentions.sum(-1), 1.0, atol=1e-5)
    # independent: q = h W_q^T + b_q straight from the module's weights
    sa = attention_modules(tiny_bert)[1]
    W, b = sa.query.weight.detach().numpy(), sa.query.bias.detach().numpy()
    q = (tr.hidden @ W.T + b).reshape(n, 4, 8).transpose(1, 0, 2)
    np.testing.assert_allclose(tr.q, q, atol=1e-5)
    assert tr.scaling == pytest.approx(8**-0.5)


def test_decoder_trace_gqa_norms_rotary_sliding_window(tiny_decoder):
    tr = trace_qk(tiny_decoder, LONG, layer=1)
    n = len(tr.tokens)
    assert n > 16  # longer than the tiny model's sliding window
    assert tr.q.shape == (4, n, 8) and tr.k.shape == (2, n, 8)
    assert tr.kv_index.tolist() == [0, 0, 1, 1]
    assert tr.q_normed is not None and tr.cos is not None and tr.sliding_window == 16
    assert not tr.mask[n - 1, 0] and tr.mask[n - 1, n - 16] and not tr.mask[0, 1]
    assert np.all(np.triu(tr.attentions, 1) == 0)
    assert tr.max_error() < 1e-5
    # leaving out the rotary step breaks the agreement: the check is not vacuous
    wrong = attention_from_qk(tr.q_normed, tr.k_normed, scaling=tr.scaling, mask=tr.mask)
    assert np.abs(wrong - tr.attentions).max() > 1e-3


def test_trace_errors(tiny_bert):
    with pytest.raises(ValueError, match="layer"):
        trace_qk(tiny_bert, "a b", layer=5)
    with pytest.raises(ValueError, match="layer"):
        trace_qk(tiny_bert, "a b", layer=True)
    assert trace_qk(tiny_bert, "a b", layer=-1).layer == tiny_bert.n_layers
    with pytest.raises(ValueError, match="one text"):
        trace_qk(tiny_bert, ["a", "b"], layer=1)
    with pytest.raises(TypeError, match="LoadedModel"):
        trace_qk(torch.nn.Linear(2, 2), "a", layer=1)


def test_trace_layers_count_from_1_as_readers_number_them(tiny_bert):
    """issue 23: ``layer=`` is the reader's number (README's "camada 1" is the first block)."""
    first, last = trace_qk(tiny_bert, "a b", layer=1), trace_qk(tiny_bert, "a b", layer=tiny_bert.n_layers)
    (acts,) = extract(tiny_bert, ["a b"], attentions=True, hidden_states=False, cache=False)
    np.testing.assert_allclose(first.attentions, acts.attentions[0], atol=1e-6)
    np.testing.assert_allclose(last.attentions, acts.attentions[-1], atol=1e-6)
    assert (first.layer, last.layer) == (1, 2)
    for bad in (0, 3, -3):
        with pytest.raises(ValueError, match=r"from 1 to 2, or -2 to -1 counting from the end \(layers count from 1\)"):
            trace_qk(tiny_bert, "a b", layer=bad)


@pytest.mark.models
def test_real_models_recompute_their_attention(minilm, gemma):
    for lm, layers in ((minilm, (1, 6)), (gemma, (1, 6, 18))):
        for layer in layers:
            tr = trace_qk(lm, "O gato está em cima do teclado.", layer=layer)
            assert tr.max_error() < 1e-4, (lm.name, layer)
    tr = trace_qk(gemma, "O gato está em cima do teclado.", layer=6)
    assert tr.kv_index.tolist() == [0, 0, 0, 0] and tr.scaling == pytest.approx(256**-0.5)

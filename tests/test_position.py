"""Position: sinusoidal encoding, learned position vectors, rotary scores that depend only on distance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vizlab.analysis.position import (
    cosine_similarity_matrix,
    diagonal_spread,
    rotary_pair_scores,
    rotate,
    sinusoidal_encoding,
    wavelengths,
)


def test_sinusoidal_encoding_formula():
    pe = sinusoidal_encoding(50, 16)
    p, i = 7, 3
    assert pe[p, 2 * i] == pytest.approx(np.sin(p / 10000 ** (2 * i / 16)))
    assert pe[p, 2 * i + 1] == pytest.approx(np.cos(p / 10000 ** (2 * i / 16)))
    # dot products of sinusoidal vectors depend only on the distance
    s = pe @ pe.T
    assert diagonal_spread(s).max() < 1e-9
    with pytest.raises(ValueError):
        sinusoidal_encoding(4, 5)


def test_cosine_similarity_matrix():
    x = np.array([[1.0, 0], [0, 2], [3, 3]])
    s = cosine_similarity_matrix(x)
    np.testing.assert_allclose(np.diag(s), 1)
    assert s[0, 1] == pytest.approx(0) and s[0, 2] == pytest.approx(np.sqrt(0.5))


def test_rotary_scores_depend_only_on_distance():
    rng = np.random.default_rng(0)
    d, n = 16, 20
    inv = 1 / 10000 ** (np.arange(0, d, 2) / d)
    ang = np.arange(n)[:, None] * np.concatenate([inv, inv])[None]
    cos, sin = np.cos(ang), np.sin(ang)
    q, k = rng.normal(size=d), rng.normal(size=d)
    s = rotary_pair_scores(q, k, cos, sin, scaling=0.5)
    assert s[5, 2] == pytest.approx(0.5 * rotate(q, cos[5], sin[5]) @ rotate(k, cos[2], sin[2]))
    assert diagonal_spread(s).max() < 1e-12
    assert s[0, 0] == pytest.approx(0.5 * q @ k)  # position 0: no rotation
    assert s.max() - s.min() > 0.1
    np.testing.assert_allclose(wavelengths(inv)[0], 2 * np.pi)


def test_diagonal_spread():
    s = np.array([[1.0, 9, 9], [2, 1, 9], [5, 3, 4]])
    np.testing.assert_allclose(diagonal_spread(s), [3, 1, 0])
    np.testing.assert_allclose(diagonal_spread(s, max_offset=1), [3, 1])


def test_learned_positions_and_absolute_scores(tiny_bert):
    from vizlab.extraction.position import absolute_pair_scores, learned_positions

    P = learned_positions(tiny_bert, 10)
    np.testing.assert_array_equal(P, tiny_bert.model.embeddings.position_embeddings.weight[:10].detach().numpy())
    A = absolute_pair_scores(tiny_bert, "it", "cat", n_positions=6)
    assert A.shape == (4, 6, 6)
    # the same score straight from the model's first block: run "[CLS] it cat [SEP]"-free inputs by hand
    emb, att = tiny_bert.model.embeddings, tiny_bert.model.encoder.layer[0].attention.self
    ids = torch.tensor([[tiny_bert.tokenizer.convert_tokens_to_ids("it"), tiny_bert.tokenizer.convert_tokens_to_ids("cat")]])
    with torch.no_grad():
        x = emb(input_ids=ids, position_ids=torch.tensor([[4, 1]]))
        q, k = att.query(x[0, 0]), att.key(x[0, 1])
    h = 2
    expected = float(q.view(4, 8)[h] @ k.view(4, 8)[h]) / np.sqrt(8)
    assert A[h, 4, 1] == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="vocabulary"):
        absolute_pair_scores(tiny_bert, "notatokenzzz", "cat")


def test_rotary_tables_reproduce_the_model(tiny_decoder):
    from vizlab.extraction.position import rope_frequencies, rotary_tables
    from vizlab.extraction.qk import trace_qk

    text = "the cat sat on the mat because it was warm"
    tr = trace_qk(tiny_decoder, text, layer=1)  # the first layer: layer_types[0]
    lt = tiny_decoder.model.config.layer_types[0]
    cos, sin = rotary_tables(tiny_decoder, np.arange(20), layer_type=lt)
    n = len(tr.tokens)
    np.testing.assert_allclose(cos[:n], tr.cos, atol=1e-6)
    i, j = n - 1, 2
    s = rotary_pair_scores(tr.q_normed[1, i], tr.k_normed[tr.kv_index[1], j], cos, sin, scaling=tr.scaling)
    assert s[i, j] == pytest.approx(tr.scores()[1, i, j], abs=1e-5)
    assert diagonal_spread(s).max() < 1e-5 * (s.max() - s.min())
    freqs = rope_frequencies(tiny_decoder)
    assert set(freqs) <= {"sliding_attention", "full_attention"} and lt in freqs
    np.testing.assert_allclose(freqs[lt], 1 / 10000 ** (np.arange(0, 8, 2) / 8), rtol=1e-6)
    with pytest.raises(ValueError, match="rotary"):
        rope_frequencies(_bert_like(tiny_decoder))


def _bert_like(lm):
    import dataclasses

    return dataclasses.replace(lm, model=torch.nn.Linear(2, 2), kind="encoder")


def test_plot_position_sources_draws_its_data():
    from vizlab.plot.position import plot_position_sources

    sim = cosine_similarity_matrix(np.random.default_rng(0).normal(size=(8, 4)))
    grid = np.arange(36, dtype=float).reshape(6, 6)
    r = plot_position_sources(sim, sinusoidal_sim=sim * 0.5, wavelengths={"a": np.array([6.28, 60.0])},
                              absolute_scores=grid, rotary_scores=-grid, absolute_spread=np.array([0.2, 0.3]),
                              rotary_spread=np.array([1e-7, 2e-7]), lang="pt")
    np.testing.assert_allclose(r.im_.get_array(), sim)
    np.testing.assert_allclose(r.artists_["sinusoidal_im"].get_array(), sim * 0.5)
    assert r.colorbar_.vmin == -1 and r.colorbar_.vmax == 1  # both similarity panels share one scale
    rot = r.artists_["rotary_im"].get_array()
    assert rot.mask[0, 5] and not rot.mask[5, 0]  # future keys masked
    assert r.values_["absolute_range"] == (-35, 35)
    np.testing.assert_allclose(r.artists_["spread_lines"]["rotary"].get_ydata(), [1e-7, 2e-7])
    labels = [t.get_text() for t in r.colorbar_.ax.get_yticklabels()]
    assert any("," in t for t in labels)  # decimal comma

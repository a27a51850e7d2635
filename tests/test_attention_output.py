"""Attention to the end: A·V per head, concatenation and W_O rebuild the model's own attention output."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vizlab.analysis.attention_output import concat_heads, project_output, weighted_values

TEXT = "the cat sat on the keyboard because it was warm"


def test_weighted_values_by_hand():
    rng = np.random.default_rng(0)
    a = rng.dirichlet(np.ones(5), size=(4, 5))  # 4 heads, 5 tokens
    v = rng.normal(size=(2, 5, 3))              # 2 value heads (grouped-query)
    z = weighted_values(a, v)
    for h in range(4):
        for i in range(5):
            expected = sum(a[h, i, j] * v[h // 2, j] for j in range(5))
            np.testing.assert_allclose(z[h, i], expected)
    z2 = weighted_values(a, v, kv_index=[1, 1, 0, 0])
    np.testing.assert_allclose(z2[0], a[0] @ v[1])
    c = concat_heads(z)
    assert c.shape == (5, 12)
    np.testing.assert_allclose(c[:, 3:6], z[1])
    w, b = rng.normal(size=(7, 12)), rng.normal(size=7)
    np.testing.assert_allclose(project_output(c, w, b), c @ w.T + b)
    with pytest.raises(ValueError):
        weighted_values(a, rng.normal(size=(3, 5, 3)))


def _tiny(kind, tok):
    import transformers as tf

    from vizlab.extraction.models import model_from_config

    common = {"vocab_size": tok.vocab_size, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
              "num_attention_heads": 4, "max_position_embeddings": 128}
    if kind == "llama":
        cfg, causal = tf.LlamaConfig(**common, num_key_value_heads=2), True
    elif kind == "qwen2":
        cfg, causal = tf.Qwen2Config(**common, num_key_value_heads=1), True
    elif kind == "mistral":
        cfg, causal = tf.MistralConfig(**common, num_key_value_heads=2, sliding_window=4), True
    elif kind == "roberta":
        cfg, causal = tf.RobertaConfig(**{**common, "max_position_embeddings": 130}, pad_token_id=1), False
    elif kind == "electra":
        cfg, causal = tf.ElectraConfig(**common, embedding_size=32), False
    else:
        raise AssertionError(kind)
    return model_from_config(cfg, tok, name=f"tiny-{kind}", seed=1, causal=causal)


@pytest.mark.parametrize("kind", ["llama", "qwen2", "mistral", "roberta", "electra"])
def test_rebuilt_output_equals_model_other_architectures(kind, bert_tokenizer):
    from vizlab.extraction.attention_output import trace_attention_output

    lm = _tiny(kind, bert_tokenizer)
    for layer in (1, -1):
        tr = trace_attention_output(lm, TEXT, layer=layer)
        assert tr.max_error() < 1e-5, (kind, layer)
        assert np.abs(tr.reference).max() > 1e-3  # not trivially zero
        if tr.reference_concat is not None:
            assert tr.concat_error() < 1e-6


@pytest.mark.parametrize("fixture", ["tiny_bert", "tiny_decoder"])
def test_rebuilt_output_equals_model(fixture, request):
    from vizlab.extraction.attention_output import trace_attention_output

    lm = request.getfixturevalue(fixture)
    tr = trace_attention_output(lm, TEXT, layer=2)
    assert tr.max_error() < 1e-5 and tr.layer == 2
    n = len(tr.tokens)
    assert tr.weights.shape == (lm.n_heads, n, n)
    assert tr.v.shape == (lm.n_kv_heads, n, tr.head_dim)
    assert tr.concat().shape == (n, lm.n_heads * tr.head_dim)
    assert tr.reference_point == ("attention_output" if fixture == "tiny_bert" else "o_proj")
    # a wrong W_O would not match: the comparison has teeth
    bad = tr.projected() + 1e-2
    assert np.abs(bad - tr.projected()).max() > 1e-3


def test_bert_concat_equals_self_attention_output(tiny_bert):
    from vizlab.extraction.attention_output import trace_attention_output

    tr = trace_attention_output(tiny_bert, TEXT, layer=1)  # the first layer: encoder.layer[0]
    assert tr.concat_error() < 1e-6
    enc = tiny_bert.tokenizer(TEXT, return_tensors="pt")
    with torch.no_grad():
        h = tiny_bert.model.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
        att = tiny_bert.model.encoder.layer[0].attention
        expected = att(h)[0][0].numpy()
    np.testing.assert_allclose(tr.reconstructed(), expected, atol=1e-5)


def test_bad_input(tiny_bert):
    from vizlab.extraction.attention_output import trace_attention_output

    for bad in (0, 3):
        with pytest.raises(ValueError, match="from 1 to 2"):
            trace_attention_output(tiny_bert, TEXT, layer=bad)
    with pytest.raises(ValueError, match="empty"):
        trace_attention_output(tiny_bert, "", layer=1)
    with pytest.raises(TypeError):
        trace_attention_output("minilm", TEXT, layer=1)


@pytest.mark.models
def test_rebuilt_output_equals_real_models(minilm, gemma):
    from vizlab.extraction.attention_output import trace_attention_output

    tr = trace_attention_output(minilm, "The cat sat on the keyboard because it was warm.", layer=3)
    assert tr.max_error() < 1e-4 and tr.concat_error() < 1e-5
    g = trace_attention_output(gemma, "O gato sentou no teclado porque ele estava quente.", layer=6)
    assert g.max_error() < 1e-3 * np.abs(g.reference).max()
    assert g.n_heads == 4 and g.v.shape[0] == 1  # four query heads share one value head


def test_plot_attention_output_draws_the_pieces():
    from vizlab.plot.attention_output import plot_attention_output

    rng = np.random.default_rng(0)
    n, d, H, hid = 4, 3, 2, 5
    a = rng.dirichlet(np.ones(n), size=(H, n))
    v = rng.normal(size=(H, n, d))
    z = weighted_values(a, v)
    c = concat_heads(z)
    w = rng.normal(size=(hid, H * d))
    out = project_output(c, w)
    r = plot_attention_output(a[1], v=v[1], z=z[1], concat=c, w_o=w, rebuilt=out, reference=out + 2e-6, head=2,
                              tokens=list("abcd"), lang="pt")
    np.testing.assert_allclose(r.im_.get_array(), a[1])
    np.testing.assert_allclose(r.artists_["z_im"].get_array(), z[1])
    np.testing.assert_allclose(r.artists_["concat_im"].get_array(), c)
    assert r.artists_["head_box"].get_x() == pytest.approx(d - 0.5)  # head 2's columns outlined
    assert r.values_["max_error"] == pytest.approx(2e-6)
    assert r.values_["error_text"] == "2 × 10⁻⁶"
    assert "2 × 10⁻⁶" in r.axes_["check"].get_title()
    with pytest.raises(ValueError, match="head must be a number from 1 to 2"):
        plot_attention_output(a[1], v=v[1], z=z[1], concat=c, w_o=w, rebuilt=out, reference=out, head=3,
                              tokens=list("abcd"))
    assert r.axes_["concat"].get_title() == "(4) as 2 cabeças lado a lado [Z₁ | … | Z₂]\ncontorno: a cabeça 2"
    assert r.axes_["concat"].get_xlabel() == "cabeça (3 dimensões cada)"
    # V, Z and the concatenation share one colour scale
    assert r.artists_["v_im"].norm.vmin == r.artists_["z_im"].norm.vmin == r.artists_["concat_im"].norm.vmin

"""Logit lens: the math on arrays, and the extraction checked against plain forward passes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vizlab.analysis.lens import lens_from_logits, log_softmax, top_k_rows
from vizlab.extraction.lm import lens_logits, logit_lens


def test_log_softmax_matches_scipy():
    from scipy.special import logsumexp

    z = np.random.default_rng(0).normal(size=(3, 7)) * 30
    assert np.allclose(log_softmax(z), z - logsumexp(z, axis=-1, keepdims=True))


def test_top_k_rows_matches_argsort():
    s = np.random.default_rng(1).normal(size=(4, 5, 50))
    idx, val = top_k_rows(s, 6)
    ref = np.argsort(-s, axis=-1)[..., :6]
    assert np.array_equal(idx, ref) and np.array_equal(val, np.take_along_axis(s, ref, -1))
    with pytest.raises(ValueError):
        top_k_rows(s, 51)


def test_lens_from_logits_values():
    z = np.random.default_rng(2).normal(size=(3, 4, 30)) * 3
    r = lens_from_logits(z, k=3)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    assert np.array_equal(r["final_ids"], z[-1].argmax(-1))
    assert np.allclose(r["final_prob"][-1], p[-1].max(-1), atol=1e-6)
    assert np.allclose(r["top_probs"][..., 0], p.max(-1), atol=1e-6)
    assert (np.diff(r["top_probs"], axis=-1) <= 0).all()
    assert np.allclose(r["entropy"], -(p * np.log2(p)).sum(-1), atol=1e-5)


def _manual_lens(lm, prompt):
    """Independent computation: plain forward, hooks on each decoder layer's output."""
    body = lm.model.model
    enc = lm.tokenizer(prompt, return_tensors="pt")
    outs = []
    hooks = [layer.register_forward_hook(lambda m, a, o: outs.append(o[0] if isinstance(o, tuple) else o))
             for layer in body.layers]
    with torch.no_grad():
        emb = body.embed_tokens(enc["input_ids"])
        ref = lm.model(**enc).logits[0]
        states = [emb] + outs
        rows = [lm.model.lm_head(body.norm(h))[0] for h in states]
    for h in hooks:
        h.remove()
    cap = lm.model.config.final_logit_softcapping
    rows = torch.stack(rows)
    if cap:
        rows = cap * torch.tanh(rows / cap)
    return rows.numpy(), ref.numpy()


def test_lens_matches_manual_computation_and_model_logits(tiny_decoder):
    tokens, logits, model_logits = lens_logits(tiny_decoder, "the cat sat on the mat")
    manual, ref = _manual_lens(tiny_decoder, "the cat sat on the mat")
    assert logits.shape == (tiny_decoder.n_layers + 1, len(tokens), tiny_decoder.model.config.vocab_size)
    assert np.allclose(logits, manual, atol=1e-4)
    assert np.allclose(logits[-1], ref, atol=1e-4) and np.allclose(model_logits, ref, atol=1e-5)


@pytest.fixture(scope="module")
def capped_decoder(bert_tokenizer):
    from transformers import Gemma3TextConfig

    from vizlab.extraction.models import model_from_config

    cfg = Gemma3TextConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                           max_position_embeddings=128, sliding_window=16, final_logit_softcapping=0.5,
                           pad_token_id=bert_tokenizer.pad_token_id)
    return model_from_config(cfg, bert_tokenizer, name="capped", seed=1, causal=True)


def test_lens_applies_soft_capping(capped_decoder):
    _, logits, model_logits = lens_logits(capped_decoder, "a short prompt")
    assert np.abs(logits).max() <= 0.5 + 1e-6  # capped
    assert np.allclose(logits[-1], model_logits, atol=1e-5)
    assert np.allclose(logits, _manual_lens(capped_decoder, "a short prompt")[0], atol=1e-5)


def test_logit_lens_container(tiny_decoder):
    L = logit_lens(tiny_decoder, "the cat sat", k=3)
    n = len(L.tokens)
    assert L.top_ids.shape == L.top_probs.shape == L.top_tokens.shape == (3, n, 3)
    assert np.array_equal(L.top_ids[-1, :, 0], L.final_ids)
    assert np.allclose(L.final_prob[-1], L.top_probs[-1, :, 0])
    assert L.top_tokens[0, 0, 0] == tiny_decoder.tokenizer.decode([int(L.top_ids[0, 0, 0])])
    df = L.to_frame()
    assert len(df) == 3 * n and set(df.layer) == {0, 1, 2}


def test_logit_lens_needs_a_decoder(tiny_bert):
    with pytest.raises(ValueError, match="language-model head"):
        logit_lens(tiny_bert, "hello")


@pytest.mark.models
def test_gemma_lens_reproduces_model_distribution(gemma):
    from vizlab.analysis.softmax import softmax
    from vizlab.extraction.lm import next_token_logits

    prompt = "O gato está em cima do"
    _, logits, _ = lens_logits(gemma, prompt)
    ref = next_token_logits(gemma, prompt)[0]
    assert np.allclose(logits[-1, -1], ref, rtol=1e-4, atol=1e-3)
    assert np.abs(softmax(logits[-1, -1]) - softmax(ref)).max() < 1e-5
    L = logit_lens(gemma, prompt)
    assert L.final_ids[-1] == int(np.argmax(ref)) and L.top_probs.shape[0] == gemma.n_layers + 1

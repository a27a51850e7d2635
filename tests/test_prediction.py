"""Next-word and fill-in-the-blank scores, checked against plain forward passes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vizlab.extraction.lm import fill_blank, is_masked_lm, token_logprobs


def _plain_logprobs(lm, text):
    enc = lm.tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        lp = torch.log_softmax(lm.model(**enc).logits[0].double(), -1)
    ids = enc["input_ids"][0]
    return lp[:-1].gather(1, ids[1:, None])[:, 0].numpy()


def test_token_logprobs_match_forward_pass(tiny_decoder):
    tokens, lp, off = token_logprobs(tiny_decoder, "the cat sat on the mat")
    assert np.isnan(lp[0]) and len(tokens) == len(lp) == len(off)
    assert np.allclose(lp[1:], _plain_logprobs(tiny_decoder, "the cat sat on the mat"), atol=1e-5)


def test_fill_blank_decoder_scores_whole_sentence(tiny_decoder):
    fb = fill_blank(tiny_decoder, "the cat sat on the ___ today .", candidates=["mat", "table", "dog"])
    assert fb.method == "decoder-rescoring" and fb.candidates == ["mat", "table", "dog"]
    for c, s, left in zip(fb.candidates, fb.scores, fb.left_logprob):
        sent = _plain_logprobs(tiny_decoder, f"the cat sat on the {c} today .")
        assert s == pytest.approx(sent.sum(), abs=1e-4)
        # [CLS] the cat sat on the -> candidate token is the 7th token, predicted by position 5
        n_prefix = len(tiny_decoder.tokenizer("the cat sat on the")["input_ids"]) - 1  # minus [SEP]
        n_cand = len(tiny_decoder.tokenizer(c, add_special_tokens=False)["input_ids"])
        assert left == pytest.approx(sent[n_prefix - 1 : n_prefix - 1 + n_cand].sum(), abs=1e-4)
    assert np.isclose(fb.probs.sum(), 1) and np.isclose(fb.left_probs.sum(), 1)
    assert np.argmax(fb.probs) == np.argmax(fb.scores)


def test_fill_blank_proposes_words(tiny_decoder):
    fb = fill_blank(tiny_decoder, "the cat sat on the ___ .", k=4)
    assert 2 <= len(fb.candidates) <= 4 and all(c.isalpha() for c in fb.candidates)


@pytest.fixture(scope="module")
def tiny_mlm(bert_tokenizer):
    from transformers import BertConfig, BertForMaskedLM

    from vizlab.extraction.models import wrap_model

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
    return wrap_model(BertForMaskedLM(cfg).eval(), bert_tokenizer, name="tiny-mlm")


def test_fill_blank_with_a_masked_lm(tiny_mlm):
    assert is_masked_lm(tiny_mlm)
    fb = fill_blank(tiny_mlm, "the cat sat on the ___ today.", candidates=["mat", "table"])
    assert fb.method == "masked-lm" and fb.left_logprob is None and fb.left_probs is None
    tok = tiny_mlm.tokenizer
    enc = tok("the cat sat on the [MASK] today.", return_tensors="pt")
    with torch.no_grad():
        lp = torch.log_softmax(tiny_mlm.model(**enc).logits[0].double(), -1)
    pos = int((enc["input_ids"][0] == tok.mask_token_id).nonzero()[0, 0])
    for c, s in zip(fb.candidates, fb.scores):
        assert s == pytest.approx(float(lp[pos, tok.convert_tokens_to_ids(c)]), abs=1e-5)
    proposed = fill_blank(tiny_mlm, "the cat sat on the ___ today.", k=3)
    assert len(proposed.candidates) <= 3 and not any(c.startswith("##") for c in proposed.candidates)


def test_fill_blank_errors(tiny_decoder, tiny_bert):
    with pytest.raises(ValueError, match="exactly once"):
        fill_blank(tiny_decoder, "no blank here")
    with pytest.raises(ValueError, match="exactly once"):
        fill_blank(tiny_decoder, "two ___ and ___")
    with pytest.raises(ValueError, match="duplicates"):
        fill_blank(tiny_decoder, "a ___ b", candidates=["x", "x"])
    with pytest.raises(TypeError):
        fill_blank(tiny_decoder, "a ___ b", candidates="xy")
    with pytest.raises(ValueError, match="language-model head"):
        fill_blank(tiny_bert, "a ___ b", candidates=["x", "y"])
    with pytest.raises(ValueError, match="before the blank"):
        fill_blank(tiny_decoder, "___ is here", candidates=["x", "y"])


@pytest.mark.models
def test_gemma_prefers_the_word_that_fits_the_right_context(gemma):
    fb = fill_blank(gemma, "Fui ao ___ para sacar dinheiro.", candidates=["cinema", "banco"])
    assert fb.candidates[int(np.argmax(fb.probs))] == "banco"

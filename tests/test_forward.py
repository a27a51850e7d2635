"""The forward-pass entry: tokenise (one truncation warning), place, run without gradients, capture."""

from __future__ import annotations

import warnings

import pytest
import torch

from vizlab.extraction.batching import TruncationWarning, base_model, model_inputs, tokenize_batch
from vizlab.extraction.forward import encode, no_grad, run
from vizlab.extraction.hooks import capture

TEXTS = ["the cat sat on the mat", "o gato dormiu", "a much longer text about a bank by the river and money"]


def _n_hooks(lm) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in lm.model.modules())


def test_encode_right_pads_like_the_tokenizer_and_keeps_the_text_order(tiny_bert):
    enc = encode(tiny_bert, TEXTS)
    direct = tokenize_batch(tiny_bert, TEXTS)
    for key in ("input_ids", "attention_mask", "special_tokens_mask", "token_type_ids"):
        assert torch.equal(enc[key], direct[key]), key
    assert enc["attention_mask"][:, -1].tolist() == [0, 0, 1]  # right padding, input order
    pairs = encode(tiny_bert, [("one", "two three"), ("x", "y")])
    assert torch.equal(pairs["token_type_ids"], tokenize_batch(tiny_bert, [("one", "two three"), ("x", "y")])["token_type_ids"])
    with pytest.raises(ValueError, match="mix of single texts and sentence pairs"):
        encode(tiny_bert, ["a", ("b", "c")])
    with pytest.raises(ValueError, match="padding must be"):
        encode(tiny_bert, "a", padding="left")


def test_encode_offsets_and_max_length_padding(tiny_bert):
    enc = encode(tiny_bert, ["the cat", "the cat sat"], offsets=True)
    off = enc["offset_mapping"]
    assert off.dtype == torch.long and off.shape == (*enc["input_ids"].shape, 2)
    assert off[0].tolist() == [[0, 0], [0, 3], [4, 7], [0, 0], [0, 0]]  # [CLS] the cat [SEP] <pad>
    full = encode(tiny_bert, ["the cat"], max_length=10, padding="max_length")
    assert full["input_ids"].shape == (1, 10) and int(full["attention_mask"].sum()) == 4


def test_one_truncation_warning_for_a_batch(tiny_bert):
    long = " ".join(["word"] * 100)
    with pytest.warns(TruncationWarning) as caught:
        enc = encode(tiny_bert, ["short", long, long])
    assert len(caught) == 1 and caught[0].message.indices == (1, 2)
    assert str(caught[0].message).startswith("2 of 3 texts are longer than the limit of 64 tokens")
    assert enc["input_ids"].shape == (3, 64)
    with pytest.warns(TruncationWarning, match="truncated to 5 tokens"):
        out, _ = run(tiny_bert, long, max_length=5)
    assert out.last_hidden_state.shape[1] == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(tiny_bert, "short")  # nothing to say


def test_run_equals_a_plain_forward_pass_without_gradients(tiny_bert, tiny_decoder):
    for lm in (tiny_bert, tiny_decoder):
        enc = tokenize_batch(lm, TEXTS)
        with torch.no_grad():
            plain = base_model(lm)(**model_inputs(lm, enc), output_hidden_states=True, output_attentions=True)
        out, cache = run(lm, TEXTS, head=False, output_hidden_states=True, output_attentions=True)
        assert not cache.outputs and not cache.args
        for a, b in zip(plain.hidden_states + plain.attentions, out.hidden_states + out.attentions):
            assert torch.equal(a, b)
        assert out.last_hidden_state.is_inference() and not out.last_hidden_state.requires_grad
    logits, _ = run(tiny_decoder, "the cat")
    assert logits.logits.shape[-1] == tiny_decoder.model.config.vocab_size  # head=True: the LM head


def test_run_captures_named_hook_points_and_removes_the_hooks(tiny_bert, tiny_decoder):
    before = _n_hooks(tiny_bert)
    out, cache = run(tiny_bert, TEXTS[0], names=["blocks.0"], inputs=lambda n: n == "blocks.1.attn",
                     output_hidden_states=True)
    assert _n_hooks(tiny_bert) == before
    assert torch.equal(cache.output("blocks.0"), out.hidden_states[1])
    assert cache.calls == {"blocks.0": 1, "blocks.1.attn": 1} and cache.input("blocks.1.attn").shape[-1] == 32
    with capture(tiny_decoder, inputs=["final_norm"]) as direct, torch.no_grad():
        tiny_decoder.model(**model_inputs(tiny_decoder, tokenize_batch(tiny_decoder, ["the cat"])))
    _, cache = run(tiny_decoder, "the cat", inputs=["final_norm"])
    assert torch.equal(cache.input("final_norm"), direct.input("final_norm"))
    with pytest.raises(KeyError, match="no hook point 'blocks.9'"):
        run(tiny_bert, "a", names=["blocks.9"])
    assert _n_hooks(tiny_bert) == before


def test_run_takes_an_encoding_or_another_module(tiny_bert, tiny_clf):
    enc = encode(tiny_bert, TEXTS)
    a, _ = run(tiny_bert, enc)
    b, _ = run(tiny_bert, {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
                           "token_type_ids": enc["token_type_ids"]})
    assert torch.equal(a.last_hidden_state, b.last_hidden_state)
    with pytest.raises(ValueError, match="already tokenised"):
        run(tiny_bert, enc, max_length=4)
    logits, _ = run(tiny_bert, enc, module=tiny_clf.model)
    with no_grad():
        direct = tiny_clf.model(**model_inputs(tiny_bert, enc)).logits
    assert torch.equal(logits.logits, direct)
    with pytest.raises(ValueError, match="cannot be captured in another module"):
        run(tiny_bert, enc, module=tiny_clf.model, names=["blocks.0"])


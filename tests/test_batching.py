"""Batching: text checks, length-sorted batches, dynamic right padding, model inputs (tiny models)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vizlab.extraction.batching import (
    LengthGroupedBatches,
    TruncationWarning,
    base_model,
    encode_texts,
    length_limit,
    model_inputs,
    one_text,
    pad_batch,
    plan_batches,
    tokenize_batch,
    validate_texts,
)

TEXTS = ["a b c d e f g h", "a", "a b c", ("one", "two three"), "a b c d e", ("x", "y"), "a b"]


def test_one_text_takes_one_text_or_pair():
    assert one_text("hi", caller="f") == ["hi"]
    assert one_text(("a", "b"), caller="f") == [("a", "b")]
    with pytest.raises(ValueError, match="f takes one text, got 2"):
        one_text(["a", "b"], caller="f")
    with pytest.raises(ValueError, match="empty"):
        one_text(" ", caller="f")


def test_validate_texts_wraps_single_inputs_and_rejects_bad_ones():
    assert validate_texts("hi") == ["hi"]
    assert validate_texts(("a", "b")) == [("a", "b")]
    assert validate_texts(iter(["a", "b"])) == ["a", "b"]
    with pytest.raises(ValueError, match="empty"):
        validate_texts([])
    with pytest.raises(ValueError, match=r"texts\[1\] is empty"):
        validate_texts(["ok", "  "])
    with pytest.raises(TypeError, match="not str"):
        validate_texts(["ok", 3])
    with pytest.raises(ValueError, match="tuple of 3"):
        validate_texts([("a", "b", "c")])
    with pytest.raises(TypeError):
        validate_texts(None)


def test_plan_sorts_by_length_keeps_pairs_apart_and_covers_every_text(tiny_bert):
    plan = plan_batches(tiny_bert, TEXTS, max_length=None, batch_size=2)
    flat = [i for b in plan.batches for i in b]
    assert sorted(flat) == list(range(len(TEXTS)))
    assert all(len(b) <= 2 for b in plan.batches)
    lengths = [len(f["input_ids"]) for f in plan.features]
    singles = [i for i in flat if not isinstance(TEXTS[i], tuple)]
    assert [lengths[i] for i in singles] == sorted(lengths[i] for i in singles)  # shortest first
    for b in plan.batches:
        assert len({isinstance(TEXTS[i], tuple) for i in b}) == 1
    assert plan.truncated == [False] * len(TEXTS)
    feats, batches, truncated = plan  # a named tuple
    assert feats is plan.features


def test_truncation_is_planned_and_warned(tiny_bert):
    with pytest.warns(TruncationWarning, match=r"1 of 2 texts is longer than the limit of 5 tokens and was "
                      r"truncated to 5 tokens: texts\[0\] has 10 tokens$") as caught:
        plan = plan_batches(tiny_bert, TEXTS[:2], max_length=5, batch_size=4)
    assert len(caught) == 1 and caught[0].message.indices == (0,) and caught[0].message.lengths == (10,)
    assert plan.truncated == [True, False]
    assert len(plan.features[0]["input_ids"]) == 5
    feats, lengths = encode_texts(tiny_bert, TEXTS[:2], 5)
    assert lengths == [10, 3]  # before truncation, [CLS] and [SEP] included
    assert length_limit(tiny_bert, None) == tiny_bert.max_length == 64
    assert length_limit(tiny_bert, 1000) == 64 and length_limit(tiny_bert, 5) == 5


def test_pad_batch_right_pads_to_the_longest_and_restores_the_padding_side(tiny_bert):
    tok = tiny_bert.tokenizer
    feats, _ = encode_texts(tiny_bert, ["a", "a b c"], 64)
    old = tok.padding_side
    tok.padding_side = "left"
    try:
        enc = pad_batch(tiny_bert, feats)
        assert tok.padding_side == "left"
    finally:
        tok.padding_side = old
    assert enc["input_ids"].shape == (2, 5)
    np.testing.assert_array_equal(enc["attention_mask"].numpy(), [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    assert enc["input_ids"][0, -1] == tok.pad_token_id
    # the same as tokenizing the batch in one call
    direct = tokenize_batch(tiny_bert, ["a", "a b c"])
    for key in ("input_ids", "attention_mask", "token_type_ids", "special_tokens_mask"):
        torch.testing.assert_close(enc[key], direct[key])


def test_model_inputs_keep_only_what_forward_takes(tiny_bert):
    enc = tokenize_batch(tiny_bert, ["a b", "c"])
    inputs = model_inputs(tiny_bert, enc)
    assert set(inputs) == {"input_ids", "attention_mask", "token_type_ids"}
    out = base_model(tiny_bert)(**inputs)
    assert out.last_hidden_state.shape == (2, 4, tiny_bert.hidden_size)
    with pytest.raises(ValueError, match="mix"):
        tokenize_batch(tiny_bert, ["a", ("b", "c")])


def test_base_model_is_the_body_without_head(tiny_bert, tiny_decoder):
    assert base_model(tiny_bert) is tiny_bert.model
    assert base_model(tiny_decoder) is tiny_decoder.model.model


def test_length_grouped_batches_cover_every_text_once_per_epoch():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 60, size=103).tolist()
    sampler = LengthGroupedBatches(lengths, 8, torch.Generator().manual_seed(0), group=4)
    e1, e2 = list(sampler), list(sampler)
    assert len(e1) == len(sampler) == 13
    for epoch in (e1, e2):
        flat = sorted(i for b in epoch for i in b)
        assert flat == list(range(103))
        assert all(len(b) <= 8 for b in epoch)
    assert e1 != e2  # reshuffled each epoch
    spread = np.mean([np.ptp([lengths[i] for i in b]) for b in e1])
    plain = LengthGroupedBatches(lengths, 8, torch.Generator().manual_seed(0), grouped=False)
    assert spread < np.mean([np.ptp([lengths[i] for i in b]) for b in plain]) / 2  # much less padding
    state = torch.random.get_rng_state()
    list(LengthGroupedBatches(lengths, 8, torch.Generator().manual_seed(1)))
    assert torch.equal(torch.random.get_rng_state(), state)  # only its own generator


def test_truncation_is_one_warning_for_the_whole_call(tiny_bert):
    texts = [" ".join(["w"] * n) for n in (9, 1, 12, 2, 20, 30, 40, 50, 60)]
    with pytest.warns(TruncationWarning) as caught:
        plan = plan_batches(tiny_bert, texts, max_length=6, batch_size=2)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith("7 of 9 texts are longer than the limit of 6 tokens and were truncated to 6 tokens: "
                          "texts[0] has 11 tokens, texts[2] has 14 tokens")
    assert msg.endswith("and 2 more")
    assert caught[0].message.indices == (0, 2, 4, 5, 6, 7, 8) and sum(plan.truncated) == 7

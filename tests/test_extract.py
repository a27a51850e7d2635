"""Extraction: fidelity to a plain forward pass, padding/batch invariance, input validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vizlab
from vizlab.cache import ArrayCache
from vizlab.extraction.batching import base_model

TEXTS = [
    "O gato está em cima do teclado.",
    "Short one.",
    "A considerably longer sentence, with punctuation; and emoji 😀 and accents: ação, pão, você.",
    "مرحبا بالعالم",  # right-to-left script
    "literal [SEP] and [CLS] strings",
]


def _plain(lm, text, pair=None):
    enc = lm.tokenizer(text, pair, return_tensors="pt")
    with torch.inference_mode():
        out = base_model(lm)(**{k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")},
                             output_hidden_states=True, output_attentions=True)
    hs = torch.stack(out.hidden_states)[:, 0].numpy()
    at = torch.stack(out.attentions)[:, 0].numpy()
    return enc["input_ids"][0].numpy(), hs, at


@pytest.mark.parametrize("fixture", ["tiny_bert", "tiny_decoder"])
def test_matches_plain_forward_pass(fixture, request):
    lm = request.getfixturevalue(fixture)
    acts = vizlab.extract(lm, TEXTS, attentions=True, batch_size=3, cache=False)
    assert len(acts) == len(TEXTS)
    for text, a in zip(TEXTS, acts):
        ids, hs, at = _plain(lm, text)
        np.testing.assert_array_equal(a.input_ids, ids)
        assert a.tokens == lm.tokenizer.convert_ids_to_tokens(ids.tolist())
        assert a.hidden_states.shape == (lm.n_layers + 1, len(ids), lm.hidden_size)
        assert a.attentions.shape == (lm.n_layers, lm.n_heads, len(ids), len(ids))
        np.testing.assert_allclose(a.hidden_states, hs, atol=1e-4)
        np.testing.assert_allclose(a.attentions, at, atol=1e-5)
        np.testing.assert_allclose(a.attentions.sum(-1), 1.0, atol=1e-5)


def test_decoder_attention_is_causal(tiny_decoder):
    (a,) = vizlab.extract(tiny_decoder, ["one two three four five"], attentions=True, cache=False)
    upper = np.triu(np.ones(a.attentions.shape[-2:], dtype=bool), k=1)
    assert np.all(a.attentions[..., upper] == 0)


@pytest.mark.parametrize("fixture", ["tiny_bert", "tiny_decoder"])
def test_batch_size_and_neighbours_do_not_leak(fixture, request):
    lm = request.getfixturevalue(fixture)
    alone = [vizlab.extract(lm, [t], attentions=True, cache=False)[0] for t in TEXTS]
    for bs in (1, 2, 5):
        together = vizlab.extract(lm, TEXTS, attentions=True, batch_size=bs, cache=False)
        for x, y in zip(alone, together):
            np.testing.assert_allclose(x.hidden_states, y.hidden_states, atol=1e-5)
            np.testing.assert_allclose(x.attentions, y.attentions, atol=1e-6)


def test_sentence_pairs_keep_token_types(tiny_bert):
    (a, b) = vizlab.extract(tiny_bert, [("The cat sat.", "It was tired."), "single"], cache=False)
    assert a.tokens[0] == "[CLS]" and a.tokens.count("[SEP]") == 2
    sep = a.tokens.index("[SEP]")
    assert set(a.token_type_ids[: sep + 1]) == {0} and set(a.token_type_ids[sep + 1 :]) == {1}
    ids, hs, _ = _plain(tiny_bert, "The cat sat.", "It was tired.")
    np.testing.assert_allclose(a.hidden_states, hs, atol=1e-4)
    assert a.special_mask[0] and a.special_mask[-1] and not a.special_mask[1]
    assert b.tokens[-1] == "[SEP]"


def test_layers_selection(tiny_bert):
    full = vizlab.extract(tiny_bert, ["hello world"], attentions=True, cache=False)[0]
    sub = vizlab.extract(tiny_bert, ["hello world"], attentions=True, layers=[0, -1], cache=False)[0]
    assert sub.hidden_layers == (0, 2) and sub.attention_layers == (1,)
    np.testing.assert_allclose(sub.hidden_states, full.hidden_states[[0, 2]])
    np.testing.assert_allclose(sub.attentions, full.attentions[[1]])


def test_embed_pooling_matches_direct_formula(tiny_bert):
    texts = ["a b c", "a much longer text than the first one"]
    X = vizlab.embed(tiny_bert, texts, pooling="mean", batch_size=2, cache=False)
    C = vizlab.embed(tiny_bert, texts, pooling="cls", cache=False)
    acts = vizlab.extract(tiny_bert, texts, cache=False)
    for i, a in enumerate(acts):
        np.testing.assert_allclose(X[i], a.hidden_states[-1].mean(0), atol=1e-5)
        np.testing.assert_allclose(C[i], a.hidden_states[-1][0], atol=1e-5)
    H = vizlab.embed_layers(tiny_bert, texts, cache=False)
    assert H.shape == (3, 2, 32)
    np.testing.assert_allclose(H[-1], X, atol=1e-6)
    L = vizlab.embed(tiny_bert, texts, layer=1, pooling="last", cache=False)
    np.testing.assert_allclose(L[1], acts[1].hidden_states[1][-1], atol=1e-5)


def test_truncation_warns_and_names_the_text(tiny_bert):
    long = " ".join(["word"] * 200)
    with pytest.warns(UserWarning, match=r"texts\[1\] has \d+ tokens"):
        acts = vizlab.extract(tiny_bert, ["short", long], cache=False)
    assert acts[1].truncated and acts[1].n_tokens == 64 and not acts[0].truncated
    with pytest.warns(UserWarning, match="truncated to 8"):
        acts = vizlab.extract(tiny_bert, ["one two three four five six seven eight nine"], max_length=8, cache=False)
    assert acts[0].n_tokens == 8


@pytest.mark.parametrize(
    "texts, exc, match",
    [
        ([], ValueError, "empty"),
        (["ok", "   "], ValueError, r"texts\[1\] is empty or whitespace"),
        (["ok", 3], TypeError, r"texts\[1\] is int"),
        (None, TypeError, "list of strings"),
        ([("a", "b", "c")], ValueError, "sentence pair"),
    ],
)
def test_bad_texts(tiny_bert, texts, exc, match):
    with pytest.raises(exc, match=match):
        vizlab.extract(tiny_bert, texts, cache=False)


def test_bad_options(tiny_bert, tiny_decoder):
    with pytest.raises(ValueError, match="out of range"):
        vizlab.extract(tiny_bert, ["x"], layers=[7], cache=False)
    with pytest.raises(ValueError, match="batch_size"):
        vizlab.extract(tiny_bert, ["x"], batch_size=0, cache=False)
    with pytest.raises(ValueError, match="decoder"):
        vizlab.extract(tiny_decoder, [("a", "b")], cache=False)
    with pytest.raises(ValueError, match="pooling='cls'"):
        vizlab.embed(tiny_decoder, ["a"], pooling="cls", cache=False)
    with pytest.raises(ValueError, match="unknown pooling"):
        vizlab.embed(tiny_bert, ["a"], pooling="sum", cache=False)
    with pytest.raises(TypeError, match="LoadedModel"):
        vizlab.extract("minilm", ["a"])


def test_cache_round_trip_and_hits(tiny_bert, tmp_path):
    store = ArrayCache("extract", root=tmp_path)
    first = vizlab.extract(tiny_bert, TEXTS, attentions=True, cache=store)
    second = vizlab.extract(tiny_bert, TEXTS, attentions=True, cache=store)
    assert (store.misses, store.hits) == (1, 1)
    for x, y in zip(first, second):
        assert x.tokens == y.tokens
        np.testing.assert_array_equal(x.hidden_states, y.hidden_states)
        np.testing.assert_array_equal(x.attentions, y.attentions)
    estore = ArrayCache("embed", root=tmp_path)
    e1 = vizlab.embed(tiny_bert, TEXTS, cache=estore)
    e2 = vizlab.embed(tiny_bert, TEXTS, cache=estore)
    np.testing.assert_array_equal(e1, e2)
    assert estore.hits == 1


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_corrupt_cache_entry_is_recomputed(tiny_bert, tmp_path, damage):
    store = ArrayCache("extract", root=tmp_path)
    good = vizlab.extract(tiny_bert, TEXTS[:2], attentions=True, cache=store)
    (entry,) = list(tmp_path.rglob("*.npz"))
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"not a zip at all")
    else:  # flip bytes in the middle of the stored arrays (CRC must catch it)
        mid = len(data) // 2
        entry.write_bytes(data[:mid] + bytes(b ^ 0xFF for b in data[mid : mid + 16]) + data[mid + 16 :])
    with pytest.warns(RuntimeWarning, match="corrupt"):
        again = vizlab.extract(tiny_bert, TEXTS[:2], attentions=True, cache=store)
    for x, y in zip(good, again):
        np.testing.assert_allclose(x.attentions, y.attentions)
    assert entry.exists()  # rewritten


def test_unwritable_cache_falls_back(tiny_bert, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.warns(RuntimeWarning, match="not writable"):
        store = ArrayCache("extract", root=blocker)
    assert not store.enabled
    acts = vizlab.extract(tiny_bert, ["still works"], cache=store)
    assert acts[0].n_tokens > 0


def test_activations_to_frame(tiny_bert):
    (a,) = vizlab.extract(tiny_bert, ["hi there"], attentions=True, cache=False)
    df = a.to_frame()
    n = a.n_tokens
    assert len(df) == 2 * 4 * n * n
    assert set(df.columns) >= {"layer", "head", "query_token", "key_token", "weight"}
    np.testing.assert_allclose(df.groupby(["layer", "head", "query"]).weight.sum(), 1, atol=1e-5)


@pytest.mark.models
def test_minilm_fidelity_and_batch_invariance(minilm):
    acts = vizlab.extract(minilm, TEXTS, attentions=True, batch_size=2, cache=False)
    for text, a in zip(TEXTS, acts):
        ids, hs, at = _plain(minilm, text)
        np.testing.assert_array_equal(a.input_ids, ids)
        np.testing.assert_allclose(a.hidden_states, hs, atol=1e-4)
        np.testing.assert_allclose(a.attentions, at, atol=1e-5)
    assert acts[0].hidden_states.shape[0] == 7 and acts[0].attentions.shape[:2] == (6, 12)
    single = vizlab.extract(minilm, [TEXTS[2]], attentions=True, cache=False)[0]
    np.testing.assert_allclose(single.attentions, acts[2].attentions, atol=1e-5)


@pytest.mark.models
def test_gemma_fidelity_and_causality(gemma):
    texts = ["O gato está em cima do", "Olá! Tudo bem com você? 😀"]
    acts = vizlab.extract(gemma, texts, attentions=True, batch_size=2, cache=False)
    for text, a in zip(texts, acts):
        ids, hs, at = _plain(gemma, text)
        np.testing.assert_array_equal(a.input_ids, ids)
        np.testing.assert_allclose(a.attentions, at, atol=1e-5)
        # float32 matmuls of a padded batch differ from a single text only by rounding
        scale = np.abs(hs).max(axis=(1, 2), keepdims=True)
        assert np.max(np.abs(a.hidden_states - hs) / scale) < 1e-4
        assert a.attentions.shape[:2] == (18, 4)
        upper = np.triu(np.ones(a.attentions.shape[-2:], dtype=bool), k=1)
        assert np.all(a.attentions[..., upper] == 0)
    assert acts[0].tokens[0] == "<bos>" and acts[0].special_mask[0]

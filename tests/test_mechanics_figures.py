"""Pipeline, padding, masks and attribution figures: recipes checked against independent computations,
plots checked by what they drew."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numerics import assert_close

LABELS = ("negative", "neutral", "positive")  # the labels of the tiny_clf fixture (conftest)
TEXT = "I love this movie, but the ending was terrible!"


# ------------------------------------------------------------------------------------------ pipeline


def test_classify_steps_equal_transformers_pipeline(tiny_clf):
    from vizlab.extraction.pipeline import classify_steps, pipeline_probabilities

    st = classify_steps(tiny_clf, TEXT)
    ref = pipeline_probabilities(tiny_clf, TEXT)
    assert set(ref) == set(LABELS)
    np.testing.assert_allclose(st.probabilities, [ref[x] for x in st.labels], atol=1e-6)
    # every step is consistent: ids are the tokenizer's, softmax of the logits, head of the pooled vector
    assert st.tokens == tiny_clf.tokenizer.tokenize(TEXT, add_special_tokens=True)
    assert st.input_ids.tolist() == tiny_clf.tokenizer(TEXT)["input_ids"]
    e = np.exp(st.logits - st.logits.max())
    np.testing.assert_allclose(st.probabilities, e / e.sum(), atol=1e-12)
    assert st.head_max_error < 1e-5
    assert st.pooled.shape == (32,) and st.label == LABELS[int(np.argmax(st.logits))]


def test_classify_steps_bad_input(tiny_bert, tiny_clf):
    from vizlab.extraction.pipeline import classify_steps

    with pytest.raises(ValueError, match="classification head"):
        classify_steps(tiny_bert, TEXT)
    with pytest.raises(ValueError, match="empty"):
        classify_steps(tiny_clf, "")


def test_plot_pipeline_draws_the_numbers():
    from vizlab.plot.pipeline import plot_classifier_pipeline

    z = np.array([1.14, -1.55, 0.53])
    p = np.exp(z) / np.exp(z).sum()
    r = plot_classifier_pipeline(z, probabilities=p, labels=LABELS, label_names=["negativo", "neutro", "positivo"],
                                 text=TEXT, tokens=["[CLS]", "i", "␣love", "[SEP]"], ids=[101, 1045, 2293, 102],
                                 vector=np.linspace(-1, 1, 8), n_layers=6, lang="pt")
    widths = [b.get_width() for b in r.artists_["prob_bars"]]
    np.testing.assert_allclose(widths, p)
    np.testing.assert_allclose(r.artists_["logit_dots"].get_offsets()[:, 0], z)
    shown = [t.get_text() for t in r.artists_["tokens"]]
    assert shown[:4] == ["[CLS]", "101", "i", "1045"]
    assert r.artists_["label"].get_text() == "negativo"
    texts = [t.get_text() for t in r.axes_["probs"].texts]
    assert "62,1 %" in texts  # decimal comma
    assert "1,14" in [t.get_text() for t in r.axes_["logits"].texts]
    np.testing.assert_allclose(r.im_.get_array()[0], np.linspace(-1, 1, 8))


# ------------------------------------------------------------------------------------------ masks


def test_model_masks_encoder_and_decoder(tiny_bert, tiny_decoder):
    from vizlab.extraction.masks import model_mask

    enc = model_mask(tiny_bert, "the cat sat on the mat")
    assert enc.allowed.all() and enc.predictions is None and enc.tokens[0] == "[CLS]"
    dec = model_mask(tiny_decoder, "the cat sat on the mat")
    n = len(dec.tokens)
    np.testing.assert_array_equal(dec.allowed, np.tril(np.ones((n, n), bool)))
    # the predictions are the argmax of the model's own logits at each position
    enc_ids = tiny_decoder.tokenizer("the cat sat on the mat", return_tensors="pt")
    with torch.no_grad():
        top = tiny_decoder.model(**enc_ids).logits[0].argmax(-1).tolist()
    assert dec.predictions == tiny_decoder.tokenizer.convert_ids_to_tokens(top)


def test_encoder_decoder_masks_from_config():
    from transformers import BartConfig, T5Config

    from vizlab.extraction.masks import encoder_decoder_masks

    for cfg in (T5Config(d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=2, vocab_size=100),
                BartConfig(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                           decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, vocab_size=100)):
        m = encoder_decoder_masks(cfg, 5, 4)
        assert m["encoder"].shape == (5, 5) and m["encoder"].all()
        np.testing.assert_array_equal(m["decoder"], np.tril(np.ones((4, 4), bool)))
        assert m["cross"].shape == (4, 5) and m["cross"].all()
    with pytest.raises(ValueError, match="not an encoder-decoder"):
        from transformers import BertConfig

        encoder_decoder_masks(BertConfig(), 3, 3)


def test_plot_architecture_masks_draws_the_masks():
    from vizlab.plot.masks import plot_architecture_masks

    causal = np.tril(np.ones((3, 3), bool))
    r = plot_architecture_masks(
        [{"allowed": np.ones((3, 3), bool), "queries": list("abc"), "keys": list("abc"), "group": 0, "title": "enc"},
         {"allowed": causal, "queries": list("abc"), "keys": list("abc"), "group": 1, "title": "dec",
          "predictions": ["x", "y", "z"]}],
        legend=("pode olhar", "bloqueado"), suptitles=("Encoder", "Decoder"))
    np.testing.assert_array_equal(r.axes_["panel1"].images[0].get_array(), causal.astype(float))
    preds = [t.get_text() for t in r.artists_["panels"][1].artists_["predictions"]]
    assert preds == ["→ x", "→ y", "→ z"]
    assert [t.get_text() for t in r.artists_["legend"].get_texts()] == ["pode olhar", "bloqueado"]
    assert {"Encoder", "Decoder"} <= {t.get_text() for t in r.figure_.texts}


# ------------------------------------------------------------------------------------------ padding


def test_training_batches_are_the_finetune_batches(tiny_bert):
    """The same seeded sampler as the training loop: batch sizes, every text once, similar lengths."""
    from vizlab.extraction.padding import training_batches

    texts = [("word " * (i % 13 + 1)).strip() for i in range(70)]
    (batches,), lengths = training_batches(tiny_bert, texts, batch_size=8, max_length=10, seed=0)
    assert sorted(i for b in batches for i in b) == list(range(70))
    assert max(lengths) == 10  # truncated to the limit
    assert lengths[0] == len(tiny_bert.tokenizer(texts[0])["input_ids"])
    again, _ = training_batches(tiny_bert, texts, batch_size=8, max_length=10, seed=0)
    assert again[0] == batches
    other, _ = training_batches(tiny_bert, texts, batch_size=8, max_length=10, seed=1)
    assert other[0] != batches
    # grouped by length: far less padding than random batches
    from vizlab.analysis.padding import padding_costs

    rand, _ = training_batches(tiny_bert, texts, batch_size=8, max_length=10, seed=0, group_by_length=False)
    assert padding_costs(lengths, batches)["dynamic_tokens"].sum() < padding_costs(lengths, rand[0])["dynamic_tokens"].sum()


def test_padding_costs_and_grid():
    from vizlab.analysis.padding import padding_costs, padding_grid

    lengths = [3, 5, 2, 2, 4]
    batches = [[0, 1], [2, 3], [4]]
    c = padding_costs(lengths, batches)
    assert c["real_tokens"].tolist() == [8, 4, 4]
    assert c["dynamic_tokens"].tolist() == [10, 4, 4]
    assert c["fixed_tokens"].tolist() == [10, 10, 5]
    assert c["dynamic_cells"].tolist() == [50, 8, 16]
    fixed, dynamic = padding_grid(lengths, batches, pad_to=5)
    assert fixed[0].tolist() == [2, 2, 2, 1, 1]
    assert dynamic[0].tolist() == [2, 2, 2, 1, 1] and dynamic[2].tolist() == [2, 2, 0, 0, 0]
    assert (fixed == 2).sum() == (dynamic == 2).sum() == sum(lengths)


def test_plot_dynamic_padding_draws_grids_and_costs():
    from vizlab.analysis.padding import padding_costs, padding_grid
    from vizlab.plot.padding import plot_dynamic_padding

    lengths, batches = [3, 5, 2, 2], [[0, 1], [2, 3]]
    fixed, dynamic = padding_grid(lengths, batches, pad_to=5)
    c = padding_costs(lengths, batches)
    r = plot_dynamic_padding(fixed, dynamic_grid=dynamic, batch_sizes=[2, 2], costs=c, pad_to=5, lang="pt")
    np.testing.assert_array_equal(r.artists_["fixed_im"].get_array(), fixed)
    np.testing.assert_array_equal(r.im_.get_array(), dynamic)
    assert [b.get_height() for b in r.artists_["bars"]] == [10, 4]
    assert r.artists_["fixed_line"].get_ydata()[0] == 10
    assert len(r.axes_["fixed"].lines) == 1  # one separator between the two batches


# ------------------------------------------------------------------------------------------ attribution recipe / CLI


def test_the_attribution_study_is_keyed_by_its_own_module():
    """The attribution study (minutes of integrated gradients over 300 tweets) lives in its own module, so
    its code key (the module and what it imports) does not change when another mechanics study does."""
    from vizlab.provenance import imported_modules, module_file
    from vizlab.studies import registered_studies

    spec = registered_studies()["attribution_vs_attention"]
    assert spec.module == "vizlab.studies.attribution"
    seen, todo = set(), [spec.module]
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        todo.extend(imported_modules(path.read_bytes(), name, {"vizlab"}, is_package=path.name == "__init__.py"))
    assert "vizlab.studies.fine_tuning" in seen  # the fine-tuned model it explains
    assert "vizlab.studies.mechanics" not in seen


def test_attribution_study_and_drawing(tiny_clf, tiny_decoder):
    """The study gives the attribution as data; the drawing draws it, also from its encoded source data."""
    from vizlab.drawings.mechanics import draw_attribution
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.attribution import attribution

    a = attribution(tiny_clf, TEXT, target="positive")
    assert a["target"] == "positive" and a["task"] == "classification"
    keep = ~a["special"]
    assert len(a["tokens"]) == len(a["scores"]) == len(keep) and len(a["attention"]) == keep.sum()
    for src in (a, decode(encode(a))):
        r = draw_attribution(src, lang="pt")
        strips = [ax for ax in r.figure_.axes if ax.images]
        assert len(strips) == 3  # attribution, [CLS] attention, rollout
        np.testing.assert_allclose(strips[0].images[0].get_array()[0], a["scores"][keep])
        # attention shares computed in float32 (the image holds them as float64): n float32 roundings
        shares = strips[1].images[0].get_array()[0]
        assert_close(shares.sum(), 1.0, ops=len(shares), dtype=np.float32)
        assert "lacuna de completude" in strips[0].get_title(loc="left")
        assert r.figure_.get_figwidth() == max(7.0, 0.75 * keep.sum() + 2.5)
    d = attribution(tiny_decoder, TEXT, target="5")
    assert d["target_index"] == 5 and d["attention"] is None and d["rollout"] is None
    r = draw_attribution(d, lang="en")
    strips = [ax for ax in r.figure_.axes if ax.images]
    assert len(strips) == 1 and "completeness gap" in strips[0].get_title(loc="left")


def test_pipeline_and_mask_studies_draw_from_source_data(tiny_clf, tiny_bert, tiny_decoder):
    """A report study's data, encoded and decoded, is all its drawing needs."""
    from matplotlib.figure import Figure
    from transformers import T5Config

    from vizlab.drawings import DrawContext, registered_drawings
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.mechanics import architecture_masks, pipeline_steps

    d = pipeline_steps(tiny_clf, TEXT)
    assert d["pipeline_max_abs_diff"] < 1e-6 and d["label"] in LABELS and d["tokens"][0] == "[CLS]"
    m = architecture_masks(tiny_bert, tiny_decoder, encoder_text="the cat sat", decoder_text="the cat sat",
                           target=["<s>", "a", "b"],
                           config=T5Config(d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=2, vocab_size=100))
    assert m["encoder"]["allowed"].all() and m["encoder_decoder"]["cross"].shape == (3, len(m["encoder_decoder"]["source"]))
    drawings = registered_drawings()
    for fid, data in (("pipeline_steps", d), ("architecture_masks", m)):
        fig = drawings[fid].draw(decode(encode(data)), DrawContext("en"))
        assert isinstance(fig, Figure) and fig.axes


def test_cli_attribute(tiny_clf, tmp_path, capsys):
    import copy

    from vizlab.cli import main

    folder = tmp_path / "clf"
    copy.deepcopy(tiny_clf.model).save_pretrained(folder)
    tiny_clf.tokenizer.save_pretrained(folder)
    out = tmp_path / "attr.png"
    assert main(["attribute", TEXT, "--model", str(folder), "--target", "negative", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "alvo negative," in printed and "␣love" in printed  # the class, unquoted like a token
    assert main(["attribute", TEXT, "--model", str(folder), "--target", "joy", "-o", str(out)]) == 2
    assert "unknown target class" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ reader numbers


def _texts(fig) -> str:
    return "\n".join(t for ax in fig.axes for t in (ax.get_title(), ax.get_title(loc="left")))


def test_attention_output_source_data_holds_reader_numbers(tiny_bert):
    """Source data is for readers: the head of the walkthrough is stored as (layer, head) counted from 1,
    and the drawing names and frames that head without converting back."""
    from matplotlib.patches import Rectangle

    from vizlab.drawings import DrawContext, registered_drawings
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.mechanics import attention_output

    d = attention_output(tiny_bert, TEXT, layer=2, head=3)  # reader numbers in and out
    assert (d["layer"], d["head"]) == (2, 3)
    d["error_bound"] = 1e-4
    fig = registered_drawings()["attention_output_walkthrough"].draw(decode(encode(d)), DrawContext("en"))
    assert "(1) attention weights A (layer 2, head 3)" in _texts(fig)
    head_dim = d["v"].shape[1]
    boxes = [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle) and p.get_width() == head_dim]
    assert boxes and all(p.get_x() == 2 * head_dim - 0.5 for p in boxes)  # the third head's columns


def test_position_sources_drawing_reads_reader_numbers():
    from vizlab.drawings import DrawContext, registered_drawings

    rng = np.random.default_rng(0)
    sim, grid = np.corrcoef(rng.normal(size=(8, 4))), np.arange(36, dtype=float).reshape(6, 6)
    src = {"pair": ["it", "cat"], "rotary_pair": ["ele", "gato"], "learned_sim": sim, "sinusoidal_sim": sim,
           "wavelengths": {"sliding_attention": np.array([6.28, 60.0])}, "absolute_scores": grid,
           "rotary_scores": -grid, "absolute_spread": np.array([0.2, 0.3]), "rotary_spread": np.array([1e-7, 2e-7]),
           "absolute_layer": 1, "absolute_head": 3, "rotary_layer": 1, "rotary_head": 4}
    text = _texts(registered_drawings()["position_sources"].draw(src, DrawContext("en")))
    assert "layer 1, head 3" in text and "layer 1, head 4" in text


def test_dynamic_padding_states_the_share_without_length_grouping(tiny_bert):
    """The padding the course's plain DataCollatorWithPadding leaves (random batches) is recorded next to
    the grouped one, computed directly from the ungrouped batches' longest texts."""
    from vizlab.extraction.padding import training_batches
    from vizlab.studies.mechanics import dynamic_padding

    texts = [("word " * (i % 13 + 1)).strip() for i in range(70)]
    d = dynamic_padding(tiny_bert, texts, batch_size=8, max_length=10, seed=0, n_shown=2)
    (rand,), lengths = training_batches(tiny_bert, texts, batch_size=8, max_length=10, seed=0, group_by_length=False)
    computed = sum(max(lengths[i] for i in b) * len(b) for b in rand)
    assert d["pad_share_dynamic_ungrouped"] == pytest.approx(1 - sum(lengths) / computed)
    assert d["pad_share_dynamic"] < d["pad_share_dynamic_ungrouped"] <= d["pad_share_fixed"]

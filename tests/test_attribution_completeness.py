"""Completeness checked on every attribution, baselines, heads read from the folder, display tokens (issue 21)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from vizlab.extraction.attribution import (
    BASELINES,
    AttributionWarning,
    attribute,
    baseline_embeddings,
    display_target,
)

TEXT = "the movie was not good but the actors were brilliant"


@pytest.fixture(scope="module")
def steep_decoder(bert_tokenizer):
    """A 2-layer random Llama whose RMSNorm has a tiny eps (1e-12): from a zero baseline the first norm's
    output jumps from 0 to full size within the first ~1e-5 of the path, which Gauss-Legendre points
    never resolve: the case of the issue, built deterministically. Its padding token's embedding is
    zero (``nn.Embedding(padding_idx=...)`` initialises that row to 0, and training never updates
    it), so the padding baseline is the zero baseline here, as in many released Llama-style decoders."""
    from transformers import LlamaConfig

    from vizlab.extraction.models import model_from_config

    cfg = LlamaConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, intermediate_size=64,
                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=128, rms_norm_eps=1e-12, initializer_range=0.1,
                      pad_token_id=bert_tokenizer.pad_token_id)
    return model_from_config(cfg, bert_tokenizer, name="steep-llama", seed=0, causal=True)


def _plain_score(lm, embeds, mask, idx) -> float:
    """The target logit of a plain forward pass (no Captum), from the token-embedding layer's output."""
    with torch.no_grad():
        return float(lm.model(inputs_embeds=embeds, attention_mask=mask).logits[0, -1, idx])


@pytest.mark.parametrize("baseline", ["pad", "zero", "mean", "blur", "unk", "mask"])
def test_gap_is_sum_minus_plain_forward_difference(tiny_decoder, baseline):
    lm = tiny_decoder
    a = attribute(lm, TEXT, baseline=baseline)
    enc = lm.tokenizer(TEXT, return_tensors="pt", return_special_tokens_mask=True)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    emb = lm.model.get_input_embeddings()(ids)
    if baseline in ("pad", "unk", "mask"):  # a token baseline is a real input: plain ids, no embeddings
        tid = getattr(lm.tokenizer, f"{baseline}_token_id")
        base_ids = torch.where(enc["special_tokens_mask"].bool(), ids, torch.full_like(ids, tid))
        with torch.no_grad():
            fb = float(lm.model(input_ids=base_ids, attention_mask=mask).logits[0, -1, a.target_index])
    else:
        keep = enc["special_tokens_mask"].bool()[..., None]
        fill = {"zero": torch.zeros_like(emb),
                "mean": lm.model.get_input_embeddings()(torch.arange(lm.tokenizer.vocab_size)[None])[0].double()
                .mean(0).float().expand_as(emb),  # Gemma's layer scales the rows by sqrt(hidden)
                "blur": emb[~enc["special_tokens_mask"].bool()].mean(0).expand_as(emb)}[baseline]
        fb = _plain_score(lm, torch.where(keep, emb, fill).detach(), mask, a.target_index)
    fx = _plain_score(lm, emb.detach(), mask, a.target_index)
    assert a.target_score == pytest.approx(fx, abs=1e-5) and a.baseline_score == pytest.approx(fb, abs=1e-5)
    assert a.delta == pytest.approx(a.scores.sum() - (fx - fb), abs=1e-5)
    assert a.relative_delta == pytest.approx(abs(a.delta) / abs(fx - fb))
    assert a.baseline == baseline and a.converged is (a.relative_delta <= 0.05 or abs(a.delta) <= 1e-4)


def test_steps_rise_until_converged(tiny_decoder, monkeypatch):
    """With a tolerance 50 steps miss, the steps double (50, 100, 200, ...) and stop at the first that meets it."""
    from captum.attr import IntegratedGradients

    seen = []
    real = IntegratedGradients.attribute

    def spy(self, *args, **kw):
        seen.append(kw["n_steps"])
        return real(self, *args, **kw)

    monkeypatch.setattr(IntegratedGradients, "attribute", spy)
    first = attribute(tiny_decoder, TEXT, baseline="pad", max_steps=None)  # its padding row is zero: a gap
    assert seen == [50]
    tol = max(first.relative_delta / 3, 1e-6)  # 50 steps are not enough for this tolerance
    seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AttributionWarning)
        a = attribute(tiny_decoder, TEXT, baseline="pad", tolerance=tol)
    assert seen[:2] == [50, 100] and seen == [50 * 2**i for i in range(len(seen))] and seen[-1] <= 800
    assert a.n_steps == seen[-1]
    assert a.converged is (abs(a.delta) <= tol * abs(a.target_score - a.baseline_score) + 1e-4)
    if a.converged:
        assert len(seen) == 1 + int(np.log2(a.n_steps // 50))


def test_not_converged_warns_and_says_how_far(steep_decoder):
    with pytest.warns(AttributionWarning, match=r"did not converge.*completeness gap of \d+ % after 100 steps"):
        a = attribute(steep_decoder, TEXT, baseline="zero", max_steps=100)
    assert a.converged is False and a.n_steps == 100 and a.relative_delta > 0.5
    with pytest.warns(AttributionWarning):  # the padding token's embedding is zero: the same path
        p = attribute(steep_decoder, TEXT, baseline="pad", max_steps=None)
    assert p.baseline_score == a.baseline_score and p.converged is False
    # the same model from a token whose embedding is not zero (a real input) converges at 50 steps
    with warnings.catch_warnings():
        warnings.simplefilter("error", AttributionWarning)
        b = attribute(steep_decoder, TEXT, baseline="mask")
    assert b.converged is True and b.n_steps == 50 and b.relative_delta < 0.01


def test_default_baselines(tiny_decoder, tiny_clf):
    """A classifier starts from [PAD] (BERT's standard), a decoder from the vocabulary's mean embedding."""
    assert attribute(tiny_clf, TEXT, method="grad_x_input").baseline == "pad"
    a = attribute(tiny_decoder, TEXT)
    assert a.baseline == "mean" and a.converged is True


def test_grad_x_input_has_no_completeness(tiny_decoder):
    a = attribute(tiny_decoder, TEXT, method="grad_x_input")
    assert a.converged is None and a.n_steps == 1


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"baseline": "noise"}, "unknown baseline"),
    ({"baseline": "eos"}, "has no eos token"),  # a WordPiece tokenizer has none
    ({"max_steps": 1}, "max_steps"),
    ({"tolerance": 0}, "tolerance"),
    ({"tolerance": 5}, "tolerance"),
])
def test_bad_baseline_and_steps(tiny_decoder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        attribute(tiny_decoder, TEXT, **kwargs)


def test_baselines_keep_special_tokens(tiny_decoder):
    lm = tiny_decoder
    enc = lm.tokenizer(TEXT, return_tensors="pt", return_special_tokens_mask=True)
    emb = lm.model.get_input_embeddings()(enc["input_ids"])
    special = enc["special_tokens_mask"].bool()[0]
    for b in set(BASELINES) - {"eos"}:
        base = baseline_embeddings(lm, enc["input_ids"], enc["special_tokens_mask"], enc["attention_mask"], b)
        assert base.shape == emb.shape
        torch.testing.assert_close(base[0, special], emb[0, special])
        assert not torch.allclose(base[0, ~special], emb[0, ~special])


def test_display_target():
    assert display_target("ĠParis", ["The", "Ġcapital", "Ġof"]) == "␣Paris"
    assert display_target("▁gato", ["<bos>", "O", "▁gato"]) == "␣gato"
    assert display_target("Paris", ["The", "Ġcapital"]) == "Paris"


def test_source_data_and_drawing_mark_non_convergence(steep_decoder):
    from vizlab.drawings.mechanics import NOT_CONVERGED_MARK, draw_attribution
    from vizlab.studies.attribution import attribution

    with pytest.warns(AttributionWarning):
        d = attribution(steep_decoder, TEXT, baseline="zero", max_steps=100)
    assert d["converged"] is False and d["n_steps"] == 100 and d["relative_delta"] > 0.5
    assert d["baseline"] == "zero" and d["target_display"] == display_target(d["target"], d["tokens"])
    r = draw_attribution(d, lang="en")
    assert r.ax_.get_title(loc="left").endswith(NOT_CONVERGED_MARK)
    note = list(r.axes_.values())[-1].get_xlabel()
    assert note.startswith(NOT_CONVERGED_MARK) and "did not converge" in note and "100 steps" in note
    ok = attribution(steep_decoder, TEXT, baseline="mask")
    assert ok["converged"] is True
    r = draw_attribution(ok, lang="pt")
    assert NOT_CONVERGED_MARK not in r.ax_.get_title(loc="left") and not list(r.axes_.values())[-1].get_xlabel()


# ------------------------------------------------------------------------------ heads read from the folder


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory, tiny_clf):
    """A BertForSequenceClassification saved as the Trainer saves it (architectures + id2label)."""
    folder = tmp_path_factory.mktemp("clf") / "tiny-clf"
    tiny_clf.model.save_pretrained(folder)
    tiny_clf.tokenizer.save_pretrained(folder)
    return folder


def test_folder_classifier_loads_with_its_head(classifier_dir, tiny_clf):
    import json

    from transformers import pipeline

    from vizlab.extraction.attribution import is_classifier
    from vizlab.extraction.models import load_model, model_fingerprint

    assert json.loads((classifier_dir / "config.json").read_text())["architectures"] == [
        "BertForSequenceClassification"]
    lm = load_model(str(classifier_dir), device="cpu")
    assert type(lm.model).__name__ == "BertForSequenceClassification" and is_classifier(lm)
    assert lm.model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    # the same head and probabilities as transformers.pipeline, which reads the head from the config too
    ref = pipeline("text-classification", model=str(classifier_dir), top_k=None, device="cpu")([TEXT])[0]
    a = attribute(lm, TEXT)
    got = dict(zip(("negative", "neutral", "positive"), a.probabilities))
    for row in ref:
        assert got[row["label"]] == pytest.approx(row["score"], abs=1e-5)
    assert a.target == max(ref, key=lambda r: r["score"])["label"]
    torch.testing.assert_close(lm.model.classifier.weight, tiny_clf.model.classifier.weight)
    # the fingerprint knows the head without loading the weights, and equals the explicit task's
    assert model_fingerprint(str(classifier_dir)) == lm.fingerprint
    assert load_model(str(classifier_dir), task="sequence-classification").fingerprint == lm.fingerprint
    # task= still overrides: the base model, without its head
    base = load_model(str(classifier_dir), device="cpu", task="feature-extraction")
    assert type(base.model).__name__ == "BertModel" and base.fingerprint != lm.fingerprint
    with pytest.raises(ValueError, match="unknown task"):
        load_model(str(classifier_dir), task="classification")


def test_cli_attribute_folder_classifier_names_classes(classifier_dir, tmp_path, capsys):
    from vizlab.cli import main

    out = tmp_path / "a.png"
    assert main(["attribute", TEXT, "--model", str(classifier_dir), "-o", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr()
    line = printed.out.splitlines()[0]
    assert "tiny-clf" in line and "target " in line and "completeness gap" in line and "50 steps" in line
    assert any(f"target {c}," in line for c in ("negative", "neutral", "positive"))
    assert "did not converge" not in printed.err and out.exists()


def test_cli_attribute_says_when_not_converged(steep_decoder, tmp_path, capsys):
    from vizlab.cli import main

    folder = tmp_path / "steep"
    steep_decoder.model.save_pretrained(folder)
    steep_decoder.tokenizer.save_pretrained(folder)
    out = tmp_path / "a.png"
    assert main(["attribute", TEXT, "--model", str(folder), "--baseline", "zero", "--max-steps", "100", "-o",
                 str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr()
    assert "vizlab attribute: warning: integrated gradients did not converge" in printed.err
    assert printed.err.count("did not converge") == 1  # one line, not also Python's warning
    assert "100 steps" in printed.err and "--baseline, now zero" in printed.err
    first = printed.out.splitlines()[0]
    assert "baseline zero" in first and "100 steps" in first
    # a token the reader sees, not a raw piece, in the summary line
    assert "target " in first and "##" not in first.split("target ")[1].split(",")[0]
    assert main(["attribute", TEXT, "--model", str(folder), "--baseline", "noise", "-o", str(out),
                 "--overwrite"]) == 2
    assert "unknown baseline 'noise'" in capsys.readouterr().err


def test_report_drawing_marks_what_did_not_converge(tiny_clf):
    """The report figure reads convergence from its source data (after a JSON round trip): a † after a
    non-converged example's title and a footnote, also one for the tweets of the τ panel."""
    from vizlab.drawings import DrawContext, registered_drawings
    from vizlab.extraction.run import extract
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.attribution import attribution_data

    a = attribute(tiny_clf, TEXT)
    act = extract(tiny_clf, [TEXT], attentions=True, hidden_states=False, cache=False)[0]
    good = attribution_data(a, act)
    assert good["converged"] is True and good["baseline"] == "pad" and good["n_steps"] == 50
    bad = {**good, "converged": False, "relative_delta": 0.29, "n_steps": 800}  # as a stuck attribution records it
    n_layers = tiny_clf.n_layers
    src = {"examples": [good, bad], "n_layers": n_layers, "n_texts": 300, "n_not_converged": 2,
           "tau_mean": np.zeros(n_layers + 1), "tau_low": np.zeros(n_layers + 1) - 0.1,
           "tau_high": np.zeros(n_layers + 1) + 0.1, "reference": 0.1}
    src = decode(encode(src))
    assert src["examples"][1]["converged"] is False and src["examples"][0]["converged"] is True
    fig = registered_drawings()["attribution_vs_attention"].draw(src, DrawContext("en"))
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert [t.endswith("†") for t in titles] == [False, True]
    notes = "\n".join(t.get_text() for t in fig.texts if t.get_text() != fig.get_suptitle())
    assert "† integrated gradients did not converge" in notes and "29%" in notes and "800 steps" in notes
    assert "in 2 of the 300 tweets" in notes
    src = decode(encode({**src, "examples": [good], "n_not_converged": 0}))
    fig = registered_drawings()["attribution_vs_attention"].draw(src, DrawContext("pt"))
    assert [t.get_text() for t in fig.texts] == [fig.get_suptitle()]

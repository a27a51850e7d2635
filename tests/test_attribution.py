"""vizlab.attribute: grad x input equals autograd, integrated gradients are complete, masked tokens get 0."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vizlab.analysis.attribution import attention_attribution_tau, kendall_tau, rank_agreement
from vizlab.extraction.attribution import attribute, attribute_encoded

LABELS = ("negative", "neutral", "positive")  # the labels of the tiny_clf fixture (conftest)
TEXT = "the movie was not good but the actors were brilliant"


def _direct_grad_x_input(lm, text, target_index, *, next_token=False):
    enc = lm.tokenizer(text, return_tensors="pt")
    emb = lm.model.get_input_embeddings()(enc["input_ids"]).detach().requires_grad_(True)
    kw = {"inputs_embeds": emb, "attention_mask": enc["attention_mask"]}
    if "token_type_ids" in enc and not next_token:
        kw["token_type_ids"] = enc["token_type_ids"]
    logits = lm.model(**kw).logits
    score = logits[0, -1, target_index] if next_token else logits[0, target_index]
    score.backward()
    return (emb.grad * emb).sum(-1)[0].detach().numpy()


def test_grad_x_input_equals_autograd_classifier(tiny_clf):
    a = attribute(tiny_clf, TEXT, method="grad_x_input", target="negative")
    expected = _direct_grad_x_input(tiny_clf, TEXT, 0)
    np.testing.assert_allclose(a.scores, expected, rtol=1e-4, atol=1e-6)
    assert a.target == "negative" and a.target_index == 0 and a.n_steps == 1
    assert a.tokens[0] == "[CLS]" and a.display[2] == "␣movie"
    assert a.scores.shape == (len(a.tokens),)


def test_grad_x_input_equals_autograd_decoder(tiny_decoder):
    a = attribute(tiny_decoder, TEXT, method="grad_x_input", target=5)
    expected = _direct_grad_x_input(tiny_decoder, TEXT, 5, next_token=True)
    np.testing.assert_allclose(a.scores, expected, rtol=1e-4, atol=1e-6)
    assert a.task == "next-token" and a.target_index == 5


@pytest.mark.parametrize("fixture", ["tiny_clf", "tiny_decoder"])
def test_integrated_gradients_complete(fixture, request):
    lm = request.getfixturevalue(fixture)
    a = attribute(lm, TEXT)
    gap = a.target_score - a.baseline_score
    assert abs(gap) > 1e-3  # the text and the baseline really differ
    assert a.delta == pytest.approx(a.scores.sum() - gap)
    assert abs(a.delta) < 0.01 * abs(gap) + 1e-5
    # the target is the top output, and its score is the model's own logit
    assert a.target_index == int(np.argmax(a.probabilities))
    assert a.probabilities.sum() == pytest.approx(1.0)
    # special tokens are kept in the baseline: their embedding does not change, their score is 0
    assert np.all(a.scores[a.special_mask] == 0)


def test_more_steps_smaller_gap(tiny_decoder):
    few = attribute(tiny_decoder, TEXT, n_steps=2, max_steps=None)  # no adaptation: the steps as given
    many = attribute(tiny_decoder, TEXT, n_steps=100, max_steps=None)
    assert abs(many.delta) <= abs(few.delta) + 1e-7


@pytest.mark.parametrize("method", ["integrated_gradients", "grad_x_input"])
@pytest.mark.parametrize("fixture", ["tiny_clf", "tiny_decoder"])
def test_masked_position_gets_zero(fixture, method, request):
    lm = request.getfixturevalue(fixture)
    enc = lm.tokenizer(TEXT, return_tensors="pt", return_special_tokens_mask=True)
    enc = {k: v for k, v in enc.items() if k != "token_type_ids" or fixture == "tiny_clf"}
    enc["attention_mask"][0, 3] = 0  # position 3 is masked out: nothing can read it
    a = attribute_encoded(lm, enc, target=1, method=method)
    assert a.scores[3] == 0.0
    assert np.count_nonzero(a.scores) >= len(a.scores) - 3  # the others are not all zero


def test_classifier_probabilities_match_the_model(tiny_clf):
    a = attribute(tiny_clf, TEXT)
    with torch.no_grad():
        logits = tiny_clf.model(**tiny_clf.tokenizer(TEXT, return_tensors="pt")).logits[0]
    np.testing.assert_allclose(a.probabilities, torch.softmax(logits, -1).numpy(), atol=1e-6)
    assert a.target_score == pytest.approx(float(logits[a.target_index]), abs=1e-5)


def test_decoder_target_by_token(tiny_decoder):
    tok = tiny_decoder.tokenizer
    a = attribute(tiny_decoder, TEXT, target="cat", method="grad_x_input")
    assert a.target_index == tok.convert_tokens_to_ids("cat") and a.target == "cat"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"text": ""}, "empty"),
    ({"text": "   "}, "empty"),
    ({"text": ["a", "b"]}, "one text"),
    ({"target": "joy"}, "unknown target class"),
    ({"target": 3}, "out of range"),
    ({"target": -1}, "out of range"),
    ({"method": "saliency"}, "unknown method"),
    ({"n_steps": 1}, "n_steps"),
])
def test_bad_input_classifier(tiny_clf, kwargs, match):
    kwargs = {"text": TEXT, **kwargs}
    with pytest.raises(ValueError, match=match):
        attribute(tiny_clf, kwargs.pop("text"), **kwargs)


def test_bad_input_decoder_and_models(tiny_decoder, tiny_bert):
    with pytest.raises(ValueError, match="not one token"):
        attribute(tiny_decoder, TEXT, target="unbelievably catastrophic")
    with pytest.raises(ValueError, match="out of range"):
        attribute(tiny_decoder, TEXT, target=10**7)
    with pytest.raises(ValueError, match="classification head"):
        attribute(tiny_bert, TEXT)  # a bare encoder has no score to explain
    with pytest.raises(TypeError):
        attribute("minilm", TEXT)
    with pytest.raises(TypeError):
        attribute(tiny_decoder, TEXT, target=1.5)


def test_lazy_export():
    import vizlab

    assert vizlab.attribute is attribute


# ------------------------------------------------------------------------------ analysis


def test_kendall_tau_matches_scipy():
    from scipy.stats import kendalltau

    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = rng.normal(size=12), rng.normal(size=12)
        assert kendall_tau(x, y) == pytest.approx(kendalltau(x, y).statistic)
    x = np.array([1, 1, 2, 3.0])
    y = np.array([1, 2, 2, 3.0])
    assert kendall_tau(x, y) == pytest.approx(kendalltau(x, y).statistic)
    assert kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert np.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))


def test_attention_attribution_tau_per_layer():
    rng = np.random.default_rng(1)
    n = 8
    scores = rng.normal(size=n)
    att = rng.dirichlet(np.ones(n), size=(3, 2, n))  # 3 layers, 2 heads
    att[1] = np.abs(scores)[None, None] / np.abs(scores).sum()  # layer 2 follows |attribution| exactly
    special = np.zeros(n, bool)
    special[[0, -1]] = True
    tau = attention_attribution_tau(att, scores, special_mask=special, query=0)
    assert tau.shape == (3,)
    assert tau[1] == pytest.approx(1.0)
    keep = ~special
    from scipy.stats import kendalltau

    expected = kendalltau(att[0, :, 0].mean(0)[keep], np.abs(scores)[keep]).statistic
    assert tau[0] == pytest.approx(expected)


def test_rank_agreement_summary():
    taus = np.array([[0.1, 0.5], [0.3, 0.7], [np.nan, 0.6]])
    s = rank_agreement(taus)
    np.testing.assert_allclose(s["mean"], [0.2, 0.6])
    assert s["n"].tolist() == [2, 3]
    assert s["ci_low"].shape == (2,) and np.all(s["ci_low"] <= s["mean"])


# ------------------------------------------------------------------------------ real models


@pytest.mark.models
def test_integrated_gradients_complete_gemma(gemma):
    a = attribute(gemma, "O gato sentou no")
    assert abs(a.delta) < 0.05 * abs(a.target_score - a.baseline_score)
    assert a.tokens[0] == "<bos>" and a.scores[0] == 0


def test_plot_attribution_vs_attention_draws_values():
    from vizlab.plot.attribution import plot_attribution_vs_attention

    ex = {"scores": np.array([0.5, -1.0, 0.2]), "tokens": ["a", "␣b", "c"], "attention": np.array([0.2, 0.5, 0.3]),
          "rollout": np.array([0.3, 0.3, 0.4]), "title": "“a b c” → positivo"}
    m = np.array([0.1, 0.3, 0.2])
    r = plot_attribution_vs_attention([ex, ex], tau_mean=m, tau_low=m - 0.05, tau_high=m + 0.05,
                                      tau_labels=["1", "2", "rollout"], n_texts=10, reference=0.13, lang="pt")
    np.testing.assert_allclose([b.get_height() for b in r.artists_["bars"]], m)
    strip = r.artists_["strips"][0]
    np.testing.assert_allclose(strip.im_.get_array()[0], ex["scores"])
    assert strip.values_["attribution_range"] == (-1.0, 1.0)  # centred on 0
    np.testing.assert_allclose(strip.artists_["images"]["attention"].get_array()[0], ex["attention"])
    assert r.artists_["reference"].get_ydata()[0] == 0.13
    assert "0,30" in [t.get_text() for t in r.ax_.texts]  # decimal comma
    assert [t.get_text() for t in r.ax_.get_xticklabels()] == ["1", "2", "rollout"]

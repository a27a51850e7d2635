"""Yardsticks of issue 20: ERASER erasure tests, fine-tuning seeds and label noise, leave-one-topic-out.

Computation on plain arrays and tiny random models (the report's numbers come from the real models in
the figure build); drawings checked by what they drew.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from vizlab.analysis.faithfulness import erased_ids, n_top, top_tokens

TEXTS = ["the actors were brilliant but the plot was not", "I hate waiting for a delayed flight today",
         "thanks for the quick help"]


# ------------------------------------------------------------------------------------------ erasure (arrays)


def test_n_top_is_a_ceiling_of_at_least_one():
    assert [n_top(10, f) for f in (0.1, 0.2, 0.5)] == [1, 2, 5]
    assert n_top(3, 0.1) == 1 and n_top(7, 0.5) == 4 and n_top(5, 1.0) == 5
    with pytest.raises(ValueError, match="fraction must be in"):
        n_top(10, 20)
    with pytest.raises(ValueError, match="non-special"):
        n_top(0, 0.2)


def test_top_tokens_ranks_only_the_words_and_breaks_ties_by_position():
    special = np.array([1, 0, 0, 0, 0, 1], bool)
    top = top_tokens(np.array([99.0, 1.0, 5.0, 5.0, -2.0, 99.0]), special_mask=special, fraction=0.5)
    assert top.tolist() == [False, False, True, True, False, False]
    top = top_tokens(np.array([99.0, 1.0, 5.0, 5.0, -2.0, 99.0]), special_mask=special, fraction=0.2)
    assert top.tolist() == [False, False, True, False, False, False]  # the earlier of the tie
    with pytest.raises(ValueError, match="same length"):
        top_tokens(np.zeros(3), special_mask=np.zeros(4, bool), fraction=0.5)
    with pytest.raises(ValueError, match="finite"):
        top_tokens(np.array([0.0, np.nan, 0.0]), special_mask=np.array([1, 0, 1], bool), fraction=0.5)


def test_erased_ids_are_the_complement_and_the_rationale():
    ids = np.array([101, 11, 12, 13, 14, 102])
    top = np.array([0, 1, 0, 1, 0, 0], bool)
    without, only = erased_ids(ids, top)
    assert without.tolist() == [101, 12, 14, 102] and only.tolist() == [101, 11, 13, 102]
    with pytest.raises(ValueError, match="cannot be erased"):
        erased_ids(ids, np.array([1, 0, 0, 0, 0, 0], bool))


# ------------------------------------------------------------------------------------------ erasure (models)


def _direct_probs(lm, ids) -> np.ndarray:
    """The classifier's softmax on one id sequence, straight from the torch module."""
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([list(ids)])).logits[0].double()
    return torch.softmax(logits, -1).numpy()


def test_class_probabilities_match_the_pipeline_prediction(tiny_clf):
    """On whole texts, the probabilities of the id path equal vizlab.predict's (the text path)."""
    from vizlab.extraction.erasure import class_probabilities, token_ids
    from vizlab.extraction.finetune import predict

    probs = class_probabilities(tiny_clf, [token_ids(tiny_clf, t) for t in TEXTS], batch_size=2)
    np.testing.assert_allclose(probs, predict(tiny_clf, TEXTS), atol=1e-5)
    with pytest.raises(ValueError, match="non-empty"):
        class_probabilities(tiny_clf, [np.array([], dtype=int)])


def test_faithfulness_matches_a_direct_erasure(tiny_clf):
    """Comprehensiveness and sufficiency of one method, text and k, recomputed by hand."""
    from vizlab.extraction.attribution import attribute
    from vizlab.extraction.erasure import token_ids
    from vizlab.studies.faithfulness import METHODS, faithfulness, summary

    attrs = [attribute(tiny_clf, t) for t in TEXTS]
    grads = [{"integrated_gradients": a.scores, "grad_x_input": attribute(tiny_clf, t, method="grad_x_input").scores}
             for a, t in zip(attrs, TEXTS)]
    special = [a.special_mask for a in attrs]
    d = faithfulness(tiny_clf, TEXTS, grads, special, fractions=(0.2, 0.5), n_random=2)
    assert set(d["comprehensiveness"]) == set(METHODS) and d["comprehensiveness"]["rollout"].shape == (3, 2)
    i = 1
    ids = token_ids(tiny_clf, TEXTS[i])
    full = _direct_probs(tiny_clf, ids)
    c = int(np.argmax(full))
    assert c == attrs[i].target_index == d["predicted"][i]
    top = np.zeros(len(ids), bool)
    words = np.flatnonzero(~special[i])
    k = int(np.ceil(0.5 * len(words)))
    top[words[np.argsort(-attrs[i].scores[words], kind="stable")[:k]]] = True
    keep = top | special[i]
    assert d["comprehensiveness"]["integrated_gradients"][i, 1] == pytest.approx(
        full[c] - _direct_probs(tiny_clf, ids[~top])[c], abs=1e-6)
    assert d["sufficiency"]["integrated_gradients"][i, 1] == pytest.approx(
        full[c] - _direct_probs(tiny_clf, ids[keep])[c], abs=1e-6)
    s = summary(d)
    assert s["aopc"]["sufficiency"]["attention"]["value"] == pytest.approx(d["sufficiency"]["attention"].mean(), abs=1e-4)
    diff = s["differences"]["comprehensiveness"]["integrated_gradients_minus_random"]["value"]
    assert diff == pytest.approx(d["comprehensiveness"]["integrated_gradients"].mean()
                                 - d["comprehensiveness"]["random"].mean(), abs=1e-4)


def test_faithfulness_drawing_from_source_data():
    from vizlab.drawings.mechanics import draw_faithfulness
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.faithfulness import METHODS

    ci = lambda v: {"value": v, "lo": v - 0.01, "hi": v + 0.01}  # noqa: E731
    src = {"methods": list(METHODS), "fractions": [0.1, 0.2, 0.5], "n_tweets": 300,
           "aopc": {k: {m: ci(0.1 * (j + 1)) for j, m in enumerate(METHODS)} for k in ("comprehensiveness", "sufficiency")},
           "per_fraction": {k: {m: [0.1, 0.2, 0.3] for m in METHODS} for k in ("comprehensiveness", "sufficiency")}}
    fig = draw_faithfulness(decode(encode(src)), lang="pt")
    a1, a2 = fig.axes[:2]
    assert [t.get_text() for t in a1.get_yticklabels()][2] == "gradientes integrados"
    assert "Abrangência" in a1.get_title(loc="left") and "Suficiência" in a2.get_title(loc="left")
    assert a1.lines and len(a1.containers) == len(METHODS)


# ------------------------------------------------------------------------------------------ seeds, label noise


def test_label_noise_groups_and_human_agreement():
    from vizlab.studies.fine_tuning_seeds import label_noise

    held = pd.DataFrame({"confidence": [1.0, 1.0, 0.6, 0.7, np.nan, 1.0]})
    correct = np.array([[1, 1, 0, 1, 0, 1], [1, 0, 0, 1, 1, 1]], dtype=float)
    d = label_noise(correct, held)
    g = d["groups"]
    assert (g["unanimous"]["n"], g["split"]["n"], g["unknown"]["n"]) == (3, 2, 1)
    assert g["unanimous"]["accuracy"]["value"] == pytest.approx(5 / 6, abs=1e-4)  # intervals keep 4 digits
    assert g["split"]["per_seed"] == [0.5, 0.5] and g["unknown"]["accuracy"] is None  # one tweet: no interval
    assert d["human_agreement"]["value"] == pytest.approx(np.mean([1, 1, 0.6, 0.7, 1]), abs=1e-4)
    assert d["unanimous_minus_split"]["value"] == pytest.approx(5 / 6 - 0.5, abs=1e-4)
    assert d["share_known"] == pytest.approx(5 / 6)


def test_seed_figure_draws_each_seed_and_the_between_seed_band():
    from vizlab.drawings.fine_tuning import draw_seed_spread
    from vizlab.sourcedata import decode, encode

    ci = lambda v: {"value": v, "lo": v - 0.03, "hi": v + 0.03}  # noqa: E731
    g = {"n": 100, "accuracy": ci(0.8), "per_seed": [0.79, 0.8, 0.81]}
    src = {"seeds": [0, 1, 2], "n_eval": 600, "accuracy": [ci(0.75), ci(0.735), ci(0.76)],
           "accuracy_over_seeds": ci(0.748),
           "cka_vs_pretrained": np.linspace(1, 0.3, 7)[None].repeat(3, 0),
           "cka_between_seeds": np.linspace(1, 0.6, 7)[None].repeat(3, 0),
           "attention_vs_pretrained": np.full((3, 6), 0.1), "attention_between_seeds": np.full((3, 6), 0.05),
           "label_noise": {"groups": {"unanimous": g, "split": g, "unknown": g}, "human_agreement": ci(0.83)}}
    r = draw_seed_spread(decode(encode(src)), lang="en")
    acc = r.axes_["accuracy"]
    np.testing.assert_allclose(np.asarray(acc.containers[0].lines[0].get_ydata(), float), [0.75, 0.735, 0.76])
    assert [t.get_text() for t in acc.get_xticklabels()] == ["0", "1", "2"] and acc.get_xlabel() == "seed"
    cka = r.axes_["cka"]
    np.testing.assert_allclose(cka.lines[1].get_ydata(), np.linspace(1, 0.6, 7))
    assert "84,0" not in r.axes_["noise"].get_legend().get_texts()[0].get_text()
    assert "83.0" in r.axes_["noise"].get_legend().get_texts()[0].get_text()


# ------------------------------------------------------------------------------------------ leave one topic out


def test_topic_holdout_drawing_from_source_data():
    from vizlab.drawings.transfer_learning import draw_topic_holdout

    ci = lambda v: {"value": v, "lo": v - 0.02, "hi": v + 0.02}  # noqa: E731
    topics = ["airline", "claritin"]
    by = lambda v: {"all": ci(v), **{t: ci(v) for t in topics}}  # noqa: E731
    src = {"topics": topics, "n": {"airline": 10, "claritin": 5}, "n_all": 15,
           "pretrained": {"loto": by(0.6), "within": by(0.7)}, "random": {"loto": by(0.4)}, "majority": by(0.5)}
    ax = draw_topic_holdout(src, lang="pt")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].startswith("todos") and "companhias aéreas" in labels[1]
    np.testing.assert_allclose(ax.containers[0].lines[0].get_ydata(), [0.6, 0.6, 0.6])

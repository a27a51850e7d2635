"""Numbers recorded so that the report's statements can be checked: each against a direct computation."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


def test_confusion_differences_against_direct_counts():
    from vizlab.studies.fine_tuning import confusion

    rng = np.random.default_rng(0)
    true = np.repeat([0, 1, 2], 100)
    pred = np.where(rng.random(300) < 0.7, true, rng.integers(0, 3, 300))
    d = confusion(SimpleNamespace(eval_labels=true, eval_predictions=pred, labels=("negative", "neutral", "positive")))
    neg = pred[true == 0]
    same_texts = d["differences"]["negative_as_neutral_minus_as_positive"]
    assert same_texts["value"] == pytest.approx(np.mean(neg == 1) - np.mean(neg == 2), abs=1e-4)
    assert same_texts["method"].startswith("paired") and same_texts["n"] == 100
    recall = {c: np.mean(pred[true == i] == i) for i, c in enumerate(("negative", "neutral", "positive"))}
    between = d["differences"]["recall_negative_minus_neutral"]
    assert between["value"] == pytest.approx(recall["negative"] - recall["neutral"], abs=1e-4)
    assert "independently" in between["method"] and between["lo"] <= between["value"] <= between["hi"]
    assert d["differences"]["recall_neutral_minus_negative"]["value"] == pytest.approx(-between["value"], abs=1e-4)


def test_attention_ranking_names_the_words_in_order():
    from vizlab.studies.attribution import _attention_ranking

    d = {"tokens": ["[CLS]", "not", "good", "brilliant", "[SEP]"], "special": np.array([1, 0, 0, 0, 1], bool),
         "attention": np.array([0.3, 0.2, 0.5])}
    r = _attention_ranking(d)
    assert [x["token"] for x in r] == ["brilliant", "not", "good"]
    assert r[1] == {"token": "not", "share": 0.3, "rank": 2, "of": 3}

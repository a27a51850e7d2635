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
    """The recorded [CLS] attention ranking of the first example, recomputed from its source data."""
    import json
    from pathlib import Path

    from vizlab.sourcedata import load_source_data

    root = Path(__file__).resolve().parents[1] / "figures"
    ex = load_source_data(root / "attribution_vs_attention.data.json")["examples"][0]
    words = [t for t, special in zip(ex["tokens"], ex["special"]) if not special]
    order = np.argsort(-np.asarray(ex["attention"]), kind="stable")
    manifest = {e["id"]: e for e in json.loads((root / "manifest.json").read_text(encoding="utf-8"))}
    top = manifest["attribution_vs_attention"]["results"]["examples"][0]["attention_top"]
    for k, row in enumerate(top):
        assert row["token"] == words[order[k]] and row["rank"] == k + 1 and row["of"] == len(words)
        assert row["share"] == pytest.approx(ex["attention"][order[k]], abs=5e-4)

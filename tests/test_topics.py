"""Topics of the sentiment tweets (keyword rule) and the topic baselines, against direct computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vizlab.analysis.topics import (
    label_table,
    neighbour_agreement,
    same_topic_chance,
    topic_baseline_oof,
    topic_majority,
    within_topic_neighbours,
)
from vizlab.datasets import TOPICS, load_sentiment, topic_of


@pytest.mark.parametrize("text, topic", [
    ("@united lost my bag again", "airline"),
    ("@SouthwestAir thanks for the great flight!", "airline"),
    ("My flight got cancelled", "airline"),
    ("Google's self-driving car is here", "self_driving"),
    ("Driver-less cars are the future", "self_driving"),
    ("Claritin works so well", "claritin"),
    ("#Coachella2015 lineup is out", "coachella"),
    ("#DeflateGate Brady again", "deflategate"),
    ("New iPhone 6 sales $AAPL", "apple"),
    ("Coachella flight booked", "coachella"),  # the product/event rule comes before the bare word "flight"
    ("good morning everyone", "other"),
])
def test_topic_rule(text, topic):
    assert topic_of([text]) == [topic]


def test_topic_rule_covers_the_corpus_and_matches_the_documented_label_shares():
    df = load_sentiment()
    assert set(df["topic"]) <= set(TOPICS)
    assert (df["topic"] == "other").mean() < 0.005  # documented: 0.2 % of the corpus
    shares = pd.crosstab(df["topic"], df["label"], normalize="index")
    assert shares.loc["self_driving", "neutral"] == pytest.approx(0.88, abs=0.01)
    assert shares.loc["airline", "negative"] == pytest.approx(0.63, abs=0.01)
    assert shares.loc["coachella", "positive"] == pytest.approx(0.61, abs=0.01)
    assert shares.loc["claritin", "neutral"] == pytest.approx(0.84, abs=0.01)
    s = load_sentiment(300, seed=1)
    assert s["topic"].tolist() == topic_of(s["text"])


def test_topic_majority_and_oof_against_a_direct_count():
    topics = np.array(["a"] * 6 + ["b"] * 6)
    y = np.array(["n", "n", "n", "p", "p", "x"] + ["p", "p", "p", "p", "n", "n"])
    assert topic_majority(topics, y, ["a", "b", "zz"]).tolist() == ["n", "p", "p"]
    # ties go to the first label in sorted order
    assert topic_majority(["t", "t"], ["z", "b"], ["t"]).tolist() == ["b"]
    oof = topic_baseline_oof(topics, y, cv=2, seed=0)
    from sklearn.model_selection import StratifiedKFold

    for train, test in StratifiedKFold(2, shuffle=True, random_state=0).split(np.zeros(12), y):
        for i in test:
            tr_lab = y[train][topics[train] == topics[i]]
            vals, cnt = np.unique(tr_lab, return_counts=True)
            assert oof[i] == vals[np.argmax(cnt)]


def test_neighbour_agreement_and_same_topic_chance_against_formulas():
    y = np.array(["a", "a", "b", "b", "a"])
    idx = np.array([[1, 2], [0, 3], [3, 4], [2, 0], [0, 1]])
    assert np.allclose(neighbour_agreement(idx, y), [0.5, 0.5, 0.5, 0.5, 1.0])
    with pytest.raises(ValueError, match="own neighbour"):
        neighbour_agreement(np.array([[0], [0]]), ["a", "b"])
    topics = np.array(["t", "t", "t", "u", "u"])
    ch = same_topic_chance(y, topics)
    # text 0 (t, a): one other 'a' among the 2 other t-texts -> 1/2; text 3 (u, b): 0 of 1 other u
    assert np.allclose(ch, [0.5, 0.5, 0.0, 0.0, 0.0])


def test_within_topic_neighbours_stay_in_the_topic():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    topics = np.repeat(["a", "b", "c"], [20, 17, 3])
    nb = within_topic_neighbours(X, topics, k=4)
    for i in range(37):
        assert i not in nb[i] and (topics[nb[i]] == topics[i]).all()
    assert (nb[37:] == -1).all()
    from sklearn.metrics.pairwise import cosine_distances

    members = np.flatnonzero(topics == "a")
    D = cosine_distances(X[members])
    np.fill_diagonal(D, np.inf)
    assert set(nb[0]) == set(members[np.argsort(D[0])[:4]])


def test_label_table():
    t = label_table(["a", "b", "a"], ["x", "x", "y"], labels=("a", "b"), topic_order=("y", "x", "z"))
    assert list(t) == ["y", "x"] and t["x"] == {"n": 2, "a": 0.5, "b": 0.5}

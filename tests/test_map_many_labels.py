"""A user's map with more distinct labels than colours (36 scikit-learn subpackages in the issue-21
benchmark): the most frequent keep a colour each, the rest fold into one grey entry, and the legend
no longer squeezes the map to nothing."""

from __future__ import annotations

import io
import warnings
from collections import Counter

import matplotlib
import numpy as np

matplotlib.use("Agg")

from vizlab.drawings.embeddings import draw_embedding_map, fold_rare_labels  # noqa: E402
from vizlab.i18n import Lang  # noqa: E402
from vizlab.palette import CATEGORICAL, CLASS_COLORS, role_color  # noqa: E402

RNG = np.random.default_rng(0)
LABELS = [f"pkg{i:02d}" for i in range(36) for _ in range(36 - i)]  # pkg00 most frequent


def test_the_most_frequent_labels_keep_a_colour_and_the_rest_fold_into_one():
    folded, order, names, colors = fold_rare_labels(LABELS, Lang("en"))
    assert len(order) == len(CATEGORICAL)
    assert order[:-1] == [f"pkg{i:02d}" for i in range(6)]
    rest = sum(36 - i for i in range(6, 36))
    assert names == {order[-1]: f"30 other labels ({rest} texts)"}
    assert Counter(folded)[order[-1]] == rest and len(folded) == len(LABELS)
    assert colors[order[-1]] == role_color("label.other")
    assert len(set(colors.values())) == len(order)
    pt = fold_rare_labels(LABELS, Lang("pt"))[2]
    assert list(pt.values()) == [f"outros 30 rótulos ({rest} textos)"]


def test_few_labels_are_left_as_they_are_and_sentiments_keep_their_colours():
    labels = ["positivo", "negativo", "neutro", "x"] * 3
    folded, order, names, colors = fold_rare_labels(labels, Lang("pt"))
    assert folded == labels and order == sorted(set(labels)) and names == {}
    assert colors["negativo"] == CLASS_COLORS["negative"] and colors["positivo"] == CLASS_COLORS["positive"]
    many = ["negative"] + LABELS  # a rare sentiment label still folds, a frequent one keeps its colour
    assert fold_rare_labels(["negative"] * 100 + LABELS, Lang("en"))[3]["negative"] == CLASS_COLORS["negative"]
    assert "negative" not in fold_rare_labels(many, Lang("en"))[1]


def test_a_map_of_36_labels_keeps_its_size_and_a_short_legend():
    n = len(LABELS)
    src = {"method": "umap", "coords": RNG.normal(size=(n, 2)), "labels": LABELS, "model": "minilm",
           "settings": {"random_state": 0}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied because axes sizes collapsed to zero"
        res = draw_embedding_map(src, lang="en")
        fig = res.ax_.figure
        fig.savefig(io.BytesIO(), format="png", dpi=72)
    legend = res.ax_.get_legend()
    assert [t.get_text() for t in legend.get_texts()][-1].endswith(f"other labels ({sum(range(1, 31))} texts)")
    assert len(legend.get_texts()) == len(CATEGORICAL)
    box = res.ax_.get_position()
    assert box.height > 0.6 and box.width > 0.4, box

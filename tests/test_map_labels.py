"""Names on the islands of a 2-D map: on the right island, inside the axes, never overlapping, haloed."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import patheffects  # noqa: E402

from vizlab.plot.display import PlotResult  # noqa: E402
from vizlab.plot.map_labels import island_anchors, label_islands  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _map(centres, n=60, spread=0.4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, spread, (n, 2)) for c in centres])
    groups = np.repeat([f"tema {k}" for k in range(len(centres))], n)
    return X, groups


def test_anchor_is_on_the_larger_island_of_a_split_group():
    rng = np.random.default_rng(0)
    big, small = rng.normal([0, 0], 0.2, (50, 2)), rng.normal([10, 10], 0.2, (10, 2))
    X = np.concatenate([big, small, rng.normal([10, 0], 0.2, (3, 2))])
    groups = ["a"] * 60 + ["tiny"] * 3
    anchors = island_anchors(X, groups, min_size=5)
    assert set(anchors) == {"a"}                        # "tiny" has fewer than min_size points
    x, y, n = anchors["a"]
    assert np.hypot(x, y) < 0.2 and n == 50              # the mean of the big island, not of all 60 points
    assert island_anchors(X, groups, exclude=["a"]) == {}
    with pytest.raises(ValueError, match="groups for"):
        island_anchors(X, groups[:-1])


def test_labels_do_not_overlap_and_stay_in_the_axes():
    # eight crowded islands: labels must move apart, with leader lines to their anchors
    X, groups = _map([(k * 0.6, (k % 2) * 0.3) for k in range(8)], spread=0.15)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.scatter(X[:, 0], X[:, 1], s=3)
    names = {f"tema {k}": f"tema número {k + 1}" for k in range(8)}
    res = label_islands(X, groups, ax=ax, names=names, fontsize=9)
    assert isinstance(res, PlotResult) and res.ax_ is ax
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in res.artists_["labels"]]
    assert len(boxes) + len(res.values_["skipped"]) == 8 and len(boxes) >= 6
    assert {t.get_text() for t in res.artists_["labels"]} <= set(names.values())
    for i, a in enumerate(boxes):
        assert all(not a.overlaps(b) for b in boxes[i + 1:])
        assert ax.get_window_extent(r).contains(a.x0, a.y0) and ax.get_window_extent(r).contains(a.x1, a.y1)
    pos, anc = res.values_["positions"], res.values_["anchors"]
    moved = [g for g in pos if not np.allclose(pos[g], anc[g])]
    assert len(res.artists_["leaders"]) == len(moved) > 0


def test_well_separated_islands_get_their_name_at_their_centre_with_a_halo():
    X, groups = _map([(0, 0), (5, 0), (0, 5)])
    fig, ax = plt.subplots()
    colors = {"tema 0": "#D55E00"}
    res = label_islands(X, groups, ax=ax, names={"tema 2": ""}, colors=colors)
    assert [t.get_text() for t in res.artists_["labels"]] == ["tema 0", "tema 1"]   # "" = no label
    assert res.artists_["leaders"] == []
    for t, c in zip(res.artists_["labels"], [(0, 0), (5, 0)]):
        assert np.hypot(*(np.array(t.get_position()) - c)) < 0.3
        assert any(isinstance(e, patheffects.withStroke) for e in t.get_path_effects())
    assert matplotlib.colors.to_hex(res.artists_["labels"][0].get_color()) == "#d55e00"
    assert res.artists_["labels"][0].get_fontweight() == "bold"


def test_missing_glyphs_are_escaped_and_output_is_reproducible():
    X, groups = _map([(0, 0), (5, 0)])

    def draw():
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.scatter(X[:, 0], X[:, 1], s=3)
        res = label_islands(X, groups, ax=ax, names={"tema 0": "中文"})
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return res, buf.getvalue()

    (res, a), (_, b) = draw(), draw()
    assert "U+4E2D U+6587" in [t.get_text() for t in res.artists_["labels"]]
    assert a == b


def test_given_anchors_are_used_in_their_order():
    X, groups = _map([(0, 0), (5, 0), (0, 5)])
    fig, ax = plt.subplots()
    res = label_islands(X, groups, ax=ax, anchors={"b": (5, 5), "a": (0, 0), "z": (1, 1)}, exclude=["z"])
    assert [t.get_text() for t in res.artists_["labels"]] == ["b", "a"]
    assert np.allclose(res.values_["positions"]["b"], (5, 5))

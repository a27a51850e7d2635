"""Names next to the islands of a 2-D map: near the right island, inside the axes, never on points or
other names, bold and haloed."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from vizlab.plot.display import PlotResult  # noqa: E402
from vizlab.plot.map_labels import label_islands, main_islands  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _map(centres, n=60, spread=0.4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, spread, (n, 2)) for c in centres])
    groups = np.repeat([f"tema {k}" for k in range(len(centres))], n)
    return X, groups


def _check_layout(fig, ax, res, X, islands):
    """Every label inside the axes; no two labels, no label and island box, no label and point overlap."""
    r = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(r)
    boxes = [t.get_window_extent(r) for t in res.artists_["labels"]]
    P = ax.transData.transform(X)
    island_boxes = [Bbox.from_extents(*P[ix].min(0), *P[ix].max(0)) for ix in islands.values()]
    for i, a in enumerate(boxes):
        assert ax_box.x0 <= a.x0 and a.x1 <= ax_box.x1 and ax_box.y0 <= a.y0 and a.y1 <= ax_box.y1
        assert not any(a.overlaps(b) for b in boxes[i + 1:])
        assert not any(a.overlaps(b) for b in island_boxes)
        inside = (P[:, 0] >= a.x0) & (P[:, 0] <= a.x1) & (P[:, 1] >= a.y0) & (P[:, 1] <= a.y1)
        assert not inside.any()
    return boxes, island_boxes


def test_main_island_is_the_larger_piece_of_a_split_group():
    rng = np.random.default_rng(0)
    big, small = rng.normal([0, 0], 0.2, (50, 2)), rng.normal([10, 10], 0.2, (10, 2))
    X = np.concatenate([big, small, rng.normal([10, 0], 0.2, (3, 2))])
    groups = ["a"] * 60 + ["tiny"] * 3
    islands = main_islands(X, groups, min_size=5)
    assert list(islands) == ["a"]                        # "tiny" has fewer than min_size points
    assert islands["a"].tolist() == list(range(50))      # the big island, not the 10 far points
    assert main_islands(X, groups, exclude=["a"]) == {}
    with pytest.raises(ValueError, match="groups for"):
        main_islands(X, groups[:-1])


def test_names_sit_next_to_their_islands_never_on_points():
    X, groups = _map([(0, 0), (5, 0), (0, 5), (5, 5)])
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(X[:, 0], X[:, 1], s=4)
    names = {f"tema {k}": f"companhias aéreas {k + 1}" for k in range(4)}
    res = label_islands(X, groups, ax=ax, names=names)
    assert isinstance(res, PlotResult) and res.ax_ is ax
    texts = res.artists_["labels"]
    assert sorted(t.get_text() for t in texts) == sorted(names.values())   # the given names, all drawn
    assert res.values_["skipped"] == [] and res.artists_["leaders"] == []
    boxes, island_boxes = _check_layout(fig, ax, res, X, res.values_["islands"])
    # each name is nearer to its own island's box than to any other island's box, and close to it
    order = list(res.values_["islands"])
    for t, box in zip(texts, boxes):
        own = order.index(next(g for g, v in names.items() if v == t.get_text()))

        def gap(b, a=box):
            return np.hypot(max(0, b.x0 - a.x1, a.x0 - b.x1), max(0, b.y0 - a.y1, a.y0 - b.y1))
        gaps = [gap(b) for b in island_boxes]
        assert int(np.argmin(gaps)) == own and gaps[own] < 2 * box.height
        assert t.get_fontweight() == "bold"
        assert any(isinstance(e, patheffects.withStroke) for e in t.get_path_effects())


def test_crowded_islands_and_a_legend_leave_no_overlap():
    # eight crowded islands, an unlabelled group scattered over the map, a legend: names move apart
    X, groups = _map([(k * 1.6, (k % 2) * 2.0) for k in range(8)], spread=0.12, n=80)
    rng = np.random.default_rng(1)
    X = np.concatenate([X, rng.uniform([-0.5, -0.5], [12, 2.5], (30, 2))])
    groups = np.concatenate([groups, ["other"] * 30])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.scatter(X[:, 0], X[:, 1], s=3)
    ax.legend(handles=[Line2D([], [], ls="", marker="o", label="positivo")], loc="lower left")
    names = {f"tema {k}": f"tema número {k + 1}" for k in range(8)}
    res = label_islands(X, groups, ax=ax, names=names, exclude=["other"])
    assert "other" not in res.values_["islands"]
    texts = res.artists_["labels"]
    assert len(texts) + len(res.values_["skipped"]) == 8 and len(texts) >= 6
    assert {t.get_text() for t in texts} <= set(names.values())
    boxes, _ = _check_layout(fig, ax, res, X, res.values_["islands"])
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert not any(b.overlaps(legend) for b in boxes)


def test_empty_names_colours_and_missing_glyphs():
    X, groups = _map([(0, 0), (5, 0), (0, 5)])
    fig, ax = plt.subplots()
    res = label_islands(X, groups, ax=ax, names={"tema 0": "中文", "tema 2": ""}, colors={"tema 0": "#D55E00"})
    texts = {t.get_text(): t for t in res.artists_["labels"]}
    assert set(texts) == {"U+4E2D U+6587", "tema 1"}                                  # "" = no label
    assert matplotlib.colors.to_hex(texts["U+4E2D U+6587"].get_color()) == "#d55e00"


def test_output_is_reproducible():
    X, groups = _map([(0, 0), (5, 0)])

    def draw():
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.scatter(X[:, 0], X[:, 1], s=3)
        label_islands(X, groups, ax=ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    assert draw() == draw()

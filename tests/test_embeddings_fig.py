"""Embedding plots (what was drawn), contextual-vector analysis, and the registered figure ids."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from vizlab.analysis.contextual import sense_similarity, word_vectors
from vizlab.palette import CLASS_COLORS
from vizlab.plot.embeddings import marker_style, plot_embedding_map, plot_sense_similarity
from vizlab.plot.similarity import plot_similarity, plot_similarity_means
from vizlab.studies.embeddings import SIMILARITY_SENTENCES


def test_embedding_map_draws_every_point_with_its_label_colour():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(30, 2))
    y = np.array(["negative", "neutral", "positive"] * 10)
    res = plot_embedding_map(xy, labels=y, names={"negative": "negativo"}, axis_name="UMAP")
    ax, sc = res.ax_, res.artists_["points"]
    perm = res.values_["order"]
    assert sorted(perm) == list(range(30))
    assert np.allclose(sc.get_offsets(), xy[perm])
    assert np.allclose(sc.get_facecolors()[:, :3], [to_rgba(CLASS_COLORS[l])[:3] for l in y[perm]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["negativo", "neutral", "positive"]
    assert ax.get_xlabel() == "UMAP 1"
    s, alpha = marker_style(30)
    assert sc.get_sizes()[0] == s and sc.get_alpha() == alpha


def test_embedding_map_errors():
    with pytest.raises(ValueError, match="coords"):
        plot_embedding_map(np.zeros((5, 3)), labels=list("aaaaa"))
    with pytest.raises(ValueError, match="labels"):
        plot_embedding_map(np.zeros((5, 2)), labels=list("aaa"))
    with pytest.raises(ValueError, match="not in order"):
        plot_embedding_map(np.zeros((2, 2)), labels=["a", "b"], order=["a"])


def test_marker_style_shrinks_with_count():
    (s1, a1), (s2, a2) = marker_style(100), marker_style(5000)
    assert s2 < s1 and a2 < a1


def test_sense_similarity_plot():
    w, b = np.array([1.0, 0.8, 0.7]), np.array([1.0, 0.5, 0.3])
    res = plot_sense_similarity(w, b, labels=("same", "different"), title="bank",
                                xticklabels=["emb.", "1", "2"], lang="pt")
    assert np.allclose(res.artists_["within"].get_ydata(), w) and np.allclose(res.artists_["between"].get_ydata(), b)
    assert res.ax_.get_title() == "bank"
    assert [t.get_text() for t in res.ax_.get_xticklabels()] == ["emb.", "1", "2"]
    res.figure_.canvas.draw()
    assert any("," in t.get_text() for t in res.ax_.get_yticklabels())  # decimal comma


def test_similarity_heatmap_and_means():
    S = np.array([[1, 0.5, -0.05], [0.5, 1, 0.1], [-0.05, 0.1, 1]])
    res = plot_similarity(S, labels=["a", "b", "c"], vmin=0.0, lang="pt")
    np.testing.assert_array_equal(res.im_.get_array(), S)
    assert res.values_["vmin"] == -0.05  # the scale covers every value shown
    assert res.text_[0, 1].get_text() == "0,50"
    m = plot_similarity_means([[0.707, 0.625], [0.061, 0.473]], groups=["par", "sem"], series=["en", "pt"])
    en, pt = m.artists_["bars"]
    assert [b.get_height() for b in en] == [0.707, 0.061] and [b.get_height() for b in pt] == [0.625, 0.473]
    assert {"0,061", "0,473"} <= {t.get_text() for t in m.ax_.texts}


def test_sense_similarity_values():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=8), rng.normal(size=8)
    V = np.stack([np.stack([a, a + 0.01, b, b + 0.01])] * 2)  # (2 layers, 4 occurrences, 8)
    within, between = sense_similarity(V, ["x", "x", "y", "y"])
    cos = lambda u, v: u @ v / np.linalg.norm(u) / np.linalg.norm(v)  # noqa: E731
    assert np.allclose(within, (cos(a, a + 0.01) + cos(b, b + 0.01)) / 2)
    assert np.allclose(between, np.mean([cos(a, b), cos(a, b + 0.01), cos(a + 0.01, b), cos(a + 0.01, b + 0.01)]))
    with pytest.raises(ValueError):
        sense_similarity(V, ["x", "y", "z", "w"])


def test_sense_similarity_background_standardises():
    rng = np.random.default_rng(1)
    V = rng.normal(size=(1, 4, 6)) + np.array([100, 0, 0, 0, 0, 0])  # one rogue dimension
    bg = rng.normal(size=(1, 50, 6)) + np.array([100, 0, 0, 0, 0, 0])
    w_raw, _ = sense_similarity(V, ["x", "x", "y", "y"])
    w_std, _ = sense_similarity(V, ["x", "x", "y", "y"], background=bg)
    assert w_raw[0] > 0.99 and w_std[0] < 0.9


def test_word_vectors_average_the_word_tokens(tiny_bert):
    from vizlab.extraction.run import extract

    acts = extract(tiny_bert, ["the river bank was muddy", "a bank loan"], cache=False)
    V = word_vectors(acts, "bank")
    i = acts[0].tokens.index("bank")
    assert V.shape == (tiny_bert.n_layers + 1, 2, tiny_bert.hidden_size)
    assert np.allclose(V[:, 0], acts[0].hidden_states[:, i])
    with pytest.raises(ValueError, match="not a word"):
        word_vectors(acts, "money")


def test_registered_ids():
    from vizlab.figures.registry import all_figures

    figs = {f.id: f.section for f in all_figures()}
    expected = {
        "embeddings_sentiment_map": "embeddings", "embeddings_similarity": "embeddings",
        "embeddings_contextual": "embeddings", "pretraining_next_word": "pretraining",
        "pretraining_masked_word": "pretraining", "pretraining_logit_lens": "pretraining",
        "transfer_layer_probes": "transfer_learning", "transfer_data_efficiency": "transfer_learning",
    }
    for fid, section in expected.items():
        assert figs.get(fid) == section, fid


def test_describe_projection_says_what_projection_describe_says():
    from vizlab.analysis.projection import project
    from vizlab.drawings.embeddings import describe_projection
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.embeddings import projection_data

    X = np.random.default_rng(0).normal(size=(40, 8))
    for method in ("umap", "pca", "tsne"):
        p = project(X, method, pca_dims=4, n_neighbors=5, perplexity=5.0, n_epochs=20)
        m = decode(encode({"m": projection_data(p)}))["m"]  # as the drawing reads it
        assert m["coords"].dtype == np.float32 and np.array_equal(m["coords"], p.coords)
        for lang in ("pt", "en"):
            assert describe_projection(m, lang) == p.describe(lang)
    # few vectors: the lowered settings are said in both places (the CLI's figure footnote, the explorer)
    few = np.random.default_rng(0).normal(size=(10, 80))
    for method in ("tsne", "umap"):
        p = project(few, method, n_epochs=20)
        m = decode(encode({"m": projection_data(p)}))["m"]
        assert "reduzido de 50" in p.describe("pt")
        for lang in ("pt", "en"):
            assert describe_projection(m, lang) == p.describe(lang)


@pytest.mark.models
def test_similarity_figure_wraps_labels_and_shows_blocks():
    from vizlab.drawings import DrawContext, registered_drawings
    from vizlab.sourcedata import decode, encode
    from vizlab.studies import StudyContext, registered_studies

    ctx = StudyContext()
    data = registered_studies()["embeddings_similarity"].compute(ctx)
    src = decode(encode(data, ctx.results))
    fig = registered_drawings()["embeddings_similarity"].draw(src, DrawContext("pt"))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    bars = [ax for ax in fig.axes if ax.containers][0]
    heights = [[b.get_height() for b in c] for c in bars.containers]  # English, Portuguese
    assert heights[1][1] == pytest.approx(ctx.results["pt_unrelated_mean"], abs=1e-3)
    assert heights[0][1] == pytest.approx(ctx.results["en_unrelated_mean"], abs=1e-3)
    assert len(labels) == 12 and not any("…" in l for l in labels) and any("\n" in l for l in labels)
    assert {l.replace("\n", " ") for l in labels} == set(SIMILARITY_SENTENCES["en"])
    S = ax.images[0].get_array()
    assert np.allclose(np.diag(S), 1, atol=1e-5)
    r = ctx.results
    assert r["en_paraphrase_mean"] > r["en_unrelated_mean"] + 0.4  # clear blocks in English
    assert r["en_paraphrase_mean"] - r["en_unrelated_mean"] > r["pt_paraphrase_mean"] - r["pt_unrelated_mean"]


def test_sense_pair_similarities_are_the_pairs_behind_the_means():
    from vizlab.analysis.contextual import sense_pair_similarities

    rng = np.random.default_rng(0)
    V, B = rng.normal(size=(3, 6, 8)), rng.normal(size=(3, 20, 8))
    senses = ["a", "a", "a", "b", "b", "b"]
    wp, bp = sense_pair_similarities(V, senses, background=B)
    w, b = sense_similarity(V, senses, background=B)
    assert wp.shape == (3, 6) and bp.shape == (3, 9)  # 2 x C(3, 2) same-sense pairs, 3 x 3 across
    np.testing.assert_allclose(wp.mean(1), w)
    np.testing.assert_allclose(bp.mean(1), b)
    Z = (V[1] - B[1].mean(0)) / (B[1].std(0) + 1e-6)  # one pair by hand: occurrences 0 and 4
    assert bp[1, 1] == pytest.approx(Z[0] @ Z[4] / np.linalg.norm(Z[0]) / np.linalg.norm(Z[4]))
    with pytest.raises(ValueError, match="one sense per text"):
        sense_pair_similarities(V, senses[:5])


def test_sense_similarity_plot_draws_the_middle_half_of_the_pairs():
    w, b = np.array([0.9, 0.8]), np.array([0.85, 0.4])
    wp = np.array([[0.8, 0.9, 1.0], [0.7, 0.8, 0.9]])
    res = plot_sense_similarity(w, b, within_pairs=wp, between_pairs=np.array([[0.8, 0.9], [0.2, 0.6]]))
    spans = {k: np.array([s[:, 1] for s in res.artists_[k].get_segments()]) for k in ("within_spread", "between_spread")}
    np.testing.assert_allclose(spans["within_spread"], [[0.85, 0.95], [0.75, 0.85]])
    np.testing.assert_allclose(spans["between_spread"], [[0.825, 0.875], [0.3, 0.5]])
    with pytest.raises(ValueError, match="within_pairs must be"):
        plot_sense_similarity(w, b, within_pairs=wp[:1])

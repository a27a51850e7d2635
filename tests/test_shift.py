"""Attention change and embedding shift checked by values (scipy/sklearn as independent references)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import ortho_group
from sklearn.metrics import silhouette_score

from vizlab.analysis.shift import attention_change, embedding_shift, most_changed_head


def _maps(rng, L=2, H=3, n=5):
    A = rng.random((L, H, n, n)) + 1e-3
    return A / A.sum(-1, keepdims=True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("metric", ["jsd", "cosine"])
def test_identical_maps_do_not_change(rng, metric):
    maps = [_maps(rng, n=n) for n in (4, 7)]
    np.testing.assert_allclose(attention_change(maps, maps, metric=metric), 0.0, atol=1e-12)


def test_jsd_matches_scipy_row_by_row_averaged_over_queries_then_texts(rng):
    before = [_maps(rng, n=4), _maps(rng, n=6)]
    after = [_maps(rng, n=4), _maps(rng, n=6)]
    got = attention_change(before, after, metric="jsd")
    assert got.shape == (2, 3)
    for l in range(2):
        for h in range(3):
            per_text = [np.mean([jensenshannon(P[l, h, q], Q[l, h, q], base=2) ** 2 for q in range(len(P[l, h]))])
                        for P, Q in zip(before, after)]
            assert got[l, h] == pytest.approx(np.mean(per_text), rel=1e-9)


def test_jsd_is_one_for_disjoint_rows_and_cosine_matches_direct_formula(rng):
    eye = np.eye(3)[None, None]
    shifted = np.roll(np.eye(3), 1, axis=1)[None, None]
    assert attention_change([eye], [shifted], metric="jsd")[0, 0] == pytest.approx(1.0)
    assert attention_change([eye], [shifted], metric="cosine")[0, 0] == pytest.approx(1.0)
    P, Q = _maps(rng), _maps(rng)
    got = attention_change(P, Q, metric="cosine")  # a single text as a 4-D array
    p, q = P[1, 2].ravel(), Q[1, 2].ravel()
    assert got[1, 2] == pytest.approx(1 - p @ q / np.linalg.norm(p) / np.linalg.norm(q))


def test_most_changed_head():
    C = np.zeros((3, 4))
    C[2, 1] = 0.5
    C[0, 3] = 0.4
    assert most_changed_head(C) == (3, 2)  # layer 3, head 2: numbered from 1, as plot_head_change draws it
    with pytest.raises(ValueError, match="n_layers, n_heads"):
        most_changed_head(C.ravel())


def test_attention_change_bad_input(rng):
    with pytest.raises(ValueError, match="same, non-zero number"):
        attention_change([_maps(rng)], [])
    with pytest.raises(ValueError, match="same shape"):
        attention_change([_maps(rng, n=4)], [_maps(rng, n=5)])
    with pytest.raises(ValueError, match="metric"):
        attention_change([_maps(rng)], [_maps(rng)], metric="kl")


def _clusters(rng, n=90, d=12, spread=1.0):
    labels = np.repeat(["a", "b", "c"], n // 3)
    centres = rng.normal(size=(3, d)) * 4
    X = centres[np.repeat(np.arange(3), n // 3)] + rng.normal(size=(n, d)) * spread
    return X, labels


@pytest.mark.parametrize("method", ["joint", "procrustes"])
def test_no_change_gives_zero_shift(rng, method):
    X, y = _clusters(rng)
    s = embedding_shift(X, X, y, method=method)
    np.testing.assert_allclose(s.after, s.before, atol=1e-9)
    np.testing.assert_allclose(s.centroid_shift, 0.0, atol=1e-9)
    assert s.silhouette_before == pytest.approx(s.silhouette_after)
    assert s.classes == ("a", "b", "c") and s.before.shape == (90, 2)


def test_procrustes_undoes_a_rotation_and_normalize_undoes_a_scale(rng):
    X, y = _clusters(rng)
    Q = ortho_group.rvs(X.shape[1], random_state=3)
    s = embedding_shift(X, X @ Q, y, method="procrustes")
    np.testing.assert_allclose(s.after, s.before, atol=1e-8)
    s = embedding_shift(X, 5 * X + 2, y, method="joint", normalize=True)
    np.testing.assert_allclose(s.after, s.before, atol=1e-8)


def test_joint_projection_shows_a_translation_as_a_centroid_shift(rng):
    X, y = _clusters(rng)
    after = X.copy()
    after[y == "a"] += 3.0 * np.eye(X.shape[1])[0]  # class a moves 3 units along one axis
    s = embedding_shift(X, after, y, method="joint")
    assert s.centroid_shift[0] == pytest.approx(3.0 * np.linalg.norm(_pca_axes(X, after)[:, 0]), rel=1e-6)
    np.testing.assert_allclose(s.centroid_shift[1:], 0.0, atol=1e-9)
    np.testing.assert_allclose(s.centroids_before[0], s.before[y == "a"].mean(0))


def _pca_axes(X, after):
    """The first two principal axes of the stacked data, shape (2, d)."""
    Z = np.vstack([X, after])
    _, _, Vt = np.linalg.svd(Z - Z.mean(0), full_matrices=False)
    return Vt[:2]


def test_silhouette_is_sklearns_on_the_full_embeddings(rng):
    X, y = _clusters(rng, spread=6.0)
    tight, _ = _clusters(np.random.default_rng(1), spread=0.3)
    s = embedding_shift(X, tight, y, normalize=True)
    assert s.silhouette_before == pytest.approx(silhouette_score(X, y, metric="cosine"))
    assert s.silhouette_after == pytest.approx(silhouette_score(tight, y, metric="cosine"))
    assert s.silhouette_after > s.silhouette_before
    frame = s.to_frame()
    assert len(frame) == 180 and set(frame["stage"]) == {"before", "after"}
    assert s.explained_variance.shape == (2,)


def test_embedding_shift_bad_input(rng):
    X, y = _clusters(rng)
    with pytest.raises(ValueError, match="same shape"):
        embedding_shift(X, X[:, :5], y)
    with pytest.raises(ValueError, match="labels has"):
        embedding_shift(X, X, y[:10])
    with pytest.raises(ValueError, match="at least 2 classes"):
        embedding_shift(X, X, np.full(len(X), "a"))
    with pytest.raises(ValueError, match="method"):
        embedding_shift(X, X, y, method="umap")

"""vizlab.project: values, reproducibility, recorded settings, the kNN graph, the cache, errors."""

from __future__ import annotations

import numpy as np
import pytest

from vizlab.analysis.projection import Projection, exact_knn, project
from vizlab.cache import ArrayCache


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 6, size=(3, 20))
    X = np.concatenate([c + rng.normal(size=(60, 20)) for c in centers]).astype(np.float32)
    return X, np.repeat([0, 1, 2], 60)


def test_pca_matches_svd(blobs):
    X, _ = blobs
    p = project(X, "pca")
    Xc = X.astype(np.float64) - X.mean(0)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    ref = U[:, :2] * S[:2]
    for j in range(2):  # principal axes are defined up to sign
        assert np.allclose(np.abs(p.coords[:, j]), np.abs(ref[:, j]), atol=1e-3)
    assert p.explained_variance == pytest.approx((S[:2] ** 2).sum() / (S**2).sum(), rel=1e-5)
    assert p.coords.dtype == np.float32 and p.n_samples == len(X) and p.n_features == 20


def test_exact_knn_matches_brute_force(blobs):
    X, _ = blobs
    idx, dist = exact_knn(X, 5)
    D = np.sqrt(((X[:, None, :].astype(np.float64) - X[None]) ** 2).sum(-1))
    assert (idx[:, 0] == np.arange(len(X))).all() and np.allclose(dist[:, 0], 0, atol=1e-3)
    assert np.allclose(dist, np.sort(D, axis=1)[:, :5], atol=1e-3)


def test_exact_knn_puts_each_row_first_even_with_duplicates():
    X = np.array([[0.0, 0], [0, 0], [1, 0], [5, 5], [5, 5.1]])
    idx, dist = exact_knn(X, 3)
    assert (idx[:, 0] == np.arange(5)).all()
    assert dist[0, 1] == 0 and idx[0, 1] == 1 and idx[1, 1] == 0


def test_tsne_reproducible_and_recorded(blobs):
    X, y = blobs
    a = project(X, "tsne", perplexity=10, pca_dims=10, random_state=3)
    b = project(X, "tsne", perplexity=10, pca_dims=10, random_state=3)
    assert np.array_equal(a.coords, b.coords)
    assert a.params["perplexity"] == 10 and a.params["pca_dims"] == 10 and a.random_state == 3
    assert "t-SNE" in a.describe() and "seed 3" in a.describe()
    assert "semente 3" in a.describe("pt")


def test_to_frame(blobs):
    X, y = blobs
    df = project(X, "pca").to_frame(y)
    assert list(df.columns) == ["x", "y", "label"] and len(df) == len(X)


@pytest.mark.parametrize(
    "kwargs, err",
    [
        ({"method": "mds"}, ValueError),
        ({"random_state": None}, TypeError),
        ({"random_state": 1.5}, TypeError),
        ({"metric": "manhattan"}, ValueError),
        ({"n_neighbors": 500}, ValueError),
        ({"init": "spectrall"}, ValueError),
        ({"pca_dims": 1}, ValueError),
    ],
)
def test_bad_arguments(blobs, kwargs, err):
    X, _ = blobs
    with pytest.raises(err):
        project(X, **kwargs)


@pytest.mark.parametrize("X, err", [(np.zeros(10), ValueError), (np.zeros((3, 4)), ValueError),
                                    ([["a", "b"]] * 5, TypeError), ("text", TypeError)])
def test_bad_input(X, err):
    with pytest.raises(err):
        project(X, "pca")


def test_nan_rejected(blobs):
    X = blobs[0].copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        project(X, "pca")


# UMAP fits compile numba code on their first call in a process (~30 s on 2 cores): slow tests.


@pytest.fixture(scope="module")
def umap_map(blobs):
    return project(blobs[0], "umap", random_state=0)


@pytest.mark.slow
def test_umap_reproducible_faithful_and_recorded(blobs, umap_map):
    from sklearn.manifold import trustworthiness

    X, y = blobs
    again = project(X, "umap", random_state=0)
    assert np.array_equal(umap_map.coords, again.coords)
    other = project(X, "umap", random_state=1)
    assert not np.array_equal(umap_map.coords, other.coords)
    assert trustworthiness(X, umap_map.coords, n_neighbors=10) > 0.9
    # the three blobs stay apart: every point's nearest map neighbour is from its own blob
    idx, _ = exact_knn(umap_map.coords, 2)
    assert (y[idx[:, 1]] == y).mean() > 0.98
    p = umap_map.params
    assert (p["n_neighbors"], p["min_dist"], p["init"], p["n_epochs"], p["pca_dims"]) == (15, 0.1, "pca", 100, None)
    assert umap_map.knn_indices.shape == (len(X), 15)
    assert np.array_equal(umap_map.knn_indices, exact_knn(X, 15)[0])


@pytest.mark.slow
def test_umap_reuses_knn_graph(blobs, umap_map):
    X, _ = blobs
    reused = project(X, "umap", knn=umap_map)
    assert np.array_equal(reused.coords, umap_map.coords)
    wider = project(X, "umap", n_neighbors=10, knn=(umap_map.knn_indices, umap_map.knn_dists))
    assert np.array_equal(wider.knn_indices, umap_map.knn_indices[:, :10])
    with pytest.raises(ValueError, match="fewer than n_neighbors"):
        project(X, "umap", n_neighbors=20, knn=umap_map)
    with pytest.raises(ValueError, match="without a neighbour graph"):
        project(X, "umap", knn=project(X, "pca"))


@pytest.mark.slow
def test_umap_cache(blobs, tmp_path):
    X, _ = blobs
    store = ArrayCache("projection", root=tmp_path)
    first = project(X, "umap", n_epochs=50, cache=store)
    second = project(X, "umap", n_epochs=50, cache=store)
    assert store.misses == 1 and store.hits == 1
    assert np.array_equal(first.coords, second.coords) and second.seconds == 0.0 and first.seconds > 0
    assert isinstance(second, Projection) and second.params["n_epochs"] == 50


def test_few_vectors_lower_the_tsne_default_as_the_command_line_does(blobs):
    """issue 23: ``project(X, "tsne")`` on 10 vectors failed on perplexity=30 while the CLI adapted; now the
    default is lowered to (n - 1) / 3, recorded and said; explicit values and larger inputs are as before."""
    X = blobs[0][::18]  # 10 vectors
    p = project(X, "tsne")
    assert p.coords.shape == (10, 2)
    assert p.params["perplexity"] == 3.0 and p.params["lowered_from"] == {"perplexity": 30.0}
    assert "perplexity=3.0 (lowered from 30)" in p.describe()
    assert "perplexity=3.0 (reduzido de 30)" in p.describe("pt")
    assert np.array_equal(p.coords, project(X, "tsne", perplexity=3.0).coords)  # the same map as by hand
    assert "lowered_from" not in project(X, "tsne", perplexity=3.0).params
    with pytest.raises(ValueError, match="perplexity must be between 0 and n_samples = 10, got 30.*leave it out"):
        project(X, "tsne", perplexity=30)
    big = project(blobs[0], "tsne")  # 180 vectors: the usual default, nothing recorded beyond it
    assert big.params == {"pca_dims": None, "perplexity": 30.0, "metric": "euclidean", "init": "pca"}
    assert "lowered" not in big.describe()


def test_few_vectors_lower_pca_dims_in_the_record():
    X = np.random.default_rng(0).normal(size=(10, 80)).astype(np.float32)
    p = project(X, "tsne")  # PCA to 50 dimensions keeps at most 10 of 10 vectors
    assert p.params["pca_dims"] == 10 and p.params["lowered_from"] == {"pca_dims": 50, "perplexity": 30.0}
    assert "PCA → 10 (lowered from 50)" in p.describe()


@pytest.mark.slow
def test_few_vectors_lower_the_umap_default_as_the_command_line_does(blobs):
    X = blobs[0][::18]  # 10 vectors: n_neighbors=15 was "must be between 2 and n_samples - 1 = 9"
    p = project(X, "umap")
    assert p.params["n_neighbors"] == 9 and p.params["lowered_from"] == {"n_neighbors": 15}
    assert "n_neighbors=9 (lowered from 15)" in p.describe()
    assert np.array_equal(p.coords, project(X, "umap", n_neighbors=9).coords)
    with pytest.raises(ValueError, match="n_samples - 1 = 9, got 15.*leave it out"):
        project(X, "umap", n_neighbors=15)
    assert "lowered_from" not in project(blobs[0][:16], "umap").params  # 16 vectors: 15 neighbours fit

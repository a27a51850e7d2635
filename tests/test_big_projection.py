"""project_sample: full fit up to fit_size, sample + transform beyond."""

from __future__ import annotations

import numpy as np
import pytest

from vizlab.analysis.big_projection import project_sample
from vizlab.analysis.projection import project


def _blobs(n_per=200, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(size=(n_per, d)) + 6 * k for k in range(3)]).astype(np.float32)
    return X, np.repeat(np.arange(3), n_per)


def test_small_input_is_a_full_fit_identical_to_project():
    X, _ = _blobs(30)
    p = project_sample(X, "pca", fit_size=100)
    np.testing.assert_array_equal(p.coords, project(X, "pca").coords)
    assert p.params["fit_size"] == 90 and p.params["placed"] is None


def test_pca_fitted_on_a_sample_places_every_point():
    X, _ = _blobs()
    p = project_sample(X, "pca", fit_size=100, random_state=3)
    assert p.coords.shape == (600, 2) and p.params == {**p.params, "fit_size": 100, "placed": "transform"}
    # the PCA fitted on the sample and applied to all rows: same as sklearn directly
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(3)
    sample = np.sort(rng.choice(600, size=100, replace=False))
    ref = PCA(2, svd_solver="covariance_eigh").fit(X[sample].astype(np.float64)).transform(X.astype(np.float64))
    np.testing.assert_allclose(p.coords, ref, atol=1e-4)


def test_tsne_beyond_the_fit_size_is_refused():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="t-SNE cannot place new points"):
        project_sample(X, "tsne", fit_size=100)


@pytest.mark.slow  # numba compiles UMAP's transform on first use
def test_umap_sample_and_transform_is_reproducible_and_keeps_clusters():
    X, y = _blobs()
    a = project_sample(X, "umap", fit_size=150)
    b = project_sample(X, "umap", fit_size=150)
    np.testing.assert_array_equal(a.coords, b.coords)
    centres = np.array([a.coords[y == k].mean(0) for k in range(3)])
    spread = max(np.linalg.norm(a.coords[y == k] - centres[k], axis=1).mean() for k in range(3))
    assert min(np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i)) > 2 * spread

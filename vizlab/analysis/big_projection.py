"""Maps of big corpora: fit the projection on a sample, place the other points with the fitted model.

A full UMAP fit (:func:`vizlab.analysis.projection.project`) builds the exact neighbour graph by
brute force, whose cost grows with the square of the number of points, and then optimises every
point: comfortable up to ~20,000 vectors on a laptop, minutes and gigabytes beyond. For more,
:func:`project_sample` fits PCA + UMAP on a seeded random sample of ``fit_size`` vectors and
places the others with ``UMAP.transform`` (each new point is put among its nearest sample
points, the sample's layout stays fixed), in chunks so memory stays bounded. PCA maps are fitted
on the sample and applied to every vector. t-SNE has no ``transform``: beyond ``fit_size`` it is
refused with a pointer to UMAP/PCA.
"""

from __future__ import annotations

import time

import numpy as np

from vizlab.analysis.compile_cache import cache_umap_compilation
from vizlab.analysis.projection import N_NEIGHBORS, Projection, project, small_input_defaults

__all__ = ["project_sample", "FIT_SIZE"]

FIT_SIZE = 20_000
_CHUNK = 20_000


def project_sample(
    X,
    method: str = "umap",
    *,
    fit_size: int = FIT_SIZE,
    random_state: int = 0,
    pca_dims: int | None = 50,
    n_neighbors: int | None = None,
    min_dist: float = 0.1,
    metric: str = "euclidean",
    n_epochs: int | None = 100,
    **project_kws,
) -> Projection:
    """A 2-D map of any number of vectors: a full fit up to ``fit_size``, sample + transform beyond.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    method : {"umap", "pca", "tsne"}
    fit_size : int
        Largest number of vectors fitted directly. With more, a seeded random sample of this
        size is fitted and the rest placed with the fitted model.
    random_state : int
        Seed of the sample and of the projection.
    pca_dims, n_neighbors, min_dist, metric, n_epochs, **project_kws
        As in :func:`vizlab.analysis.projection.project` (``n_neighbors`` and ``perplexity`` left out
        adapt to few vectors).

    Returns
    -------
    Projection
        ``coords`` for every row of X, in order. ``params["fit_size"]`` is the number of
        vectors the map was fitted on (``n_samples`` for a full fit) and
        ``params["placed"]`` says how the others were placed (``"transform"``) or ``None``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = project_sample(rng.normal(size=(300, 8)), "pca", fit_size=100)
    >>> p.coords.shape, p.params["fit_size"], p.params["placed"]
    ((300, 2), 100, 'transform')
    """
    X = np.asarray(X, dtype=np.float32)
    if not isinstance(fit_size, int) or fit_size < 4:
        raise ValueError(f"fit_size must be an integer of at least 4, got {fit_size!r}")
    kws = dict(pca_dims=pca_dims, n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, n_epochs=n_epochs)
    if X.ndim != 2 or len(X) <= fit_size:
        p = project(X, method, random_state=random_state, **kws, **project_kws)
        return _with(p, {"fit_size": p.n_samples, "placed": None}, p.coords, p.seconds)
    if method == "tsne":
        raise ValueError(
            f"t-SNE cannot place new points, and a full fit of {len(X)} vectors is beyond its size "
            f"limit here ({fit_size}): use method='umap' or 'pca' (fitted on a sample), or sample the texts"
        )
    t0 = time.perf_counter()
    rng = np.random.default_rng(random_state)
    sample = np.sort(rng.choice(len(X), size=fit_size, replace=False))
    rest = np.setdiff1d(np.arange(len(X)), sample)
    coords = np.empty((len(X), 2), np.float32)
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, svd_solver="covariance_eigh", random_state=random_state)
        pca.fit(X[sample].astype(np.float64))
        for s in range(0, len(X), _CHUNK):
            coords[s : s + _CHUNK] = pca.transform(X[s : s + _CHUNK].astype(np.float64))
        base = project(X[sample], "pca", random_state=random_state)
        explained = float(pca.explained_variance_ratio_.sum())
        params = {**base.params, "fit_size": fit_size, "placed": "transform"}
        return Projection(coords=coords, method="pca", random_state=int(random_state), params=params,
                          n_features=int(X.shape[1]), explained_variance=explained,
                          seconds=time.perf_counter() - t0)
    if method != "umap":
        raise ValueError(f"unknown method {method!r}; use 'umap', 'pca' or 'tsne'")
    import umap
    from sklearn.decomposition import PCA

    cache_umap_compilation()
    lowered = {}
    if n_neighbors is None:  # fitted on fit_size vectors: as project() would on them
        n_neighbors = small_input_defaults(fit_size)["n_neighbors"]
        if n_neighbors != N_NEIGHBORS:
            lowered["n_neighbors"] = N_NEIGHBORS
    reduce = pca_dims if pca_dims is not None and pca_dims < X.shape[1] else None
    pca = PCA(n_components=reduce, svd_solver="covariance_eigh", random_state=random_state) if reduce else None
    Zs = pca.fit_transform(X[sample].astype(np.float64)).astype(np.float32) if pca else X[sample]
    model = umap.UMAP(n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, init="pca",
                      n_epochs=n_epochs, random_state=int(random_state), n_jobs=1, transform_seed=int(random_state))
    coords[sample] = model.fit_transform(Zs)
    for s in range(0, len(rest), _CHUNK):
        idx = rest[s : s + _CHUNK]
        Z = pca.transform(X[idx].astype(np.float64)).astype(np.float32) if pca else X[idx]
        coords[idx] = model.transform(Z)
    params = {"pca_dims": reduce, "n_neighbors": int(n_neighbors), "min_dist": float(min_dist),
              "metric": metric, "init": "pca", "n_epochs": n_epochs, "knn": "umap (approximate)",
              "fit_size": fit_size, "placed": "transform", **({"lowered_from": lowered} if lowered else {})}
    return Projection(coords=coords, method="umap", random_state=int(random_state), params=params,
                      n_features=int(X.shape[1]),
                      explained_variance=float(pca.explained_variance_ratio_.sum()) if pca else None,
                      seconds=time.perf_counter() - t0)


def _with(p: Projection, extra: dict, coords, seconds) -> Projection:
    return Projection(coords=coords, method=p.method, random_state=p.random_state,
                      params={**p.params, **extra}, n_features=p.n_features, knn_indices=p.knn_indices,
                      knn_dists=p.knn_dists, explained_variance=p.explained_variance, seconds=seconds)

"""2-D maps of high-dimensional vectors (UMAP, PCA, t-SNE), reproducible and recorded.

:func:`project` returns a :class:`Projection` holding the coordinates *and* every setting that
made them (method, seed, neighbours, epochs, ...), so a figure can say how it was drawn and the
same call always gives the same layout.

Thread invariance. Every map is computed on one thread (:func:`vizlab.threads.limited_threads`:
BLAS, OpenMP, numba), so the same call gives the same bits on a 1-core and a 16-core machine;
cached maps are keyed also by this module's code version.

UMAP route. Seeded umap-learn runs single-threaded, and most of its time goes into the
approximate nearest-neighbour search, the spectral initialisation and 500 optimisation epochs.
vizlab keeps the UMAP objective and changes only how it gets there:

1. PCA to ``pca_dims`` (50) dimensions first (exact, deterministic; typically keeps most of
   the variance of sentence embeddings and removes noise dimensions);
2. the *exact* k-nearest-neighbour graph by brute force in that space (cheap at these sizes,
   and more faithful than the approximate search), handed to UMAP as ``precomputed_knn``;
   the graph is kept on the result so related maps can reuse it (``knn=``);
3. a PCA initialisation instead of the spectral one, which lets UMAP converge in fewer
   epochs (``n_epochs=100`` by default instead of umap-learn's 500 up to 10,000 points; the
   benchmark shows the same trustworthiness).

``scripts/bench_projection.py`` measures the speed-up and checks with scikit-learn's
trustworthiness that the map is as faithful as plain ``umap.UMAP(random_state=0)``.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vizlab.analysis.compile_cache import cache_umap_compilation
from vizlab.cache import ArrayCache, cache_key
from vizlab.provenance import code_version, package_versions
from vizlab.threads import limited_threads

__all__ = ["Projection", "project", "exact_knn", "small_input_defaults", "lowered_note", "METHODS", "N_NEIGHBORS",
           "PERPLEXITY"]

N_NEIGHBORS = 15  # UMAP's neighbourhood size, lowered to n - 1 for fewer vectors
PERPLEXITY = 30.0  # t-SNE's, lowered to (n - 1) / 3 for fewer vectors

METHODS = ("umap", "pca", "tsne")
_VERSION = 1
# The packages that compute a projection: part of its cache key, so an upgrade never serves old maps.
_COMPUTING = ("numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "numba")
_NAMES = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}


@dataclass(frozen=True, eq=False)
class Projection:
    """A 2-D (or k-D) map of a set of vectors and how it was made.

    Attributes
    ----------
    coords : ndarray of shape (n_samples, n_components)
        The map coordinates, float32.
    method : {"umap", "pca", "tsne"}
    random_state : int
        The seed used for every stochastic step.
    params : dict
        Every other setting (read-only mapping), e.g. ``n_neighbors``, ``min_dist``,
        ``metric``, ``pca_dims``, ``init``, ``n_epochs``, ``perplexity``.
    n_features : int
        Dimension of the input vectors.
    knn_indices, knn_dists : ndarray of shape (n_samples, n_neighbors), optional
        The exact neighbour graph a UMAP map was built on (reusable through ``knn=``).
    explained_variance : float or None
        Fraction of the variance kept by the PCA step (PCA maps: by the map itself).
    seconds : float
        Wall time of the computation (0 when served from the cache); not part of the result's
        identity.
    """

    coords: np.ndarray
    method: str
    random_state: int
    params: dict = field(default_factory=dict)
    n_features: int = 0
    knn_indices: np.ndarray | None = None
    knn_dists: np.ndarray | None = None
    explained_variance: float | None = None
    seconds: float = 0.0

    @property
    def n_samples(self) -> int:
        return int(self.coords.shape[0])

    def describe(self, lang: str = "en") -> str:
        """One line saying how the map was made, for a caption.

        >>> p = Projection(np.zeros((3, 2), np.float32), "pca", 0, {"pca_dims": None}, 8)
        >>> p.describe()
        'PCA of 3 vectors of dimension 8 (seed 0)'
        """
        seed, of, dim = ("semente", "de", "vetores de dimensão") if lang == "pt" else ("seed", "of", "vectors of dimension")
        head = f"{_NAMES[self.method]} {of} {self.n_samples} {dim} {self.n_features}"
        p = self.params
        bits = []
        low = p.get("lowered_from") or {}
        if p.get("pca_dims") and self.method != "pca":
            bits.append(f"PCA → {p['pca_dims']}{lowered_note(low, 'pca_dims', lang)}")
        if self.method == "umap":
            bits += [f"n_neighbors={p['n_neighbors']}{lowered_note(low, 'n_neighbors', lang)}",
                     f"min_dist={p['min_dist']}", f"{p['metric']}", f"init={p['init']}", f"{p['n_epochs']} epochs"]
        elif self.method == "tsne":
            bits += [f"perplexity={p['perplexity']}{lowered_note(low, 'perplexity', lang)}", f"{p['metric']}"]
        inner = ", ".join(bits + [f"{seed} {self.random_state}"])
        return f"{head} ({inner})"

    def to_frame(self, labels=None):
        """Long-form DataFrame with columns ``x``, ``y`` (and ``label`` when given)."""
        import pandas as pd

        df = pd.DataFrame({"x": self.coords[:, 0], "y": self.coords[:, 1]})
        if labels is not None:
            df["label"] = np.asarray(labels)
        return df


def small_input_defaults(n_samples: int) -> dict:
    """UMAP's ``n_neighbors`` and t-SNE's ``perplexity`` for ``n_samples`` vectors: the usual 15 and 30,
    lowered to what so few vectors allow (``n - 1`` and ``(n - 1) / 3``), as the command line does.

    >>> small_input_defaults(12), small_input_defaults(600)
    ({'n_neighbors': 11, 'perplexity': 3.67}, {'n_neighbors': 15, 'perplexity': 30.0})
    """
    return {"n_neighbors": min(N_NEIGHBORS, n_samples - 1),
            "perplexity": min(PERPLEXITY, round((n_samples - 1) / 3, 2))}


def lowered_note(lowered: dict, name: str, lang: str = "en") -> str:
    """`` (lowered from 15)`` after a setting that :func:`project` lowered for few vectors, else ``""``."""
    if name not in lowered:
        return ""
    return f" ({'reduzido de' if lang == 'pt' else 'lowered from'} {lowered[name]:g})"


def _check_X(X) -> np.ndarray:
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"X must be a 2-D array of vectors, got {type(X).__name__}")
    X = np.asarray(X)
    if X.dtype == object or not np.issubdtype(X.dtype, np.number):
        raise TypeError(f"X must be numeric, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if len(X) < 4:
        raise ValueError(f"need at least 4 vectors to make a map, got {len(X)}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values: drop or fix those rows first")
    return np.ascontiguousarray(X, dtype=np.float32)


def exact_knn(X: np.ndarray, n_neighbors: int, *, metric: str = "euclidean") -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row (each row is its own first neighbour).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int
        Neighbours per row, the row itself included (UMAP's convention).
    metric : {"euclidean", "cosine"}

    Returns
    -------
    indices : ndarray of int64, shape (n_samples, n_neighbors)
    dists : ndarray of float32, shape (n_samples, n_neighbors)
    """
    from sklearn.neighbors import NearestNeighbors

    X = _check_X(X)
    if not 2 <= n_neighbors <= len(X):
        raise ValueError(f"n_neighbors must be between 2 and n_samples={len(X)}, got {n_neighbors}")
    nn = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute", metric=metric).fit(X)
    dists, idx = nn.kneighbors(X)
    # Duplicate rows can put a twin before the row itself: put the row first, distance 0.
    rows = np.arange(len(X))
    not_first = idx[:, 0] != rows
    for i in np.flatnonzero(not_first):
        j = np.flatnonzero(idx[i] == i)
        k = j[0] if len(j) else n_neighbors - 1
        idx[i, 1 : k + 1] = idx[i, :k].copy()
        dists[i, 1 : k + 1] = dists[i, :k].copy()
        idx[i, 0], dists[i, 0] = i, 0.0
    return idx.astype(np.int64), np.maximum(dists, 0).astype(np.float32)


def _pca(X: np.ndarray, n: int, random_state: int) -> tuple[np.ndarray, float]:
    from sklearn.decomposition import PCA

    n = min(n, X.shape[0], X.shape[1])
    # covariance_eigh: exact and fast for many samples of moderate dimension (d x d eigenproblem)
    solver = "covariance_eigh" if X.shape[1] <= 2000 else "full"
    pca = PCA(n_components=n, svd_solver=solver, random_state=random_state)
    Z = pca.fit_transform(X.astype(np.float64))
    return Z.astype(np.float32), float(pca.explained_variance_ratio_.sum())


def project(
    X,
    method: str = "umap",
    *,
    random_state: int = 0,
    n_components: int = 2,
    pca_dims: int | None = 50,
    metric: str = "euclidean",
    n_neighbors: int | None = None,
    min_dist: float = 0.1,
    init: str = "pca",
    n_epochs: int | None = 100,
    perplexity: float | None = None,
    knn: Projection | tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool | None = None,
    cache: bool | ArrayCache = False,
) -> Projection:
    """Project vectors to ``n_components`` dimensions with UMAP, PCA or t-SNE.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    method : {"umap", "pca", "tsne"}
    random_state : int
        Seed of every stochastic step; the same call always gives the same map.
    n_components : int
        Output dimensions (2 for a map).
    pca_dims : int or None
        UMAP and t-SNE first reduce to this many principal components (None: use X as is); at most
        ``n_samples`` (a lowered number is recorded as below).
    metric : {"euclidean", "cosine"}
        Distance between input vectors (UMAP / t-SNE).
    n_neighbors, min_dist : UMAP's neighbourhood size and packing. ``n_neighbors`` left out is
        15, or ``n_samples - 1`` when there are fewer than 16 vectors (as the command line does);
        ``params["lowered_from"]`` and :meth:`Projection.describe` then say so.
    init : {"pca", "spectral", "random"}
        UMAP initialisation. ``"pca"`` (default) converges in fewer epochs.
    n_epochs : int or None
        UMAP optimisation epochs (default 100, enough from a PCA start: see
        ``scripts/bench_projection.py``); None uses umap-learn's own default (500 up to 10k points).
    perplexity : float
        t-SNE neighbourhood size. Left out: 30, or ``(n_samples - 1) / 3`` when there are fewer
        than 91 vectors (recorded the same way).
    knn : Projection or (indices, dists), optional
        Reuse a neighbour graph computed on the same X with the same ``pca_dims`` and
        ``metric`` (e.g. the graph of another UMAP map of X) instead of recomputing it.
    progress : bool, optional
        Show UMAP's epoch progress bar; default: only for 5,000 points or more.
    cache : bool or ArrayCache
        Keep the result on disk keyed by X's bytes and every setting (off by default).

    Returns
    -------
    Projection
        ``coords`` of shape (n_samples, n_components) plus the settings used.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = project(rng.normal(size=(50, 8)), "pca")
    >>> p.coords.shape, p.method
    ((50, 2), 'pca')
    """
    X = _check_X(X)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool):
        raise TypeError(f"random_state must be an int (a fixed seed makes the map reproducible), got {random_state!r}")
    if metric not in ("euclidean", "cosine"):
        raise ValueError(f"metric must be 'euclidean' or 'cosine', got {metric!r}")
    if not 1 <= n_components < X.shape[1] + 1:
        raise ValueError(f"n_components must be between 1 and n_features={X.shape[1]}, got {n_components}")
    if pca_dims is not None and pca_dims < n_components:
        raise ValueError(f"pca_dims ({pca_dims}) must be at least n_components ({n_components}) or None")
    lowered = {}
    n = len(X)
    if method == "umap":
        if n_neighbors is None:
            n_neighbors = small_input_defaults(n)["n_neighbors"]
            if n_neighbors != N_NEIGHBORS:
                lowered["n_neighbors"] = N_NEIGHBORS
        if not 2 <= n_neighbors < n:
            raise ValueError(f"n_neighbors must be between 2 and n_samples - 1 = {n - 1}, got {n_neighbors}: "
                             "pass a smaller n_neighbors, or leave it out (it adapts to few vectors)")
        if init not in ("pca", "spectral", "random"):
            raise ValueError(f"init must be 'pca', 'spectral' or 'random', got {init!r}")
    if method == "tsne":
        if perplexity is None:
            perplexity = small_input_defaults(n)["perplexity"]
            if perplexity != PERPLEXITY:
                lowered["perplexity"] = PERPLEXITY
        if not 0 < perplexity < n:
            raise ValueError(f"perplexity must be between 0 and n_samples = {n}, got {perplexity}: pass a "
                             "smaller perplexity, or leave it out (it adapts to few vectors)")
    random_state = int(random_state)
    reduce = pca_dims if (pca_dims is not None and method != "pca" and pca_dims < X.shape[1]) else None
    if reduce is not None and reduce > n:  # PCA keeps at most n components: record what it really kept
        lowered["pca_dims"], reduce = reduce, n

    if method == "pca":
        params = {"pca_dims": None}
    elif method == "tsne":
        params = {"pca_dims": reduce, "perplexity": float(perplexity), "metric": metric, "init": "pca"}
    else:
        params = {"pca_dims": reduce, "n_neighbors": int(n_neighbors), "min_dist": float(min_dist),
                  "metric": metric, "init": init, "n_epochs": n_epochs, "knn": "exact"}
    if lowered:  # only for small inputs: the settings (and cache keys) of larger maps stay as they were
        params["lowered_from"] = lowered
    knn_pair = _knn_arg(knn, len(X), n_neighbors) if method == "umap" else None

    store = cache if isinstance(cache, ArrayCache) else ArrayCache("projection", enabled=bool(cache))
    digest = hashlib.sha256(X.tobytes()).hexdigest()
    key = cache_key("project", _VERSION, code_version(__name__), package_versions(_COMPUTING), digest, X.shape,
                    method, random_state, n_components, params)
    ran = []

    def compute():
        ran.append(True)
        return _compute(X, method, random_state, n_components, reduce, params, knn_pair, progress)

    t0 = time.perf_counter()
    arrays = store.get_or_compute(key, compute)
    seconds = time.perf_counter() - t0 if ran else 0.0
    if method == "umap" and params["n_epochs"] is None:
        params["n_epochs"] = int(arrays["n_epochs"])
    return Projection(
        coords=arrays["coords"],
        method=method,
        random_state=random_state,
        params=params,
        n_features=int(X.shape[1]),
        knn_indices=arrays.get("knn_indices"),
        knn_dists=arrays.get("knn_dists"),
        explained_variance=float(arrays["explained"]) if "explained" in arrays else None,
        seconds=seconds,
    )


def _knn_arg(knn, n: int, k: int):
    if knn is None:
        return None
    if isinstance(knn, Projection):
        if knn.knn_indices is None:
            raise ValueError("knn= was given a Projection without a neighbour graph (only UMAP maps keep one)")
        knn = (knn.knn_indices, knn.knn_dists)
    if not (isinstance(knn, tuple) and len(knn) == 2):
        raise TypeError("knn must be a Projection or a tuple (indices, dists)")
    idx, dist = (np.asarray(a) for a in knn)
    if idx.shape != dist.shape or idx.ndim != 2 or idx.shape[0] != n:
        raise ValueError(f"knn arrays must both be (n_samples={n}, k); got {idx.shape} and {dist.shape}")
    if idx.shape[1] < k:
        raise ValueError(f"the given graph has {idx.shape[1]} neighbours per point, fewer than n_neighbors={k}")
    return np.ascontiguousarray(idx[:, :k], np.int64), np.ascontiguousarray(dist[:, :k], np.float32)


def _compute(X, method, seed, n_components, reduce, params, knn_pair, progress) -> dict[str, np.ndarray]:
    """Every step on one thread: t-SNE's OpenMP gradient, UMAP's numba loops and the BLAS in
    PCA/kNN give the same bits on any machine only then (``tests/test_projection.py``)."""
    if method == "umap":  # imports umap and numba (so limited_threads can pin it too), compiled once per machine
        cache_umap_compilation()
    with limited_threads(1):
        return _compute_pinned(X, method, seed, n_components, reduce, params, knn_pair, progress)


def _compute_pinned(X, method, seed, n_components, reduce, params, knn_pair, progress) -> dict[str, np.ndarray]:
    out: dict[str, Any] = {}
    if method == "pca":
        Z, ev = _pca(X, n_components, seed)
        return {"coords": Z, "explained": np.float64(ev)}
    Z = X
    if reduce is not None:
        Z, ev = _pca(X, reduce, seed)
        out["explained"] = np.float64(ev)
    if method == "tsne":
        from sklearn.manifold import TSNE

        tsne = TSNE(n_components=n_components, perplexity=params["perplexity"], metric=params["metric"],
                    init="pca", random_state=seed)
        out["coords"] = tsne.fit_transform(Z).astype(np.float32)
        return out
    import umap

    k = params["n_neighbors"]
    idx, dist = knn_pair if knn_pair is not None else exact_knn(Z, k, metric=params["metric"])
    show = len(X) >= 5000 if progress is None else bool(progress)
    reducer = umap.UMAP(
        n_components=n_components, n_neighbors=k, min_dist=params["min_dist"], metric=params["metric"],
        init=params["init"], n_epochs=params["n_epochs"], random_state=seed,
        precomputed_knn=(idx, dist), verbose=show, tqdm_kwds={"disable": not show},
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")
        warnings.filterwarnings("ignore", message=".*n_jobs value 1 overridden.*")
        out["coords"] = reducer.fit_transform(Z).astype(np.float32)
    out["knn_indices"], out["knn_dists"] = idx, dist
    out["n_epochs"] = np.int64(reducer.n_epochs if reducer.n_epochs is not None else (500 if len(X) <= 10000 else 200))
    return out

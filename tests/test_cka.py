"""Linear CKA checked by its defining properties and against the textbook HSIC formula."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from vizlab.analysis.cka import cka_by_layer, cka_matrix, linear_cka


def _hsic_cka(X, Y):
    """Kornblith et al. eq. (3) with the centring matrix H, written out directly."""
    n = len(X)
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = X @ X.T, Y @ Y.T
    hsic = lambda A, B: np.trace(A @ H @ B @ H)  # noqa: E731
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("n,d", [(60, 10), (8, 30)])  # feature form and Gram form
def test_cka_of_a_matrix_with_itself_is_one(rng, n, d):
    X = rng.normal(size=(n, d))
    assert linear_cka(X, X) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("n,d", [(60, 10), (8, 30)])
def test_invariant_to_orthogonal_transform_isotropic_scale_and_offset(rng, n, d):
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(n, 7)) + X[:, :7]
    Q = ortho_group.rvs(d, random_state=1)
    ref = linear_cka(X, Y)
    assert linear_cka(X @ Q, Y) == pytest.approx(ref, abs=1e-10)
    assert linear_cka(5.0 * X + 3.0, 0.1 * Y) == pytest.approx(ref, abs=1e-10)
    assert linear_cka(X @ Q, X) == pytest.approx(1.0, abs=1e-10)


def test_not_invariant_to_an_arbitrary_linear_map(rng):
    X = rng.normal(size=(100, 6))
    A = np.diag([10.0, 1, 1, 1, 1, 0.1])
    assert linear_cka(X, X @ A) < 0.9


@pytest.mark.parametrize("n,dx,dy", [(40, 5, 12), (10, 20, 25), (30, 30, 3)])
def test_matches_direct_hsic_formula_on_random_data(rng, n, dx, dy):
    X = rng.normal(size=(n, dx))
    Y = X[:, :1] @ rng.normal(size=(1, dy)) + rng.normal(size=(n, dy))
    assert linear_cka(X, Y) == pytest.approx(_hsic_cka(X, Y), rel=1e-10)
    assert linear_cka(Y, X) == pytest.approx(linear_cka(X, Y), rel=1e-12)


def test_independent_data_gives_low_cka_and_values_in_unit_interval(rng):
    X, Y = rng.normal(size=(500, 5)), rng.normal(size=(500, 5))
    v = linear_cka(X, Y)
    assert 0.0 <= v < 0.05


def test_cka_matrix_and_by_layer(rng):
    A = rng.normal(size=(4, 50, 8))
    B = np.stack([A[0], A[1] @ ortho_group.rvs(8, random_state=2), rng.normal(size=(50, 8)), 2 * A[3]])
    M = cka_matrix(A, B)
    assert M.shape == (4, 4)
    for i in range(4):
        for j in range(4):
            assert M[i, j] == pytest.approx(linear_cka(A[i], B[j]), abs=1e-12)
    np.testing.assert_allclose(cka_by_layer(A, B), np.diag(M), atol=1e-12)
    np.testing.assert_allclose(cka_by_layer(A, B)[[0, 1, 3]], 1.0, atol=1e-10)
    S = cka_matrix(A)
    np.testing.assert_allclose(S, S.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(S), 1.0, atol=1e-12)


def test_cka_matrix_accepts_different_widths(rng):
    A, B = rng.normal(size=(2, 20, 4)), rng.normal(size=(3, 20, 9))
    assert cka_matrix(A, B).shape == (2, 3)


def test_bad_input(rng):
    X = rng.normal(size=(10, 3))
    with pytest.raises(ValueError, match="same examples"):
        linear_cka(X, X[:5])
    with pytest.raises(ValueError, match="no variance"):
        linear_cka(np.ones((10, 3)), X)
    with pytest.raises(ValueError, match="2-D"):
        linear_cka(X.ravel(), X)
    with pytest.raises(ValueError, match="NaN"):
        linear_cka(np.where(X > 1, np.nan, X), X)
    with pytest.raises(ValueError, match="n_layers"):
        cka_matrix(X)
    with pytest.raises(ValueError, match="same layers"):
        cka_by_layer(np.stack([X, X]), np.stack([X]))


def test_cka_interval_brackets_the_value_and_is_a_direct_bootstrap(rng):
    from vizlab.analysis.cka import cka_by_layer, cka_by_layer_interval, linear_cka

    A = rng.normal(size=(2, 60, 5))
    B = A + rng.normal(scale=[[[0.1]], [[2.0]]], size=(2, 60, 5))
    lo, hi = cka_by_layer_interval(A, B, n_boot=50, random_state=1)
    v = cka_by_layer(A, B)
    assert (lo <= v + 0.05).all() and (v - 0.05 <= hi).all() and (lo < hi).all()
    r = np.random.default_rng(1)
    draws = []
    for _ in range(50):
        idx = r.integers(0, 60, size=60)
        draws.append(linear_cka(A[1][idx], B[1][idx]))
    assert lo[1] == pytest.approx(np.quantile(draws, 0.025)) and hi[1] == pytest.approx(np.quantile(draws, 0.975))

"""vizlab.analysis.similarity against direct formulas (numpy loops, scipy) and its input checks."""

import numpy as np
import pytest

from vizlab.analysis.similarity import cluster_order, cosine_similarity_matrix


def _cosine(a, b):
    """Textbook cosine of two vectors: a·b / (|a| |b|), one pair at a time."""
    return float(np.dot(a, b) / (np.sqrt(np.dot(a, a)) * np.sqrt(np.dot(b, b))))


def test_matches_the_pairwise_formula():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 7)), rng.normal(size=(3, 7))
    S = cosine_similarity_matrix(X, Y)
    assert S.shape == (5, 3) and S.dtype == np.float64
    expected = np.array([[_cosine(x, y) for y in Y] for x in X])
    np.testing.assert_allclose(S, expected, rtol=0, atol=1e-12)
    # scikit-learn's implementation agrees too
    from sklearn.metrics.pairwise import cosine_similarity

    np.testing.assert_allclose(S, cosine_similarity(X, Y), atol=1e-12)


def test_self_similarity_is_symmetric_with_unit_diagonal():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 4)) * rng.uniform(0.01, 100, size=(6, 1))  # very different lengths
    S = cosine_similarity_matrix(X)
    assert S.shape == (6, 6)
    np.testing.assert_array_equal(S, S.T)
    np.testing.assert_allclose(np.diag(S), 1.0, atol=1e-12)
    np.testing.assert_allclose(S, cosine_similarity_matrix(X, X), atol=0)
    assert (S >= -1).all() and (S <= 1).all()


def test_known_angles_and_scale_invariance():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 1.0]])
    S = cosine_similarity_matrix(X)
    assert S[0, 1] == pytest.approx(0.0)            # orthogonal
    assert S[0, 2] == pytest.approx(-1.0)           # opposite
    assert S[0, 3] == pytest.approx(np.sqrt(0.5))   # 45 degrees
    np.testing.assert_allclose(cosine_similarity_matrix(X * 1e6, X * 1e-3), S, atol=1e-12)


def test_values_are_clipped_to_the_cosine_range():
    # identical rows of large norm: rounding could push x·x/(|x||x|) past 1
    X = np.full((4, 384), 0.1) + np.arange(384) * 1e-3
    S = cosine_similarity_matrix(np.vstack([X, -X]))
    assert S.max() <= 1.0 and S.min() >= -1.0
    np.testing.assert_allclose(S[:4, :4], 1.0, atol=1e-12)
    np.testing.assert_allclose(S[:4, 4:], -1.0, atol=1e-12)


def test_accepts_lists_and_integers():
    np.testing.assert_allclose(cosine_similarity_matrix([[1, 0], [1, 1]]),
                               [[1.0, np.sqrt(0.5)], [np.sqrt(0.5), 1.0]], atol=1e-12)


@pytest.mark.parametrize("X, Y", [
    (np.ones(3), None),                      # 1-D
    (np.ones((2, 3, 4)), None),              # 3-D
    (np.ones((2, 3)), np.ones((2, 4))),      # different dimensions
    (np.ones((2, 3)), np.ones(3)),           # Y 1-D
])
def test_rejects_bad_shapes(X, Y):
    with pytest.raises(ValueError, match="2-D arrays with the same number of columns"):
        cosine_similarity_matrix(X, Y)


def test_rejects_zero_vectors():
    with pytest.raises(ValueError, match="zero vector"):
        cosine_similarity_matrix(np.array([[1.0, 2.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="zero vector"):
        cosine_similarity_matrix(np.ones((2, 2)), np.zeros((1, 2)))


def test_cluster_order_puts_similar_items_next_to_each_other():
    # two tight groups, interleaved in the input: {0, 2, 4} along x, {1, 3, 5} along y
    rng = np.random.default_rng(2)
    base = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    X = np.vstack([base[i % 2] + 0.05 * rng.normal(size=3) for i in range(6)])
    order = cluster_order(cosine_similarity_matrix(X))
    assert sorted(order.tolist()) == list(range(6))  # a permutation
    groups = [i % 2 for i in order]
    assert groups in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])


def test_cluster_order_matches_scipy_average_linkage():
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 5))
    expected = leaves_list(linkage(pdist(X, metric="cosine"), method="average", optimal_ordering=True))
    np.testing.assert_array_equal(cluster_order(cosine_similarity_matrix(X)), expected)


def test_cluster_order_small_inputs_keep_their_order():
    assert cluster_order(np.ones((0, 0))).tolist() == []
    assert cluster_order(np.ones((1, 1))).tolist() == [0]
    assert cluster_order(np.array([[1.0, 0.2], [0.2, 1.0]])).tolist() == [0, 1]

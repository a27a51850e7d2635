"""Attention rollout against a direct reference computation."""

import numpy as np
import pytest
from numerics import assert_close

from vizlab.analysis.rollout import residual_attention, rollout


def _reference(attn):
    """Abnar & Zuidema: mean over heads, A + I, renormalise rows, multiply last @ ... @ first."""
    mats = []
    for layer in attn:
        a = layer.mean(0) + np.eye(layer.shape[-1])
        mats.append(a / a.sum(1, keepdims=True))
    return np.linalg.multi_dot(mats[::-1]) if len(mats) > 1 else mats[0]


def test_rollout_equals_reference_on_random_matrices():
    rng = np.random.default_rng(0)
    attn = rng.dirichlet(np.ones(7), size=(5, 3, 7))
    r = rollout(attn)
    np.testing.assert_allclose(r, _reference(attn), rtol=1e-12)
    assert_close(r.sum(1), 1.0, ops=attn.shape[-1] * attn.shape[0])


def test_cumulative_and_start_layer():
    rng = np.random.default_rng(1)
    attn = rng.dirichlet(np.ones(4), size=(3, 2, 4))
    hist = rollout(attn, cumulative=True)
    assert hist.shape == (3, 4, 4)
    np.testing.assert_allclose(hist[0], _reference(attn[:1]))
    np.testing.assert_allclose(hist[-1], rollout(attn))
    np.testing.assert_allclose(rollout(attn, start_layer=2), _reference(attn[1:]))  # layers 2 and 3
    np.testing.assert_allclose(rollout(attn, start_layer=1), rollout(attn))
    np.testing.assert_allclose(rollout(attn, start_layer=-1), _reference(attn[2:]))


def test_identity_attention_rolls_out_to_identity():
    attn = np.broadcast_to(np.eye(5), (4, 2, 5, 5))
    np.testing.assert_allclose(rollout(attn), np.eye(5))


def test_residual_weight_and_head_fusion():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(residual_attention(a), [[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(residual_attention(a, residual=0.0), a)
    attn = np.stack([np.eye(2), a])[None]  # 1 layer, 2 heads
    np.testing.assert_allclose(rollout(attn, head_fusion="max", residual=0.0), np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="head_fusion"):
        rollout(attn, head_fusion="median")
    with pytest.raises(ValueError, match="residual"):
        residual_attention(a, residual=1.0)
    for bad in (0, 2):
        with pytest.raises(ValueError, match="start_layer must be a number from 1 to 1"):
            rollout(attn, start_layer=bad)

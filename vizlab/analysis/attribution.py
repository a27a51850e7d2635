"""Does attention rank the tokens the way attribution does? Kendall's τ per layer.

The question of Jain & Wallace (2019, "Attention is not Explanation") and Neely et al. (2022):
if attention weights explained a prediction, the tokens a model attends to most should be the
tokens that matter most for its output. Here "matter" is the size ``|score|`` of a gradient
attribution (integrated gradients), and "attend" is the attention the position that makes the
prediction (``[CLS]`` for a BERT classifier) pays to each token, averaged over heads, layer by
layer. Special tokens are left out of both rankings (attribution leaves them at 0 by
construction, attention piles onto them as a sink).

>>> float(kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]))
0.6666666666666666
"""

from __future__ import annotations

import numpy as np

__all__ = ["kendall_tau", "attention_attribution_tau", "rank_agreement", "top_k_overlap"]


def kendall_tau(x, y) -> float:
    """Kendall's τ-b between two equally long vectors (ties counted as in ``scipy.stats.kendalltau``).

    Returns NaN when either vector is constant or shorter than 2.
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if len(x) < 2:
        return float("nan")
    i, j = np.triu_indices(len(x), k=1)
    dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    concordant_minus_discordant = float(np.sum(dx * dy))
    nx, ny = float(np.sum(dx != 0)), float(np.sum(dy != 0))
    if nx == 0 or ny == 0:
        return float("nan")
    return concordant_minus_discordant / np.sqrt(nx * ny)


def attention_attribution_tau(attentions, scores, *, special_mask=None, query: int = 0,
                              extra: dict | None = None) -> np.ndarray:
    """τ between the attention row of ``query`` (mean of heads) and ``|scores|``, for every layer.

    Parameters
    ----------
    attentions : ndarray of shape (n_layers, n_heads, n_tokens, n_tokens)
    scores : ndarray of shape (n_tokens,)
        Attribution of each token (signed; its absolute value is ranked).
    special_mask : ndarray of bool, shape (n_tokens,), optional
        Tokens left out of both rankings.
    query : int
        Row read from each map (0 = ``[CLS]``; ``-1`` = the last token of a decoder).
    extra : dict of name -> ndarray of shape (n_tokens, n_tokens), optional
        Further maps compared the same way (e.g. ``{"rollout": rollout(attentions)}``); their τ
        is appended after the layers, in order.

    Returns
    -------
    ndarray of shape (n_layers + len(extra),)
    """
    a = np.asarray(attentions, dtype=float)
    s = np.abs(np.asarray(scores, dtype=float))
    if a.ndim != 4 or a.shape[-1] != len(s) or a.shape[-2] != len(s):
        raise ValueError(f"attentions must have shape (n_layers, n_heads, {len(s)}, {len(s)}), got {a.shape}")
    keep = np.ones(len(s), bool) if special_mask is None else ~np.asarray(special_mask, bool)
    rows = [a[l, :, query].mean(0) for l in range(a.shape[0])]
    rows += [np.asarray(m, float)[query] for m in (extra or {}).values()]
    return np.array([kendall_tau(r[keep], s[keep]) for r in rows])


def top_k_overlap(x, y, k: int = 1) -> float:
    """Share of the ``k`` largest entries of ``x`` that are also among the ``k`` largest of ``y``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    k = min(int(k), len(x))
    if k < 1:
        return float("nan")
    return len(set(np.argsort(-x, kind="stable")[:k]) & set(np.argsort(-y, kind="stable")[:k])) / k


def rank_agreement(taus) -> dict[str, np.ndarray]:
    """Summary over texts of a (n_texts, n_layers) table of τ (NaN rows of a column are skipped).

    Returns
    -------
    dict
        ``mean``, ``sd``, ``n`` (texts with a τ), ``ci_low``/``ci_high`` (mean ± 1.96 standard
        errors), ``share_positive`` (fraction of texts with τ > 0), each of shape (n_layers,).
    """
    t = np.asarray(taus, dtype=float)
    if t.ndim != 2:
        raise ValueError(f"taus must be a (n_texts, n_layers) table, got shape {t.shape}")
    ok = np.isfinite(t)
    n = ok.sum(0)
    mean = np.where(n > 0, np.nansum(t, 0) / np.maximum(n, 1), np.nan)
    dev = np.where(ok, t - mean, 0.0)
    sd = np.sqrt((dev**2).sum(0) / np.maximum(n - 1, 1))
    se = sd / np.sqrt(np.maximum(n, 1))
    pos = np.where(ok, t > 0, False).sum(0) / np.maximum(n, 1)
    return {"mean": mean, "sd": sd, "n": n, "ci_low": mean - 1.96 * se, "ci_high": mean + 1.96 * se,
            "share_positive": pos}

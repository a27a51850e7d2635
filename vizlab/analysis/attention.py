"""Per-head attention statistics, automatic pattern labels, head/layer averages.

Everything here works on plain arrays: an attention tensor of shape
``(n_layers, n_heads, n_tokens, n_tokens)`` whose row ``i`` is how query token ``i``
distributes its attention over the keys (rows sum to 1), plus the tokens and a mask of
special tokens. Nothing imports torch.

Pattern labels
--------------
:func:`label_heads` names the dominant pattern of a head from its statistics (averaged over
content queries, i.e. special tokens excluded as queries). The rules are checked in this
order, the first that holds wins:

1. ``"[CLS]"`` / ``"[SEP]"`` / ``"punct"`` -- *vertical* patterns: at least
   :data:`SHARE_THRESHOLD` (0.5) of each query's attention goes to the first special token
   ([CLS] for BERT, ``<bos>`` for decoders, the "attention sink"), to the later special tokens
   ([SEP], ``<eos>``), or to punctuation;
2. ``"prev"`` / ``"self"`` / ``"next"`` -- *diagonal* patterns: at least
   :data:`SHARE_THRESHOLD` of the attention on the token at offset -1 / 0 / +1;
   when several shares pass, the largest wins (for rules 1 and 2 together);
3. ``"block"`` -- sentence pairs only: at least :data:`BLOCK_THRESHOLD` (0.9) of the attention
   stays inside the query's own sentence (segment) while no single rule above holds;
4. ``"broad"`` -- the attention is spread out: normalised entropy (entropy divided by the log of
   the number of keys the query may see) at least :data:`BROAD_THRESHOLD` (0.75);
5. ``"mixed"`` -- none of the above (heterogeneous).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vizlab.numbering import head_number, layer_number

__all__ = [
    "BLOCK_THRESHOLD",
    "BROAD_THRESHOLD",
    "PATTERNS",
    "SHARE_THRESHOLD",
    "HeadStats",
    "average_heads",
    "average_layers",
    "drop_special",
    "head_stats",
    "is_causal",
    "is_punctuation",
    "kv_head_index",
    "label_heads",
    "sink_positions",
    "strongest_long_range_head",
    "validate_attention",
]

SHARE_THRESHOLD = 0.5
BLOCK_THRESHOLD = 0.9
BROAD_THRESHOLD = 0.75
PATTERNS = ("[CLS]", "[SEP]", "punct", "prev", "self", "next", "block", "broad", "mixed")

_SHARES = ("cls", "sep", "punct", "prev", "same", "next")
_SHARE_LABEL = {"cls": "[CLS]", "sep": "[SEP]", "punct": "punct", "prev": "prev", "same": "self", "next": "next"}


def validate_attention(attn, *, ndim: int | tuple[int, ...] = 4, atol: float = 1e-3) -> np.ndarray:
    """Check an attention array: finite, non-negative, square in the last two axes, rows sum to 1.

    Parameters
    ----------
    attn : array-like of shape (..., n_tokens, n_tokens)
    ndim : int or tuple of int
        Allowed number of dimensions (4 = layers x heads x queries x keys).

    Returns
    -------
    ndarray (float64)
    """
    a = np.asarray(attn, dtype=np.float64)
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if a.ndim not in allowed:
        raise ValueError(
            f"attention must have {' or '.join(map(str, allowed))} dimensions "
            f"(layers, heads, queries, keys), got shape {a.shape}"
        )
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"attention maps must be square (queries x keys), got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("attention contains NaN or inf values")
    if (a < -atol).any():
        raise ValueError("attention contains negative weights: pass softmax probabilities, not scores")
    rows = a.sum(-1)
    if not np.allclose(rows, 1.0, atol=atol):
        worst = float(np.abs(rows - 1).max())
        raise ValueError(
            f"attention rows must sum to 1 (off by up to {worst:.3g}); pass the softmax-ed weights "
            "of real tokens only (padding removed), e.g. Activations.attentions"
        )
    return a


def is_causal(attn, *, atol: float = 1e-6) -> bool:
    """Whether every map is lower-triangular (no token attends to a later token).

    Parameters
    ----------
    attn : array-like of shape (..., n_tokens, n_tokens)
    """
    a = np.asarray(attn)
    n = a.shape[-1]
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    return bool(np.all(np.abs(a[..., upper]) <= atol))


def kv_head_index(n_heads: int, n_kv_heads: int) -> np.ndarray:
    """Which key/value head each query head reads in grouped-query attention.

    Query heads ``g*k .. g*k + k-1`` share kv head ``g`` with ``k = n_heads // n_kv_heads``
    (the layout of ``repeat_kv`` in Hugging Face models).

    Returns
    -------
    ndarray of int, shape (n_heads,)

    >>> kv_head_index(4, 2).tolist()
    [0, 0, 1, 1]
    """
    if n_kv_heads < 1 or n_heads % n_kv_heads:
        raise ValueError(f"n_heads ({n_heads}) must be a multiple of n_kv_heads ({n_kv_heads})")
    return np.arange(n_heads) // (n_heads // n_kv_heads)


def is_punctuation(token: str) -> bool:
    """True for tokens made only of punctuation/symbols (after stripping ``##``/``▁``/``Ġ``)."""
    t = token.removeprefix("##").lstrip("▁Ġ ")
    return bool(t) and all(unicodedata.category(c)[0] in "PS" for c in t)


def sink_positions(tokens, special_mask) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the "[CLS]-like" first special token and of the other special tokens.

    Returns
    -------
    cls, sep : ndarray of bool, shape (n_tokens,)
    """
    special = np.asarray(special_mask, dtype=bool)
    if special.shape != (len(tokens),):
        raise ValueError(f"special_mask has shape {special.shape} but there are {len(tokens)} tokens")
    cls = np.zeros_like(special)
    if special.size and special[0]:
        cls[0] = True
    return cls, special & ~cls


@dataclass(frozen=True)
class HeadStats:
    """Statistics of every head, averaged over content queries (and over texts).

    All arrays have shape (n_layers, n_heads).

    Attributes
    ----------
    entropy : ndarray
        Mean row entropy in nats.
    norm_entropy : ndarray
        Entropy divided by ``log(number of visible keys)`` (0 = one key, 1 = uniform).
    cls, sep, punct : ndarray
        Mean share of attention on the first special token ([CLS]/<bos>), on the other
        special tokens ([SEP]/<eos>), and on punctuation.
    prev, same, next : ndarray
        Mean share on the token at offset -1, 0, +1.
    distance : ndarray
        Mean attention distance ``sum_j a_ij |i - j|`` in tokens.
    segment : ndarray or None
        Mean share inside the query's own segment, over the tokens of sentence pairs only
        (None when there is no pair).
    labels : ndarray of str
        Pattern label of each head (see :func:`label_heads`).
    layers : tuple of int
        Block index of each row.
    n_texts : int
    """

    entropy: np.ndarray
    norm_entropy: np.ndarray
    cls: np.ndarray
    sep: np.ndarray
    punct: np.ndarray
    prev: np.ndarray
    same: np.ndarray
    next: np.ndarray
    distance: np.ndarray
    segment: np.ndarray | None
    labels: np.ndarray
    layers: tuple[int, ...]
    n_texts: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.entropy.shape

    def to_frame(self) -> pd.DataFrame:
        """Long form: one row per (layer, head) with every statistic and the label; layers and heads
        numbered from 1, as readers see them (:mod:`vizlab.numbering`)."""
        L, H = self.shape
        cols = {"layer": np.repeat(np.asarray(self.layers) + 1, H), "head": np.tile(np.arange(H) + 1, L)}
        for name in ("entropy", "norm_entropy", *_SHARES, "distance", "segment", "labels"):
            v = getattr(self, name)
            if v is not None:
                cols["label" if name == "labels" else name] = v.ravel()
        return pd.DataFrame(cols)


def _text_stats(a: np.ndarray, tokens, special, token_type_ids, queries: np.ndarray) -> dict:
    """Per-head sums over the selected query rows of one text; a: (L, H, n, n)."""
    n = a.shape[-1]
    cls_pos, sep_pos = sink_positions(tokens, special)
    punct_pos = np.array([is_punctuation(t) for t in tokens]) & ~np.asarray(special, bool)
    rows = a[:, :, queries]  # (L, H, q, n)
    qi = np.flatnonzero(queries)
    out = {
        "cls": rows[..., cls_pos].sum(-1),
        "sep": rows[..., sep_pos].sum(-1),
        "punct": rows[..., punct_pos].sum(-1),
    }
    for name, off in (("prev", -1), ("same", 0), ("next", 1)):
        j = qi + off
        ok = (j >= 0) & (j < n)
        v = np.zeros(rows.shape[:-1])
        v[..., ok] = rows[..., np.flatnonzero(ok), j[ok]]
        out[name] = v
    logs = np.where(rows > 0, np.log(np.where(rows > 0, rows, 1.0)), 0.0)
    ent = -(rows * logs).sum(-1)
    out["entropy"] = ent
    # keys a query can see: all tokens, or itself and earlier ones when the maps are causal
    visible = (qi + 1) if is_causal(a) else np.full(len(qi), n)
    out["norm_entropy"] = np.where(visible > 1, ent / np.log(np.maximum(visible, 2)), 0.0)
    out["distance"] = (rows * np.abs(np.arange(n)[None, :] - qi[:, None])).sum(-1)
    if token_type_ids is not None and len(set(np.asarray(token_type_ids).tolist())) > 1:
        tt = np.asarray(token_type_ids)
        same_seg = tt[qi][:, None] == tt[None, :]
        out["segment"] = (rows * same_seg).sum(-1)
    return {k: v.sum(-1) for k, v in out.items()}


def head_stats(acts, *, exclude_special_queries: bool = True) -> HeadStats:
    """Per-head statistics of one or many texts' attention, with pattern labels.

    Parameters
    ----------
    acts : Activations or list of Activations
        With ``attentions`` of shape (n_layers, n_heads, n_tokens, n_tokens) (same layers for all).
    exclude_special_queries : bool
        Average over content tokens only (the rows of [CLS]/[SEP]/<bos> are left out); keys
        are always all tokens, so the shares on special tokens remain visible.

    Returns
    -------
    HeadStats
        Each statistic averaged over all selected query rows of all texts (every token
        counts once, so longer texts weigh more).
    """
    items = [acts] if hasattr(acts, "attentions") else list(acts)
    if not items:
        raise ValueError("head_stats needs at least one Activations")
    totals: dict[str, np.ndarray] = {}
    count = seg_count = 0
    layers = None
    for i, act in enumerate(items):
        if getattr(act, "attentions", None) is None:
            raise ValueError(f"item {i} holds no attentions: extract with attentions=True")
        a = validate_attention(act.attentions)
        if layers is None:
            layers = tuple(act.attention_layers) or tuple(range(a.shape[0]))
            shape = a.shape[:2]
        elif a.shape[:2] != shape:
            raise ValueError(f"item {i} has {a.shape[:2]} layers x heads, the first has {shape}")
        special = np.asarray(act.special_mask, bool)
        queries = ~special if exclude_special_queries else np.ones_like(special)
        if not queries.any():
            continue
        s = _text_stats(a, act.tokens, special, act.token_type_ids, queries)
        if "segment" in s:  # sentence pairs only: averaged over the pairs' tokens
            seg_count += int(queries.sum())
        for k, v in s.items():
            totals[k] = totals.get(k, 0) + v
        count += int(queries.sum())
    if count == 0:
        raise ValueError("no content tokens to average over (every token is special)")
    mean = {k: v / (seg_count if k == "segment" else count) for k, v in totals.items()}
    labels = label_heads(mean)
    return HeadStats(
        entropy=mean["entropy"], norm_entropy=mean["norm_entropy"],
        **{k: mean[k] for k in _SHARES}, distance=mean["distance"], segment=mean.get("segment"),
        labels=labels, layers=layers, n_texts=len(items),
    )


def label_heads(stats) -> np.ndarray:
    """Pattern label of each head from its statistics (rules in the module docstring).

    Parameters
    ----------
    stats : HeadStats or mapping
        With arrays ``cls, sep, punct, prev, same, next, norm_entropy`` (and optionally
        ``segment``) of shape (n_layers, n_heads).

    Returns
    -------
    ndarray of str, shape (n_layers, n_heads), values in :data:`PATTERNS`
    """
    get = stats.get if isinstance(stats, dict) else (lambda k, d=None: getattr(stats, k, d))
    shares = np.stack([np.asarray(get(k), float) for k in _SHARES])  # (6, L, H)
    best = shares.argmax(0)
    top = shares.max(0)
    labels = np.full(top.shape, "mixed", dtype=object)
    seg = get("segment", None)
    if seg is not None:
        labels[np.asarray(seg) >= BLOCK_THRESHOLD] = "block"
    broad = (np.asarray(get("norm_entropy"), float) >= BROAD_THRESHOLD) & (labels == "mixed")
    labels[broad] = "broad"
    names = np.array([_SHARE_LABEL[k] for k in _SHARES], dtype=object)
    labels = np.where(top >= SHARE_THRESHOLD, names[best], labels)
    return labels.astype(str)


def drop_special(attn, special_mask, *, renormalize: bool = True) -> np.ndarray:
    """Attention among content tokens only (rows and columns of special tokens removed).

    Parameters
    ----------
    attn : array-like of shape (..., n_tokens, n_tokens)
    special_mask : array-like of bool, shape (n_tokens,)
    renormalize : bool
        Rescale each remaining row to sum to 1 (the share of attention among content tokens).

    Returns
    -------
    ndarray of shape (..., n_content, n_content)
    """
    a = np.asarray(attn, dtype=np.float64)
    keep = ~np.asarray(special_mask, dtype=bool)
    if keep.shape != (a.shape[-1],):
        raise ValueError(f"special_mask has shape {keep.shape}, attention has {a.shape[-1]} tokens")
    if not keep.any():
        raise ValueError("every token is special: nothing left to show")
    out = a[..., keep, :][..., keep]
    if renormalize:
        s = out.sum(-1, keepdims=True)
        out = np.divide(out, s, out=np.zeros_like(out), where=s > 0)
    return out


def average_heads(attn) -> np.ndarray:
    """Mean over heads: ``(n_layers, n_heads, n, n) -> (n_layers, n, n)`` (rows still sum to 1)."""
    a = validate_attention(attn, ndim=4)
    return a.mean(1)


def average_layers(attn) -> np.ndarray:
    """Mean over layers and heads: ``(n_layers, n_heads, n, n) -> (n, n)``."""
    return average_heads(attn).mean(0)


def strongest_long_range_head(attn, query: int, special_mask, *, min_offset: int = 2,
                              direction: str = "both") -> tuple[int, int, int, float]:
    """The head in which token ``query`` puts the most attention on one distant content token.

    "Distant" means at least ``min_offset`` positions away, so heads that only look at the
    neighbouring tokens (previous / next / the token itself) and sink heads (special tokens) are not
    picked. ``direction="before"`` keeps only keys before the query: e.g. where a pronoun looks
    for its referent, which precedes it.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    attn : array-like of shape (n_layers, n_heads, n_tokens, n_tokens)
        Layers 1 to n_layers in order.
    query : int
        0-based token index of the querying token.
    special_mask : array-like of bool, shape (n_tokens,)

    Returns
    -------
    (layer, head, key, weight)
        The head's layer and head numbers (from 1), the key's 0-based token index, and the weight
        ``attn[layer - 1, head - 1, query, key]``.

    >>> a = np.full((2, 2, 5, 5), 0.2)
    >>> a[1, 0, 4] = [0.1, 0.6, 0.1, 0.1, 0.1]
    >>> strongest_long_range_head(a, 4, np.zeros(5, bool))
    (2, 1, 1, 0.6)
    >>> strongest_long_range_head(a, 0, np.zeros(5, bool), direction="before")
    Traceback (most recent call last):
    ...
    ValueError: no content token is far enough from the query
    """
    if direction not in ("both", "before", "after"):
        raise ValueError(f"direction must be 'both', 'before' or 'after', got {direction!r}")
    a = validate_attention(attn, ndim=4)
    n = a.shape[-1]
    if not 0 <= query < n:
        raise ValueError(f"query must be a token index in 0..{n - 1}, got {query}")
    special = np.asarray(special_mask, bool)
    offset = np.arange(n) - query
    allowed = ~special & (np.abs(offset) >= min_offset)
    if direction == "before":
        allowed &= offset < 0
    elif direction == "after":
        allowed &= offset > 0
    if not allowed.any():
        raise ValueError("no content token is far enough from the query")
    row = np.where(allowed, a[:, :, query, :], -np.inf)  # (L, H, n)
    li, h, k = np.unravel_index(int(np.argmax(row)), row.shape)
    return layer_number(li), head_number(h), int(k), float(a[li, h, query, k])

"""Data containers for what a model computed on one text (CPU numpy, no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Activations"]


@dataclass(frozen=True, eq=False)
class Activations:
    """Hidden states and attention weights of one text, padding removed.

    Attributes
    ----------
    text : str or tuple of (str, str)
        The input (a pair for BERT-style ``[CLS] A [SEP] B [SEP]`` inputs).
    tokens : list of str
        The tokenizer's tokens, special tokens included.
    input_ids : ndarray of shape (n_tokens,)
    hidden_states : ndarray of shape (n_hidden_layers, n_tokens, hidden) or None
        ``hidden_states[0]`` is the embedding output, ``hidden_states[l]`` the output of
        block ``l`` (when all layers are kept, ``n_hidden_layers = n_layers + 1``).
    attentions : ndarray of shape (n_attn_layers, n_heads, n_tokens, n_tokens) or None
        Row ``i`` of each map is how token ``i`` distributes its attention (rows sum to 1).
    special_mask : ndarray of bool, shape (n_tokens,)
        True for special tokens ([CLS], [SEP], <bos>, ...).
    token_type_ids : ndarray of shape (n_tokens,) or None
        Segment of each token for sentence pairs (0 for A, 1 for B).
    hidden_layers : tuple of int
        Which hidden-state indices ``hidden_states`` holds (0 = embeddings).
    attention_layers : tuple of int
        Which blocks (0-based) ``attentions`` holds.
    model_name, fingerprint : str
        The model that produced them.
    truncated : bool
        Whether the text was cut at the model's maximum length.
    """

    text: str | tuple[str, str]
    tokens: list[str]
    input_ids: np.ndarray
    hidden_states: np.ndarray | None
    attentions: np.ndarray | None
    special_mask: np.ndarray
    token_type_ids: np.ndarray | None = None
    hidden_layers: tuple[int, ...] = ()
    attention_layers: tuple[int, ...] = ()
    model_name: str = ""
    fingerprint: str = ""
    truncated: bool = False
    kind: str = "encoder"
    meta: dict = field(default_factory=dict)

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def is_pair(self) -> bool:
        return isinstance(self.text, tuple)

    def to_frame(self) -> pd.DataFrame:
        """Long-form attention: one row per (layer, head, query, key) with token labels.

        ``layer`` and ``head`` are numbered from 1, as readers see them (:mod:`vizlab.numbering`);
        ``query`` and ``key`` are 0-based token positions, as in ``tokens``.
        """
        if self.attentions is None:
            raise ValueError("these activations hold no attentions; call extract(..., attentions=True)")
        L, H, n, _ = self.attentions.shape
        layers = np.asarray(self.attention_layers or range(L)) + 1
        layer, head, q, k = np.meshgrid(layers, np.arange(H) + 1, np.arange(n), np.arange(n), indexing="ij")
        toks = np.asarray(self.tokens, dtype=object)
        return pd.DataFrame(
            {
                "layer": layer.ravel(),
                "head": head.ravel(),
                "query": q.ravel(),
                "key": k.ravel(),
                "query_token": toks[q.ravel()],
                "key_token": toks[k.ravel()],
                "weight": self.attentions.ravel(),
            }
        )

    def __repr__(self) -> str:
        hs = None if self.hidden_states is None else self.hidden_states.shape
        at = None if self.attentions is None else self.attentions.shape
        return (
            f"Activations(model={self.model_name!r}, n_tokens={self.n_tokens}, "
            f"hidden_states={hs}, attentions={at}, tokens={self.tokens[:8]}{'...' if self.n_tokens > 8 else ''})"
        )

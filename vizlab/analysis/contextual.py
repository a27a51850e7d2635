"""Contextual embeddings: one word's vectors in different sentences, layer by layer."""

from __future__ import annotations

import numpy as np

from vizlab.analysis.similarity import cosine_similarity_matrix
from vizlab.analysis.words import word_spans

__all__ = ["word_vectors", "sense_similarity", "sense_pair_similarities"]


def word_vectors(acts, word: str) -> np.ndarray:
    """The hidden states of ``word`` in each text, averaged over its subword tokens.

    Parameters
    ----------
    acts : list of Activations
        From :func:`vizlab.extract` (hidden states of every layer).
    word : str
        Matched case-insensitively against the words of each text (first occurrence).

    Returns
    -------
    ndarray of shape (n_layers + 1, n_texts, hidden)
    """
    if not isinstance(word, str) or not word.strip():
        raise ValueError("word must be a non-empty string")
    target = word.strip().lower()
    out = []
    for i, a in enumerate(acts):
        if a.hidden_states is None:
            raise ValueError("the activations have no hidden states: extract them with hidden_states=True")
        spans = word_spans(a.tokens, a.special_mask)
        hits = [w for w, t in enumerate(spans.words) if t.lower() == target]
        if not hits:
            raise ValueError(f"{word!r} is not a word of text {i} ({a.text!r}); its words are {spans.words}")
        s, e = spans.starts[hits[0]], spans.ends[hits[0]]
        out.append(a.hidden_states[:, s:e].mean(axis=1))
    return np.stack(out, axis=1)


def sense_similarity(V, senses, *, background=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean cosine similarity of a word's occurrences with the same vs a different sense, per layer.

    Parameters
    ----------
    V : ndarray of shape (n_layers, n_texts, hidden)
        E.g. from :func:`word_vectors`.
    senses : array-like of shape (n_texts,)
        The sense of each occurrence (at least two senses, one of them with two occurrences).
    background : ndarray of shape (n_layers, n_background, hidden), optional
        Token vectors (e.g. every token of the same sentences) whose per-dimension mean and
        standard deviation standardise ``V`` first. Decoders such as Gemma have a few huge
        "rogue" dimensions that make every cosine close to 1; standardising removes them
        (Timkey & van Schijndel, 2021).

    Returns
    -------
    within : ndarray of shape (n_layers,)
        Mean similarity over pairs of distinct occurrences with the same sense.
    between : ndarray of shape (n_layers,)
        Mean similarity over pairs with different senses.
    """
    V = np.asarray(V, dtype=np.float64)
    senses = np.asarray(senses)
    if V.ndim != 3 or V.shape[1] != len(senses):
        raise ValueError(f"V must be (n_layers, n_texts, hidden) with one sense per text: {V.shape}, {len(senses)} senses")
    same = senses[:, None] == senses[None, :]
    off_diag = ~np.eye(len(senses), dtype=bool)
    if not (same & off_diag).any() or same.all():
        raise ValueError("need at least two senses and two occurrences of one of them")
    if background is not None:
        B = np.asarray(background, dtype=np.float64)
        if B.ndim != 3 or B.shape[0] != V.shape[0] or B.shape[2] != V.shape[2]:
            raise ValueError(f"background must be (n_layers, n, hidden) like V {V.shape}, got {B.shape}")
        V = (V - B.mean(1, keepdims=True)) / (B.std(1, keepdims=True) + 1e-6)
    within, between = [], []
    for X in V:
        S = cosine_similarity_matrix(X)
        within.append(S[same & off_diag].mean())
        between.append(S[~same].mean())
    return np.array(within), np.array(between)


def sense_pair_similarities(V, senses, *, background=None) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of every pair of a word's occurrences, per layer: the values whose means
    :func:`sense_similarity` returns (their spread shows how far one mean stands for its pairs).

    Parameters are those of :func:`sense_similarity`.

    Returns
    -------
    within : ndarray of shape (n_layers, n_within_pairs)
        One column per unordered pair ``i < j`` of occurrences with the same sense.
    between : ndarray of shape (n_layers, n_between_pairs)
        One column per unordered pair ``i < j`` with different senses.
    """
    V = np.asarray(V, dtype=np.float64)
    senses = np.asarray(senses)
    sense_similarity(V, senses, background=background)  # validates the inputs
    if background is not None:
        B = np.asarray(background, dtype=np.float64)
        V = (V - B.mean(1, keepdims=True)) / (B.std(1, keepdims=True) + 1e-6)
    i, j = np.triu_indices(len(senses), k=1)
    same = senses[i] == senses[j]
    S = np.stack([cosine_similarity_matrix(X)[i, j] for X in V])
    return S[:, same], S[:, ~same]

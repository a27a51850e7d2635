"""Merge subword tokens into words, and attention between tokens into attention between words.

WordPiece (BERT) marks continuation pieces with ``##``; SentencePiece (Gemma, T5, ...) marks the
start of a word with ``▁``; byte-level BPE (GPT-2, RoBERTa) with ``Ġ``. Special tokens and
punctuation-only tokens always stand alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizlab.analysis.attention import is_punctuation

__all__ = ["WordSpans", "aggregate_attention", "detect_scheme", "word_spans"]

_START = {"sentencepiece": "▁", "bpe": "Ġ"}


def detect_scheme(tokens) -> str:
    """``"wordpiece"``, ``"sentencepiece"`` or ``"bpe"`` from the markers the tokens carry."""
    if any(t.startswith("##") for t in tokens):
        return "wordpiece"
    if any("▁" in t for t in tokens):
        return "sentencepiece"
    if any(t.startswith("Ġ") for t in tokens):
        return "bpe"
    return "wordpiece"  # no markers at all: every token is its own word either way


@dataclass(frozen=True)
class WordSpans:
    """Which tokens form each word.

    Attributes
    ----------
    words : list of str
        The words, markers removed (special tokens kept as they are).
    starts, ends : ndarray of int, shape (n_words,)
        Token range ``starts[w]:ends[w]`` of word ``w``.
    special : ndarray of bool, shape (n_words,)
    n_tokens : int
    """

    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    special: np.ndarray
    n_tokens: int

    @property
    def n_words(self) -> int:
        return len(self.words)

    def membership(self) -> np.ndarray:
        """ndarray of shape (n_words, n_tokens): 1 where the token belongs to the word."""
        m = np.zeros((self.n_words, self.n_tokens))
        for w, (s, e) in enumerate(zip(self.starts, self.ends)):
            m[w, s:e] = 1.0
        return m

    @property
    def pieces(self) -> np.ndarray:
        """Number of tokens in each word, shape (n_words,)."""
        return self.ends - self.starts


def _clean(tok: str, scheme: str) -> str:
    if scheme == "wordpiece":
        return tok.removeprefix("##")
    return tok.replace(_START[scheme], " ")


def word_spans(tokens, special_mask=None, *, scheme: str = "auto") -> WordSpans:
    """Group subword tokens into words.

    Parameters
    ----------
    tokens : list of str
        Tokenizer tokens (``Activations.tokens``).
    special_mask : array-like of bool, shape (n_tokens,), optional
        Special tokens stay words of their own.
    scheme : {"auto", "wordpiece", "sentencepiece", "bpe"}

    Returns
    -------
    WordSpans

    >>> word_spans(["[CLS]", "gat", "##inho", "!", "[SEP]"], [1, 0, 0, 0, 1]).words
    ['[CLS]', 'gatinho', '!', '[SEP]']
    """
    tokens = list(tokens)
    n = len(tokens)
    special = np.zeros(n, bool) if special_mask is None else np.asarray(special_mask, bool)
    if special.shape != (n,):
        raise ValueError(f"special_mask has shape {special.shape} but there are {n} tokens")
    if scheme == "auto":
        scheme = detect_scheme(tokens)
    if scheme not in ("wordpiece", "sentencepiece", "bpe"):
        raise ValueError(f"unknown scheme {scheme!r}; use 'auto', 'wordpiece', 'sentencepiece' or 'bpe'")
    starts = []
    for i, tok in enumerate(tokens):
        if i == 0 or special[i] or special[i - 1] or is_punctuation(tok) or is_punctuation(tokens[i - 1]):
            new = True
        elif scheme == "wordpiece":
            new = not tok.startswith("##")
        else:
            new = tok.startswith(_START[scheme])
        if new:
            starts.append(i)
    starts_a = np.array(starts, dtype=int)
    ends_a = np.append(starts_a[1:], n).astype(int)
    words = [
        tokens[s] if special[s] else "".join(_clean(t, scheme) for t in tokens[s:e]).strip() or tokens[s]
        for s, e in zip(starts_a, ends_a)
    ]
    return WordSpans(words, starts_a, ends_a, special[starts_a] if n else special, n)


def aggregate_attention(attn, spans: WordSpans) -> np.ndarray:
    """Token-to-token attention -> word-to-word attention.

    Attention *received* by a word is the sum over its pieces (keys); attention *given* by a
    word is the mean over its pieces (queries). Rows still sum to 1.

    Parameters
    ----------
    attn : array-like of shape (..., n_tokens, n_tokens)
    spans : WordSpans

    Returns
    -------
    ndarray of shape (..., n_words, n_words)
    """
    a = np.asarray(attn, dtype=np.float64)
    if a.shape[-1] != spans.n_tokens or a.shape[-2] != spans.n_tokens:
        raise ValueError(f"attention has {a.shape[-2:]} tokens but the spans cover {spans.n_tokens}")
    m = spans.membership()
    give = m / m.sum(1, keepdims=True)
    return give @ a @ m.T

"""Does a model read a text as it was written? A cheap check with the model's tokenizer only.

An English-only tokenizer (MiniLM's WordPiece) lower-cases and strips accents ("está" -> "esta")
and cuts Portuguese words into pieces ("tokenização" -> ``token ##iza ##cao``): the model then sees
something else than the reader wrote. :func:`text_fit` measures both on a sample of the texts (no
forward pass); :func:`text_fit_message` says it in the reader's language, naming the presets that
read Portuguese instead; :func:`warn_text_fit` is the one warning :func:`vizlab.extract` and
:func:`vizlab.embed` give per call.
"""

from __future__ import annotations

import random
import re
import unicodedata
import warnings
from dataclasses import dataclass

from vizlab.i18n import Lang

__all__ = ["TextFit", "TextFitWarning", "text_fit", "text_fit_message", "warn_text_fit", "portuguese_readers"]

SAMPLE = 200  # texts looked at; more would not change the verdict and would cost time on big files
MAX_WORDS = 2000  # distinct words tokenized
ACCENTS_LOST = 0.5  # share of accented letters gone at which a text "loses its accents"
ACCENTED_WORDS = 0.05  # ...when at least this share of its words carry an accent (Portuguese: ~10-20 %;
#                        an English text naming São Paulo or a café: ~1 %, and no warning)
SPLIT_SHARE = 0.3  # share of words cut into 3+ tokens at which words "fall apart"
PIECES_PER_WORD = 2.0  # or this many tokens per word on average
MIN_WORDS = 3  # fewer words say nothing about fragmentation

_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only, two or more (one-letter words are one token anyway)


class TextFitWarning(UserWarning):
    """The model's tokenizer strips the text's accents or cuts most of its words into pieces."""


@dataclass(frozen=True)
class TextFit:
    """What a tokenizer does to a sample of texts.

    Attributes
    ----------
    n_texts, n_words : int
        Texts looked at and distinct words (two letters or more) tokenized.
    accents, accents_lost : int
        Accented letters in the texts and how many of them the tokenizer's normaliser removed.
    split_share : float
        Share of the words cut into 3 tokens or more.
    pieces_per_word : float
        Mean tokens per word.
    accent_example : (str, str) or None
        A word that lost its accents and what the model sees instead.
    split_example : (str, tuple of str) or None
        The word cut into the most pieces, and the pieces (markers such as ``##`` removed).
    accented_words : int
        Distinct words that carry an accent (a few, as in an English text naming São Paulo, are not
        a text that loses its accents).
    """

    n_texts: int
    n_words: int
    accents: int
    accents_lost: int
    split_share: float
    pieces_per_word: float
    accent_example: tuple[str, str] | None = None
    split_example: tuple[str, tuple[str, ...]] | None = None
    accented_words: int = 0

    @property
    def strips_accents(self) -> bool:
        return (self.accents > 0 and self.accents_lost >= ACCENTS_LOST * self.accents
                and self.accented_words >= ACCENTED_WORDS * max(self.n_words, 1))

    @property
    def fragments(self) -> bool:
        return self.n_words >= MIN_WORDS and (self.split_share >= SPLIT_SHARE
                                              or self.pieces_per_word > PIECES_PER_WORD)

    @property
    def poor(self) -> bool:
        """The model does not read these texts as written (accents stripped or words in pieces)."""
        return self.strips_accents or self.fragments


def _accents(s: str) -> int:
    return sum(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", s))


def _normalizer(tokenizer):
    """What the tokenizer does to a text before cutting it: its fast normaliser, else a decode round trip."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    norm = getattr(backend, "normalizer", None) if backend is not None else None
    if norm is not None:
        return norm.normalize_str
    return lambda s: tokenizer.decode(tokenizer(s, add_special_tokens=False)["input_ids"])


def _piece(tok: str) -> str:
    return tok.replace("##", "").replace("▁", "").replace("Ġ", "").strip() or tok


def text_fit(tokenizer, texts, *, sample: int = SAMPLE, seed: int = 0) -> TextFit:
    """Measure, with the tokenizer only, whether it keeps the texts' accents and words.

    Parameters
    ----------
    tokenizer : transformers tokenizer
        E.g. ``lm.tokenizer``.
    texts : str, (str, str) or list of them
    sample : int
        At most this many texts are looked at (a random sample, ``seed``), so big files stay cheap.

    Returns
    -------
    TextFit
    """
    if isinstance(texts, (str, tuple)):
        texts = [texts]
    flat = [t for x in texts for t in (x if isinstance(x, tuple) else (x,)) if isinstance(t, str)]
    if len(flat) > sample:
        flat = random.Random(seed).sample(flat, sample)
    normalize = _normalizer(tokenizer)
    accents = lost = 0
    accent_example = None
    words: dict[str, None] | list[str] = {}
    for text in flat:
        before = _accents(text)
        if before:
            after = _accents(normalize(text))
            accents += before
            lost += max(0, before - after)
            if accent_example is None and after < before:
                word = next((w for w in _WORD.findall(text) if _accents(w)), None)
                if word is not None:
                    accent_example = (word, normalize(word).replace("▁", " ").strip())
        for w in _WORD.findall(text):
            if len(words) >= MAX_WORDS:
                break
            words.setdefault(w)
    split_share = pieces = 0.0
    split_example = None
    accented_words = sum(_accents(w) > 0 for w in words)
    if words:
        words = list(words)
        ids = tokenizer([" " + w for w in words], add_special_tokens=False)["input_ids"]
        counts = [len(x) for x in ids]
        split_share = sum(c >= 3 for c in counts) / len(counts)
        pieces = sum(counts) / len(counts)
        i = max(range(len(counts)), key=lambda j: (counts[j], len(words[j])))
        if counts[i] >= 3:
            toks = tokenizer.convert_ids_to_tokens(ids[i])
            split_example = (words[i], tuple(_piece(t) for t in toks))
    return TextFit(len(flat), len(words), accents, lost, split_share, pieces, accent_example, split_example,
                   accented_words)


def portuguese_readers(exclude: str = "") -> list[str]:
    """Names of the presets that read Portuguese (:attr:`vizlab.extraction.models.Preset.reads_portuguese`)."""
    from vizlab.extraction.models import PRESETS

    return [p.name for p in PRESETS.values() if p.reads_portuguese and p.name != exclude]


def text_fit_message(model_name: str, fit: TextFit, *, lang: str = "en", instead: str = "--model {name}") -> str | None:
    """The warning for ``fit`` in ``lang`` (None when the model reads the texts as written).

    ``instead`` is how the reader picks another model (``"--model {name}"`` on the command line,
    ``'load_model("{name}")'`` in Python).
    """
    if not fit.poor:
        return None
    tr = Lang(lang)
    problems = []
    if fit.strips_accents:
        before, after = fit.accent_example or ("", "")
        problems.append(tr("text_fit.accents", before=before, after=after))
    if fit.fragments:
        word, pieces = fit.split_example or ("", ())
        problems.append(tr("text_fit.pieces", share=tr.pct(fit.split_share, 0), word=word,
                           pieces=" · ".join(pieces)))
    readers = portuguese_readers(exclude=model_name)
    text = tr("text_fit.warning", model=model_name, problems="; ".join(problems))
    if readers:
        text += " " + tr("text_fit.instead", how=tr.t(" ou ", " or ").join(instead.format(name=n) for n in readers))
    return text


def warn_text_fit(model, texts, *, stacklevel: int = 3) -> TextFit:
    """Warn once (:class:`TextFitWarning`, in English) when ``model``'s tokenizer strips the texts'
    accents or cuts most of their words into pieces; return the measurement."""
    fit = text_fit(model.tokenizer, texts)
    message = text_fit_message(model.name, fit, lang="en", instead='load_model("{name}")')
    if message is not None:
        warnings.warn(message, TextFitWarning, stacklevel=stacklevel)
    return fit

"""One token display: how a raw tokenizer piece is shown to a reader, everywhere.

Tokenizers mark word boundaries differently: WordPiece (BERT, MiniLM) marks the pieces that
*continue* a word with ``##``; SentencePiece (Gemma, Llama) marks a leading space with ``▁``;
byte-level BPE (GPT-2, Llama-3, Qwen) writes bytes as printable characters, a space as ``Ġ`` and a
newline as ``Ċ``. vizlab shows all of them one way: a piece that begins a new word after a space
starts with the visible space mark ``␣``, a continuation piece is shown bare, a newline is ``↵``
and a tab ``⇥``. Special tokens (``[CLS]``, ``<bos>``) are shown as they are. Raw tokens stay in
:class:`vizlab.activations.Activations`; figures, the viewer and the command line call
:func:`display_tokens`.

>>> display_tokens(["[CLS]", "the", "key", "##board", "[SEP]"])
['[CLS]', 'the', '␣key', 'board', '[SEP]']
>>> display_tokens(["<bos>", "O", "▁gato", "▁está"])
['<bos>', 'O', '␣gato', '␣está']
>>> display_tokens(["The", "Ġcat", "Ġest", "Ã¡", "Ċ"])
['The', '␣cat', '␣est', 'á', '↵']
>>> display_token(" mesa"), display_token("\\n")
('␣mesa', '↵')
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

__all__ = ["SPACE_MARK", "NEWLINE_MARK", "TAB_MARK", "token_scheme", "display_token", "display_tokens"]

SPACE_MARK = "␣"
NEWLINE_MARK = "↵"
TAB_MARK = "⇥"

_WORDPIECE_SPECIALS = {"[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"}


@functools.lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's ``bytes_to_unicode`` table (printable stand-in character -> byte)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def _is_special(tok: str) -> bool:
    return tok in _WORDPIECE_SPECIALS or (len(tok) > 2 and tok[0] == "<" and tok[-1] == ">" and " " not in tok)


def token_scheme(tokens: Sequence[str]) -> str:
    """Guess the tokenizer family from its pieces: ``wordpiece``, ``sentencepiece``, ``bytelevel`` or ``plain``."""
    toks = [t for t in tokens if not _is_special(t)]
    if any(t.startswith("▁") for t in toks):
        return "sentencepiece"
    if any(("Ġ" in t or "Ċ" in t or "ĉ" in t) for t in toks):
        return "bytelevel"
    if any(t.startswith("##") for t in toks) or any(t in _WORDPIECE_SPECIALS for t in tokens):
        return "wordpiece"
    return "plain"


def _marks(text: str) -> str:
    text = text.replace("\r\n", NEWLINE_MARK).replace("\n", NEWLINE_MARK).replace("\t", TAB_MARK)
    if text.startswith(" "):
        text = SPACE_MARK + text[1:]
    return text


def _bytelevel(tok: str) -> str:
    dec = _byte_decoder()
    if any(ch not in dec for ch in tok):
        return _marks(tok)
    raw = bytes(dec[ch] for ch in tok)
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text:  # a piece of a multi-byte character: show its bytes
        text = "".join(ch if ch != "\ufffd" else "" for ch in text) + "".join(
            f"<0x{b:02X}>" for b in raw if b >= 0x80)
    return _marks(text)


def display_token(token: str, *, scheme: str = "plain", first: bool = False) -> str:
    """A raw piece as a reader sees it (see the module docstring); ``first`` = first piece of the text."""
    if _is_special(token):
        return token
    if scheme == "wordpiece":
        if token.startswith("##"):
            return token[2:]
        return token if first or not token[:1].isalnum() else SPACE_MARK + token
    if scheme == "sentencepiece":
        return _marks(token.replace("▁", " "))
    if scheme == "bytelevel":
        return _bytelevel(token)
    return _marks(token)


def display_tokens(tokens: Sequence[str], *, scheme: str | None = None) -> list[str]:
    """Every piece of one text as a reader sees it; ``scheme`` is guessed when not given.

    For WordPiece the first word of each segment (after ``[CLS]``/``[SEP]``) and punctuation get
    no space mark, since the tokenizer does not record spaces.
    """
    tokens = [str(t) for t in tokens]
    scheme = scheme or token_scheme(tokens)
    out, first = [], True
    for tok in tokens:
        out.append(display_token(tok, scheme=scheme, first=first))
        first = _is_special(tok)
    return out

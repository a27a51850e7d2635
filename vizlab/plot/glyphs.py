"""Text that the figure font can draw: missing glyphs become escaped code points, never empty boxes.

Figures use DejaVu Sans, the font matplotlib ships, so the same text gives the same bytes on every
machine whatever fonts it has installed. Tokens of other scripts (CJK, Thai, ...) that DejaVu Sans
lacks are written as ``U+4E2D``-style code points instead of empty boxes, and matplotlib has no
"Glyph missing from font" warning to give.

>>> font_safe("gato ␣mesa")
'gato ␣mesa'
>>> font_safe("中文")
'U+4E2D U+6587'
>>> font_safe("a中")
'a U+4E2D'
"""

from __future__ import annotations

import functools

__all__ = ["FONT", "has_glyph", "font_safe"]

FONT = "DejaVu Sans"


@functools.lru_cache(maxsize=1)
def _charmap() -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=FONT), fallback_to_default=True)
    return frozenset(FT2Font(path).get_charmap())


def has_glyph(ch: str) -> bool:
    """Whether the figure font draws ``ch`` (whitespace and control characters count as drawable)."""
    return ch.isspace() or ord(ch) < 32 or ord(ch) in _charmap()


def font_safe(text: str) -> str:
    """``text`` with every character the figure font lacks replaced by its ``U+XXXX`` code point."""
    text = str(text)
    if all(has_glyph(ch) for ch in text):
        return text
    parts: list[str] = []
    run = ""
    for ch in text:
        if has_glyph(ch):
            run += ch
        else:
            if run:
                parts.append(run)
                run = ""
            parts.append(f"U+{ord(ch):04X}")
    if run:
        parts.append(run)
    return " ".join(p for p in parts if p)

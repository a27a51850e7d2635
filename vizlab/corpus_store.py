"""The shard store of a corpus: a folder of Parquet shards, its index, and reading the vectors back.

:func:`vizlab.extraction.corpus.embed_corpus` writes a corpus here; :func:`load_corpus` and
:func:`iter_corpus` read it back with pyarrow and numpy only (this module never imports torch, so
reading vectors costs no model library).

Layout of the folder:

- ``part-00000.parquet``, ``part-00001.parquet``, ...: shard ``i`` holds the usable rows among
  input rows ``i * shard_size`` to ``(i + 1) * shard_size - 1`` (see :mod:`vizlab.tables` for
  which rows are used), with columns

  - ``row`` (int64): the text's 0-based row number in the input, as ``pandas.read_csv`` /
    ``pandas.read_parquet`` number it (the key to join the vectors back onto the input);
  - ``text`` (string), ``label`` (string, when a label column was given);
  - ``vector``: a ``fixed_size_list<float32>[hidden]`` column. One list column rather than one
    column per dimension: the schema stays small (384 columns of MiniLM would each carry their
    own Parquet metadata and statistics), the dimension is part of the type, and a shard's
    vectors come out as one ``(n, hidden)`` array without copying column by column.

- ``_vizlab_index.json``: the settings of the run and the completed shards (file name, row count,
  bytes, sha256 of the file, sha256 of the input rows, first input row), rewritten atomically
  after every shard; with several processes, process ``r`` of ``N`` keeps its own
  ``_vizlab_index.rank{r}-of-{N}.json`` until the first process merges them.

Shards are written atomically too (temporary file, then rename: :func:`write_shard`), so a killed
run leaves only whole files, and :meth:`ShardStore.problem` tells a shard that can be kept from one
that must be redone. The folder is a plain Parquet dataset: ``pandas.read_parquet(folder)`` and
``pyarrow.dataset.dataset(folder)`` read it directly (they skip files starting with ``_`` or ``.``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from vizlab.cache import atomic_write_bytes

__all__ = ["load_corpus", "iter_corpus", "ShardStore", "write_shard", "shard_bytes", "input_digest",
           "shard_name", "INDEX_NAME"]

INDEX_NAME = "_vizlab_index.json"
_FORMAT = "vizlab-corpus"
_VERSION = 1


# ----------------------------------------------------------------------------- one shard


def shard_name(i: int) -> str:
    """File name of shard ``i``: ``part-00000.parquet``."""
    return f"part-{i:05d}.parquet"


def input_digest(shard: pd.DataFrame) -> str:
    """sha256 of a shard's input rows (``row``, ``text``, ``label``): tells a changed input on resume."""
    h = hashlib.sha256()
    for col in ("row", "text", "label"):
        if col in shard:
            h.update(json.dumps([None if pd.isna(v) else str(v) for v in shard[col]],
                                ensure_ascii=False).encode("utf-8"))
            h.update(b"\x00")
    return h.hexdigest()


def shard_bytes(shard: pd.DataFrame, X: np.ndarray, dim: int) -> bytes:
    """A shard as Parquet bytes: ``row``, ``text``, ``label`` (if any) and ``vector`` (zstd)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    flat = pa.array(np.ascontiguousarray(X, dtype=np.float32).reshape(-1), type=pa.float32())
    cols = {
        "row": pa.array(shard["row"].to_numpy(dtype=np.int64)),
        "text": pa.array(shard["text"].tolist(), type=pa.string()),
    }
    if "label" in shard:
        cols["label"] = pa.array([None if pd.isna(v) else v for v in shard["label"].tolist()])
    cols["vector"] = pa.FixedSizeListArray.from_arrays(flat, dim)
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, compression="zstd")
    return buf.getvalue()


def write_shard(p: Path, data: bytes) -> None:
    """Write one finished shard atomically: the only place a shard reaches the disk."""
    atomic_write_bytes(p, data)


def _sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------- index files


def _rank_index_name(rank: int, world: int) -> str:
    return f"_vizlab_index.rank{rank}-of-{world}.json"


def _read_json(p: Path) -> dict:
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError) as err:
        warnings.warn(f"{p} is unreadable ({err}); its shards are checked again", UserWarning, stacklevel=4)
        return {}
    if data.get("format") != _FORMAT:
        raise ValueError(f"{p} is not a vizlab corpus index")
    return data


def _read_index(out: Path) -> tuple[dict | None, dict[int, dict], int | None]:
    """Merged view of the main index and the per-process ones: (config, shards, n_shards)."""
    config, shards, n_shards = None, {}, None
    files = [out / INDEX_NAME] + sorted(out.glob("_vizlab_index.rank*.json"))
    for p in files:
        if not p.exists():
            continue
        data = _read_json(p)
        if not data:
            continue
        if config is None:
            config = data.get("config")
        elif data.get("config") != config:
            raise ValueError(f"the index files in {out} disagree on the settings; start over in a new folder")
        shards.update({int(k): v for k, v in data.get("shards", {}).items()})
        n_shards = data.get("n_shards") if data.get("n_shards") is not None else n_shards
    return config, shards, n_shards


def _write_index(p: Path, config: dict, shards: dict[int, dict], n_shards: int | None) -> None:
    data = {
        "format": _FORMAT,
        "version": _VERSION,
        "config": config,
        "n_shards": n_shards,
        "complete": n_shards is not None and all(i in shards for i in range(n_shards)),
        "n_rows": int(sum(s["rows"] for s in shards.values())),
        "shards": {f"{i:05d}": shards[i] for i in sorted(shards)},
    }
    atomic_write_bytes(p, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


# ----------------------------------------------------------------------------- the folder, as a run sees it


def _output_dir(path) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"{out} is a file; the vectors are written as a folder of Parquet shards: "
            "give a new name (e.g. vectors.parquet) or a folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ValueError(f"cannot write to the output folder {out}: {err.strerror or err}") from None
    return out


class ShardStore:
    """The output folder of one process of a run: its shards and the index files it keeps.

    Creating it creates the folder (an error if ``path`` is a file or not writable). Process
    ``rank`` of ``world`` records its shards in its own index file when ``world > 1``; the
    first process merges them with :meth:`merge`.

    Parameters
    ----------
    path : str or Path
        The output folder.
    rank, world : int
        This process and the number of processes.
    """

    def __init__(self, path, *, rank: int = 0, world: int = 1):
        self.path = _output_dir(path)
        self.rank, self.world = rank, world
        self.index_path = self.path / (INDEX_NAME if world == 1 else _rank_index_name(rank, world))

    def clear(self) -> None:
        """Delete the shards and index files of an earlier run."""
        for p in [*self.path.glob("part-*.parquet"), *self.path.glob("_vizlab_index*.json")]:
            p.unlink()

    def read(self) -> tuple[dict | None, dict[int, dict]]:
        """The recorded settings (None for a new folder) and every process's recorded shards."""
        config, shards, _ = _read_index(self.path)
        return config, shards

    def own(self) -> dict[int, dict]:
        """The shards recorded in this process's own index file (empty with one process)."""
        if self.world == 1 or not self.index_path.exists():
            return {}
        return {int(k): v for k, v in (_read_json(self.index_path).get("shards") or {}).items()}

    def problem(self, rec: dict) -> str | None:
        """Why a recorded shard cannot be kept (None when it is intact)."""
        p = self.path / rec["file"]
        if not p.exists():
            return "its file is missing"
        if p.stat().st_size != rec["bytes"]:
            return f"its file has {p.stat().st_size} bytes instead of {rec['bytes']}"
        if _sha256_file(p) != rec["sha256"]:
            return "its sha256 does not match the index"
        import pyarrow.parquet as pq

        try:
            rows = pq.ParquetFile(p).metadata.num_rows
        except Exception as err:  # noqa: BLE001 - any read failure means "redo"
            return f"it is not readable ({err})"
        if rows != rec["rows"]:
            return f"it has {rows} rows instead of {rec['rows']}"
        return None

    def record(self, config: dict, shards: dict[int, dict], n_shards: int | None = None) -> None:
        """Rewrite this process's index file (atomically) with ``shards``; ``n_shards`` once known."""
        _write_index(self.index_path, config, shards, n_shards)

    def merge(self, config: dict, n_shards: int) -> None:
        """Write the one ``_vizlab_index.json`` of every process's shards and remove the per-process files."""
        if self.world > 1:
            _, merged, _ = _read_index(self.path)
            _write_index(self.path / INDEX_NAME, config, merged, n_shards)
        for p in self.path.glob("_vizlab_index.rank*.json"):
            p.unlink()


# ----------------------------------------------------------------------------- reading back


def _completed(path, allow_partial: bool) -> tuple[Path, list[dict]]:
    out = Path(path)
    if not (out / INDEX_NAME).exists() and not any(out.glob("_vizlab_index.rank*.json")):
        raise FileNotFoundError(f"{out} holds no vizlab corpus (no {INDEX_NAME}); make one with embed_corpus")
    _, shards, n_shards = _read_index(out)
    missing = [i for i in range(n_shards or 0) if i not in shards]
    if (n_shards is None or missing) and not allow_partial:
        what = f"shards {missing[:10]} are missing" if missing else "the run did not finish"
        raise ValueError(f"{out} is incomplete ({what}): run embed_corpus again with the same "
                         "arguments to finish it, or pass allow_partial=True")
    return out, [shards[i] for i in sorted(shards)]


def iter_corpus(path, *, columns: Sequence[str] | None = None,
                allow_partial: bool = False) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Stream a corpus written by :func:`~vizlab.extraction.corpus.embed_corpus`, one shard at a time, in input order.

    Yields
    ------
    (DataFrame, ndarray of shape (n, hidden))
        The shard's ``row``, ``text`` (and ``label``) columns, or ``columns``, and its vectors.
    """
    import pyarrow.parquet as pq

    out, recs = _completed(path, allow_partial)
    for rec in recs:
        cols = None if columns is None else [*columns, "vector"]
        table = pq.read_table(out / rec["file"], columns=cols)
        vec = table.column("vector").combine_chunks()
        dim = vec.type.list_size
        X = vec.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim)
        yield table.drop_columns(["vector"]).to_pandas(), X


def load_corpus(path, *, columns: Sequence[str] | None = None,
                allow_partial: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a corpus written by :func:`~vizlab.extraction.corpus.embed_corpus`: its rows and all vectors.

    The vectors array is allocated once from the index's row counts and filled shard by shard,
    so reading needs the result's memory plus one shard.

    Returns
    -------
    frame : pandas.DataFrame
        ``row``, ``text`` (and ``label``) in input order (or ``columns``).
    X : ndarray of shape (n_rows, hidden), float32
    """
    _, recs = _completed(path, allow_partial)
    n = sum(r["rows"] for r in recs)
    frames, X, s = [], None, 0
    for df, x in iter_corpus(path, columns=columns, allow_partial=allow_partial):
        if X is None:
            X = np.empty((n, x.shape[1]), np.float32)
        X[s : s + len(x)] = x
        s += len(x)
        frames.append(df)
    if X is None:
        raise ValueError(f"{path} holds no vectors")
    return pd.concat(frames, ignore_index=True), X

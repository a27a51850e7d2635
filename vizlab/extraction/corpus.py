"""Embed a whole corpus into Parquet shards: streamed input, resumable, split across processes.

:func:`embed_corpus` reads a CSV or Parquet file in chunks (never the whole file), embeds each
shard of ``shard_size`` rows with :func:`vizlab.extraction.run.embed` (length-sorted batches,
dynamic padding) and writes it as ``part-00000.parquet``, ``part-00001.parquet``, ... in the output
folder, next to an index ``_vizlab_index.json`` of the completed shards (file name, row count,
sha256 of the file, sha256 of the input rows). Both are written atomically (temporary file, then
rename), the index after every shard, so a killed run loses at most the shard in progress and
a second call with the same arguments resumes: shards whose file still matches its row count and
sha256 are kept, never recomputed or duplicated; a missing or corrupt shard is recomputed with a
warning.

Layout of a shard (one row per non-empty text):

- ``row`` (int64): the text's 0-based row number in the input, as ``pandas.read_csv`` /
  ``pandas.read_parquet`` number it (rows with an empty or missing text are skipped, so this is
  the key to join the vectors back onto the input);
- ``text`` (string), ``label`` (when ``label_col`` is given; CSV labels are read as strings);
- ``vector``: a ``fixed_size_list<float32>[hidden]`` column. One list column rather than one
  column per dimension: the schema stays small (384 columns of MiniLM would each carry their
  own Parquet metadata and statistics), the dimension is part of the type, and a shard's
  vectors come out as one ``(n, hidden)`` array without copying column by column.

The folder is a plain Parquet dataset: ``pandas.read_parquet(folder)`` and
``pyarrow.dataset.dataset(folder)`` read it directly (they skip files starting with ``_`` or
``.``); :func:`load_corpus` / :func:`iter_corpus` return the vectors as a numpy array.

Several processes (``torchrun --nproc_per_node N`` or ``accelerate launch``): every process
streams the input, process ``r`` embeds and writes shards ``i`` with ``i % N == r`` and records
them in its own ``_vizlab_index.rank{r}-of-{N}.json``; at the end the first process merges the
indexes into ``_vizlab_index.json``. (Shards are assigned round-robin rather than with
``Accelerator.split_between_processes`` because their number is only known once the whole
input has been read.)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vizlab.cache import atomic_write_bytes
from vizlab.extraction.models import LoadedModel, check_model, runtime_versions

__all__ = ["embed_corpus", "load_corpus", "iter_corpus", "read_chunks", "CorpusRun", "INDEX_NAME"]

INDEX_NAME = "_vizlab_index.json"
_FORMAT = "vizlab-corpus"
_VERSION = 1
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class CorpusRun:
    """What :func:`embed_corpus` did.

    Attributes
    ----------
    path : Path
        The output folder.
    n_rows : int
        Vectors in the shards this process is responsible for (all shards with one process).
    n_shards : int
        Shards of the whole corpus.
    computed, reused, redone : int
        Shards embedded now, shards kept from an earlier run, shards recomputed because their
        file was missing or corrupt (included in ``computed``).
    skipped_empty : int
        Input rows without text (not embedded).
    truncated : int
        Texts cut to the model's token limit.
    dim : int
        Vector dimension.
    seconds : float
        Wall time.
    """

    path: Path
    n_rows: int
    n_shards: int
    computed: int
    reused: int
    redone: int
    skipped_empty: int
    truncated: int
    dim: int
    seconds: float


# ----------------------------------------------------------------------------- reading


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in _PARQUET_SUFFIXES


def _columns_error(path: Path, missing: str, what: str, columns: Sequence[str]) -> ValueError:
    cols = ", ".join(repr(c) for c in columns) or "(none)"
    return ValueError(f"{path} has no column {missing!r} ({what}); its columns are: {cols}")


def read_chunks(
    source,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    chunk_size: int = 10_000,
    encoding: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream the texts (and labels) of a CSV/Parquet file or a list, ``chunk_size`` rows at a time.

    Parameters
    ----------
    source : str, Path or sequence of str
        A ``.csv``/``.tsv`` (optionally compressed) or ``.parquet`` file, or the texts themselves.
    text_col : str, optional
        Column of the texts (default: ``"text"``). Not used for a list.
    label_col : str, optional
        Column of the labels, kept next to the vectors.
    chunk_size : int
        Rows per chunk. CSV files go through ``pandas.read_csv(chunksize=)``, Parquet through
        ``pyarrow.parquet.ParquetFile.iter_batches``: only one chunk is in memory at a time.
    encoding : str, optional
        Text encoding of a CSV file (default UTF-8; e.g. ``"latin-1"``).

    Yields
    ------
    pandas.DataFrame
        Columns ``row`` (0-based input row number), ``text`` (str, or missing) and ``label``
        when ``label_col`` is given; at most ``chunk_size`` rows.
    """
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        if path.is_dir():
            raise ValueError(f"{path} is a folder; pass a .csv or .parquet file")
        text_col = "text" if text_col is None else text_col
        reader = _parquet_chunks if _is_parquet(path) else _csv_chunks
        yield from reader(path, text_col, label_col, chunk_size, encoding)
        return
    if isinstance(source, (bytes, dict, pd.DataFrame)) or not isinstance(source, Sequence):
        raise TypeError(
            "texts_or_path must be a CSV/Parquet path or a list of strings, "
            f"got {type(source).__name__}"
        )
    if text_col is not None or label_col is not None:
        raise ValueError("text_col/label_col name columns of a file; a list of texts has none")
    for s in range(0, len(source), chunk_size):
        part = list(source[s : s + chunk_size])
        yield pd.DataFrame({"row": np.arange(s, s + len(part), dtype=np.int64), "text": part})


def _csv_chunks(path: Path, text_col, label_col, chunk_size, encoding):
    sep = "\t" if ".tsv" in path.suffixes else ","
    kws = {"sep": sep, "encoding": encoding or "utf-8"}
    try:
        header = pd.read_csv(path, nrows=0, **kws).columns.tolist()
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty (not even a header line): nothing to embed") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not {kws['encoding']} text ({err.reason}): pass encoding=, "
                         "e.g. encoding='latin-1'") from None
    for col, what in ((text_col, "text_col"), (label_col, "label_col")):
        if col is not None and col not in header:
            raise _columns_error(path, col, what, header)
    use = [text_col] + ([label_col] if label_col else [])
    start = 0
    try:
        with pd.read_csv(path, usecols=use, dtype={c: "string" for c in use}, chunksize=chunk_size,
                         keep_default_na=False, na_values=[""], **kws) as reader:
            for chunk in reader:
                yield _frame(chunk, text_col, label_col, start)
                start += len(chunk)
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not {kws['encoding']} text ({err.reason}): pass encoding=, "
                         "e.g. encoding='latin-1'") from None


def _parquet_chunks(path: Path, text_col, label_col, chunk_size, encoding):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise ValueError(f"{path} is not a readable Parquet file ({err})") from None
    names = pf.schema_arrow.names
    for col, what in ((text_col, "text_col"), (label_col, "label_col")):
        if col is not None and col not in names:
            raise _columns_error(path, col, what, names)
    typ = pf.schema_arrow.field(text_col).type
    if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
        raise TypeError(f"column {text_col!r} of {path} holds {typ}, not text")
    use = [text_col] + ([label_col] if label_col else [])
    start = 0
    for batch in pf.iter_batches(batch_size=chunk_size, columns=use):
        chunk = batch.to_pandas()
        yield _frame(chunk, text_col, label_col, start)
        start += len(chunk)


def _frame(chunk: pd.DataFrame, text_col, label_col, start: int) -> pd.DataFrame:
    out = pd.DataFrame({"row": np.arange(start, start + len(chunk), dtype=np.int64),
                        "text": chunk[text_col].to_numpy(dtype=object)})
    if label_col:
        out["label"] = chunk[label_col].to_numpy()
    return out


def _shards(chunks: Iterator[pd.DataFrame], shard_size: int) -> Iterator[pd.DataFrame]:
    """Regroup chunks into shards of exactly ``shard_size`` input rows (the last one shorter)."""
    buf: list[pd.DataFrame] = []
    n = 0
    for chunk in chunks:
        while len(chunk):
            take = chunk.iloc[: shard_size - n]
            chunk = chunk.iloc[len(take) :]
            buf.append(take)
            n += len(take)
            if n == shard_size:
                yield pd.concat(buf, ignore_index=True)
                buf, n = [], 0
    if n:
        yield pd.concat(buf, ignore_index=True)


# ----------------------------------------------------------------------------- output folder


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


def _shard_name(i: int) -> str:
    return f"part-{i:05d}.parquet"


def _sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def _shard_problem(out: Path, rec: dict) -> str | None:
    """Why a recorded shard cannot be kept (None when it is intact)."""
    p = out / rec["file"]
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


def _input_digest(shard: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for col in ("row", "text", "label"):
        if col in shard:
            h.update(json.dumps([None if pd.isna(v) else str(v) for v in shard[col]],
                                ensure_ascii=False).encode("utf-8"))
            h.update(b"\x00")
    return h.hexdigest()


def _shard_bytes(shard: pd.DataFrame, X: np.ndarray, dim: int) -> bytes:
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


# ----------------------------------------------------------------------------- embedding


def _processes(rank, world_size, device):
    if (rank is None) != (world_size is None):
        raise ValueError("give both rank and world_size, or neither")
    if rank is not None:
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in 0..{world_size - 1}, got {rank}")
        return int(rank), int(world_size), lambda: None
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # torchrun / accelerate launch
        from accelerate import PartialState

        state = PartialState(cpu=device.type == "cpu")  # without cpu=True: no gloo group on a CPU machine
        return state.process_index, state.num_processes, state.wait_for_everyone
    return 0, 1, lambda: None


def embed_corpus(
    lm: LoadedModel,
    texts_or_path,
    path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    batch_size: int = 32,
    shard_size: int = 10_000,
    pooling: str = "mean",
    layer: int = -1,
    max_length: int | None = None,
    normalize: bool = False,
    encoding: str | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    rank: int | None = None,
    world_size: int | None = None,
) -> CorpusRun:
    """Embed every text of a corpus into a folder of Parquet shards, resumably.

    Parameters
    ----------
    lm : LoadedModel
        From :func:`vizlab.load_model`.
    texts_or_path : str, Path or list of str
        A CSV/TSV or Parquet file (read ``shard_size`` rows at a time), or the texts.
    path : str or Path
        Output folder (created; a name like ``vectors.parquet`` is fine: the folder is a
        Parquet dataset).
    text_col, label_col : str, optional
        Columns of the texts (default ``"text"``) and of labels to keep next to the vectors.
    batch_size : int
        Texts per forward pass (texts of a shard are sorted by length first).
    shard_size : int
        Input rows per shard: the unit of resumption and of work split between processes.
    pooling, layer, max_length, normalize
        As in :func:`vizlab.embed`.
    encoding : str, optional
        Encoding of a CSV file (default UTF-8).
    overwrite : bool
        Delete the shards and index of an earlier run in ``path`` first. Without it, an earlier
        run with the same settings is resumed, and one with other settings is an error.
    progress : bool, optional
        Progress bar (texts).
    rank, world_size : int, optional
        This process's share of the shards; by default taken from ``torchrun`` /
        ``accelerate launch`` (``WORLD_SIZE``), otherwise one process does everything.

    Returns
    -------
    CorpusRun
        Counts of what was done; read the vectors with :func:`load_corpus`.

    Raises
    ------
    ValueError
        Missing column (the message lists the columns that exist), empty input, an output
        path that is a file or not writable, an output folder holding a run with other settings
        or another input.
    """
    from tqdm.auto import tqdm

    from vizlab.extraction.batching import TruncationWarning
    from vizlab.extraction.run import embed

    t0 = time.perf_counter()
    check_model(lm)
    for name, v in (("batch_size", batch_size), ("shard_size", shard_size)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if pooling not in {"mean", "cls", "last"}:
        raise ValueError(f"unknown pooling {pooling!r}; use 'mean', 'cls' or 'last'")
    rank, world, barrier = _processes(rank, world_size, lm.device)
    chunks = read_chunks(texts_or_path, text_col=text_col, label_col=label_col,
                         chunk_size=shard_size, encoding=encoding)
    first = next(chunks, None)  # column and emptiness errors before anything is written
    if first is None or not len(first):
        raise ValueError(f"{texts_or_path if isinstance(texts_or_path, (str, os.PathLike)) else 'texts'} "
                         "has no rows: nothing to embed")
    out = _output_dir(path)
    if overwrite and rank == 0:
        for p in [*out.glob("part-*.parquet"), *out.glob("_vizlab_index*.json")]:
            p.unlink()
    if overwrite:
        barrier()
    config = {
        "model": lm.name, "fingerprint": lm.fingerprint, "packages": runtime_versions(), "layer": layer,
        "pooling": pooling,
        "max_length": max_length, "normalize": bool(normalize), "shard_size": shard_size,
        "text_col": text_col, "label_col": label_col,
    }
    old_config, index, _ = _read_index(out)
    if old_config is not None and old_config != config:
        diff = ", ".join(f"{k}: {old_config.get(k)!r} -> {v!r}" for k, v in config.items()
                         if old_config.get(k) != v)
        raise ValueError(f"{out} holds embeddings made with other settings ({diff}): resume with the "
                         "same settings, write to a new folder, or pass overwrite=True to start over")
    my_index_path = out / (INDEX_NAME if world == 1 else _rank_index_name(rank, world))
    mine = {}
    if world > 1 and my_index_path.exists():
        mine = {int(k): v for k, v in (_read_json(my_index_path).get("shards") or {}).items()}

    dim = lm.hidden_size
    computed = reused = redone = skipped = truncated = n_rows = 0
    n_shards = 0

    def all_chunks():
        yield first
        yield from chunks

    bar = tqdm(desc="embed_corpus", unit="text", delay=2.0, disable=progress is False, leave=False)
    with bar:
        for i, shard in enumerate(_shards(all_chunks(), shard_size)):
            n_shards = i + 1
            if i % world != rank:
                continue
            keep = shard["text"].map(lambda t: isinstance(t, str) and bool(t.strip()))
            skipped += int((~keep).sum())
            shard = shard[keep.to_numpy()].reset_index(drop=True)
            digest = _input_digest(shard)
            rec = index.get(i)
            if rec is not None and rec.get("input_sha256") != digest:
                raise ValueError(
                    f"shard {i} in {out} was made from other input rows (rows {i * shard_size}.."
                    f"{(i + 1) * shard_size - 1} differ): the input file changed since the first run; "
                    "write to a new folder or pass overwrite=True"
                )
            if rec is not None:
                problem = _shard_problem(out, rec)
                if problem is None:
                    reused += 1
                    n_rows += rec["rows"]
                    bar.update(rec["rows"])
                    continue
                warnings.warn(f"shard {i} ({rec['file']}) is recomputed: {problem}", UserWarning, stacklevel=2)
                redone += 1
            if len(shard):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    X = embed(lm, shard["text"].tolist(), layer=layer, pooling=pooling,
                              batch_size=batch_size, max_length=max_length, normalize=normalize,
                              cache=False, progress=False)
                truncated += sum(len(w.message.indices) for w in caught if isinstance(w.message, TruncationWarning))
            else:
                X = np.zeros((0, dim), np.float32)
            data = _shard_bytes(shard, X, dim)
            name = _shard_name(i)
            write_shard(out / name, data)
            new = {"file": name, "rows": len(shard), "bytes": len(data),
                   "sha256": hashlib.sha256(data).hexdigest(), "input_sha256": digest,
                   "first_row": i * shard_size}
            index[i] = mine[i] = new
            _write_index(my_index_path, config, index if world == 1 else mine, None)
            computed += 1
            n_rows += len(shard)
            bar.update(len(shard))
    if world == 1:
        _write_index(my_index_path, config, index, n_shards)
        for p in out.glob("_vizlab_index.rank*.json"):
            p.unlink()
    else:
        _write_index(my_index_path, config, mine, n_shards)
        barrier()
        if rank == 0:
            _, merged, _ = _read_index(out)
            _write_index(out / INDEX_NAME, config, merged, n_shards)
            for p in out.glob("_vizlab_index.rank*.json"):
                p.unlink()
        barrier()
    if truncated:
        warnings.warn(f"{truncated} texts were longer than the model's limit and were truncated",
                      UserWarning, stacklevel=2)
    if skipped:
        warnings.warn(f"{skipped} row{'s' if skipped > 1 else ''} without text {'were' if skipped > 1 else 'was'} skipped (the 'row' column keeps input row numbers)",
                      UserWarning, stacklevel=2)
    return CorpusRun(path=out, n_rows=n_rows, n_shards=n_shards, computed=computed, reused=reused,
                     redone=redone, skipped_empty=skipped, truncated=truncated, dim=dim,
                     seconds=time.perf_counter() - t0)


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
    """Stream a corpus written by :func:`embed_corpus`, one shard at a time, in input order.

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
    """Read a corpus written by :func:`embed_corpus`: its rows and all vectors.

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

"""Embed a whole corpus into Parquet shards: streamed input, resumable, split across processes.

:func:`embed_corpus` is the run; each concern it ties together lives in its own module:

- **reading** the input: :mod:`vizlab.tables` (the reader of every user's file: encoding and
  separator detected, values as text, the one rule for rows without text or label), ``shard_size``
  input rows at a time, never the whole file;
- **the shard store**: :mod:`vizlab.corpus_store` (shard files, the index, sha256 checks, and
  :func:`load_corpus` / :func:`iter_corpus`, which read the vectors back without torch);
- **process coordination**: :mod:`vizlab.extraction.processes` (rank, number of processes,
  barrier; ``torchrun`` / ``accelerate launch``).

A run embeds each shard of ``shard_size`` input rows with :func:`vizlab.extraction.run.embed`
(length-sorted batches, dynamic padding), writes it atomically as ``part-0000i.parquet`` and
records it in the index at once, so a killed run loses at most the shard in progress and a
second call with the same arguments resumes: shards whose file still matches its row count and
sha256 are kept, never recomputed or duplicated; a missing or corrupt shard is recomputed with a
warning.

Several processes (``torchrun --nproc_per_node N`` or ``accelerate launch``): every process
streams the input, process ``r`` embeds and writes shards ``i`` with ``i % N == r`` and records
them in its own index file; at the end the first process merges the indexes. (Shards are assigned
round-robin rather than with ``Accelerator.split_between_processes`` because their number is only
known once the whole input has been read.)
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from vizlab.corpus_store import (
    INDEX_NAME,
    ShardStore,
    input_digest,
    iter_corpus,
    load_corpus,
    shard_bytes,
    shard_name,
    write_shard,
)
from vizlab.extraction.models import LoadedModel, check_model, runtime_versions
from vizlab.extraction.precision import resolve_precision
from vizlab.extraction.processes import Processes, processes
from vizlab.tables import read_chunks as read_table_chunks
from vizlab.tables import usable_rows

__all__ = ["embed_corpus", "load_corpus", "iter_corpus", "read_chunks", "write_shard", "CorpusRun", "INDEX_NAME",
           "OutputExistsError"]


class OutputExistsError(ValueError):
    """The output folder holds another run: the message says how to go on, and that ``overwrite=True``
    starts over (``vizlab embed``: ``--overwrite``, see :meth:`naming`)."""

    def __init__(self, problem: str, ways: str, option: str = "overwrite=True"):
        self.problem, self.ways, self.option = problem, ways, option
        super().__init__(f"{problem}: {ways}, or pass {option} to start over")

    def naming(self, option: str) -> OutputExistsError:
        """The same error, naming ``option`` (e.g. a command's ``--overwrite``) as the way to start over."""
        return OutputExistsError(self.problem, self.ways, option)



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
        Texts cut to the maximum length (``max_length``).
    dim : int
        Vector dimension.
    seconds : float
        Wall time.
    skipped_unlabelled : int
        Input rows with a text but without a label, when a label column is given (not embedded:
        the rule of :func:`vizlab.tables.usable_rows`, the same as for a map).
    truncated_rows : tuple of int
        Input rows (the ``row`` column) of the texts cut, in input order (this run's shards).
    max_length : int
        Tokens kept per text (:func:`vizlab.extraction.run.embedding_definition`).
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
    skipped_unlabelled: int = 0
    truncated_rows: tuple[int, ...] = ()
    max_length: int = 0


# ----------------------------------------------------------------------------- input


def read_chunks(
    source,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    chunk_size: int = 10_000,
    encoding: str | None = None,
    sep: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream a corpus's texts (and labels), ``chunk_size`` input rows at a time.

    Parameters
    ----------
    source : str, Path or sequence of str
        A CSV/TSV or Parquet file (read by :func:`vizlab.tables.read_chunks`: ``encoding`` and
        ``sep`` detected unless given), or the texts themselves.
    text_col, label_col : str, optional
        Columns of a file (default text column: ``"text"``); a list has none.

    Yields
    ------
    pandas.DataFrame
        ``row`` (0-based input row number), ``text`` and, with ``label_col``, ``label``; every
        input row, at most ``chunk_size`` of them.
    """
    if isinstance(source, (str, os.PathLike)):
        yield from read_table_chunks(source, text_col=text_col, label_col=label_col, chunk_size=chunk_size,
                                     encoding=encoding, sep=sep)
        return
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
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


def _opened(chunks: Iterator[pd.DataFrame], source) -> Iterator[pd.DataFrame]:
    """``chunks`` with its first chunk read now: column and emptiness errors before anything is written."""
    first = next(chunks, None)
    if first is None or not len(first):
        name = source if isinstance(source, (str, os.PathLike)) else "texts"
        raise ValueError(f"{name} has no rows: nothing to embed")

    def again():
        yield first
        yield from chunks

    return again()


# ----------------------------------------------------------------------------- the run


def _check_settings(batch_size, shard_size) -> None:
    for name, v in (("batch_size", batch_size), ("shard_size", shard_size)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def _open_store(path, procs: Processes, config: dict, *, overwrite: bool) -> tuple[ShardStore, dict[int, dict]]:
    """The output folder (emptied first with ``overwrite``) and the shards recorded there.

    Raises OutputExistsError when the folder holds a run with other settings.
    """
    store = ShardStore(path, rank=procs.rank, world=procs.world)
    if overwrite:
        if procs.first:
            store.clear()
        procs.barrier()
    old_config, index = store.read()
    if old_config is not None:
        old_config = {"precision": "float32", **old_config}  # runs written before the setting existed
    if old_config is not None and old_config != config:
        diff = ", ".join(f"{k}: {old_config.get(k)!r} -> {v!r}" for k, v in config.items()
                         if old_config.get(k) != v)
        ways = "resume with the same settings, write to a new folder"
        if old_config["precision"] != config["precision"]:  # e.g. an older float32 run, resumed where `auto` is bfloat16
            old = old_config["precision"]
            ways = f"resume in {old} (precision={old!r}; vizlab embed: --precision {old}), write to a new folder"
        raise OutputExistsError(f"{store.path} holds embeddings made with other settings ({diff})", ways)
    return store, index


@dataclass
class _Tally:
    computed: int = 0
    reused: int = 0
    redone: int = 0
    skipped_empty: int = 0
    skipped_unlabelled: int = 0
    truncated: int = 0
    n_rows: int = 0
    n_shards: int = 0
    truncated_rows: list[int] = field(default_factory=list)


def _embed_texts(lm, texts: list[str], options: dict) -> tuple[np.ndarray, list[int]]:
    """The vectors of a shard's texts (:func:`vizlab.embed`, as a map's), and the positions of the
    texts cut (said once for the whole run, by :func:`_warn_left_out`)."""
    from vizlab.extraction.batching import TruncationWarning
    from vizlab.extraction.run import embed

    if not texts:
        return np.zeros((0, lm.hidden_size), np.float32), []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = embed(lm, texts, cache=False, progress=False, **options)
    return X, sorted(i for w in caught if isinstance(w.message, TruncationWarning) for i in w.message.indices)


def _kept(store: ShardStore, i: int, rec: dict | None, digest: str, shard_size: int) -> bool | None:
    """Whether shard ``i`` recorded as ``rec`` can be kept (None: not recorded yet).

    A shard made from other input rows is an error; a damaged one is redone with a warning.
    """
    if rec is None:
        return None
    if rec.get("input_sha256") != digest:
        raise OutputExistsError(
            f"shard {i} in {store.path} was made from other input rows (rows {i * shard_size}.."
            f"{(i + 1) * shard_size - 1} differ): the input file changed since the first run",
            "write to a new folder"
        )
    problem = store.problem(rec)
    if problem is not None:
        warnings.warn(f"shard {i} ({rec['file']}) is recomputed: {problem}", UserWarning, stacklevel=3)
        return False
    return True


def _write(store: ShardStore, i: int, shard: pd.DataFrame, X: np.ndarray, digest: str, shard_size: int) -> dict:
    """Write shard ``i`` (atomically) and return its index record."""
    data = shard_bytes(shard, X, X.shape[1])
    name = shard_name(i)
    write_shard(store.path / name, data)
    return {"file": name, "rows": len(shard), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "input_sha256": digest, "first_row": i * shard_size}


def _finish(store: ShardStore, procs: Processes, config: dict, index: dict, mine: dict, n_shards: int) -> None:
    """Record the number of shards and leave one merged ``_vizlab_index.json``."""
    store.record(config, index if procs.world == 1 else mine, n_shards)
    procs.barrier()
    if procs.first:
        store.merge(config, n_shards)
    procs.barrier()


def _warn_left_out(tally: _Tally, limit: int) -> None:
    from vizlab.extraction.batching import TruncationWarning

    if tally.truncated:
        k, n = tally.truncated, tally.n_rows
        warnings.warn(TruncationWarning(
            f"{k:,} of {n:,} text{'s' if n != 1 else ''} longer than {limit} tokens {'was' if k == 1 else 'were'} "
            f"cut to {limit}; first: row {tally.truncated_rows[0]}", tally.truncated_rows, (), limit), stacklevel=3)
    for n, what in ((tally.skipped_empty, "text"), (tally.skipped_unlabelled, "a label")):
        if n:
            warnings.warn(f"{n} row{'s' if n > 1 else ''} without {what} {'were' if n > 1 else 'was'} skipped "
                          "(the 'row' column keeps input row numbers)", UserWarning, stacklevel=3)


def embed_corpus(
    lm: LoadedModel,
    texts_or_path,
    path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    batch_size: int = 32,
    shard_size: int = 10_000,
    pooling: str | None = None,
    layer: int = -1,
    max_length: int | None = None,
    normalize: bool | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    precision: str = "float32",
    rank: int | None = None,
    world_size: int | None = None,
) -> CorpusRun:
    """Embed every text of a corpus into a folder of Parquet shards, resumably.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    lm : LoadedModel
        From :func:`vizlab.load_model`.
    texts_or_path : str, Path or list of str
        A CSV/TSV or Parquet file (read ``shard_size`` rows at a time by :mod:`vizlab.tables`),
        or the texts.
    path : str or Path
        Output folder (created; a name like ``vectors.parquet`` is fine: the folder is a
        Parquet dataset).
    text_col, label_col : str, optional
        Columns of the texts (default ``"text"``) and of labels to keep next to the vectors
        (as text, exactly as written). With ``label_col``, rows without a label are left out,
        as they are from a map.
    batch_size : int
        Texts per forward pass (texts of a shard are sorted by length first).
    shard_size : int
        Input rows per shard: the unit of resumption and of work split between processes.
    pooling, layer, max_length, normalize
        As in :func:`vizlab.embed` (``layer``: the hidden state, -1 = the last): by default the
        model's own definition (a sentence-transformers folder's modules), so the vectors are those
        of :func:`vizlab.embed` and of a map of the same texts. Texts cut to the maximum length are
        said once, at the end (one :class:`~vizlab.extraction.batching.TruncationWarning`: how
        many, and the first one's row).
    encoding, sep : str, optional
        Encoding and separator of a CSV file (default: detected, see :mod:`vizlab.tables`).
    overwrite : bool
        Delete the shards and index of an earlier run in ``path`` first. Without it, an earlier
        run with the same settings is resumed, and one with other settings is an error.
    progress : bool, optional
        Progress bar (texts).
    precision : {"float32", "bfloat16", "auto"}
        The forward pass's number format, as in :func:`vizlab.embed` (resolved once, and recorded
        with the settings: a run is resumed only in the same format).
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
        path that is a file or not writable.
    OutputExistsError
        (a ValueError) An output folder holding a run with other settings or another input.
    """
    from tqdm.auto import tqdm

    from vizlab.extraction.run import embedding_definition

    t0 = time.perf_counter()
    check_model(lm)
    _check_settings(batch_size, shard_size)
    d = embedding_definition(lm, layer=layer, pooling=pooling, max_length=max_length, normalize=normalize)
    precision = resolve_precision(precision, lm.device)
    procs = processes(rank, world_size, cpu=lm.device.type == "cpu")
    chunks = _opened(read_chunks(texts_or_path, text_col=text_col, label_col=label_col, chunk_size=shard_size,
                                 encoding=encoding, sep=sep), texts_or_path)
    config = {
        "model": lm.name, "fingerprint": lm.fingerprint, "packages": runtime_versions(), "layer": layer,
        "pooling": d.pooling, "max_length": d.max_length, "normalize": d.normalize, "shard_size": shard_size,
        "text_col": text_col, "label_col": label_col, "precision": precision,
    }
    store, index = _open_store(path, procs, config, overwrite=overwrite)
    mine = store.own()
    options = {"layer": layer, "pooling": d.pooling, "batch_size": batch_size, "max_length": d.max_length,
               "normalize": d.normalize, "precision": precision}
    tally = _Tally()
    with tqdm(desc="embed_corpus", unit="text", delay=2.0, disable=progress is False, leave=False) as bar:
        for i, shard in enumerate(_shards(chunks, shard_size)):
            tally.n_shards = i + 1
            if not procs.owns(i):
                continue
            shard, no_text, no_label = usable_rows(shard)
            tally.skipped_empty += no_text
            tally.skipped_unlabelled += no_label
            digest = input_digest(shard)
            kept = _kept(store, i, index.get(i), digest, shard_size)
            if kept:
                tally.reused += 1
                tally.n_rows += index[i]["rows"]
                bar.update(index[i]["rows"])
                continue
            if kept is False:
                tally.redone += 1
            X, cut = _embed_texts(lm, shard["text"].tolist(), options)
            tally.truncated += len(cut)
            tally.truncated_rows += shard["row"].iloc[cut].astype(int).tolist()
            index[i] = mine[i] = _write(store, i, shard, X, digest, shard_size)
            store.record(config, index if procs.world == 1 else mine)
            tally.computed += 1
            tally.n_rows += len(shard)
            bar.update(len(shard))
    _finish(store, procs, config, index, mine, tally.n_shards)
    _warn_left_out(tally, d.max_length)
    counts = {f.name: getattr(tally, f.name) for f in fields(_Tally)}
    counts["truncated_rows"] = tuple(counts["truncated_rows"])
    return CorpusRun(path=store.path, dim=lm.hidden_size, seconds=time.perf_counter() - t0,
                     max_length=d.max_length, **counts)

"""Users' tables: one reader for the CSV, TSV and Parquet files of texts (and labels) that vizlab reads.

The embedding map, the offline explorer and the Parquet vectors of ``vizlab embed`` all read a
user's file here, with the same rules:

- **Encoding** (CSV/TSV), unless given: a byte-order mark says UTF-8 (``utf-8-sig``) or UTF-16;
  otherwise the whole file is decoded as UTF-8 (a streamed pass, cheap next to embedding it), and
  if that fails as cp1252 (the Windows encoding a spreadsheet uses in Western Europe and the
  Americas, a superset of latin-1's printable characters). A file that is neither is an error
  naming ``--encoding``; nothing falls back silently.
- **Separator**, unless given: :class:`csv.Sniffer` on the first 64 KiB, among ``,`` ``;`` tab and
  ``|`` (a file with one column: ``,``, or tab for ``.tsv``). A ``;``-separated export with decimal
  commas (``Ótimo produto, chegou rápido;4,5;positivo``) is read as three columns.
- **Values are text exactly as written**: the text and label columns are read as strings
  (``"1"`` stays ``"1"``, ``"4,5"`` stays ``"4,5"``, ``"NA"`` stays ``"NA"``); only an empty
  field is missing. Parquet labels that are not strings are turned into text with ``str``.
- **Which rows are used** (:func:`usable_rows`, the one rule): a row whose text is missing or
  blank is left out; with a label column, so is a row whose label is missing or blank (a map
  colours by label, and the vectors keep the label next to each row). Both counts are reported.
  Every row keeps ``row``, its 0-based row number as pandas numbers it, to join results back.
- **Said once**: :meth:`TableFormat.describe` (``"read planilha.csv as cp1252, ';'-separated"``)
  and :meth:`Rows.note` are what the command line prints.

Two ways to read: :func:`read_rows` (the whole file, for a map) and :func:`read_chunks` (a
bounded number of rows at a time, for a corpus of any size); the second is the first's engine,
so both give the same rows and labels. Errors are ``ValueError`` subclasses naming the file, the
column, the columns it has and the command-line option that fixes it.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "planilha.csv"
>>> _ = p.write_bytes("comentário;nota\\nÓtimo, chegou rápido;4,5\\nRuim;\\n".encode("cp1252"))
>>> rows = read_rows(p, "comentário", "nota")
>>> rows.frame[["text", "label"]].values.tolist()
[['Ótimo, chegou rápido', '4,5']]
>>> rows.note()
"read planilha.csv as cp1252, ';'-separated; 1 row without a label left out"
"""

from __future__ import annotations

import bz2
import codecs
import csv
import difflib
import gzip
import lzma
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "TableFormat", "Rows", "TableError", "ColumnError", "ColumnTypeError", "inspect_table", "read_rows", "read_chunks",
    "usable_rows", "left_out", "is_parquet", "detect_encoding", "detect_separator", "SEPARATORS",
]

SEPARATORS = (",", ";", "\t", "|")
PARQUET_SUFFIXES = (".parquet", ".pq")
_SNIFF_BYTES = 1 << 16
_BLOCK = 1 << 22
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")


class TableError(ValueError):
    """A user's file vizlab cannot read as it is (the message says what to change)."""


class ColumnError(TableError):
    """A column that the file does not have."""


class ColumnTypeError(ColumnError, TypeError):
    """A text column that holds no text (a ``TypeError`` too, as it was before it said how to fix it)."""


@dataclass(frozen=True)
class TableFormat:
    """How a file is read: what was detected or given, and its columns.

    Attributes
    ----------
    path : Path
    kind : {"csv", "parquet"}
        ``"csv"`` covers every delimited text file (``.csv``, ``.tsv``, ``.txt``, compressed).
    columns : tuple of str
        The header, in file order.
    encoding, sep : str or None
        Text encoding and separator (None for Parquet).
    encoding_given, sep_given : bool
        Whether the caller chose them (otherwise they were detected).
    """

    path: Path
    kind: str
    columns: tuple[str, ...]
    encoding: str | None = None
    sep: str | None = None
    encoding_given: bool = False
    sep_given: bool = False

    @property
    def sep_name(self) -> str:
        """The separator as a reader writes it: ``';'``, or ``tab``."""
        return "tab" if self.sep == "\t" else repr(self.sep)

    def how(self) -> str:
        """How the file is read: ``as cp1252, ';'-separated`` (or ``as Parquet``)."""
        if self.kind == "parquet":
            return "as Parquet"
        return f"as {self.encoding}, {self.sep_name}-separated"

    def describe(self) -> str:
        """One line saying how the file was read, e.g. ``read planilha.csv as cp1252, ';'-separated``."""
        return f"read {self.path.name} {self.how()}"

    def require(self, text_col: str, label_col: str | None = None) -> None:
        """Raise :class:`ColumnError` unless the file has these columns."""
        for col, what, option in ((text_col, "text_col", "--text-col"), (label_col, "label_col", "--label-col")):
            if col is not None and col not in self.columns:
                raise ColumnError(self._column_message(col, what, option))

    def _column_message(self, col: str, what: str, option: str) -> str:
        cols = ", ".join(repr(c) for c in self.columns) or "(none)"
        msg = f"{self.path} has no column {col!r} ({what}); its columns are: {cols}"
        close = difflib.get_close_matches(col, self.columns, n=1, cutoff=0.6)
        if close:
            msg += f". Did you mean {close[0]!r}? Pass it with {option}"
        else:
            msg += f". Pass one of them with {option}"
        if self.kind == "csv":
            msg += f" (the file was read {self.how()}"
            others = [s for s in SEPARATORS if s != self.sep and len(self.columns) == 1 and s in self.columns[0]]
            if others:
                shown = "'\\t'" if others[0] == "\t" else f"'{others[0]}'"
                msg += f"; if its fields are separated by {shown}, pass --sep {shown}"
            msg += ")"
        return msg


@dataclass(frozen=True)
class Rows:
    """The usable rows of a file (:func:`read_rows`), and what was left out.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``row`` (int64, the 0-based input row number), ``text`` (str) and, when a label column
        was read, ``label`` (str, exactly as written in the file).
    format : TableFormat
    without_text, without_label : int
        Rows left out because their text, or their label, was missing or blank.
    sampled_from : int or None
        Usable rows before :meth:`sample` (None when not sampled).
    """

    frame: pd.DataFrame
    format: TableFormat
    without_text: int = 0
    without_label: int = 0
    sampled_from: int | None = None

    def __len__(self) -> int:
        return len(self.frame)

    def note(self) -> str:
        """How the file was read and what was left out, in one line."""
        return self.format.describe() + "".join(f"; {s}" for s in left_out(self.without_text, self.without_label))

    def sample(self, n: int | None, *, seed: int = 0) -> Rows:
        """A random sample of ``n`` rows (all rows when ``n`` is None or at least their number)."""
        if n is None or (isinstance(n, int) and not isinstance(n, bool) and n >= len(self.frame) > 0):
            return self
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n (--n) must be a positive integer, got {n!r}")
        frame = self.frame.sample(n=n, random_state=seed).reset_index(drop=True)
        return replace(self, frame=frame, sampled_from=len(self.frame))


def left_out(without_text: int, without_label: int) -> list[str]:
    """English phrases for the rows left out, e.g. ``["2 rows without text left out"]``."""
    out = []
    for n, what in ((without_text, "text"), (without_label, "a label")):
        if n:
            out.append(f"{n} row{'s' if n != 1 else ''} without {what} left out")
    return out


# ----------------------------------------------------------------------------- detection


def _open_bytes(path: Path):
    """A binary file object of the (decompressed) contents, for detection."""
    suffix = path.suffix.lower()
    if suffix in _OPENERS:
        return _OPENERS[suffix](path, "rb")
    if suffix == ".zip":
        zf = zipfile.ZipFile(path)
        names = [n for n in zf.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise TableError(f"{path} holds {len(names)} files; pandas reads a .zip holding exactly one")
        return zf.open(names[0])
    return open(path, "rb")


def detect_encoding(path: str | os.PathLike) -> str:
    """The encoding of a text file: ``utf-8-sig``/``utf-16`` by its byte-order mark, else
    ``utf-8`` if the whole file decodes as UTF-8, else ``cp1252`` if it decodes as cp1252.

    Raises
    ------
    TableError
        The file is neither (the message names ``--encoding``).
    """
    path = Path(path)
    with _open_bytes(path) as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    first_error = None
    for encoding in ("utf-8", "cp1252"):
        error = _decode_error(path, encoding)
        if error is None:
            return encoding
        first_error = first_error or error
    raise TableError(f"{path} is neither utf-8 nor cp1252 text ({first_error}): give its encoding "
                     "with --encoding (encoding= in Python), e.g. --encoding latin-1")


def _decode_error(path: Path, encoding: str) -> str | None:
    """Where ``path`` stops being ``encoding`` text (None when all of it decodes)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with _open_bytes(path) as f:
        while True:
            block = f.read(_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as err:
                return f"byte 0x{block[err.start]:02x} at offset {offset + err.start} is not {encoding}"
            if not block:
                return None
            offset += len(block)


def detect_separator(sample: str, *, default: str = ",") -> str:
    """The field separator of a CSV text sample, among :data:`SEPARATORS` (``default`` when the
    sample has one column or :class:`csv.Sniffer` cannot tell)."""
    lines = sample.splitlines()
    if len(lines) > 1:  # the last line may be cut short: leave it out
        sample = "\n".join(lines[:-1])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        return default


def _sample_text(path: Path, encoding: str) -> str:
    with _open_bytes(path) as f:
        data = f.read(_SNIFF_BYTES)
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(data)


def is_parquet(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def inspect_table(path: str | os.PathLike, *, encoding: str | None = None, sep: str | None = None) -> TableFormat:
    """Detect how to read ``path`` (encoding, separator) and read its header.

    Parameters
    ----------
    path : str or Path
        A CSV/TSV (optionally ``.gz``, ``.bz2``, ``.xz``, ``.zip``) or Parquet file.
    encoding, sep : str, optional
        Override the detected encoding or separator of a CSV file.

    Raises
    ------
    FileNotFoundError
        No such file.
    TableError
        A folder, an empty file, a spreadsheet workbook, an unreadable Parquet file, an
        undetectable encoding, or a file that is not ``encoding`` text.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_dir():
        raise TableError(f"{path} is a folder; pass a .csv, .tsv or .parquet file")
    if path.suffix.lower() in _SPREADSHEETS:
        raise TableError(f"{path} is a spreadsheet workbook; save the sheet as CSV (in Excel: "
                         "Save As > CSV UTF-8) and pass that file")
    if is_parquet(path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except (pa.ArrowInvalid, OSError) as err:
            raise TableError(f"{path} is not a readable Parquet file ({err})") from None
        return TableFormat(path, "parquet", tuple(names))
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t"}.get(sep, sep)  # what a shell passes for --sep '\t'
        if len(sep) != 1:
            raise TableError(f"the separator must be one character (--sep ';', --sep tab), got {sep!r}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise TableError(f"unknown encoding {encoding!r} (--encoding): try utf-8, cp1252 or latin-1") from None
    if path.stat().st_size == 0:
        raise TableError(f"{path} is empty (not even a header line): nothing to read")
    enc = encoding or detect_encoding(path)
    if sep is None:
        default = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
        sep_used = detect_separator(_sample_text(path, enc), default=default)
    else:
        sep_used = sep
    fmt = TableFormat(path, "csv", (), enc, sep_used, encoding is not None, sep is not None)
    try:
        header = pd.read_csv(path, nrows=0, sep=sep_used, encoding=enc).columns.tolist()
    except pd.errors.EmptyDataError:
        raise TableError(f"{path} is empty (not even a header line): nothing to read") from None
    except UnicodeDecodeError as err:
        raise _encoding_error(fmt, err) from None
    return replace(fmt, columns=tuple(str(c) for c in header))


def _encoding_error(fmt: TableFormat, err: UnicodeDecodeError) -> TableError:
    if fmt.encoding_given:
        return TableError(f"{fmt.path} is not {fmt.encoding} text ({err.reason}), the encoding given with "
                          "--encoding (encoding= in Python): pass the right one, e.g. --encoding cp1252, "
                          "or leave it out to detect it")
    return TableError(f"{fmt.path} is not {fmt.encoding} text ({err.reason}): pass its encoding with "
                      "--encoding (encoding= in Python), e.g. --encoding cp1252")


# ----------------------------------------------------------------------------- reading


def read_chunks(
    path: str | os.PathLike | TableFormat,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    chunk_size: int = 10_000,
    encoding: str | None = None,
    sep: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream a file's texts (and labels), ``chunk_size`` input rows at a time, every row included.

    Parameters
    ----------
    path : str, Path or TableFormat
        The file, or its format from :func:`inspect_table` (then nothing is detected again).
    text_col : str, optional
        Column of the texts (default ``"text"``).
    label_col : str, optional
        Column of the labels.
    chunk_size : int
        Input rows per chunk: CSV through ``pandas.read_csv(chunksize=)``, Parquet through
        ``pyarrow.parquet.ParquetFile.iter_batches``; one chunk is in memory at a time.
    encoding, sep : str, optional
        As in :func:`inspect_table`.

    Yields
    ------
    pandas.DataFrame
        ``row`` (int64, 0-based input row number), ``text`` and, with ``label_col``, ``label``:
        object columns of str, or None where the file has nothing. Rows without text or label
        are kept (:func:`usable_rows` picks the rows to use), so a chunk covers consecutive
        input rows.
    """
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    fmt = path if isinstance(path, TableFormat) else inspect_table(path, encoding=encoding, sep=sep)
    text_col = "text" if text_col is None else text_col
    fmt.require(text_col, label_col)
    reader = _parquet_chunks if fmt.kind == "parquet" else _csv_chunks
    yield from reader(fmt, text_col, label_col, chunk_size)


def _csv_chunks(fmt: TableFormat, text_col, label_col, chunk_size):
    use = [text_col] + ([label_col] if label_col else [])
    start = 0
    try:
        with pd.read_csv(fmt.path, sep=fmt.sep, encoding=fmt.encoding, usecols=use,
                         dtype={c: "string" for c in use}, keep_default_na=False, na_values=[""],
                         chunksize=chunk_size) as reader:
            for chunk in reader:
                yield _frame(chunk, text_col, label_col, start)
                start += len(chunk)
    except UnicodeDecodeError as err:
        raise _encoding_error(fmt, err) from None
    except pd.errors.ParserError as err:
        raise TableError(f"{fmt.path} cannot be read {fmt.how()} ({err}): pass the separator with --sep "
                         "(sep= in Python)") from None


def _parquet_chunks(fmt: TableFormat, text_col, label_col, chunk_size):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(fmt.path)
    typ = pf.schema_arrow.field(text_col).type
    if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
        texts = [f.name for f in pf.schema_arrow if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        holding = f" (columns of text: {', '.join(map(repr, texts))})" if texts else " (it has none)"
        raise ColumnTypeError(f"column {text_col!r} of {fmt.path} holds {typ}, not text: pass a column of texts "
                              f"with --text-col (text_col= in Python){holding}")
    use = [text_col] + ([label_col] if label_col else [])
    start = 0
    for batch in pf.iter_batches(batch_size=chunk_size, columns=use):
        chunk = batch.to_pandas(integer_object_nulls=True)  # an int column with a null stays ints, not 5.0
        yield _frame(chunk, text_col, label_col, start)
        start += len(chunk)


def _as_text(values) -> np.ndarray:
    """An object array of str, or None for a missing value."""
    return np.array([None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                     else v if isinstance(v, str) else str(v) for v in values], dtype=object)


def _frame(chunk: pd.DataFrame, text_col, label_col, start: int) -> pd.DataFrame:
    out = pd.DataFrame({"row": np.arange(start, start + len(chunk), dtype=np.int64),
                        "text": pd.Series(_as_text(chunk[text_col].tolist()), dtype=object)})
    if label_col:
        out["label"] = pd.Series(_as_text(chunk[label_col].tolist()), dtype=object)
    return out


def _blank(values: pd.Series) -> np.ndarray:
    return ~values.map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy(dtype=bool)


def usable_rows(chunk: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """The rows of a :func:`read_chunks` chunk that a map or a corpus uses: the one rule.

    A row is used when its text is not missing or blank and, if the chunk has a ``label``
    column, neither is its label.

    Returns
    -------
    rows : pandas.DataFrame
        The used rows (index reset; ``row`` keeps the input row numbers).
    without_text, without_label : int
        Rows left out for want of a text, and (of those with a text) for want of a label.
    """
    no_text = _blank(chunk["text"])
    no_label = _blank(chunk["label"]) & ~no_text if "label" in chunk else np.zeros(len(chunk), bool)
    keep = ~(no_text | no_label)
    return chunk[keep].reset_index(drop=True), int(no_text.sum()), int(no_label.sum())


def read_rows(
    path: str | os.PathLike | TableFormat,
    text_col: str = "text",
    label_col: str | None = None,
    *,
    encoding: str | None = None,
    sep: str | None = None,
) -> Rows:
    """Read the usable rows of a whole file (:func:`read_chunks` and :func:`usable_rows`).

    Raises
    ------
    FileNotFoundError, TableError, ColumnError
        As :func:`inspect_table`; a missing column (the message lists the columns there are);
        a file without a single usable row.
    """
    fmt = path if isinstance(path, TableFormat) else inspect_table(path, encoding=encoding, sep=sep)
    parts, without_text, without_label = [], 0, 0
    for chunk in read_chunks(fmt, text_col=text_col, label_col=label_col, chunk_size=100_000):
        rows, a, b = usable_rows(chunk)
        parts.append(rows)
        without_text += a
        without_label += b
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"row": [], "text": []})
    if frame.empty:
        what = f"text in column {text_col!r}" + (f" and a label in column {label_col!r}" if label_col else "")
        raise TableError(f"{fmt.path} has no row with {what} ({fmt.describe()}"
                         + "".join(f"; {s}" for s in left_out(without_text, without_label)) + ")")
    return Rows(frame, fmt, without_text, without_label)

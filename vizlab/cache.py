"""On-disk cache of computed arrays: atomic writes, corruption detected and recomputed.

The cache lives in ``$VIZLAB_CACHE`` (default: the user cache dir, e.g. ``~/.cache/vizlab``).
Entries are ``.npz`` files keyed by a sha256 of everything that determines the result
(model fingerprint, texts, options). This module has no torch dependency.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "cache_dir",
    "cache_key",
    "ArrayCache",
    "atomic_write_bytes",
    "build_folder_once",
    "file_sha256",
    "locked",
]


def cache_dir() -> Path:
    """Return the vizlab cache directory (``$VIZLAB_CACHE`` or the user cache dir)."""
    env = os.environ.get("VIZLAB_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("vizlab"))


def cache_key(*parts: Any) -> str:
    """A stable sha256 hex key of JSON-serialisable parts."""
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextlib.contextmanager
def locked(name: str, *, folder: str | os.PathLike | None = None) -> Iterator[None]:
    """Hold an exclusive lock named ``name`` across processes (``fcntl.flock``; none on Windows).

    Several processes sharing a cache (parallel figure workers, ``torchrun``, two terminals)
    compute a shared entry once: the first one computes, the others wait and then read it.
    The lock file is ``<folder>/<hash of name>.lock``; ``folder`` defaults to ``<cache>/locks``
    and should sit next to what the lock protects, so every process that can see the entry
    sees the same lock. Locks are per open file: a process must not nest two of the same name.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    lock = Path(folder) if folder is not None else cache_dir() / "locks"
    try:
        lock.mkdir(parents=True, exist_ok=True)
        fh = open(lock / f"{cache_key(name)[:32]}.lock", "a")  # noqa: SIM115 - closed below
    except OSError as err:  # a read-only cache: reading it needs no lock, and nothing can be written
        warnings.warn(f"cannot lock {name!r} in {lock} ({err}); going on without a lock", RuntimeWarning,
                      stacklevel=3)
        fh = None
    if fh is None:
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


COMPLETE = ".complete"


def build_folder_once(target: str | os.PathLike, build: Callable[[Path], None]) -> Path:
    """Make the folder ``target`` once, safely when several processes ask for it at the same time.

    ``build(tmp)`` fills a temporary folder of this process's own next to ``target``; the folder is
    marked complete and renamed into place in one step, under a lock, so a reader sees either no
    ``target`` or a complete one, and a second process waits for the first instead of converting
    again (or deleting its work). A failed or interrupted ``build`` leaves no ``target`` behind.

    Returns
    -------
    Path
        ``target``, which holds a ``.complete`` marker.
    """
    target = Path(target)
    if (target / COMPLETE).exists():
        return target
    with locked(f"folder:{target.name}", folder=target.parent / ".locks"):
        if (target / COMPLETE).exists():  # another process built it while we waited
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would hide a shared cache from other users
        try:
            build(tmp)
            (tmp / COMPLETE).write_text("complete\n")
            if target.exists():  # an incomplete folder of an older vizlab or a crash
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _hash_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: str | os.PathLike, *, memo_dir: Path | None = None) -> str:
    """sha256 of a file, hashed at most once per (path, size, mtime).

    The hash is remembered in ``<cache>/file-hashes.json`` so that loading a large
    model file a second time does not re-read a gigabyte.
    """
    path = Path(path).resolve()
    st = path.stat()
    ident = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    memo_path = (memo_dir or cache_dir()) / "file-hashes.json"
    memo: dict[str, str] = {}
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    if ident in memo:
        return memo[ident]
    digest = _hash_file(path)
    memo[ident] = digest
    try:
        atomic_write_bytes(memo_path, json.dumps(memo, indent=0, sort_keys=True).encode())
    except OSError:
        pass  # read-only cache: we just hash again next time
    return digest


class ArrayCache:
    """A folder of ``.npz`` entries, each a dict of numpy arrays.

    Parameters
    ----------
    namespace : str
        Sub-folder of the cache dir (``"extract"``, ``"embed"``, ...).
    root : path, optional
        Cache root; default :func:`cache_dir`. ``enabled=False`` turns the cache off.

    If the folder cannot be created or written, the cache is disabled with a warning and
    every call computes.
    """

    def __init__(self, namespace: str, *, root: str | os.PathLike | None = None, enabled: bool = True):
        self.enabled = enabled
        self.path = Path(root) / namespace if root is not None else cache_dir() / namespace
        self.hits = 0
        self.misses = 0
        if enabled:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
                probe = tempfile.NamedTemporaryFile(dir=self.path, delete=True)
                probe.close()
            except OSError as err:
                warnings.warn(
                    f"vizlab cache dir {self.path} is not writable ({err}); continuing without "
                    "a cache. Set VIZLAB_CACHE to a writable folder to enable it.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                self.enabled = False

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.npz"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        """Return the stored arrays, or None if absent. A corrupt entry is reported and dropped."""
        if not self.enabled:
            return None
        f = self._file(key)
        if not f.exists():
            return None
        try:
            with np.load(f, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as err:
            warnings.warn(
                f"vizlab cache entry {f} is corrupt ({type(err).__name__}: {err}); recomputing it.",
                RuntimeWarning,
                stacklevel=3,
            )
            try:
                f.unlink()
            except OSError:
                pass
            return None

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        if not self.enabled:
            return
        import io

        buf = io.BytesIO()
        np.savez(buf, **arrays)
        try:
            atomic_write_bytes(self._file(key), buf.getvalue())
        except OSError as err:
            warnings.warn(f"could not write vizlab cache entry ({err}); not cached.", RuntimeWarning, stacklevel=3)

    def get_or_compute(self, key: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The entry ``key``, computed (and saved) on a miss.

        Processes sharing the cache compute one key once: a miss takes the key's lock and looks
        again before computing, so a process that asks while another computes waits and reads.
        """
        hit = self.load(key)
        if hit is None and self.enabled:
            with locked(key, folder=self.path / ".locks"):
                hit = self.load(key)
                if hit is None:
                    return self._compute(key, compute)
        if hit is not None:
            self.hits += 1
            return hit
        return self._compute(key, compute)

    def _compute(self, key: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        self.misses += 1
        arrays = compute()
        self.save(key, arrays)
        return arrays

"""vizlab.cache.atomic_write_bytes, the one way the library writes a file: all or nothing."""

import json
import os
import stat

import pytest

from vizlab import cache as cache_mod
from vizlab.cache import atomic_write_bytes


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_and_replaces(tmp_path):
    path = tmp_path / "sub" / "f.bin"
    atomic_write_bytes(path, b"one")            # parent folders are created
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert _leftovers(path.parent) == []


@pytest.mark.parametrize("where", ["fsync", "replace"])
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path, monkeypatch, where, error):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"previous")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(cache_mod.os, where, fail)
    with pytest.raises(type(error)):
        atomic_write_bytes(path, b"new content that must not appear, not even in part")
    monkeypatch.undo()
    assert path.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_a_failure_on_a_new_path_creates_nothing(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cache_mod.os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "new.bin", b"x")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_permissions_follow_the_umask_like_a_plain_open(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        (tmp_path / "b.bin").write_bytes(b"x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "a.bin").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "b.bin").stat().st_mode) == 0o640


def test_an_interrupted_fine_tuning_save_leaves_no_entry_and_the_next_run_trains(tiny_bert, tmp_path,
                                                                                monkeypatch):
    """finetune saves its model into a temporary folder renamed in one step: a Ctrl-C at the
    rename leaves neither a half model nor a temporary folder, and the next call trains again."""
    import pandas as pd

    from vizlab.extraction import finetune as ft

    df = pd.DataFrame({"text": ["good movie", "bad film", "great fun", "awful plot"],
                       "label": ["pos", "neg", "pos", "neg"]})
    kw = {"epochs": 1, "batch_size": 2, "lr": 1e-3, "progress": False, "cache": tmp_path / "ft"}
    real = os.replace

    def interrupted(src, dst, *args, **kwargs):
        if os.path.isdir(src):  # the model folder being put in place
            raise KeyboardInterrupt
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(ft.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ft.finetune(tiny_bert, df, **kw)
    monkeypatch.undo()
    root = tmp_path / "ft"
    assert not root.exists() or [p for p in root.rglob("*") if ".locks" not in p.parts] == []
    again = ft.finetune(tiny_bert, df, **kw)
    assert not again.from_cache and (again.path / "config.json").exists()
    assert ft.finetune(tiny_bert, df, **kw).from_cache


# ----------------------------------------------------------------------------- what must write atomically
# Each test interrupts the write at the moment its bytes are flushed to disk (the fsync inside
# atomic_write_bytes, before the rename), like a crash or Ctrl-C mid-write. Written through the
# atomic helper, nothing of it is left at the destination; written in place (a plain write_bytes),
# nothing is interrupted at all and the assertions below fail.


class Crash(BaseException):
    """A simulated crash (not an Exception: nothing may swallow it)."""


def _crash_when_flushing(monkeypatch, name_part: str, *, after: int = 0):
    """Raise Crash at the (after+1)-th flush of a file whose name contains ``name_part``."""
    real = os.fsync
    seen = []

    def fsync(fd):
        target = os.readlink(f"/proc/self/fd/{fd}")
        if name_part in os.path.basename(target):
            seen.append(target)
            if len(seen) > after:
                raise Crash(target)
        return real(fd)

    monkeypatch.setattr(cache_mod.os, "fsync", fsync)
    return seen


def test_an_interrupted_cache_entry_is_not_left_behind(tmp_path, monkeypatch):
    import numpy as np

    store = cache_mod.ArrayCache("demo", root=tmp_path)
    seen = _crash_when_flushing(monkeypatch, ".npz")
    with pytest.raises(Crash):
        store.save("ab" * 32, {"x": np.arange(1000)})
    monkeypatch.undo()
    assert seen, "ArrayCache.save never flushed through the atomic helper"
    assert store.load("ab" * 32) is None
    assert [p.name for p in (tmp_path / "demo").rglob("*") if p.is_file()] == []


def test_an_interrupted_shard_leaves_no_shard_file_and_the_next_run_completes(tiny_bert, tmp_path, monkeypatch):
    from vizlab.extraction.corpus import INDEX_NAME, embed_corpus, load_corpus

    texts = [f"texto número {i} sobre o gato" for i in range(12)]
    out = tmp_path / "v.parquet"
    seen = _crash_when_flushing(monkeypatch, "part-", after=1)  # the second shard
    with pytest.raises(Crash):
        embed_corpus(tiny_bert, texts, out, shard_size=4, progress=False)
    monkeypatch.undo()
    assert len(seen) == 2, "shards are not written through the atomic helper"
    index = json.loads((out / INDEX_NAME).read_text())
    assert sorted(p.name for p in out.glob("part-*")) == ["part-00000.parquet"]
    assert [s["file"] for s in index["shards"].values()] == ["part-00000.parquet"]
    run = embed_corpus(tiny_bert, texts, out, shard_size=4, progress=False)
    assert (run.reused, run.computed) == (1, 2)
    assert len(load_corpus(out)[0]) == 12


def test_an_interrupted_index_write_keeps_the_previous_index(tiny_bert, tmp_path, monkeypatch):
    from vizlab.extraction.corpus import INDEX_NAME, embed_corpus

    texts = [f"texto número {i} sobre o gato" for i in range(12)]
    out = tmp_path / "v.parquet"
    seen = _crash_when_flushing(monkeypatch, INDEX_NAME, after=1)
    with pytest.raises(Crash):
        embed_corpus(tiny_bert, texts, out, shard_size=4, progress=False)
    monkeypatch.undo()
    assert len(seen) == 2, "the index is not written through the atomic helper"
    index = json.loads((out / INDEX_NAME).read_text())  # whole, readable JSON: the previous index
    assert not index["complete"]
    assert _leftovers(out) == []

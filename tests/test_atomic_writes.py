"""vizlab.cache.atomic_write_bytes, the one way the library writes a file: all or nothing."""

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
    assert not root.exists() or [p for p in root.rglob("*")] == []
    again = ft.finetune(tiny_bert, df, **kw)
    assert not again.from_cache and (again.path / "config.json").exists()
    assert ft.finetune(tiny_bert, df, **kw).from_cache

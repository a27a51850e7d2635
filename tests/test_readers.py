"""vizlab.tables: one reader for users' files (the map, the explorer and the Parquet vectors)."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from vizlab.tables import (
    ColumnError,
    TableError,
    detect_encoding,
    detect_separator,
    inspect_table,
    read_chunks,
    read_rows,
    usable_rows,
)

# A spreadsheet export in Brazil: ';'-separated (the comma is the decimal mark), cp1252, CRLF.
BRAZIL = (
    "comentário;nota;sentimento\r\n"
    "Ótimo produto, chegou rápido;4,5;positivo\r\n"
    "Não funcionou, péssimo;1;negativo\r\n"
    "Entrega no prazo;3,0;neutro\r\n"
    "Sem opinião;;\r\n"
    ";2;negativo\r\n"
    "Ação rápida do suporte;5;positivo\r\n"
)


@pytest.fixture
def planilha(tmp_path):
    p = tmp_path / "planilha.csv"
    p.write_bytes(BRAZIL.encode("cp1252"))
    return p


def test_brazilian_spreadsheet_export_needs_no_option(planilha):
    rows = read_rows(planilha, "comentário", "sentimento")
    assert rows.format.encoding == "cp1252" and rows.format.sep == ";"
    assert rows.format.columns == ("comentário", "nota", "sentimento")
    assert rows.frame["text"].tolist() == ["Ótimo produto, chegou rápido", "Não funcionou, péssimo",
                                           "Entrega no prazo", "Ação rápida do suporte"]
    assert rows.frame["label"].tolist() == ["positivo", "negativo", "neutro", "positivo"]
    assert rows.frame["row"].tolist() == [0, 1, 2, 5]  # input row numbers, to join results back
    assert (rows.without_text, rows.without_label) == (1, 1)
    assert rows.note() == ("read planilha.csv as cp1252, ';'-separated; 1 row without text left out; "
                           "1 row without a label left out")


def test_labels_are_text_exactly_as_written(planilha):
    """Decimal commas, integers next to a blank, "NA": nothing is parsed as a number or a missing value."""
    rows = read_rows(planilha, "comentário", "nota")
    assert rows.frame["label"].tolist() == ["4,5", "1", "3,0", "5"]  # not 4.5, "1.0", 3.0
    p = planilha.with_name("ids.csv")
    p.write_text("text,label\num,1\ndois,\ntrês,2\nquatro,NA\ncinco,007\n", encoding="utf-8")
    assert read_rows(p, "text", "label").frame["label"].tolist() == ["1", "2", "NA", "007"]


def test_a_blank_label_leaves_the_row_out_everywhere(tmp_path):
    """The one rule: with a label column, a row without a label is left out (and counted);
    without a label column every row with a text is used."""
    p = tmp_path / "d.csv"
    p.write_text("text,label\num,a\ndois,\ntrês,  \nquatro,b\n", encoding="utf-8")
    rows = read_rows(p, "text", "label")
    assert rows.frame["text"].tolist() == ["um", "quatro"] and rows.without_label == 2
    assert "2 rows without a label left out" in rows.note()
    assert read_rows(p, "text").frame["text"].tolist() == ["um", "dois", "três", "quatro"]
    chunk = next(read_chunks(p, text_col="text", label_col="label", chunk_size=10))
    assert chunk["label"].tolist() == ["a", None, "  ", "b"]  # chunks keep every input row
    kept, no_text, no_label = usable_rows(chunk)
    pd.testing.assert_frame_equal(kept, rows.frame)
    assert (no_text, no_label) == (0, 2)


def test_utf8_with_bom(tmp_path):
    p = tmp_path / "excel.csv"
    pd.DataFrame({"texto": ["café", "pão"], "classe": ["a", "b"]}).to_csv(p, index=False, encoding="utf-8-sig")
    rows = read_rows(p, "texto", "classe")
    assert rows.format.encoding == "utf-8-sig" and rows.format.columns == ("texto", "classe")
    assert rows.frame["text"].tolist() == ["café", "pão"]


def test_utf16_tab_separated_unicode_text(tmp_path):
    """Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-separated."""
    p = tmp_path / "unicode.txt"
    p.write_text("texto\tclasse\ncafé, com leite\t1\npão\t2\n", encoding="utf-16")
    rows = read_rows(p, "texto", "classe")
    assert (rows.format.encoding, rows.format.sep) == ("utf-16", "\t")
    assert rows.frame["label"].tolist() == ["1", "2"]
    assert rows.note() == "read unicode.txt as utf-16, tab-separated"


def test_tsv_and_compressed_tsv(tmp_path):
    text = "text\tlabel\nbom, muito bom\tpos\nruim; péssimo\tneg\n"
    (tmp_path / "d.tsv").write_text(text, encoding="utf-8")
    with gzip.open(tmp_path / "d.tsv.gz", "wt", encoding="utf-8") as f:
        f.write(text)
    for name in ("d.tsv", "d.tsv.gz"):
        rows = read_rows(tmp_path / name, "text", "label")
        assert rows.format.sep == "\t", name
        assert rows.frame["text"].tolist() == ["bom, muito bom", "ruim; péssimo"]
    # a one-column .tsv: tab by its name
    (tmp_path / "one.tsv").write_text("text\nbom, muito bom\n", encoding="utf-8")
    assert inspect_table(tmp_path / "one.tsv").sep == "\t"


def test_parquet(tmp_path):
    p = tmp_path / "d.parquet"
    pd.DataFrame({"text": ["um", "dois", None, "quatro"], "stars": [5, None, 3, 1]}).to_parquet(p)
    rows = read_rows(p, "text", "stars")
    assert rows.format.kind == "parquet" and rows.note() == "read d.parquet as Parquet; 1 row without text " \
        "left out; 1 row without a label left out"
    assert rows.frame["text"].tolist() == ["um", "quatro"]
    assert rows.frame["label"].tolist() == ["5.0", "1.0"]  # a float column: as str() writes its values
    pd.DataFrame({"text": ["um", "dois"], "stars": [5, 1]}).to_parquet(p)
    assert read_rows(p, "text", "stars").frame["label"].tolist() == ["5", "1"]
    # an integer column with a null, as Arrow writes it: labels as written ("5", not "5.0")
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["um", "dois", "três"], "stars": pa.array([5, None, 1], pa.int64())}), p)
    assert read_rows(p, "text", "stars").frame["label"].tolist() == ["5", "1"]


def test_separators_and_quotes():
    assert detect_separator("a,b\n1,2\n") == ","
    assert detect_separator('texto,classe\n"frase, com vírgula; e ponto e vírgula",a\n') == ","
    assert detect_separator("a|b\nx, y|1\nz|2\n") == "|"
    assert detect_separator("text\nbom dia, amigo\n", default="\t") == "\t"  # one column: the default


def test_encoding_detection_is_a_real_check(tmp_path):
    p = tmp_path / "late.csv"
    # ASCII for more than the sniffed sample, then one cp1252 byte near the end
    p.write_bytes(b"text\n" + b"plain ascii line\n" * 10_000 + "fim: ação\n".encode("cp1252"))
    assert detect_encoding(p) == "cp1252"
    assert read_rows(p, "text").frame["text"].iloc[-1] == "fim: ação"
    p.write_bytes("text\nação\n".encode())
    assert detect_encoding(p) == "utf-8"
    p.write_bytes(b"text\n\x81\x8d\xe7\n")  # bytes cp1252 does not define, and not utf-8
    with pytest.raises(TableError, match="neither utf-8 nor cp1252 .*--encoding"):
        read_rows(p, "text")
    assert read_rows(p, "text", encoding="latin-1").format.encoding == "latin-1"


def test_overrides_and_their_errors(planilha):
    rows = read_rows(planilha, "comentário;nota;sentimento", encoding="latin-1", sep="\t")
    assert rows.format.encoding_given and rows.format.sep_given and len(rows) == 6
    with pytest.raises(TableError, match=r"is not utf-8 text .*given with --encoding.*--encoding cp1252"):
        read_rows(planilha, "comentário", encoding="utf-8")
    with pytest.raises(TableError, match="unknown encoding 'nope'"):
        read_rows(planilha, "comentário", encoding="nope")
    with pytest.raises(TableError, match="one character"):
        read_rows(planilha, "comentário", sep=";;")
    assert inspect_table(planilha, sep="\\t").sep == "\t"  # what a shell passes for --sep '\t'


def test_a_missing_column_names_the_file_the_columns_and_the_option(planilha):
    with pytest.raises(ColumnError) as err:
        read_rows(planilha, "texto", "sentimento")
    assert str(err.value) == (
        f"{planilha} has no column 'texto' (text_col); its columns are: 'comentário', 'nota', 'sentimento'. "
        "Pass one of them with --text-col (the file was read as cp1252, ';'-separated)")
    with pytest.raises(ColumnError, match=r"no column 'comentario' .*Did you mean 'comentário'\? Pass it with --text-col"):
        read_rows(planilha, "comentario")
    with pytest.raises(ColumnError, match=r"no column 'classe' \(label_col\).*--label-col"):
        read_rows(planilha, "comentário", "classe")
    # read with the wrong separator: one column, and the hint says which --sep to pass
    with pytest.raises(ColumnError, match=r"its columns are: 'comentário;nota;sentimento'.*pass --sep ';'"):
        read_rows(planilha, "comentário", sep=",")


def test_other_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_rows(tmp_path / "nope.csv", "text")
    with pytest.raises(TableError, match="is a folder"):
        read_rows(tmp_path, "text")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(TableError, match="is empty"):
        read_rows(tmp_path / "empty.csv", "text")
    (tmp_path / "header.csv").write_text("text,label\n")
    with pytest.raises(TableError, match="has no row with text in column 'text'"):
        read_rows(tmp_path / "header.csv", "text")
    (tmp_path / "book.xlsx").write_bytes(b"PK")
    with pytest.raises(TableError, match="save the sheet as CSV"):
        read_rows(tmp_path / "book.xlsx", "text")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(TableError, match="not a readable Parquet file"):
        read_rows(tmp_path / "bad.parquet", "text")


def test_sample_is_seeded_and_bounded(planilha):
    rows = read_rows(planilha, "comentário")
    assert rows.sample(None) is rows and rows.sample(100) is rows
    a, b = rows.sample(3, seed=1), rows.sample(3, seed=1)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert len(a) == 3 and a.sampled_from == 5
    with pytest.raises(ValueError, match="positive integer"):
        rows.sample(0)


def test_chunks_cover_the_input_rows_in_order(planilha):
    chunks = list(read_chunks(planilha, text_col="comentário", label_col="nota", chunk_size=4))
    assert [len(c) for c in chunks] == [4, 2]
    assert pd.concat(chunks)["row"].tolist() == list(range(6))


def test_the_map_and_the_parquet_vectors_read_the_same_rows(tiny_bert, planilha, tmp_path):
    """`vizlab embed f.csv -o map.png` (read_rows) and `-o vectors.parquet` (embed_corpus) agree."""
    from vizlab.corpus_store import load_corpus
    from vizlab.extraction.corpus import embed_corpus

    rows = read_rows(planilha, "comentário", "sentimento")
    with pytest.warns(UserWarning, match="without text"):
        run = embed_corpus(tiny_bert, planilha, tmp_path / "v.parquet", text_col="comentário",
                           label_col="sentimento", shard_size=2, progress=False)
    assert (run.skipped_empty, run.skipped_unlabelled) == (rows.without_text, rows.without_label)
    df, X = load_corpus(tmp_path / "v.parquet")
    pd.testing.assert_frame_equal(df, rows.frame, check_dtype=False)
    assert X.shape == (len(rows), tiny_bert.hidden_size)


@pytest.fixture
def cli_on_tiny_model(tiny_bert, monkeypatch):
    """The CLI with the tiny model, and the labels its map drawing receives (the real drawing runs)."""
    import vizlab.drawings.embeddings as drawings
    from vizlab import cli

    monkeypatch.setattr(cli, "_load", lambda name, **kwargs: tiny_bert)
    drawn = []
    real = drawings.draw_embedding_map

    def spy(src, **kw):
        drawn.append(None if src["labels"] is None else list(src["labels"]))
        return real(src, **kw)

    monkeypatch.setattr(drawings, "draw_embedding_map", spy)
    return cli, drawn


@pytest.mark.parametrize("output", ["map.png", "map.html", "vectors.parquet"])
def test_cli_reads_the_brazilian_export_with_no_option(output, cli_on_tiny_model, planilha, tmp_path, capsys):
    from vizlab.corpus_store import load_corpus

    cli, drawn = cli_on_tiny_model
    labels = ["positivo", "negativo", "neutro", "positivo"]
    argv = ["embed", str(planilha), "--text-col", "comentário", "--label-col", "sentimento", "-o", str(tmp_path / output)]
    if not output.endswith(".parquet"):
        argv += ["--method", "pca"]
    assert cli.main([*argv, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    if output.endswith(".parquet"):
        assert out.splitlines()[0] == "read planilha.csv as cp1252, ';'-separated"
        assert "1 row without text left out; 1 row without a label left out" in out
        df, _ = load_corpus(tmp_path / output)
        assert df["label"].tolist() == labels and df["text"][0] == "Ótimo produto, chegou rápido"
    else:
        assert out.splitlines()[0] == ("read planilha.csv as cp1252, ';'-separated; 1 row without text left out; "
                                       "1 row without a label left out")
        assert "(4 texts" in out
        if output.endswith(".png"):
            assert drawn == [labels]
        else:
            page = (tmp_path / output).read_text(encoding="utf-8")
            text = "Ótimo produto, chegou rápido"
            assert (text in page or json.dumps(text)[1:-1] in page) and "negativo" in page
    argv[argv.index("-o") + 1] = str(tmp_path / f"pt-{output}")
    assert cli.main(argv) == 0  # the note in Portuguese
    assert capsys.readouterr().out.startswith("planilha.csv lido como cp1252, separado por ';'")


def test_cli_options_and_errors(cli_on_tiny_model, planilha, tmp_path, capsys):
    cli, _ = cli_on_tiny_model
    base = ["embed", str(planilha), "--method", "pca", "-o", str(tmp_path / "map.png")]
    assert cli.main([*base, "--text-col", "texto"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"vizlab embed: error: {planilha} has no column 'texto' (text_col); its columns are: "
                           "'comentário', 'nota', 'sentimento'. Pass one of them with --text-col (the file was "
                           "read as cp1252, ';'-separated)")
    assert cli.main([*base, "--text-col", "comentário", "--sep", ","]) == 2
    assert "pass --sep ';'" in capsys.readouterr().err
    assert cli.main([*base, "--text-col", "comentário", "--encoding", "utf-8"]) == 2
    assert "is not utf-8 text" in capsys.readouterr().err
    # the options override detection: latin-1 reads the same cp1252 letters here
    assert cli.main([*base, "--text-col", "comentário", "--sep", ";", "--encoding", "latin-1", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("read planilha.csv as latin-1, ';'-separated; 1 row without text")


def test_module_example():
    import doctest

    import vizlab.tables

    res = doctest.testmod(vizlab.tables)
    assert res.attempted > 0 and res.failed == 0

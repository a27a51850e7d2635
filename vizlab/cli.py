"""The ``vizlab`` command line: the report's figures, and figures of your own text, data and models.

::

    vizlab --version
    vizlab figures [--only ID ...] [--section S] [--lang pt|en] [--out DIR] [--force] [--jobs N] [--list]
    vizlab models                                      (presets, and which are ready to use at once)
    vizlab attention "O gato está em cima do teclado." [--model minilm] [--layer L [--head H]] -o out.png|out.html
    vizlab embed data.csv --text-col C [--label-col L] [--method umap|pca|tsne] [--sep S] [--encoding E] -o map.png|map.html
    vizlab embed data.csv --text-col C [--label-col L] [--sep S] [--encoding E] -o vectors.parquet   (every row, resumable shards)
    vizlab predict "O gato está em cima do" [--model gemma-270m] [--top-k 10] -o bars.png
    vizlab attribute "the actors were brilliant" [--model sentiment|gemma-270m|FOLDER] [--target LABEL] -o out.png
    vizlab attribute "O Brasil é o maior país da" --generate 10 [--temperature T --seed S] -o out.png [--html out.html]

Each command runs the study the report uses (:mod:`vizlab.studies`) on your input and draws its
result with the report's drawing (:mod:`vizlab.drawings`), in the report's style, in ``--lang``.
Reader numbers (layers and heads from 1) are passed as they are; only :mod:`vizlab.numbering` checks
them. Heavy modules (torch, transformers, umap) are imported only by the command that needs them,
so ``vizlab --help`` answers at once.

An output file that exists with other content is replaced only with ``--overwrite`` (the same figure
again is no change); work of minutes (converting Gemma on first use) is announced on stderr before
it starts; bad input ends with one line saying what to change (exit code 2); output into a closed
pipe (``vizlab predict ... | head -1``) ends quietly.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from vizlab.i18n import LANGS

__all__ = ["main", "build_parser"]

_IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
# What the library raises for bad input (a bad option, a missing or unreadable file, an existing
# output): said in one line. Any other exception is a bug, and shows its traceback.
_USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, PermissionError, IsADirectoryError,
                NotADirectoryError)


class CLIError(ValueError):
    """A bad command-line argument (reported without a traceback, exit code 2)."""


def _out_path(path: str, allowed: Sequence[str]) -> Path:
    out = Path(path)
    if out.suffix.lower() not in allowed:
        raise CLIError(f"-o/--output must end in {', '.join(allowed)} (got {path!r})")
    if out.parent and not out.parent.exists():
        raise CLIError(f"the folder of {path!r} does not exist: create it first")
    return out


def _write(out: Path, data: bytes, overwrite: bool) -> None:
    """Write ``data`` to ``out`` atomically; a file there with other content is replaced only with
    ``--overwrite`` (outputs are deterministic: the same bytes again change nothing)."""
    from vizlab.cache import atomic_write_bytes

    if out.is_dir():
        raise CLIError(f"-o/--output {out} is a folder: give a file name (e.g. {out / ('figure' + out.suffix)})")
    if out.exists() and not overwrite:
        if out.read_bytes() == data:
            return
        raise CLIError(f"{out} already exists and holds something else: pass --overwrite to replace it, "
                       "or choose another -o/--output name")
    atomic_write_bytes(out, data)


def _draw(out: Path, draw, *args, overwrite: bool = False, **kwargs) -> None:
    """Call a drawing (``draw(*args, **kwargs)`` -> PlotResult) in the report's style and write its
    figure deterministically (format from the suffix; ``overwrite``: the command's ``--overwrite``,
    see :func:`_write`)."""
    import matplotlib.pyplot as plt

    from vizlab.figures.save import figure_bytes
    from vizlab.plot.style import report_style

    try:
        with report_style():
            fig = draw(*args, **kwargs).figure_
            data = figure_bytes(fig, out.suffix.lower().lstrip("."))
    finally:
        plt.close("all")
    _write(out, data, overwrite)


def _text_command(args, suffixes: Sequence[str], *, empty: str):
    """Start of a command on one text: the language, the checked ``-o`` path, a non-blank text.

    ``empty`` is the error for a blank text.
    """
    from vizlab.i18n import Lang

    out = _out_path(args.output, suffixes)
    if not args.text.strip():
        raise CLIError(empty)
    return Lang(args.lang), out


def _load(name: str, **kwargs):
    from vizlab.extraction.models import load_model

    return load_model(name, **kwargs)


def _say_definition(tr, lm, pooling, precision):
    """The line saying what a text's vector is (pooling, maximum length, normalisation, and whether the
    model's sentence-transformers modules or vizlab's default say so, and the number format when it is
    not float32); returns the definition."""
    from vizlab.extraction.precision import resolve_precision
    from vizlab.extraction.run import embedding_definition

    d = embedding_definition(lm, pooling=pooling)
    line = d.describe(tr.code)
    if resolve_precision(precision, lm.device) == "bfloat16":
        line += tr.t("; calculado em bfloat16 (mais rápido neste processador, com arredondamento; "
                     "--precision float32 dá os números exatos do modelo)",
                     "; computed in bfloat16 (faster on this processor, rounded; "
                     "--precision float32 gives the model's exact numbers)")
    print(line)
    return d


def _say_cut(tr, n_cut: int, n_texts: int, limit: int, first_row: int) -> None:
    """One line for every text cut at the maximum length (instead of a warning per call or per text)."""
    if not n_cut:
        return
    print("vizlab embed: " + tr.t(
        f"aviso: {tr.int(n_cut)} de {tr.count(n_texts, 'count.text')} com mais de {limit} tokens "
        f"{'foi cortado' if n_cut == 1 else 'foram cortados'} em {limit}; o primeiro: linha {first_row} "
        "(contada de 0, como a coluna 'row')",
        f"warning: {tr.int(n_cut)} of {tr.count(n_texts, 'count.text')} longer than {limit} tokens "
        f"{'was' if n_cut == 1 else 'were'} cut to {limit}; first: row {first_row} "
        "(counted from 0, as the 'row' column)"), file=sys.stderr)


def _give_back_memory() -> None:
    """Return the memory freed since (the model, the forward passes' buffers) to the system: glibc keeps
    freed memory for the process otherwise, and the projection's would add to it (measured on 2,000
    tweets: 790 MB resident after embedding, 590 MB after this). Nothing happens where the C library
    is not glibc."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # macOS, Windows, musl: the freed memory stays with the process
        pass


def _embed_counting_cuts(lm, texts, pooling, precision):
    """``vizlab.embed`` with its TruncationWarning kept for :func:`_say_cut` (other warnings pass on):
    the vectors and the positions of the texts cut."""
    import warnings

    from vizlab.extraction.batching import TruncationWarning
    from vizlab.extraction.run import embed

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        X = embed(lm, texts, pooling=pooling, precision=precision)
    cut = []
    for w in caught:
        if isinstance(w.message, TruncationWarning):
            cut += list(w.message.indices)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return X, cut


# The library's own warning (vizlab.extraction.language, in English): the CLI says it in --lang instead.
_TEXT_FIT_WARNING = r".* does not read this text as written: "


def _say_text_fit(tr, lm, texts, command: str) -> None:
    """One warning on stderr, in the reader's language, when ``lm`` strips the texts' accents or cuts
    most of their words into pieces (tokenizer only, a sample of large files), naming the preset
    that reads Portuguese instead."""
    from vizlab.extraction.language import text_fit, text_fit_message
    from vizlab.extraction.models import check_model

    check_model(lm, name="model")
    message = text_fit_message(lm.name, text_fit(lm.tokenizer, texts), lang=tr.code)
    if message is not None:
        print(f"vizlab {command}: {tr.t('aviso', 'warning')}: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------- commands


def cmd_figures(args) -> int:
    from vizlab.figures.build import run

    return run(args)


def cmd_models(args) -> int:
    from vizlab.extraction.models import preset_status

    rows = preset_status()
    name_w = max(len(r["name"]) for r in rows)
    print(f"{'preset':<{name_w}}  {'kind':<8} {'installed':<10} {'ready':<6} {'Portuguese':<11} "
          f"{'licence':<20} description")
    for r in rows:
        ready = "yes" if r["ready"] else "no"
        print(f"{r['name']:<{name_w}}  {r['kind']:<8} {'yes' if r['installed'] else 'no':<10} {ready:<6} "
              f"{'yes' if r['portuguese'] else 'no':<11} {r['license']:<20} {r['description']}")
    print("\nwhich languages each preset reads:")
    for r in rows:
        print(f"  {r['name']:<{name_w}}  {r['languages']}")
    for r in rows:
        if not r["installed"]:
            print(f"\nto install {r['name']}: {r['install']}")
        elif r["prepare"]:
            print(f"\n{r['name']} is not ready yet: its first use starts by {r['prepare']}")
    print("\nvizlab attribute's default model, 'sentiment' (the report's MiniLM fine-tuned for sentiment), "
          "must be trained first:", flush=True)
    from vizlab.studies.attribution import sentiment_model_status

    print(f"  {sentiment_model_status()}")
    print("\nBesides presets, --model accepts a local Hugging Face model folder or a model id "
          "already in your Hugging Face cache (vizlab never downloads).")
    return 0


def _check_layer_head(args, lm) -> None:
    """Check the reader's ``--layer``/``--head`` numbers (from 1) against the model; they are passed on
    as they are (every drawing and page takes reader numbers)."""
    from vizlab.numbering import check_head_number, check_layer_number

    if args.layer is not None:
        check_layer_number(args.layer, lm.n_layers, what=f"--layer ({lm.name!r} has {lm.n_layers} layers)")
    if args.head is not None:
        check_head_number(args.head, lm.n_heads, what=f"--head ({lm.name!r} has {lm.n_heads} heads per layer)")


def cmd_attention(args) -> int:
    tr, out = _text_command(args, (*_IMAGE_SUFFIXES, ".html"),
                            empty="the text is empty: pass a sentence in quotes")
    if args.head is not None and args.layer is None:
        raise CLIError("--head needs --layer (e.g. --layer 2 --head 5)")
    from vizlab.extraction.run import extract

    lm = _load(args.model)
    _check_layer_head(args, lm)
    _say_text_fit(tr, lm, [args.text], "attention")
    acts = extract(lm, [args.text], attentions=True, hidden_states=False)[0]
    if out.suffix.lower() == ".html":
        import tempfile

        from vizlab.interactive.html import save_attention_html

        initial = (args.layer, args.head or 1) if args.layer is not None else None
        with tempfile.TemporaryDirectory() as tmp:  # written aside, then to -o under the --overwrite rule
            page = Path(tmp) / out.name
            save_attention_html(acts, page, lang=args.lang, initial=initial)
            _write(out, page.read_bytes(), args.overwrite)
    else:
        from vizlab.drawings.attention import draw_attention
        from vizlab.studies.attention import attention_data

        _draw(out, draw_attention, attention_data(acts), layer=args.layer, head=args.head, lang=args.lang,
              overwrite=args.overwrite)
    print(f"{out}  ({lm.name}, {tr.count(acts.n_tokens, 'count.token')}, "
          f"{tr.count(lm.n_layers, 'count.layer')} x {tr.count(lm.n_heads, 'count.head')})")
    return 0


def _left_out(tr, without_text: int, without_label: int) -> list[str]:
    """Phrases for the rows of a user's file left out (the rule of :func:`vizlab.tables.usable_rows`)."""
    return [tr.count(n, key) for n, key in ((without_text, "count.rows_without_text"),
                                             (without_label, "count.rows_without_label")) if n]


def _read_note(tr, fmt, without_text: int = 0, without_label: int = 0) -> str:
    """The one line saying how the user's file was read (:class:`vizlab.tables.TableFormat`) and
    which rows were left out."""
    if fmt.kind == "parquet":
        how = tr.t("como Parquet", "as Parquet")
    else:
        sep = tr.t("tabulação", "tab") if fmt.sep == "\t" else repr(fmt.sep)
        how = f"{tr.t('como', 'as')} {fmt.encoding}, {tr.t(f'separado por {sep}', f'{sep}-separated')}"
    read = tr.t(f"{fmt.path.name} lido {how}", f"read {fmt.path.name} {how}")
    return "; ".join([read, *_left_out(tr, without_text, without_label)])


def cmd_embed(args) -> int:
    from vizlab.i18n import Lang
    from vizlab.tables import inspect_table, read_rows

    tr = Lang(args.lang)
    vectors = Path(args.output).suffix.lower() in ("", ".parquet")  # vectors, not a map
    out = None if vectors else _out_path(args.output, (*_IMAGE_SUFFIXES, ".html"))
    if not Path(args.csv).exists():
        raise CLIError(f"{args.csv} not found: pass a CSV, TSV or Parquet file")
    table = inspect_table(args.csv, encoding=args.encoding, sep=args.sep)  # one reader for every output
    table.require(args.text_col, args.label_col)  # before a model is loaded
    if vectors:
        return _embed_vectors(args, tr, table)
    rows = read_rows(table, args.text_col, args.label_col).sample(args.n, seed=args.seed)
    print(_read_note(tr, table, rows.without_text, rows.without_label))
    df = rows.frame
    if len(df) < 4:
        raise CLIError(f"{args.csv} has {Lang('en').count(len(df), 'count.usable_row')}; a map needs at least 4")
    from vizlab.studies.embeddings import embedding_map

    lm = _load(args.model, attentions=False)  # no attention weights needed: the fast attention kernel
    _say_text_fit(tr, lm, df["text"].tolist(), "embed")
    d = _say_definition(tr, lm, args.pooling, args.precision)
    X, cut = _embed_counting_cuts(lm, df["text"].tolist(), args.pooling, args.precision)
    model_name = lm.name
    del lm  # the map needs the vectors only: the projection does not stack on the model's memory
    _give_back_memory()
    if cut:
        _say_cut(tr, len(cut), len(df), d.max_length, int(df["row"].iloc[cut].min()))
    labels = df["label"].tolist() if "label" in df else None
    # big corpora: fit on a sample; few texts: n_neighbors/perplexity lowered by project() (and said so)
    data = embedding_map(X, args.method, seed=args.seed, labels=labels, model_name=model_name)
    params = data["settings"]["params"]
    if params["placed"]:
        print(tr.t(f"{args.method} ajustado a {tr.int(params['fit_size'])} de {tr.int(len(df))} textos "
                   "(amostra aleatória); os restantes colocados com transform",
                   f"{args.method} fitted on {tr.int(params['fit_size'])} of {tr.int(len(df))} texts "
                   "(random sample); the others placed with transform"))
    if out.suffix.lower() == ".html":  # the offline, interactive explorer
        from vizlab.drawings.embeddings import embedding_explorer

        page = embedding_explorer(data, df["text"].tolist(), lang=args.lang, title=f"{model_name}: {Path(args.csv).name}")
        _write(out, page.encode("utf-8"), args.overwrite)
    else:
        from vizlab.drawings.embeddings import draw_embedding_map

        _draw(out, draw_embedding_map, data, lang=args.lang, overwrite=args.overwrite)
    print(f"{out}  ({tr.count(len(df), 'count.text')}, {model_name}, {args.method})")
    return 0


def _embed_vectors(args, tr, table) -> int:
    """``vizlab embed data.csv -o vectors.parquet``: every row into resumable Parquet shards."""
    import warnings

    from vizlab.extraction.corpus import OutputExistsError, embed_corpus

    if args.n is not None:
        raise CLIError("--n samples rows for a map; a .parquet/folder output embeds every row")
    print(_read_note(tr, table))
    lm = _load(args.model, attentions=False)  # no attention weights needed: the fast attention kernel
    from vizlab.extraction.batching import TruncationWarning
    from vizlab.extraction.language import SAMPLE
    from vizlab.tables import read_rows

    _say_text_fit(tr, lm, read_rows(table, args.text_col).sample(SAMPLE).frame["text"].tolist(), "embed")
    _say_definition(tr, lm, args.pooling, args.precision)
    with warnings.catch_warnings():  # the rows left out and the texts cut are said once, in the lines below
        warnings.filterwarnings("ignore", message=r"\d+ rows? without (text|a label)", category=UserWarning)
        warnings.filterwarnings("ignore", category=TruncationWarning)
        try:
            run = embed_corpus(lm, args.csv, args.output, text_col=args.text_col, label_col=args.label_col,
                               pooling=args.pooling, encoding=table.encoding, sep=table.sep,
                               overwrite=args.overwrite, precision=args.precision)
        except OutputExistsError as err:
            raise CLIError(err.naming("--overwrite")) from None
    if run.truncated:
        _say_cut(tr, run.truncated, run.n_rows, run.max_length, run.truncated_rows[0])
    left_out = "; ".join(_left_out(tr, run.skipped_empty, run.skipped_unlabelled))
    print(f"{run.path}  ({tr.count(run.n_rows, 'count.vector', dim=run.dim)}, "
          f"{tr.count(run.n_shards, 'count.shard')}: {tr.count(run.computed, 'count.computed')}, "
          f"{tr.count(run.reused, 'count.kept')}; {lm.name}{'; ' + left_out if left_out else ''})")
    return 0


_SPACES = " \t\u00a0"  # a newline at the end of a prompt is a choice; spaces rarely are


def _prompt_spaces(prompt: str) -> list[str]:
    """Catalogue keys of the warnings a prompt's outer spaces deserve: a trailing space makes the next
    token a piece that starts without one (words come with their space), a leading one changes the
    first token."""
    keys = []
    if prompt != prompt.rstrip(_SPACES):
        keys.append("cli.trailing_space")
    if prompt != prompt.lstrip(_SPACES):
        keys.append("cli.leading_space")
    return keys


def cmd_predict(args) -> int:
    tr, out = _text_command(args, _IMAGE_SUFFIXES,
                            empty="the prompt is empty: pass the beginning of a sentence in quotes")
    if args.top_k < 1:
        raise CLIError(f"--top-k must be at least 1, got {args.top_k}")
    if args.temperature <= 0:
        raise CLIError(f"--temperature must be positive, got {args.temperature}")
    for problem in _prompt_spaces(args.text):  # said before the model loads, in the reader's language
        print(f"vizlab predict: {tr(problem, prompt=args.text.strip(_SPACES))}", file=sys.stderr)
    from vizlab.drawings.pretraining import draw_next_words
    from vizlab.studies.pretraining import next_words
    from vizlab.tokens import display_tokens

    lm = _load(args.model)
    _say_text_fit(tr, lm, [args.text], "predict")
    pred = next_words(lm, [args.text], k=args.top_k, temperature=args.temperature)
    _draw(out, draw_next_words, pred, lang=args.lang, model_name=lm.name,
          title=tr.t("Próximo token mais provável", "Most probable next token"), overwrite=args.overwrite)
    print(f"{out}  ({lm.name})")
    for tok, p in zip(display_tokens(pred["words"][0], scheme="plain"), pred["probs"][0]):
        print(f"  {tr.pct(float(p), 1):>8}  {tok}")
    return 0


def cmd_attribute(args) -> int:
    if args.generate is not None:
        return _attribute_generation(args)
    for opt, value in (("--temperature", args.temperature), ("--seed", args.seed), ("--html", args.html)):
        if value is not None:
            raise CLIError(f"{opt} is for generated text: add --generate N (how many tokens to generate)")
    tr, out = _text_command(args, _IMAGE_SUFFIXES, empty="the text is empty: pass a sentence in quotes")
    from vizlab.drawings.mechanics import draw_attribution
    from vizlab.extraction.attribution import AttributionWarning
    from vizlab.studies.attribution import attribution, attribution_model

    lm = attribution_model(args.model or "sentiment")
    _say_text_fit(tr, lm, [args.text], "attribute")
    with warnings.catch_warnings(record=True) as caught:  # said once below, as a line of this command
        warnings.simplefilter("always", AttributionWarning)
        a = attribution(lm, args.text, target=args.target, baseline=args.baseline, max_steps=args.max_steps)
    for w in caught:
        if not issubclass(w.category, AttributionWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    _draw(out, draw_attribution, a, lang=args.lang, overwrite=args.overwrite)
    gap = "" if a["relative_delta"] is None else f" ({tr.pct(a['relative_delta'], 1)})"
    print(f"{out}  ({lm.name}, {a['method']}, {tr('cli.attribute_target')} {a['target_display']}, "
          f"{tr('cli.attribute_baseline')} {a['baseline']}, {tr('cli.attribute_gap')} {tr.num(a['delta'], 4)}{gap}, "
          f"{a['n_steps']} {tr('cli.attribute_steps')})")
    if a["converged"] is False:
        print(f"vizlab attribute: {tr.t('aviso', 'warning')}: " + tr(
            "cli.attribute_not_converged", gap=tr.pct(a["relative_delta"] or float("inf"), 0), steps=a["n_steps"],
            tolerance=tr.pct(a["tolerance"], 0), baseline=a["baseline"]), file=sys.stderr)
    for tok, sc in zip(a["tokens"], a["scores"]):
        print(f"  {tr.signed(float(sc), 3):>9}  {tok}")
    return 0


def _attribute_generation(args) -> int:
    """``vizlab attribute PROMPT --generate N``: the attribution of each generated token (figure and/or page)."""
    if args.target is not None:
        raise CLIError("--target explains one next token; with --generate every generated token is explained: "
                       "leave --target out")
    if not 1 <= args.generate <= 256:
        raise CLIError(f"--generate must be from 1 to 256 tokens, got {args.generate}")
    temperature = args.temperature or None
    if temperature is not None and temperature < 0:
        raise CLIError(f"--temperature must be 0 (greedy) or positive, got {args.temperature}")
    if temperature is not None and args.seed is None:
        raise CLIError("sampling (--temperature > 0) needs --seed S, so the same command gives the same text")
    if temperature is None and args.seed is not None:
        raise CLIError("--seed is for sampling: add --temperature T (> 0); greedy decoding needs no seed")
    tr, out = _text_command(args, (*_IMAGE_SUFFIXES, ".html"),
                            empty="the prompt is empty: pass the beginning of a text in quotes")
    html_out = _out_path(args.html, (".html",)) if args.html else None
    for problem in _prompt_spaces(args.text):
        print(f"vizlab attribute: {tr(problem, prompt=args.text.strip(_SPACES))}", file=sys.stderr)
    from vizlab.drawings.generation import draw_generation_attribution
    from vizlab.interactive.generation import generation_html
    from vizlab.studies.generation import generation_attribution

    lm = _load(args.model or "gemma-270m")
    _say_text_fit(tr, lm, [args.text], "attribute")
    d = generation_attribution(lm, args.text, args.generate, temperature=temperature, seed=args.seed,
                               baseline=args.baseline, max_steps=args.max_steps)
    written = []
    for path in (out, html_out):
        if path is None:
            continue
        if path.suffix.lower() == ".html":
            _write(path, generation_html(d, lang=args.lang).encode("utf-8"), args.overwrite)
        else:
            _draw(path, draw_generation_attribution, d, lang=args.lang, overwrite=args.overwrite)
        written.append(str(path))
    how = tr.t("gulosa", "greedy") if temperature is None else f"T={tr.num(temperature, 2)}, seed={args.seed}"
    print(f"{'  '.join(written)}  ({lm.name}, {d['method']}, {how}, "
          f"{tr.t('lacuna máxima', 'max gap')} {tr.pct(float(max(d['gaps'])), 1)})")
    n_prompt, tokens = d["n_prompt"], d["tokens"]
    for i, tok in enumerate(tokens[n_prompt:]):
        row = d["matrix"][i]
        top = [j for j in sorted(range(n_prompt + i), key=lambda j: -abs(row[j])) if not d["special"][j]][:3]
        sources = ", ".join(f"{tokens[j]} {tr.signed(float(row[j]), 2)}" for j in top)
        print(f"  {tok:<14} p={tr.pct(float(d['probabilities'][i]), 1):>7}  {tr.t('lacuna', 'gap')} "
              f"{tr.pct(float(d['gaps'][i]), 1):>6}  <- {sources}")
    return 0


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    from vizlab.figures.build import add_arguments

    p = argparse.ArgumentParser(
        prog="vizlab",
        description="See what a transformer language model does: the report's figures, and "
                    "attention maps, embedding maps and next-token predictions for your own "
                    "text, data and models (offline).")
    p.add_argument("--version", action="version", version=f"vizlab {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    f = sub.add_parser("figures", help="regenerate the report's figures (incremental)",
                       description="Regenerate the report's figures (PNG + SVG + HTML) and "
                                   "figures/manifest.json; up-to-date figures are not recomputed.")
    add_arguments(f)
    f.set_defaults(func=cmd_figures)

    m = sub.add_parser("models", help="list the model presets and which are ready to use at once",
                       description="List the model presets, whether each is installed and ready to use at once "
                                   "(gemma-270m is converted once on first use, about 2 minutes), whether it reads Portuguese, its licence, "
                                   "and whether `vizlab attribute`'s default model is trained yet.")
    m.set_defaults(func=cmd_models)

    def common(sp, model, outputs):
        sp.add_argument("--model", default=model, metavar="NAME",
                        help=f"preset, local model folder or cached hub id (default: {model})")
        sp.add_argument("-o", "--output", required=True, metavar="FILE", help=f"output file ({outputs})")
        sp.add_argument("--overwrite", action="store_true",
                        help="replace an existing output that holds something else (default: refuse)")
        sp.add_argument("--lang", choices=list(LANGS), default="pt", help="language of the labels and messages")

    a = sub.add_parser("attention", help="attention maps of one sentence",
                       description="Draw the attention of every head for one text, one layer "
                                   "(--layer) or one head (--layer --head); .html writes an "
                                   "interactive page that works offline.")
    a.add_argument("text", help="the sentence, in quotes")
    a.add_argument("--layer", type=int, metavar="L", help="only this layer (numbered from 1)")
    a.add_argument("--head", type=int, metavar="H", help="only this head of --layer (numbered from 1)")
    common(a, "minilm", ".png, .svg, .pdf or .html")
    a.set_defaults(func=cmd_attention)

    e = sub.add_parser("embed", help="2-D map of the embeddings of a CSV column",
                       description="Embed each text of a CSV file (the model's own sentence embedding: "
                                   "a sentence-transformers folder's pooling, maximum length and "
                                   "normalisation, else the mean of the last layer; said in one line) "
                                   "and draw a 2-D map coloured by label.")
    e.add_argument("csv", help="the data file: CSV or TSV (separator and encoding detected) or Parquet")
    e.add_argument("--text-col", required=True, metavar="C", help="column holding the texts")
    e.add_argument("--label-col", metavar="L",
                   help="column holding the labels (colours; read as written; rows without one are left out)")
    e.add_argument("--sep", metavar="S",
                   help="field separator of a CSV file, e.g. ';' or tab (default: detected among , ; tab |)")
    e.add_argument("--encoding", metavar="E",
                   help="text encoding of a CSV file, e.g. cp1252 or latin-1 (default: detected: utf-8, else cp1252)")
    e.add_argument("--method", choices=["umap", "pca", "tsne"], default="umap",
                   help="projection method (default: umap)")
    e.add_argument("--pooling", choices=["mean", "cls", "last", "max"], default=None,
                   help="how token vectors become one vector per text (default: the model's own: a "
                        "sentence-transformers folder's modules, e.g. minilm's mean over at most 256 tokens, "
                        "normalised; otherwise the mean over tokens, at the model's limit)")
    e.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="auto",
                   help="number format of the forward pass: float32 (the model's exact numbers), bfloat16 "
                        "(faster where the processor computes it natively; cosine >= 0.9999 with float32 for "
                        "minilm) or auto (default: bfloat16 where native, else float32; said when used)")
    e.add_argument("--n", type=int, metavar="N", help="use a random sample of N rows")
    e.add_argument("--seed", type=int, default=0, help="seed of the sample and of the map (default: 0)")
    common(e, "minilm", ".png, .svg, .pdf or .html (interactive, offline); .parquet or a folder: "
                        "the vectors as resumable Parquet shards")
    e.set_defaults(func=cmd_embed)

    r = sub.add_parser("predict", help="next-token probabilities of a decoder",
                       description="Bar chart of the most likely next tokens after a prompt "
                                   "(softmax of the decoder's logits).")
    r.add_argument("text", help="the beginning of a sentence, in quotes")
    r.add_argument("--top-k", type=int, default=10, metavar="K", help="how many tokens (default: 10)")
    r.add_argument("--temperature", type=float, default=1.0, metavar="T",
                   help="softmax temperature (default: 1)")
    common(r, "gemma-270m", ".png, .svg or .pdf")
    r.set_defaults(func=cmd_predict)

    t = sub.add_parser("attribute", help="which tokens a prediction rests on (integrated gradients)",
                       description="Attribute a classifier's class score or a decoder's next-token score to "
                                   "the input tokens with integrated gradients (Captum). The default model, "
                                   "'sentiment', is the report's MiniLM fine-tuned on English sentiment tweets: "
                                   "it is ready once `make figures` (or `vizlab figures --only "
                                   "finetune_training_curves`, about 3 minutes, once) has trained it, and this "
                                   "command never trains it (`vizlab models` says whether it is trained). Ready "
                                   "without training: --model gemma-270m (next token; converted once on first "
                                   "use, about 2 minutes) or a folder of your own classifier.")
    t.add_argument("text", help="the sentence, in quotes")
    t.add_argument("--target", metavar="LABEL",
                   help="class name (classifier) or next token (decoder); default: the predicted one")
    t.add_argument("--generate", type=int, metavar="N",
                   help="let a decoder continue the text by N tokens and attribute each generated token to the "
                        "prompt and the tokens before it (default model then: gemma-270m; -o may end in .html "
                        "for the offline page: hover a generated token to see what it rests on)")
    t.add_argument("--temperature", type=float, metavar="T",
                   help="with --generate: sample at temperature T (needs --seed); default: greedy")
    t.add_argument("--seed", type=int, metavar="S", help="with --generate --temperature: the sampling seed")
    t.add_argument("--html", metavar="FILE", help="with --generate: also write the offline page (.html)")
    t.add_argument("--baseline", default=None,
                   help="the input integrated gradients start from: a token (pad, eos, unk, mask) at every "
                        "ordinary position, or zero / mean / blur embeddings (default: the model's default, "
                        "see vizlab.attribute)")
    t.add_argument("--max-steps", type=int, default=800, metavar="N",
                   help="integration steps start at 50 and double until the attributions add up to the score "
                        "difference within 5 %%, up to N (default: 800)")
    common(t, "sentiment", ".png, .svg or .pdf; .html with --generate")
    t.set_defaults(model=None)
    for action in t._actions:
        if action.dest == "model":
            action.help = ("preset, local model folder or cached hub id (default: sentiment; with --generate: "
                           "gemma-270m)")
    t.set_defaults(func=cmd_attribute)
    return p


def _version() -> str:
    """The installed package's version (importlib.metadata), else the source's ``vizlab.__version__``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vizlab")
    except PackageNotFoundError:  # run from a source tree that is not installed
        from vizlab import __version__

        return __version__


def _quiet_on_closed_pipe() -> int:
    """Exit code after stdout's reader went away (``vizlab predict ... | head -1``): no traceback, and
    nothing more written to the closed pipe (Python's own advice, the ``signal(7)`` code of SIGPIPE)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush at exit goes nowhere
    os.close(devnull)
    return 128 + 13


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vizlab`` console script; returns the exit code."""
    import logging
    import os
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bars
    parser = build_parser()
    args = parser.parse_args(argv)
    notes = logging.StreamHandler(sys.stderr)  # the library's notes (minutes of work ahead) as one line
    notes.setFormatter(logging.Formatter("vizlab: %(message)s"))
    notes.setLevel(logging.WARNING)
    logger = logging.getLogger("vizlab")
    logger.addHandler(notes)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_TEXT_FIT_WARNING)  # said in --lang by _say_text_fit
            code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
        return code
    except BrokenPipeError:
        return _quiet_on_closed_pipe()
    except _USER_ERRORS as err:  # bad input: say what and how to fix, no traceback
        print(f"vizlab {args.command}: error: {err}", file=sys.stderr)
        return 2
    finally:
        logger.removeHandler(notes)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

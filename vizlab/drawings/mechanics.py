"""Drawings of the mechanics a reader of the Illustrated Transformer and the HF course expects.

Behind the pipeline, dynamic padding, where position comes from, attention to the end, encoder /
decoder / encoder-decoder masks (studies: :mod:`vizlab.studies.mechanics`), and attribution next to
attention (study: :mod:`vizlab.studies.attribution`). Each is drawn in one of the existing sections.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.numbering import layer_head_label, layer_number
from vizlab.plot.attention_output import plot_attention_output, sci_text
from vizlab.plot.attribution import plot_attribution_strips, plot_attribution_vs_attention
from vizlab.plot.masks import plot_architecture_masks
from vizlab.plot.padding import plot_dynamic_padding
from vizlab.plot.pipeline import plot_classifier_pipeline
from vizlab.plot.position import plot_position_sources
from vizlab.plot.style import report_style
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_token

SENTIMENTS = ("negative", "neutral", "positive")


def _class_name(tr: Lang, label: str) -> str:
    """A sentiment class in the reader's language (other labels as they are)."""
    return tr(label) if label in SENTIMENTS else label


# ----------------------------------------------------------------------------------------- pipeline


@drawing("pipeline_steps", section="fine_tuning")
def _pipeline_steps(src: SourceData, ctx: DrawContext):
    fig = plt.figure(figsize=(13, 7.4))
    plot_classifier_pipeline(src["logits"], probabilities=src["probabilities"], labels=src["labels"],
                             label_names=[_class_name(ctx.tr, x) for x in src["labels"]],
                             text=src["text"], tokens=src["tokens"], ids=src["ids"], vector=src["vector"],
                             n_layers=src["n_layers"], lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("Por trás do pipeline de classificação: cada passo com seus números (MiniLM ajustado)",
                       "Behind the classification pipeline: every step with its numbers (fine-tuned MiniLM)"),
                 y=0.995)
    return fig


# ----------------------------------------------------------------------------------------- position


@drawing("position_sources", section="transformers")
def _position_sources(src: SourceData, ctx: DrawContext):
    kinds = {"sliding_attention": ctx.t("camadas locais (base 10⁴)", "local layers (base 10⁴)"),
             "full_attention": ctx.t("camadas globais (base 10⁶)", "global layers (base 10⁶)")}
    (q, k), (q_rot, k_rot) = src["pair"], src["rotary_pair"]
    names = {"q": q, "k": k, "q_rot": q_rot, "k_rot": k_rot,
             "head_abs": layer_head_label(src["absolute_layer"], src["absolute_head"], lang=ctx.lang),
             "head_rot": layer_head_label(src["rotary_layer"], src["rotary_head"], lang=ctx.lang),
             "abs_label": ctx.t("MiniLM (posição absoluta)", "MiniLM (absolute position)"),
             "rot_label": ctx.t("Gemma (RoPE)", "Gemma (RoPE)")}
    fig = plt.figure(figsize=(17, 10))
    plot_position_sources(src["learned_sim"], sinusoidal_sim=src["sinusoidal_sim"],
                          wavelengths={kinds.get(kind, kind): wl for kind, wl in src["wavelengths"].items()},
                          absolute_scores=src["absolute_scores"], rotary_scores=src["rotary_scores"],
                          absolute_spread=src["absolute_spread"], rotary_spread=src["rotary_spread"], names=names,
                          lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("De onde vem a posição: vetores aprendidos (MiniLM), senoides (referência) e rotação (Gemma)",
                       "Where position comes from: learned vectors (MiniLM), sinusoids (reference), rotation (Gemma)"),
                 y=0.97)
    return fig


# ----------------------------------------------------------------------------------------- masks


def _mask_panels(src: SourceData, t) -> list[dict]:
    """The five mask panels of :func:`~vizlab.plot.masks.plot_architecture_masks`; ``t(pt, en)`` picks the language."""
    enc, dec, ed = src["encoder"], src["decoder"], src["encoder_decoder"]
    source, target = ed["source"], ed["target"]
    q, k = t("consulta", "query"), t("chave", "key")
    return [
        {"allowed": enc["allowed"], "queries": enc["tokens"], "keys": enc["tokens"], "group": 0, "width": 1.0,
         "title": t("atenção bidirecional", "bidirectional attention"),
         "query_label": q, "key_label": k,
         "note": t("prevê: um vetor por token, usando\nos dois lados (pré-treino: tokens\n"
                   "mascarados; classificador: o [CLS])",
                   "predicts: one vector per token, using\nboth sides (pre-training: masked\n"
                   "tokens; classifier: the [CLS])")},
        {"allowed": dec["allowed"], "queries": dec["tokens"], "keys": dec["tokens"], "group": 1, "width": 1.0,
         "title": t("máscara causal", "causal mask"),
         "query_label": q, "key_label": k, "predictions": dec["predictions"],
         "prediction_label": t("próximo token\nprevisto", "predicted\nnext token"),
         "note": t("prevê: o próximo token em cada\nposição, vendo só o passado",
                   "predicts: the next token at every\nposition, seeing only the past")},
        {"allowed": ed["encoder"], "queries": source, "keys": source, "group": 2, "width": 0.9,
         "title": t("encoder (entrada)", "encoder (input)"), "query_label": q, "key_label": k,
         "note": t("lê a entrada inteira", "reads the whole input")},
        {"allowed": ed["decoder"], "queries": target, "keys": target, "group": 2, "width": 0.9,
         "title": t("decoder (saída): causal", "decoder (output): causal"), "query_label": q, "key_label": k,
         "note": t("prevê o próximo token\nda saída em cada posição", "predicts the next output\ntoken at each position")},
        {"allowed": ed["cross"], "queries": target, "keys": source, "group": 2, "width": 0.9,
         "title": t("atenção cruzada", "cross-attention"), "query_label": t("consulta (saída)", "query (output)"),
         "key_label": t("chave (entrada)", "key (input)"),
         "note": t("cada posição da saída lê\ntoda a entrada", "every output position\nreads the whole input")},
    ]


@drawing("architecture_masks", section="transformers")
def _architecture_masks(src: SourceData, ctx: DrawContext):
    fig = plt.figure(figsize=(10.5, 9.5))  # encoder and decoder above, the encoder-decoder's three masks below
    panels = [{**p, "row": 0 if p["group"] < 2 else 1, "width": 1.0} for p in _mask_panels(src, ctx.t)]
    plot_architecture_masks(panels, legend=(ctx.t("pode olhar", "may attend"),
                                                              ctx.t("bloqueado", "blocked")),
                            suptitles=(ctx.t("Encoder (MiniLM)", "Encoder (MiniLM)"),
                                       ctx.t("Decoder (Gemma-3-270m)", "Decoder (Gemma-3-270m)"),
                                       ctx.t("Encoder-decoder (T5, só a configuração)",
                                             "Encoder-decoder (T5, config only)")), fig=fig)
    return fig


# ----------------------------------------------------------------------------------------- attention to the end


@drawing("attention_output_walkthrough", section="attention")
def _attention_output_walkthrough(src: SourceData, ctx: DrawContext):
    layer, head, sentence = src["layer"], src["head"], src["text"]  # numbered from 1
    # the other panel texts: the catalogue's "attention_output.*" entries
    titles = {"weights": ctx.t(f"(1) pesos de atenção A ({layer_head_label(layer, head, lang='pt')})",
                               f"(1) attention weights A ({layer_head_label(layer, head, lang='en')})")}
    fig = plt.figure(figsize=(9.5, 13.5))
    plot_attention_output(src["weights"], v=src["v"], z=src["z"], concat=src["concat"], w_o=src["w_o"],
                          rebuilt=src["rebuilt"], reference=src["reference"], head=head, tokens=src["tokens"],
                          titles=titles, lang=ctx.lang, fig=fig, error_text=f"< {sci_text(src['error_bound'])}")
    for ax in fig.axes:  # W_O's first row number sits on the panel's top edge: its title a little higher
        if ax.get_title().startswith("(5)"):
            ax.set_title(ax.get_title(), fontsize=10.5, pad=12)
    fig.suptitle(ctx.t(f"Depois da softmax: valores, soma ponderada, concatenação e W_O\n(MiniLM, “{sentence}”)",
                       f"After the softmax: values, weighted sum, concatenation and W_O\n(MiniLM, “{sentence}”)"),
                 y=0.95)
    return fig


# ----------------------------------------------------------------------------------------- dynamic padding


@drawing("dynamic_padding", section="fine_tuning")
def _dynamic_padding(src: SourceData, ctx: DrawContext):
    text = {  # tweets of the first epoch; the other panel texts: the catalogue's "padding.*" entries
        "fixed": ctx.t("com padding até o tweet mais longo de todos ({pad_to} tokens)",
                       "padded to the longest tweet of all ({pad_to} tokens)"),
        "costs": ctx.t("todos os lotes da 1ª época: tokens calculados", "every batch of the 1st epoch: tokens computed"),
        "text": ctx.t("tweet (em lotes de {size})", "tweet (in batches of {size})"),
    }
    fig = plt.figure(figsize=(14, 9))
    plot_dynamic_padding(src["fixed_grid"], dynamic_grid=src["dynamic_grid"], batch_sizes=src["batch_sizes"],
                         costs=src["costs"], pad_to=src["pad_to"], text=text, lang=ctx.lang, fig=fig)
    fixed, dynamic = ctx.tr.pct(src["pad_share_fixed"], 0), ctx.tr.pct(src["pad_share_dynamic"], 0)
    plain = ctx.tr.pct(src["pad_share_dynamic_ungrouped"], 0)
    fig.suptitle(ctx.t(f"Padding dinâmico nos lotes reais do ajuste fino: {fixed} de [PAD] com padding fixo,\n"
                       f"{dynamic} com dinâmico e lotes agrupados por comprimento ({plain} sem agrupar)",
                       f"Dynamic padding on the real fine-tuning batches: {fixed} [PAD] with fixed padding,\n"
                       f"{dynamic} with dynamic padding and length-grouped batches ({plain} ungrouped)"), y=0.995)
    return fig


# ----------------------------------------------------------------------------------------- attribution


def _strips(a) -> dict:
    """Keyword arguments of :func:`plot_attribution_strips` for one attribution (special tokens left out)."""
    keep = ~np.asarray(a["special"], bool)
    return {"scores": a["scores"][keep], "tokens": [t for t, k in zip(a["tokens"], keep) if k],
            "attention": a["attention"], "rollout": a["rollout"]}


def _target_name(a, tr: Lang) -> str:
    """The explained class (in the reader's language) or next token (in quotes, as a reader sees it)."""
    if a["task"] == "next-token":
        return "“" + (a.get("target_display") or display_token(a["target"], scheme="sentencepiece")) + "”"
    return _class_name(tr, a["target"])


NOT_CONVERGED_MARK = "†"


def _not_converged(a) -> bool:
    """Whether an attribution's source data says integrated gradients did not converge (older data: no)."""
    return a.get("converged") is False


def _not_converged_note(a, tr: Lang) -> str:
    """The footnote of a non-converged attribution: how far the scores are from adding up."""
    gap = a.get("relative_delta")
    return NOT_CONVERGED_MARK + " " + tr("attribution.not_converged", gap=tr.pct(gap, 0) if gap is not None else "∞",
                                         steps=a["n_steps"], tolerance=tr.pct(a.get("tolerance", 0.05), 0))


@drawing("attribution_vs_attention", section="attention")
def _attribution_vs_attention(src: SourceData, ctx: DrawContext):
    examples = [{**_strips(a), "title": f"“{a['text']}” → {_target_name(a, ctx.tr)} "
                                        f"({ctx.tr.pct(a['target_probability'], 0)})"
                                        + (NOT_CONVERGED_MARK if _not_converged(a) else "")} for a in src["examples"]]
    labels = [str(layer_number(i)) for i in range(src["n_layers"])] + ["rollout"]
    fig = plt.figure(figsize=(10, 11.5))
    plot_attribution_vs_attention(examples, tau_mean=src["tau_mean"], tau_low=src["tau_low"],
                                  tau_high=src["tau_high"], tau_labels=labels, n_texts=src["n_texts"],
                                  reference=src["reference"], lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("Atribuição (gradientes integrados) ao lado da atenção, MiniLM ajustado para sentimento",
                       "Attribution (integrated gradients) next to attention, MiniLM fine-tuned for sentiment"),
                 y=0.99)
    fig.subplots_adjust(top=0.94)
    notes = [_not_converged_note(a, ctx.tr) for a in src["examples"] if _not_converged(a)]
    if src.get("n_not_converged"):
        notes.append(NOT_CONVERGED_MARK + " " + ctx.tr("attribution.tweets_not_converged",
                                                       n=src["n_not_converged"], total=src["n_texts"]))
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=8, va="bottom", ha="left")
    return fig


def _method_names(tr: Lang) -> dict:
    return {"attention": tr.t("atenção do [CLS], última camada", "[CLS] attention, last layer"),
            "rollout": "rollout",
            "integrated_gradients": tr.t("gradientes integrados", "integrated gradients"),
            "grad_x_input": tr.t("gradiente × entrada", "gradient × input"),
            "random": tr.t("ordem aleatória", "random order")}


def draw_faithfulness(src, *, lang: str = "pt", fig=None):
    """Comprehensiveness and sufficiency (ERASER's AOPC) of every token ranking, with intervals and the
    drop at each fraction, of a :mod:`vizlab.studies.faithfulness` result; returns the Figure."""
    from vizlab.palette import CATEGORICAL, ROLE_COLORS

    tr = Lang(lang)
    methods, fractions = src["methods"], src["fractions"]
    names = _method_names(tr)
    colors = dict(zip(methods, (CATEGORICAL[0], CATEGORICAL[5], ROLE_COLORS["fine_tuned"], CATEGORICAL[6], "0.45")))
    fig = fig if fig is not None else plt.figure(figsize=(11, 4.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(methods))[::-1]
    marks = ("v", "s", "^")
    for ax, kind, title in zip(axes, ("comprehensiveness", "sufficiency"), (
            tr.t("Abrangência: queda ao apagar os top-k % (↑ melhor)",
                 "Comprehensiveness: drop when the top k % are erased (↑ better)"),
            tr.t("Suficiência: queda ao manter só os top-k % (↓ melhor)",
                 "Sufficiency: drop when only the top k % are kept (↓ better)"))):
        for yi, m in zip(y, methods):
            r = src["aopc"][kind][m]
            ax.errorbar([r["value"]], [yi], xerr=[[r["value"] - r["lo"]], [r["hi"] - r["value"]]], fmt="o",
                        color=colors[m], capsize=3, ms=7, zorder=3)
            for f, mk in zip(range(len(fractions)), marks):
                ax.plot(src["per_fraction"][kind][m][f], yi - 0.25, mk, color=colors[m], ms=4, alpha=0.7)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_xlabel(tr.t("queda da probabilidade da classe prevista", "drop in the predicted class's probability"))
        ax.xaxis.set_major_formatter(lambda v, _: tr.num(v, 1))
    axes[0].set_yticks(y, [names[m] for m in methods])
    axes[0].set_ylim(-0.7, len(methods) - 0.4)
    handles = [plt.Line2D([], [], marker="o", ls="", color="0.3", ms=7,
                          label=tr.t("média sobre k (AOPC), IC 95 %", "mean over k (AOPC), 95% CI"))]
    handles += [plt.Line2D([], [], marker=mk, ls="", color="0.3", ms=4, label=f"k = {tr.pct(f, 0)}")
                for f, mk in zip(fractions, marks)]
    axes[0].legend(handles=handles, loc="lower right", fontsize=8, frameon=False)  # the empty corner
    fig.suptitle(tr.t(f"Fidelidade de cada ordenação dos tokens: testes de apagamento do ERASER em "
                      f"{tr.int(src['n_tweets'])} tweets reservados",
                      f"Faithfulness of each token ranking: ERASER's erasure tests on "
                      f"{src['n_tweets']} held-out tweets"))
    return fig


@drawing("attribution_faithfulness", section="attention")
def _attribution_faithfulness(src: SourceData, ctx: DrawContext):
    return draw_faithfulness(src, lang=ctx.lang)


def draw_attribution(src, *, lang: str = "pt", fig=None):
    """Strips of one :func:`vizlab.studies.attribution.attribution` result: the attribution of each token
    and, for a classifier, its [CLS] attention and rollout; drawn in the report style.

    Parameters
    ----------
    src : dict or SourceData
        The attribution (``tokens``, ``scores``, ``special``, ``attention``, ``rollout``, ``model``,
        ``text``, ``task``, ``target``, ``target_probability``, ``delta``).
    lang : {"pt", "en"}
    fig : Figure, optional
        Default: one sized to the tokens.

    Returns
    -------
    PlotResult
        Of :func:`~vizlab.plot.attribution.plot_attribution_strips`.
    """
    tr = Lang(lang)
    kw = _strips(src)
    name, p, gap = _target_name(src, tr), tr.pct(src["target_probability"], 1), tr.num(src["delta"], 4)
    bad = _not_converged(src)
    mark = NOT_CONVERGED_MARK if bad else ""
    title = tr.t(f"{src['model']}: “{src['text']}” → {name} ({p}); lacuna de completude {gap}{mark}",
                 f"{src['model']}: “{src['text']}” → {name} ({p}); completeness gap {gap}{mark}")
    with report_style():
        if fig is None:
            rows = 1 if kw["attention"] is None else 3
            fig = plt.figure(figsize=(max(7.0, 0.75 * len(kw["tokens"]) + 2.5), 1.0 + 0.8 * rows + 0.35 * bad))
        r = plot_attribution_strips(**kw, lang=lang, fig=fig, title=title)
        if bad:  # under the token labels, as the last strip's axis label (so the layout makes room for it)
            list(r.axes_.values())[-1].set_xlabel(_not_converged_note(src, tr), fontsize=7.5, loc="left")
        return r

"""Drawings of the 'transfer_learning' section: layer probes and data efficiency."""

from __future__ import annotations

import matplotlib.pyplot as plt

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.numbering import hidden_label
from vizlab.palette import ROLE_COLORS
from vizlab.plot.probes import plot_data_efficiency, plot_layer_probes
from vizlab.sourcedata import SourceData


def _model_names(tr: Lang) -> dict:
    return {"pretrained": tr.t("MiniLM pré-treinado", "pretrained MiniLM"),
            "random": tr.t("mesma arquitetura, pesos aleatórios", "same architecture, random weights")}


def _chance(tr: Lang, n_classes: int) -> dict:
    """A reference line at chance: one of ``n_classes`` balanced classes."""
    return {"value": 1 / n_classes, "label": tr.t(f"acaso (1/{n_classes})", f"chance (1/{n_classes})"),
            "color": "0.55", "ls": ":"}


def _only(tr: Lang, topic: str) -> str:
    """``'Só companhias aéreas'`` / ``'Airlines only'``: the tweets of one topic (the catalogue's name)."""
    name = tr(f"topic.{topic}")
    return tr.t(f"Só {name}", f"{name[:1].upper()}{name[1:]} only")


def _majority(value: float, majority: str, tr: Lang, interval=None) -> dict:
    """A reference line at the share of the most frequent class (with its interval when given)."""
    ref = {"value": value}
    if interval is not None:
        ref.update(lo=interval["lo"], hi=interval["hi"])
    ref["label"] = tr.t(f"classe mais frequente ({tr(majority)})", f"majority class ({majority})")
    return ref


@drawing("transfer_layer_probes", section="transfer_learning")
def _layer_probes(src: SourceData, ctx: DrawContext):
    tr = ctx.tr
    table, within = src["table"], src["within_table"]
    topic, majority = src["topic_only"], src["within_majority"]
    n_layers = int(table["layer"].max()) + 1
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True, layout="constrained")
    ticks = [hidden_label(i, lang=ctx.lang) for i in range(n_layers)]
    common = {"names": _model_names(tr), "xticklabels": ticks, "lang": ctx.lang}
    plot_layer_probes(table, ax=a1, ylabel=tr.t("acurácia da sonda (IC 95 %)", "probe accuracy (95% CI)"),
                      references=[{"value": topic["value"], "lo": topic["lo"], "hi": topic["hi"],
                                   "label": tr("topic_only_clf")}, _chance(tr, src["n_classes"])],
                      legend_kws={"loc": "lower right"}, **common)
    a1.set_title(tr.t(f"Todos os temas ({tr.int(src['n'])} tweets)", f"All topics ({tr.int(src['n'])} tweets)"))
    plot_layer_probes(within, ax=a2, ylabel="",
                      references=[_majority(majority["value"], src["majority_class"], tr, majority)],
                      legend_kws={"loc": "lower right"}, **common)
    a2.set_title(f"{_only(tr, src['within_topic'])} ({tr.int(src['within_n'])} tweets)")
    a1.set_ylim(0.3, 0.8)
    fig.suptitle(tr.t("Quanto sentimento cada camada deixa legível, comparado com o tema",
                      "How much sentiment each layer makes readable, compared with the topic"))
    return fig


@drawing("transfer_data_efficiency", section="transfer_learning")
def _data_efficiency(src: SourceData, ctx: DrawContext):
    tr = ctx.tr
    names = {**_model_names(tr), "tfidf": tr.t("TF-IDF (sem modelo)", "TF-IDF (no model)"),
             "topic": tr("topic_only_clf")}
    colors = {"tfidf": ROLE_COLORS["tfidf"], "topic": ROLE_COLORS["baseline"]}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11.5, 4.8), sharey=True, layout="constrained")
    ylabel = tr.t("acurácia no teste (IC 95 %)", "test accuracy (95% CI)")
    xlabel = tr.t("tweets rotulados para treino", "labelled training tweets")
    common = {"names": names, "colors": colors, "lang": ctx.lang, "xlabel": xlabel}
    plot_data_efficiency(src["intervals"], ax=a1, ylabel=ylabel, references=[_chance(tr, src["n_classes"])], **common)
    n, n_in = tr.int(src["test_size"]), tr.int(src["within_test_size"])
    a1.set_title(tr.t(f"Todos os temas (teste: {n} tweets)", f"All topics (test: {n} tweets)"))
    plot_data_efficiency(src["within_intervals"], ax=a2, ylabel="",
                         references=[_majority(src["within_majority"], src["majority_class"], tr)], **common)
    a2.set_title(tr.t(f"{_only(tr, src['within_topic'])} (teste: {n_in} tweets)",
                      f"{_only(tr, src['within_topic'])} (test: {n_in} tweets)"))
    a1.set_ylim(0.3, 0.8)
    fig.suptitle(tr.t("Acurácia em função do número de exemplos rotulados",
                      "Accuracy against the number of labelled examples"))
    return fig


def draw_topic_holdout(src, *, lang: str = "pt", ax=None):
    """Leave-one-topic-out accuracy of the last-layer probes next to the within-topic probe and the
    topic's majority class, of a :func:`vizlab.studies.transfer_topics.topic_holdout` result;
    returns the Axes."""
    import numpy as np

    tr = Lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4.8), layout="constrained")
    groups = ["all", *src["topics"]]
    series = [
        (src["pretrained"]["loto"], ROLE_COLORS["pretrained"], "o", tr.t(
            "pré-treinado, tema fora do treino", "pretrained, topic left out of training")),
        (src["random"]["loto"], ROLE_COLORS["random"], "o", tr.t(
            "pesos aleatórios, tema fora do treino", "random weights, topic left out of training")),
        (src["pretrained"]["within"], ROLE_COLORS["pretrained"], "D", tr.t(
            "pré-treinado, treino e teste dentro do tema (5 partes)", "pretrained, trained and tested within the topic (5 folds)")),
        (src["majority"], ROLE_COLORS["baseline"], "_", tr.t(
            "classe mais frequente do tema", "the topic's majority class")),
    ]
    width = 0.18
    x = np.arange(len(groups))
    for k, (data, color, marker, label) in enumerate(series):
        xs = x + (k - 1.5) * width
        v = np.array([data[g]["value"] for g in groups])
        lo = np.array([data[g]["lo"] for g in groups])
        hi = np.array([data[g]["hi"] for g in groups])
        ax.errorbar(xs, v, yerr=[v - lo, hi - v], fmt=marker, color=color, capsize=2, ms=6 if marker != "_" else 12,
                    mfc="white" if marker == "D" else color, label=label)
    ax.axhline(1 / 3, color="0.55", ls=":", lw=1, label=tr.t("acaso (1/3)", "chance (1/3)"))
    names = [tr.t(f"todos\n({tr.int(src['n_all'])})", f"all\n({src['n_all']})")]
    names += [f"{tr(f'topic.{t}')}\n({tr.int(src['n'][t])})" for t in src["topics"]]
    ax.set_xticks(x, [n.replace(" (", "\n(", 1) if len(n.split("\n")[0]) > 18 else n for n in names], fontsize=8)
    for s in x[:-1]:
        ax.axvline(s + 0.5, color="0.9", lw=0.8, zorder=0)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda v, _: tr.pct(v, 0))
    ax.set_ylabel(tr.t("acurácia da sonda na última camada (IC 95 %)", "last-layer probe accuracy (95% CI)"))
    ax.legend(loc="lower left", fontsize=8, ncols=3, frameon=True)
    ax.set_title(tr.t("Sentimento num tema que a sonda nunca viu (deixando um tema de fora)",
                      "Sentiment in a topic the probe never saw (leave one topic out)"))
    return ax


@drawing("transfer_topic_holdout", section="transfer_learning")
def _topic_holdout(src: SourceData, ctx: DrawContext):
    return draw_topic_holdout(src, lang=ctx.lang).figure

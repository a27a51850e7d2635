"""Drawings of the 'fine_tuning' section: MiniLM fine-tuned on the sentiment tweets, before vs after.

Each ``draw_*`` function takes the result of the study function of the same name in
:mod:`vizlab.studies.fine_tuning` (or the committed ``figures/<id>.data.json``) and a language.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.interactive.explorer import shift_html
from vizlab.numbering import hidden_label, layer_head_label
from vizlab.palette import ROLE_COLORS
from vizlab.plot.display import PlotResult
from vizlab.plot.finetune import plot_confusion, plot_training_curves
from vizlab.plot.probes import plot_layer_probes
from vizlab.plot.shift import (
    plot_attention_pair,
    plot_cka_layers,
    plot_cka_matrix,
    plot_embedding_shift,
    plot_head_change,
)
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_tokens

_SENTIMENTS = ("negative", "neutral", "positive")


def _ci_text(tr: Lang, r) -> str:
    """``value [lo; hi]`` of an interval, in percent."""
    return f"{tr.pct(r['value'])} [{tr.pct(r['lo'])}; {tr.pct(r['hi'])}]"


def _num_text(tr: Lang, r) -> str:
    """``value [lo; hi]`` of an interval, as numbers."""
    return f"{tr.num(r['value'])} [{tr.num(r['lo'])}; {tr.num(r['hi'])}]"


def _label_names(tr: Lang, labels) -> list[str]:
    """Class names as readers see them: the sentiment classes translated, others as given."""
    return [tr(x) if x in _SENTIMENTS else x for x in labels]


def _title(fig, text: str) -> None:
    if fig.get_layout_engine() is not None:  # constrained layout makes room for it
        fig.suptitle(text)
    else:
        fig.suptitle(text, y=1.0)


# ----------------------------------------------------------------------------- training curves


def draw_training_curves(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """Loss and accuracy during fine-tuning, with the baselines' intervals, of a
    :func:`vizlab.studies.fine_tuning.training_curves` result."""
    tr = Lang(lang)
    ci = src["accuracy"]
    probe, topic, final = ci["frozen_probe"], ci["topic"], _ci_text(tr, ci["fine_tuned"])
    fig = fig if fig is not None else plt.figure(figsize=(10.5, 6.4))
    res = plot_training_curves(
        src["history"], fig=fig, chance=1 / len(src["labels"]), lang=lang,
        references=[{"value": probe["value"], "lo": probe["lo"], "hi": probe["hi"], "color": ROLE_COLORS["pretrained"],
                     "label": tr.t(f"sonda linear, modelo pré-treinado congelado: {_ci_text(tr, probe)}",
                                   f"linear probe, frozen pretrained model: {_ci_text(tr, probe)}")},
                    {"value": topic["value"], "lo": topic["lo"], "hi": topic["hi"],
                     "label": tr.t(f"só o tema: {_ci_text(tr, topic)}", f"topic only: {_ci_text(tr, topic)}")}],
        text={"eval": tr.t(f"reservados, ajuste fino (final: {final})", f"held-out, fine-tuned (final: {final})")},
    )
    n, before = tr.int(src["n_eval"]), tr.pct(src["initial_eval_accuracy"])
    _title(fig, tr.t(f"Ajuste fino: acurácia nos {n} tweets reservados {before} → {final}",
                     f"Fine-tuning: accuracy on the {n} held-out tweets {before} → {final}"))
    return res


@drawing("finetune_training_curves", section="fine_tuning")
def _training_curves(src: SourceData, ctx: DrawContext):
    return draw_training_curves(src, lang=ctx.lang).figure_


# ----------------------------------------------------------------------------- embedding shift


def draw_embedding_shift(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """The held-out tweets before and after fine-tuning, with the silhouettes' intervals, of a
    :func:`vizlab.studies.fine_tuning.embedding_shift` result."""
    tr = Lang(lang)
    ci = {k: _num_text(tr, v) for k, v in src["silhouettes"].items()}
    shift = SimpleNamespace(**src["shift"])
    fig = fig if fig is not None else plt.figure(figsize=(10.5, 5.4))
    res = plot_embedding_shift(
        shift, fig=fig, class_names=_label_names(tr, shift.classes), lang=lang,
        titles=(tr.t(f"antes (pré-treinado): silhueta {ci['label_before']}",
                     f"before (pretrained): silhouette {ci['label_before']}"),
                tr.t(f"depois (ajuste fino): silhueta {ci['label_after']}",
                     f"after (fine-tuned): silhouette {ci['label_after']}")),
    )
    fig.subplots_adjust(bottom=0.32)
    n, topic = tr.int(src["within_n"]), tr(f"topic.{src['within_topic']}")
    fig.text(0.5, 0.085, tr.t(
        f"Silhueta por tema: antes {ci['topic_before']}, depois {ci['topic_after']}.\n"
        f"Sentimento só entre os {n} tweets de {topic}: antes {ci['within_before']}, "
        f"depois {ci['within_after']}.",
        f"Silhouette by topic: before {ci['topic_before']}, after {ci['topic_after']}.\n"
        f"Sentiment among the {n} tweets about {topic} only: before {ci['within_before']}, "
        f"after {ci['within_after']}."), ha="center", va="bottom", fontsize=9, color="0.2")
    _title(fig, tr.t("O ajuste fino separa as classes na última camada",
                     "Fine-tuning pulls the classes apart in the last layer"))
    return res


def shift_explorer_html(src, *, lang: str = "pt") -> str:
    """The same tweets as an offline before/after page (slider, hover, search) of a
    :func:`vizlab.studies.fine_tuning.embedding_shift` result."""
    tr = Lang(lang)
    shift = SimpleNamespace(**src["shift"])
    preds = src["predictions"]
    hover = [f"[{tr('topic.' + t)}] {x}" for t, x in zip(src["topics"], src["texts"])]
    n, n_train = tr.int(len(shift.labels)), tr.int(src["n_train"])
    return shift_html(
        shift, None, hover, list(shift.labels), preds["frozen_probe"], preds["fine_tuned"], lang=lang,
        title=tr.t(f"Os {n} tweets reservados antes e depois do ajuste fino (MiniLM, última camada)",
                   f"The {n} held-out tweets before and after fine-tuning (MiniLM, last layer)"),
        note=tr.t("Mesmos tweets num só sistema de coordenadas (uma PCA de cada modelo; a do depois girada "
                  "por Procrustes para coincidir com a do antes), cor = rótulo verdadeiro. O controle "
                  "desliza cada ponto do antes para o depois. Previsão antes: sonda linear treinada nos "
                  f"{n_train} tweets de treino sobre o modelo pré-treinado congelado; previsão após: o "
                  "classificador ajustado. ",
                  "The same tweets in one coordinate system (one PCA per model; the after one rotated by "
                  "Procrustes onto the before one), colour = true label. The slider moves each point from "
                  f"before to after. Prediction before: a linear probe trained on the {n_train} training tweets "
                  "over the frozen pretrained model; prediction after: the fine-tuned classifier. ")
        + tr("explorer_note"))


@drawing("finetune_embedding_shift", section="fine_tuning")
def _embedding_shift(src: SourceData, ctx: DrawContext):
    fig = draw_embedding_shift(src, lang=ctx.lang).figure_
    ctx.attach("finetune_shift_explorer.html", shift_explorer_html(src, lang=ctx.lang))
    return fig


# ----------------------------------------------------------------------------------------- CKA


def draw_layer_cka(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """CKA of each layer with itself (with intervals) and of every layer pair, of a
    :func:`vizlab.studies.fine_tuning.layer_cka` result; ``axes_`` ``"layers"`` and ``"matrix"``."""
    tr = Lang(lang)
    per_layer = src["per_layer"]
    ticks = [hidden_label(i, lang=lang) for i in range(len(per_layer))]
    fig = fig if fig is not None else plt.figure(figsize=(11, 4.8), layout="constrained")
    a1, a2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
    plot_cka_layers(per_layer, lo=src["lo"], hi=src["hi"], ax=a1, xticklabels=ticks, lang=lang,
                    ylabel=tr.t("CKA antes vs depois (IC 95 %)", "CKA before vs after (95% CI)"))
    a1.set_title(tr.t("Mesma camada, antes vs depois", "Same layer, before vs after"))
    plot_cka_matrix(src["matrix"], ax=a2, xticklabels=ticks, yticklabels=ticks, lang=lang,
                    xlabel=tr.t("camada do modelo ajustado", "layer of the fine-tuned model"),
                    ylabel=tr.t("camada do modelo pré-treinado", "layer of the pretrained model"))
    a2.set_title(tr.t("Todas as camadas contra todas", "Every layer against every layer"))
    _title(fig, tr.t("Quanto cada camada mudou com o ajuste fino", "How much each layer changed with fine-tuning"))
    return PlotResult(ax_=a1, axes_={"layers": a1, "matrix": a2})


@drawing("finetune_cka", section="fine_tuning")
def _cka(src: SourceData, ctx: DrawContext):
    return draw_layer_cka(src, lang=ctx.lang).figure_


# ---------------------------------------------------------------------------------- attention


def draw_attention_change(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """The change of every head, and the most changed head's maps on one text, of a
    :func:`vizlab.studies.fine_tuning.attention_change` result; ``axes_`` ``"change"``,
    ``"before"`` and ``"after"``."""
    tr = Lang(lang)
    layer, head = src["layer"], src["head"]  # numbered from 1
    fig = fig if fig is not None else plt.figure(figsize=(11, 10.5))
    grid = fig.add_gridspec(2, 2, height_ratios=[0.8, 1.2], hspace=0.35)
    top = plot_head_change(src["change"], ax=fig.add_subplot(grid[0, :]),
                           highlight=(layer, head), lang=lang,
                           colorbar_label=tr.t("divergência JS média (bits; máximo 1)", "mean JS divergence (bits; maximum 1)"))
    top.ax_.set_title(tr.t("Mudança de cada cabeça (divergência de Jensen-Shannon)",
                           "Change of each head (Jensen-Shannon divergence)"))
    where = layer_head_label(layer, head, lang=lang)
    pair = plot_attention_pair(
        src["before"], src["after"], tokens=display_tokens(src["tokens"]),
        axes=[fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])], lang=lang,
        titles=(tr.t(f"antes: {where}", f"before: {where}"), tr.t(f"depois: {where}", f"after: {where}")),
    )
    return PlotResult(ax_=top.ax_, axes_={"change": top.ax_, "before": pair.axes_["before"], "after": pair.axes_["after"]}, colorbar_=pair.colorbar_,
                      values_={"layer": layer, "head": head})


@drawing("finetune_attention_change", section="fine_tuning")
def _attention_change(src: SourceData, ctx: DrawContext):
    return draw_attention_change(src, lang=ctx.lang).figure_


# ------------------------------------------------------------------------------- probes by layer


def draw_probe_layers(src, *, lang: str = "pt", ax=None) -> PlotResult:
    """Probe accuracy per layer before and after fine-tuning, next to the fine-tuned and topic-only
    classifiers, of a :func:`vizlab.studies.fine_tuning.probe_layers` result."""
    tr = Lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 4.8), layout="constrained")
    ft, tp = src["fine_tuned"], src["topic"]
    n_train, n_eval, k = tr.int(src["n_train"]), tr.int(src["n_eval"]), src["n_classes"]
    res = plot_layer_probes(
        src["summary"], ax=ax, lang=lang,
        names={"pretrained": tr.t("sonda, modelo pré-treinado", "probe, pretrained model"),
               "fine_tuned": tr.t("sonda, modelo após o ajuste fino", "probe, fine-tuned model")},
        xticklabels=[hidden_label(i, lang=lang) for i in range(src["n_layers"])],
        references=[{"value": ft["value"], "lo": ft["lo"], "hi": ft["hi"], "color": ROLE_COLORS["fine_tuned"],
                     "ls": "-.", "label": tr.t("classificador ajustado (cabeça própria)",
                                               "fine-tuned classifier (its own head)")},
                    {"value": tp["value"], "lo": tp["lo"], "hi": tp["hi"], "label": tr("topic_only_clf")},
                    {"value": 1 / k, "label": tr.t(f"acaso (1/{k})", f"chance (1/{k})"), "color": "0.55", "ls": ":"}],
        ylabel=tr.t(f"acurácia nos {n_eval} reservados (IC 95 %)", f"accuracy on the {n_eval} held-out (95% CI)"),
        legend_kws={"loc": "upper left", "fontsize": 7.5})
    ax.set_ylim(0.3, 0.85)
    ax.set_title(tr.t(f"Onde o sentimento fica legível, antes e depois (treino: {n_train}; teste: {n_eval})",
                      f"Where sentiment is readable, before and after (train: {n_train}; test: {n_eval})"))
    return res


@drawing("finetune_probe_layers", section="fine_tuning")
def _probe_layers(src: SourceData, ctx: DrawContext):
    return draw_probe_layers(src, lang=ctx.lang).figure_


# ---------------------------------------------------------------------------------- confusion


def draw_confusion(src, *, lang: str = "pt", ax=None) -> PlotResult:
    """The fine-tuned classifier's confusion matrix, its accuracy interval in the title, of a
    :func:`vizlab.studies.fine_tuning.confusion` result."""
    tr = Lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.6), layout="constrained")
    res = plot_confusion(src["counts"], labels=_label_names(tr, src["labels"]), ax=ax, lang=lang)
    acc = _ci_text(tr, src["accuracy"])
    ax.set_title(tr.t(f"Classificador ajustado: acurácia {acc} (IC 95 %)",
                      f"Fine-tuned classifier: accuracy {acc} (95% CI)"))
    return res


@drawing("finetune_confusion", section="fine_tuning")
def _confusion(src: SourceData, ctx: DrawContext):
    return draw_confusion(src, lang=ctx.lang).figure_


# ------------------------------------------------------------------------------ seeds and label noise


def draw_seed_spread(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """Accuracy, CKA and attention change of every seed, next to the change between two seeds, and the
    accuracy by annotator agreement, of a :func:`vizlab.studies.fine_tuning_seeds` result; ``axes_``
    ``"accuracy"``, ``"cka"``, ``"attention"`` and ``"noise"``."""
    import numpy as np

    tr = Lang(lang)
    seeds = src["seeds"]
    ft, grey = ROLE_COLORS["fine_tuned"], "0.35"
    fig = fig if fig is not None else plt.figure(figsize=(7.2, 9.6), layout="constrained")
    (a1, a2), (a3, a4) = fig.subplots(2, 2)
    # (a) accuracy per seed
    acc, over = src["accuracy"], src["accuracy_over_seeds"]
    x = np.arange(len(seeds))
    a1.axhspan(over["lo"], over["hi"], color=ft, alpha=0.15, lw=0,
               label=tr.t(f"média das sementes {_ci_text(tr, over)} (IC t 95 %)",
                          f"mean over seeds {_ci_text(tr, over)} (95% t CI)"))
    a1.axhline(over["value"], color=ft, lw=1)
    a1.errorbar(x, [r["value"] for r in acc], yerr=[[r["value"] - r["lo"] for r in acc], [r["hi"] - r["value"] for r in acc]],
                fmt="o", color=ft, capsize=3, label=tr.t("cada semente (IC 95 %, bootstrap nos tweets)",
                                                         "each seed (95% CI, bootstrap over tweets)"))
    a1.set_xticks(x, [str(s) for s in seeds])
    a1.set_xlabel(tr.t("semente", "seed"))
    a1.set_xlim(-0.6, len(seeds) - 0.4)
    a1.set_ylim(0.6, 0.9)
    a1.yaxis.set_major_formatter(lambda v, _: tr.pct(v, 0))
    a1.set_ylabel(tr.t(f"acurácia nos {tr.int(src['n_eval'])} reservados", f"accuracy on the {src['n_eval']} held-out"))
    a1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, frameon=False)
    a1.set_title(tr.t("(a) Mesma receita, outra semente", "(a) Same recipe, another seed"), loc="left")
    # (b), (c): change after fine-tuning against the change between two seeds
    for ax, key, ylabel, title in (
        (a2, "cka", tr.t("CKA (1 = mesma representação)", "CKA (1 = same representation)"),
         tr.t("(b) CKA por camada", "(b) CKA per layer")),
        (a3, "attention", tr.t("divergência JS média da atenção", "mean JS divergence of attention"),
         tr.t("(c) Mudança da atenção por camada", "(c) Attention change per layer")),
    ):
        vs, between = np.asarray(src[f"{key}_vs_pretrained"]), np.asarray(src[f"{key}_between_seeds"])
        n = vs.shape[1]
        xs = np.arange(n) if key == "cka" else np.arange(1, n + 1)
        ax.fill_between(xs, vs.min(0), vs.max(0), color=ft, alpha=0.2, lw=0)
        ax.plot(xs, vs.mean(0), "o-", color=ft, label=tr.t("ajustado vs pré-treinado (média e faixa das sementes)",
                                                           "fine-tuned vs pretrained (mean and range of the seeds)"))
        ax.fill_between(xs, between.min(0), between.max(0), color=grey, alpha=0.2, lw=0)
        ax.plot(xs, between.mean(0), "s--", color=grey, label=tr.t("ajustado vs ajustado, duas sementes (média e faixa dos pares)",
                                                                   "fine-tuned vs fine-tuned, two seeds (mean and range of the pairs)"))
        ax.set_xticks(xs, [hidden_label(i, lang=lang) for i in xs] if key == "cka" else [str(i) for i in xs])
        ax.set_xlabel(tr.t("saída da camada", "layer output") if key == "cka" else tr.t("camada", "layer"))
        ax.set_ylabel(ylabel)
        digits = 1 if key == "cka" else 3
        ax.yaxis.set_major_formatter(lambda v, _, digits=digits: tr.num(v, digits))
        ax.set_title(title, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, frameon=False)
    a2.set_ylim(0, 1.05)
    top = max(np.max(src["attention_vs_pretrained"]), np.max(src["attention_between_seeds"]))
    a3.set_ylim(0, 1.1 * top)
    # (d) label noise
    noise = src["label_noise"]
    groups = [g for g in ("unanimous", "split", "unknown") if noise["groups"][g]["n"] > 1]
    names = {"unanimous": tr.t("anotadores unânimes", "unanimous annotators"),
             "split": tr.t("anotadores divididos", "split annotators"),
             "unknown": tr.t("sem confiança no corpus", "no confidence in the corpus")}
    for i, g in enumerate(groups):
        r = noise["groups"][g]
        a4.errorbar([i], [r["accuracy"]["value"]], yerr=[[r["accuracy"]["value"] - r["accuracy"]["lo"]],
                                                         [r["accuracy"]["hi"] - r["accuracy"]["value"]]],
                    fmt="o", color=ft, capsize=3)
        a4.plot(np.full(len(r["per_seed"]), i + 0.15), r["per_seed"], "_", color=grey, ms=8)
    human = noise["human_agreement"]
    a4.axhspan(human["lo"], human["hi"], color=ROLE_COLORS["baseline"], alpha=0.12, lw=0)
    a4.axhline(human["value"], color=ROLE_COLORS["baseline"], ls="--", lw=1,
               label=tr.t(f"concordância média de um anotador com o rótulo: {tr.pct(human['value'])}",
                          f"mean agreement of an annotator with the label: {tr.pct(human['value'])}"))
    two_lines = {g: names[g].replace(" ", "\n") for g in groups}
    a4.set_xticks(range(len(groups)), [f"{two_lines[g]}\n(n = {tr.int(noise['groups'][g]['n'])})" for g in groups],
                  fontsize=7)
    a4.set_xlim(-0.5, len(groups) - 0.5)
    a4.set_ylim(0.4, 1.0)
    a4.yaxis.set_major_formatter(lambda v, _: tr.pct(v, 0))
    a4.set_ylabel(tr.t("acurácia (média das sementes, IC 95 %)", "accuracy (mean of the seeds, 95% CI)"))
    a4.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, frameon=False)
    a4.set_title(tr.t("(d) Acurácia e ruído dos rótulos\n(traços: cada semente)",
                      "(d) Accuracy and label noise\n(ticks: each seed)"), loc="left")
    fig.suptitle(tr.t(f"Régua para o ajuste fino: {len(seeds)} sementes da mesma receita",
                      f"A yardstick for fine-tuning: {len(seeds)} seeds of the same recipe"))
    return PlotResult(ax_=a1, axes_={"accuracy": a1, "cka": a2, "attention": a3, "noise": a4})


@drawing("finetune_seeds", section="fine_tuning")
def _seeds(src: SourceData, ctx: DrawContext):
    return draw_seed_spread(src, lang=ctx.lang).figure_

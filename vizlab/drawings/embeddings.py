"""Drawings of the 'embeddings' section: the sentiment map, sentence similarity, contextual vectors.

:func:`draw_embedding_map` and :func:`embedding_explorer` are public: the ``vizlab embed`` command
draws a :func:`vizlab.studies.embeddings.embedding_map` result with them (a PNG/SVG map, or the
offline explorer page).
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.interactive.explorer import embedding_html
from vizlab.numbering import hidden_label
from vizlab.palette import CATEGORICAL, class_colors, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.embeddings import plot_embedding_map, plot_sense_similarity
from vizlab.plot.map_labels import label_islands
from vizlab.plot.similarity import plot_similarity, plot_similarity_means
from vizlab.plot.style import report_style
from vizlab.sourcedata import SourceData

__all__ = ["describe_projection", "draw_embedding_map", "embedding_explorer", "fold_rare_labels"]

_NAMES = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}
_AXES = {"umap": "UMAP", "pca": "PC", "tsne": "t-SNE"}


def describe_projection(m: Mapping, lang: str = "en") -> str:
    """How a map was made, in one line (``Projection.describe`` of the map's recorded settings).

    ``m`` is a :func:`vizlab.studies.embeddings.projection_data` result (``method`` and ``settings``).

    >>> describe_projection({"method": "pca", "settings": {"n_samples": 3, "n_features": 8,
    ...                      "random_state": 0, "params": {"pca_dims": None}}}, "pt")
    'PCA de 3 vetores de dimensão 8 (semente 0)'
    """
    method, s = m["method"], m["settings"]
    p = s["params"]
    seed, of, dim = ("semente", "de", "vetores de dimensão") if lang == "pt" else ("seed", "of", "vectors of dimension")
    head = f"{_NAMES[method]} {of} {s['n_samples']} {dim} {s['n_features']}"
    bits = []
    low = p.get("lowered_from") or {}  # settings project() lowered for few vectors

    def note(name: str) -> str:  # as vizlab.analysis.projection.lowered_note
        return f" ({'reduzido de' if lang == 'pt' else 'lowered from'} {low[name]:g})" if name in low else ""

    if p.get("pca_dims") and method != "pca":
        bits.append(f"PCA → {p['pca_dims']}{note('pca_dims')}")

    if method == "umap":
        bits += [f"n_neighbors={p['n_neighbors']}{note('n_neighbors')}", f"min_dist={p['min_dist']}",
                 f"{p['metric']}", f"init={p['init']}", f"{p['n_epochs']} epochs"]
    elif method == "tsne":
        bits += [f"perplexity={p['perplexity']}{note('perplexity')}", f"{p['metric']}"]
    inner = ", ".join(bits + [f"{seed} {s['random_state']}"])
    return f"{head} ({inner})"


class _MapView:
    """What the explorer page reads of a Projection: ``coords``, ``method`` and ``describe(lang)``."""

    def __init__(self, m: Mapping):
        self._m = m
        self.coords = m["coords"]
        self.method = m["method"]

    def describe(self, lang: str = "en") -> str:
        return describe_projection(self._m, lang)


def embedding_explorer(m: Mapping, texts, labels=None, *, lang: str = "pt", title: str | None = None) -> str:
    """The offline explorer page (HTML) of a map: hover a point to read its text.

    Parameters
    ----------
    m : mapping
        A :func:`vizlab.studies.embeddings.embedding_map` (or ``projection_data``) result.
    texts : sequence of str
        One per point, shown on hover.
    labels : sequence of str, optional
        Class of each point; default: ``m["labels"]`` when it has them.
    lang : {"pt", "en"}
    title : str, optional
    """
    if labels is None:
        labels = m.get("labels")
    return embedding_html(_MapView(m), texts, labels, lang=lang, title=title)


_OTHER = "\x00other"  # the key of the folded labels (no label read from a file can be it)


def fold_rare_labels(labels, tr: Lang, *, keep: int = len(CATEGORICAL) - 1):
    """Labels for a map of more distinct labels than colours: the ``keep`` most frequent keep theirs, the
    others become one "other" entry (named with how many labels and texts it holds).

    Returns ``(labels, order, names, colors)`` for :func:`~vizlab.plot.embeddings.plot_embedding_map`: the
    labels with the rare ones replaced, the legend's order (most frequent first when folded, else sorted),
    display names and colours (sentiment classes keep theirs; "other" is the ``label.other`` grey).

    >>> labels, order, names, colors = fold_rare_labels(["a", "b", "a", "c"], Lang("en"), keep=1)
    >>> order[0], list(names.values())
    ('a', ['2 other labels (2 texts)'])
    """
    labels = [str(x) for x in labels]
    counts = Counter(labels)
    if len(counts) <= keep + 1:
        order = sorted(counts)
        return labels, order, {}, class_colors(order)
    kept = [lab for lab, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:keep]
    rest = [lab for lab in counts if lab not in kept]
    n_rest = sum(counts[lab] for lab in rest)
    name = tr.t(f"outros {tr.int(len(rest))} rótulos ({tr.count(n_rest, 'count.text')})",
                f"{tr.int(len(rest))} other labels ({tr.count(n_rest, 'count.text')})")
    kept_set = set(kept)
    return ([lab if lab in kept_set else _OTHER for lab in labels], [*kept, _OTHER], {_OTHER: name},
            {**class_colors(kept), _OTHER: role_color("label.other")})


def draw_embedding_map(src: Mapping, *, lang: str = "pt", ax=None) -> PlotResult:
    """One 2-D map of a :func:`vizlab.studies.embeddings.embedding_map` result, coloured by label.

    Without labels every point gets one colour and no legend; with labels (text as written: "4,5" stays
    "4,5") the legend stands right of the map, off the points. More distinct labels than colours: the
    most frequent keep a colour each, the rest share one grey "other" entry (:func:`fold_rare_labels`;
    the explorer page keeps every label). The title says the method, the model, the number of texts and
    the seed. Returns the :class:`~vizlab.plot.PlotResult`.
    """
    tr = Lang(lang)
    axis = _AXES[src["method"]]
    coords, labels, seed = src["coords"], src.get("labels"), src["settings"]["random_state"]
    n = len(coords)
    legend = labels is not None
    if not legend:
        labels = [tr.t("textos", "texts")] * n
    labels, order, names, colors = fold_rare_labels(labels, tr)
    with report_style():
        if ax is None:  # room on the right for the legend, off the points
            _, ax = plt.subplots(figsize=(7.0, 5.0) if legend else (5.5, 5.0), layout="constrained")
        res = plot_embedding_map(coords, labels=labels, ax=ax, axis_name=axis, legend=legend, order=order,
                                 names=names, colors=colors, seed=seed, legend_loc="upper left",
                                 legend_kws={"bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, "frameon": False})
        res.ax_.set_title(tr.t(f"Mapa dos embeddings ({axis}, {src['model']}, {tr.int(n)} textos, semente {seed})",
                               f"Embedding map ({axis}, {src['model']}, {tr.int(n)} texts, seed {seed})"))
    return res


# ----------------------------------------------------------------------------- figure 1


def _neighbour_note(r: Mapping, tr: Lang, *, k: int, dims: int) -> str:
    """The paragraph of numbers under the sentiment map, from the study's recorded results (``k``
    neighbours in the ``dims``-dimensional space)."""
    pct = lambda r: f"{tr.pct(r['value'])} [{tr.pct(r['lo'])}; {tr.pct(r['hi'])}]"  # noqa: E731
    num = lambda r: f"{tr.num(r['value'], 3)} [{tr.num(r['lo'], 3)}; {tr.num(r['hi'], 3)}]"  # noqa: E731
    same_topic, knn, topic = r["knn15_same_topic"], r["knn15_same_label"], r["knn15_topic_expected_same_label"]
    within, within_chance = r["within_topic_knn15_same_label"], r["within_topic_expected_same_label"]
    sil_label, sil_topic, chance = r["silhouette_label"], r["silhouette_topic"], tr.pct(r["chance_same_label"])
    return tr.t(
        f"{k} vizinhos mais próximos (espaço de {dims} dimensões, IC 95 %): mesmo tema {pct(same_topic)}; "
        f"mesmo rótulo {pct(knn)};\nesperado só pelo tema {pct(topic)}; acaso {chance}.   "
        f"Vizinhos dentro do próprio tema: mesmo rótulo {pct(within)},\ncontra {pct(within_chance)} "
        f"esperado pelo tema.   Silhueta (cosseno) por sentimento {num(sil_label)}, por tema {num(sil_topic)}.",
        f"{k} nearest neighbours ({dims}-dimensional space, 95% CI): same topic {pct(same_topic)}; same label "
        f"{pct(knn)};\nexpected from the topic alone {pct(topic)}; chance {chance}.   "
        f"Neighbours within the tweet's own topic: same label {pct(within)},\nvs {pct(within_chance)} "
        f"expected from the topic.   Silhouette (cosine) by sentiment {num(sil_label)}, by topic {num(sil_topic)}.")


@drawing("embeddings_sentiment_map", section="embeddings")
def _sentiment_map(src: SourceData, ctx: DrawContext):
    tr = ctx.tr
    y, topics, maps = src["labels"], src["topics"], src["maps"]
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.6), gridspec_kw={"wspace": 0.05})
    names = {k: tr(k) for k in src["sentiments"]}
    titles = {"umap": tr.t("UMAP (nomes: temas)", "UMAP (names: topics)"),
              "pca": tr.t("PCA (2 componentes)", "PCA (2 components)"), "tsne": "t-SNE"}
    for i, (ax, m) in enumerate(zip(axes, maps.values())):
        plot_embedding_map(m["coords"], labels=y, ax=ax, order=src["sentiments"], names=names,
                           legend=i == 0, legend_loc="lower left", seed=src["seed"])
        ax.set_title(titles[m["method"]])
        if m["method"] == "pca":  # a PCA axis says how much of the variance it keeps
            for i, share in enumerate(pca_component_shares(m["coords"], m["settings"]["explained_variance"])):
                (ax.set_xlabel if i == 0 else ax.set_ylabel)(f"PC{i + 1} ({tr.pct(share)})")
    topic_names = {t: tr(f"topic.{t}").split(" (")[0] for t in src["topic_order"]}  # short names on the map
    n = tr.int(len(src["texts"]))
    fig.suptitle(tr.t(f"Embeddings de {n} tweets (all-MiniLM-L6-v2), cor = sentimento rotulado",
                      f"Embeddings of {n} tweets (all-MiniLM-L6-v2), colour = labelled sentiment"), y=0.99)
    # after the layout is final: names are placed in pixels, next to each island, never on points
    label_islands(maps["umap"]["coords"], topics, ax=axes[0], names=topic_names, exclude=("other",))
    note = _neighbour_note(src.results, tr, k=src["k"], dims=maps["umap"]["settings"]["n_features"])
    fig.text(0.5, -0.02, note, ha="center", va="top", fontsize=8.5, color="0.2")
    ctx.attach("embeddings_explorer.html", embedding_explorer(  # the same UMAP map as an offline explorer page
        maps["umap"], [f"[{tr('topic.' + t)}] {x}" for t, x in zip(topics, src["texts"])], list(y), lang=ctx.lang,
        title=ctx.t(f"Embeddings de {n} tweets (all-MiniLM-L6-v2), mapa UMAP; [tema] antes do texto",
                    f"Embeddings of {n} tweets (all-MiniLM-L6-v2), UMAP map; [topic] before the text")))
    return fig


def pca_component_shares(coords, explained_total: float) -> list[float]:
    """Share of the variance each principal axis of a 2-D PCA map keeps, from the map itself and the
    share both keep together (what the study records): the variance of the points along a
    principal axis is that axis's eigenvalue, so ``share_j = total * var_j / (var_1 + var_2)``
    (exact for a PCA fitted on the points drawn).

    >>> import numpy as np
    >>> [round(s, 3) for s in pca_component_shares(np.array([[2.0, 1.0], [-2.0, -1.0]]), 0.5)]
    [0.4, 0.1]
    """
    v = np.asarray(coords, dtype=float).var(axis=0)
    return [float(explained_total * x / v.sum()) for x in v]


# ----------------------------------------------------------------------------- figure 2


@drawing("embeddings_similarity", section="embeddings")
def _similarity(src: SourceData, ctx: DrawContext):
    tr = ctx.tr
    labels = [textwrap.fill(s, 26) for s in src["sentences"]]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.4, 8.0), gridspec_kw={"width_ratios": [3.2, 1], "wspace": 0.45})
    plot_similarity(src["similarity"], labels=labels, ax=ax, vmin=-0.1, wrap=None, fontsize=8, lang=tr.code)
    ax.set_title(tr.t("Frases parecidas têm embeddings parecidos (all-MiniLM-L6-v2)",
                      "Similar sentences have similar embeddings (all-MiniLM-L6-v2)"))
    summary, pairs = src["summary"], src["n_paraphrase_pairs"]
    means = [[summary["en"]["paraphrase"], summary["pt"]["paraphrase"]],
             [summary["en"]["unrelated"], summary["pt"]["unrelated"]]]
    plot_similarity_means(means, ax=ax2, lang=tr.code,
                          groups=[tr.t(f"paráfrases\n({pairs} pares)", f"paraphrases\n({pairs} pairs)"),
                                  tr.t("sem relação\n(assuntos\ndiferentes)", "unrelated\n(different\ntopics)")],
                          series=[tr.t("inglês", "English"), tr.t("português", "Portuguese")],
                          colors=[role_color("lang.en"), role_color("lang.pt")],
                          values=[[src["pairs"][lang][g] for lang in ("en", "pt")] for g in ("paraphrase", "unrelated")],
                          title=tr.t("As mesmas frases\ntraduzidas: em português\nas médias se aproximam\n"
                                     "(pontos: cada par)",
                                     "The same sentences\ntranslated: in Portuguese\nthe means draw close\n"
                                     "(dots: each pair)"))
    return fig


# ----------------------------------------------------------------------------- figure 3

_SENSE_PT = {"river": "rio", "money": "dinheiro", "seat": "assento"}
_MODEL_STYLE = {"minilm": ("all-MiniLM-L6-v2", role_color("model.minilm")),
                "gemma-270m": ("Gemma-3-270m", role_color("model.gemma"))}


@drawing("embeddings_contextual", section="embeddings")
def _contextual(src: SourceData, ctx: DrawContext):
    tr = ctx.tr
    sense = (lambda s: _SENSE_PT[s]) if ctx.lang == "pt" else (lambda s: s)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 2]})
    for ax, (name, d) in zip(axes, src["models"].items()):
        title, color = _MODEL_STYLE[name]
        within, between = d["within"], d["between"]
        a, b = d["senses"]
        plot_sense_similarity(
            within, between, ax=ax, color=color, lang=tr.code,
            xticklabels=[hidden_label(i, lang=tr.code) for i in range(len(within))],
            labels=(tr("same_sense"),
                    tr.t(f"sentidos diferentes ({sense(a)} x {sense(b)})", f"different senses ({a} vs {b})")),
            title=f"'{d['word']}' — {title}",
            within_pairs=d.get("within_pairs"), between_pairs=d.get("between_pairs"),
            legend_kws={"loc": "lower left"} if name == "minilm" else {"loc": "upper right", "ncols": 2},
        )
    lo = min(ax.get_ylim()[0] for ax in axes)
    for ax in axes:  # one scale for both panels; room above 1 for the decoder's legend in one row
        ax.set_ylim(lo, 1.1)
    axes[1].set_ylabel("")
    fig.suptitle(tr.t("A mesma palavra, sentidos diferentes: os vetores se separam nas camadas profundas",
                      "Same word, different senses: the vectors separate in deeper layers"))
    fig.text(0.5, 0.005, tr.t("linhas: média dos pares de frases; barras: metade central dos pares (25 % a 75 %)",
                              "lines: mean over pairs of sentences; bars: middle half of the pairs (25 % to 75 %)"),
             ha="center", va="bottom", fontsize=8, color="0.3")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig

"""Reader text of the plot functions comes from the one catalogue (vizlab.i18n), in the language asked for.

A plot called with ``lang="pt"`` and no texts draws the catalogue's Portuguese labels, with ``lang="en"``
the English ones, and an explicit text wins; no plot module keeps texts of its own.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import numpy as np
import pandas as pd
import pytest

import vizlab.plot
from vizlab.i18n import AVOID, CATALOGUE, Lang

LANGS = ("pt", "en")
PLOT_MODULES = [importlib.import_module(f"vizlab.plot.{m.name}") for m in pkgutil.iter_modules(vizlab.plot.__path__)]
# keyword parameters that hold reader text (by name); their default must be None or empty
TEXT_PARAM = re.compile(r"(label|labels|title|titles|legend|text|names)$")
SYMBOLS = {"temperature_label"}  # a symbol ("T"), the same in every language


def _public_functions():
    for mod in PLOT_MODULES:
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                yield f"{mod.__name__}.{name}", obj


def test_no_plot_function_defaults_to_a_literal_text():
    literal = []
    for qual, fn in _public_functions():
        for p in inspect.signature(fn).parameters.values():
            d = p.default
            if TEXT_PARAM.search(p.name) and p.name not in SYMBOLS and isinstance(d, (str, tuple)) and d:
                literal.append(f"{qual}({p.name}={d!r})")
    assert not literal, "reader text must default to None (the catalogue's text for lang): " + ", ".join(literal)


def test_no_plot_module_keeps_its_own_text_dicts():
    own = [f"{m.__name__}.{n}" for m in PLOT_MODULES for n in vars(m) if re.fullmatch(r"_?(TEXT|TITLES)(_[A-Z]+)?", n)]
    assert not own, own


def test_portuguese_catalogue_avoids_the_replaced_words():
    found = [(key, word) for key, (pt, _) in CATALOGUE.items() for word in AVOID
             if re.search(rf"\b{re.escape(word)}\b", pt, flags=re.IGNORECASE)]
    assert not found, found


def test_texts_picks_a_prefix_terms_and_overrides():
    t = Lang("pt").texts("padding", terms={"pos": "position"}, override={"batch": "lote"})
    assert t["real_line"] == "tokens reais" and t["pos"] == "posição" and t["batch"] == "lote"
    assert "padding" not in t and not any(k.startswith("padding.") for k in t)
    assert Lang("en").default(None, "head_axis", n=12) == "head (1 to 12)"
    assert Lang("en").default("", "layer") == ""  # an explicit empty text stays empty


# ------------------------------------------------------------------------------- single-axis plots


@pytest.mark.parametrize("lang", LANGS)
def test_layer_probes_and_data_efficiency_labels(lang):
    from vizlab.plot.probes import plot_data_efficiency, plot_layer_probes

    tr = Lang(lang)
    summ = pd.DataFrame({"model": "pretrained", "layer": [0, 1], "value": [0.6, 0.8], "lo": [0.5, 0.7],
                         "hi": [0.7, 0.9]})
    ax = plot_layer_probes(summ, lang=lang).ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == (tr("hidden_layer_axis"), tr("probe_accuracy"))
    eff = pd.DataFrame({"n_train": [16, 2000], "value": [0.45, 0.8], "lo": [0.4, 0.78], "hi": [0.5, 0.82],
                        "features": "pre"})
    ax = plot_data_efficiency(eff, lang=lang).ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == (tr("labelled_examples"), tr("test_accuracy"))
    ax = plot_layer_probes(summ, lang=lang, xlabel="x", ylabel="").ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "")


@pytest.mark.parametrize("lang", LANGS)
def test_attention_map_and_lines_labels(lang):
    from vizlab.plot.attention import plot_attention_lines, plot_attention_map

    tr = Lang(lang)
    a = np.full((3, 3), 1 / 3)
    res = plot_attention_map(a, tokens=["a", "b", "c"], lang=lang)
    assert res.ax_.get_xlabel() == tr("key") and res.ax_.get_ylabel() == tr("query")
    assert res.colorbar_.ax.get_ylabel() == tr("attention_weight")
    lines = plot_attention_lines(a, tokens=["a", "b", "c"], lang=lang).ax_
    assert {tr("query_short"), tr("key_short")} <= {t.get_text() for t in lines.texts}
    res = plot_attention_map(a, tokens=["a", "b", "c"], lang=lang, cbar_label="w", query_label="q")
    assert res.colorbar_.ax.get_ylabel() == "w" and res.ax_.get_ylabel() == "q" and res.ax_.get_xlabel() == tr("key")


@pytest.mark.parametrize("lang", LANGS)
def test_head_grid_and_rollout_texts(lang):
    from vizlab.plot.attention import plot_head_grid, plot_rollout

    tr = Lang(lang)
    attn = np.full((2, 2, 3, 3), 1 / 3)
    res = plot_head_grid(attn, tokens=["a", "b", "c"], highlight=(2, 1), lang=lang)
    assert res.axes_["detail"].get_title() == f"{tr('layer')} 2, {tr('head')} 1"
    assert res.colorbar_.ax.get_ylabel() == tr("attention_sqrt_scale")
    res = plot_rollout(attn[0, 0], attn[1, 1], tokens=["a", "b", "c"], query=1, lang=lang)
    assert res.axes_["raw"].get_title() == tr("rollout.raw_title")
    assert res.axes_["bars"].get_title() == tr("rollout.row", token="b")
    assert res.colorbar_.ax.get_ylabel() == tr("rollout.same_scale")
    assert [t.get_text() for t in res.axes_["bars"].get_legend().get_texts()] == [tr("rollout.raw_legend"),
                                                                                  tr("rollout.rolled_legend")]


@pytest.mark.parametrize("lang", LANGS)
def test_confusion_and_shift_labels(lang):
    from vizlab.plot.finetune import plot_confusion
    from vizlab.plot.shift import plot_attention_pair, plot_cka_layers, plot_cka_matrix, plot_head_change

    tr = Lang(lang)
    res = plot_confusion(np.array([[3, 1], [0, 4]]), labels=["a", "b"], lang=lang)
    assert (res.ax_.get_xlabel(), res.ax_.get_ylabel()) == (tr("predicted_class"), tr("true_class"))
    assert res.colorbar_.ax.get_ylabel() == tr("share_of_true_class")
    ax = plot_cka_layers(np.array([1.0, 0.8]), lang=lang).ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == (tr("hidden_layer_axis"), tr("cka.same_layer"))
    res = plot_cka_matrix(np.eye(2), lang=lang)
    assert (res.ax_.get_xlabel(), res.ax_.get_ylabel()) == (tr("cka.second_model"), tr("cka.first_model"))
    assert res.colorbar_.ax.get_ylabel() == tr("linear_cka")
    res = plot_head_change(np.ones((2, 12)), lang=lang)
    assert res.ax_.get_xlabel() == tr("head_axis", n=12) and res.ax_.get_ylabel() == tr("layer_axis")
    assert res.ax_.get_xlabel() == {"pt": "cabeça (1 a 12)", "en": "head (1 to 12)"}[lang]
    res = plot_attention_pair(np.eye(2), np.eye(2), tokens=["a", "b"], lang=lang)
    assert [res.axes_[k].get_title() for k in ("before", "after")] == [tr("before"), tr("after")]
    assert res.colorbar_.ax.get_ylabel() == tr("attention_weight") and res.ax_.get_ylabel() == tr("query")


@pytest.mark.parametrize("lang", LANGS)
def test_similarity_lens_prediction_softmax_labels(lang):
    from vizlab.plot.embeddings import plot_sense_similarity
    from vizlab.plot.lens import plot_lens_paths
    from vizlab.plot.prediction import plot_blank_scores, plot_topk_bars
    from vizlab.plot.similarity import plot_similarity, plot_similarity_means
    from vizlab.plot.softmax import plot_softmax_temperature

    tr = Lang(lang)
    ax = plot_sense_similarity([0.9, 0.8], [0.5, 0.4], lang=lang).ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == (tr("hidden_layer_axis"), tr("mean_similarity"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [tr("same_sense"), tr("different_senses")]
    assert plot_similarity(np.eye(2), labels=["a", "b"], lang=lang).colorbar_.ax.get_ylabel() == tr("similarity")
    ax = plot_similarity_means([[0.5]], groups=["g"], series=["s"], lang=lang).ax_
    assert ax.get_ylabel() == tr("mean_similarity")
    ax = plot_lens_paths([[0.1, 0.9]], labels=["x"], lang=lang).ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == (tr("probability"), tr("hidden_layer_axis"))
    assert plot_topk_bars([0.5, 0.2], labels=["a", "b"], lang=lang).ax_.get_xlabel() == tr("probability")
    ax = plot_blank_scores([0.7, 0.3], [0.2, 0.8], candidates=["x", "y"], lang=lang).ax_
    assert ax.get_xlabel() == tr("blank.probability")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [tr("blank.left_only"), tr("blank.whole_sentence")]
    res = plot_softmax_temperature([2.0, 1.0], [[0.7, 0.3]], labels=["a", "b"], temperatures=(1.0,), lang=lang)
    assert res.axes_["probs"].get_title() == tr("softmax.probs_title", t="T")
    assert res.axes_["logits"].get_xlabel() == tr("logit") and res.axes_["probs"].get_xlabel() == tr("probability")


# ------------------------------------------------------------------------------- multi-panel plots


@pytest.mark.parametrize("lang", LANGS)
def test_training_curves_texts(lang):
    from vizlab.plot.finetune import plot_training_curves

    tr = Lang(lang)
    rows = [{"step": s, "epoch": s / 2, "split": "train", "metric": m, "value": 0.5}
            for s in (1, 2, 3, 4) for m in ("loss", "accuracy")]
    res = plot_training_curves(pd.DataFrame(rows), window=2, chance=0.33, lang=lang,
                               text={"eval": "held"})
    assert res.axes_["loss"].get_xlabel() == tr("training.step")
    assert res.axes_["loss"].get_ylabel() == tr("training.loss")
    assert res.axes_["accuracy"].get_ylabel() == tr("accuracy")
    assert [t.get_text() for t in res.axes_["loss"].texts] == [tr("training.epoch").format(e) for e in (1, 2)]
    legend = [t.get_text() for t in res.figure_.legends[0].get_texts()]
    assert tr("training.train_smooth") in legend and tr("chance") in legend


@pytest.mark.parametrize("lang", LANGS)
def test_dynamic_padding_texts(lang):
    from vizlab.analysis.padding import padding_costs, padding_grid
    from vizlab.plot.padding import plot_dynamic_padding

    tr = Lang(lang)
    lengths, batches = [3, 5, 2, 2], [[0, 1], [2, 3]]
    fixed, dynamic = padding_grid(lengths, batches, pad_to=5)
    r = plot_dynamic_padding(fixed, dynamic_grid=dynamic, batch_sizes=[2, 2], costs=padding_costs(lengths, batches),
                             pad_to=5, lang=lang, text={"costs": "custo"})
    assert r.axes_["fixed"].get_title() == tr("padding.fixed").format(pad_to=5)
    assert r.axes_["fixed"].get_ylabel() == tr("padding.text").format(size=2)
    assert r.axes_["costs"].get_xlabel() == tr("padding.batch") and r.axes_["costs"].get_title() == "custo"
    assert r.artists_["fixed_line"].get_label() == tr("padding.fixed_line").format(pad_to=5)


@pytest.mark.parametrize("lang", LANGS)
def test_pipeline_texts(lang):
    from vizlab.plot.pipeline import plot_classifier_pipeline

    tr = Lang(lang)
    z = np.array([1.0, -1.0, 0.5])
    r = plot_classifier_pipeline(z, probabilities=np.exp(z) / np.exp(z).sum(), labels=["negative", "neutral", "positive"],
                                 text="t", tokens=["[CLS]", "t", "[SEP]"], ids=[101, 1, 102], vector=np.zeros(8),
                                 n_layers=6, lang=lang)
    assert r.axes_["vector"].get_title(loc="left") == tr("pipeline.model").format(n_layers=6, hidden=8)
    assert r.axes_["logits"].get_title(loc="left") == tr("pipeline.logits").format(n_labels=3, hidden=8)
    assert r.axes_["probs"].get_xlabel() == tr("probability") and r.axes_["label"].get_title(loc="left") == tr(
        "pipeline.label")
    assert tr("token") in [t.get_text() for t in r.axes_["tokens"].texts]


@pytest.mark.parametrize("lang", LANGS)
def test_position_texts(lang):
    from vizlab.plot.position import plot_position_sources

    tr = Lang(lang)
    sim, grid = np.eye(4), np.arange(16, dtype=float).reshape(4, 4)
    r = plot_position_sources(sim, sinusoidal_sim=sim, wavelengths={"a": np.array([6.3, 60.0])},
                              absolute_scores=grid, rotary_scores=-grid, absolute_spread=np.array([0.2, 0.3]),
                              rotary_spread=np.array([1e-7, 2e-7]), names={"q": "it", "k": "cat", "head_abs": "h"},
                              lang=lang)
    assert r.axes_["learned"].get_title() == tr("position.learned")
    assert r.axes_["absolute"].get_title() == tr("position.absolute").format(q="it", k="cat", head="h")
    assert r.axes_["learned"].get_xlabel() == tr("position.position")
    assert r.colorbar_.ax.get_ylabel() == tr("similarity")
    assert tr("position.masked") in [t.get_text() for t in r.axes_["rotary"].texts]


@pytest.mark.parametrize("lang", LANGS)
def test_attention_output_qk_and_attribution_texts(lang):
    from vizlab.plot.attention_output import plot_attention_output
    from vizlab.plot.attribution import plot_attribution_strips, plot_attribution_vs_attention
    from vizlab.plot.qk import plot_qk_walkthrough

    tr = Lang(lang)
    rng = np.random.default_rng(0)
    a = rng.dirichlet(np.ones(3), size=3)
    v = rng.normal(size=(3, 2))
    c = np.hstack([v, v])
    r = plot_attention_output(a, v=v, z=a @ v, concat=c, w_o=rng.normal(size=(4, 4)), rebuilt=np.zeros((3, 4)),
                              reference=np.zeros((3, 4)), head=1, tokens=["a", "b", "c"], lang=lang,
                              titles={"weights": "A"})
    assert r.axes_["weights"].get_title() == "A"
    assert r.axes_["concat"].get_title() == tr("attention_output.concat").format(n_heads=2, z_last="Z₂", head=1)
    assert r.axes_["concat"].get_xlabel() == tr("attention_output.concat_dims").format(head_dim=2)
    assert r.axes_["check"].get_title() == tr("attention_output.check").format(err="0")
    assert r.axes_["weights"].get_ylabel() == tr("query")
    q = rng.normal(size=(3, 4))
    res = plot_qk_walkthrough(q, q, scores=q @ q.T, weights=a, reference=a, tokens=["a", "b", "c"], query=1, lang=lang)
    assert res.axes_["scores"].get_title() == tr("qk.scores").format(d=4)
    assert res.axes_["row"].get_title() == tr("qk.row").format(token="b")
    assert res.axes_["row"].get_xlabel() == tr("attention_weight")
    strips = plot_attribution_strips(np.array([0.5, -0.2]), tokens=["a", "b"], attention=np.array([0.4, 0.6]),
                                     lang=lang)
    assert [t.get_text() for t in strips.axes_["attention"].get_yticklabels()] == [tr("attribution.attention")]
    m = np.array([0.1, 0.2])
    ex = {"scores": np.array([0.5, -0.2]), "tokens": ["a", "b"], "attention": np.array([0.4, 0.6]),
          "rollout": np.array([0.5, 0.5])}
    r = plot_attribution_vs_attention([ex], tau_mean=m, tau_low=m - 0.1, tau_high=m + 0.1, tau_labels=["1", "r"],
                                      n_texts=7, lang=lang)
    assert r.ax_.get_title() == tr("attribution.tau_title").format(n=7)
    assert r.ax_.get_xlabel() == tr("layer_axis") and r.ax_.get_ylabel() == tr("attribution.tau")


def test_head_stats_texts_follow_the_language():
    from vizlab.activations import Activations
    from vizlab.analysis.attention import head_stats
    from vizlab.plot.attention_stats import plot_head_stats

    a = np.random.default_rng(1).dirichlet(np.ones(4), size=(2, 2, 4))
    acts = Activations("x", ["[CLS]", "a", "b", "[SEP]"], np.arange(4), None, a, np.array([1, 0, 0, 1], bool),
                       attention_layers=(0, 1))
    st = head_stats(acts)
    for lang in LANGS:
        tr = Lang(lang)
        res = plot_head_stats(st, metrics=("entropy", "cls"), lang=lang)
        assert res.axes_["entropy"].get_title() == tr("entropy_nats")
        assert res.axes_["cls"].get_title() == tr("share_cls")
        assert res.artists_["colorbars"]["cls"].ax.get_ylabel() == tr("attention_share")
        assert res.axes_["labels"].get_title() == tr("head_pattern")
        assert (res.axes_["cls"].get_xlabel(), res.axes_["cls"].get_ylabel()) == (tr("head"), tr("layer"))
        legend = [t.get_text() for t in res.axes_["labels"].get_legend().get_texts()]
        assert set(legend) <= {tr(f"pattern.{p}") for p in ("[CLS]", "[SEP]", "punct", "prev", "self", "next",
                                                            "block", "broad", "mixed")}


def test_an_unknown_text_name_is_an_error_not_ignored():
    from vizlab.i18n import Lang

    assert Lang("pt").texts("training", override={"eval": "reservados"})["eval"] == "reservados"
    with pytest.raises(ValueError, match=r"unknown text name\(s\) \['evall'\].*'eval'"):
        Lang("pt").texts("training", override={"evall": "reservados"})

"""A drawing writes the study's facts (how many tweets, which topic, how many classes, what the model
predicted) from the figure's source data, never from numbers written into the drawing.

Each case redraws a committed figure from its ``figures/<id>.data.json`` with those facts changed and
looks for the changed facts in what was drawn.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.text
import pytest

from vizlab.drawings import DrawContext, registered_drawings
from vizlab.sourcedata import SourceData, load_source_data

FIGURES = Path(__file__).resolve().parents[1] / "figures"


def _sentiment_map(src, results):
    n = 1200
    for key in ("labels", "topics", "texts"):
        src[key] = src[key][:n]
    for m in src["maps"].values():
        m["coords"] = m["coords"][:n]
        m["settings"]["n_features"] = 100
    src["k"] = 7
    results["chance_same_label"] = 0.5


def _logit_lens(src, results):
    src["final_word"], src["path"] = " Norte", [" Sul", " Norte", " southwest"]
    src["tokens"] = [*src["tokens"][:-1], "▁de"]


def _set(**facts):
    return lambda src, results: src.update(facts)


CASES = {  # figure id: (change the facts, language, texts the drawing must show)
    "embeddings_sentiment_map": (_sentiment_map, "pt", ["Embeddings de 1.200 tweets", "7 vizinhos mais próximos",
                                                        "espaço de 100 dimensões", "acaso 50,0 %"]),
    "embeddings_similarity": (_set(n_paraphrase_pairs=5), "pt", ["paráfrases\n(5 pares)"]),
    "finetune_embedding_shift": (_set(n_train=1000, within_topic="apple", within_n=179), "pt",
                                 ["os 179 tweets de Apple", "treinada nos 1.000 tweets de treino"]),
    "finetune_probe_layers": (_set(n_train=1000, n_eval=500, n_classes=2), "pt",
                              ["(treino: 1.000; teste: 500)", "acurácia nos 500 reservados", "acaso (1/2)"]),
    "transfer_layer_probes": (_set(within_topic="apple", n_classes=2), "pt",
                              ["Só Apple (", "acaso (1/2)"]),
    "transfer_data_efficiency": (_set(within_topic="self_driving", n_classes=2, test_size=1500), "en",
                                 ["Self-driving cars only (test: 300 tweets)", "(test: 1,500 tweets)", "chance (1/2)"]),
    "pretraining_logit_lens": (_logit_lens, "pt", ["como a previsão “Norte” se forma",
                                                   "o caminho Sul → Norte → southwest", "Última posição (“de”)"]),
}


@pytest.mark.parametrize("fid", sorted(CASES))
def test_a_drawing_takes_the_facts_of_its_study_from_the_source_data(fid):
    change, lang, expected = CASES[fid]
    committed = load_source_data(FIGURES / f"{fid}.data.json")
    data, results = dict(committed), dict(committed.results)
    change(data, results)
    ctx = DrawContext(lang)
    fig = registered_drawings()[fid].draw(SourceData(data, results, figure=fid), ctx)
    drawn = "\n".join([t.get_text() for t in fig.findobj(matplotlib.text.Text)] + list(ctx.attachments.values()))
    missing = [text for text in expected if text not in drawn]
    assert not missing, f"{fid}: not drawn: {missing}"

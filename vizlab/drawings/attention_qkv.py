"""Drawing of the conceptual query/key/value diagram (section 'attention'), from
:func:`vizlab.studies.attention_qkv.qkv_diagram` data."""

from __future__ import annotations

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.numbering import layer_head_label
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_tokens

__all__ = ["draw_qkv_diagram"]


def draw_qkv_diagram(src, *, lang: str = "pt", fig=None):
    """The conceptual query/key/value diagram with MiniLM's measured shapes and one query's row, from
    :func:`vizlab.studies.attention_qkv.qkv_diagram` data. Returns a :class:`vizlab.plot.qkv.QKVDiagram`."""
    from vizlab.plot.qkv import plot_qkv_diagram
    from vizlab.plot.style import report_style

    tr = Lang(lang)
    tokens = display_tokens(src["tokens"])
    q = int(src["query"])
    name = layer_head_label(src["layer"], src["head"], lang=lang)
    d = int(src["head_dim"])
    text = {
        "tokens": tr.t("tokens", "tokens"),
        "x": tr.t("X: um vetor\npor token", "X: one vector\nper token"),
        "proj": tr.t("(por cabeça)", "(per head)"),
        "q": tr.t("Q consultas", "Q queries"), "k": tr.t("K chaves", "K keys"), "v": tr.t("V valores", "V values"),
        "scores": f"Q·Kᵀ/√{d}\n" + tr.t("escores", "scores"),
        "softmax": tr.t("softmax de cada linha\nA: pesos (somam 1)", "softmax of each row\nA: weights (sum to 1)"),
        "sum": tr.t("Z = A·V\nsoma ponderada", "Z = A·V\nweighted sum"),
        "concat": tr.t("as {n} cabeças\nlado a lado", "the {n} heads\nside by side"),
        "output": tr.t("saída da atenção", "attention output"),
        "row_scores": tr.t("escore", "score"), "row_weights": tr.t("peso", "weight"),
        "row_title": tr.t(f"a linha de “{tokens[q]}” com os números reais do MiniLM ({name}): "
                          "escores → softmax → pesos",
                          f"the row of “{tokens[q]}” with MiniLM's real numbers ({name}): scores → softmax → weights"),
    }
    with report_style():
        return plot_qkv_diagram(src["shapes"], tokens=tokens, query=q, scores_row=src["scores_row"],
                                weights_row=src["weights_row"], n_heads=int(src["n_heads"]), text=text,
                                fmt=lambda x, k: tr.num(x, k), fig=fig)


@drawing("attention_qkv_diagram", section="attention")
def _qkv_diagram(src: SourceData, ctx: DrawContext):
    return draw_qkv_diagram(src, lang=ctx.lang).figure_

"""Report figures of the 'pretraining' section: next-word prediction, fill-in-the-blank, the logit lens.

The recipes :func:`next_words` / :func:`topk_figure` are public: the ``vizlab predict`` command
draws its bars with them, the same way the report figure does.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.lens import top_k_rows
from vizlab.analysis.softmax import softmax
from vizlab.figures.registry import FigureContext, register
from vizlab.i18n import Lang
from vizlab.numbering import hidden_label
from vizlab.palette import CATEGORICAL
from vizlab.plot.lens import plot_lens_paths, plot_logit_lens
from vizlab.plot.prediction import plot_blank_scores, plot_topk_bars
from vizlab.plot.style import report_style
from vizlab.tokens import display_tokens

__all__ = ["NextWord", "next_words", "topk_figure", "display_ids"]

DECODER = "gemma-270m"

# The report's own example first ("O gato está em cima do" -> "teclado" in the draft).
NEXT_WORD_PROMPTS = [
    ("O gato está em cima do", " teclado"),
    ("O Brasil é um país da América do", " Sul"),
    ("Ontem choveu muito, então levei meu", " guarda"),
    ("Eu gosto de tomar café com", " leite"),
]
TOP_K = 8


def display_ids(lm, ids) -> list[str]:
    """How token ids are shown to a reader: decoded one by one, then :func:`vizlab.tokens.display_tokens`."""
    return display_tokens([lm.decode([i]) for i in ids], scheme="plain")


def _first_id(lm, text: str) -> int:
    return lm.token_ids(text, special=False)[0]


@dataclass(frozen=True)
class NextWord:
    """The top-k next tokens after one prompt (display texts), and where an expected token ranks.

    ``probs`` has shape (k,); ``expected_rank`` counts from 1 over the whole vocabulary.
    """

    prompt: str
    tokens: list
    probs: np.ndarray
    temperature: float = 1.0
    expected: str | None = None
    expected_prob: float | None = None
    expected_rank: int | None = None


def next_words(lm, prompts, *, k: int = TOP_K, temperature: float = 1.0, expected=None) -> list[NextWord]:
    """What a decoder predicts after each prompt: its ``k`` most probable next tokens.

    Parameters
    ----------
    lm : LoadedModel
        A decoder.
    prompts : list of str
    k : int
    temperature : float
        Softmax temperature.
    expected : list of (str or None), optional
        A continuation per prompt (e.g. ``" teclado"``) whose probability and rank (from 1, over
        the whole vocabulary; its first token) are recorded.
    """
    from vizlab.extraction.lm import next_token_logits

    if temperature <= 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    P = softmax(next_token_logits(lm, list(prompts)), temperature=temperature, axis=-1)
    ids, probs = top_k_rows(P, min(k, P.shape[-1]))
    expected = list(expected) if expected is not None else [None] * len(P)
    out = []
    for i, prompt in enumerate(prompts):
        e = expected[i]
        kw = {}
        if e is not None:
            tok = _first_id(lm, e)
            kw = {"expected": display_tokens([e], scheme="plain")[0], "expected_prob": float(P[i, tok]),
                  "expected_rank": int((P[i] > P[i, tok]).sum()) + 1}
        out.append(NextWord(prompt, display_ids(lm, ids[i]), probs[i], temperature, **kw))
    return out


def topk_figure(preds, *, tr: Lang, title: str | None = None, model_name: str | None = None, ncols: int = 2):
    """One bar panel per :class:`NextWord`: top-k bars, the expected word highlighted, and below a
    dotted line its rank when it is not among the k. Returns the Figure."""
    preds = list(preds)
    n = len(preds)
    cols = min(ncols, n)
    rows = -(-n // cols)
    k = max(len(p.tokens) for p in preds)
    with report_style():
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, (0.33 * (k + 1) + 1.3) * rows), squeeze=False)
        for ax, p in zip(axes.flat, preds):
            extra = None
            if p.expected is not None and p.expected not in p.tokens:
                extra = (p.expected, p.expected_prob,
                         tr.t(f"(posição {tr.int(p.expected_rank)})", f"(rank {tr.int(p.expected_rank)})"))
            name = f"{model_name}, " if model_name and n == 1 else ""
            temp = f"T = {tr.num(p.temperature, 1)}" if p.temperature != 1 else ""
            sub = f" ({name}{temp})".replace(", )", ")") if (name or temp) else ""
            plot_topk_bars(p.probs, labels=p.tokens, ax=ax, highlight=p.expected, extra=extra,
                           title=f"“{p.prompt} …”{sub}", lang=tr.code)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        if any(p.expected is not None for p in preds):
            fig.subplots_adjust(bottom=0.1 if rows > 1 else 0.2)
            fig.text(0.5, 0.01, tr.t("Em destaque (laranja-escuro): a palavra que uma pessoa esperaria. Abaixo da linha "
                                     "pontilhada, quando ela não está entre as primeiras: sua probabilidade e sua "
                                     "posição no vocabulário inteiro.",
                                     "Highlighted (dark orange): the word a person would expect. Below the dotted line, "
                                     "when it is not among the first: its probability and its rank in the whole "
                                     "vocabulary."), ha="center", va="bottom", fontsize=9, wrap=True)
    return fig


@register("pretraining_next_word", section="pretraining",
    inputs={"models": [DECODER], "data": "4 Portuguese prompts", "n": 4, "seed": None, "k": TOP_K},
)
def pretraining_next_word(ctx: FigureContext):
    lm = ctx.model(DECODER)
    preds = next_words(lm, [p for p, _ in NEXT_WORD_PROMPTS], k=TOP_K, expected=[e for _, e in NEXT_WORD_PROMPTS])
    for i, (p, (_, expected)) in enumerate(zip(preds, NEXT_WORD_PROMPTS)):
        key = expected.strip().lower()
        ctx.record(f"p_{key}", float(f"{p.expected_prob:.3g}"))
        ctx.record(f"rank_{key}", p.expected_rank)
        ctx.record(f"top1_{i}", [p.tokens[0], round(float(p.probs[0]), 3)])
    return topk_figure(preds, tr=ctx.tr, title=ctx.t("Gemma-3-270m: as 8 próximas palavras mais prováveis",
                                                     "Gemma-3-270m: the 8 most probable next words"))


BLANKS = [
    ("Fui ao ___ para sacar dinheiro.", "banco"),
    ("O gato dormiu em cima do ___ do computador.", "teclado"),
]


@register("pretraining_masked_word", section="pretraining",
    inputs={"models": [DECODER], "data": "2 Portuguese sentences with a blank", "n": 2, "seed": None,
            "method": "decoder rescoring of next-word candidates"},
)
def pretraining_masked_word(ctx: FigureContext):
    from vizlab.extraction.lm import fill_blank

    tr = ctx.tr
    lm = ctx.model(DECODER)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2))
    for i, (ax, (template, expected)) in enumerate(zip(axes, BLANKS)):
        proposed = fill_blank(lm, template, k=6).candidates
        added = expected not in proposed
        cands = proposed + ([expected] if added else [])
        fb = fill_blank(lm, template, candidates=cands)
        names = [c + ("*" if added and c == expected else "") for c in fb.candidates]
        plot_blank_scores(fb.left_probs, fb.probs, candidates=names, ax=ax, lang=tr.code,
                          marked={expected, expected + "*"}, title=f"“{template}”",
                          legend_kws={"loc": "upper center", "bbox_to_anchor": (0.5, -0.17), "ncol": 2,
                                      "frameon": False})
        if added:
            prefix = template.split("___")[0].rstrip()
            (nw,) = next_words(lm, [prefix], k=1, expected=[" " + expected])
            ctx.record(f"blank{i}_rank_{expected}_next_word", nw.expected_rank)
            ax.text(0.5, -0.3, tr.t(f"* acrescentada aos candidatos: como próxima palavra depois de\n"
                                    f"“{prefix}” ela fica na posição {tr.int(nw.expected_rank)} do vocabulário",
                                    f"* added to the candidates: as the next word after\n"
                                    f"“{prefix}” it is at rank {tr.int(nw.expected_rank)} in the vocabulary"),
                    transform=ax.transAxes, ha="center", va="top", fontsize=8.5, color="0.2")
        best = fb.candidates[int(np.argmax(fb.probs))]
        ctx.record(f"blank{i}_best_whole_sentence", best)
        ctx.record(f"blank{i}_best_left_only", fb.candidates[int(np.argmax(fb.left_probs))])
        ctx.record(f"blank{i}_p_{expected}", round(float(fb.probs[fb.candidates.index(expected)]), 3))
    fig.suptitle(tr.t("Preencher a lacuna: o contexto à direita muda a resposta (Gemma-3-270m)",
                      "Fill in the blank: the right-hand context changes the answer (Gemma-3-270m)"))
    fig.tight_layout()
    return fig


LENS_PROMPT = "O Brasil é um país da América do"
# The path the last position takes across layers (found in the lens's top tokens; checked when drawn).
LENS_PATH = (" southwest", " Norte", " Sul")


@register("pretraining_logit_lens", section="pretraining",
    inputs={"models": [DECODER], "data": "1 Portuguese prompt", "n": 1, "seed": None},
)
def pretraining_logit_lens(ctx: FigureContext):
    from vizlab.extraction.lm import lens_logits, logit_lens

    tr = ctx.tr
    lm = ctx.model(DECODER)
    L = logit_lens(lm, LENS_PROMPT, k=3)
    keep = slice(1, None)  # drop <bos>: nothing to read there
    top_ids = L.top_ids[:, keep, 0]
    n_rows, n_pos = top_ids.shape
    shown = np.array([display_ids(lm, row) for row in top_ids], dtype=object)
    rows = [hidden_label(i, lang=tr.code) for i in L.layers]
    # the path at the last position: probability of each path token at every layer
    _, logits, _ = lens_logits(lm, LENS_PROMPT)
    P_last = softmax(logits[:, -1], axis=-1)
    path_ids = [_first_id(lm, w) for w in LENS_PATH]
    path_p = P_last[:, path_ids].T  # (3, n_layers + 1)
    outline = np.zeros((n_rows, n_pos), bool)
    outline[:, -1] = np.isin(top_ids[:, -1], path_ids)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 8.4), gridspec_kw={"width_ratios": [3.3, 1], "wspace": 0.3})
    plot_logit_lens(L.final_prob[:, keep], top_tokens=shown, input_tokens=display_tokens(L.tokens)[keep],
                    row_labels=rows, ax=ax, bold=top_ids == L.final_ids[keep][None, :], outline=outline,
                    lang=tr.code,
                    cbar_label=tr.t("probabilidade da previsão final do modelo (última linha)",
                                    "probability of the model's final prediction (last row)"),
                    max_chars=10, annot_kws={"fontsize": 7})
    ax.set_title(tr.t("Texto: token mais provável da lente; negrito: já é a previsão final;\n"
                      "moldura: o caminho southwest → Norte → Sul na última posição",
                      "Text: the lens's most probable token; bold: already the final prediction;\n"
                      "frame: the path southwest → Norte → Sul at the last position"), fontsize=9.5)
    labels = display_tokens(list(LENS_PATH), scheme="plain")
    plot_lens_paths(path_p, labels=labels, row_labels=rows, ax=ax2, lang=tr.code,
                    colors=[CATEGORICAL[4], CATEGORICAL[5], CATEGORICAL[2]],
                    ylabel="",
                    title=tr.t("Última posição (“do”):\nprobabilidade de cada token",
                               "Last position (“do”):\nprobability of each token"))
    fig.suptitle(tr.t("Lente de logits (Gemma-3-270m): como a previsão “Sul” se forma ao longo das camadas",
                      "Logit lens (Gemma-3-270m): how the prediction “Sul” forms across layers"), y=0.98)
    final = L.final_prob[:, -1]
    ctx.record("final_token", display_ids(lm, [L.final_ids[-1]])[0])
    ctx.record("final_prob", round(float(final[-1]), 3))
    ctx.record("first_layer_top1_final", int(np.argmax(L.top_ids[:, -1, 0] == L.final_ids[-1])))
    ctx.record("first_layer_p_over_half", int(np.argmax(final > 0.5)) if (final > 0.5).any() else None)
    for w, pid, p in zip(LENS_PATH, path_ids, path_p):
        key = w.strip().lower()
        ctx.record(f"path_{key}_top1_layers", [int(i) for i in np.flatnonzero(top_ids[:, -1] == pid)])
        ctx.record(f"path_{key}_max_prob", round(float(p.max()), 3))
        ctx.record(f"path_{key}_max_layer", int(p.argmax()))
    return fig

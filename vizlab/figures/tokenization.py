"""Report figures of the 'tokenization' section: subword tokens and ids; padding and masks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.words import word_spans
from vizlab.figures.registry import FigureContext, register
from vizlab.plot.tokenization import plot_mask, plot_padded_batch, plot_token_strip
from vizlab.tokens import display_tokens

# Portuguese on purpose: MiniLM's WordPiece vocabulary is English, Gemma's is multilingual.
SUBWORD_SENTENCE = "Os pesquisadores descobriram inesperadamente um tratamento promissor."
SUBWORD_SENTENCE_EN = "The researchers unexpectedly discovered a promising treatment."
PAIR = ("Is the cat asleep?", "Yes, on the keyboard.")
PADDING_SENTENCES = [
    "Adorei o filme!",
    "O atendimento foi péssimo.",
    "Amanhã vai chover muito em São Paulo, segundo a previsão do tempo.",
]
PADDING_MAX_LENGTH = 12


def encode(lm, texts, *, max_length=None, segments=False):
    """Tokens, ids, attention and special-token masks of a right-padded batch (numpy).

    With ``segments=True`` the ``token_type_ids`` (sentence A = 0, B = 1) come fifth.
    """
    from vizlab.extraction.batching import tokenize_batch

    enc = tokenize_batch(lm, list(texts), max_length=max_length)
    ids = enc["input_ids"].numpy()
    tokens = [lm.tokens(row) for row in ids]
    out = (tokens, ids, enc["attention_mask"].numpy(), enc["special_tokens_mask"].numpy().astype(bool))
    return (*out, enc["token_type_ids"].numpy()) if segments else out


def _word_index(tokens, special):
    spans = word_spans(tokens, special)
    return np.repeat(np.arange(spans.n_words), spans.pieces), spans


@register("tokenization_subwords", section="tokenization",
    inputs={"models": ["minilm", "gemma-270m"], "data": "one hand-picked sentence (pt) + its translation + a pair", "n": 3, "seed": None},
)
def tokenization_subwords(ctx: FigureContext):
    rows = [
        ("minilm", SUBWORD_SENTENCE, ctx.t("all-MiniLM-L6-v2 (WordPiece, vocabulário inglês) — frase em português",
                                           "all-MiniLM-L6-v2 (WordPiece, English vocabulary) — Portuguese sentence")),
        ("gemma-270m", SUBWORD_SENTENCE, ctx.t("Gemma-3-270m (SentencePiece multilíngue) — frase em português",
                                               "Gemma-3-270m (multilingual SentencePiece) — Portuguese sentence")),
        ("minilm", SUBWORD_SENTENCE_EN, ctx.t("all-MiniLM-L6-v2 — a mesma frase em inglês",
                                              "all-MiniLM-L6-v2 — the same sentence in English")),
    ]
    pair_title = ctx.t("all-MiniLM-L6-v2 — par de frases [CLS] A [SEP] B [SEP] (borda azul: segmento 0, "
                       "vermelho-alaranjada: 1)",
                       "all-MiniLM-L6-v2 — sentence pair [CLS] A [SEP] B [SEP] (blue outline: segment 0, "
                       "vermillion: 1)")
    fig, axes = plt.subplots(len(rows) + 1, 1, figsize=(12, 6.0), gridspec_kw={"hspace": 0.3})
    for ax, (name, text, title) in zip(axes, rows):
        tokens, ids, _, special = encode(ctx.model(name), [text])
        tokens, ids, special = tokens[0], ids[0], special[0]
        widx, spans = _word_index(tokens, special)
        content = ~spans.special
        plot_token_strip(display_tokens(tokens), ids=ids, special_mask=special, word_index=widx, ax=ax,
                         max_width=72, title=f"{title}: {len(tokens)} tokens")
        lang = "en" if text == SUBWORD_SENTENCE_EN else "pt"
        key = f"{name.replace('-', '_')}_{lang}"
        ctx.record(f"{key}_n_tokens", len(tokens))
        ctx.record(f"{key}_tokens_per_word", round(float(spans.pieces[content].mean()), 2))
    tokens, ids, _, special, segments = encode(ctx.model("minilm"), [PAIR], segments=True)
    widx, _ = _word_index(tokens[0], special[0])
    plot_token_strip(display_tokens(tokens[0]), ids=ids[0], special_mask=special[0], word_index=widx,
                     segments=segments[0],
                     ax=axes[-1], max_width=72, title=f"{pair_title}: {len(tokens[0])} tokens")
    ctx.record("pair_token_type_ids", segments[0].tolist())
    # give each strip the height its wrapped lines need (the boxes keep their aspect)
    spans_y = [np.ptp(ax.get_ylim()) for ax in axes]
    axes[0].get_gridspec().set_height_ratios(spans_y)
    fig.set_size_inches(12, 0.25 * sum(spans_y) + 1.4)
    fig.suptitle(ctx.t(f"“{SUBWORD_SENTENCE}” → tokens → ids   (␣ = início de palavra)",
                       f"“{SUBWORD_SENTENCE}” → tokens → ids   (␣ = word start)"), y=0.98, fontsize=11)
    return fig


@register("tokenization_padding_mask", section="tokenization",
    inputs={"models": ["minilm", "gemma-270m"], "data": "three hand-picked sentences (pt)",
            "n": 3, "seed": None, "max_length": PADDING_MAX_LENGTH},
)
def tokenization_padding_mask(ctx: FigureContext):
    lm = ctx.model("minilm")
    tokens, ids, mask, special = encode(lm, PADDING_SENTENCES, max_length=PADDING_MAX_LENGTH)
    full = [lm.count_tokens(t) for t in PADDING_SENTENCES]
    truncated = [n > PADDING_MAX_LENGTH for n in full]
    g_tokens, _, g_mask, _ = encode(ctx.model("gemma-270m"), PADDING_SENTENCES, max_length=PADDING_MAX_LENGTH)
    fig = plt.figure(figsize=(13, 12))
    gs = fig.add_gridspec(3, 2, height_ratios=[0.3, 1.15, 2.6], hspace=0.3, wspace=0.3)
    ax_text = fig.add_subplot(gs[0, :])
    ax_text.set_axis_off()
    sentence = ctx.tr("sentence")
    lines = []
    for i, (text, n_full, cut) in enumerate(zip(PADDING_SENTENCES, full, truncated)):
        what = (ctx.t(f"{n_full} tokens → cortada em {PADDING_MAX_LENGTH} ✂", f"{n_full} tokens → cut at "
                      f"{PADDING_MAX_LENGTH} ✂") if cut else
                ctx.t(f"{n_full} tokens + {PADDING_MAX_LENGTH - n_full} [PAD]",
                      f"{n_full} tokens + {PADDING_MAX_LENGTH - n_full} [PAD]") if n_full < PADDING_MAX_LENGTH else
                ctx.t(f"{n_full} tokens, sem [PAD]", f"{n_full} tokens, no [PAD]"))
        lines.append(f"{sentence} {i + 1}:  “{text}”   ({what})")
    ax_text.text(0.0, 1.0, "\n".join(lines), ha="left", va="top", fontsize=10.5, linespacing=1.7,
                 transform=ax_text.transAxes)
    ax_text.set_title(ctx.t("As frases do lote", "The sentences of the batch"), loc="left", fontsize=11)
    top = gs[1, :].subgridspec(1, 2, width_ratios=[3.4, 1.3], wspace=0.12)
    ax_batch, ax_mask = fig.add_subplot(top[0]), fig.add_subplot(top[1])
    rows = [f"{sentence} {i + 1}" for i in range(len(ids))]
    plot_padded_batch(ids, mask, tokens=[display_tokens(t) for t in tokens], special_mask=special,
                      truncated=truncated, row_labels=rows, ax=ax_batch, annot_kws={"color": "0.1"})
    ax_batch.set_title(ctx.t(f"input_ids: o lote como matriz {ids.shape[0]} × {ids.shape[1]} de ids, token embaixo\n"
                             "(azul = token da frase, laranja = especial, cinza = [PAD])",
                             f"input_ids: the batch as a {ids.shape[0]} × {ids.shape[1]} matrix of ids, token below\n"
                             "(blue = sentence token, orange = special, grey = [PAD])"), fontsize=10.5)
    ax_batch.set_xlabel(ctx.tr("position"))
    n = mask.shape[1]
    plot_mask(mask, row_labels=rows, col_labels=[str(j) for j in range(n)], ax=ax_mask,
              xlabel=ctx.tr("position"))
    ax_mask.set_title("attention_mask", fontsize=10.5)
    row = int(np.argmin(mask.sum(1)))
    bidir = np.broadcast_to(mask[row][None, :], (n, n))
    ax_enc = fig.add_subplot(gs[2, 0])
    shown = display_tokens(tokens[row])
    plot_mask(bidir, row_labels=shown, col_labels=shown, ax=ax_enc, xlabel=ctx.tr("key"), ylabel=ctx.tr("query"))
    ax_enc.set_title(ctx.t(f"encoder (MiniLM), {sentence} {row + 1}: bidirecional",
                           f"encoder (MiniLM), {sentence} {row + 1}: bidirectional"))
    g_row = int(np.argmin(g_mask.sum(1)))
    gn = g_mask.shape[1]
    causal = np.tril(np.ones((gn, gn), int)) * g_mask[g_row][None, :]
    ax_dec = fig.add_subplot(gs[2, 1])
    g_shown = display_tokens(g_tokens[g_row])
    plot_mask(causal, row_labels=g_shown, col_labels=g_shown, ax=ax_dec, xlabel=ctx.tr("key"),
              ylabel=ctx.tr("query"))
    ax_dec.set_title(ctx.t(f"decoder (Gemma), {sentence} {g_row + 1}: causal",
                           f"decoder (Gemma), {sentence} {g_row + 1}: causal"))
    ctx.record("batch_shape", list(ids.shape))
    ctx.record("real_tokens_per_sentence", mask.sum(1).tolist())
    ctx.record("untruncated_lengths", full)
    ctx.record("input_ids", ids.tolist())
    return fig

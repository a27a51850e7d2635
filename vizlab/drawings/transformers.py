"""Drawings of the 'transformers' section: the architecture with real shapes; softmax and temperature."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt

from vizlab.drawings import DrawContext, drawing
from vizlab.plot.architecture import Stage, plot_block_diagram
from vizlab.plot.softmax import plot_softmax_temperature
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_tokens


def _shape(t) -> str:
    return "(" + " × ".join(str(x) for x in t) + ")"


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


N_CLASSES = 3  # the sentiment classes of the fine-tuning section (negative, neutral, positive)


def architecture_stages(s, t) -> tuple[list[Stage], tuple[int, int, str], list]:
    """Boxes of the diagram from an :class:`ArchitectureSummary`; ``t(pt, en)`` picks the language.

    Returns the stack of stages, the repeated block ``(first, last, label)`` and the heads drawn side
    by side on top: for an encoder, the sequence classifier as transformers builds it ([CLS] vector
    -> pooler -> linear) and the mean pooling that gives sentence embeddings; for a decoder, none
    (its LM head is the last stage).
    """
    sh = s.shapes
    b, n = sh["input_ids"]
    dims = t("lote × sequência × oculto", "batch × sequence × hidden")
    if s.positions == "rotary":
        emb = t(f"tokens {_fmt(s.vocab)} × {s.hidden} (posição: RoPE na atenção)",
                f"tokens {_fmt(s.vocab)} × {s.hidden} (positions: RoPE inside attention)")
    else:
        emb = t(f"tokens {_fmt(s.vocab)} + posições {s.max_positions} (+ segmento) × {s.hidden}",
                f"tokens {_fmt(s.vocab)} + positions {s.max_positions} (+ segment) × {s.hidden}")
    norm = "RMSNorm" if "rms" in s.norm.lower() else s.norm
    kv = (t(f"{s.n_heads} cabeças Q, {s.n_kv_heads} K/V × {s.head_dim} dims",
            f"{s.n_heads} Q heads, {s.n_kv_heads} K/V × {s.head_dim} dims")
          if s.n_kv_heads != s.n_heads else t(f"{s.n_heads} cabeças × {s.head_dim} dims",
                                             f"{s.n_heads} heads × {s.head_dim} dims"))
    extra = []
    if s.qk_norm:
        extra.append("q/k norm")
    if s.positions == "rotary":
        extra.append("RoPE")
    if s.kind == "decoder":
        extra.append("causal")
    attn_detail = kv + (", " + ", ".join(extra) if extra else "")
    q = sh["q"]
    attn_shape = f"Q {_shape(q)}  →  {t('pesos', 'weights')} {_shape(sh['attention'])}"
    ffn = f"{s.hidden} → {s.intermediate} → {s.hidden} ({s.activation})"
    ffn_shape = f"{t('interno', 'inner')} {_shape(sh['ffn'])}"
    stages = [
        Stage(t("texto → tokenizador", "text → tokenizer"), t(f"{b} frases, padding até {n} tokens",
              f"{b} sentences, padded to {n} tokens"), f"input_ids {_shape(sh['input_ids'])}", "io"),
        Stage("embeddings", emb, f"{_shape(sh['embeddings'])}  {dims}", "embed"),
    ]
    first = len(stages)
    if s.kind == "decoder":  # pre-norm block (Gemma: norms before and after each sub-layer)
        stages += [
            Stage(t(f"{norm} → self-attention multi-cabeça", f"{norm} → multi-head self-attention"),
                  attn_detail, attn_shape, "attn"),
            Stage(t(f"{norm} + soma residual", f"{norm} + residual add"), "", _shape(sh["block"]), "add"),
            Stage(t(f"{norm} → feed-forward com porta", f"{norm} → gated feed-forward"), ffn, ffn_shape, "ffn"),
            Stage(t(f"{norm} + soma residual", f"{norm} + residual add"), "", _shape(sh["block"]), "add"),
        ]
    else:  # post-norm BERT block
        stages += [
            Stage(t("self-attention multi-cabeça (bidirecional)", "multi-head self-attention (bidirectional)"),
                  attn_detail, attn_shape, "attn"),
            Stage(t(f"soma residual + {norm}", f"residual add + {norm}"), "", _shape(sh["block"]), "add"),
            Stage("feed-forward", ffn, ffn_shape, "ffn"),
            Stage(t(f"soma residual + {norm}", f"residual add + {norm}"), "", _shape(sh["block"]), "add"),
        ]
    last = len(stages) - 1
    branches = []
    if s.kind == "decoder":
        stages.append(Stage(t("cabeça de LM: norm final → projeção no vocabulário",
                              "LM head: final norm → projection onto the vocabulary"),
                            t(f"{s.hidden} → {_fmt(s.vocab)} logits por posição", f"{s.hidden} → "
                              f"{_fmt(s.vocab)} logits per position"), f"logits {_shape(sh['output'])}", "head"))
    else:
        stages.append(Stage(t("saída do encoder: um vetor por token", "encoder output: one vector per token"),
                            "", _shape(sh["output"]), "io"))
        branches = [
            (t("classificador (ajuste fino)", "classifier (fine-tuning)"), [
                Stage(t("vetor do [CLS] (posição 0)", "[CLS] vector (position 0)"), "", _shape((b, s.hidden)),
                      "head"),
                Stage("pooler", t(f"densa {s.hidden} → {s.hidden} + tanh", f"dense {s.hidden} → {s.hidden} + tanh"),
                      _shape((b, s.hidden)), "head"),
                Stage(t(f"linear → {N_CLASSES} classes", f"linear → {N_CLASSES} classes"),
                      t("logits neg. / neutro / pos.", "logits neg. / neutral / pos."), _shape((b, N_CLASSES)), "head"),
            ]),
            (t("embedding da frase", "sentence embedding"), [
                Stage(t("média dos tokens", "mean over tokens"),
                      t("mean pooling, sem o [PAD]", "mean pooling, [PAD] left out"), _shape((b, s.hidden)),
                      "head2"),
            ]),
        ]
    return stages, (first, last, t(f"× {s.n_layers} blocos", f"× {s.n_layers} blocks")), branches


@drawing("transformers_architecture", section="transformers")
def _architecture(src: SourceData, ctx: DrawContext):
    fig, axes = plt.subplots(1, 2, figsize=(13, 9.6), gridspec_kw={"wspace": 0.06})
    for ax, key, title in ((axes[0], "minilm", ctx.t("Encoder: all-MiniLM-L6-v2", "Encoder: all-MiniLM-L6-v2")),
                           (axes[1], "gemma_270m", ctx.t("Decoder: Gemma-3-270m", "Decoder: Gemma-3-270m"))):
        s = SimpleNamespace(**src[key])
        stages, repeat, branches = architecture_stages(s, ctx.t)
        plot_block_diagram(stages, repeat=repeat, branches=branches, ax=ax, box_width=7.6, fontsize=9.5,
                           title=f"{title}\n{_fmt(s.n_params)} {ctx.t('parâmetros', 'parameters')}")
    return fig


def draw_softmax_temperature(src, *, lang: str = "pt", fig=None):
    """The logits and the softmax at each temperature of a :func:`vizlab.studies.transformers.softmax_temperature`
    result; returns the :class:`~vizlab.plot.PlotResult`."""
    from vizlab.i18n import Lang

    tr = Lang(lang)
    probs = src["probs"]
    notes = [f"top-{len(src['logits'])}: {tr.pct(m, 0)}, H = {tr.num(h, 1)} nats"
             for m, h in zip(src["top_mass"], src["entropy"])]
    prompt = src["prompt"]
    res = plot_softmax_temperature(
        src["logits"], probs, labels=display_tokens(src["tokens"]), temperatures=tuple(src["temperatures"]),
        notes=notes, fig=fig if fig is not None else plt.figure(figsize=(11, 5.4)), lang=lang,
        logit_title=f"logits (“{prompt} …”)",
    )
    res.axes_["probs"].set_xlim(0, max(0.05, float(probs.max()) * 1.15))
    return res


@drawing("transformers_softmax_temperature", section="transformers")
def _softmax_temperature(src: SourceData, ctx: DrawContext):
    return draw_softmax_temperature(src, lang=ctx.lang).figure_

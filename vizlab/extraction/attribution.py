"""Which input tokens a prediction rests on: gradient attribution with Captum.

:func:`attribute` explains one score of one text:

- a **classifier** (e.g. ``vizlab.finetune(...).model``): the logit of a class (default: the
  predicted one);
- a **decoder** (e.g. ``load_model("gemma-270m")``): the logit of a next token after the text
  (default: the most likely one).

Two methods, both on the output of the token-embedding layer (the vector each token id is
looked up to, before positions are added):

- ``"integrated_gradients"`` (Sundararajan et al., 2017; Captum ``IntegratedGradients`` on that
  layer's output, passed to the model as ``inputs_embeds``): the gradient averaged along the
  straight path from a *baseline* input to the real one, times the difference. The baseline keeps
  the special tokens (``[CLS]``, ``[SEP]``, ``<bos>``) and replaces every other token (see
  :func:`baseline_embeddings`). The scores add up to ``target_score - baseline_score``
  (completeness); ``delta`` is what is missing.
- ``"grad_x_input"``: gradient times the embedding itself (one backward pass; no
  completeness).

**Completeness is checked on every attribution.** Integrated gradients is a numerical integral, and
the straight path from the baseline can cross inputs the model never saw, where the integrand
spikes: then more Gauss-Legendre points need not shrink the gap (Captum's maintainers say so). So
:func:`attribute_encoded` (and everything built on it) starts at ``n_steps`` (50), doubles the steps
(100, 200, 400) up to ``max_steps`` (800) until ``|delta| <= 5 % of |target_score - baseline_score|``
(:data:`TOLERANCE`, plus :data:`ABS_TOLERANCE`), and otherwise returns the attribution with
``converged=False`` and an :class:`AttributionWarning` that says how far off it is. The result
carries ``n_steps`` (used), ``delta``, ``relative_delta`` and ``converged``; the command line prints
them and the figures mark a non-converged attribution with a † footnote.

**Baselines** (:data:`BASELINES`, :func:`baseline_embeddings`): the ``pad``, ``eos``, ``unk`` or
``mask`` token at every ordinary position (a real input), a ``zero`` embedding, the ``mean``
embedding of the vocabulary, or ``blur`` (the text's own mean embedding at every position).
**The default baseline** (:func:`default_baseline`), chosen on ``scripts/compare_baselines.py``
(2026-12-06, 2 shared CPU cores; completeness gap relative to the score difference, median / max
over the prompts, at 50 steps; erasure = top-k minus random-k deletion drop of the target's
log-probability, AOPC over k = 1..3):

- **a decoder: ``"mean"``**, the vocabulary's mean embedding. The padding token is the wrong start
  for today's decoders: Llama- and Qwen-style checkpoints are built with
  ``nn.Embedding(padding_idx=...)``, whose padding row starts at zero and is never trained, so "pad"
  *is* the zero baseline, and from a zero embedding the first RMSNorm output jumps from 0 to full
  size within a sliver of the path (``x / sqrt(mean(x^2) + eps)``) that Gauss-Legendre points
  miss: the issue's gaps of 71-289 %. Measured on tiny random decoders (Gemma's tokenizer, eps 1e-6),
  pad = zero gave 3.2 / 12.2 % (Qwen2) and 26 / 35 % (Gemma 3, up to 800 steps to reach 5 %), the
  mean 1.2 / 2.1 % and 1.0 / 1.0 % (Llama: 0.3 / 4.4 % vs 0.1 / 0.5 %), and the mean's erasure
  score beat pad's on all three (+0.70 vs +0.48, +0.53 vs +0.30, +0.83 vs +0.74). Token baselines
  (eos, unk, mask) converge as well on random models, but a tokenizer may lack them (Llama 3 and
  Qwen have no unk, BERT no eos) and each is a real token with its own meaning; the mean exists for
  every model. ``blur`` equals the input when a text has one ordinary token, so it explains nothing
  there. On the shipped gemma-270m (whose padding row is trained) pad converges too (0.3 / 0.6 % on
  three prompts) but its ranking is no better than random deletion (erasure -1.20 over those three;
  +1.71 on "The capital of France is", -3.04 on "O gato sentou no"), while the mean converges on the
  same three at 50 steps (0.06 / 0.03 / 0.28 %) with erasure +3.47 (+6.17, +3.66, +0.59). On
  "The capital of France is"
  (-> " the"; CPU time allowed one prompt per baseline) the mean converged at 50 steps (0.06 %)
  with by far the best erasure score (+6.17; blur +3.14 at 0.2 %, pad +1.71 at 0.06 %), while zero
  (16.6 %) and eos (23.4 %) did not converge at 50 steps (erasure +0.41, +1.43). No third-party
  Llama checkpoint is available offline, so the issue's 135M decoder itself was not measured.
- **a classifier: ``"pad"``**, ``[PAD]`` at every ordinary position with ``[CLS]``/``[SEP]`` kept,
  the standard for BERT classifiers: on the report's fine-tuned MiniLM it converges at 50 steps
  (gaps of 0.002 % and 0.012 % on two of the report's example sentences) with exactly the scores
  of the earlier ``LayerIntegratedGradients`` implementation, so the report's attribution study
  keeps its numbers wherever 50 steps were already enough.

A token's score is the sum over the hidden dimension: positive pushes the target score up,
negative pushes it down.

>>> import vizlab                                                   # doctest: +SKIP
>>> a = vizlab.attribute(clf, "the actors were brilliant")          # doctest: +SKIP
>>> a.target, a.target_score, a.delta                               # doctest: +SKIP
('positive', 3.1, 0.002)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from vizlab.extraction.batching import model_inputs, one_text
from vizlab.extraction.forward import encode
from vizlab.extraction.models import LoadedModel, check_model
from vizlab.tokens import display_token, display_tokens, token_scheme

__all__ = ["Attribution", "AttributionWarning", "METHODS", "BASELINES", "TOKEN_BASELINES", "DEFAULT_BASELINES",
           "TOLERANCE", "ABS_TOLERANCE", "MAX_STEPS", "attribute", "attribute_encoded", "baseline_embeddings",
           "default_baseline", "display_target", "is_classifier", "not_converged_message", "resolve_target"]

METHODS = ("integrated_gradients", "grad_x_input")
TOKEN_BASELINES = ("pad", "eos", "unk", "mask")
BASELINES = (*TOKEN_BASELINES, "zero", "mean", "blur")
# measured by scripts/compare_baselines.py; the reasons are in the module docstring
DEFAULT_BASELINES = {"classification": "pad", "next-token": "mean"}
TOLERANCE = 0.05  # the completeness gap accepted, as a share of |target_score - baseline_score|
ABS_TOLERANCE = 1e-4  # ... plus this much (logits), for a text whose score hardly differs from the baseline's
MAX_STEPS = 800  # the integration path is refined 50 -> 100 -> 200 -> 400 -> 800 until the gap is within TOLERANCE


class AttributionWarning(UserWarning):
    """Integrated gradients did not converge: the scores do not add up to the score difference."""


def display_target(target: str, tokens) -> str:
    """A decoder's next token as a reader sees it, in the scheme of the text's ``tokens`` (``ĠParis`` -> ``␣Paris``)."""
    return display_token(str(target), scheme=token_scheme([*map(str, tokens), str(target)]))


def default_baseline(lm: LoadedModel) -> str:
    """The baseline :func:`attribute` uses when none is given: ``"pad"`` for a classifier, ``"mean"`` for a
    decoder's next token (:data:`DEFAULT_BASELINES`; why: the module docstring)."""
    return DEFAULT_BASELINES[_task(lm)]


@dataclass(frozen=True, eq=False)
class Attribution:
    """Attribution of one score of one text to its tokens (CPU numpy).

    Attributes
    ----------
    text : str or (str, str)
    tokens : list of str
        Raw tokenizer pieces, special tokens included (see :attr:`display`).
    scores : ndarray of shape (n_tokens,)
        Attribution of each token, summed over the hidden dimension (in logit units).
    target : str
        Class name (classifier) or next token, raw piece (decoder).
    target_index : int
        Class index or token id.
    target_score : float
        The model's logit of the target for this text.
    baseline_score : float
        The same logit at the baseline input (special tokens kept, the others replaced by padding).
    delta : float
        ``scores.sum() - (target_score - baseline_score)``: the completeness gap (near 0 for
        integrated gradients with enough steps).
    method : str
        ``"integrated_gradients"`` or ``"grad_x_input"``.
    n_steps : int
        Points on the integration path (1 for ``grad_x_input``).
    task : str
        ``"classification"`` or ``"next-token"``.
    special_mask : ndarray of bool, shape (n_tokens,)
    probabilities : ndarray of shape (n_outputs,)
        Softmax of the model's output for this text (classes or vocabulary).
    model_name : str
    baseline : str
        The baseline input (one of :data:`BASELINES`).
    converged : bool or None
        Integrated gradients: whether ``|delta| <= tolerance * |target_score - baseline_score|``
        (plus :data:`ABS_TOLERANCE`) was reached within the step cap; None for ``grad_x_input``
        (no completeness to check).
    tolerance : float
        The relative completeness gap accepted (default :data:`TOLERANCE`).
    """

    text: str | tuple[str, str]
    tokens: list[str]
    scores: np.ndarray
    target: str
    target_index: int
    target_score: float
    baseline_score: float
    delta: float
    method: str
    n_steps: int
    task: str
    special_mask: np.ndarray
    probabilities: np.ndarray
    model_name: str = ""
    baseline: str = "pad"
    converged: bool | None = None
    tolerance: float = 0.05

    @property
    def display(self) -> list[str]:
        """The tokens as a reader sees them (:func:`vizlab.tokens.display_tokens`)."""
        return display_tokens(self.tokens)

    @property
    def target_display(self) -> str:
        """The target as a reader sees it: the class name, or the next token (``␣Paris``, not ``ĠParis``)."""
        if self.task == "classification":
            return self.target
        return display_target(self.target, self.tokens)

    @property
    def target_probability(self) -> float:
        return float(self.probabilities[self.target_index])

    @property
    def relative_delta(self) -> float:
        """``|delta|`` relative to ``|target_score - baseline_score|``."""
        gap = abs(self.target_score - self.baseline_score)
        return float(abs(self.delta) / gap) if gap > 0 else float("inf")

    def to_frame(self) -> pd.DataFrame:
        """One row per token: ``position, token, display, score, special``."""
        return pd.DataFrame({"position": np.arange(len(self.tokens)), "token": self.tokens,
                             "display": self.display, "score": self.scores, "special": self.special_mask})

    def __repr__(self) -> str:
        return (f"Attribution({self.method}, target={self.target_display!r}, target_score={self.target_score:.3f}, "
                f"baseline={self.baseline!r}, baseline_score={self.baseline_score:.3f}, delta={self.delta:.2g}, "
                f"n_steps={self.n_steps}, converged={self.converged}, n_tokens={len(self.tokens)})")


def is_classifier(lm: LoadedModel) -> bool:
    """Whether ``lm`` has a sequence-classification head (one logit per class)."""
    name = type(lm.model).__name__
    return name.endswith("ForSequenceClassification") or (
        lm.kind == "encoder" and (hasattr(lm.model, "classifier") or hasattr(lm.model, "score")))


def _task(lm: LoadedModel) -> str:
    check_model(lm)
    if is_classifier(lm):
        return "classification"
    if lm.kind == "decoder" and hasattr(lm.model, "get_output_embeddings") and lm.model.get_output_embeddings() is not None:
        return "next-token"
    raise ValueError(
        f"{lm.name!r} has neither a classification head nor a language-model head, so there is no score to "
        "explain: fine-tune it first (vizlab.finetune), load it with task='sequence-classification', or "
        "use a decoder such as 'gemma-270m'")


def resolve_target(lm: LoadedModel, target, *, logits: np.ndarray | None = None) -> tuple[int, str]:
    """``(index, name)`` of a target given as a class name / token, an index, or None (the top one).

    Parameters
    ----------
    target : None, int or str
        Classifier: a class name (``"positive"``) or index. Decoder: a token (a vocabulary piece
        such as ``"▁gato"``, or a text that is exactly one token, such as ``" gato"``) or a token id.
    logits : ndarray, optional
        The model's output for the text (needed for ``target=None``).
    """
    task = _task(lm)
    n_out = int(lm.model.config.num_labels) if task == "classification" else int(
        lm.model.get_output_embeddings().weight.shape[0])
    if target is None:
        if logits is None:
            raise ValueError("target=None needs the logits to pick the top output")
        idx = int(np.argmax(logits))
    elif isinstance(target, (bool, np.bool_)):
        raise TypeError(f"target must be a class/token name or an index, got {target!r}")
    elif isinstance(target, (int, np.integer)):
        idx = int(target)
        if not 0 <= idx < n_out:
            what = "classes" if task == "classification" else "tokens in the vocabulary"
            raise ValueError(f"target {idx} is out of range: the model has {n_out} {what} (0..{n_out - 1})")
    elif isinstance(target, str):
        idx = _named_target(lm, task, target)
    else:
        raise TypeError(f"target must be a class/token name, an index or None, got {type(target).__name__}")
    return idx, _target_name(lm, task, idx)


def _labels(lm: LoadedModel) -> list[str]:
    id2label = getattr(lm.model.config, "id2label", None) or {}
    return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(int(lm.model.config.num_labels))]


def _target_name(lm: LoadedModel, task: str, idx: int) -> str:
    if task == "classification":
        return _labels(lm)[idx]
    return str(lm.tokens([idx])[0])


def _named_target(lm: LoadedModel, task: str, target: str) -> int:
    if task == "classification":
        labels = _labels(lm)
        if target in labels:
            return labels.index(target)
        raise ValueError(f"unknown target class {target!r}; the classes are {labels}")
    if not target:
        raise ValueError("target is an empty string: give a token, e.g. ' gato', or a token id")
    tok = lm.tokenizer
    vocab = tok.get_vocab()
    if target in vocab:
        return int(vocab[target])
    ids = tok(target, add_special_tokens=False)["input_ids"]
    if len(ids) == 1:
        return int(ids[0])
    pieces = display_tokens(lm.tokens(ids))
    raise ValueError(f"target {target!r} is not one token but {len(ids)}: {pieces}; pick one of them "
                     "(a decoder predicts one token at a time)")


def _inputs(lm: LoadedModel, text) -> dict[str, torch.Tensor]:
    texts = one_text(text, caller="attribute")
    enc = encode(lm, texts)  # the forward-pass entry's tokenisation (truncation warning included)
    out = model_inputs(lm, enc)
    out["special_tokens_mask"] = enc["special_tokens_mask"].to(lm.device)
    return out


def _token_id(lm: LoadedModel, baseline: str) -> int:
    """The token id a token baseline puts at every ordinary position."""
    tok = lm.tokenizer
    if baseline == "pad":  # the tokenizer's padding token, else its unknown token, else id 0 (as before)
        pad = tok.pad_token_id
        if pad is None:
            pad = tok.unk_token_id if tok.unk_token_id is not None else 0
        return int(pad)
    tid = getattr(tok, f"{baseline}_token_id", None)
    if tid is None:
        have = [b for b in ("pad", "eos", "unk", "mask") if getattr(tok, f"{b}_token_id", None) is not None]
        raise ValueError(f"baseline={baseline!r}: {lm.name!r}'s tokenizer has no {baseline} token; use one it has "
                         f"({', '.join(map(repr, have)) or 'none'}) or an embedding baseline ('zero', 'mean', 'blur')")
    return int(tid)


def _baseline_ids(lm: LoadedModel, input_ids: torch.Tensor, special: torch.Tensor, baseline: str = "pad") -> torch.Tensor:
    """``input_ids`` with every ordinary (non-special) token replaced by the baseline's token."""
    return torch.where(special.bool(), input_ids, torch.full_like(input_ids, _token_id(lm, baseline)))


def _vocabulary_mean(layer: torch.nn.Module, n_vocab: int, device) -> torch.Tensor:
    """The mean of the embedding layer's output over the whole vocabulary (in chunks: Gemma has 262k)."""
    total = None
    for start in range(0, n_vocab, 16384):
        ids = torch.arange(start, min(start + 16384, n_vocab), device=device)
        part = layer(ids[None])[0].double().sum(0)
        total = part if total is None else total + part
    return (total / n_vocab).float()


def baseline_embeddings(lm: LoadedModel, input_ids: torch.Tensor, special: torch.Tensor,
                        attention_mask: torch.Tensor | None = None, baseline: str = "pad") -> torch.Tensor:
    """The baseline input of integrated gradients, as the token-embedding layer's output.

    Special tokens (``[CLS]``, ``<bos>``) keep their embedding in every baseline; each ordinary
    token's embedding becomes: the embedding of the ``pad`` / ``eos`` / ``unk`` / ``mask`` token
    (a token baseline: a real input the model could see), a vector of ``zero`` s, the ``mean`` of the
    embeddings of the whole vocabulary (the expected token under a uniform choice), or ``blur``: the
    mean of the text's own ordinary, attended tokens at every ordinary position (a blur of the text
    along its positions, as wide as the text).

    Returns
    -------
    Tensor of shape (1, n_tokens, hidden_size)
    """
    if baseline not in BASELINES:
        raise ValueError(f"unknown baseline {baseline!r}; use one of {BASELINES}")
    layer = lm.model.get_input_embeddings()
    keep = special.bool()[..., None]
    with torch.no_grad():
        emb = layer(input_ids)
        if baseline in TOKEN_BASELINES:
            return layer(_baseline_ids(lm, input_ids, special, baseline))
        if baseline == "zero":
            fill = torch.zeros_like(emb)
        elif baseline == "mean":
            fill = _vocabulary_mean(layer, int(layer.weight.shape[0]), emb.device).expand_as(emb)
        else:  # blur
            mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
            w = (mask.bool() & ~special.bool()).to(emb.dtype)[..., None]
            fill = ((emb * w).sum(1, keepdim=True) / w.sum(1, keepdim=True).clamp_min(1)).expand_as(emb)
        return torch.where(keep, emb, fill.to(emb.dtype))


def _forward(lm: LoadedModel, task: str, *, embeds: bool = False):
    """A function ids (or token embeddings) -> logits of the explained position (Captum calls it on
    expanded batches).

    Attributions need gradients, so this is the one forward pass that does not go through
    :func:`vizlab.extraction.forward.run` (which runs under ``torch.inference_mode``); the target
    and baseline scores are computed with this same function, so ``delta`` compares like with like.
    ``embeds=True``: the first argument is the output of the token-embedding layer (``inputs_embeds``;
    what the model computes from the ids, Gemma's scaling by sqrt(hidden) included).
    """

    import inspect

    keep_last = task == "next-token" and "logits_to_keep" in inspect.signature(lm.model.forward).parameters

    def fn(x, attention_mask, token_type_ids=None):
        kw = {"inputs_embeds" if embeds else "input_ids": x, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kw["token_type_ids"] = token_type_ids
        if keep_last and bool(attention_mask[:, -1].all()):
            # the explained position is the last one: the vocabulary projection of the others is not needed
            return lm.model(**kw, logits_to_keep=1).logits[:, -1].float()
        logits = lm.model(**kw).logits
        if task == "next-token":  # the next token after the last position that is not padding
            last = attention_mask.long().sum(1) - 1
            logits = logits[torch.arange(len(logits), device=logits.device), last]
        return logits.float()

    return fn


def _internal_batch(n_steps: int, n_tokens: int, n_out: int) -> int:
    """Path points per forward pass: all of them, unless the logits alone (a decoder's vocabulary at every
    position) would pass ~1 GB."""
    per_point = max(1, n_tokens * n_out * 4)
    return int(max(1, min(n_steps, (1 << 30) // per_point)))


def _converged(delta: float, difference: float, tolerance: float) -> bool:
    return abs(delta) <= tolerance * abs(difference) + ABS_TOLERANCE


def _steps(n_steps, max_steps) -> tuple[int, int]:
    for name, v in (("n_steps", n_steps), ("max_steps", max_steps)):
        if v is None and name == "max_steps":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
            raise ValueError(f"{name} must be an integer >= 2, got {v!r}")
    return int(n_steps), int(n_steps if max_steps is None else max(max_steps, n_steps))


def attribute_encoded(lm: LoadedModel, inputs: dict, *, target=None, method: str = "integrated_gradients",
                      n_steps: int = 50, text="", baseline: str | None = None, max_steps: int | None = MAX_STEPS,
                      tolerance: float = TOLERANCE) -> Attribution:
    """:func:`attribute` for an already-tokenized input (one row; may hold masked positions).

    ``inputs`` holds ``input_ids`` and ``attention_mask`` tensors of shape (1, n_tokens), optionally
    ``token_type_ids`` and ``special_tokens_mask``. A position whose ``attention_mask`` is 0
    cannot affect the output, and gets a score of exactly 0. ``baseline``, ``max_steps`` and
    ``tolerance``: see :func:`attribute` (the completeness check and its warning happen here, so
    every caller gets them).
    """
    from captum.attr import IntegratedGradients, LayerGradientXActivation

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {METHODS}")
    n_steps, cap = _steps(n_steps, max_steps)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be a share of the score difference in (0, 1), e.g. 0.05; got {tolerance!r}")
    task = _task(lm)
    baseline = default_baseline(lm) if baseline is None else baseline
    if baseline not in BASELINES:
        raise ValueError(f"unknown baseline {baseline!r}; use one of {BASELINES}")
    ids = inputs["input_ids"]
    if ids.dim() != 2 or ids.shape[0] != 1:
        raise ValueError(f"input_ids must have shape (1, n_tokens), got {tuple(ids.shape)}")
    mask = inputs.get("attention_mask", torch.ones_like(ids))
    special = inputs.get("special_tokens_mask")
    if special is None:
        special = torch.tensor([lm.tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)],
                               device=ids.device)
    extra = (mask,) + ((inputs["token_type_ids"],) if "token_type_ids" in inputs else ())
    fn = _forward(lm, task, embeds=True)
    model = lm.model
    was_training = model.training
    model.eval()
    converged = None
    try:
        emb = model.get_input_embeddings()(ids).detach()
        base = baseline_embeddings(lm, ids, special, mask, baseline).detach()
        with torch.no_grad():
            logits = fn(emb, *extra)[0]
            base_logits = fn(base, *extra)[0]
        idx, name = resolve_target(lm, target, logits=logits.cpu().numpy())
        ts, bs = float(logits[idx]), float(base_logits[idx])
        if method == "integrated_gradients":
            # Completeness, checked on every call: the scores must add up to ts - bs. The gap is computed
            # from the two plain forward passes above (Captum's return_convergence_delta would run them again).
            ig, steps = IntegratedGradients(fn), n_steps
            while True:
                attr = ig.attribute(emb, baselines=base, additional_forward_args=extra, target=idx, n_steps=steps,
                                    internal_batch_size=_internal_batch(steps, ids.shape[1], len(logits)))
                scores = attr.detach().double().sum(-1)[0].cpu().numpy()
                converged = _converged(float(scores.sum() - (ts - bs)), ts - bs, tolerance)
                if converged or steps >= cap:
                    break
                steps = min(2 * steps, cap)
        else:
            attr = LayerGradientXActivation(_forward(lm, task), model.get_input_embeddings()).attribute(
                ids, additional_forward_args=extra, target=idx)
            scores = attr.detach().double().sum(-1)[0].cpu().numpy()
            steps = 1
    finally:
        model.train(was_training)
    probs = torch.softmax(logits.double(), -1).cpu().numpy()
    a = Attribution(
        text=text, tokens=lm.tokens(ids[0]), scores=scores, target=name,
        target_index=idx, target_score=ts, baseline_score=bs, delta=float(scores.sum() - (ts - bs)),
        method=method, n_steps=steps, task=task, special_mask=special[0].bool().cpu().numpy(),
        probabilities=probs, model_name=lm.name, baseline=baseline, converged=converged, tolerance=float(tolerance))
    if converged is False:
        warnings.warn(AttributionWarning(not_converged_message(a)), stacklevel=2)
    return a


def not_converged_message(a: Attribution) -> str:
    """One sentence saying that ``a``'s integrated gradients did not converge, and what to try."""
    others = [b for b in BASELINES if b != a.baseline]
    return (f"integrated gradients did not converge for {a.model_name or 'the model'}'s score of "
            f"{a.target_display!r}: the scores add up to {a.scores.sum():.4g} but the score difference "
            f"(text - baseline {a.baseline!r}) is {a.target_score - a.baseline_score:.4g}, a completeness gap of "
            f"{100 * a.relative_delta:.0f} % after {a.n_steps} steps (more than {100 * a.tolerance:.0f} %): "
            f"do not read these scores as a decomposition. Try another baseline ({', '.join(map(repr, others))}) "
            "or a higher max_steps")


def attribute(lm: LoadedModel, text, *, target=None, method: str = "integrated_gradients",
              n_steps: int = 50, baseline: str | None = None, max_steps: int | None = MAX_STEPS,
              tolerance: float = TOLERANCE) -> Attribution:
    """Attribute a classifier's class score, or a decoder's next-token score, to the input tokens.

    Parameters
    ----------
    lm : LoadedModel
        A classifier (``vizlab.finetune(...).model``, or ``load_model(..., task="sequence-classification")``)
        or a decoder with a language-model head (``load_model("gemma-270m")``).
    text : str or (str, str)
        One text (a sentence pair for BERT-style classifiers).
    target : None, str or int
        Classifier: class name or index, default the predicted class. Decoder: the next token
        (a vocabulary piece or a text that is exactly one token) or its id, default the most
        likely next token.
    method : {"integrated_gradients", "grad_x_input"}
        Integrated gradients from a padding baseline (Captum ``LayerIntegratedGradients`` on the
        token-embedding layer), or gradient × embedding (Captum ``LayerGradientXActivation``).
    n_steps : int
        Points of the integration path (Gauss-Legendre) tried first.
    baseline : str, optional
        One of :data:`BASELINES` (see :func:`baseline_embeddings`); default :func:`default_baseline`.
    max_steps : int or None
        Completeness is checked on every attribution: while ``|delta|`` is more than ``tolerance`` of
        ``|target_score - baseline_score|``, the path is refined (steps doubled) up to ``max_steps``;
        None: ``n_steps`` only.
    tolerance : float
        The relative completeness gap accepted (default 5 %).

    Returns
    -------
    Attribution
        ``tokens``, ``scores`` (one per token), ``target``, ``target_score``, ``baseline_score``,
        ``delta = scores.sum() - (target_score - baseline_score)``, ``n_steps`` used and ``converged``.

    Warns
    -----
    AttributionWarning
        Integrated gradients did not converge within ``max_steps``: the scores do not add up to the
        score difference, and the warning says by how much (:func:`not_converged_message`).

    Raises
    ------
    ValueError
        Empty text, unknown class or token, target out of range, a model without a head,
        an unknown method or baseline, a token baseline the tokenizer lacks.
    """
    texts = one_text(text, caller="attribute")  # clear errors for empty / non-string input
    _task(lm)
    return attribute_encoded(lm, _inputs(lm, texts[0]), target=target, method=method, n_steps=n_steps,
                             text=texts[0], baseline=baseline, max_steps=max_steps, tolerance=tolerance)

"""Which input tokens a prediction rests on: gradient attribution with Captum.

:func:`attribute` explains one score of one text:

- a **classifier** (e.g. ``vizlab.finetune(...).model``): the logit of a class (default: the
  predicted one);
- a **decoder** (e.g. ``load_model("gemma-270m")``): the logit of a next token after the text
  (default: the most likely one).

Two methods, both on the output of the token-embedding layer (the vector each token id is
looked up to, before positions are added):

- ``"integrated_gradients"`` (Sundararajan et al., 2017; Captum ``LayerIntegratedGradients``):
  the gradient averaged along the straight path from a *baseline* input to the real one, times
  the difference. The baseline keeps the special tokens (``[CLS]``, ``[SEP]``, ``<bos>``) and
  replaces every other token by the padding token. The scores add up to
  ``target_score - baseline_score`` (completeness); ``delta`` is what is missing.
- ``"grad_x_input"``: gradient times the embedding itself (one backward pass; no
  completeness).

A token's score is the sum over the hidden dimension: positive pushes the target score up,
negative pushes it down.

>>> import vizlab                                                   # doctest: +SKIP
>>> a = vizlab.attribute(clf, "the actors were brilliant")          # doctest: +SKIP
>>> a.target, a.target_score, a.delta                               # doctest: +SKIP
('positive', 3.1, 0.002)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from vizlab.extraction.batching import model_inputs, one_text
from vizlab.extraction.forward import encode
from vizlab.extraction.models import LoadedModel, check_model
from vizlab.tokens import display_tokens

__all__ = ["Attribution", "METHODS", "attribute", "attribute_encoded", "is_classifier", "resolve_target"]

METHODS = ("integrated_gradients", "grad_x_input")


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

    @property
    def display(self) -> list[str]:
        """The tokens as a reader sees them (:func:`vizlab.tokens.display_tokens`)."""
        return display_tokens(self.tokens)

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
        return (f"Attribution({self.method}, target={self.target!r}, target_score={self.target_score:.3f}, "
                f"baseline_score={self.baseline_score:.3f}, delta={self.delta:.2g}, n_tokens={len(self.tokens)})")


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
    pieces = lm.tokens(ids)
    raise ValueError(f"target {target!r} is not one token but {len(ids)}: {pieces}; pick one of them "
                     "(a decoder predicts one token at a time)")


def _inputs(lm: LoadedModel, text) -> dict[str, torch.Tensor]:
    texts = one_text(text, caller="attribute")
    enc = encode(lm, texts)  # the forward-pass entry's tokenisation (truncation warning included)
    out = model_inputs(lm, enc)
    out["special_tokens_mask"] = enc["special_tokens_mask"].to(lm.device)
    return out


def _baseline_ids(lm: LoadedModel, input_ids: torch.Tensor, special: torch.Tensor) -> torch.Tensor:
    pad = lm.tokenizer.pad_token_id
    if pad is None:
        pad = lm.tokenizer.unk_token_id if lm.tokenizer.unk_token_id is not None else 0
    return torch.where(special.bool(), input_ids, torch.full_like(input_ids, int(pad)))


def _forward(lm: LoadedModel, task: str):
    """A function ids -> logits of the explained position (Captum calls it on expanded batches).

    Attributions need gradients, so this is the one forward pass that does not go through
    :func:`vizlab.extraction.forward.run` (which runs under ``torch.inference_mode``); the target
    and baseline scores are computed with this same function, so ``delta`` compares like with like.
    """

    def fn(input_ids, attention_mask, token_type_ids=None):
        kw = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kw["token_type_ids"] = token_type_ids
        logits = lm.model(**kw).logits
        if task == "next-token":  # the next token after the last position that is not padding
            last = attention_mask.long().sum(1) - 1
            logits = logits[torch.arange(len(logits), device=logits.device), last]
        return logits.float()

    return fn


def attribute_encoded(lm: LoadedModel, inputs: dict, *, target=None, method: str = "integrated_gradients",
                      n_steps: int = 50, text="") -> Attribution:
    """:func:`attribute` for an already-tokenized input (one row; may hold masked positions).

    ``inputs`` holds ``input_ids`` and ``attention_mask`` tensors of shape (1, n_tokens), optionally
    ``token_type_ids`` and ``special_tokens_mask``. A position whose ``attention_mask`` is 0
    cannot affect the output, and gets a score of exactly 0.
    """
    from captum.attr import LayerGradientXActivation, LayerIntegratedGradients

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {METHODS}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 2:
        raise ValueError(f"n_steps must be an integer >= 2, got {n_steps!r}")
    task = _task(lm)
    ids = inputs["input_ids"]
    if ids.dim() != 2 or ids.shape[0] != 1:
        raise ValueError(f"input_ids must have shape (1, n_tokens), got {tuple(ids.shape)}")
    mask = inputs.get("attention_mask", torch.ones_like(ids))
    special = inputs.get("special_tokens_mask")
    if special is None:
        special = torch.tensor([lm.tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)],
                               device=ids.device)
    extra = (mask,) + ((inputs["token_type_ids"],) if "token_type_ids" in inputs else ())
    fn = _forward(lm, task)
    base_ids = _baseline_ids(lm, ids, special)
    model = lm.model
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = fn(ids, *extra)[0]
            base_logits = fn(base_ids, *extra)[0]
        idx, name = resolve_target(lm, target, logits=logits.cpu().numpy())
        layer = model.get_input_embeddings()
        if method == "integrated_gradients":
            attr = LayerIntegratedGradients(fn, layer).attribute(
                ids, baselines=base_ids, additional_forward_args=extra, target=idx, n_steps=int(n_steps),
                internal_batch_size=int(n_steps))
            steps = int(n_steps)
        else:
            attr = LayerGradientXActivation(fn, layer).attribute(ids, additional_forward_args=extra, target=idx)
            steps = 1
    finally:
        model.train(was_training)
    scores = attr.detach().double().sum(-1)[0].cpu().numpy()
    ts, bs = float(logits[idx]), float(base_logits[idx])
    probs = torch.softmax(logits.double(), -1).cpu().numpy()
    return Attribution(
        text=text, tokens=lm.tokens(ids[0]), scores=scores, target=name,
        target_index=idx, target_score=ts, baseline_score=bs, delta=float(scores.sum() - (ts - bs)),
        method=method, n_steps=steps, task=task, special_mask=special[0].bool().cpu().numpy(),
        probabilities=probs, model_name=lm.name)


def attribute(lm: LoadedModel, text, *, target=None, method: str = "integrated_gradients",
              n_steps: int = 50) -> Attribution:
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
        Points of the integration path (Gauss-Legendre); more steps, smaller ``delta``.

    Returns
    -------
    Attribution
        ``tokens``, ``scores`` (one per token), ``target``, ``target_score``, ``baseline_score``
        and ``delta = scores.sum() - (target_score - baseline_score)``.

    Raises
    ------
    ValueError
        Empty text, unknown class or token, target out of range, a model without a head,
        an unknown method.
    """
    texts = one_text(text, caller="attribute")  # clear errors for empty / non-string input
    _task(lm)
    return attribute_encoded(lm, _inputs(lm, texts[0]), target=target, method=method, n_steps=n_steps,
                             text=texts[0])

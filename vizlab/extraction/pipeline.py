"""What ``pipeline("text-classification")`` does, one step at a time, with the numbers of each step.

raw text -> tokens -> ids -> model (the final ``[CLS]`` vector, the pooler, the linear head) ->
logits -> softmax -> label. :func:`classify_steps` records every intermediate value of one
text; the probabilities are exactly what ``transformers.pipeline`` returns for the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizlab.extraction.attribution import is_classifier
from vizlab.extraction.batching import one_text
from vizlab.extraction.forward import encode, no_grad, run
from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["ClassifierSteps", "classify_steps", "pipeline_probabilities"]


@dataclass(frozen=True, eq=False)
class ClassifierSteps:
    """Every step of a text classifier on one text (CPU numpy).

    Attributes
    ----------
    text : str
    tokens : list of str
        Raw tokenizer pieces (special tokens included).
    input_ids : ndarray of int, shape (n_tokens,)
    cls_vector : ndarray of shape (hidden,)
        Last-layer hidden state of the first token (``[CLS]``).
    pooled : ndarray of shape (hidden,) or None
        The pooler's output (``tanh(W h_[CLS] + b)``), the head's input in BERT classifiers.
    logits : ndarray of shape (n_labels,)
    probabilities : ndarray of shape (n_labels,)
        ``softmax(logits)``.
    labels : tuple of str
        Class names, in output order.
    head_max_error : float
        Largest difference between the logits and ``W_head @ pooled + b`` recomputed here.
    n_layers, hidden_size : int
    model_name : str
    """

    text: str
    tokens: list[str]
    input_ids: np.ndarray
    cls_vector: np.ndarray
    pooled: np.ndarray | None
    logits: np.ndarray
    probabilities: np.ndarray
    labels: tuple[str, ...]
    head_max_error: float
    n_layers: int
    hidden_size: int
    model_name: str = ""

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def label(self) -> str:
        return self.labels[self.predicted]


def _labels(lm: LoadedModel) -> tuple[str, ...]:
    id2label = lm.model.config.id2label
    return tuple(str(id2label[i]) for i in range(int(lm.model.config.num_labels)))


def classify_steps(lm: LoadedModel, text: str) -> ClassifierSteps:
    """Run one text through a sequence classifier and keep each step (see the module docstring)."""
    check_model(lm)
    if not is_classifier(lm):
        raise ValueError(f"{lm.name!r} has no classification head: use a fine-tuned classifier "
                         "(vizlab.finetune(...).model)")
    texts = one_text(text, caller="classify_steps")
    if not isinstance(texts[0], str):
        raise ValueError("classify_steps takes one text (a string), not a sentence pair")
    enc = encode(lm, texts)
    model = lm.model
    out, _ = run(lm, enc, output_hidden_states=True)
    with no_grad():  # the pooler and the head recomputed from run's outputs
        logits = out.logits[0].double()
        h_cls = out.hidden_states[-1][0, 0]
        body = getattr(model, "base_model", None)
        pooler = getattr(body, "pooler", None)
        pooled = pooler(out.hidden_states[-1])[0] if pooler is not None else None
        head = getattr(model, "classifier", None)
        err = float("nan")
        if isinstance(head, torch.nn.Linear):
            x = pooled if pooled is not None else h_cls
            err = float((head(x).double() - logits).abs().max())
    probs = torch.softmax(logits, -1).cpu().numpy()
    return ClassifierSteps(
        text=texts[0], tokens=lm.tokens(enc["input_ids"][0]),
        input_ids=enc["input_ids"][0].cpu().numpy(), cls_vector=h_cls.float().cpu().numpy(),
        pooled=None if pooled is None else pooled.float().cpu().numpy(), logits=logits.cpu().numpy(),
        probabilities=probs, labels=_labels(lm), head_max_error=err, n_layers=lm.n_layers,
        hidden_size=lm.hidden_size, model_name=lm.name)


def pipeline_probabilities(lm: LoadedModel, text: str) -> dict[str, float]:
    """``{label: probability}`` from ``transformers.pipeline("text-classification")`` on the same model."""
    from transformers import pipeline

    clf = pipeline("text-classification", model=lm.model, tokenizer=lm.tokenizer, top_k=None,
                   device=lm.device)
    out = clf(text)
    rows = out[0] if out and isinstance(out[0], list) else out
    return {d["label"]: float(d["score"]) for d in rows}

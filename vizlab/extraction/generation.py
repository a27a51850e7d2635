"""Attribution of generated text: what each generated token rests on, in the prompt and before it.

:func:`attribute_generation` lets a decoder continue a prompt by ``n`` tokens (``model.generate``,
greedy or seeded sampling) and then, for each generated token ``t_i``, attributes the logit of
``t_i`` at the prefix ``prompt + t_1 .. t_{i-1}`` to every token of that prefix, through the
single-target path :func:`vizlab.extraction.attribution.attribute_encoded` (so its method,
baseline and completeness check apply to each row unchanged). The rows stack into a matrix of
shape ``(n_generated, n_prompt + n_generated)`` whose cells on and right of each row's own
position are NaN (causal: a token cannot rest on itself or on what comes after it).

This is what Inseq's ``model.attribute(prompt, generation_args=...)`` computes for a decoder-only
model (one attribution per generated step, to the prompt and the generated prefix), and what
Captum's ``LLMGradientAttribution`` computes for the prompt columns only (it leaves out the earlier
generated tokens and explains log-probabilities).

>>> import vizlab                                                          # doctest: +SKIP
>>> g = vizlab.attribute_generation(vizlab.load_model("gemma-270m"), "O gato está", 5)  # doctest: +SKIP
>>> g.matrix.shape, g.generated_display                                    # doctest: +SKIP
((5, 10), ['␣em', '␣cima', '␣da', '␣mesa', ','])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from vizlab.extraction.attribution import MAX_STEPS, METHODS, Attribution, attribute_encoded, is_classifier
from vizlab.extraction.batching import model_inputs, one_text
from vizlab.extraction.forward import encode
from vizlab.extraction.models import LoadedModel, check_model
from vizlab.tokens import display_tokens

__all__ = ["GenerationAttribution", "generate_ids", "attribute_generation", "MAX_NEW_TOKENS"]

MAX_NEW_TOKENS = 256  # each generated token costs one attribution (n_steps forward and backward passes)


@dataclass(frozen=True, eq=False)
class GenerationAttribution:
    """Attribution of each generated token to the prompt and the tokens generated before it (CPU numpy).

    Attributes
    ----------
    prompt : str
    tokens : list of str
        Raw pieces of the whole sequence: the prompt's (special tokens included), then the generated ones.
    n_prompt : int
        How many of ``tokens`` are the prompt's.
    generated_ids : ndarray of int, shape (n_generated,)
    matrix : ndarray of shape (n_generated, n_prompt + n_generated)
        Row ``i``: the attribution of generated token ``i``'s logit to each earlier token (summed over
        the hidden dimension, in logit units); NaN from column ``n_prompt + i`` on (the causal mask).
    target_scores, baseline_scores, deltas : ndarray of shape (n_generated,)
        Per row, as in :class:`~vizlab.extraction.attribution.Attribution`: the logit of the generated
        token, its logit at the baseline input, and the completeness gap
        ``row.sum() - (target_score - baseline_score)``.
    probabilities : ndarray of shape (n_generated,)
        The model's probability of each generated token at its step (softmax of the logits, no
        temperature).
    n_steps : ndarray of int, shape (n_generated,)
        Integration points used for each row.
    special_mask : ndarray of bool, shape (n_prompt + n_generated,)
    method : str
    sampling : dict
        ``{"do_sample": False}`` (greedy) or ``{"do_sample": True, "temperature": T, "seed": s}``.
    model_name : str
    """

    prompt: str
    tokens: list[str]
    n_prompt: int
    generated_ids: np.ndarray
    matrix: np.ndarray
    target_scores: np.ndarray
    baseline_scores: np.ndarray
    deltas: np.ndarray
    probabilities: np.ndarray
    n_steps: np.ndarray
    special_mask: np.ndarray
    method: str
    sampling: dict
    model_name: str = ""

    @property
    def n_generated(self) -> int:
        return len(self.generated_ids)

    @property
    def display(self) -> list[str]:
        """Every token as a reader sees it (:func:`vizlab.tokens.display_tokens`, ``␣word``)."""
        return display_tokens(self.tokens)

    @property
    def generated_display(self) -> list[str]:
        return self.display[self.n_prompt:]

    @property
    def generated_text(self) -> str:
        return "".join(self.tokens[self.n_prompt:]).replace("▁", " ")

    @property
    def causal_mask(self) -> np.ndarray:
        """bool of shape (n_generated, n_prompt + n_generated): True where a row cannot look (its own
        position and after)."""
        cols = np.arange(len(self.tokens))
        return cols[None, :] >= self.n_prompt + np.arange(self.n_generated)[:, None]

    @property
    def relative_deltas(self) -> np.ndarray:
        """``|delta|`` relative to ``|target_score - baseline_score|`` per row (inf where that is 0)."""
        gap = np.abs(self.target_scores - self.baseline_scores)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap > 0, np.abs(self.deltas) / gap, np.inf)

    def top_sources(self, *, skip_special: bool = True) -> list[int]:
        """Per row, the column of the earlier token with the largest attribution (most positive)."""
        m = np.where(self.causal_mask | (self.special_mask[None] & skip_special), -np.inf, self.matrix)
        return [int(np.argmax(r)) for r in m]

    def to_frame(self) -> pd.DataFrame:
        """Long form, one row per (generated token, earlier token): ``step, generated, position, source,
        score, prompt`` (whether the source is in the prompt)."""
        disp = self.display
        rows = [(i, disp[self.n_prompt + i], j, disp[j], float(self.matrix[i, j]), j < self.n_prompt)
                for i in range(self.n_generated) for j in range(self.n_prompt + i)]
        return pd.DataFrame(rows, columns=["step", "generated", "position", "source", "score", "prompt"])

    def __repr__(self) -> str:
        return (f"GenerationAttribution({self.method}, n_prompt={self.n_prompt}, "
                f"generated={self.generated_display}, max relative gap={float(np.max(self.relative_deltas, initial=0)):.2g})")


def _check_sampling(n: int, temperature: float | None, seed: int | None) -> dict:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_NEW_TOKENS:
        raise ValueError(f"the number of tokens to generate must be an integer from 1 to {MAX_NEW_TOKENS}, got {n!r}")
    if temperature is None or temperature == 0:
        if seed is not None:
            raise ValueError("seed is for sampling: give a temperature > 0 too (greedy decoding needs no seed)")
        return {"do_sample": False}
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0 \
            or not np.isfinite(temperature):
        raise ValueError(f"temperature must be a positive number (or 0/None for greedy decoding), got {temperature!r}")
    if seed is None:
        raise ValueError("sampling needs a seed to be reproducible: pass seed=0 (or any integer)")
    return {"do_sample": True, "temperature": float(temperature), "seed": int(seed)}


def generate_ids(lm: LoadedModel, inputs: dict, n: int, *, temperature: float | None = None,
                 seed: int | None = None) -> torch.Tensor:
    """The ids ``lm.model.generate`` appends to ``inputs`` (one row): greedy, or sampled from the full
    softmax at ``temperature`` (no top-k / top-p truncation) with ``torch``'s generator seeded by ``seed``.

    Stops early after the end-of-sequence token. Returns a 1-D tensor of the new ids.
    """
    from transformers import GenerationConfig

    how = _check_sampling(n, temperature, seed)
    tok = lm.tokenizer
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    eos = getattr(lm.model.generation_config, "eos_token_id", None) or tok.eos_token_id
    cfg = GenerationConfig(max_new_tokens=int(n), do_sample=how["do_sample"], num_beams=1, pad_token_id=pad,
                           eos_token_id=eos, **({"temperature": how["temperature"], "top_k": 0, "top_p": 1.0}
                                                if how["do_sample"] else {}))
    model = lm.model
    was_training = model.training
    model.eval()
    try:
        with torch.random.fork_rng(devices=[lm.device] if lm.device.type == "cuda" else []), torch.no_grad():
            if how["do_sample"]:
                torch.manual_seed(how["seed"])
            out = model.generate(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                                 generation_config=cfg)
    finally:
        model.train(was_training)
    return out[0, inputs["input_ids"].shape[1]:].detach()


def attribute_generation(lm: LoadedModel, prompt: str, n: int = 10, *, method: str = "integrated_gradients",
                         n_steps: int = 50, temperature: float | None = None, seed: int | None = None,
                         generated=None, baseline: str | None = None,
                         max_steps: int | None = MAX_STEPS) -> GenerationAttribution:
    """Generate ``n`` tokens after ``prompt`` and attribute each to the prompt and the tokens before it.

    Parameters
    ----------
    lm : LoadedModel
        A decoder with a language-model head (``load_model("gemma-270m")``).
    prompt : str
    n : int
        How many tokens to generate (fewer when the model ends the text first).
    method : {"integrated_gradients", "grad_x_input"}
        As in :func:`vizlab.attribute`; each row is one call of
        :func:`~vizlab.extraction.attribution.attribute_encoded` on the prefix, with the generated
        token as the target.
    n_steps : int
        Integration points per row.
    temperature, seed : float and int, optional
        Greedy decoding by default; ``temperature > 0`` samples (then ``seed`` is required, and the
        same seed gives the same text).
    generated : sequence of int, optional
        Token ids to attribute instead of generating (e.g. a continuation you already have).
    baseline, max_steps : optional
        As in :func:`vizlab.attribute`: the input integrated gradients start from (default: the model's
        default) and the cap of the steps, doubled from ``n_steps`` until each row is complete within 5 %.

    Returns
    -------
    GenerationAttribution

    Raises
    ------
    ValueError
        An empty prompt, a model that is not a decoder, ``n`` out of 1..256, a bad temperature or a
        missing seed when sampling, an unknown method.
    """
    texts = one_text(prompt, caller="attribute_generation")
    check_model(lm)
    head = lm.model.get_output_embeddings() if hasattr(lm.model, "get_output_embeddings") else None
    if is_classifier(lm) or lm.kind != "decoder" or head is None:
        raise ValueError(f"{lm.name!r} has no language-model head to generate with: use a decoder such as "
                         "'gemma-270m'")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {METHODS}")
    enc = encode(lm, texts)  # the forward-pass entry's tokenisation, as vizlab.attribute's
    inputs = model_inputs(lm, enc)
    inputs.pop("token_type_ids", None)
    inputs["special_tokens_mask"] = enc["special_tokens_mask"].to(lm.device)
    if generated is None:
        how = _check_sampling(n, temperature, seed)
        new = generate_ids(lm, inputs, n, temperature=temperature, seed=seed)
    else:
        how = {"do_sample": False, "given": True}
        new = torch.as_tensor(np.asarray(generated, dtype=np.int64).ravel(), device=lm.device)
        if len(new) == 0:
            raise ValueError("generated is empty: give at least one token id, or leave it out to generate")
    n_prompt = int(inputs["input_ids"].shape[1])
    ids = torch.cat([inputs["input_ids"][0], new.to(inputs["input_ids"].device)])[None]
    special = torch.tensor([lm.tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)],
                           device=ids.device)
    special[0, :n_prompt] = inputs["special_tokens_mask"][0]
    rows: list[Attribution] = []
    for i in range(len(new)):
        end = n_prompt + i
        prefix = {"input_ids": ids[:, :end], "attention_mask": torch.ones_like(ids[:, :end]),
                  "special_tokens_mask": special[:, :end]}
        rows.append(attribute_encoded(lm, prefix, target=int(new[i]), method=method, n_steps=n_steps,
                                      text=texts[0], baseline=baseline, max_steps=max_steps))
    width = len(ids[0])
    matrix = np.full((len(rows), width), np.nan)
    for i, a in enumerate(rows):
        matrix[i, :len(a.scores)] = a.scores
    return GenerationAttribution(
        prompt=texts[0], tokens=lm.tokens(ids[0]), n_prompt=n_prompt, generated_ids=new.cpu().numpy().astype(np.int64),
        matrix=matrix, target_scores=np.array([a.target_score for a in rows]),
        baseline_scores=np.array([a.baseline_score for a in rows]), deltas=np.array([a.delta for a in rows]),
        probabilities=np.array([a.target_probability for a in rows]), n_steps=np.array([a.n_steps for a in rows]),
        special_mask=special[0].bool().cpu().numpy(), method=method, sampling=how, model_name=lm.name)

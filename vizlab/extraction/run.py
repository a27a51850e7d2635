"""Run a model over texts: hidden states and attentions (``extract``) or pooled vectors (``embed``).

Batches use dynamic padding (each batch padded to its own longest text, texts sorted by
length), right padding and the attention mask, and every result is cut back to the text's own
tokens, so a text's numbers never depend on its neighbours or on the batch size.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import torch
from tqdm.auto import tqdm

from vizlab.activations import Activations
from vizlab.cache import ArrayCache, cache_key
from vizlab.extraction.batching import (
    TruncationWarning,
    length_limit,
    pad_batch,
    plan_batches,
    validate_texts,
    warn_truncated,
)
from vizlab.extraction.forward import no_grad, run
from vizlab.extraction.language import warn_text_fit
from vizlab.extraction.models import LoadedModel, check_model, runtime_versions
from vizlab.extraction.precision import computing_in, resolve_precision
from vizlab.extraction.sentence import POOLINGS, SentenceDefinition, sentence_definition
from vizlab.numbering import check_hidden_number
from vizlab.provenance import code_version

__all__ = ["extract", "embed", "embed_layers", "embedding_definition"]

_VERSION = 1  # bump when the stored layout or the computation changes



def _threads(model: LoadedModel) -> int | None:
    """Torch threads of a CPU run: the last bits of a forward pass depend on them (not on a GPU)."""
    return torch.get_num_threads() if model.device.type == "cpu" else None

def _check_layers(layers, n_layers: int) -> tuple[int, ...] | None:
    if layers is None:
        return None
    if isinstance(layers, int):
        layers = [layers]
    out = []
    for l in layers:
        if not isinstance(l, (int, np.integer)) or isinstance(l, bool):
            raise TypeError(f"layers must be integers, got {l!r}")
        out.append(check_hidden_number(l, n_layers))
    return tuple(sorted(set(out)))


def _progress(total: int, desc: str, show: bool | None):
    return tqdm(total=total, desc=desc, unit="text", delay=2.0, disable=show is False, leave=False)


def extract(
    model: LoadedModel,
    texts,
    *,
    attentions: bool = False,
    hidden_states: bool = True,
    layers: Iterable[int] | int | None = None,
    batch_size: int = 16,
    max_length: int | None = None,
    cache: bool | ArrayCache = True,
    progress: bool | None = None,
) -> list[Activations]:
    """Hidden states and/or attention weights of each text, padding removed.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    model : LoadedModel
        From :func:`vizlab.load_model`.
    texts : str, (str, str) or list of them
        Texts, or ``(text, text_pair)`` tuples for BERT-style sentence pairs.
    attentions, hidden_states : bool
        What to return.
    layers : int or list of int, optional
        Hidden states to keep (0 = the embedding output, ``k`` = the output of layer ``k``, -1 = the
        last). Attentions are kept for the layers that produce those states (layer ``k`` for state
        ``k``). Default: all.
    batch_size : int
        Texts per forward pass. Results do not depend on it.
    max_length : int, optional
        Truncate longer texts (with a warning). Default: the model's limit.
    cache : bool or ArrayCache
        Serve repeated calls from the on-disk cache.

    Returns
    -------
    list of Activations
        One per text, in the input order.

    Warns
    -----
    TextFitWarning
        Once per call, when the model's tokenizer strips the texts' accents or cuts most of their
        words into 3 tokens or more (MiniLM on Portuguese), naming a preset that reads Portuguese
        (:mod:`vizlab.extraction.language`; tokenizer only, on a sample of the texts).
    """
    check_model(model, name="model")
    texts = validate_texts(texts)
    warn_text_fit(model, texts)
    if not (attentions or hidden_states):
        raise ValueError("nothing to extract: set attentions=True and/or hidden_states=True")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if any(isinstance(t, tuple) for t in texts) and model.kind == "decoder":
        raise ValueError(
            "sentence pairs ([CLS] A [SEP] B [SEP]) are a BERT-style encoder feature; "
            f"{model.name!r} is a decoder: join the two texts into one string instead"
        )
    n_layers = model.n_layers
    sel = _check_layers(layers, n_layers)
    hidden_ids = tuple(range(n_layers + 1)) if sel is None else sel
    attn_ids = tuple(l - 1 for l in hidden_ids if l >= 1) if sel is not None else tuple(range(n_layers))

    store = cache if isinstance(cache, ArrayCache) else ArrayCache("extract", enabled=bool(cache))
    key = cache_key(
        "extract", _VERSION, code_version(__name__), runtime_versions(), model.fingerprint, texts, attentions,
        hidden_states,
        hidden_ids, max_length, _threads(model),
    )

    def compute() -> dict[str, np.ndarray]:
        return _compute_extract(model, texts, attentions, hidden_states, hidden_ids, attn_ids,
                                batch_size, max_length, progress)

    arrays = store.get_or_compute(key, compute)
    return _unpack(model, texts, arrays, hidden_ids, attn_ids)


def _compute_extract(model, texts, want_attn, want_hidden, hidden_ids, attn_ids, batch_size, max_length, progress):
    feats, batches, truncated = plan_batches(model, texts, max_length=max_length, batch_size=batch_size)
    per_text: list[dict] = [None] * len(texts)  # type: ignore[list-item]
    with no_grad(), _progress(len(texts), "extract", progress) as bar:
        for idx in batches:
            enc = pad_batch(model, [feats[i] for i in idx])
            out, _ = run(model, enc, head=False, output_hidden_states=want_hidden, output_attentions=want_attn)
            mask = enc["attention_mask"]
            for j, i in enumerate(idx):
                n = int(mask[j].sum())
                rec = {
                    "ids": enc["input_ids"][j, :n].cpu().numpy(),
                    "special": enc["special_tokens_mask"][j, :n].cpu().numpy().astype(bool),
                }
                if "token_type_ids" in enc:
                    rec["tt"] = enc["token_type_ids"][j, :n].cpu().numpy()
                if want_hidden:
                    rec["hidden"] = torch.stack([out.hidden_states[l][j, :n] for l in hidden_ids]).float().cpu().numpy()
                if want_attn:
                    a = torch.stack([out.attentions[l][j, :, :n, :n] for l in attn_ids]).float().cpu().numpy()
                    rec["attn"] = a.reshape(a.shape[0], a.shape[1], n * n)
                per_text[i] = rec
            bar.update(len(idx))
    arrays = {
        "ids": np.concatenate([r["ids"] for r in per_text]),
        "special": np.concatenate([r["special"] for r in per_text]),
        "lengths": np.array([len(r["ids"]) for r in per_text]),
        "truncated": np.array(truncated),
    }
    if "tt" in per_text[0]:
        arrays["tt"] = np.concatenate([r["tt"] for r in per_text])
    if want_hidden:
        arrays["hidden"] = np.concatenate([r["hidden"] for r in per_text], axis=1)
    if want_attn:
        arrays["attn"] = np.concatenate([r["attn"] for r in per_text], axis=2)
    return arrays


def _unpack(model: LoadedModel, texts, arrays, hidden_ids, attn_ids) -> list[Activations]:
    lengths = arrays["lengths"]
    tok_offsets = np.concatenate([[0], np.cumsum(lengths)])
    attn_offsets = np.concatenate([[0], np.cumsum(lengths**2)])
    result = []
    for i, text in enumerate(texts):
        s, e = tok_offsets[i], tok_offsets[i + 1]
        n = int(lengths[i])
        ids = arrays["ids"][s:e]
        attn = None
        if "attn" in arrays:
            flat = arrays["attn"][:, :, attn_offsets[i] : attn_offsets[i + 1]]
            attn = flat.reshape(flat.shape[0], flat.shape[1], n, n)
        result.append(
            Activations(
                text=text,
                tokens=model.tokens(ids),
                input_ids=ids,
                hidden_states=arrays["hidden"][:, s:e] if "hidden" in arrays else None,
                attentions=attn,
                special_mask=arrays["special"][s:e],
                token_type_ids=arrays["tt"][s:e] if "tt" in arrays else None,
                hidden_layers=tuple(hidden_ids) if "hidden" in arrays else (),
                attention_layers=tuple(attn_ids) if "attn" in arrays else (),
                model_name=model.name,
                fingerprint=model.fingerprint,
                truncated=bool(arrays["truncated"][i]),
                kind=model.kind,
            )
        )
    return result


def _pool(h: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """Pool token vectors ``h`` (batch, tokens, hidden) over each text's real tokens (``mask``), as
    sentence-transformers' ``Pooling`` does for the same mode."""
    if pooling == "mean":
        m = mask.unsqueeze(-1).to(h.dtype)
        return (h * m).sum(1) / m.sum(1).clamp(min=1)
    if pooling == "cls":
        return h[:, 0]
    if pooling == "last":
        last = mask.sum(1) - 1
        return h[torch.arange(h.shape[0], device=h.device), last]
    if pooling == "max":
        return h.masked_fill(mask.unsqueeze(-1) == 0, float("-inf")).max(dim=1).values
    raise ValueError(f"unknown pooling {pooling!r}; use {_POOLING_NAMES}")


_POOLING_NAMES = ", ".join(repr(p) for p in POOLINGS)


def embedding_definition(model: LoadedModel, *, layer: int | None = -1, pooling: str | None = None,
                         max_length: int | None = None, normalize: bool | None = None) -> SentenceDefinition:
    """The pooling, maximum length and normalisation :func:`embed` uses with these arguments.

    None takes the model's own (:func:`~vizlab.extraction.sentence.sentence_definition`); the
    normalisation of a sentence-transformers folder is a step on its last layer's pooled vector,
    so a vector of another layer (``layer`` not the last, or None for all of them) is not
    normalised unless ``normalize=True``.

    Parameters
    ----------
    model : LoadedModel
    layer : int or None
        As in :func:`embed`: 0 = the embedding output, ``k`` = the output of layer ``k``, -1 (default)
        = the last, None for all of them. Layers and heads are numbered as readers see them: layer 1 is
        the first block, head 1 the first head, hidden state 0 the embedding output; negative numbers
        count from the end.
    pooling, max_length, normalize : optional
        As in :func:`embed`; None takes the model's own.

    Raises
    ------
    ValueError
        An unknown pooling, ``"cls"`` for a decoder, or a sentence-transformers folder whose
        modules vizlab does not compute (the message says how to go on).
    """
    check_model(model, name="model")
    if pooling is not None and pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; use {_POOLING_NAMES}, or None for the model's own")
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer))
                                   or max_length < 1):
        raise ValueError(f"max_length must be a positive integer, got {max_length!r}")
    own = sentence_definition(model)
    if own.problem is not None and pooling is None:
        raise ValueError(
            f"{model.name!r} is a sentence-transformers folder whose modules vizlab does not compute "
            f"({own.problem}): pass pooling= ({_POOLING_NAMES}) to pool its hidden states yourself, or use "
            "SentenceTransformer(folder).encode for the model's own vectors"
        )
    last = layer is not None and _check_layers([layer], model.n_layers)[0] == model.n_layers
    if normalize is None and not last:
        normalize = False
    d = own.override(pooling=pooling, max_length=max_length, normalize=normalize)
    d = replace(d, max_length=length_limit(model, d.max_length))
    if d.pooling == "cls" and model.kind == "decoder":
        raise ValueError("pooling='cls' needs a BERT-style [CLS] token; for a decoder use 'last' or 'mean'")
    return d


def embed_layers(
    model: LoadedModel,
    texts,
    *,
    pooling: str | None = None,
    batch_size: int = 32,
    max_length: int | None = None,
    normalize: bool = False,
    cache: bool | ArrayCache = True,
    progress: bool | None = None,
    precision: str = "float32",
) -> np.ndarray:
    """Pooled vectors of every hidden layer (0 = embeddings ... n_layers = last).

    Same pooling, maximum length and streaming as :func:`embed` (the model's own by default), for
    layer-wise analyses (probes, CKA); not normalised unless ``normalize=True``: a layer-wise
    analysis compares the states themselves, and normalisation is a step on the last layer only.

    Returns
    -------
    ndarray of shape (n_layers + 1, n_texts, hidden)
    """
    return embed(model, texts, layer=None, pooling=pooling, batch_size=batch_size,
                 max_length=max_length, normalize=normalize, cache=cache, progress=progress, precision=precision)


def embed(
    model: LoadedModel,
    texts,
    *,
    layer: int | None = -1,
    pooling: str | None = None,
    batch_size: int = 32,
    max_length: int | None = None,
    normalize: bool | None = None,
    cache: bool | ArrayCache = True,
    progress: bool | None = None,
    precision: str = "float32",
) -> np.ndarray:
    """One vector per text: the hidden state of ``layer`` pooled over the text's tokens.

    By default the model's own definition of a text's vector: for a sentence-transformers
    folder (the ``minilm`` preset is one) its ``modules.json``, so the result equals
    ``SentenceTransformer(folder).encode(texts)`` (all-MiniLM-L6-v2: mean over tokens, texts cut at
    256 tokens, normalised); for any other model, the mean over the text's tokens, cut at the
    model's limit (the smaller of its position embeddings and its tokenizer's ``model_max_length``),
    not normalised. :func:`embedding_definition` says which, and
    ``embedding_definition(...).describe()`` says it in words.

    Streams in batches of texts of similar length and keeps only the pooled vectors, so memory does
    not grow with the number of texts beyond the (n_texts, hidden) result.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    layer : int or None
        Hidden state: 0 = the embedding output, ``k`` = the output of layer ``k``, -1 (default) = the
        last; None for all of them (then the result has shape (n_layers + 1, n_texts, hidden), see
        :func:`embed_layers`). An out-of-range number raises a ValueError naming the valid ones.
    pooling : {"mean", "cls", "last", "max"}, optional
        Mask-aware mean over real tokens, the first token, the last real token (the natural choice
        for decoders), or the maximum over real tokens. Default: the model's own (above).
    max_length : int, optional
        Tokens kept per text (capped at the model's limit); longer texts are cut, with one
        :class:`~vizlab.extraction.batching.TruncationWarning` per call that counts them. Default:
        the model's own (256 for all-MiniLM-L6-v2).
    normalize : bool, optional
        L2-normalise each vector. Default: as the model's own definition for the last layer
        (a sentence-transformers ``Normalize`` module), False for other layers.
    precision : {"float32", "bfloat16", "auto"}
        The number format of the forward pass (:mod:`vizlab.extraction.precision`): float32 (default,
        the model's own numbers), bfloat16 (faster on processors that compute it natively, measured
        there; all-MiniLM-L6-v2's vectors keep a cosine of at least 0.9999 with float32's), or "auto"
        (bfloat16 where native, else float32). The vectors are float32 either way.

    Returns
    -------
    ndarray of shape (n_texts, hidden)

    Warns
    -----
    TruncationWarning
        Once per call, when texts are longer than the maximum length: how many, which, how long.
    TextFitWarning
        Once per call, when the model's tokenizer strips the texts' accents or cuts most of their
        words into 3 tokens or more (MiniLM on Portuguese), naming a preset that reads Portuguese
        (:mod:`vizlab.extraction.language`; tokenizer only, on a sample of the texts).
    """
    check_model(model, name="model")
    texts = validate_texts(texts)
    d = embedding_definition(model, layer=layer, pooling=pooling, max_length=max_length, normalize=normalize)
    warn_text_fit(model, texts)
    all_layers = layer is None
    lidx = None if all_layers else _check_layers([layer], model.n_layers)[0]
    last_only = lidx == model.n_layers
    precision = resolve_precision(precision, model.device)
    store = cache if isinstance(cache, ArrayCache) else ArrayCache("embed", enabled=bool(cache))
    key = cache_key("embed", _VERSION, code_version(__name__), runtime_versions(), model.fingerprint, texts,
                    lidx, d.pooling, d.max_length, d.normalize, _threads(model),
                    *([precision] if precision != "float32" else []))

    def compute():
        with warnings.catch_warnings(record=True) as caught:  # said below, on a cache hit too
            warnings.simplefilter("always", TruncationWarning)
            feats, batches, _ = plan_batches(model, texts, max_length=d.max_length, batch_size=batch_size)
        cut = [w.message for w in caught if isinstance(w.message, TruncationWarning)]
        for w in caught:
            if not isinstance(w.message, TruncationWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        shape = (model.n_layers + 1, len(texts), model.hidden_size) if all_layers else (len(texts), model.hidden_size)
        out = np.zeros(shape, dtype=np.float32)
        with no_grad(), computing_in(precision, model.device), _progress(len(texts), "embed", progress) as bar:
            for idx in batches:
                enc = pad_batch(model, [feats[i] for i in idx])
                # the last layer alone: last_hidden_state (the same tensor), without keeping every layer's
                res, _ = run(model, enc, head=False, output_hidden_states=not last_only)
                states = res.hidden_states if not last_only else {lidx: res.last_hidden_state}
                mask = enc["attention_mask"].to(model.device)
                ids = range(len(states)) if all_layers else [lidx]
                for l in ids:
                    v = _pool(states[l].float(), mask, d.pooling)
                    if d.normalize:
                        v = torch.nn.functional.normalize(v, dim=-1)
                    if all_layers:
                        out[l, idx] = v.cpu().numpy()
                    else:
                        out[idx] = v.cpu().numpy()
                del res
                bar.update(len(idx))
        return {"X": out, "cut": np.array([i for w in cut for i in w.indices], dtype=np.int64),
                "cut_lengths": np.array([n for w in cut for n in w.lengths], dtype=np.int64)}

    arrays = store.get_or_compute(key, compute)
    if len(arrays["cut"]):
        lengths = np.zeros(len(texts), dtype=np.int64)  # only the texts longer than the limit are named
        lengths[arrays["cut"]] = arrays["cut_lengths"]
        warn_truncated(lengths.tolist(), d.max_length, stacklevel=2)
    return arrays["X"]

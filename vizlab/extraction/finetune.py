"""Fine-tune a pretrained encoder for text classification, on the CPU, reproducibly and cached.

A new, randomly initialised classification head is put on the pretrained encoder
(``AutoModelForSequenceClassification``: the ``[CLS]`` vector -> pooler -> linear layer); the
head and every transformer block are trained (the embedding layer is frozen by default) with
AdamW, a linear warm-up then linear decay of the learning rate, and batches of similar-length
texts padded only to their own longest text (a collate function). The held-out
texts are scored before training and after each epoch (and every ``eval_every`` steps).

The fine-tuned model is saved in the vizlab cache under a key made of the base model's
fingerprint, the training and evaluation data and every hyper-parameter, so a second call
with the same arguments loads it instead of training. The result's ``model`` is a
:class:`~vizlab.extraction.models.LoadedModel`: :func:`vizlab.extract` and :func:`vizlab.embed`
read the fine-tuned encoder body, with a fingerprint of its own (no cache entry is shared
with the base model).

>>> import vizlab                                                    # doctest: +SKIP
>>> base = vizlab.load_model("minilm")                               # doctest: +SKIP
>>> df = vizlab.datasets.load_sentiment(3000)                        # doctest: +SKIP
>>> res = vizlab.finetune(base, df[:2400], eval_df=df[2400:])        # doctest: +SKIP
>>> res.eval_accuracy, res.history.per_epoch()                       # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from vizlab.cache import cache_dir, cache_key, locked
from vizlab.extraction.batching import validate_texts
from vizlab.extraction.models import LoadedModel, check_model, load_model, runtime_versions, wrap_model
from vizlab.extraction.training import TrainingHistory, build_classifier, classifier_logits, train_classifier
from vizlab.provenance import code_version

__all__ = ["NotTrainedError", "finetune", "predict", "FineTuneResult", "TrainingHistory"]


class NotTrainedError(LookupError):
    """``finetune(..., train=False)`` found no model trained with these settings in the cache."""


_VERSION = 1  # bump when training or the stored layout changes
_META = "finetune.json"
_HISTORY = "history.npz"


@dataclass(frozen=True, eq=False)
class FineTuneResult:
    """What :func:`finetune` gives back.

    Attributes
    ----------
    model : LoadedModel
        The fine-tuned classifier; ``extract``/``embed`` read its encoder body.
    base : LoadedModel
        The pretrained model it started from.
    labels : tuple of str
        Class names; class ``i`` is output ``i`` of the head.
    history : TrainingHistory
    eval_labels, eval_predictions : ndarray of int, shape (n_eval,) or None
        True and predicted class of each held-out text after training.
    params : dict
        The hyper-parameters (epochs, lr, batch_size, max_length, warmup, weight_decay, seed, ...).
    train_seconds : float
        Wall time of the training run that produced the model (measured when it was trained).
    n_threads : int
        CPU threads torch used for that run.
    from_cache : bool
        True when the model was loaded from the cache instead of trained.
    key : str
        Cache key (base fingerprint + data + hyper-parameters).
    path : Path or None
        Folder of the saved model (None when the cache is off).
    """

    model: LoadedModel
    base: LoadedModel
    labels: tuple[str, ...]
    history: TrainingHistory
    eval_labels: np.ndarray | None
    eval_predictions: np.ndarray | None
    params: dict
    train_seconds: float
    n_threads: int
    from_cache: bool
    key: str
    path: Path | None

    @property
    def eval_accuracy(self) -> float:
        """Held-out accuracy after training (NaN without ``eval_df``)."""
        acc = self.history.eval_accuracy
        return float(acc[-1]) if len(acc) else float("nan")

    @property
    def initial_eval_accuracy(self) -> float:
        """Held-out accuracy of the untrained head, before the first step (NaN without ``eval_df``)."""
        acc = self.history.eval_accuracy
        return float(acc[0]) if len(acc) else float("nan")

    def __repr__(self) -> str:
        return (f"FineTuneResult(base={self.base.name!r}, labels={self.labels}, steps={self.history.n_steps}, "
                f"eval_accuracy={self.eval_accuracy:.3f}, train_seconds={self.train_seconds:.0f}, "
                f"from_cache={self.from_cache})")


# ----------------------------------------------------------------------------------------- checks


def _check_frame(df, name: str) -> tuple[list[str], list[str]]:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame with columns 'text' and 'label', "
                        f"got {type(df).__name__}")
    missing = [c for c in ("text", "label") if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; its columns are {list(df.columns)}. "
                         "Rename them, e.g. df.rename(columns={'sentence': 'text'})")
    if len(df) == 0:
        raise ValueError(f"{name} is empty")
    if df["label"].isna().any():
        raise ValueError(f"{name} has {int(df['label'].isna().sum())} missing label(s): drop those rows")
    texts = validate_texts(list(df["text"]))
    return texts, [str(x) for x in df["label"]]


def _check_params(epochs, lr, batch_size, max_length, warmup, weight_decay, eval_every, seed) -> None:
    def positive_int(v, name):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")

    positive_int(epochs, "epochs")
    positive_int(batch_size, "batch_size")
    if max_length is not None:
        positive_int(max_length, "max_length")
    if eval_every is not None:
        positive_int(eval_every, "eval_every")
    if not isinstance(lr, (int, float)) or not 0 < lr < 1:
        raise ValueError(f"lr must be a learning rate in (0, 1), e.g. 5e-5; got {lr!r}")
    if not isinstance(warmup, (int, float)) or not 0 <= warmup < 1:
        raise ValueError(f"warmup is the fraction of steps spent warming up, in [0, 1); got {warmup!r}")
    if not isinstance(weight_decay, (int, float)) or weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r}")


def predict(model: LoadedModel, texts, *, batch_size: int = 64, max_length: int | None = None) -> np.ndarray:
    """Class probabilities of a fine-tuned classifier.

    Parameters
    ----------
    model : LoadedModel
        A classifier, e.g. ``finetune(...).model``.
    texts : str or list of str

    Returns
    -------
    ndarray of shape (n_texts, n_labels)
        Softmax probabilities; column ``i`` is ``model.config.id2label[i]``.
    """
    check_model(model, name="model")
    if not hasattr(model.model, "classifier") and not hasattr(model.model, "score"):
        raise ValueError(f"{model.name!r} has no classification head: fine-tune it first (vizlab.finetune) "
                         "or load it with task='sequence-classification'")
    texts = validate_texts(texts)
    logits = classifier_logits(model.model, model, texts, batch_size=batch_size, max_length=max_length)
    z = logits - logits.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------------------- cache


def _save(folder: Path, clf, base: LoadedModel, meta: dict, arrays: dict) -> Path:
    """Write model + tokenizer + history into a temp folder, then rename it to ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        clf.save_pretrained(tmp)
        base.tokenizer.save_pretrained(tmp)
        np.savez(tmp / _HISTORY, **arrays)
        (tmp / _META).write_text(json.dumps(meta, indent=1, sort_keys=True))
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / _META).exists():  # not a concurrent run that finished first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _load(folder: Path, base: LoadedModel) -> tuple[LoadedModel, dict, dict]:
    meta = json.loads((folder / _META).read_text())
    with np.load(folder / _HISTORY, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    lm = load_model(str(folder), task="sequence-classification", device=base.device)
    return dataclasses.replace(lm, name=f"{base.name}+finetuned"), meta, arrays


def _root(cache) -> Path | None:
    if cache is False or cache is None:
        return None
    if cache is True:
        return cache_dir() / "finetuned"
    if isinstance(cache, (str, os.PathLike)):
        return Path(cache)
    raise TypeError(f"cache must be True, False or a folder, got {type(cache).__name__}")


def finetune(
    model: LoadedModel,
    train_df: pd.DataFrame,
    *,
    eval_df: pd.DataFrame | None = None,
    epochs: int = 2,
    lr: float = 1e-4,
    batch_size: int = 16,
    max_length: int | None = 128,
    warmup: float = 0.1,
    weight_decay: float = 0.01,
    freeze_embeddings: bool = True,
    group_by_length: bool = True,
    eval_every: int | None = None,
    labels: tuple[str, ...] | None = None,
    seed: int = 0,
    cache: bool | str | os.PathLike = True,
    num_threads: int | None = 1,
    progress: bool | None = None,
    train: bool = True,
) -> FineTuneResult:
    """Fine-tune ``model`` with a new classification head on ``train_df``.

    Parameters
    ----------
    model : LoadedModel
        A pretrained encoder (e.g. ``load_model("minilm")``); it is not modified.
    train_df : DataFrame with columns ``text`` and ``label``
        E.g. from :func:`vizlab.datasets.load_sentiment`.
    eval_df : DataFrame with columns ``text`` and ``label``, optional
        Held-out texts scored before training, after each epoch and every ``eval_every`` steps.
    epochs : int
        Passes over ``train_df``.
    lr : float
        Peak learning rate of AdamW.
    batch_size : int
        Texts per step; each batch is padded only to its longest text.
    max_length : int or None
        Truncate longer texts (None: the model's limit).
    warmup : float
        Fraction of the steps over which the learning rate rises linearly from 0 to ``lr``
        (it then decays linearly to 0).
    weight_decay : float
        AdamW decoupled weight decay (not applied to biases and LayerNorm weights).
    freeze_embeddings : bool
        Keep the token/position embedding layer as pretrained (about half of MiniLM's
        weights): faster steps, less overfitting on small data; hidden state 0 then stays
        exactly as before.
    group_by_length : bool
        Put texts of similar length in the same batch (less padding, faster steps); the
        batches are still random and in random order.
    eval_every : int, optional
        Also score ``eval_df`` every this many steps (for smoother held-out curves).
    labels : tuple of str, optional
        Class order of the head; default: the sorted labels of ``train_df``.
    seed : int
        Seeds the head's initial weights, the shuffling and dropout: the same call gives the
        same model.
    cache : bool or path
        Save the model in (and load it from) ``cache_dir() / "finetuned"``, or in this folder;
        False trains in memory every time.
    num_threads : int or None
        CPU threads for torch during training (restored afterwards). The default 1 makes the
        trained weights identical on every machine (a sum split over 2 threads rounds
        differently); None keeps torch's setting (faster on idle cores, machine-dependent bits).
        Does not enter the cache key.
    progress : bool, optional
        Show a progress bar (False: never).
    train : bool
        False: only load a model already trained with these settings (from the cache) and raise
        :class:`NotTrainedError` instead of training (a command that must not start minutes of work
        unasked).

    Returns
    -------
    FineTuneResult
    """
    check_model(model, name="model")
    if model.kind != "encoder":
        raise ValueError(f"fine-tuning with a classification head needs an encoder (e.g. 'minilm'); "
                         f"{model.name!r} is a {model.kind}")
    texts, train_labels = _check_frame(train_df, "train_df")
    eval_texts, eval_labels = _check_frame(eval_df, "eval_df") if eval_df is not None else (None, None)
    _check_params(epochs, lr, batch_size, max_length, warmup, weight_decay, eval_every, seed)
    labels = tuple(str(x) for x in labels) if labels is not None else tuple(sorted(set(train_labels)))
    if len(labels) < 2:
        raise ValueError(f"train_df has a single label {labels}: a classifier needs at least two classes")
    index = {lab: i for i, lab in enumerate(labels)}
    for name, labs in (("train_df", train_labels), ("eval_df", eval_labels or [])):
        unknown = sorted(set(labs) - set(index))
        if unknown:
            raise ValueError(f"{name} has label(s) {unknown} not among the classes {labels}")
    y = np.array([index[x] for x in train_labels])
    evalset = (eval_texts, np.array([index[x] for x in eval_labels])) if eval_texts is not None else None
    params = {"epochs": int(epochs), "lr": float(lr), "batch_size": int(batch_size),
              "max_length": max_length, "warmup": float(warmup), "weight_decay": float(weight_decay),
              "freeze_embeddings": bool(freeze_embeddings), "group_by_length": bool(group_by_length),
              "eval_every": eval_every, "seed": int(seed), "head": "AutoModelForSequenceClassification"}
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # torchrun/accelerate launch: other dropout masks,
        params["processes"] = int(os.environ["WORLD_SIZE"])  # so a cache entry of its own
    key = cache_key("finetune", _VERSION, code_version(__name__), runtime_versions(), model.fingerprint, texts,
                    train_labels, eval_texts, eval_labels, labels, params)
    root = _root(cache)
    folder = root / key[:32] if root is not None else None
    eval_true = evalset[1] if evalset is not None else None

    # One process trains, others asking for the same model meanwhile wait and load it (parallel figure
    # workers, two notebooks); the processes of one torchrun group train together, unlocked.
    one_process = "processes" not in params
    trained = folder is not None and (folder / _META).exists()  # loading needs no lock
    guard = locked(key, folder=root / ".locks") if folder is not None and one_process and not trained \
        else contextlib.nullcontext()
    with guard:
        if folder is not None and (folder / _META).exists():
            try:
                lm, meta, arrays = _load(folder, model)
                pred = arrays.pop("eval_predictions", None)
                return FineTuneResult(lm, model, labels, TrainingHistory(**arrays), eval_true, pred, params,
                                      meta["train_seconds"], meta["n_threads"], True, key, folder)
            except Exception as err:  # a damaged entry (missing file, truncated weights): train again
                warnings.warn(f"fine-tuned model in {folder} is unreadable ({type(err).__name__}: {err}); "
                              "training again.",
                              RuntimeWarning, stacklevel=2)
                shutil.rmtree(folder, ignore_errors=True)

        if not train:
            raise NotTrainedError(f"{model.name} fine-tuned with these settings is not in the cache ({root}); "
                                  "train it with train=True")
        clf = build_classifier(model, labels, seed)
        threads_before = torch.get_num_threads()
        if num_threads is not None:
            torch.set_num_threads(int(num_threads))
        try:
            n_threads = torch.get_num_threads()
            t0 = time.perf_counter()
            history, pred = train_classifier(model, clf, (texts, y), evalset, params, progress)
            seconds = time.perf_counter() - t0
        finally:
            torch.set_num_threads(threads_before)
        arrays = history._arrays()
        if pred is not None:
            arrays["eval_predictions"] = pred
        if folder is not None:
            meta = {"train_seconds": seconds, "n_threads": n_threads, "base": model.name,
                    "base_fingerprint": model.fingerprint, "labels": list(labels), "params": params,
                    "n_train": len(texts), "n_eval": len(eval_texts or []), "torch": torch.__version__}
            try:
                _save(folder, clf, model, meta, arrays)
                lm, _, _ = _load(folder, model)
                return FineTuneResult(lm, model, labels, history, eval_true, pred, params, seconds, n_threads,
                                      False, key, folder)
            except OSError as err:
                warnings.warn(f"could not save the fine-tuned model in {folder} ({err}); keeping it in memory.",
                              RuntimeWarning, stacklevel=2)
        lm = wrap_model(clf, model.tokenizer, name=f"{model.name}+finetuned")
        return FineTuneResult(lm, model, labels, history, eval_true, pred, params, seconds, n_threads, False, key, None)

"""The training loop behind :func:`vizlab.extraction.finetune.finetune`.

A classification model built from a pretrained encoder, batches of similar-length texts padded
per batch, AdamW with linear warm-up and decay, held-out scoring during training, and the
:class:`TrainingHistory` it records.

The loop runs through 🤗 Accelerate (the loop of the HF course, chapter 3): the model, optimiser
and scheduler go through ``Accelerator.prepare``, gradients through ``accelerator.backward``,
and held-out logits are computed by each process on its share and gathered. Started with
``torchrun --nproc_per_node N`` or ``accelerate launch``, the same call trains data-parallel
(DDP; gloo on CPUs, NCCL on GPUs; mixed precision from ``accelerate launch --mixed_precision``).
Each process takes texts ``rank, rank + N, ...`` of every global batch of ``batch_size`` texts
(vizlab splits the length-grouped batches itself: Accelerate's own sharding of a batch sampler
would drop or repeat the one short batch), and its loss is weighted by its share, so the averaged
gradient is that of the whole batch: without dropout, N processes give the weights of one
process up to float round-off (``scripts/bench_ddp.py``). With dropout each process draws its own
masks, so the runs agree statistically, not bit for bit. On one process nothing changes: the same
seed gives the same weights as the hand-written loop did.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from vizlab.extraction.batching import (
    LengthGroupedBatches,
    base_model,
    encode_texts,
    length_limit,
    model_inputs,
    pad_batch,
    plan_batches,
)
from vizlab.extraction.forward import run
from vizlab.extraction.models import LoadedModel
from vizlab.extraction.rng import seeded

__all__ = ["TrainingHistory", "build_classifier", "train_classifier", "classifier_logits", "ProcessShare"]


@dataclass(frozen=True, eq=False)
class TrainingHistory:
    """Loss and accuracy during training, per optimisation step and per evaluation.

    Attributes
    ----------
    step : ndarray of int, shape (n_steps,)
        1-based step number.
    epoch : ndarray of float, shape (n_steps,)
        Fractional epoch reached at the end of each step (1.0 = one pass over the data).
    loss, accuracy : ndarray of shape (n_steps,)
        Mean cross-entropy and accuracy of each training batch (dropout on).
    lr : ndarray of shape (n_steps,)
        Learning rate used at each step.
    epoch_loss, epoch_accuracy : ndarray of shape (n_epochs,)
        Training loss and accuracy averaged over each epoch's examples.
    eval_step : ndarray of int, shape (n_evals,)
        Step after which the held-out set was scored (0 = before any training).
    eval_epoch : ndarray of float, shape (n_evals,)
    eval_loss, eval_accuracy : ndarray of shape (n_evals,)
        Held-out loss and accuracy (dropout off); empty without ``eval_df``.
    """

    step: np.ndarray
    epoch: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    lr: np.ndarray
    epoch_loss: np.ndarray
    epoch_accuracy: np.ndarray
    eval_step: np.ndarray
    eval_epoch: np.ndarray
    eval_loss: np.ndarray
    eval_accuracy: np.ndarray

    @property
    def n_steps(self) -> int:
        return len(self.step)

    @property
    def n_epochs(self) -> int:
        return len(self.epoch_loss)

    def to_frame(self) -> pd.DataFrame:
        """Long form: one row per (step, split, metric) with ``step, epoch, split, metric, value``."""
        parts = []
        for split, step, epoch, metrics in (
            ("train", self.step, self.epoch, {"loss": self.loss, "accuracy": self.accuracy}),
            ("eval", self.eval_step, self.eval_epoch, {"loss": self.eval_loss, "accuracy": self.eval_accuracy}),
        ):
            for metric, values in metrics.items():
                parts.append(pd.DataFrame({"step": step, "epoch": epoch, "split": split,
                                           "metric": metric, "value": values}))
        return pd.concat(parts, ignore_index=True)

    def per_epoch(self) -> pd.DataFrame:
        """One row per epoch: ``epoch, train_loss, train_accuracy, eval_loss, eval_accuracy``.

        The held-out numbers are those scored at the end of the epoch (NaN without ``eval_df``).
        """
        rows = []
        for e in range(self.n_epochs):
            at = np.flatnonzero(np.isclose(self.eval_epoch, e + 1))
            rows.append({
                "epoch": e + 1,
                "train_loss": float(self.epoch_loss[e]),
                "train_accuracy": float(self.epoch_accuracy[e]),
                "eval_loss": float(self.eval_loss[at[-1]]) if len(at) else np.nan,
                "eval_accuracy": float(self.eval_accuracy[at[-1]]) if len(at) else np.nan,
            })
        return pd.DataFrame(rows)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


# ----------------------------------------------------------------------------------------- model


def build_classifier(base: LoadedModel, labels: tuple[str, ...], seed: int) -> torch.nn.Module:
    """A copy of the base encoder's weights under a fresh ``AutoModelForSequenceClassification`` head.

    Parameters
    ----------
    base : LoadedModel
        A pretrained encoder; its weights are copied, never modified.
    labels : tuple of str
        Class names; output ``i`` of the head is ``labels[i]``.
    seed : int
        Seeds the head's random initial weights.

    Returns
    -------
    torch.nn.Module
        On ``base.device``, with eager attention (so attention weights can be extracted).
    """
    from transformers import AutoModelForSequenceClassification

    config = copy.deepcopy(base.model.config)
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {lab: i for i, lab in enumerate(labels)}
    config.architectures = None
    with seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = AutoModelForSequenceClassification.from_config(config, attn_implementation="eager")
    body = base_model(base)
    result = clf.base_model.load_state_dict(body.state_dict(), strict=False)
    if result.unexpected_keys:
        raise ValueError(f"the encoder of {base.name!r} does not fit its classification model: "
                         f"unexpected weights {result.unexpected_keys[:5]}")
    return clf.to(base.device)


class _Collate:
    """Dynamic padding: pad a batch of pre-tokenized ``(features, label_id)`` to its longest text."""

    def __init__(self, lm: LoadedModel):
        self.lm = lm

    def __call__(self, batch: list[tuple[dict, int]]) -> dict[str, torch.Tensor]:
        inputs = model_inputs(self.lm, pad_batch(self.lm, [f for f, _ in batch]))
        inputs["labels"] = torch.tensor([y for _, y in batch], device=self.lm.device)
        return inputs


class ProcessShare:
    """One process's share of every global batch: texts ``rank, rank + world, ...`` (a batch sampler).

    The global batches, their order and the number of steps are those of a one-process run.
    After each batch, ``global_size`` and ``size`` hold the global batch's and this share's
    number of texts. A process whose share is empty (a last batch with fewer texts than
    processes) gets the batch's first text with ``size == 0``, so it still takes part in the
    gradient all-reduce, with weight 0.

    Parameters
    ----------
    batches : iterable of list of int
        The global batch sampler (e.g. ``LengthGroupedBatches``), iterated once per epoch.
    rank, world : int
        This process and the number of processes.
    """

    def __init__(self, batches, rank: int = 0, world: int = 1):
        self.batches, self.rank, self.world = batches, rank, world
        self.global_size = self.size = 0

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for b in self.batches:
            mine = b if self.world == 1 else b[self.rank :: self.world]
            self.global_size, self.size = len(b), len(mine)
            yield mine if mine else b[:1]


def classifier_logits(clf: torch.nn.Module, lm: LoadedModel, texts: list[str], *, batch_size: int,
            max_length: int | None) -> np.ndarray:
    """Logits of every text (dropout off), batches sorted by length.

    Returns
    -------
    ndarray of float32, shape (n_texts, n_labels)
    """
    was_training = clf.training
    clf.eval()
    feats, batches, _ = plan_batches(lm, texts, max_length=max_length, batch_size=batch_size)
    out = np.zeros((len(texts), clf.config.num_labels), dtype=np.float32)
    for idx in batches:
        enc = pad_batch(lm, [feats[i] for i in idx])
        out[idx] = run(lm, enc, module=clf)[0].logits.float().cpu().numpy()
    clf.train(was_training)
    return out


# ----------------------------------------------------------------------------------------- training


def _evaluate(clf, lm, texts, y, batch_size, max_length, accelerator) -> tuple[float, float, np.ndarray]:
    """Held-out loss, accuracy and predictions; each process scores its share, the logits are gathered."""
    if accelerator.num_processes == 1:
        logits = classifier_logits(clf, lm, texts, batch_size=batch_size, max_length=max_length)
    else:
        with accelerator.split_between_processes(list(range(len(texts)))) as mine:
            part = classifier_logits(clf, lm, [texts[i] for i in mine], batch_size=batch_size,
                                     max_length=max_length) if mine else np.zeros((0, clf.config.num_labels), np.float32)
            idx = torch.tensor(mine, dtype=torch.long, device=accelerator.device)
        part = torch.from_numpy(part).to(accelerator.device)
        rows = accelerator.gather(accelerator.pad_across_processes(idx, dim=0, pad_index=-1))
        vals = accelerator.gather(accelerator.pad_across_processes(part, dim=0))
        logits = np.zeros((len(texts), clf.config.num_labels), np.float32)
        keep = rows >= 0
        logits[rows[keep].cpu().numpy()] = vals[keep].float().cpu().numpy()
    loss = float(torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y)))
    pred = logits.argmax(axis=1)
    return loss, float((pred == y).mean()), pred


def train_classifier(base, clf, train, evalset, p, progress, *, trace: list | None = None,
                     ) -> tuple[TrainingHistory, np.ndarray | None]:
    """Train ``clf`` in place, through ``accelerate.Accelerator`` (data-parallel under ``torchrun``).

    Parameters
    ----------
    base : LoadedModel
        Gives the tokenizer, the length limit and the device.
    clf : torch.nn.Module
        From :func:`build_classifier`.
    train : (list of str, ndarray of int)
        Texts and class ids.
    evalset : (list of str, ndarray of int) or None
        Held-out texts scored before step 1, after each epoch and every ``p["eval_every"]`` steps.
    p : dict
        ``epochs, lr, batch_size, max_length, warmup, weight_decay, freeze_embeddings,
        group_by_length, eval_every, seed`` (see :func:`vizlab.extraction.finetune.finetune`).
    progress : bool or None
        False hides the progress bar.
    trace : list, optional
        Receives one dict per step with what this process saw: ``step, rank, world, texts``
        (its share), ``global_texts``, ``tokens`` (real tokens of its share), ``padded`` (its
        padded batch size), ``local_loss`` and the global ``loss``.

    Returns
    -------
    history : TrainingHistory
        Identical in every process (losses and accuracies of the global batches).
    predictions : ndarray of int, shape (n_eval,), or None
        Held-out predictions at the last evaluation.
    """
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration
    from transformers import get_linear_schedule_with_warmup

    # split_batches: batch_size is the global batch, so the scheduler steps once per step
    accelerator = Accelerator(cpu=base.device.type == "cpu", rng_types=[],
                              dataloader_config=DataLoaderConfiguration(split_batches=True))
    rank, world = accelerator.process_index, accelerator.num_processes
    if accelerator.device != base.device:
        base = dataclasses.replace(base, device=accelerator.device)
    texts, y = train
    if p["freeze_embeddings"]:  # token/position embeddings: half of MiniLM's weights
        body = clf.base_model
        for q in getattr(body, "embeddings", body.get_input_embeddings()).parameters():
            q.requires_grad_(False)
    trainable = [(n, q) for n, q in clf.named_parameters() if q.requires_grad]
    decay = [q for n, q in trainable if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [q for n, q in trainable if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": p["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=p["lr"])
    gen = torch.Generator().manual_seed(p["seed"])
    feats, lengths = encode_texts(base, texts, length_limit(base, p["max_length"]))  # padded per batch
    batches = LengthGroupedBatches(lengths, p["batch_size"], gen, grouped=p["group_by_length"])
    share = ProcessShare(batches, rank, world)
    loader = torch.utils.data.DataLoader(list(zip(feats, y.tolist())), batch_sampler=share,
                                         collate_fn=_Collate(base))
    n_batches = len(batches)
    total = n_batches * p["epochs"]
    sched = get_linear_schedule_with_warmup(opt, round(p["warmup"] * total), total)
    model, opt, sched = accelerator.prepare(clf, opt, sched)
    steps = {k: [] for k in ("loss", "accuracy", "lr")}
    evals = {k: [] for k in ("step", "loss", "accuracy")}
    epoch_loss, epoch_acc, pred = [], [], None

    def score(step):
        nonlocal pred
        if evalset is not None and (not evals["step"] or evals["step"][-1] != step):
            loss, acc, pred = _evaluate(clf, base, *evalset, p["batch_size"] * 2, p["max_length"], accelerator)
            evals["step"].append(step)
            evals["loss"].append(loss)
            evals["accuracy"].append(acc)

    step = 0
    # dropout masks (and the loader's draws) come from the seed; the caller's random state is restored
    show = progress is not False and accelerator.is_local_main_process
    with seeded(p["seed"], base.device), tqdm(total=total, desc="fine-tune", unit="step",
                                              disable=not show, leave=False) as bar:
        score(0)
        clf.train()
        for _ in range(p["epochs"]):
            sum_loss = sum_correct = 0.0
            for batch in loader:
                out = model(**batch)
                if world == 1:
                    accelerator.backward(out.loss)
                else:  # DDP averages over processes: weight each share by its size
                    accelerator.backward(out.loss * (share.size * world / share.global_size))
                loss = float(out.loss.detach())
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
                steps["lr"].append(sched.get_last_lr()[0])
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                step += 1
                n = len(batch["labels"])
                correct = float((out.logits.argmax(-1) == batch["labels"]).sum())
                local_loss = loss
                if world > 1:  # the global batch's numbers, gathered from every process
                    n, correct = share.size, correct if share.size else 0.0
                    mine = torch.tensor([[loss * n, correct, n]], dtype=torch.float64, device=accelerator.device)
                    tot = accelerator.gather(mine).sum(0)
                    loss, correct, n = float(tot[0] / tot[2]), float(tot[1]), int(tot[2])
                if trace is not None:
                    trace.append({"step": step, "rank": rank, "world": world, "texts": share.size,
                                  "global_texts": share.global_size,
                                  "tokens": int(batch["attention_mask"].sum()) if share.size else 0,
                                  "padded": list(batch["input_ids"].shape), "local_loss": local_loss,
                                  "loss": loss})
                steps["loss"].append(loss)
                steps["accuracy"].append(correct / n)
                sum_loss += loss * n
                sum_correct += correct
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(steps['loss'][-20:]):.3f}",
                                acc=f"{np.mean(steps['accuracy'][-20:]):.2f}")
                if p["eval_every"] and step % p["eval_every"] == 0:
                    score(step)
                    clf.train()
            epoch_loss.append(sum_loss / len(texts))
            epoch_acc.append(sum_correct / len(texts))
            score(step)
            clf.train()
    clf.eval()
    f = np.asarray
    hist = TrainingHistory(
        step=np.arange(1, step + 1), epoch=np.arange(1, step + 1) / n_batches,
        loss=f(steps["loss"]), accuracy=f(steps["accuracy"]), lr=f(steps["lr"]),
        epoch_loss=f(epoch_loss), epoch_accuracy=f(epoch_acc),
        eval_step=f(evals["step"], dtype=int), eval_epoch=f(evals["step"], dtype=float) / n_batches,
        eval_loss=f(evals["loss"], dtype=float), eval_accuracy=f(evals["accuracy"], dtype=float),
    )
    return hist, pred

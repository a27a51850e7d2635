"""What one vector per text means for a model: pooling, maximum length, normalisation.

A sentence-transformers folder defines its own embedding (STYLE 25): ``modules.json`` lists the
steps (``Transformer`` -> ``Pooling`` -> ``Normalize``), ``sentence_bert_config.json`` the maximum
length (``max_seq_length``: 256 for all-MiniLM-L6-v2, although its tokenizer and position
embeddings go to 512) and ``1_Pooling/config.json`` the pooling. :func:`sentence_definition`
reads those files, so :func:`vizlab.embed` gives the vectors ``SentenceTransformer(folder).encode``
gives (``tests/test_sentence_embedding.py`` checks the equality, and that the files are read as
sentence-transformers reads them). The JSON files are read here rather than by loading
``SentenceTransformer(folder)``: that would load the weights a second time, and importing
sentence-transformers alone takes seconds.

Any other model (a plain Hugging Face folder, a model built in memory) gets vizlab's default: the
mean over the text's tokens of the last hidden state, the model's own limit (the smaller of its
position embeddings and its tokenizer's ``model_max_length``), no normalisation.

>>> d = sentence_definition(vizlab.load_model("minilm"))         # doctest: +SKIP
>>> d.describe()                                                  # doctest: +SKIP
'pooling: mean over tokens, max length 256, normalised (sentence-transformers modules.json)'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["SentenceDefinition", "sentence_definition", "POOLINGS"]

#: Poolings :func:`vizlab.embed` computes, and how they are said.
POOLINGS = {
    "mean": ("mean over tokens", "média dos tokens"),
    "cls": ("first token ([CLS])", "primeiro token ([CLS])"),
    "last": ("last token", "último token"),
    "max": ("maximum over tokens", "máximo dos tokens"),
}

# sentence-transformers' pooling modes (config.json of a Pooling module) -> vizlab's names
_ST_POOLING = {"mean": "mean", "cls": "cls", "lasttoken": "last", "max": "max"}
# the boolean keys of older Pooling configs (sentence-transformers < 5 wrote these)
_ST_LEGACY_POOLING = {
    "pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean", "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean", "pooling_mode_lasttoken": "lasttoken",
}
# the config file names sentence-transformers tries for a Transformer module, in its order
_ST_TRANSFORMER_CONFIGS = ("sentence_bert_config.json", "sentence_roberta_config.json",
                           "sentence_distilbert_config.json", "sentence_camembert_config.json",
                           "sentence_albert_config.json", "sentence_xlm-roberta_config.json",
                           "sentence_xlnet_config.json")


@dataclass(frozen=True)
class SentenceDefinition:
    """How a model's token vectors become one vector per text.

    Attributes
    ----------
    pooling : {"mean", "cls", "last", "max"}
        Mean over the text's tokens, its first token, its last token, or the maximum over its tokens.
    max_length : int
        Tokens kept per text (special tokens included); longer texts are cut.
    normalize : bool
        Each vector scaled to length 1.
    source : {"sentence-transformers", "default"}
        Read from the folder's sentence-transformers modules, or vizlab's default for other models.
    problem : str or None
        A step of the folder's modules that vizlab does not compute (a ``Dense`` layer, a
        weighted pooling...): :func:`vizlab.embed` refuses to stand in for it unless a pooling is
        given explicitly.
    """

    pooling: str
    max_length: int
    normalize: bool
    source: str = "default"
    problem: str | None = None

    def describe(self, lang: str = "en") -> str:
        """One line for readers: ``'pooling: mean over tokens, max length 256, normalised (...)'``."""
        en = lang != "pt"
        words = POOLINGS[self.pooling][0 if en else 1]
        length = f"{self.max_length:,}".replace(",", "," if en else ".")
        parts = [f"{'pooling' if en else 'agregação'}: {words}",
                 f"max length {length}" if en else f"comprimento máximo {length} tokens"]
        if self.normalize:
            parts.append("normalised" if en else "normalizado")
        where = {"sentence-transformers": ("sentence-transformers modules.json", "modules.json do sentence-transformers"),
                 "default": ("vizlab's default for a model without sentence-transformers modules",
                             "padrão do vizlab para um modelo sem módulos sentence-transformers"),
                 "given": ("as asked", "como pedido")}[self.source][0 if en else 1]
        return f"{', '.join(parts)} ({where})"

    def override(self, *, pooling: str | None = None, max_length: int | None = None,
                 normalize: bool | None = None) -> SentenceDefinition:
        """This definition with the settings a caller gave (None keeps the model's own)."""
        changed = {k: v for k, v in (("pooling", pooling), ("max_length", max_length), ("normalize", normalize))
                   if v is not None and v != getattr(self, k)}
        if not changed:
            return self
        if "max_length" in changed:
            changed["max_length"] = int(changed["max_length"])
        problem = None if "pooling" in changed else self.problem  # a pooling chosen by hand replaces the modules
        return replace(self, **changed, source="given", problem=problem)


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _pooling_mode(config: dict) -> str | list[str]:
    """The pooling mode of a Pooling module's config.json, old boolean keys included (as
    sentence-transformers' ``Pooling.load_config`` converts them)."""
    if "pooling_mode" in config:
        mode = config["pooling_mode"]
        return mode[0] if isinstance(mode, list) and len(mode) == 1 else mode
    modes = [m for k, m in _ST_LEGACY_POOLING.items() if config.get(k)]
    return modes[0] if len(modes) == 1 else (modes or "mean")


def _from_modules(folder: Path, modules: list[dict], model_limit: int) -> SentenceDefinition:
    max_length, pooling, normalize, problems = None, None, False, []
    for m in modules:
        kind = str(m.get("type", "")).rsplit(".", 1)[-1]
        sub = folder / m.get("path", "")
        if kind == "Transformer":
            config = next((_read_json(sub / n) for n in _ST_TRANSFORMER_CONFIGS if (sub / n).exists()), {})
            max_length = config.get("max_seq_length")
            if config.get("do_lower_case"):
                problems.append("its Transformer lower-cases the texts (do_lower_case)")
        elif kind == "Pooling":
            mode = _pooling_mode(_read_json(sub / "config.json"))
            if isinstance(mode, str) and mode in _ST_POOLING:
                pooling = _ST_POOLING[mode]
            else:
                problems.append(f"its Pooling is {mode!r}")
        elif kind == "Normalize":
            normalize = True
        else:
            problems.append(f"it has a {kind} module")
    limit = model_limit if max_length is None else min(int(max_length), model_limit)
    problem = "; ".join(problems) if problems else None
    return SentenceDefinition(pooling or "mean", limit, normalize, "sentence-transformers", problem)


def sentence_definition(lm: LoadedModel) -> SentenceDefinition:
    """The embedding ``lm`` defines: its sentence-transformers modules, else vizlab's default.

    Parameters
    ----------
    lm : LoadedModel
        From :func:`vizlab.load_model` (a preset or a folder) or built in memory.

    Returns
    -------
    SentenceDefinition
        For a folder with ``modules.json``: the ``max_seq_length`` of its Transformer module
        (capped at the model's limit; the tokenizer's limit when it gives none), the mode of its
        Pooling module, and whether a Normalize module follows. Otherwise: mean pooling, the
        model's limit (:attr:`~vizlab.extraction.models.LoadedModel.max_length`), no normalisation.
    """
    check_model(lm)
    folder = Path(lm.source) if lm.source and lm.source != "memory" else None
    if folder is not None and (folder / "modules.json").is_file():
        return _from_modules(folder, _read_json(folder / "modules.json"), lm.max_length)
    return SentenceDefinition("mean", lm.max_length, False)

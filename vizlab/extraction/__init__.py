"""Extraction layer: the only part of vizlab that imports torch and transformers."""

from vizlab.extraction.models import PRESETS, LoadedModel, load_model, model_from_config
from vizlab.extraction.run import embed, extract

__all__ = ["PRESETS", "LoadedModel", "load_model", "model_from_config", "extract", "embed"]

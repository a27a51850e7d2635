"""Interactive attention views.

- :func:`save_attention_html` / :func:`attention_html`: a self-contained page with a small
  vanilla-JS viewer (pick layer and head, hover a token to see its lines, a model-view grid);
  no external scripts, works offline from ``file://``.
- :func:`show_attention`: the same viewer in a notebook cell.
- :func:`save_embedding_html` / :func:`show_embeddings`: an offline map of texts (hover, legend, search,
  zoom; WebGL); :func:`save_generation_html` / :func:`show_generation`: the attribution of generated
  text (hover a generated token to see what it rests on); :func:`save_shift_html` / :func:`show_shift`: the same texts before and after fine-tuning.
- :func:`bertviz_head_view` / :func:`bertviz_model_view`: bertviz's views fed correctly from
  vizlab activations (they need a network connection for bertviz's CDN scripts).
"""

from vizlab.interactive.bertviz import bertviz_head_view, bertviz_inputs, bertviz_model_view
from vizlab.interactive.explorer import (
    ExplorerView,
    embedding_html,
    save_embedding_html,
    save_shift_html,
    shift_html,
    show_embeddings,
    show_shift,
)
from vizlab.interactive.generation import generation_html, save_generation_html, show_generation
from vizlab.interactive.html import AttentionView, attention_html, save_attention_html, show_attention

__all__ = [
    "AttentionView",
    "ExplorerView",
    "embedding_html",
    "save_embedding_html",
    "save_shift_html",
    "shift_html",
    "show_embeddings",
    "show_shift",
    "attention_html",
    "generation_html",
    "save_generation_html",
    "show_generation",
    "bertviz_head_view",
    "bertviz_inputs",
    "bertviz_model_view",
    "save_attention_html",
    "show_attention",
]

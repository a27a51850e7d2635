"""One language mechanism: a pt/en message catalogue, one glossary, locale-aware numbers.

Every text a reader sees (figure labels and titles, captions, the offline viewers' interface, the
command line's messages) is picked by a :class:`Lang`:

- ``lang("layer")`` looks a term up in :data:`CATALOGUE` (glossary terms and interface strings,
  one Portuguese term per concept, the same in figures, viewer and REPORT.md);
- ``lang.t(pt, en)`` picks one of two sentences written in place (titles and labels that
  belong to one figure);
- captions: ``vizlab/figures/captions.toml``, pt and en side by side, one table per figure id
  (read by :mod:`vizlab.figures.registry` into ``FigureSpec.caption``);
- ``lang.num(0.754, 2)`` -> ``'0,75'`` in Portuguese, ``'0.75'`` in English; ``lang.pct(0.099)``
  -> ``'9,9 %'`` / ``'9.9%'``; ``lang.int(2400)`` -> ``'2.400'`` / ``'2,400'``.

:data:`AVOID` lists the words that the glossary replaces in Portuguese text (tested against the
figures' text and REPORT.md).

>>> pt, en = Lang("pt"), Lang("en")
>>> pt("layer"), en("layer"), pt("silhouette")
('camada', 'layer', 'silhueta')
>>> pt.num(0.7549, 2), en.num(0.7549, 2), pt.pct(0.0991), en.pct(0.0991), pt.int(2400)
('0,75', '0.75', '9,9 %', '9.9%', '2.400')
>>> pt.num(-1234.5, 1), pt.signed(0.034, 3), en.signed(-0.034, 3)
('−1.234,5', '+0,034', '−0.034')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["LANGS", "CATALOGUE", "AVOID", "Lang", "get_lang", "fmt_num", "fmt_pct", "fmt_int"]

LANGS = ("pt", "en")

# key -> (Portuguese, English). Glossary terms first, then interface strings.
CATALOGUE: dict[str, tuple[str, str]] = {
    # -- glossary: one term per concept --------------------------------------------------
    "layer": ("camada", "layer"),
    "layers": ("camadas", "layers"),
    "head": ("cabeça", "head"),
    "heads": ("cabeças", "heads"),
    "token": ("token", "token"),
    "tokens": ("tokens", "tokens"),
    "attention": ("atenção", "attention"),
    "query": ("consulta (query)", "query"),
    "key": ("chave (key)", "key"),
    "value": ("valor (value)", "value"),
    "query_short": ("consulta", "query"),
    "key_short": ("chave", "key"),
    "embedding": ("embedding", "embedding"),
    "embeddings": ("embeddings", "embeddings"),
    "hidden_state": ("estado oculto", "hidden state"),
    "logit": ("logit", "logit"),
    "probability": ("probabilidade", "probability"),
    "accuracy": ("acurácia", "accuracy"),
    "macro_f1": ("F1 macro", "macro F1"),
    "silhouette": ("silhueta", "silhouette"),
    "entropy": ("entropia", "entropy"),
    "similarity": ("similaridade de cosseno", "cosine similarity"),
    "pretraining": ("pré-treinamento", "pre-training"),
    "pretrained": ("pré-treinado", "pretrained"),
    "random": ("pesos aleatórios", "random weights"),
    "fine_tuning": ("ajuste fino", "fine-tuning"),
    "fine_tuned": ("após o ajuste fino", "fine-tuned"),
    "before_ft": ("antes do ajuste fino", "before fine-tuning"),
    "after_ft": ("após o ajuste fino", "after fine-tuning"),
    "probe": ("sonda linear", "linear probe"),
    "baseline": ("referência", "baseline"),
    "topic_only": ("só o tema", "topic only"),
    "within_topic": ("dentro do tema", "within topic"),
    "topic": ("tema", "topic"),
    # topics of the sentiment tweets (vizlab.datasets.TOPIC_RULES)
    "topic.airline": ("companhias aéreas", "airlines"),
    "topic.deflategate": ("Deflategate (futebol americano)", "Deflategate (American football)"),
    "topic.self_driving": ("carros autônomos", "self-driving cars"),
    "topic.coachella": ("festival Coachella", "Coachella festival"),
    "topic.apple": ("Apple", "Apple"),
    "topic.claritin": ("Claritin (antialérgico)", "Claritin (allergy drug)"),
    "topic.other": ("outro", "other"),
    "topic_only_clf": ("classificador que só conhece o tema", "topic-only classifier"),
    "majority_class": ("classe mais frequente", "majority class"),
    "chance": ("acaso", "chance"),
    "label": ("rótulo", "label"),
    "class": ("classe", "class"),
    "sentiment": ("sentimento", "sentiment"),
    "negative": ("negativo", "negative"),
    "neutral": ("neutro", "neutral"),
    "positive": ("positivo", "positive"),
    "true_label": ("rótulo verdadeiro", "true label"),
    "predicted": ("previsto", "predicted"),
    "padding": ("preenchimento (padding)", "padding"),
    "attention_mask": ("máscara de atenção", "attention mask"),
    "training_examples": ("exemplos de treino", "training examples"),
    "step": ("passo", "step"),
    "epoch": ("época", "epoch"),
    "loss": ("perda (loss)", "loss"),
    "interval_95": ("IC 95 %", "95% CI"),
    "temperature": ("temperatura", "temperature"),
    "rollout": ("rollout de atenção", "attention rollout"),
    "attribution": ("atribuição", "attribution"),
    # -- numbering notes (see vizlab.numbering) --------------------------------------------
    "layers_note": ("camadas numeradas de 1 (primeiro bloco) a {n}", "layers numbered 1 (first block) to {n}"),
    "hidden_note": ("0 = saída dos embeddings; k = saída da camada k",
                    "0 = embedding output; k = output of layer k"),
    "heads_note": ("cabeças numeradas de 1 a {n}", "heads numbered 1 to {n}"),
    # -- interface (viewer, command line) ---------------------------------------------------
    "example": ("exemplo", "example"),
    "hide_special": ("ocultar tokens especiais", "hide special tokens"),
    "all_heads": ("todas as cabeças", "all heads"),
    "search": ("buscar", "search"),
    "hover_hint": ("passe o mouse sobre um token", "hover over a token"),
    "offline_note": ("funciona offline", "works offline"),
    # -- embedding explorer (vizlab.interactive.explorer) ----------------------------------
    "texts": ("textos", "texts"),
    "map_dim": ("dimensão {k}", "dimension {k}"),
    "explorer_title": ("Mapa de embeddings (vizlab)", "Embedding map (vizlab)"),
    "shift_explorer_title": ("Antes e depois do ajuste fino (vizlab)", "Before and after fine-tuning (vizlab)"),
    "search_placeholder": ("palavra nos textos", "word in the texts"),
    "search_count": ("{n} de {total} textos contêm «{q}»", "{n} of {total} texts contain “{q}”"),
    "pred_before": ("previsão antes do ajuste", "prediction before fine-tuning"),
    "pred_after": ("previsão após o ajuste", "prediction after fine-tuning"),
    "explorer_note": ("Passe o mouse sobre um ponto para ler o texto; clique numa classe da legenda para "
                      "ocultá-la (clique duplo: só ela); role para ampliar e arraste para mover. A busca "
                      "ignora maiúsculas e acentos. Os eixos do mapa não têm unidade: só contam as "
                      "vizinhanças entre os pontos.",
                      "Hover a point to read its text; click a class in the legend to hide it (double "
                      "click: only that class); scroll to zoom and drag to pan. The search ignores case and "
                      "accents. The map's axes have no unit: only the neighbourhoods between points count."),
    "shift_note": ("Os mesmos textos antes e depois do ajuste fino, num só sistema de coordenadas; o "
                   "controle desliza de um estado ao outro (posições intermediárias interpoladas). "
                   "Cor = rótulo verdadeiro; ✓ previsão certa, ✗ errada.",
                   "The same texts before and after fine-tuning, in one coordinate system; the slider "
                   "moves from one state to the other (positions in between interpolated). "
                   "Colour = true label; ✓ right prediction, ✗ wrong."),
    # -- attention figures and viewer (vizlab.figures.attention, vizlab.interactive) ---------
    "pattern.[CLS]": ("[CLS] (vertical)", "[CLS] (vertical)"),
    "pattern.[SEP]": ("[SEP] (vertical)", "[SEP] (vertical)"),
    "pattern.punct": ("pontuação", "punctuation"),
    "pattern.prev": ("token anterior", "previous token"),
    "pattern.self": ("o próprio token", "same token"),
    "pattern.next": ("próximo token", "next token"),
    "pattern.block": ("bloco (frase do par)", "block (pair sentence)"),
    "pattern.broad": ("ampla (entropia alta)", "broad (high entropy)"),
    "pattern.mixed": ("mista", "mixed"),
    "pattern_short.[CLS]": ("CLS", "CLS"),
    "pattern_short.[SEP]": ("SEP", "SEP"),
    "pattern_short.punct": ("pont.", "punct"),
    "pattern_short.prev": ("anterior", "prev"),
    "pattern_short.self": ("próprio", "self"),
    "pattern_short.next": ("seguinte", "next"),
    "pattern_short.block": ("bloco", "block"),
    "pattern_short.broad": ("ampla", "broad"),
    "pattern_short.mixed": ("mista", "mixed"),
    "head_pattern": ("padrão de cada cabeça", "pattern of each head"),
    "attention_share": ("% da atenção", "% of attention"),
    "entropy_nats": ("entropia (nats)", "entropy (nats)"),
    "share_cls": ("% para [CLS]", "% to [CLS]"),
    "share_sep": ("% para [SEP]", "% to [SEP]"),
    "share_prev": ("% para o token anterior", "% to the previous token"),
    "share_same": ("% para o próprio token", "% to the same token"),
    "share_next": ("% para o próximo token", "% to the next token"),
    "attention_weight": ("peso de atenção", "attention weight"),
    "attention_sqrt_scale": ("peso de atenção (escala de raiz quadrada)", "attention weight (square-root scale)"),
    "sentence": ("frase", "sentence"),
    "position": ("posição", "position"),
    "sentence_pair": ("par de frases", "sentence pair"),
    "viewer_title": ("Visualizador de atenção (vizlab)", "Attention viewer (vizlab)"),
    "show_special": ("mostrar tokens especiais", "show special tokens"),
    "viewer_head_view": ("Uma cabeça: passe o mouse sobre um token para ver só as linhas dele",
                         "One head: hover a token to see only its lines"),
    "viewer_model_view": ("Todas as cabeças: linhas = camadas, colunas = cabeças (clique para escolher)",
                          "Every head: rows = layers, columns = heads (click to pick one)"),
    "viewer_note": ("Linhas mais grossas e escuras = mais atenção. Sem tokens especiais, cada linha é "
                    "renormalizada. Camadas numeradas a partir de 1 (1 = primeiro bloco), cabeças a partir "
                    "de 1. ␣ marca um token que começa depois de um espaço.",
                    "Thicker, darker lines = more attention. Without special tokens each row is "
                    "renormalised. Layers numbered from 1 (1 = first block), heads from 1. "
                    "␣ marks a token that starts after a space."),
}

# Portuguese words the glossary replaces (wrong word -> the glossary's word).
AVOID: dict[str, str] = {
    "silhouette": "silhueta",
    "afinado": "após o ajuste fino",
    "afinamento": "ajuste fino",
    "precisão": "acurácia (quando é a fração de acertos)",
    "acuracia": "acurácia",
    "incorporação": "embedding",
    "tópico": "tema",
    "ateção": "atenção",
}


def fmt_num(x: float, decimals: int = 2, *, lang: str = "pt") -> str:
    """``x`` with ``decimals`` decimals: decimal comma and dot thousands in Portuguese, the reverse in English."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = f"{float(x):,.{int(decimals)}f}"
    if lang == "pt":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s.replace("-", "−")


def fmt_int(n: int, *, lang: str = "pt") -> str:
    """An integer with thousands separators (``2.400`` / ``2,400``)."""
    return fmt_num(int(n), 0, lang=lang)


def fmt_pct(x: float, decimals: int = 1, *, lang: str = "pt") -> str:
    """A fraction as a percentage: ``0.099`` -> ``'9,9 %'`` (pt) / ``'9.9%'`` (en)."""
    s = fmt_num(100 * float(x), decimals, lang=lang)
    return f"{s} %" if lang == "pt" else f"{s}%"


@dataclass(frozen=True)
class Lang:
    """The reader's language: looks up the catalogue and formats numbers (no global state)."""

    code: str = "pt"

    def __post_init__(self):
        if self.code not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}, got {self.code!r}")

    def __call__(self, key: str, **fields) -> str:
        """The catalogue's text for ``key`` in this language, with ``{fields}`` filled in."""
        try:
            pt, en = CATALOGUE[key]
        except KeyError:
            raise KeyError(f"no text {key!r} in vizlab.i18n.CATALOGUE; add it there (pt, en)") from None
        text = pt if self.code == "pt" else en
        return text.format(**fields) if fields else text

    def t(self, pt: str, en: str) -> str:
        """Pick one of two texts written in place."""
        return pt if self.code == "pt" else en

    def num(self, x: float, decimals: int = 2) -> str:
        return fmt_num(x, decimals, lang=self.code)

    def signed(self, x: float, decimals: int = 2) -> str:
        s = fmt_num(x, decimals, lang=self.code)
        return s if s.startswith("−") else "+" + s

    def pct(self, x: float, decimals: int = 1) -> str:
        return fmt_pct(x, decimals, lang=self.code)

    def int(self, n: int) -> str:
        return fmt_int(n, lang=self.code)

    @property
    def decimal(self) -> str:
        """The decimal separator (``','`` or ``'.'``)."""
        return "," if self.code == "pt" else "."


def get_lang(lang: str | Lang) -> Lang:
    """Accept ``'pt'``/``'en'`` or a :class:`Lang`."""
    return lang if isinstance(lang, Lang) else Lang(lang)

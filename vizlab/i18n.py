"""One language mechanism: a pt/en message catalogue, one glossary, locale-aware numbers.

Every text a reader sees (figure labels and titles, captions, the offline viewers' interface, the
command line's messages) is picked by a :class:`Lang`:

- ``lang("layer")`` looks a term up in :data:`CATALOGUE` (glossary terms and interface strings,
  one Portuguese term per concept, the same in figures, viewer and REPORT.md);
- ``lang.t(pt, en)`` picks one of two sentences written in place (titles and labels that
  belong to one figure);
- plot functions default their texts (``xlabel=None`` ...) to the catalogue through
  ``lang.default(text, key)``; multi-panel plots read their panel texts with
  ``lang.texts(prefix, override=...)`` (the catalogue's ``"<prefix>.<name>"`` entries);
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
from collections.abc import Iterable, Mapping
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
    "padding": ("padding", "padding"),
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
    # -- defaults of the plot functions (vizlab.plot): axis labels, legends, panel texts -----
    "logits": ("logits", "logits"),
    "nats": ("nats", "nats"),
    "before": ("antes", "before"),
    "after": ("depois", "after"),
    "hidden_layer_axis": ("camada (emb. = saída dos embeddings; k = saída da camada k)",
                          "layer (emb. = embedding output; k = output of layer k)"),
    "layer_axis": ("camada (1 = primeiro bloco)", "layer (1 = first block)"),
    "head_axis": ("cabeça (1 a {n})", "head (1 to {n})"),
    "principal_component": ("componente principal {k}", "principal component {k}"),
    "mean_similarity": ("similaridade de cosseno média", "mean cosine similarity"),
    "same_sense": ("mesmo sentido", "same sense"),
    "different_senses": ("sentidos diferentes", "different senses"),
    "linear_cka": ("CKA linear", "linear CKA"),
    "probe_accuracy": ("acurácia da sonda", "probe accuracy"),
    "test_accuracy": ("acurácia no teste", "test accuracy"),
    "labelled_examples": ("exemplos rotulados para treino", "labelled training examples"),
    "predicted_class": ("classe prevista", "predicted class"),
    "true_class": ("classe verdadeira", "true class"),
    "share_of_true_class": ("% da classe verdadeira", "% of the true class"),
    "attention_change": ("mudança da atenção", "attention change"),
    "share_punct": ("% para a pontuação", "% to punctuation"),
    "share_segment": ("% dentro da própria frase", "% inside its own sentence"),
    "norm_entropy": ("entropia normalizada (% do máximo)", "normalised entropy (% of the maximum)"),
    "attention_distance": ("distância média da atenção (tokens)", "mean attention distance (tokens)"),
    "cka.same_layer": ("CKA antes vs depois", "CKA before vs after"),
    "cka.first_model": ("camada do primeiro modelo", "layer of the first model"),
    "cka.second_model": ("camada do segundo modelo", "layer of the second model"),
    "shift.centroid": ("centroide da classe", "class centroid"),
    "shift.centroid_path": ("centroide antes → depois", "centroid before → after"),
    "lens.position": ("posição de entrada (prevendo o token seguinte)", "input position (predicting the next token)"),
    "blank.left_only": ("só palavras antes da lacuna", "words before the blank only"),
    "blank.whole_sentence": ("frase inteira", "whole sentence"),
    "blank.probability": ("probabilidade entre os candidatos", "probability among the candidates"),
    "softmax.probs_title": ("probabilidades = softmax(logits / {t})", "probabilities = softmax(logits / {t})"),
    "rollout.raw_title": ("última camada (média das cabeças)", "last layer (mean of heads)"),
    "rollout.rolled_title": ("rollout por todas as camadas", "rollout through all layers"),
    "rollout.raw_legend": ("última camada", "last layer"),
    "rollout.rolled_legend": ("rollout", "rollout"),
    "rollout.row": ("linha de “{token}”", "row of “{token}”"),
    "rollout.same_scale": ("atenção (mesma escala nos dois mapas)", "attention (same scale in both maps)"),
    # panel texts of the multi-panel plots, one prefix per plot (Lang.texts): -----------------
    # vizlab.plot.finetune.plot_training_curves
    "training.train": ("treino (lotes)", "training (batches)"),
    "training.train_smooth": ("treino (média móvel)", "training (moving average)"),
    "training.eval": ("reservados", "held-out"),
    "training.step": ("passo de treino", "training step"),
    "training.loss": ("perda (entropia cruzada)", "cross-entropy loss"),
    "training.epoch": ("época {}", "epoch {}"),
    "training.baseline": ("sonda linear sobre o modelo pré-treinado congelado", "linear probe on the frozen pretrained model"),
    # vizlab.plot.qk.plot_qk_walkthrough
    "qk.q": ("Q: consultas", "Q: queries"),
    "qk.k": ("K: chaves", "K: keys"),
    "qk.scores": ("escores Q·Kᵀ / √{d}", "scores Q·Kᵀ / √{d}"),
    "qk.weights": ("softmax de cada linha (recalculada)", "row-wise softmax (recomputed)"),
    "qk.reference": ("atenção devolvida pelo modelo", "attention returned by the model"),
    "qk.row": ("linha de “{token}”: escores → probabilidades", "row of “{token}”: scores → probabilities"),
    "qk.dims": ("dimensão", "dimension"),
    "qk.recomputed": ("softmax recalculada", "recomputed softmax"),
    "qk.model": ("modelo", "model"),
    "qk.score": ("escore", "score"),
    "qk.value": ("valor da componente", "component value"),
    # vizlab.plot.attention_output.plot_attention_output
    "attention_output.weights": ("(1) pesos de atenção A (softmax)", "(1) attention weights A (softmax)"),
    "attention_output.v": ("(2) valores V = W_V·h", "(2) values V = W_V·h"),
    "attention_output.z": ("(3) soma ponderada Z = A·V", "(3) weighted sum Z = A·V"),
    "attention_output.concat": ("(4) as {n_heads} cabeças lado a lado [Z₁ | … | {z_last}]\ncontorno: a cabeça {head}",
                                "(4) all {n_heads} heads side by side [Z₁ | … | {z_last}]\noutlined: head {head}"),
    "attention_output.w_o": ("(5) projeção de saída W_O\ncontorno: as colunas que leem a cabeça {head}",
                             "(5) output projection W_O\noutlined: the columns that read head {head}"),
    "attention_output.check": ("(6) reconstruída vs saída do próprio modelo\nerro máximo {err}",
                               "(6) rebuilt vs the model's own output\nmax error {err}"),
    "attention_output.dims": ("dimensão (da cabeça)", "dimension (of the head)"),
    "attention_output.concat_dims": ("cabeça ({head_dim} dimensões cada)", "head ({head_dim} dimensions each)"),
    "attention_output.hidden_dims": ("dimensão de saída", "output dimension"),
    "attention_output.value": ("valor", "value"),
    "attention_output.weight": ("peso", "weight"),
    "attention_output.rebuilt": ("reconstruída (A·V, concatenação, W_O)", "rebuilt (A·V, concatenation, W_O)"),
    "attention_output.model": ("calculada pelo modelo", "computed by the model"),
    # vizlab.plot.pipeline.plot_classifier_pipeline
    "pipeline.text": ("1. texto bruto", "1. raw text"),
    "pipeline.tokens": ("2. tokens (tokenizador)   →   3. ids (linha no vocabulário)",
                        "2. tokens (tokenizer)   →   3. ids (row of the vocabulary)"),
    "pipeline.id_row": ("id", "id"),
    "pipeline.model": ("4. modelo: {n_layers} camadas → vetor do [CLS]\n→ pooler ({hidden} valores)",
                       "4. model: {n_layers} layers → [CLS] vector\n→ pooler ({hidden} values)"),
    "pipeline.vector": ("valor", "value"),
    "pipeline.logits": ("5. logits\n(cabeça linear: {n_labels} × {hidden} pesos)",
                        "5. logits\n(linear head: {n_labels} × {hidden} weights)"),
    "pipeline.probs": ("6. softmax\np = eᶻ / Σ eᶻ", "6. softmax\np = eᶻ / Σ eᶻ"),
    "pipeline.label": ("7. rótulo", "7. label"),
    "pipeline.check": ("pipeline(\"text-classification\"):\nas mesmas probabilidades",
                       "pipeline(\"text-classification\"):\nsame probabilities"),
    "pipeline.dims": ("dimensão do vetor", "dimension of the vector"),
    # vizlab.plot.padding.plot_dynamic_padding
    "padding.fixed": ("com padding até o texto mais longo de todos ({pad_to} tokens)",
                      "padded to the longest text of all ({pad_to} tokens)"),
    "padding.dynamic": ("com padding até o mais longo de cada lote (dinâmico)",
                        "padded to the longest of each batch (dynamic)"),
    "padding.costs": ("todos os lotes da época: tokens calculados", "every batch of the epoch: tokens computed"),
    "padding.position": ("posição na entrada", "position in the input"),
    "padding.text": ("texto (em lotes de {size})", "text (in batches of {size})"),
    "padding.batch": ("lote (na ordem do treino)", "batch (training order)"),
    "padding.tokens": ("tokens calculados por lote", "tokens computed per batch"),
    "padding.real": ("token real", "real token"),
    "padding.pad": ("padding [PAD]", "padding [PAD]"),
    "padding.none": ("não calculado", "not computed"),
    "padding.fixed_line": ("padding fixo até {pad_to}", "fixed padding to {pad_to}"),
    "padding.dynamic_bars": ("padding dinâmico", "dynamic padding"),
    "padding.real_line": ("tokens reais", "real tokens"),
    # vizlab.plot.position.plot_position_sources
    "position.learned": ("(a) MiniLM: vetores de posição aprendidos\nsimilaridade de cosseno entre posições",
                         "(a) MiniLM: learned position vectors\ncosine similarity between positions"),
    "position.sinusoidal": ("(b) codificação senoidal (Transformer original)\nmesma dimensão, para referência",
                            "(b) sinusoidal encoding (original Transformer)\nsame dimension, for reference"),
    "position.wavelengths": ("(c) Gemma, RoPE: comprimento de onda de cada\npar de dimensões (posições por volta completa)",
                             "(c) Gemma, RoPE: wavelength of each\ndimension pair (positions per full turn)"),
    "position.absolute": ("(d) MiniLM, {head}: escore de “{q}” → “{k}”\nem cada par de posições",
                          "(d) MiniLM, {head}: score of “{q}” → “{k}”\nat every pair of positions"),
    "position.rotary": ("(e) Gemma, {head}: escore de “{q}” → “{k}”\nem cada par de posições",
                        "(e) Gemma, {head}: score of “{q}” → “{k}”\nat every pair of positions"),
    "position.spread": ("(f) o escore depende só da distância?\nvariação ao longo de cada diagonal / amplitude total",
                        "(f) does the score depend only on the distance?\nspread along each diagonal / total range"),
    "position.position": ("posição (0 = primeiro token)", "position (0 = first token)"),
    "position.query_pos": ("posição m da consulta", "position m of the query"),
    "position.key_pos": ("posição n da chave", "position n of the key"),
    "position.score": ("escore q·k/√d", "score q·k/√d"),
    "position.pair": ("par de dimensões (1 = gira mais rápido)", "dimension pair (1 = turns fastest)"),
    "position.tokens": ("comprimento de onda (tokens)", "wavelength (tokens)"),
    "position.distance": ("distância m − n (tokens)", "distance m − n (tokens)"),
    "position.ratio": ("variação / amplitude", "spread / range"),
    "position.masked": ("cinza: chave no futuro\n(máscara causal)", "grey: future key\n(causal mask)"),
    # vizlab.plot.attribution
    "attribution.attribution": ("atribuição (IG, logit)", "attribution (IG, logit)"),
    "attribution.attention": ("atenção do [CLS], última\ncamada (parcela das palavras)",
                              "attention of [CLS], last\nlayer (share of words)"),
    "attribution.rollout": ("rollout do [CLS]\n(parcela das palavras)", "rollout of [CLS]\n(share of words)"),
    "attribution.attr_cbar": ("atribuição (logit)", "attribution (logit)"),
    "attribution.att_cbar": ("atenção (parcela\nentre as palavras)", "attention (share\namong the words)"),
    "attribution.tau_title": ("τ de Kendall entre |atribuição| e a atenção do [CLS]\nem {n} tweets reservados "
                              "(média, IC 95 %)",
                              "Kendall τ between |attribution| and the attention of [CLS]\nover {n} held-out tweets "
                              "(mean, 95% interval)"),
    "attribution.tau": ("τ de Kendall", "Kendall τ"),
    "attribution.reference": ("gradiente × entrada vs IG (dois métodos de atribuição)",
                              "grad × input vs IG (two attribution methods)"),
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
    "enchimento": "padding",
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

    def default(self, text: str | None, key: str, **fields) -> str:
        """``text`` when given, else the catalogue's text for ``key``: a plot keyword that defaults to ``None``.

        >>> Lang("pt").default(None, "layer"), Lang("pt").default("depth", "layer")
        ('camada', 'depth')
        """
        return self(key, **fields) if text is None else text

    def texts(self, prefix: str, *, terms: Mapping[str, str] | Iterable[str] = (),
              override: Mapping[str, str] | None = None) -> dict[str, str]:
        """The texts of one multi-panel plot, by name: the catalogue's ``"<prefix>.<name>"`` entries,
        glossary ``terms`` (names, or ``{name: key}``), then ``override`` on top.

        ``{fields}`` are left in for the plot to fill in. An ``override`` name the plot does not have
        is an error (a typo would otherwise be ignored silently).

        >>> t = Lang("en").texts("training", terms=("accuracy",), override={"eval": "held-out tweets"})
        >>> t["step"], t["accuracy"], t["eval"], t["epoch"].format(2)
        ('training step', 'accuracy', 'held-out tweets', 'epoch 2')
        """
        start = prefix + "."
        out = {key[len(start):]: self(key) for key in CATALOGUE if key.startswith(start)}
        pairs = terms.items() if isinstance(terms, Mapping) else ((name, name) for name in terms)
        out.update((name, self(key)) for name, key in pairs)
        if unknown := sorted(set(override or {}) - set(out)):
            raise ValueError(f"unknown text name(s) {unknown} for {prefix!r}; the names are {sorted(out)}")
        out.update(override or {})
        return out

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

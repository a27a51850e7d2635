"""How well do MiniLM and Gemma-3-270m's mean-pooled last-layer states separate Portuguese reviews?

The numbers the documentation quotes (docs/how-to/csv-map.md, "Portuguese texts"): 30 short product reviews written for vizlab
(``tests/data/pt_reviews.csv``: 10 positive, 10 negative, 10 neutral), embedded with
``vizlab.embed(..., pooling="mean")``; for each model, the share of each review's 5 nearest
neighbours (cosine) that share its label, and the cosine silhouette of the labels.

    .venv/bin/python scripts/measure_portuguese_maps.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import silhouette_score

import vizlab
from vizlab.analysis.projection import exact_knn
from vizlab.analysis.topics import neighbour_agreement
from vizlab.extraction.language import TextFitWarning

REVIEWS = Path(__file__).resolve().parents[1] / "tests" / "data" / "pt_reviews.csv"


def separation(X: np.ndarray, y: np.ndarray, k: int = 5) -> tuple[float, float]:
    """(mean k-NN label agreement, cosine silhouette) of vectors ``X`` with labels ``y``."""
    idx, _ = exact_knn(X, k + 1, metric="cosine")
    return float(neighbour_agreement(idx[:, 1:], y).mean()), float(silhouette_score(X, y, metric="cosine"))


def main() -> None:
    df = pd.read_csv(REVIEWS)
    y = df["label"].to_numpy()
    chance = float(np.mean([(np.sum(y == label) - 1) / (len(y) - 1) for label in y]))
    for name in ("minilm", "gemma-270m"):
        lm = vizlab.load_model(name, device="cpu")
        with warnings.catch_warnings():  # MiniLM's warning on Portuguese is the point, not news here
            warnings.simplefilter("ignore", TextFitWarning)
            X = vizlab.embed(lm, df["text"].tolist(), pooling="mean", cache=False)
        agree, sil = separation(X, y)
        print(f"{name:<11} kNN-5 label agreement {agree:.1%}  silhouette {sil:+.3f}")
    print(f"chance agreement {chance:.1%}")


if __name__ == "__main__":
    main()

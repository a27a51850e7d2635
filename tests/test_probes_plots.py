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


def test_plot_layer_probes_draws_values_intervals_and_references():
    from vizlab.palette import ROLE_COLORS

    summ = pd.DataFrame({"model": ["pretrained"] * 2 + ["random"] * 2, "layer": [0, 1, 0, 1],
                         "value": [0.6, 0.8, 0.4, 0.5], "lo": [0.55, 0.7, 0.35, 0.45], "hi": [0.65, 0.9, 0.45, 0.55]})
    res = plot_layer_probes(summ, names={"pretrained": "pré-treinado"}, xticklabels=["emb.", "1"],
                            references=[{"value": 0.55, "lo": 0.5, "hi": 0.6, "label": "só o tema"}])
    bars = res.artists_["errorbars"]
    assert np.allclose(bars["pretrained"].lines[0].get_ydata(), [0.6, 0.8])
    segs = bars["pretrained"].lines[2][0].get_segments()
    assert np.allclose([seg[:, 1] for seg in segs], [[0.55, 0.65], [0.7, 0.9]])  # the interval, not a std
    assert bars["pretrained"].lines[0].get_color() == ROLE_COLORS["pretrained"]
    assert bars["random"].lines[0].get_color() == ROLE_COLORS["random"]
    assert [t.get_text() for t in res.ax_.get_xticklabels()] == ["emb.", "1"]
    assert res.artists_["references"][0].get_ydata()[0] == 0.55
    assert sorted(t.get_text() for t in res.ax_.get_legend().get_texts()) == ["pré-treinado", "random", "só o tema"]
    with pytest.raises(ValueError, match="lacks columns"):
        plot_layer_probes(summ.drop(columns="lo"))


def test_plot_data_efficiency_draws_means_and_bands_on_log_axis():
    summ = pd.DataFrame({"n_train": [16, 2000], "value": [0.45, 0.8], "lo": [0.4, 0.78], "hi": [0.5, 0.82],
                         "features": "pre"})
    res = plot_data_efficiency(summ, lang="pt")
    line = res.artists_["lines"]["pre"]
    assert np.allclose(line.get_xdata(), [16, 2000]) and np.allclose(line.get_ydata(), [0.45, 0.8])
    band = res.artists_["bands"]["pre"].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(0.4) and band[:, 1].max() == pytest.approx(0.82)
    assert res.ax_.get_xscale() == "log"
    assert [t.get_text() for t in res.ax_.get_xticklabels()] == ["16", "2.000"]
    res.figure_.canvas.draw()
    assert [t.get_text() for t in res.ax_.get_yticklabels() if t.get_text()][:1] and all(
        t.get_text().endswith(" %") for t in res.ax_.get_yticklabels() if t.get_text())  # accuracy: percentages
    with pytest.raises(TypeError):
        plot_data_efficiency(summ.to_dict())

"""Intervals: bootstrap, paired bootstrap and t intervals against direct computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from vizlab.analysis.intervals import (
    bootstrap_ci,
    paired_bootstrap_diff,
    separated,
    t_interval,
    unpaired_bootstrap_diff,
)
from vizlab.analysis.transfer import curve_difference, curve_intervals


def test_bootstrap_matches_a_direct_resampling():
    v = np.random.default_rng(1).integers(0, 2, size=200).astype(float)
    r = bootstrap_ci(v, n_boot=500, random_state=3)
    rng = np.random.default_rng(3)
    means = v[rng.integers(0, 200, size=(500, 200))].mean(axis=1)
    assert r["value"] == pytest.approx(v.mean(), abs=1e-4)
    assert r["lo"] == pytest.approx(np.quantile(means, 0.025), abs=1e-4)
    assert r["hi"] == pytest.approx(np.quantile(means, 0.975), abs=1e-4)
    # close to the normal approximation for a proportion
    se = np.sqrt(v.mean() * (1 - v.mean()) / 200)
    assert r["hi"] - r["lo"] == pytest.approx(2 * 1.96 * se, rel=0.2)
    assert r["n"] == 200 and "bootstrap" in r["method"]


def test_paired_difference_is_narrower_than_unpaired_for_correlated_results():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, size=500).astype(float)
    b = a.copy()
    flip = rng.choice(500, 20, replace=False)
    b[flip] = 1 - b[flip]
    d = paired_bootstrap_diff(a, b)
    assert d["value"] == pytest.approx(a.mean() - b.mean(), abs=1e-4)
    ra = bootstrap_ci(a)
    assert d["hi"] - d["lo"] < (ra["hi"] - ra["lo"]) / 2
    with pytest.raises(ValueError, match="same examples"):
        paired_bootstrap_diff(a, b[:-1])


def test_t_interval_against_scipy():
    v = np.array([0.61, 0.64, 0.58, 0.66, 0.6])
    r = t_interval(v)
    lo, hi = stats.t.interval(0.95, 4, loc=v.mean(), scale=stats.sem(v))
    assert (r["lo"], r["hi"]) == (pytest.approx(lo, abs=1e-4), pytest.approx(hi, abs=1e-4))
    with pytest.raises(ValueError):
        t_interval([0.5])


def test_separated():
    assert separated({"lo": 0.6, "hi": 0.7}, {"lo": 0.4, "hi": 0.59})
    assert not separated({"lo": 0.6, "hi": 0.7}, {"lo": 0.5, "hi": 0.61})


def test_curve_intervals_and_paired_difference():
    df = pd.DataFrame({"features": ["a"] * 3 + ["b"] * 3, "n_train": [10] * 6, "seed": [0, 1, 2] * 2,
                       "accuracy": [0.6, 0.7, 0.8, 0.5, 0.65, 0.7]})
    s = curve_intervals(df)
    row = s[s.features == "a"].iloc[0]
    assert row["value"] == pytest.approx(0.7) and row["lo"] < 0.7 < row["hi"]
    d = curve_difference(df, "a", "b")[10]
    assert d["value"] == pytest.approx(np.mean([0.1, 0.05, 0.1]), abs=1e-4)
    assert d["lo"] == pytest.approx(t_interval([0.1, 0.05, 0.1])["lo"], abs=1e-4)


def test_unpaired_bootstrap_diff_against_scipy():
    rng = np.random.default_rng(3)
    a, b = (rng.random(200) < 0.68).astype(float), (rng.random(150) < 0.78).astype(float)
    d = unpaired_bootstrap_diff(a, b)
    assert d["value"] == pytest.approx(a.mean() - b.mean(), abs=1e-4) and d["n"] == 350
    ref = stats.bootstrap((a, b), lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis), paired=False,
                          n_resamples=4000, method="percentile", random_state=1).confidence_interval
    assert d["lo"] == pytest.approx(ref.low, abs=0.015) and d["hi"] == pytest.approx(ref.high, abs=0.015)
    assert d["lo"] < d["value"] < d["hi"]

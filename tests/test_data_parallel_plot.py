"""plot_data_parallel: what was drawn."""

from __future__ import annotations

import numpy as np

from vizlab.plot.data_parallel import plot_data_parallel


def test_lines_bars_and_decimal_commas():
    l1 = np.array([1.1, 1.05, 1.0])
    ln = l1 + np.array([0, 2e-7, -1e-7])
    shares = np.array([[4, 4], [4, 4], [2, 1]])
    res = plot_data_parallel(l1, ln, shares, lang="pt")
    np.testing.assert_array_equal(res.artists_["one"].get_ydata(), l1)
    np.testing.assert_array_equal(res.artists_["many"].get_ydata(), ln)
    heights = [[p.get_height() for p in bars] for bars in res.artists_["bars"]]
    assert heights == [[4, 4, 2], [4, 4, 1]]
    assert res.values_["max_loss_diff"] == np.abs(l1 - ln).max()
    assert "2,0·$10^{-7}$" in res.ax_.get_title()
    assert any("," in t.get_text() for t in res.axes_["loss"].get_yticklabels())
    assert [t.get_text() for t in res.axes_["shares"].get_legend().get_texts()] == ["processo 1", "processo 2"]

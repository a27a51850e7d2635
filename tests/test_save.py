from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.figures.save import figure_bytes, save_figure
from vizlab.plot.similarity import plot_similarity


def _fig():
    fig, ax = plt.subplots()
    ax.imshow(np.arange(16).reshape(4, 4))
    ax.set_title("título")
    return fig


def test_saving_is_byte_identical():
    for fmt in ("png", "svg"):
        assert figure_bytes(_fig(), fmt) == figure_bytes(_fig(), fmt)
    svg = figure_bytes(_fig(), "svg").decode()
    assert "<dc:date>" not in svg


def test_save_figure_writes_png_and_svg(tmp_path):
    paths = save_figure(_fig(), tmp_path, "x")
    assert sorted(p.name for p in paths) == ["x.png", "x.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp"))


def test_plot_similarity_draws_the_matrix():
    S = np.array([[1, 0.5, 0.2], [0.5, 1, 0.1], [0.2, 0.1, 1]])
    ax = plot_similarity(S, labels=["a", "b", "c"]).ax_
    np.testing.assert_array_equal(ax.images[0].get_array(), S)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert len(ax.texts) == 9

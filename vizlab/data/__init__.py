"""Small data files shipped with vizlab, for a first try without data of your own.

``sample_posts.csv``: 60 real tweets of the sentiment corpus (:mod:`vizlab.datasets`), 20 ``negative``,
20 ``neutral`` and 20 ``positive`` as the corpus labels them, English, without links or coarse words;
columns ``text``, ``sentiment`` and ``topic`` (:func:`vizlab.datasets.topic_of`). In a clone it is
``vizlab/data/sample_posts.csv``, the file of the README's quick start.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["sample_csv"]


def sample_csv() -> Path:
    """The path of ``sample_posts.csv``, wherever vizlab is installed.

    From the command line, outside a clone::

        vizlab embed "$(python -c 'import vizlab.data as d; print(d.sample_csv())')" \\
            --text-col text --label-col sentiment -o map.png

    Examples
    --------
    >>> from vizlab.datasets import load_csv
    >>> df = load_csv(sample_csv(), "text", "sentiment")
    >>> len(df), sorted(df.label.unique())
    (60, ['negative', 'neutral', 'positive'])
    """
    return Path(str(resources.files(__name__) / "sample_posts.csv"))

from __future__ import annotations

import pandas as pd
import pytest

from vizlab.datasets import LABELS, load_csv, load_sentiment


def test_load_sentiment_full_and_balanced():
    df = load_sentiment()
    assert len(df) > 35_000 and set(df.label) == set(LABELS)
    assert not df.text.duplicated().any()
    s = load_sentiment(300, seed=1)
    assert len(s) == 300 and s.label.value_counts().tolist() == [100, 100, 100]
    pd.testing.assert_frame_equal(s, load_sentiment(300, seed=1))
    assert not s.equals(load_sentiment(300, seed=2))
    u = load_sentiment(50, balanced=False)
    assert len(u) == 50


def test_load_sentiment_bad_n():
    with pytest.raises(ValueError, match="positive integer"):
        load_sentiment(0)
    with pytest.raises(ValueError, match="needs"):
        load_sentiment(30_000, balanced=True)


def test_load_csv(tmp_path):
    p = tmp_path / "mine.csv"
    pd.DataFrame({"review": ["bom", " ", None, "ruim"], "stars": [5, 3, 2, 1]}).to_csv(p, index=False)
    df = load_csv(p, "review", "stars")
    assert df.text.tolist() == ["bom", "ruim"] and df.label.tolist() == ["5", "1"]
    p.write_text("review,stars\nbom,5\nok,\nruim,1\n")  # a blank label: not "5.0"/"1.0", no "nan" class
    assert load_csv(p, "review", "stars").label.tolist() == ["5", "1"]
    assert load_csv(p, "review").text.tolist() == ["bom", "ok", "ruim"]
    with pytest.raises(ValueError, match=r"mine.csv has no column 'texto' \(text_col\); its columns are: 'review', 'stars'"):
        load_csv(p, "texto")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_csv(tmp_path / "nope.csv", "review")

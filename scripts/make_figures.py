#!/usr/bin/env python
"""Regenerate the report's figures into figures/ and write figures/manifest.json."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vizlab.figures.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

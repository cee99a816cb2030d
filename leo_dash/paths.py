"""Where things live. Paths in the catalogue are relative to the project root."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# LEO_DATA_DIR lets tests and deployments point at another data folder without touching the committed one.
DATA_DIR = Path(os.environ.get("LEO_DATA_DIR", PROJECT_ROOT / "data")).resolve()
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
REFERENCE_DIR = (PROJECT_ROOT.parent / "shared" / "reference-data").resolve()


def resolve(path: str | Path) -> Path:
    """A catalogue path made absolute against the project root."""
    p = Path(path)
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()

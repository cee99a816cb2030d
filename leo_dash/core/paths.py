"""Where things live. Paths in the catalogue are relative to the project root."""

from __future__ import annotations

import functools
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # leo_dash/core/paths.py -> the project
# LEO_DATA_DIR lets tests and deployments point at another data folder without touching the committed one.
DATA_DIR = Path(os.environ.get("LEO_DATA_DIR", PROJECT_ROOT / "data")).resolve()
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
# The real DfE tables the project ships (gzip-compressed; Open Government Licence, see its README.md).
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
# Data files may be stored gzip-compressed: `name.csv.gz` beside an uncompressed `name.meta.csv`.
COMPRESSED_SUFFIX = ".csv.gz"


def resolve(path: str | Path) -> Path:
    """A catalogue path made absolute against the project root."""
    p = Path(path)
    return p if p.is_absolute() else _resolved(PROJECT_ROOT, str(p))


@functools.lru_cache(maxsize=4096)
def _resolved(root: Path, relative: str) -> Path:
    # Kept: every page run checks each table's files (store.prepare), and resolving walks the path with a system
    # call per component. The project's own folders do not move under a running server.
    return (root / relative).resolve()


def data_stem(path: str | Path) -> str:
    """'fe_table' for fe_table.csv, fe_table.csv.gz and fe_table.meta.csv."""
    name = Path(path).name
    for suffix in (".meta.csv", COMPRESSED_SUFFIX, ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def meta_path(data_file: str | Path) -> Path:
    """The `.meta.csv` that describes a data file (compressed or not): same folder, same stem."""
    resolved = resolve(data_file)
    return resolved.with_name(f"{data_stem(resolved)}.meta.csv")


def file_version(path: Path) -> tuple[int, int] | None:
    """(mtime_ns, size): the key a reading of the file is cached under; None when the file cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size

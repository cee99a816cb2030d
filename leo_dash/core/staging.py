"""Out-of-core staging of a large EES CSV: DuckDB reads it, every column as text, into a temporary parquet file.

The loader's checks (leo_dash.core.ees) then run as lazy Polars queries over that file on the streaming engine, reading
only the columns each check needs, so screening a file of any size takes bounded memory. DuckDB is the reader
because its CSV scanner is parallel, strict about field counts and encoding, and spills to disk under a memory
limit; the checks stay the one set of Polars expressions the in-memory path runs, so both paths give the same
findings (tests/test_ees_out_of_core.py runs every failing fixture both ways).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Files larger than this (bytes on disk; a .csv.gz counts ten times its size) are screened out of core. Small files
# stay in memory, where one read and a few in-memory passes are faster than staging.
OUT_OF_CORE_BYTES = int(os.environ.get("LEO_SCREEN_IN_MEMORY_MAX_BYTES", str(64 * 1024**2)))
# DuckDB's share of the screening memory budget; it spills to the staging folder beyond it. Staging writes the
# parquet in file order, buffering out-of-order chunks of its parallel reader, and runs faster with more room
# (20M rows: 32 s at 500 MB, 23 s at 1 GB, measured alone), but the whole screening process is to stay near 1 GB.
STAGING_MEMORY_LIMIT = os.environ.get("LEO_SCREEN_DUCKDB_MEMORY", "600MB")
QUERY_MEMORY_LIMIT = os.environ.get("LEO_SCREEN_DUCKDB_MEMORY", "500MB")
ROW_GROUP_ROWS = 122_880  # DuckDB's own row-group size: streaming reads take one group of each column at a time


class StagingError(Exception):
    """DuckDB could not read the CSV (bad encoding, wrong field count, unterminated quote...)."""


def out_of_core_by_size(path: Path) -> bool:
    size = path.stat().st_size
    return (size * 10 if path.name.endswith(".gz") else size) > OUT_OF_CORE_BYTES


def staging_parent() -> Path:
    """Where staged files go: LEO_SCREEN_TMP, else the system temp folder (never the repository)."""
    return Path(os.environ.get("LEO_SCREEN_TMP") or tempfile.gettempdir())


@dataclass
class StagedText:
    """A CSV's cells as text in a parquet file (columns c0..cN in file order), deleted with this object."""

    parquet: Path
    columns: int
    _folder: tempfile.TemporaryDirectory[str] = field(repr=False)

    def close(self) -> None:
        self._folder.cleanup()


def stage_as_text(path: Path, width: int) -> StagedText:
    """Read `path` (a CSV with a header row of `width` fields, plain or gzip) into a text-only parquet file.

    Every cell arrives exactly as published: no type detection, a quoted "" stays an empty string and an empty
    field is null (as Polars reads them in memory), and a row with too many or too few fields or bad UTF-8 raises
    StagingError, which the caller turns into the L2 finding with the row it locates."""
    folder = tempfile.TemporaryDirectory(prefix="leo_screen_", dir=staging_parent())
    target = Path(folder.name) / "text.parquet"
    spill = Path(folder.name) / "spill"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    source = str(path).replace("'", "''")
    query = (
        f"COPY (SELECT * FROM read_csv('{source}', header = true, columns = {columns}, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        "allow_quoted_nulls = false, encoding = 'utf-8', compression = 'auto', max_line_size = 10000000)) "
        f"TO '{str(target).replace(chr(39), chr(39) * 2)}' (FORMAT parquet, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
    con = duckdb.connect(":memory:")
    try:
        con.sql(f"SET memory_limit = '{STAGING_MEMORY_LIMIT}'")
        con.sql(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
        con.sql("SET preserve_insertion_order = true")  # row numbers are the file's order
        con.sql(query)
    except duckdb.Error as exc:
        folder.cleanup()
        raise StagingError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    finally:
        con.close()
    staged = StagedText(target, width, folder)
    weakref.finalize(staged, folder.cleanup)
    return staged


@contextlib.contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection for one screening query, held to the memory budget and spilling to a temporary folder
    (a connection is not shared: each screening thread opens its own)."""
    with tempfile.TemporaryDirectory(prefix="leo_duckdb_", dir=staging_parent()) as spill:
        con = duckdb.connect(":memory:")
        try:
            con.sql(f"SET memory_limit = '{QUERY_MEMORY_LIMIT}'")
            con.sql(f"SET temp_directory = '{spill.replace(chr(39), chr(39) * 2)}'")
            yield con
        finally:
            con.close()

"""Reading a file's cells: strict decoding, opening (.csv or .csv.gz, with a limit on expansion), the header, the
first bad row, the meta rows, and `_Cells`, which runs checks' Polars queries over the cells in memory or streaming
over the staged copy. Also the expression helpers checks share (`ROW`, `_first`, `_blank`, `_time_group`)."""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import polars as pl

from leo_dash.core.ees.rules import META_OPTIONAL_COLUMNS, META_REQUIRED_COLUMNS, TIME_GROUPS

# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _meta_rows(meta: pl.DataFrame) -> list[dict[str, str]]:
    """Meta rows as dicts of stripped strings ('' for blanks and absent columns). The meta file is small."""
    wanted = (*META_REQUIRED_COLUMNS, *META_OPTIONAL_COLUMNS)
    rows: list[dict[str, str]] = []
    for raw in meta.iter_rows(named=True):
        rows.append({c: (str(raw.get(c)) if raw.get(c) is not None else "").strip() for c in wanted})
    return rows


def _blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column) == "")


ROW = "__leo_screen_row"  # 0-based row number of a data row (spreadsheet row = ROW + 2); no EES column is named so


def _time_group(identifier: pl.Expr) -> pl.Expr:
    """Each time_identifier's group (null when unknown), element by element so it streams (replace_strict
    gathers the whole column first)."""
    group: Any = pl
    for name, identifiers in TIME_GROUPS.items():
        group = group.when(identifier.is_in(list(identifiers))).then(pl.lit(name))
    return group.otherwise(pl.lit(None, dtype=pl.String))


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first(mask: pl.Expr) -> pl.Expr:
    """The first row where `mask` holds (None when none does): a min, so the streaming engine can compute it."""
    first = pl.col(ROW).filter(mask.fill_null(False)).min()
    name = mask.meta.output_name(raise_if_undetermined=False)  # as arg_true().first() would be named
    return first.alias(name) if name else first


class _Cells:
    """The data file's cells as text, in memory or staged on disk. Checks ask it small questions (`select` returns
    one aggregated row; `cells[column][row]` one cell), so the out-of-core path never holds a column in memory."""

    def __init__(self, source: pl.LazyFrame, height: int, columns: list[str], *, streaming: bool) -> None:
        self._source = source  # without the row number
        self._lazy = source.with_row_index(ROW)
        self.height = height
        self.columns = columns
        self.engine: Literal["streaming", "auto"] = "streaming" if streaming else "auto"

    def lazy(self) -> pl.LazyFrame:
        """The cells with the ROW column."""
        return self._lazy

    def collect(self, query: pl.LazyFrame) -> pl.DataFrame:
        return query.collect(engine=self.engine)

    def select(self, *exprs: pl.Expr | Iterator[pl.Expr] | Sequence[pl.Expr]) -> pl.DataFrame:
        """One row of aggregates. Out of core, expressions over the same columns are computed together and each
        group of columns in its own pass: one pass feeding dozens of aggregates buffers the columns for the
        slowest of them, which grows with the file; reading each column once per group costs about the same."""
        flat: list[pl.Expr] = []
        for item in exprs:
            flat.extend([item] if isinstance(item, pl.Expr) else item)
        if self.engine != "streaming" or len(flat) <= 1:
            return self.collect(self._lazy.select(flat))
        groups: dict[frozenset[str], list[int]] = {}
        for i, expr in enumerate(flat):
            groups.setdefault(frozenset(expr.meta.root_names()) - {ROW}, []).append(i)
        parts: dict[int, pl.Series] = {}
        for members in groups.values():
            got = self.collect(self._lazy.select(flat[i] for i in members))
            for i, series in zip(members, got.get_columns(), strict=True):
                parts[i] = series
        return pl.DataFrame([parts[i] for i in range(len(flat))])

    def cell(self, column: str, row: int) -> str | None:
        value = self._source.slice(row, 1).select(column).collect().item()
        return None if value is None else str(value)

    def __getitem__(self, column: str) -> _ColumnCells:
        return _ColumnCells(self, column)

    def distinct(self, column: str) -> list[str]:
        """Distinct non-null values of a column, in order of first appearance."""
        query = (
            self._lazy.select(ROW, column)
            .drop_nulls(column)
            .group_by(column)
            .agg(pl.col(ROW).min())
            .sort(ROW)
            .select(column)
        )
        return [str(v) for v in self.collect(query).to_series().to_list()]


@dataclass(frozen=True)
class _ColumnCells:
    cells: _Cells
    column: str

    def __getitem__(self, row: int) -> str | None:
        return self.cells.cell(self.column, row)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _quote_list(items: Sequence[str]) -> str:
    return ", ".join(items)


def _decoded_lines(handle: BinaryIO, position: list[int]) -> Iterator[str]:
    """Lines of a file decoded strictly as UTF-8 (a BOM allowed on the first); position[0] counts lines read."""
    for raw in handle:
        text = raw.decode("utf-8-sig" if position[0] == 0 else "utf-8")
        position[0] += 1
        yield text


# A compressed file must not expand without limit (a few kilobytes of gzip can hold gigabytes of text).
MAX_DECOMPRESSED_BYTES = 2 * 1024**3


def _open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed on the fly when it is stored as name.csv.gz."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


_BARE_CARRIAGE_RETURN = re.compile(rb"\r(?!\n)")


def has_bare_carriage_return(path: Path) -> bool:
    """Whether a CR stands alone somewhere (not as part of CRLF). The strict reading (`_locate_bad_row`) and the
    out-of-core staging end a record there, Polars' in-memory reader keeps it inside the cell: such a file is judged
    by the strict reading on both paths."""
    carry = b""
    with _open_binary(path) as handle:
        while chunk := handle.read(1 << 20):
            data = carry + chunk
            # A CR closing the chunk may open a CRLF in the next one: judged with the next chunk.
            data, carry = (data[:-1], b"\r") if data.endswith(b"\r") else (data, b"")
            if _BARE_CARRIAGE_RETURN.search(data):
                return True
    return bool(carry)


def _decompressed_size_problem(path: Path) -> str | None:
    """Why a .csv.gz cannot be read whole (damaged, or expands past the limit), or None."""
    total = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
                if total > MAX_DECOMPRESSED_BYTES:
                    return f"expands to more than {MAX_DECOMPRESSED_BYTES // 1024**3} GiB"
    except (OSError, EOFError, gzip.BadGzipFile):
        return "is not a readable gzip file"
    return None


def _locate_bad_row(path: Path, expected_fields: int | None) -> int | None:
    """Spreadsheet row of the first record with bad UTF-8 or the wrong field count. Streams the file: only ever
    called on the error path, after Polars has refused (or padded) a row."""
    position = [0]
    record = 0
    try:
        with _open_binary(path) as handle:
            reader = csv.reader(_decoded_lines(handle, position), strict=True)
            for record, fields in enumerate(reader, start=1):
                if expected_fields is None:
                    expected_fields = len(fields)
                elif len(fields) != expected_fields:
                    return record
    except (UnicodeDecodeError, csv.Error, OSError, EOFError):
        return record + 1
    return None


def _read_header(path: Path) -> tuple[list[str] | None, str | None]:
    """Column names from the first line, or a reason it could not be read. Polars replaces bad bytes in a header
    silently, so the header is decoded here strictly."""
    try:
        with _open_binary(path) as handle:
            first = handle.readline()
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "encoding"
    except (OSError, EOFError) as exc:
        return None, str(exc)
    if not text.strip():
        return None, "empty"
    try:
        return next(csv.reader([text], strict=True)), None
    except (csv.Error, StopIteration):
        return None, "format"

"""Fixture builder shared by the sdc tests: write a table as published cells, get the value + status convention."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from leo_dash.core.model import status_column


def cells(columns: Mapping[str, Sequence[object]], indicators: Sequence[str]) -> pl.DataFrame:
    """A frame from published cells: in `indicators` a str is a symbol (value null, status = it), a number is shown."""
    data: dict[str, pl.Series] = {}
    for name, raw in columns.items():
        if name not in indicators:
            data[name] = pl.Series(name, list(raw))
            continue
        data[name] = pl.Series(name, [None if isinstance(v, str) else v for v in raw], dtype=pl.Float64)
        data[status_column(name)] = pl.Series(
            status_column(name), [v if isinstance(v, str) else None for v in raw], dtype=pl.String
        )
    return pl.DataFrame(data)


def symbols_to_columns(frame: pl.DataFrame, indicators: Sequence[str]) -> pl.DataFrame:
    """Raw EES text columns (numbers or symbols) -> Float64 value + status, as leo_dash.core.ees does."""
    as_number = {c: pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in indicators}
    return frame.with_columns(
        [pl.when(as_number[c].is_null()).then(pl.col(c)).otherwise(None).alias(status_column(c)) for c in indicators]
    ).with_columns([as_number[c].alias(c) for c in indicators])


def test_cells_splits_numbers_from_symbols() -> None:
    frame = cells({"g": ["a", "b", "c"], "n": [10, "c", 2.5]}, ["n"])
    assert frame["n"].to_list() == [10.0, None, 2.5]
    assert frame[status_column("n")].to_list() == [None, "c", None]
    assert frame["g"].to_list() == ["a", "b", "c"]


def test_symbols_to_columns_reads_ees_text() -> None:
    raw = pl.DataFrame({"n": ["10", "c", "low", "z"]})
    frame = symbols_to_columns(raw, ["n"])
    assert frame["n"].to_list() == [10.0, None, None, None]
    assert frame[status_column("n")].to_list() == [None, "c", "low", "z"]

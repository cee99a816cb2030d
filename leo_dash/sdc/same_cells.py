"""D10 helper: `assert_same_cells`, which the export tests use to show a download holds exactly the cells on
screen."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from leo_dash.core.model import status_column


def _cell(value: Any) -> Any:
    """A comparable form of one cell: symbol or text as str, numbers (also numeric text) as float, blank as None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip()
    if text == "":
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text
    return number if math.isfinite(number) else text  # "nan"/"inf" in a text column stay text


def _folded_cells(frame: pl.DataFrame) -> dict[str, list[Any]]:
    """Columns with each status folded into its value column (a symbol replaces the empty number)."""
    statuses = {c for c in frame.columns if status_column(c) in frame.columns}
    status_names = {status_column(c) for c in statuses}
    folded: dict[str, list[Any]] = {}
    for column in frame.columns:
        if column in status_names:
            continue
        values = frame[column].to_list()
        if column in statuses:
            symbols = frame[status_column(column)].to_list()
            values = [symbol if symbol is not None else value for value, symbol in zip(values, symbols, strict=True)]
        folded[column] = [_cell(v) for v in values]
    return folded


def assert_same_cells(shown: pl.DataFrame, exported: pl.DataFrame) -> None:
    """D10: raise AssertionError unless `exported` holds exactly the cells of `shown`, in the same order.

    Either frame may carry symbols in status columns or inline in the value column (as a CSV does); numbers
    compare numerically ("86" == 86.0), so only a real difference in a cell, a column or a row fails.
    """
    left, right = _folded_cells(shown), _folded_cells(exported)
    if list(left) != list(right):
        raise AssertionError(f"D10: columns differ: shown {list(left)} vs exported {list(right)}")
    if shown.height != exported.height:
        raise AssertionError(f"D10: shown has {shown.height} rows, exported {exported.height}")
    differences: list[str] = []
    for column, values in left.items():
        for row, (a, b) in enumerate(zip(values, right[column], strict=True)):
            same = (
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
                if isinstance(a, float) and isinstance(b, float)
                else a == b
            )
            if not same:
                differences.append(f"{column} row {row}: shown {a!r}, exported {b!r}")
    if differences:
        raise AssertionError("D10: cells differ:\n" + "\n".join(differences[:10]))

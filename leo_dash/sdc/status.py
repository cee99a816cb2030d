"""Value + status normalisation (D1, D2): every indicator column leaves with its status column, a symbol wins
over a number, and a null always gets a reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from leo_dash.core.model import Indicator, status_column
from leo_dash.sdc.symbols import NOT_AVAILABLE, SUPPRESSED, _null_float, _null_str


def missing_as_not_available(column: str) -> pl.Expr:
    """The status of `column` where a row holds neither a number nor a symbol (a point or line no row was published
    for, after a join onto every point): 'x' not available, a gap, never a zero (D2)."""
    status = pl.col(status_column(column))
    return (
        pl.when(pl.col(column).is_null() & status.is_null())
        .then(pl.lit(NOT_AVAILABLE))
        .otherwise(status)
        .alias(status_column(column))
    )


def _status_or_missing(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The status of `column`, treating a null with no status column as not available."""
    name = status_column(column)
    if name in frame.columns:
        return pl.col(name)
    return pl.when(pl.col(column).is_null()).then(pl.lit(NOT_AVAILABLE)).otherwise(_null_str())


def _suppressed_where(flags: Mapping[str, pl.Expr]) -> list[pl.Expr]:
    """Each column's cells where its flag holds become `c`: status SUPPRESSED, value null."""
    return [
        expr
        for column, flag in flags.items()
        for expr in (
            pl.when(flag)
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(status_column(column)))
            .alias(status_column(column)),
            pl.when(flag).then(_null_float()).otherwise(pl.col(column)).alias(column),
        )
    ]


def _with_status(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """Give each column a status column; a symbol wins over a number (D1); a null without a reason becomes `x`."""
    values: dict[str, pl.Expr] = {}
    for column in dict.fromkeys(columns):
        dtype = frame.schema[column]
        value = pl.col(column)
        if dtype.is_float():
            value = value.fill_nan(None)  # NaN is neither a number nor a symbol
        values[column] = value.cast(pl.Float64) if dtype.is_numeric() else value
    if not values:
        return frame
    frame = frame.with_columns(
        pl.when(_given_status(frame, c).is_null() & value.is_null())
        .then(pl.lit(NOT_AVAILABLE))
        .otherwise(_given_status(frame, c))
        .alias(status_column(c))
        for c, value in values.items()
    )
    return frame.with_columns(
        pl.when(pl.col(status_column(c)).is_null()).then(value).otherwise(None).alias(c) for c, value in values.items()
    )


def _given_status(frame: pl.DataFrame, column: str) -> pl.Expr:
    name = status_column(column)
    return pl.col(name).cast(pl.String) if name in frame.columns else _null_str()


def _require_numeric(frame: pl.DataFrame, indicator: Indicator) -> None:
    if indicator.kind != "other" and not frame.schema[indicator.column].is_numeric():
        raise TypeError(
            f"Indicator {indicator.column!r} is {frame.schema[indicator.column]}, not a number column: load it "
            "through leo_dash.core.ees so numbers and symbols are split into value + status."
        )


def _order_columns(columns: Sequence[str], indicator_columns: Iterable[str]) -> list[str]:
    """`columns` with each indicator's status column placed right after it."""
    statuses = {status_column(c) for c in indicator_columns}
    ordered: list[str] = []
    for column in columns:
        if column in statuses:
            continue
        ordered.append(column)
        if status_column(column) in statuses:
            ordered.append(status_column(column))
    return ordered

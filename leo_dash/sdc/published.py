"""The table exactly as any view may show it, in the publisher's EES CSV layout (`python -m leo_dash published`).

Anyone can audit what the dashboard can disclose from this file: every number a view, export or briefing can show
is in it, and every cell the publisher or the protection pass (leo_dash.sdc.protection) hid carries its symbol
(`c`, `x`, `z`, `low`, ...). Indicators never shown (single-person minimum / maximum earnings, D5) are `x`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from leo_dash import sdc
from leo_dash.core import store
from leo_dash.core.model import TableEntry, status_column


def _as_text(column: pl.Series) -> pl.Series:
    """Numbers as a publisher writes them: whole numbers without a trailing .0."""
    if column.dtype.is_float():
        whole = column.drop_nulls()
        if whole.len() == 0 or (whole == whole.round(0)).all():
            return column.cast(pl.Int64, strict=False).cast(pl.String)
    return column.cast(pl.String)


def published_frame(entry: TableEntry, *, data_dir: Path | None = None) -> pl.DataFrame:
    """The protected table with symbols in place of hidden numbers, columns in the order of the source files."""
    frame = store.scan(entry, data_dir=data_dir).collect()
    measures = {i.column: i for i in entry.indicators}
    out: list[pl.Series] = []
    for name in frame.columns:
        if name.endswith("__status") and name.removesuffix("__status") in measures:
            continue
        column = _as_text(frame[name])
        indicator = measures.get(name)
        if indicator is not None:
            if indicator.hidden:
                column = pl.Series(name, [sdc.NOT_AVAILABLE] * frame.height, dtype=pl.String)
            elif status_column(name) in frame.columns:
                status = frame[status_column(name)]
                column = pl.select(pl.when(status.is_not_null()).then(status).otherwise(column).alias(name)).to_series()
        out.append(column.alias(name))
    return pl.DataFrame(out)


def write_published(entry: TableEntry, out: Path | None, *, data_dir: Path | None = None) -> tuple[int, str]:
    """Write the published table to `out` (CSV), or return it as text when `out` is None. Returns (rows, text)."""
    frame = published_frame(entry, data_dir=data_dir)
    if out is None:
        return frame.height, frame.write_csv()
    frame.write_csv(out)
    return frame.height, ""

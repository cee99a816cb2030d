"""Rows for the home page's catalogue listing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from leo_dash.core.model import CONTROLLERS, TableEntry
from leo_dash.core.store import PreparedTable


def catalogue_rows(tables: Sequence[TableEntry], *, prepare: Callable[[TableEntry], PreparedTable]) -> pl.DataFrame:
    """One row per table: title, data kind (synthetic or published), controllers, dates, rows."""
    rows = []
    for entry in tables:
        prepared = prepare(entry)
        rows.append(
            {
                "Table": entry.title,
                "Data": "Synthetic demo data" if entry.demo else "Published statistics",
                "Publication": "LEO Explorer demo generator" if entry.demo else entry.publication,
                "Controllers": ", ".join(CONTROLLERS.get(c, c) for c in entry.controllers),
                "Released": entry.release_date.isoformat(),
                "Next review": entry.next_review.isoformat() + (" (overdue)" if entry.is_overdue() else ""),
                "Access": entry.access,
                "Rows": f"{prepared.rows:,}",
                "Id": entry.id,
            }
        )
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(
            ["Table", "Data", "Publication", "Controllers", "Released", "Next review", "Access", "Rows", "Id"],
            pl.String,
        ),
    )

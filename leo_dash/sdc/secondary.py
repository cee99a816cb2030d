"""D6 secondary suppression of derived figures: along one hierarchy (`secondary_suppress`), every dimension of a
grid (`secondary_suppress_grid`), and everything a view does after `aggregate` (`suppress_derived`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from leo_dash.core.model import Indicator, status_column
from leo_dash.sdc.status import _status_or_missing, _suppressed_where, _with_status
from leo_dash.sdc.symbols import _TMP, SUPPRESSED, _scratch


def _complement_flags(
    frame: pl.DataFrame,
    parent_keys: Sequence[str],
    child_column: str,
    value_columns: Sequence[str],
    total_item: str,
    children: Sequence[Any],
) -> pl.DataFrame:
    """`frame` plus, for each value column c, `_scratch(c, "trigger")` (the row's group shows its parent and all
    children with exactly one child `c`) and `_scratch(c, "pick")` (the cell to suppress: the smallest other shown
    child, or the parent when no other child is shown)."""
    keys = list(parent_keys) or [f"{_TMP}all"]
    row = pl.col(f"{_TMP}row")
    child = pl.col(child_column)
    child_text = child.cast(pl.String)
    is_parent = (child == total_item).fill_null(False)
    is_child = child.is_in(list(children)).fill_null(False)
    complete = (child.filter(is_child).n_unique().over(keys) == len(children)) & pl.lit(len(children) > 0)

    def status(c: str) -> pl.Expr:
        return pl.col(status_column(c))

    def candidate(c: str) -> pl.Expr:
        return is_child & status(c).is_null()

    def smallest(c: str) -> pl.Expr:
        return candidate(c) & (pl.col(c) == pl.col(_scratch(c, "smallest")))

    frame = frame.with_row_index(f"{_TMP}row").with_columns(pl.lit(0).alias(f"{_TMP}all"))
    frame = frame.with_columns(
        expr
        for c in value_columns
        for expr in (
            (
                complete
                & (is_parent & status(c).is_null()).any().over(keys)
                & ((is_child & (status(c) == SUPPRESSED)).sum().over(keys) == 1)
            ).alias(_scratch(c, "trigger")),
            candidate(c).any().over(keys).alias(_scratch(c, "has_candidate")),
            pl.when(candidate(c)).then(pl.col(c)).min().over(keys).alias(_scratch(c, "smallest")),
        )
    )
    # Ties go to the first child by name, then the first row: the same cell every time (idempotent).
    frame = frame.with_columns(
        pl.when(smallest(c)).then(child_text).min().over(keys).alias(_scratch(c, "smallest_child"))
        for c in value_columns
    )
    frame = frame.with_columns(
        pl.when(smallest(c) & (child_text == pl.col(_scratch(c, "smallest_child"))))
        .then(row)
        .min()
        .over(keys)
        .alias(_scratch(c, "chosen"))
        for c in value_columns
    )
    return frame.with_columns(
        (
            pl.col(_scratch(c, "trigger"))
            & (
                (pl.col(_scratch(c, "has_candidate")) & (row == pl.col(_scratch(c, "chosen"))))
                | (~pl.col(_scratch(c, "has_candidate")) & is_parent & status(c).is_null())
            )
        )
        .fill_null(False)
        .alias(_scratch(c, "pick"))
        for c in value_columns
    )


def _child_items(frame: pl.DataFrame, child_column: str, total_item: str, children: Sequence[Any] | None) -> list:
    if children is not None:
        return [c for c in children if c != total_item]
    return sorted(v for v in frame[child_column].drop_nulls().unique().to_list() if v != total_item)


def secondary_suppress(
    frame: pl.DataFrame,
    parent_keys: Sequence[str],
    child_column: str,
    value_column: str | Sequence[str],
    total_item: str = "Total",
    *,
    children: Sequence[Any] | None = None,
) -> pl.DataFrame:
    """D6: where a parent row (`child_column == total_item`) and all its children are shown within one
    `parent_keys` group and exactly one child is `c`, also suppress the smallest other shown child (or, if no other
    child is shown, the parent), so "total minus parts" cannot recover the hidden cell.

    `children` lists the child items a complete group holds; by default every non-total item of `child_column` in
    the frame (a group missing one of them is left alone). `value_column` may name several columns, each handled
    on its own. Idempotent: a second call changes nothing.
    """
    columns = [value_column] if isinstance(value_column, str) else list(value_column)
    items = _child_items(frame, child_column, total_item, children)
    frame = _with_status(frame, columns)
    flagged = _complement_flags(frame, parent_keys, child_column, columns, total_item, items)
    pick = {c: pl.col(_scratch(c, "pick")) for c in columns}
    return flagged.with_columns(_suppressed_where(pick)).select(frame.columns)


Hierarchy = tuple[Sequence[str], str]  # (parent_keys, child_column) as secondary_suppress takes them


def _suppress_until_stable(
    frame: pl.DataFrame,
    hierarchies: Sequence[Hierarchy],
    value_columns: Sequence[str],
    total_item: str,
    indicators: Sequence[Indicator] = (),
) -> pl.DataFrame:
    """Secondary suppression along every hierarchy (and hiding of figures whose base got hidden) until nothing
    changes. Each pass only adds suppressions, so this stops."""
    frame = _with_status(frame, value_columns)
    statuses = [status_column(c) for c in value_columns]
    while True:
        before = frame.select(statuses)
        for parent_keys, child_column in hierarchies:
            frame = secondary_suppress(frame, parent_keys, child_column, value_columns, total_item)
        frame = suppress_unverifiable(frame, indicators)
        if frame.select(statuses).equals(before):
            return frame


def secondary_suppress_grid(
    frame: pl.DataFrame,
    filter_columns: Sequence[str],
    value_columns: Sequence[str],
    *,
    other_keys: Sequence[str] = (),
    total_item: str = "Total",
) -> pl.DataFrame:
    """D6 on a cross-tabulation: apply `secondary_suppress` along every filter dimension until nothing changes
    (a suppression made along one dimension can leave a single `c` along another, so one pass is not enough)."""
    hierarchies = [([*other_keys, *(f for f in filter_columns if f != child)], child) for child in filter_columns]
    return _suppress_until_stable(frame, hierarchies, value_columns, total_item)


def suppress_unverifiable(frame: pl.DataFrame, indicators: Sequence[Indicator]) -> pl.DataFrame:
    """A shown rate or earnings figure whose base is hidden becomes `c`: its D4/D5 safety can no longer be shown
    from the frame (this happens when secondary suppression hides a base)."""
    hide = {
        i.column: pl.col(status_column(i.column)).is_null() & _status_or_missing(frame, i.base).is_not_null()
        for i in indicators
        if i.kind in ("rate", "earnings")
        and not i.hidden
        and i.base in frame.columns
        and status_column(i.column) in frame.columns
    }
    return frame.with_columns(_suppressed_where(hide))


def suppress_derived(
    frame: pl.DataFrame,
    indicators: Sequence[Indicator],
    *,
    hierarchies: Sequence[Hierarchy] = (),
    total_item: str = "Total",
) -> pl.DataFrame:
    """Everything a view does after `aggregate`: D6 secondary suppression on every shown indicator along each
    (parent_keys, child_column) hierarchy, plus `suppress_unverifiable`, repeated until stable. `guard` the result
    (with the same hierarchies) before it leaves the core."""
    columns = [i.column for i in indicators if not i.hidden and i.column in frame.columns]
    return _suppress_until_stable(frame, hierarchies, columns, total_item, indicators)

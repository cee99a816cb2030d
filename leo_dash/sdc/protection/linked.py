"""Which cells of a table are linked: every "total = sum of parts" relation a user can see between its rows
(Totals along each breakdown, a characteristic's values, aggregate rows over provider rows, areas over the areas
inside them), and the blocks of rows those relations link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from leo_dash.core import ees
from leo_dash.core.model import TableEntry

TOTAL_ITEM = "Total"
# Aggregate rows (no provider) whose geographic level says they cover every provider row below them.
_AGGREGATE_LEVELS = ("National",)


@dataclass(frozen=True)
class Relation:
    """Rows linked by "total = sum of parts" (row numbers of the frame), and what links them (for reports)."""

    total: int
    parts: tuple[int, ...]
    along: str


def _measure_columns(entry: TableEntry, frame: pl.DataFrame) -> set[str]:
    measures = {i.column for i in entry.indicators}
    return {c for c in frame.columns if c in measures or c.endswith("__status") or c.startswith("__")}


def identity_columns(entry: TableEntry, frame: pl.DataFrame) -> list[str]:
    """Columns that say which cell a row is (names of a provider are labels of its id, not part of it)."""
    skip = _measure_columns(entry, frame) | {c for c in (entry.role("provider_name"),) if c}
    return [c for c in frame.columns if c not in skip]


def _total_relations(frame: pl.DataFrame, identity: Sequence[str], column: str) -> list[Relation]:
    """Total = sum of the other items of `column`, within every combination of the other identity columns."""
    if frame.schema[column] != pl.String or not (frame[column] == TOTAL_ITEM).any():
        return []
    others = [c for c in identity if c != column]
    grouped = (
        frame.select([*others, column])
        .with_row_index("__row")
        .group_by(others, maintain_order=True)
        .agg(
            pl.col("__row").filter(pl.col(column) == TOTAL_ITEM).alias("__total"),
            pl.col("__row").filter(pl.col(column) != TOTAL_ITEM).alias("__parts"),
        )
    )
    out = []
    for totals, parts in zip(grouped["__total"].to_list(), grouped["__parts"].to_list(), strict=True):
        if len(totals) == 1 and parts:
            out.append(Relation(totals[0], tuple(parts), column))
    return out


def _characteristic_relations(entry: TableEntry, frame: pl.DataFrame, identity: Sequence[str]) -> list[Relation]:
    """The values of each characteristic type add up to the overall (Total, Total) row."""
    ctype, cvalue = entry.role("characteristic_type"), entry.role("characteristic_value")
    if not ctype or not cvalue or ctype not in frame.columns or cvalue not in frame.columns:
        return []
    others = [c for c in identity if c not in (ctype, cvalue)]
    rows = frame.select([*others, ctype, cvalue]).with_row_index("__row")
    is_total = (pl.col(ctype) == TOTAL_ITEM) & (pl.col(cvalue) == TOTAL_ITEM)
    totals = rows.filter(is_total).select([*others, pl.col("__row").alias("__total")])
    parts = (
        rows.filter((pl.col(ctype) != TOTAL_ITEM) & (pl.col(cvalue) != TOTAL_ITEM))
        .group_by([*others, ctype], maintain_order=True)
        .agg(pl.col("__row").alias("__parts"))
    )
    joined = parts.join(totals, on=others, how="inner", nulls_equal=True)
    return [
        Relation(total, tuple(part_rows), f"{ctype}={kind}")
        for total, part_rows, kind in zip(
            joined["__total"].to_list(), joined["__parts"].to_list(), joined[ctype].to_list(), strict=True
        )
    ]


def _aggregate_relations(entry: TableEntry, frame: pl.DataFrame, identity: Sequence[str]) -> list[Relation]:
    """An aggregate row (national, or national for one provider type or region) = the provider rows it covers:
    those that match it on every column it names (a null or "Total" there means "all")."""
    pid = entry.role("provider_id")
    if not pid or pid not in frame.columns or "geographic_level" not in frame.columns:
        return []
    compared = [c for c in identity if c not in (pid, "geographic_level")]
    rows = frame.select(identity).with_row_index("__row")
    names = [(pl.col(c).is_not_null() & (pl.col(c).cast(pl.String) != TOTAL_ITEM)).fill_null(False) for c in compared]
    aggregates = rows.filter(pl.col("geographic_level").is_in(_AGGREGATE_LEVELS) & pl.col(pid).is_null())
    aggregates = aggregates.with_columns(
        pl.concat_str([n.cast(pl.Int8).cast(pl.String) for n in names]).alias("__names")
    )
    providers = rows.filter(pl.col(pid).is_not_null())
    if aggregates.height == 0 or providers.height == 0:
        return []
    out: list[Relation] = []
    for (pattern,), group in aggregates.partition_by("__names", as_dict=True).items():
        on = [c for c, named in zip(compared, str(pattern), strict=True) if named == "1"]
        linked = (
            group.select([*on, pl.col("__row").alias("__total")])
            .join(providers.select([*on, "__row"]), on=on, how="inner", nulls_equal=True)
            .group_by("__total", maintain_order=True)
            .agg(pl.col("__row"))
        )
        out.extend(
            Relation(total, tuple(parts), "providers")
            for total, parts in zip(linked["__total"].to_list(), linked["__row"].to_list(), strict=True)
        )
    return out


# Each area level, its code column, and the levels that may contain it (nearest first).
_AREA_CODE = {
    "National": "country_code",
    "Regional": "region_code",
    "Local authority": "new_la_code",
    "Local authority district": "lad_code",
}
_AREA_PARENTS = {
    "Regional": ("National",),
    "Local authority": ("Regional", "National"),
    "Local authority district": ("Local authority", "Regional", "National"),
}


def _area_relations(entry: TableEntry, frame: pl.DataFrame, identity: Sequence[str]) -> list[Relation]:
    """An area's row = the rows of the areas inside it, matched on every other column (each child level is linked
    to the nearest level above it whose code its rows carry; England takes every region, authority or district).
    Where a child level does not cover its parent (people with no known area), the relation contradicts the
    published bounds and `_propagate` leaves the cells alone."""
    if "geographic_level" not in frame.columns:
        return []
    pid = entry.role("provider_id")
    geography = set(ees.GEOGRAPHY_COLUMNS) | {"geographic_level"}
    compared = [c for c in identity if c not in geography and c != pid]
    rows = frame.select(list(dict.fromkeys([*identity, "geographic_level"]))).with_row_index("__row")
    if pid and pid in frame.columns:
        rows = rows.filter(pl.col(pid).is_null())
    present = set(rows["geographic_level"].drop_nulls().to_list())
    out: list[Relation] = []
    for child, parents in _AREA_PARENTS.items():
        children = rows.filter(pl.col("geographic_level") == child)
        if children.height == 0:
            continue
        for parent in (p for p in parents if p in present):
            code = _AREA_CODE[parent]
            carried = code in frame.columns and children[code].is_not_null().all()
            if parent != "National" and not carried:
                continue  # the child rows do not say which parent holds them
            key = [*compared, *([code] if carried else [])]
            linked = (
                rows.filter(pl.col("geographic_level") == parent)
                .select([*key, pl.col("__row").alias("__total")])
                .join(children.select([*key, "__row"]), on=key, how="inner", nulls_equal=True)
                .group_by("__total", maintain_order=True)
                .agg(pl.col("__row"))
            )
            out.extend(
                Relation(total, tuple(parts), f"{child} in {parent}")
                for total, parts in zip(linked["__total"].to_list(), linked["__row"].to_list(), strict=True)
            )
            break
    return out


def relations(entry: TableEntry, frame: pl.DataFrame) -> list[Relation]:
    """Every "total = sum of parts" relation a user can see between rows of the table."""
    identity = identity_columns(entry, frame)
    paired = {entry.role("characteristic_type"), entry.role("characteristic_value")} - {None}
    out: list[Relation] = []
    for column in identity:
        if column in paired or column == "geographic_level":
            continue
        out.extend(_total_relations(frame, identity, column))
    out.extend(_characteristic_relations(entry, frame, identity))
    out.extend(_aggregate_relations(entry, frame, identity))
    out.extend(_area_relations(entry, frame, identity))
    return out


def _components(rels: Sequence[Relation], rows: int) -> np.ndarray:
    """Component of each row, linking rows through every relation except the national one (which links all)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    local = [r for r in rels if r.along != "providers"]
    a = np.asarray([r.total for r in local for _ in r.parts], dtype=np.int64)
    b = np.asarray([p for r in local for p in r.parts], dtype=np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(rows, rows))
    return connected_components(graph, directed=False)[1]

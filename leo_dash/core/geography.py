"""Areas a table publishes figures for: England, a region, a local authority or a local authority district.

A table's rows at different geographic levels are different counts of overlapping people, so a page shows exactly
one area at a time (issue 13, item 1). The area is one more choice of the page: offered when the table has more
than one, read from the URL parameter `area` (an ONS code), and turned into a selection of rows here, so every page
that offers it picks rows the same way.

Provider rows are not areas: a provider's figures are chosen with the provider selector, beside the national ones.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from leo_dash.core import ees, query, store
from leo_dash.core.model import TableEntry

AREA_PARAM = "area"
# The levels a page can show as one area, in the order the selector lists them, with their code and name columns.
AREA_LEVELS: dict[str, tuple[str, str]] = {
    "National": ("country_code", "country_name"),
    "Regional": ("region_code", "region_name"),
    "Local authority": ("new_la_code", "la_name"),
    "Local authority district": ("lad_code", "lad_name"),
}
LEVEL_NOUNS: dict[str, str] = {
    "National": "Country",
    "Regional": "Region",
    "Local authority": "Local authority",
    "Local authority district": "Local authority district",
}


@dataclass(frozen=True)
class Area:
    """One place a table publishes figures for."""

    level: str  # the geographic_level of its rows
    code: str  # ONS code (or the level's name when the table gives no code)
    name: str

    @property
    def national(self) -> bool:
        return self.level == "National"

    @property
    def label(self) -> str:
        """How the selector lists it: the name, with the kind of place for anything below England."""
        return self.name if self.national else f"{self.name} ({LEVEL_NOUNS[self.level].lower()})"


@functools.lru_cache(maxsize=64)
def _areas(parquet: Path, mtime_ns: int, time_column: str | None) -> tuple[Area, ...]:
    table_schema = pl.scan_parquet(parquet).collect_schema()
    if query.LEVEL_COLUMN not in table_schema:
        return ()
    scan = pl.scan_parquet(parquet)
    # The levels the table has, from its prepared options (no scan): a level it lacks needs no query of its own.
    prepared = store.manifest_options(parquet)
    present = prepared.values(query.LEVEL_COLUMN) if prepared is not None else None
    found: list[Area] = []
    for level, (code, name) in AREA_LEVELS.items():
        if name not in table_schema or (present is not None and level not in present):
            continue
        rows = scan.filter(pl.col(query.LEVEL_COLUMN) == level)
        code_expr = pl.col(code).cast(pl.String) if code in table_schema else pl.lit(level)
        order = [time_column] if time_column and time_column in table_schema else []
        # A place renamed over the years is listed once, under its latest name.
        latest = (
            rows.select(code_expr.alias("code"), pl.col(name).cast(pl.String).alias("name"), *order)
            .drop_nulls(["code", "name"])
            .sort(order or ["name"])
            .group_by("code")
            .agg(pl.col("name").last())
            .sort("name")
            .collect()
        )
        found.extend(Area(level, c, n) for c, n in latest.iter_rows())
    return tuple(found)


def areas(entry: TableEntry, *, data_dir: Path | None = None) -> tuple[Area, ...]:
    """Every area the table publishes rows for: England first, then regions, local authorities, districts (by name)."""
    parquet, mtime = query.prepared_version(entry, data_dir)
    return _areas(parquet, mtime, entry.role("time"))


def default_area(found: Sequence[Area]) -> Area | None:
    """England when the table has national rows, else the first area listed."""
    return next((a for a in found if a.national), found[0] if found else None)


def choose_area(found: Sequence[Area], raw: Sequence[str]) -> tuple[Area | None, list[str]]:
    """The area a link asks for (its last valid `area` value), else the default; with a note when it is unknown."""
    by_code = {a.code: a for a in found}
    chosen = next((by_code[v] for v in reversed(raw) if v in by_code), None)
    notes: list[str] = []
    fallback = default_area(found)
    if raw and chosen is None and found and fallback is not None:
        notes.append(
            f"The link asked for area '{', '.join(raw)}', which is not available; showing {fallback.name} instead."
        )
    return chosen or fallback, notes


def area_where(entry: TableEntry, area: Area | None, *, data_dir: Path | None = None) -> dict[str, list[object]]:
    """The selection of one area's rows, for `query.select`. England (or no area) keeps the query's own default:
    national rows and the providers' rows, which pages tell apart by the provider id."""
    if area is None or area.national:
        return {}
    code, name = AREA_LEVELS[area.level]
    where: dict[str, list[object]] = {query.LEVEL_COLUMN: [area.level]}
    columns = query.schema(entry, data_dir=data_dir)
    if code in columns:
        where[code] = [area.code]
    else:
        where[name] = [area.name]
    return where


def area_by_code(found: Sequence[Area], code: str | None) -> Area | None:
    """A spec's area from its code; None = the table's default (England, or its first area without national rows)."""
    return next((a for a in found if a.code == code), None) if code else default_area(found)


def below_national(area: Area | None) -> bool:
    """Whether the area is a region or local authority (whose rows replace the national and provider rows)."""
    return area is not None and not area.national


def area_code(found: Sequence[Area], area: Area | None) -> str | None:
    """What a spec keeps of the area: its code, or None for the table's default (so links made before areas were
    offered, and their briefing items, stay the same)."""
    return None if area is None or area == default_area(found) else area.code


def area_filter(found: Sequence[Area], area: Area | None) -> list[tuple[str, str]]:
    """The view's filter line for the area (under the chart and in downloads), when the table has a choice."""
    return [("Area", area.name)] if area is not None and len(found) > 1 else []


def in_area(area: Area | None) -> str:
    """', London' for a title; '' for England or no area."""
    return "" if area is None or area.national else f", {area.name}"


def shows_any_level(entry: TableEntry, *, data_dir: Path | None = None) -> bool:
    """Whether a page that offers an area can show the table: it has national or provider rows, or any area's
    (and no breakdown that only its own page chooses, such as industry without a total)."""
    if query.unpinned_breakdowns(entry, data_dir=data_dir):
        return False
    if query.shows_page_levels(entry, data_dir=data_dir):
        return True
    try:
        found = query.levels(entry, data_dir=data_dir)
    except (ees.EESLoadError, store.NotPrepared, OSError):
        return True  # the page that lists it shows its load error
    return any(level in AREA_LEVELS for level in found)

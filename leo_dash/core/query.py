"""Select rows of an approved table by column *roles*, so pages never hard-code a table's column names.

Breakdown columns the caller does not choose are pinned to their default item (usually `Total`), so a chart never
adds a total to its own parts. Provider attributes (type, region) are pinned only on aggregate rows: on a provider's
own row they describe the provider, not a breakdown.
"""

from __future__ import annotations

import csv
import functools
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from leo_dash.core import ees, paths, shapes, store
from leo_dash.core.model import Indicator, TableEntry, status_column
from leo_dash.present.sentences import upper_first

log = logging.getLogger("leo_dash.core.query")

BREAKDOWN_ROLES: tuple[str, ...] = (
    "subject", "years_after", "characteristic_type", "characteristic_value", "cohort", "industry",
)  # fmt: skip
# Breakdowns that only their own page chooses (Graduate industry). A table split by one of them without a total
# item has several figures for every choice the other pages make, so those pages do not offer it.
OWN_PAGE_ROLES: tuple[str, ...] = ("industry",)
ATTRIBUTE_ROLES: tuple[str, ...] = ("provider_type", "region")
TOTAL_ITEMS: tuple[str, ...] = ("Total", "All", "All graduates", "All learners", "All pupils")
LEVEL_COLUMN = "geographic_level"
# The geographic levels the pages show: national figures and the rows of single institutions. A table's regional
# or local-authority rows are kept out of every selection unless it asks for them (issue 13): mixed with national
# rows they would count the same people twice. Pages that offer an area ask for one area's rows (`geography`).
PAGE_LEVELS: tuple[str, ...] = ("National", "Provider", "Institution", "School")


class SelectionError(ValueError):
    """A selection names a column or value the table does not have."""


def breakdown_columns(entry: TableEntry) -> list[str]:
    """Columns whose items split the same population (pinned to a default unless chosen)."""
    cols = [entry.roles[r] for r in BREAKDOWN_ROLES if r in entry.roles]
    return cols + [c for c in entry.filters if c not in cols]


def attribute_columns(entry: TableEntry) -> list[str]:
    return [entry.roles[r] for r in ATTRIBUTE_ROLES if r in entry.roles]


def column_for(entry: TableEntry, role_or_column: str) -> str:
    """Resolve a role name to its column; a plain column name passes through."""
    return entry.roles.get(role_or_column, role_or_column)


@functools.lru_cache(maxsize=512)
def _distinct(parquet: Path, mtime_ns: int, column: str) -> tuple[str, ...]:
    values = pl.scan_parquet(parquet).select(pl.col(column).drop_nulls().unique()).collect().to_series()
    return tuple(str(v) for v in values.sort().to_list())


def prepared_version(entry: TableEntry, data_dir: Path | None = None) -> tuple[Path, int]:
    """The prepared parquet and its modification time: the key of every cache of values read from a table. One
    `store.prepare` (file stats + manifest read) per call of a public function, not one per column it looks at."""
    parquet = store.prepare(entry, data_dir=data_dir).parquet
    return parquet, parquet.stat().st_mtime_ns


_version = prepared_version


def provider_names(entry: TableEntry, *, data_dir: Path | None = None) -> tuple[tuple[str, str], ...]:
    """(id, name) of every provider in the table (any year, any breakdown), sorted by name: one UKPRN can carry
    several names over the years, so each shows its most recent one (its id when it never has one). Read from the
    table's prepared options (store.options), not scanned per session."""
    if not entry.role("provider_id"):
        return ()
    return store.options(entry, data_dir=data_dir).provider_pairs


@functools.lru_cache(maxsize=64)
def _has_null(parquet: Path, mtime_ns: int, column: str) -> bool:
    return bool(pl.scan_parquet(parquet).select(pl.col(column).is_null().any()).collect().item())


@functools.lru_cache(maxsize=64)
def _has_national(parquet: Path, mtime_ns: int, id_column: str | None) -> bool:
    national = pl.col(LEVEL_COLUMN) == "National"
    if id_column is not None:
        national = pl.col(id_column).is_null() & (pl.col(LEVEL_COLUMN).is_null() | national)
    return bool(pl.scan_parquet(parquet).select(national.any()).collect().item())


def has_national_rows(entry: TableEntry, *, data_dir: Path | None = None) -> bool:
    """Whether the table has national rows: rows without a provider, at National level when the table says its
    level (a regional row has no provider either). A table with neither providers nor levels counts as national."""
    id_column = entry.role("provider_id")
    parquet, mtime = prepared_version(entry, data_dir)
    prepared = store.manifest_options(parquet)
    if prepared is not None and prepared.has_national is not None and prepared.roles.get("provider_id") == id_column:
        return prepared.has_national  # found when the table was prepared
    table_schema = _schema(parquet, mtime)
    with_id = id_column if id_column and id_column in table_schema else None
    if LEVEL_COLUMN in table_schema:
        return _has_national(parquet, mtime, with_id)
    return True if with_id is None else _has_null(parquet, mtime, with_id)


def levels(entry: TableEntry, *, data_dir: Path | None = None) -> list[str]:
    """The table's geographic levels (empty when it has no geographic_level column)."""
    parquet, mtime = prepared_version(entry, data_dir)
    if LEVEL_COLUMN not in _schema(parquet, mtime):
        return []
    return [v for v in _distinct_in(parquet, mtime, LEVEL_COLUMN) if v]


def shows_page_levels(entry: TableEntry, *, data_dir: Path | None = None) -> bool:
    """Whether the pages can show any of the table's rows: it has no geographic level, or national or institution
    rows. A table whose rows are all regional or local authority is for the pages that offer an area (`geography`).

    A table that cannot be loaded here is not judged on its levels: the page that lists it shows its load error."""
    if not entry.files:
        return True
    try:
        found = levels(entry, data_dir=data_dir)
    except (ees.EESLoadError, store.NotPrepared, OSError):
        return True
    return not found or any(level in PAGE_LEVELS for level in found)


def level_reason(entry: TableEntry, *, data_dir: Path | None = None) -> str:
    """Why the pages cannot show the table's rows, in words ('' when they can)."""
    if shows_page_levels(entry, data_dir=data_dir):
        return ""
    found = levels(entry, data_dir=data_dir)
    return f"its rows are all at {' and '.join(found)} level, which this page does not show"


def unpinned_breakdowns(entry: TableEntry, *, data_dir: Path | None = None) -> list[str]:
    """Columns of `OWN_PAGE_ROLES` that have no item standing for everyone (e.g. industry without a Total)."""
    out: list[str] = []
    for role in OWN_PAGE_ROLES:
        column = entry.role(role)
        if not column or not entry.files:
            continue
        try:
            items = distinct_values(entry, column, data_dir=data_dir)
        except (ees.EESLoadError, store.NotPrepared, OSError):
            continue  # the page that lists it shows its load error
        if items and default_item(entry, column, items) is None:
            out.append(column)
    return out


def breakdown_reason(entry: TableEntry, *, data_dir: Path | None = None) -> str:
    """Why a general page cannot show the table's figures, in words ('' when it can)."""
    columns = unpinned_breakdowns(entry, data_dir=data_dir)
    if not columns:
        return ""
    return (
        f"its figures are split by {', '.join(column_label(entry, c) for c in columns)} with no total to pin, "
        "which only its own page chooses"
    )


def last_valid(values: Sequence[str], allowed: Sequence[str]) -> str | None:
    """The last of `values` (a link's repeated parameter) that is one of `allowed`, else None."""
    for value in reversed(values):
        if value in allowed:
            return value
    return None


def numeric_order(value: str) -> tuple[int, float, str]:
    """Sort key for option values: numbers in numeric order ("3" before "10"), then text."""
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _distinct_in(parquet: Path, mtime_ns: int, column: str) -> list[str]:
    if column not in _schema(parquet, mtime_ns):
        return []
    # The values computed when the table was prepared (its manifest); a scan only for a column they do not cover
    # or a manifest written before they were kept there.
    prepared = store.manifest_options(parquet)
    found = prepared.values(column) if prepared is not None else None
    return list(found) if found is not None else list(_distinct(parquet, mtime_ns, column))


def distinct_values(entry: TableEntry, role_or_column: str, *, data_dir: Path | None = None) -> list[str]:
    """Sorted distinct non-null values of a column (as strings), cached per parquet version."""
    return _distinct_in(*_version(entry, data_dir), column_for(entry, role_or_column))


@functools.lru_cache(maxsize=128)
def _schema(parquet: Path, mtime_ns: int) -> dict[str, pl.DataType]:
    return dict(pl.scan_parquet(parquet).collect_schema())


def schema(entry: TableEntry, *, data_dir: Path | None = None) -> dict[str, pl.DataType]:
    return _schema(*_version(entry, data_dir))


def default_item(entry: TableEntry, column: str, values: Sequence[str]) -> str | None:
    """The item that stands for 'everyone' in a breakdown column, if the table has one."""
    preferred = entry.filter_defaults.get(column)
    if preferred is not None and preferred in values:
        return preferred
    for item in TOTAL_ITEMS:
        if item in values:
            return item
    return None


def unit_default(entry: TableEntry) -> str | None:
    """The unit filter's item a selection pins when it does not choose one: the table's default, else its first
    count item (a base before a percentage), else its first item."""
    if not entry.unit_filter or not entry.unit_items:
        return None
    preferred = entry.filter_defaults.get(entry.unit_filter)
    if preferred in entry.unit_items:
        return preferred
    return next((i for i, u in entry.unit_items.items() if u == "count"), next(iter(entry.unit_items)))


def unit_indicator(entry: TableEntry, indicator: Indicator, where: Mapping[str, object]) -> Indicator:
    """`indicator` as it reads in a selection: on a table whose unit is set by a `data_type` item, the unit of the
    item the selection pins (a count of people, or a percentage that is never summed or a base)."""
    if not entry.unit_filter:
        return indicator
    chosen = where.get(entry.unit_filter)
    if isinstance(chosen, str):
        item: object = chosen
    elif isinstance(chosen, Sequence) and len(chosen) == 1:
        item = chosen[0]
    elif chosen:
        raise SelectionError(f"{entry.id}: {entry.unit_filter} sets the unit, so choose exactly one of its items.")
    else:
        item = unit_default(entry)
    return entry.unit_indicator(indicator, None if item is None else str(item))


def nested_choices(
    entry: TableEntry,
    columns: Sequence[str],
    items_for: Callable[[str, Mapping[str, str]], Sequence[str]],
    pick: Callable[[str, Sequence[str], str], str | None],
    *,
    asked: Mapping[str, str] | None = None,
) -> tuple[tuple[str, str], ...]:
    """One item per filter column, groups before the filters nested under them: a child is offered only the items
    published with the chosen group (`items_for(column, {group: item})`), starting at the meta's `filter_default`,
    else its Total, else its first item. `pick(column, items, default)` makes the choice (a widget, or a link's
    parameter). Columns with no items are left out.

    `asked` holds a link's values: a child asked for without its group ("?level_of_learning=Full level 3") makes
    the one group that publishes it the group's default, so the link shows what it names."""
    chosen: dict[str, str] = {}
    implied = _implied_groups(entry, asked or {}, items_for)
    for column in shapes.ordered_filters(list(columns), entry.filter_groups):
        if column not in columns:
            continue
        group = entry.filter_groups.get(column)
        conditions = {group: chosen[group]} if group in chosen else {}
        items = list(items_for(column, conditions))
        if not items:
            continue
        default = implied.get(column) if implied.get(column) in items else None
        picked = pick(column, items, default or default_item(entry, column, items) or items[0])
        chosen[column] = picked if picked in items else (default_item(entry, column, items) or items[0])
    return tuple(chosen.items())


def _implied_groups(
    entry: TableEntry,
    asked: Mapping[str, str],
    items_for: Callable[[str, Mapping[str, str]], Sequence[str]],
) -> dict[str, str]:
    """group -> item, for each child `asked` for without its group and published under exactly one group item."""
    out: dict[str, str] = {}
    for child, group in entry.filter_groups.items():
        if child not in asked or group in asked:
            continue
        holding = [g for g in items_for(group, {}) if asked[child] in items_for(child, {group: g})]
        if len(holding) == 1:
            out[group] = holding[0]
    return out


@dataclass(frozen=True)
class Condition:
    """One condition of a selection, kept apart from any engine so that the same selection can be run by Polars on
    the prepared parquet or pushed down as SQL to an engine beside the data (`select(..., engine="duckdb")`).

    The row passes when `column` holds one of `values` (compared as text when `as_text`), or when `or_null` and it
    is null, or when `unless_set` names a column that is not null on the row (a provider's own row is not pinned by
    the defaults of its attributes)."""

    column: str
    values: tuple[object, ...]
    as_text: bool = False
    or_null: bool = False
    unless_set: str | None = None


def _match(column: str, values: Sequence[object], dtype: pl.DataType) -> Condition:
    if dtype.is_integer():
        try:
            return Condition(column, tuple(int(v) for v in values))  # type: ignore[call-overload]
        except (TypeError, ValueError) as exc:
            raise SelectionError(f"{column} takes whole numbers; got {list(values)}.") from exc
    return Condition(column, tuple(str(v) for v in values), as_text=True)


def _conditions(
    entry: TableEntry, where: Mapping[str, Sequence[object]], vary: Sequence[str], parquet: Path, mtime_ns: int
) -> list[Condition]:
    """Every condition of a selection: what it chooses, the unit item, the page levels, and each unchosen
    breakdown (and aggregate rows' attributes) pinned to its default."""
    table_schema = _schema(parquet, mtime_ns)
    chosen = {column_for(entry, k): v for k, v in where.items()}
    free = {column_for(entry, v) for v in vary}
    unknown = sorted(c for c in chosen if c not in table_schema)
    if unknown:
        raise SelectionError(f"{entry.id} has no column(s) {', '.join(unknown)}.")
    out: list[Condition] = []
    for column, values in chosen.items():
        if values:
            out.append(_match(column, values, table_schema[column]))
    unit = entry.unit_filter
    if unit and unit in table_schema:  # counts and percentages share columns: a selection never mixes them
        if unit in free or len(chosen.get(unit) or ()) > 1:
            raise SelectionError(
                f"{entry.id}: {unit} sets the unit of every figure, so a selection takes exactly one of its items."
            )
        if not chosen.get(unit) and unit_default(entry) is not None:
            out.append(Condition(unit, (unit_default(entry),)))
    if LEVEL_COLUMN in table_schema and LEVEL_COLUMN not in chosen and LEVEL_COLUMN not in free:
        out.append(Condition(LEVEL_COLUMN, PAGE_LEVELS, or_null=True))
    provider_id = entry.role("provider_id")
    has_ids = bool(provider_id) and provider_id in table_schema
    for column in breakdown_columns(entry):
        if column in chosen or column in free or column not in table_schema or column == unit:
            continue
        default = _nested_default(entry, column, chosen, parquet, mtime_ns)
        if default is not None:
            out.append(Condition(column, (default,)))
    for column in attribute_columns(entry):
        if column in chosen or column in free or column not in table_schema:
            continue
        default = default_item(entry, column, _distinct_in(parquet, mtime_ns, column))
        if default is not None:
            out.append(Condition(column, (default,), unless_set=provider_id if has_ids else None))
    return out


def _polars_filter(conditions: Sequence[Condition]) -> pl.Expr:
    expr = pl.lit(True)
    for c in conditions:
        column = pl.col(c.column).cast(pl.String) if c.as_text else pl.col(c.column)
        test = column == c.values[0] if len(c.values) == 1 else column.is_in(list(c.values))
        if c.or_null:
            test = test | pl.col(c.column).is_null()
        if c.unless_set:
            test = pl.col(c.unless_set).is_not_null() | test
        expr = expr & test
    return expr


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_filter(conditions: Sequence[Condition]) -> tuple[str, list[object]]:
    """The same conditions as a SQL WHERE clause with ? parameters (values never pasted into the text)."""
    parts: list[str] = []
    params: list[object] = []
    for c in conditions:
        column = f"CAST({_quoted(c.column)} AS VARCHAR)" if c.as_text else _quoted(c.column)
        test = f"{column} IN ({', '.join('?' for _ in c.values)})"
        params.extend(c.values)
        if c.or_null:
            test = f"({test} OR {_quoted(c.column)} IS NULL)"
        if c.unless_set:
            test = f"({_quoted(c.unless_set)} IS NOT NULL OR {test})"
        parts.append(test)
    return (" AND ".join(parts) or "TRUE"), params


@functools.lru_cache(maxsize=512)
def _items_with(parquet: Path, mtime_ns: int, column: str, other: str, values: tuple[str, ...]) -> tuple[str, ...]:
    lazy = pl.scan_parquet(parquet).filter(pl.col(other).cast(pl.String).is_in(list(values)))
    found = lazy.select(pl.col(column).drop_nulls().unique()).collect().to_series()
    return tuple(sorted(str(v) for v in found.to_list()))


def items_where(
    entry: TableEntry, column: str, conditions: Mapping[str, str], *, data_dir: Path | None = None
) -> list[str]:
    """Sorted items of `column` on rows where each condition column holds its value (any geographic level)."""
    parquet, mtime_ns = _version(entry, data_dir)
    found: set[str] | None = None
    for other, value in conditions.items():
        these = set(_items_with(parquet, mtime_ns, column_for(entry, column), column_for(entry, other), (str(value),)))
        found = these if found is None else found & these
    return sorted(found) if found is not None else _distinct_in(parquet, mtime_ns, column_for(entry, column))


def _nested_default(
    entry: TableEntry, column: str, chosen: Mapping[str, Sequence[object]], parquet: Path, mtime_ns: int
) -> str | None:
    """The item an unchosen breakdown is pinned to. Across a nesting (`filter_groups`) with one side chosen, only
    items published with the chosen one qualify: a chosen child ("Full level 2") pins its group to the group it
    sits in, not to the group's Total where the child never appears."""
    items = _distinct_in(parquet, mtime_ns, column)
    related = [c for c, g in entry.filter_groups.items() if g == column] + (
        [entry.filter_groups[column]] if column in entry.filter_groups else []
    )
    narrowed = False
    for other in related:
        values = chosen.get(other)
        if values:
            items = [i for i in items if i in _items_with(parquet, mtime_ns, column, other, tuple(map(str, values)))]
            narrowed = True
    found = default_item(entry, column, items)
    return found if found is not None or not narrowed or len(items) != 1 else items[0]


ENGINE_ENV = "LEO_QUERY_ENGINE"
ENGINES: tuple[str, ...] = ("polars", "duckdb")
_duckdb_local = threading.local()


def query_engine() -> str:
    """The engine that runs selections: Polars on the prepared parquet (default), or DuckDB (LEO_QUERY_ENGINE)."""
    engine = os.environ.get(ENGINE_ENV, "polars").strip().lower() or "polars"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}, not {engine!r}.")
    return engine


def _duckdb_connection() -> Any:
    """This thread's DuckDB connection: a connection is not safe to share, and each Streamlit session is a thread."""
    connection = getattr(_duckdb_local, "connection", None)
    if connection is None:
        import duckdb

        connection = duckdb.connect()
        _duckdb_local.connection = connection
    return connection


def _run_duckdb(parquet: Path, conditions: Sequence[Condition], wanted: Sequence[str] | None) -> pl.DataFrame:
    where, params = _sql_filter(conditions)
    columns = ", ".join(_quoted(c) for c in wanted) if wanted is not None else "*"
    sql = f"SELECT {columns} FROM read_parquet(?) WHERE {where}"
    return _duckdb_connection().sql(sql, params=[str(parquet), *params]).pl()


def select(
    entry: TableEntry,
    where: Mapping[str, Sequence[object]],
    *,
    vary: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    data_dir: Path | None = None,
    engine: str | None = None,
) -> pl.DataFrame:
    """Rows of the table matching `where`; other breakdowns pinned to their default unless listed in `vary`.

    `columns` limits the output to those columns (roles allowed) and their status columns. Every page reads its
    rows here: this is the seam where a selection runs on another engine (`engine`, default LEO_QUERY_ENGINE):
    Polars scanning the prepared parquet, or the same conditions as SQL for DuckDB (which can read the parquet
    from object storage too). Both give the same rows in the same order (tests/test_query_engines.py).
    """
    parquet, mtime_ns = _version(entry, data_dir)
    table_schema = _schema(parquet, mtime_ns)
    conditions = _conditions(entry, where, vary, parquet, mtime_ns)
    wanted: list[str] | None = None
    if columns is not None:
        wanted = []
        for name in columns:
            column = column_for(entry, name)
            if column not in table_schema:
                raise SelectionError(f"{entry.id} has no column {column!r}.")
            wanted.append(column)
            if status_column(column) in table_schema:
                wanted.append(status_column(column))
        wanted = list(dict.fromkeys(wanted))
    if (engine or query_engine()) == "duckdb":
        return _run_duckdb(parquet, conditions, wanted)
    lazy = pl.scan_parquet(parquet).filter(_polars_filter(conditions))
    return (lazy.select(wanted) if wanted is not None else lazy).collect()


# ---------------------------------------------------------------------------------------------------------------
# Column labels: the publisher's own words, from the EES .meta.csv beside each data file


@functools.lru_cache(maxsize=64)
def _meta_labels(meta_files: tuple[tuple[str, int], ...]) -> tuple[tuple[str, str], ...]:
    labels: dict[str, str] = {}
    for name, _mtime in meta_files:
        try:
            with open(name, encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    column, label = (row.get("col_name") or "").strip(), (row.get("label") or "").strip()
                    if column and label:
                        labels.setdefault(column, label)
        except (OSError, UnicodeDecodeError, csv.Error):
            log.warning("labels unavailable from %s", name)
    return tuple(labels.items())


def column_labels(entry: TableEntry) -> dict[str, str]:
    """Column -> label from the table's .meta.csv files (first file wins; {} when none can be read)."""
    metas = []
    for file in entry.files:
        meta = paths.meta_path(file)
        if meta.exists():
            metas.append((str(meta), meta.stat().st_mtime_ns))
    return dict(_meta_labels(tuple(metas))) if metas else {}


def column_label(entry: TableEntry, column: str) -> str:
    """What a filter or breakdown column is called on screen: its metadata label ('Benefit status at start of
    learning'), else its name in words ('benefit_learner' -> 'Benefit learner'), never the raw id."""
    return column_labels(entry).get(column) or upper_first(column.replace("_", " "))

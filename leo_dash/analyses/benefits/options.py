"""Benefits page options: what a table offers (`table_options`) and the splits lines can be compared by."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from leo_dash.analyses.benefits.measures import (
    BY_CHARACTERISTIC,
    BY_PROVIDER_TYPE,
    BY_SUBJECT,
    BY_YEARS_AFTER,
    DEFAULT_SUBJECTS,
    ITEM_PARAMS,
    MAX_SERIES,
    OVERALL,
    benefit_measures,
    item_filters,
    supports,
)
from leo_dash.analyses.table_choices import PeriodsAndProviders, extra_filters, years_after_choices
from leo_dash.core import geography, query
from leo_dash.core.model import Indicator, TableEntry
from leo_dash.present.sentences import upper_first

# ---------------------------------------------------------------------------------------------------------------
# What a table offers


def nice_name(column: str) -> str:
    """'benefit_learner' -> 'Benefit learner' (when the metadata has no label)."""
    return upper_first(column.replace("_", " "))


@functools.lru_cache(maxsize=512)
def _distinct_where(
    parquet: Path, mtime_ns: int, column: str, id_column: str | None, provider: str | None, pins: tuple
) -> tuple[str, ...]:
    """Distinct values of `column` on the rows of one provider (or all rows), with `pins` ((column, value) pairs)."""
    expr = pl.lit(True)
    if id_column and provider is not None:
        expr = expr & (pl.col(id_column).cast(pl.String) == provider)
    for pinned, value in pins:
        expr = expr & (pl.col(pinned).cast(pl.String) == value)
    values = (
        pl.scan_parquet(parquet)
        .filter(expr)
        .select(pl.col(column).cast(pl.String).drop_nulls().unique())
        .collect()
        .to_series()
        .to_list()
    )
    return tuple(sorted(values, key=query.numeric_order))


@functools.lru_cache(maxsize=128)
def _parents(parquet: Path, mtime_ns: int, column: str, others: tuple[str, ...]) -> tuple[str, ...]:
    """Other filter columns whose item is fixed by this column's item (age group within 'youth or adult'): a
    split by `column` leaves them free instead of pinning them to Total, which would match no row."""
    frame = pl.scan_parquet(parquet).select(column, *others).unique().collect()
    frame = frame.filter(~pl.col(column).cast(pl.String).is_in(list(query.TOTAL_ITEMS)))
    if frame.height == 0:
        return ()
    parents: list[str] = []
    for other in others:
        per_item = frame.group_by(column).agg(
            pl.col(other).n_unique().alias("n"), pl.col(other).cast(pl.String).is_in(list(query.TOTAL_ITEMS)).any()
        )
        if (per_item["n"] == 1).all() and not per_item[other].any():
            parents.append(other)
    return tuple(parents)


@dataclass(frozen=True)
class BenefitOptions(PeriodsAndProviders):
    """Everything the page's widgets can offer for one table."""

    measures: tuple[Indicator, ...]
    periods: tuple[int, ...]  # ascending
    providers: tuple[tuple[str, str], ...]  # (id, latest name), by name
    has_national: bool  # published rows with a null provider id exist
    years_after: tuple[str, ...]  # numeric order
    default_years_after: str | None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # extra filter columns with 2+ items
    filter_defaults: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # column -> publisher's label
    areas: tuple[geography.Area, ...] = ()  # England, regions, local authorities the table publishes

    def label(self, column: str) -> str:
        return self.labels.get(column) or nice_name(column)


def table_options(entry: TableEntry, *, data_dir: Path | None = None) -> BenefitOptions:
    """Widget options from the table's roles and contents."""
    if not supports(entry):
        raise ValueError(f"{entry.id} has no out-of-work benefit rate.")
    time = str(entry.role("time"))
    periods = sorted(int(v) for v in query.distinct_values(entry, time, data_dir=data_dir))
    schema = query.schema(entry, data_dir=data_dir)
    providers = query.provider_names(entry, data_dir=data_dir)
    has_national = query.has_national_rows(entry, data_dir=data_dir)
    years_after, default_yag = years_after_choices(entry, schema, data_dir=data_dir)
    role_columns = set(entry.roles.values()) | item_filters(entry)
    others = [c for c in entry.filters if c not in role_columns and c in schema]
    filters, defaults = extra_filters(entry, others, data_dir=data_dir)
    return BenefitOptions(
        measures=benefit_measures(entry),
        periods=tuple(periods),
        providers=providers,
        has_national=has_national,
        years_after=tuple(years_after),
        default_years_after=default_yag,
        filters=filters,
        filter_defaults=defaults,
        labels=query.column_labels(entry),
        areas=geography.areas(entry, data_dir=data_dir),
    )


# ---------------------------------------------------------------------------------------------------------------
# Splits: the ways lines can be compared


@dataclass(frozen=True)
class Split:
    """One way to compare lines: its ?compare= value, its label, the column whose items become lines and the URL
    parameter holding the chosen items (None for the overall line)."""

    key: str
    label: str
    column: str | None = None
    param: str | None = None

    @property
    def is_overall(self) -> bool:
        return self.key == OVERALL


OVERALL_SPLIT = Split(OVERALL, "Nothing (overall)")


def _pins(entry: TableEntry, characteristic: str | None) -> tuple:
    if characteristic and entry.role("characteristic_type"):
        return ((str(entry.role("characteristic_type")), characteristic),)
    return ()


def _items_in_scope(
    entry: TableEntry, column: str, provider: str | None, *, pins: tuple = (), data_dir: Path | None = None
) -> list[str]:
    """Items of `column` (without the Total item) on the rows of one provider (or all rows) holding `pins`."""
    parquet, mtime = query.prepared_version(entry, data_dir)
    if column not in query.schema(entry, data_dir=data_dir):
        return []
    id_column = entry.role("provider_id")
    id_column = id_column if id_column and id_column in query.schema(entry, data_dir=data_dir) else None
    values = _distinct_where(parquet, mtime, column, id_column, provider, pins)
    return [v for v in values if v not in query.TOTAL_ITEMS]


def characteristic_types(entry: TableEntry, provider: str | None, *, data_dir: Path | None = None) -> list[str]:
    """Characteristic types with rows in the scope (one provider, or the whole table)."""
    if not entry.role("characteristic_type") or not entry.role("characteristic_value"):
        return []
    return _items_in_scope(entry, str(entry.role("characteristic_type")), provider, data_dir=data_dir)


def available_splits(
    entry: TableEntry, options: BenefitOptions, provider: str | None, *, data_dir: Path | None = None
) -> list[Split]:
    """The splits the table supports for this scope: only those with at least two items to compare."""
    splits = [OVERALL_SPLIT]
    if characteristic_types(entry, provider, data_dir=data_dir):
        splits.append(
            Split(
                BY_CHARACTERISTIC, "Characteristic", entry.role("characteristic_value"), ITEM_PARAMS[BY_CHARACTERISTIC]
            )
        )
    for key, label in ((BY_SUBJECT, "Subject"), (BY_PROVIDER_TYPE, "Provider type"), (BY_YEARS_AFTER, None)):
        column = entry.role(key)
        if not column or (key == BY_PROVIDER_TYPE and provider):
            continue  # one provider has one type: nothing to compare
        if len(_items_in_scope(entry, column, provider, data_dir=data_dir)) >= 2:
            splits.append(
                Split(key, options.labels.get(column) or label or nice_name(column), column, ITEM_PARAMS[key])
            )
    for column in options.filters:
        if len(_items_in_scope(entry, column, provider, data_dir=data_dir)) >= 2:
            splits.append(Split(column, options.label(column), column, column))
    return splits


def split_by_key(splits: Sequence[Split], key: str | None) -> Split | None:
    return next((s for s in splits if s.key == key), None)


def default_split(splits: Sequence[Split], options: BenefitOptions) -> str:
    """Benefit status at the start of learning where the table has it (benefit learners vs not on benefits), else
    the overall line."""
    for split in splits:
        if split.column in options.filters and "benefit" in f"{split.column} {split.label}".lower():
            return split.key
    return OVERALL


def split_items(
    entry: TableEntry,
    split: Split,
    provider: str | None,
    *,
    characteristic: str | None = None,
    data_dir: Path | None = None,
) -> list[str]:
    """The items of a split that have rows in the scope (without the Total item)."""
    if split.is_overall or split.column is None:
        return []
    pinned = characteristic if split.key == BY_CHARACTERISTIC else None
    if split.key == BY_CHARACTERISTIC and not characteristic:
        return []
    return _items_in_scope(entry, split.column, provider, pins=_pins(entry, pinned), data_dir=data_dir)


def lines_per_item(provider: str | None) -> int:
    """A chosen provider is drawn beside all providers, so each item takes two lines."""
    return 2 if provider else 1


def max_items(provider: str | None) -> int:
    return MAX_SERIES // lines_per_item(provider)


def default_items(split: Split, items: Sequence[str], provider: str | None) -> list[str]:
    room = max_items(provider)
    if split.key == BY_SUBJECT:
        room = min(room, DEFAULT_SUBJECTS)
    return list(items[:room])


def filter_controls(
    entry: TableEntry, options: BenefitOptions, split: Split, *, data_dir: Path | None = None
) -> dict[str, tuple[str, ...]]:
    """Extra filter columns the user pins to one item: all but the split column and the columns nested above it."""
    hidden: set[str] = set()
    if split.column in options.filters:
        hidden.add(split.column)
        hidden.update(split_parents(entry, options, split, data_dir=data_dir))
    return {c: items for c, items in options.filters.items() if c not in hidden}


def split_parents(
    entry: TableEntry, options: BenefitOptions, split: Split, *, data_dir: Path | None = None
) -> tuple[str, ...]:
    if split.column not in options.filters:
        return ()
    parquet, mtime = query.prepared_version(entry, data_dir)
    others = tuple(c for c in options.filters if c != split.column)
    return _parents(parquet, mtime, str(split.column), others)

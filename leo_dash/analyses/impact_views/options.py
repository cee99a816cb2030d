"""Impact page choices: the dimensions a table can be split by, context controls, group items, start years and the spec they make up."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from leo_dash.analyses.impact import (
    REASON_MISSING,
    REASON_ZERO_BASE,
)
from leo_dash.core import paths, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import Indicator, TableEntry
from leo_dash.core.periods import period_label

PAGE_KEY = "impact"  # page url_path and briefing page key
ALL_OTHERS = "All others"  # comparison item meaning every item of the dimension not in the treated group
WITHHELD = "withheld"  # reason given to cells whose group figure for that year is not shown
CAVEAT_PREFIX = "Caveat: "
METHOD_PREFIX = "Method: "
# Views this page shows, in page order.
VIEW_ESTIMATE = "impact-estimate"
VIEW_SERIES = "impact-series"
VIEW_EVENT_STUDY = "impact-event-study"
VIEW_EXCLUDED = "impact-excluded"
# Dimensions made from roles (a table's own filter columns come first, under their column name).
ROLE_DIMENSIONS: tuple[str, ...] = ("subject", "characteristic", "provider_type", "region", "provider")
_DIMENSION_NAMES: dict[str, tuple[str, str, str]] = {  # key -> (label, singular, plural)
    "subject": ("Subjects", "subject", "subjects"),
    "characteristic": ("Characteristic groups", "characteristic group", "characteristic groups"),
    "provider_type": ("Provider types", "provider type", "provider types"),
    "region": ("Regions", "region", "regions"),
    "provider": ("Providers", "provider", "providers"),
}
# Other breakdowns are pinned to one item each, under the URL names shared across pages.
_CONTEXT_KEYS: dict[str, str] = {"subject": "subject", "years_after": "yag", "characteristic": "characteristic"}
_CONTEXT_LABELS: dict[str, str] = {"subject": "Subject", "yag": "Years after", "characteristic": "Characteristic"}
_CHARACTERISTIC_SEPARATOR = ": "
_PROVIDER_ITEM = re.compile(r"\(([^()]+)\)$")
_REASON_LABELS: dict[str, str] = {
    WITHHELD: "Withheld with its group's figure for that year (the group figure cannot be shown)",
    REASON_MISSING: "Missing",
    REASON_ZERO_BASE: "Base of zero",
}
_MAX_NAMED_ITEMS = 3  # a group label names up to this many items, then counts them


class ImpactInputError(ValueError):
    """The choices cannot give an estimate (overlapping or empty groups, unknown values, too few years)."""


# --------------------------------------------------------------------------------------------------------------
# Choices a table supports
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dimension:
    """What the treated and comparison groups are made of: items of one column (two for characteristics)."""

    key: str  # the ?treat_by= value
    label: str  # e.g. "Type of provision" (a filter's label from the table's metadata) or "Providers"
    singular: str  # for sentences: "provider"; a filter's items are "group"s
    plural: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ContextControl:
    """A breakdown pinned to one item (URL parameter `key`), e.g. ?benefit_learner=Total or ?yag=5."""

    key: str
    label: str
    options: tuple[str, ...]
    default: str
    columns: tuple[str, ...]  # one column, or (type column, value column) for characteristics


SE_ALL = "Allow for all noise (recommended)"
SE_SAMPLING = "Sampling only (optimistic)"
SE_OPTIONS: tuple[str, ...] = (SE_ALL, SE_SAMPLING)
# Earlier links named the interval options differently; they open the recommended interval.
_SE_OLD_NAMES = {"Sampling only": SE_ALL, "Allow for over-dispersion": SE_ALL}


@dataclass(frozen=True)
class ImpactSpec:
    """The user's choices, resolved against one table: the cache key, URL state and briefing item in one."""

    entry: TableEntry
    outcome: Indicator
    dimension: Dimension
    treated: tuple[str, ...]
    comparison: tuple[str, ...]  # explicit items (ALL_OTHERS already expanded)
    comparison_is_rest: bool
    start: int
    context: tuple[tuple[str, str, str], ...] = ()  # (URL key, label, chosen item) of each pinned breakdown
    sampling_only: bool = False  # expert option: an interval for sampling and rounding only (optimistic)

    @property
    def kind(self) -> Literal["rate", "earnings"]:
        return "rate" if self.outcome.kind == "rate" else "earnings"

    def params(self) -> dict[str, list[str]]:
        """Canonical URL parameters that rebuild this spec."""
        out: dict[str, list[str]] = {
            "table": [self.entry.id],
            "outcome": [self.outcome.label],
            "treat_by": [self.dimension.key],
            "treated": list(self.treated),
            "comparison": [ALL_OTHERS] if self.comparison_is_rest else list(self.comparison),
            "start": [period_label(self.start)],
        }
        out.update({key: [value] for key, _label, value in self.context})
        if self.sampling_only:
            out["se"] = [SE_SAMPLING]
        return out


def outcome_indicators(entry: TableEntry) -> tuple[Indicator, ...]:
    """Rates and earnings the estimate can use: visible, with a base column to weight by."""
    return tuple(i for i in entry.visible_indicators("rate", "earnings") if i.base)


def is_eligible(entry: TableEntry) -> bool:
    """The page lists a table when it has a time role and at least one rate or earnings indicator with a base."""
    return entry.role("time") is not None and bool(outcome_indicators(entry)) and query.shows_page_levels(entry)


def default_tables() -> list[TableEntry]:
    """Public eligible tables (callers with an identity pass their own visible tables instead)."""
    return [e for e in load_catalogue() if e.access == "public" and is_eligible(e)]


def default_table(tables: Sequence[TableEntry]) -> TableEntry:
    """As the table selector: the first demo table, else the first table."""
    return next((t for t in tables if t.demo), tables[0])


def outcome_labels(entry: TableEntry) -> list[str]:
    return [i.label for i in outcome_indicators(entry)]


@functools.lru_cache(maxsize=64)
def _meta_filter_labels(meta_files: tuple[tuple[str, int], ...]) -> tuple[tuple[str, str], ...]:
    # Keyed on each meta file's mtime as well as its name: a new release of the file is a new key.
    labels: dict[str, str] = {}
    for name, _mtime in meta_files:
        rows = pl.read_csv(name, infer_schema=False).filter(pl.col("col_type") == "Filter")
        labels.update({str(c): str(label) for c, label in rows.select("col_name", "label").iter_rows() if label})
    return tuple(labels.items())


def filter_labels(entry: TableEntry) -> dict[str, str]:
    """Filter column -> its label in the table's EES metadata (e.g. provision -> 'Type of provision')."""
    metas = [paths.meta_path(file) for file in entry.files]
    return dict(_meta_filter_labels(tuple((str(m), m.stat().st_mtime_ns) for m in metas if m.exists())))


def _humanise(column: str) -> str:
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def dimensions(entry: TableEntry) -> list[Dimension]:
    """Ways to form groups, as the table's roles and filters allow: filter columns first, then roles."""
    schema = query.schema(entry)
    found: list[Dimension] = []
    used: set[str] = set()
    labels = filter_labels(entry)
    for column in entry.filters:
        if column in schema and column not in used:
            found.append(Dimension(column, labels.get(column, _humanise(column)), "group", "groups", (column,)))
            used.add(column)
    for key in ROLE_DIMENSIONS:
        label, singular, plural = _DIMENSION_NAMES[key]
        if key == "characteristic":
            columns = (entry.role("characteristic_type"), entry.role("characteristic_value"))
        else:
            columns = (entry.role("provider_id" if key == "provider" else key),)
        if any(c is None or c not in schema or c in used for c in columns):
            continue
        found.append(Dimension(key, label, singular, plural, tuple(str(c) for c in columns)))
        used.update(str(c) for c in columns)
    return found


def dimension_keys(entry: TableEntry) -> list[str]:
    return [d.key for d in dimensions(entry)]


def dimension_for(entry: TableEntry, key: str) -> Dimension:
    for candidate in dimensions(entry):
        if candidate.key == key:
            return candidate
    raise ImpactInputError(f"Groups cannot be formed by '{key}' in this table.")


def _sorted_items(values: Iterable[str]) -> list[str]:
    items = list(values)
    if items and all(v.isdigit() for v in items):
        return sorted(items, key=int)
    return sorted(items)


def _is_total(value: object) -> bool:
    """An item standing for everyone (Total, All, ...): never a group of its own."""
    return str(value) in query.TOTAL_ITEMS


def _base_context_controls(entry: TableEntry, dimension: Dimension) -> list[ContextControl]:
    controls: list[ContextControl] = []
    cohort = entry.role("cohort")  # with the time and years-after fixed, the cohort is fixed too: left free
    type_column, value_column = entry.role("characteristic_type"), entry.role("characteristic_value")
    schema = query.schema(entry)
    for column in query.breakdown_columns(entry):
        if column in dimension.columns or column in (cohort, value_column) or column not in schema:
            continue  # the characteristic value is chosen with its type
        if column == type_column and value_column in schema:
            items = _characteristic_items(entry)
            if len(items) >= 2:
                total = next((i for i in items if _is_total(i)), items[0])
                controls.append(
                    ContextControl(
                        "characteristic",
                        _CONTEXT_LABELS["characteristic"],
                        tuple(items),
                        total,
                        (type_column, value_column),
                    )
                )
            continue
        values = _sorted_items(query.distinct_values(entry, column))
        if len(values) < 2:
            continue
        role = next((r for r, c in entry.roles.items() if c == column), None)
        key = _CONTEXT_KEYS.get(role or "", column)
        controls.append(
            ContextControl(
                key,
                _CONTEXT_LABELS.get(key) or filter_labels(entry).get(column) or _humanise(column),
                tuple(values),
                query.default_item(entry, column, values) or values[0],
                (column,),
            )
        )
    return controls


def context_controls(entry: TableEntry, dimension: Dimension) -> list[ContextControl]:
    """Every other breakdown, pinned to one item: the table's Total / default item, unless the groups only exist
    under another item of a nesting breakdown (e.g. age groups only within '19 and over'): then the first item
    that gives at least two groups."""
    controls = _base_context_controls(entry, dimension)
    defaults = {c.key: c.default for c in controls}
    if len(_group_items(entry, dimension, controls, defaults)) >= 2:
        return controls
    for control in controls:
        for option in control.options:
            if (
                option != control.default
                and len(_group_items(entry, dimension, controls, defaults | {control.key: option})) >= 2
            ):
                return [dataclasses.replace(c, default=option) if c is control else c for c in controls]
    return controls


def _characteristic_item(kind: str, value: str) -> str:
    return f"{kind}{_CHARACTERISTIC_SEPARATOR}{value}" if kind != value else value


def _split_characteristic(item: str) -> tuple[str, str]:
    """'Sex: Female' -> ('Sex', 'Female'); an item without a type ('Total') is its own type."""
    kind, separator, value = item.partition(_CHARACTERISTIC_SEPARATOR)
    return (kind, value) if separator else (item, item)


_ITEMS_CACHE: dict[tuple[str, str, int, str, str], tuple[str, ...]] = {}
_ITEMS_CACHE_LIMIT = 64


def _characteristic_items(entry: TableEntry) -> list[str]:
    """'Type: Value' for every characteristic group, the total first. Cached per prepared parquet version: the
    scan runs on every rerun of the page otherwise (a quarter of a build at 20M rows)."""
    type_column, value_column = entry.role("characteristic_type"), entry.role("characteristic_value")
    assert type_column is not None and value_column is not None
    parquet, mtime_ns = query.prepared_version(entry)
    key = (entry.id, str(parquet), mtime_ns, type_column, value_column)
    cached = _ITEMS_CACHE.get(key)
    if cached is None:
        cached = tuple(_read_characteristic_items(entry, type_column, value_column))
        if len(_ITEMS_CACHE) >= _ITEMS_CACHE_LIMIT:
            _ITEMS_CACHE.clear()
        _ITEMS_CACHE[key] = cached
    return list(cached)


def _read_characteristic_items(entry: TableEntry, type_column: str, value_column: str) -> list[str]:
    pairs = (
        query.select(entry, {}, vary=[type_column, value_column], columns=[type_column, value_column])
        .drop_nulls()
        .unique()
        .sort([type_column, value_column])
    )
    items: list[str] = []
    for kind, value in pairs.iter_rows():
        if _is_total(kind):
            if kind == value:
                items.insert(0, str(value))
            continue
        items.append(_characteristic_item(str(kind), str(value)))
    return items


def _context_where(context: Mapping[str, str], controls: Sequence[ContextControl]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for control in controls:
        item = context.get(control.key, control.default)
        if len(control.columns) == 2:
            kind, value = _split_characteristic(item)
            where[control.columns[0]] = [kind]
            where[control.columns[1]] = [value]
        else:
            where[control.columns[0]] = [item]
    return where


def _use_aggregate_rows(
    entry: TableEntry, dimension: Dimension, context_where: Mapping[str, Sequence[str]]
) -> bool | None:
    """Which rows hold the groups' cells: published aggregate rows (provider id empty) when they break down by
    the dimension (published totals are preferred, D3), else provider rows. None: the table has no provider rows."""
    provider_id = entry.role("provider_id")
    if provider_id is None or provider_id not in query.schema(entry):
        return None
    if dimension.key == "provider":
        return False
    rows = query.select(entry, context_where, vary=list(dimension.columns), columns=[provider_id, *dimension.columns])
    aggregate = rows.filter(pl.col(provider_id).is_null()).select(dimension.columns).unique()
    breakdown = aggregate.filter(~pl.any_horizontal(pl.col(c).is_in(query.TOTAL_ITEMS) for c in dimension.columns))
    return breakdown.height >= 2


def _level_filter(entry: TableEntry, aggregate: bool | None) -> pl.Expr:
    provider_id = entry.role("provider_id")
    if aggregate is None or provider_id is None:
        return pl.lit(True)
    return pl.col(provider_id).is_null() if aggregate else pl.col(provider_id).is_not_null()


def group_options(entry: TableEntry, dimension: Dimension, context: Mapping[str, str]) -> list[str]:
    """Items the treated and comparison groups can be made of, under the pinned breakdowns (URL strings)."""
    return _group_items(entry, dimension, context_controls(entry, dimension), context)


def _group_items(
    entry: TableEntry, dimension: Dimension, controls: Sequence[ContextControl], context: Mapping[str, str]
) -> list[str]:
    where = _context_where(context, controls)
    if dimension.key == "provider":
        return list(_provider_items(entry, where))
    aggregate = _use_aggregate_rows(entry, dimension, where)
    rows = (
        query.select(entry, where, vary=list(dimension.columns), columns=[*_level_columns(entry), *dimension.columns])
        .filter(_level_filter(entry, aggregate))
        .select(dimension.columns)
        .drop_nulls()
        .unique()
    )
    if dimension.key == "characteristic":
        type_column = dimension.columns[0]
        pairs = rows.filter(~pl.col(type_column).is_in(query.TOTAL_ITEMS)).sort(list(dimension.columns))
        return [_characteristic_item(str(k), str(v)) for k, v in pairs.iter_rows()]
    column = dimension.columns[0]
    return _sorted_items(str(v) for v in rows[column].to_list() if not _is_total(v))


def _level_columns(entry: TableEntry) -> list[str]:
    provider_id = entry.role("provider_id")
    return [provider_id] if provider_id and provider_id in query.schema(entry) else []


def _provider_items(entry: TableEntry, where: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Provider item string ("Name (UKPRN)", latest name) -> provider id, sorted by name."""
    provider_id, provider_name, time = entry.role("provider_id"), entry.role("provider_name"), entry.role("time")
    assert provider_id is not None and time is not None
    columns = [provider_id, time] + ([provider_name] if provider_name else [])
    rows = query.select(entry, where, columns=columns).filter(pl.col(provider_id).is_not_null())
    if provider_name:
        latest = rows.sort(time).group_by(provider_id).agg(pl.col(provider_name).last())
    else:
        latest = rows.select(provider_id).unique().with_columns(pl.col(provider_id).alias("_name"))
        provider_name = "_name"
    named = {f"{name} ({pid})": str(pid) for pid, name in latest.select(provider_id, provider_name).iter_rows()}
    return dict(sorted(named.items(), key=lambda kv: kv[0].casefold()))


def default_groups(dimension: Dimension, items: Sequence[str]) -> tuple[list[str], list[str]]:
    """Default treated and comparison items: the first two items (of one characteristic type); providers: the
    first provider against all others."""
    if not items:
        return [], []
    if dimension.key == "provider":
        return [items[0]], [ALL_OTHERS]
    if dimension.key == "characteristic":
        by_type: dict[str, list[str]] = {}
        for item in items:
            by_type.setdefault(item.partition(_CHARACTERISTIC_SEPARATOR)[0], []).append(item)
        pair = next((v for v in by_type.values() if len(v) >= 2), None)
        return ([pair[0]], [pair[1]]) if pair else ([items[0]], [])
    return [items[0]], [items[1]] if len(items) > 1 else []


def comparison_options(items: Sequence[str]) -> list[str]:
    return ([] if ALL_OTHERS in items else [ALL_OTHERS]) + list(items)


def table_periods(entry: TableEntry) -> list[int]:
    time = entry.role("time")
    assert time is not None
    return sorted(int(v) for v in query.distinct_values(entry, time))


def start_options(entry: TableEntry) -> list[str]:
    """Years an intervention may start: every year after the first (at least one year before is needed)."""
    periods = table_periods(entry)
    return [period_label(p) for p in (periods[1:] or periods)]


def default_start(entry: TableEntry) -> str:
    """The middle year, so there are years both before and after."""
    periods = table_periods(entry)
    return period_label(periods[len(periods) // 2]) if periods else ""

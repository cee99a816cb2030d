"""Institutions page choices: the measures a table offers, provider names and attributes, peer groups and filter options."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import polars as pl

from leo_dash.core import query, store
from leo_dash.core.model import Indicator, TableEntry, provider_type_help
from leo_dash.present import charts

PAGE = "institutions"
MAX_HIGHLIGHT = charts.MAX_SERIES  # six: the palette's limit
BENCHMARK_KEY = "__benchmark__"  # MEMBER value of benchmark rows
MEMBER = "__member"  # provider id, or BENCHMARK_KEY
SOURCE = "__source"  # "provider", "published" (aggregate row of the table) or "derived" (sdc.aggregate)
RANK = "__rank"
POSITION = "__position"
PERIOD_LABEL = "__period"
SERIES = "__series"
TOP_OPTIONS: tuple[str, ...] = ("10", "20", "50", "All")
DEFAULT_TOP = "20"
LIMITS_CHANCE = "Chance only"
LIMITS_OVERDISPERSION = "Allow for over-dispersion"
LIMIT_OPTIONS: tuple[str, ...] = (LIMITS_CHANCE, LIMITS_OVERDISPERSION)
SHOW_ALL = "All"
PEER_ALL = "All providers"
PEER_TYPE = "Same type"
PEER_REGION = "Same region"
PEER_BOTH = "Same type and region"
NO_TABLE_MESSAGE = (
    "No approved table with provider-level rates or earnings is available to you, so this page has nothing to show."
)
Source = Literal["provider", "published", "derived"]
MissingReason = Literal["no_row", "symbol", "outside_peer"]
_UNIT_SUFFIX = re.compile(r"\s*\((%|£|£m|pp)\)\s*$")
_MAX_CHART_NAME = 36
VALUE_COLUMN_AT = 1.25  # the ranked chart's value column, as a multiple of the longest bar


# ---------------------------------------------------------------------------------------------------------------
# Which tables, which controls


def supports(entry: TableEntry) -> bool:
    """The page needs provider rows (id, name, time) and at least one rate or earnings indicator."""
    has_roles = all(entry.role(r) for r in ("time", "provider_id", "provider_name"))
    return has_roles and bool(measures(entry)) and query.shows_page_levels(entry)


def measures(entry: TableEntry) -> tuple[Indicator, ...]:
    """Rates and earnings; on a table whose unit is set by a `data_type` item, also its mixed columns (read as a
    count or a percentage by the item the selection pins: measure_indicator)."""
    found = entry.visible_indicators("rate", "earnings")
    if entry.unit_filter:
        found += tuple(i for i in entry.visible_indicators("other") if i.unit == "" and i.counts_of != "institutions")
    return found


def default_measure(entry: TableEntry) -> str:
    """A sustained employment rate when the table has one (what officials open the page for), else the first."""
    options = measures(entry)
    for indicator in options:
        if indicator.kind == "rate" and "employment" in indicator.label.lower():
            return indicator.column
    return options[0].column


def base_indicator(entry: TableEntry, indicator: Indicator) -> Indicator | None:
    """The indicator holding the count a rate or earnings figure rests on, if the table publishes it."""
    if indicator.base is None:
        return None
    try:
        return entry.indicator(indicator.base)
    except KeyError:
        return None


def id_label(entry: TableEntry) -> str:
    """What the provider id is called: UKPRN, URN or ID."""
    column = (entry.role("provider_id") or "").lower()
    return "UKPRN" if "ukprn" in column else "URN" if "urn" in column else "ID"


def filter_label(entry: TableEntry, column: str) -> str:
    """A filter column's name on screen: the publisher's label ('Benefit status at start of learning')."""
    return query.column_label(entry, column)


def _totals_first(values: Sequence[str]) -> list[str]:
    totals = [v for v in values if v in query.TOTAL_ITEMS]
    return totals + sorted((v for v in values if v not in query.TOTAL_ITEMS), key=query.numeric_order)


@functools.lru_cache(maxsize=512)
def _distinct_on_providers(
    parquet: Path, mtime_ns: int, provider_column: str, column: str, conditions: tuple[tuple[str, str], ...]
) -> tuple[str, ...]:
    lazy = pl.scan_parquet(parquet).filter(pl.col(provider_column).is_not_null())
    for name, value in conditions:
        lazy = lazy.filter(pl.col(name).cast(pl.String) == value)
    values = lazy.select(pl.col(column).drop_nulls().unique()).collect().to_series()
    return tuple(str(v) for v in values.to_list())


def provider_values(
    entry: TableEntry,
    role_or_column: str,
    conditions: Mapping[str, str] | None = None,
    *,
    data_dir: Path | None = None,
) -> list[str]:
    """Distinct values of a column on provider rows (optionally where other roles/columns equal given values):
    the options a widget can offer without leading to an empty chart. Totals first, numbers in numeric order."""
    column = query.column_for(entry, role_or_column)
    provider_column = entry.role("provider_id")
    schema = query.schema(entry, data_dir=data_dir)
    if provider_column is None or column not in schema:
        return []
    resolved = tuple(sorted((query.column_for(entry, k), str(v)) for k, v in (conditions or {}).items()))
    if any(name not in schema for name, _ in resolved):
        return []
    if not resolved:
        # Whole-table options were computed when the table was prepared (store.options); only choices that depend
        # on another choice are queried.
        found = store.options(entry, data_dir=data_dir).provider_values(column)
        if found is not None:
            return _totals_first(found)
    parquet, mtime = query.prepared_version(entry, data_dir)
    return _totals_first(_distinct_on_providers(parquet, mtime, provider_column, column, resolved))


def provider_names(entry: TableEntry, *, data_dir: Path | None = None) -> Mapping[str, str]:
    """Every provider in the table (any year, any breakdown): id -> its most recent name, sorted by name. Read-only
    and shared by every session (from the prepared options), so a large table's list is held once per process."""
    if not entry.role("provider_id"):
        return MappingProxyType({})
    return MappingProxyType(store.options(entry, data_dir=data_dir).provider_names)


def provider_list(entry: TableEntry, *, data_dir: Path | None = None) -> tuple[tuple[str, str], ...]:
    """(id, name) of every provider, by name: what the provider search looks through (provider_search)."""
    return query.provider_names(entry, data_dir=data_dir)


def provider_option_label(provider_id: str, name: str) -> str:
    """What the provider picker shows (and searches): 'Name (10000020)'."""
    return f"{name} ({provider_id})"


@functools.lru_cache(maxsize=256)
def _attributes(
    parquet: Path, mtime_ns: int, id_column: str, columns: tuple[str, ...], time_column: str, pid: str
) -> tuple:
    frame = (
        pl.scan_parquet(parquet)
        .filter(pl.col(id_column).cast(pl.String) == pid)
        .select(time_column, *columns)
        .drop_nulls(list(columns))
        .sort(time_column)
        .collect()
    )
    return tuple(frame.row(-1)[1:]) if frame.height else tuple(None for _ in columns)


def provider_attributes(entry: TableEntry, provider_id: str, *, data_dir: Path | None = None) -> dict[str, str | None]:
    """A provider's latest provider type and region ({role: value}; only the roles the table has)."""
    roles = [r for r in ("provider_type", "region") if entry.role(r)]
    if not roles:
        return {}
    known = store.options(entry, data_dir=data_dir).provider_by_id.get(provider_id)
    if known is not None:  # read at prepare time: the latest row with every attribute the table carries
        return {role: getattr(known, role) for role in roles}
    parquet, mtime = query.prepared_version(entry, data_dir)
    values = _attributes(
        parquet,
        mtime,
        str(entry.role("provider_id")),
        tuple(str(entry.role(r)) for r in roles),
        str(entry.role("time")),
        provider_id,
    )
    return dict(zip(roles, values, strict=True))


def provider_types_help(types: Sequence[str]) -> str | None:
    """Tooltip for the provider-type control: what each abbreviation (HEI, FEC, AP) stands for."""
    return provider_type_help(types)


def peer_options(entry: TableEntry) -> list[str]:
    """Peer groups this table supports (only "All providers" without a provider type or region)."""
    options = [PEER_ALL]
    if entry.role("provider_type"):
        options.append(PEER_TYPE)
    if entry.role("region"):
        options.append(PEER_REGION)
    if entry.role("provider_type") and entry.role("region"):
        options.append(PEER_BOTH)
    return options


def peer_uses(peer: str) -> tuple[bool, bool]:
    """(restricts provider type, restricts region) for a peer-group choice."""
    return peer in (PEER_TYPE, PEER_BOTH), peer in (PEER_REGION, PEER_BOTH)


@dataclass(frozen=True)
class PageOptions:
    """What the sidebar may offer for one table (options that do not depend on other choices)."""

    measures: tuple[Indicator, ...]
    default_measure: str
    periods: tuple[int, ...]  # ascending
    years_after: tuple[str, ...]
    default_years_after: str | None
    filters: dict[str, tuple[str, ...]]  # extra filter column -> items
    filter_defaults: dict[str, str]
    provider_types: tuple[str, ...]
    regions: tuple[str, ...]
    peers: tuple[str, ...]
    providers: Mapping[str, str]  # id -> name (shared, read-only)
    id_label: str
    provider_list: tuple[tuple[str, str], ...] = ()  # (id, name) by name, for the provider search

    @property
    def latest_period(self) -> int:
        return self.periods[-1]


def _default(entry: TableEntry, column: str, values: Sequence[str]) -> str | None:
    if not values:
        return None
    return query.default_item(entry, column, values) or values[0]


def page_options(entry: TableEntry, *, data_dir: Path | None = None) -> PageOptions:
    periods = tuple(sorted(int(p) for p in provider_values(entry, "time", data_dir=data_dir)))
    yags = tuple(provider_values(entry, "years_after", data_dir=data_dir))
    yag_column = entry.role("years_after")
    filters = {c: tuple(provider_values(entry, c, data_dir=data_dir)) for c in entry.filters}
    filters = {c: items for c, items in filters.items() if items}
    return PageOptions(
        measures=measures(entry),
        default_measure=default_measure(entry),
        periods=periods,
        years_after=yags,
        default_years_after=_default(entry, yag_column, yags) if yag_column else None,
        filters=filters,
        filter_defaults={c: str(_default(entry, c, items)) for c, items in filters.items()},
        provider_types=tuple(
            v for v in provider_values(entry, "provider_type", data_dir=data_dir) if v not in query.TOTAL_ITEMS
        ),
        regions=tuple(v for v in provider_values(entry, "region", data_dir=data_dir) if v not in query.TOTAL_ITEMS),
        peers=tuple(peer_options(entry)),
        providers=provider_names(entry, data_dir=data_dir),
        id_label=id_label(entry),
        provider_list=provider_list(entry, data_dir=data_dir),
    )


def provider_items(entry: TableEntry, *, data_dir: Path | None = None) -> Callable[[str, Mapping[str, str]], list[str]]:
    """The items of a filter that providers publish with a chosen group: what a nested filter offers on this page
    (`table_choices.choose_filters`'s `published_with`)."""
    return functools.partial(provider_values, entry, data_dir=data_dir)


def subjects(entry: TableEntry, years_after: str | None, *, data_dir: Path | None = None) -> list[str]:
    conditions = {"years_after": years_after} if years_after is not None and entry.role("years_after") else {}
    return provider_values(entry, "subject", conditions, data_dir=data_dir)


def characteristic_types(entry: TableEntry, subject: str | None, *, data_dir: Path | None = None) -> list[str]:
    conditions = {"subject": subject} if subject is not None and entry.role("subject") else {}
    return provider_values(entry, "characteristic_type", conditions, data_dir=data_dir)


def characteristic_values(
    entry: TableEntry, subject: str | None, characteristic: str, *, data_dir: Path | None = None
) -> list[str]:
    conditions = {"characteristic_type": characteristic}
    if subject is not None and entry.role("subject"):
        conditions["subject"] = subject
    return provider_values(entry, "characteristic_value", conditions, data_dir=data_dir)


def is_total(item: str | None) -> bool:
    """An item standing for everyone ("Total", "All"...), i.e. no breakdown chosen."""
    return item in query.TOTAL_ITEMS


def default_item(entry: TableEntry, role_or_column: str, values: Sequence[str]) -> str | None:
    """The widget default for a breakdown: the table's Total/default item, else the first value."""
    return _default(entry, query.column_for(entry, role_or_column), values)

"""Institution performance: providers ranked on one outcome against a benchmark, a funnel plot of rates against
their base, the chosen providers over time, and why a chosen provider has no figure.

Everything works from catalogue roles (time, provider_id, provider_name, provider_type, region, subject,
years_after, characteristic_type/value, extra filters), so any approved provider table works; a control the table
cannot support is simply not offered.

Pipeline: `query.select` (provider rows and published aggregate rows of one selection) → `sdc.protect` → benchmark:
the published aggregate row for the peer group when there is one (D3: published totals first), else
`sdc.aggregate(published_cells_only=True)` over the peer providers' published cells (D4) → `sdc.guard` →
`views.make_view`. Secondary suppression (D6) is not decided here: the table was protected once when it was prepared
(leo_dash.protection), so a cell hidden in one comparison is hidden in every other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from leo_dash import charts, funnel, query, sdc, store
from leo_dash.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, TableEntry, provider_type_help, status_column
from leo_dash.periods import period_label, period_value
from leo_dash.sentences import in_sentence, years_after_phrase
from leo_dash.views import Column, View, format_number, make_view

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


def measure_indicator(entry: TableEntry, spec: InstitutionSpec) -> Indicator:
    """The chosen measure as the selection reads it: with a `data_type` filter, a count or a percentage by the item
    pinned (so the axis, the figures' unit and disclosure control follow it)."""
    return query.unit_indicator(entry, entry.indicator(spec.measure), dict(spec.filters))


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


def choose_filters(
    entry: TableEntry,
    options: PageOptions,
    pick: Callable[[str, Sequence[str], str], str | None],
    *,
    asked: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> tuple[tuple[str, str], ...]:
    """(column, item) of every extra filter, a grouping column before the filters nested under it: a nested
    filter offers only the items providers publish with the chosen group (query.nested_choices; `asked`: a
    link's values, so a child named without its group brings its group)."""

    def items_for(column: str, conditions: Mapping[str, str]) -> Sequence[str]:
        if not conditions:
            return options.filters.get(column, ())
        return provider_values(entry, column, conditions, data_dir=data_dir)

    return query.nested_choices(entry, list(options.filters), items_for, pick, asked=asked)


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


# ---------------------------------------------------------------------------------------------------------------
# The user's choices


@dataclass(frozen=True)
class InstitutionSpec:
    """One view of the page: cache key, URL state, audit record and briefing item."""

    table_id: str
    measure: str  # indicator column
    period: int
    years_after: str | None = None
    subject: str | None = None
    characteristic_type: str | None = None
    characteristic_value: str | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (extra filter column, item)
    peer: str = PEER_ALL
    provider_type: str | None = None  # used when the peer group restricts the type
    region: str | None = None  # used when the peer group restricts the region
    providers: tuple[str, ...] = ()  # highlighted provider ids, in the order chosen
    top: str = DEFAULT_TOP  # providers at each end of the ranked chart, or "All"
    limits: str = LIMITS_CHANCE  # funnel control limits: binomial, or widened for over-dispersion

    @property
    def peer_type(self) -> str | None:
        return self.provider_type if peer_uses(self.peer)[0] else None

    @property
    def peer_region(self) -> str | None:
        return self.region if peer_uses(self.peer)[1] else None

    @property
    def top_n(self) -> int | None:
        return None if self.top == SHOW_ALL else int(self.top)


def spec_params(spec: InstitutionSpec) -> dict[str, object]:
    """The URL parameters that reproduce `spec` (also the audit record and the briefing reference)."""
    params: dict[str, object] = {"table": spec.table_id, "measure": spec.measure, "year": period_label(spec.period)}
    for key, value in (
        ("yag", spec.years_after),
        ("subject", spec.subject),
        ("characteristic", spec.characteristic_type),
        ("characteristic_value", spec.characteristic_value),
    ):
        if value is not None:
            params[key] = value
    params.update(dict(spec.filters))
    params["peer"] = spec.peer
    if spec.peer_type is not None:
        params["provider_type"] = spec.peer_type
    if spec.peer_region is not None:
        params["region"] = spec.peer_region
    if spec.providers:
        params["provider"] = list(spec.providers)
    params["top"] = spec.top
    if spec.limits != LIMITS_CHANCE:
        params["limits"] = spec.limits
    return params


def _pick(params: Mapping[str, Sequence[str]], key: str, options: Sequence[str], default: str | None) -> str | None:
    asked = list(params.get(key, ()))
    if asked and asked[-1] in options:
        return asked[-1]
    return default if default in options else (options[0] if options else None)


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> InstitutionSpec:
    """The spec a link describes, with the page's fallbacks for values the table lacks (as the widgets do)."""
    options = page_options(entry, data_dir=data_dir)
    measure = _pick(params, "measure", [m.column for m in options.measures], options.default_measure)
    labels = [period_label(p) for p in options.periods]
    year = _pick(params, "year", labels, labels[-1])
    yag = _pick(params, "yag", options.years_after, options.default_years_after) if options.years_after else None
    subject_options = subjects(entry, yag, data_dir=data_dir)
    subject = _pick(params, "subject", subject_options, default_item(entry, "subject", subject_options))
    types = characteristic_types(entry, subject, data_dir=data_dir)
    characteristic = _pick(params, "characteristic", types, default_item(entry, "characteristic_type", types))
    value = None
    if characteristic is not None and characteristic not in query.TOTAL_ITEMS:
        values = characteristic_values(entry, subject, characteristic, data_dir=data_dir)
        value = _pick(params, "characteristic_value", values, values[0] if values else None)
    filters = choose_filters(
        entry,
        options,
        lambda column, items, default: _pick(params, column, items, default),
        asked={c: str(params[c][-1]) for c in options.filters if params.get(c)},
        data_dir=data_dir,
    )
    peer = str(_pick(params, "peer", options.peers, PEER_ALL))
    chosen = [p for p in dict.fromkeys(params.get("provider", ())) if p in options.providers][:MAX_HIGHLIGHT]
    return InstitutionSpec(
        table_id=entry.id,
        measure=str(measure),
        period=period_value(str(year)),
        years_after=yag,
        subject=subject,
        characteristic_type=characteristic,
        characteristic_value=value,
        filters=filters,
        peer=peer,
        provider_type=_pick(params, "provider_type", options.provider_types, None) if peer_uses(peer)[0] else None,
        region=_pick(params, "region", options.regions, None) if peer_uses(peer)[1] else None,
        providers=tuple(chosen),
        top=str(_pick(params, "top", TOP_OPTIONS, DEFAULT_TOP)),
        limits=str(_pick(params, "limits", LIMIT_OPTIONS, LIMITS_CHANCE)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Words


def measure_name(indicator: Indicator) -> str:
    """The label without its unit: 'Sustained employment (%)' -> 'Sustained employment'."""
    return _UNIT_SUFFIX.sub("", indicator.label).strip()


def measure_title(indicator: Indicator) -> str:
    """'Sustained employment rate', 'Median earnings', 'Out-of-work benefit claim rate'."""
    name = measure_name(indicator)
    if indicator.kind == "rate" and "rate" not in name.lower():
        name += " rate"
    return name


def peer_label(spec: InstitutionSpec) -> str:
    """'all providers', 'HEI providers', 'providers in London', 'HEI providers in London'."""
    kind = f"{spec.peer_type} providers" if spec.peer_type else "providers"
    if spec.peer_region:
        return f"{kind} in {spec.peer_region}"
    return kind if spec.peer_type else "all providers"


def benchmark_name(spec: InstitutionSpec) -> str:
    """The benchmark series: 'All providers', 'HEI providers', ..."""
    label = peer_label(spec)
    return label[:1].upper() + label[1:]


def selection_words(entry: TableEntry, spec: InstitutionSpec) -> str:
    """The breakdown and year a figure is for, without the measure: 'one year after graduation, all subjects,
    2023-24 tax year'."""
    parts = [years_after_phrase(spec.years_after)] if spec.years_after is not None and entry.role("years_after") else []
    parts += _selection_parts(entry, spec)
    parts.append(f"{period_label(spec.period)} {entry.time_label.lower()}")
    return ", ".join(parts)


def _selection_parts(entry: TableEntry, spec: InstitutionSpec) -> list[str]:
    parts: list[str] = []
    if entry.role("subject") and spec.subject is not None:
        parts.append("all subjects" if spec.subject in query.TOTAL_ITEMS else spec.subject)
    if spec.characteristic_type and spec.characteristic_type not in query.TOTAL_ITEMS and spec.characteristic_value:
        parts.append(f"{spec.characteristic_type}: {spec.characteristic_value}")
    defaults = {c: query.default_item(entry, c, [v]) for c, v in spec.filters}
    # The unit item is always named: a count and a percentage of the same column must not read alike.
    parts += [value for column, value in spec.filters if defaults.get(column) != value or column == entry.unit_filter]
    return parts


def view_title(
    entry: TableEntry, spec: InstitutionSpec, indicator: Indicator, *, periods: str | None = None, against: str = ""
) -> str:
    """'Sustained employment rate five years after graduation, Computing, 2022-23 tax year, all providers'
    (`against` is added to the measure, e.g. ' against number of matched learners')."""
    head = measure_title(indicator)
    if spec.years_after is not None and entry.role("years_after"):
        head += f" {years_after_phrase(spec.years_after)}"
    head += against
    when = periods or f"{period_label(spec.period)} {entry.time_label.lower()}"
    return ", ".join([head, *_selection_parts(entry, spec), when, peer_label(spec)])


def _names_phrase(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{len(names):,} providers"


def _providers_word(n: int) -> str:
    return f"{n:,} provider{'s' if n != 1 else ''}"


def _symbols_phrase(symbols: Mapping[str, int]) -> str:
    """ "24 providers' figures are suppressed and 3 are not available" (most common symbol first)."""
    parts: list[str] = []
    for n, (symbol, count) in enumerate(sorted(symbols.items(), key=lambda kv: (-kv[1], kv[0]))):
        meaning = "suppressed" if symbol == "c" else SYMBOL_LABELS.get(symbol, symbol).lower()
        if n == 0:
            whose = "provider's figure is" if count == 1 else "providers' figures are"
            parts.append(f"{count:,} {whose} {meaning}")
        else:
            parts.append(f"{count:,} {'is' if count == 1 else 'are'} {meaning}")
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# ---------------------------------------------------------------------------------------------------------------
# The comparison frame: peer providers and the benchmark, for one selection, protected


@dataclass(frozen=True)
class Benchmark:
    """The benchmark of one year."""

    period: int
    value: float | None
    status: str | None
    source: Source  # "published" or "derived"
    providers_used: int | None = None  # derived only: providers whose published figures were combined
    providers_left_out: int | None = None  # derived only: providers left out for carrying a symbol


@dataclass(frozen=True)
class Comparison:
    """Protected rows of one selection: `frame` holds the peer providers and one benchmark row per year (MEMBER =
    BENCHMARK_KEY); `selected` holds every provider row of the selection (any peer group, protected), for
    explaining missing figures."""

    entry: TableEntry
    spec: InstitutionSpec
    indicator: Indicator
    base: Indicator | None
    frame: pl.DataFrame
    selected: pl.DataFrame
    benchmarks: dict[int, Benchmark]
    periods: tuple[int, ...]

    @property
    def indicators(self) -> list[Indicator]:
        return [self.indicator] + ([self.base] if self.base else [])

    def year(self, period: int) -> pl.DataFrame:
        return self.frame.filter(pl.col(str(self.entry.role("time"))) == period)

    def benchmark(self, period: int) -> Benchmark | None:
        return self.benchmarks.get(period)


def _where(entry: TableEntry, spec: InstitutionSpec) -> dict[str, list[object]]:
    """The selection (every year): chosen breakdowns and filters; query.select pins the rest to their Total."""
    where: dict[str, list[object]] = {}
    if entry.role("years_after") and spec.years_after is not None:
        where["years_after"] = [spec.years_after]
    if entry.role("subject") and spec.subject is not None:
        where["subject"] = [spec.subject]
    if entry.role("characteristic_type") and spec.characteristic_type is not None:
        where["characteristic_type"] = [spec.characteristic_type]
        if entry.role("characteristic_value"):
            value = spec.characteristic_value
            if value is None and spec.characteristic_type in query.TOTAL_ITEMS:
                value = spec.characteristic_type  # "Total" type goes with its "Total" value
            if value is not None:
                where["characteristic_value"] = [value]
    for column, item in spec.filters:
        where[column] = [item]
    return where


def _matches(column: str | None, wanted: str | None) -> pl.Expr:
    """Rows whose attribute is `wanted`; with no wanted value, rows that stand for everyone (null or a Total)."""
    if column is None:
        return pl.lit(True)
    if wanted is None:
        return pl.col(column).is_null() | pl.col(column).is_in(list(query.TOTAL_ITEMS))
    return (pl.col(column) == wanted).fill_null(False)


def _in_peer(entry: TableEntry, spec: InstitutionSpec) -> pl.Expr:
    expr = pl.lit(True)
    if spec.peer_type is not None and entry.role("provider_type"):
        expr = expr & (pl.col(str(entry.role("provider_type"))) == spec.peer_type).fill_null(False)
    if spec.peer_region is not None and entry.role("region"):
        expr = expr & (pl.col(str(entry.role("region"))) == spec.peer_region).fill_null(False)
    return expr


def comparison(entry: TableEntry, spec: InstitutionSpec, *, data_dir: Path | None = None) -> Comparison:
    """Peer providers and the benchmark for `spec`'s selection in every year (the trend needs them all)."""
    indicator = measure_indicator(entry, spec)
    mixed = bool(entry.unit_filter) and spec.measure in {m.column for m in measures(entry)}
    if (indicator.kind not in ("rate", "earnings") and not mixed) or indicator.hidden:
        raise ValueError(f"{indicator.column} is not a rate or earnings indicator this page can show.")
    base = base_indicator(entry, indicator)
    indicators = [indicator] + ([base] if base else [])
    time, pid, pname = str(entry.role("time")), str(entry.role("provider_id")), str(entry.role("provider_name"))
    attributes = [c for c in (entry.role("provider_type"), entry.role("region")) if c]
    value_columns = [i.column for i in indicators]
    raw = query.select(
        entry,
        _where(entry, spec),
        vary=[r for r in ("provider_type", "region") if entry.role(r)],
        columns=[time, pid, pname, *attributes, *value_columns],
        data_dir=data_dir,
    ).with_columns(pl.col(pid).cast(pl.String), pl.col(pname).cast(pl.String))
    profile = entry.disclosure

    providers = sdc.protect(raw.filter(pl.col(pid).is_not_null()), indicators, profile).with_columns(
        pl.col(pid).alias(MEMBER), pl.lit("provider").alias(SOURCE)
    )
    peer = providers.filter(_in_peer(entry, spec))
    aggregates = raw.filter(
        pl.col(pid).is_null()
        & _matches(entry.role("provider_type"), spec.peer_type)
        & _matches(entry.role("region"), spec.peer_region)
    )
    published = (
        sdc.protect(aggregates, indicators, profile)
        .unique(subset=[time], keep="first", maintain_order=True)  # one row per year when the catalogue pins all
        .with_columns(
            pl.lit(BENCHMARK_KEY).alias(MEMBER),
            pl.lit("published").alias(SOURCE),
            pl.lit(benchmark_name(spec)).alias(pname),
            *(pl.lit(None, dtype=pl.String).alias(c) for c in attributes),  # "Total" says nothing the name does not
        )
    )
    periods = sorted(set(raw[time].to_list()))
    missing_years = [p for p in periods if p not in set(published[time].to_list())]
    benchmarks: dict[int, Benchmark] = {
        row[time]: Benchmark(row[time], row[indicator.column], row[status_column(indicator.column)], "published")
        for row in published.iter_rows(named=True)
    }
    derived = _derived_benchmark(peer.filter(pl.col(time).is_in(missing_years)), time, indicators, entry, spec)
    for row in derived.iter_rows(named=True):
        benchmarks[row[time]] = Benchmark(
            row[time],
            row[indicator.column],
            row[status_column(indicator.column)],
            "derived",
            providers_used=int(row[sdc.N_ROWS]) - int(row[sdc.N_EXCLUDED]),
            providers_left_out=int(row[sdc.N_EXCLUDED]),
        )
    keep = [time, pid, pname, *attributes, *(c for v in value_columns for c in (v, status_column(v))), MEMBER, SOURCE]
    # n_rows travels with the derived rows so the last guard can tell a one-provider peer group (its published
    # figure passes through, D5) from a figure derived across providers.
    no_rows = pl.lit(None, dtype=pl.UInt32).alias(sdc.N_ROWS)
    combined = pl.concat(
        [
            published.select(keep).with_columns(no_rows),
            derived.select([*keep, sdc.N_ROWS]).with_columns(pl.col(sdc.N_ROWS).cast(pl.UInt32)),
            peer.select(keep).with_columns(no_rows),
        ],
        how="vertical_relaxed",
    )
    _guard(combined, time, indicators, entry)
    return Comparison(
        entry=entry,
        spec=spec,
        indicator=indicator,
        base=base,
        frame=combined,
        selected=providers,
        benchmarks=dict(sorted(benchmarks.items())),
        periods=tuple(periods),
    )


def _derived_benchmark(
    peer: pl.DataFrame, time: str, indicators: Sequence[Indicator], entry: TableEntry, spec: InstitutionSpec
) -> pl.DataFrame:
    """D4: the benchmark from the peer providers' published cells (a lone suppressed cell hides it, D6)."""
    pname = str(entry.role("provider_name"))
    if peer.height == 0:
        columns = {time: peer.schema[time], sdc.N_ROWS: pl.UInt32, sdc.N_EXCLUDED: pl.UInt32}
        frame = pl.DataFrame(schema=columns | {c: peer.schema[c] for c in peer.columns if c not in columns})
        return frame.with_columns(pl.lit(BENCHMARK_KEY).alias(MEMBER), pl.lit("derived").alias(SOURCE))
    grouped = sdc.aggregate(peer, [time], indicators, entry.disclosure, published_cells_only=True)
    grouped = sdc.suppress_derived(grouped, indicators)
    # Earnings are never derived across providers (D5). sdc lets a group of one row pass through, but a peer
    # "benchmark" of one provider's median is that provider under another name, so it is `x` here too.
    grouped = grouped.with_columns(
        x
        for i in indicators
        if i.kind not in ("rate", "count", "base")
        for x in (
            pl.lit(None, dtype=grouped.schema[i.column]).alias(i.column),
            pl.lit(sdc.NOT_AVAILABLE).alias(status_column(i.column)),
        )
    )
    sdc.guard(grouped, indicators, entry.disclosure, derived=True)
    return grouped.with_columns(
        pl.lit(BENCHMARK_KEY).alias(MEMBER),
        pl.lit("derived").alias(SOURCE),
        pl.lit(benchmark_name(spec)).alias(pname),
        pl.lit(None, dtype=pl.String).alias(str(entry.role("provider_id"))),
        *(pl.lit(None, dtype=pl.String).alias(c) for c in (entry.role("provider_type"), entry.role("region")) if c),
    ).sort(time)


def _guard(combined: pl.DataFrame, time: str, indicators: Sequence[Indicator], entry: TableEntry) -> None:
    """The last check before anything leaves: every year's cells (D1-D5) and the derived benchmark rows held to
    the rules for derived figures. (D6 between the benchmark and its providers was settled for the whole table
    by the protection pass, which also allows for the publisher's rounding.)"""
    for part in combined.partition_by(time, maintain_order=True):
        sdc.guard(part, indicators, entry.disclosure, derived=False)
    after = combined.filter(pl.col(SOURCE) == "derived")
    if after.height:
        sdc.guard(after, indicators, entry.disclosure, derived=True)


# ---------------------------------------------------------------------------------------------------------------
# Ranking


def rank_providers(frame: pl.DataFrame, value_column: str, name_column: str) -> pl.DataFrame:
    """Provider rows (benchmark rows dropped) sorted highest first with RANK (1 = highest; ties share a rank);
    rows whose figure carries a symbol come last, by name, with no rank."""
    providers = frame.filter(pl.col(MEMBER) != BENCHMARK_KEY)
    shown = pl.col(status_column(value_column)).is_null()
    ranked = providers.with_columns(
        pl.when(shown).then(pl.col(value_column).rank(method="min", descending=True)).cast(pl.Int64).alias(RANK)
    )
    return ranked.sort([RANK, name_column, MEMBER], descending=[False, False, False], nulls_last=True)


def chart_selection(ranked: pl.DataFrame, top_n: int | None, highlighted: Sequence[str]) -> list[tuple[str, object]]:
    """Rows to draw in the ranked chart, in order, as ("row", row dict) or ("gap", (first rank, last rank, count)):
    the top and bottom `top_n` ranked providers, highlighted ones in between, then rows with a symbol (all of them
    when every ranked provider is shown, else the highlighted ones)."""
    chosen = set(highlighted)
    rows = ranked.to_dicts()
    published = [r for r in rows if r[RANK] is not None]
    symbols = [r for r in rows if r[RANK] is None]
    out: list[tuple[str, object]] = []
    complete = top_n is None or len(published) <= 2 * top_n
    if complete:
        out += [("row", r) for r in published]
    else:
        assert top_n is not None
        out += [("row", r) for r in published[:top_n]]
        middle = published[top_n : len(published) - top_n]
        gap_start: int | None = None
        for position, row in enumerate(middle):
            if row[MEMBER] in chosen:
                if gap_start is not None:
                    out.append(("gap", (middle[gap_start][RANK], middle[position - 1][RANK], position - gap_start)))
                    gap_start = None
                out.append(("row", row))
            elif gap_start is None:
                gap_start = position
        if gap_start is not None:
            out.append(("gap", (middle[gap_start][RANK], middle[-1][RANK], len(middle) - gap_start)))
        out += [("row", r) for r in published[len(published) - top_n :]]
    out += [("row", r) for r in symbols if complete or r[MEMBER] in chosen]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Missing combinations


@dataclass(frozen=True)
class MissingNote:
    provider_id: str
    provider_name: str
    reason: MissingReason
    symbol: str | None
    text: str


def missing_combinations(result: Comparison, names: Mapping[str, str]) -> list[MissingNote]:
    """Why each highlighted provider has no figure in the chosen year: no row at all for this selection, a row
    whose value carries a symbol (the publisher's, or one the protection pass added so that no suppressed figure
    can be worked out by subtraction), or a row outside the peer group."""
    entry, spec, indicator = result.entry, result.spec, result.indicator
    time, pid = str(entry.role("time")), str(entry.role("provider_id"))
    year = period_label(spec.period)
    status = status_column(indicator.column)
    measure = in_sentence(measure_title(indicator))
    selected = result.selected
    this_year = selected.filter(pl.col(time) == spec.period)
    shown = result.year(spec.period)
    notes: list[MissingNote] = []
    for provider in spec.providers:
        name = names.get(provider, provider)
        who = f"{name} ({provider})"
        own = this_year.filter(pl.col(pid) == provider)
        if own.height == 0:
            years = sorted(set(selected.filter(pl.col(pid) == provider)[time].to_list()))
            if years:
                elsewhere = ", ".join(period_label(p) for p in years)
                hint = f" It has rows for this selection in {elsewhere}."
            else:
                hint = " It has no rows for this selection in any year, so the combination is not published for it."
            notes.append(
                MissingNote(provider, name, "no_row", None, f"{who} has no row for this selection in {year}.{hint}")
            )
            continue
        row = shown.filter(pl.col(MEMBER) == provider)
        if row.height == 0:
            attributes = own.row(0, named=True)
            described = " ".join(
                str(attributes[c]) for c in (entry.role("provider_type"), entry.role("region")) if c and attributes[c]
            )
            notes.append(
                MissingNote(
                    provider,
                    name,
                    "outside_peer",
                    None,
                    f"{who} ({described}) is outside the peer group ({peer_label(spec)}), so it is not compared "
                    "here; choose 'All providers' to see it.",
                )
            )
            continue
        symbol = row[status][0]
        if symbol is None:
            continue
        meaning = SYMBOL_MEANINGS.get(symbol, symbol)
        text = f"{who} has a row for {year}, but its {measure} is '{symbol}': {meaning}."
        notes.append(MissingNote(provider, name, "symbol", symbol, text))
    return notes


# ---------------------------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class InstitutionViews:
    ranked: View
    funnel: View | None
    outliers: View | None
    trend: View
    funnel_reason: str | None  # why there is no funnel plot
    missing: tuple[MissingNote, ...]
    comparison: Comparison = field(repr=False)

    def all(self) -> list[View]:
        return [v for v in (self.ranked, self.funnel, self.outliers, self.trend) if v is not None]


def _value_text(value: float | None, indicator: Indicator, dp: int) -> str:
    return format_number(value, indicator.unit, dp)


def _display_dp(indicator: Indicator) -> int:
    return indicator.dp if indicator.dp is not None else (1 if indicator.unit in ("%", "pp") else 0)


def _filters(entry: TableEntry, spec: InstitutionSpec, indicator: Indicator) -> list[tuple[str, str]]:
    out = [("Outcome", indicator.label), (entry.time_label, period_label(spec.period))]
    if spec.years_after is not None:
        out.append(("Years after graduation", spec.years_after))
    if spec.subject is not None:
        out.append(("Subject", spec.subject))
    if spec.characteristic_type is not None:
        out.append(("Characteristic", spec.characteristic_type))
    if spec.characteristic_value is not None:
        out.append(("Characteristic group", spec.characteristic_value))
    out += [(filter_label(entry, c), v) for c, v in spec.filters]
    out.append(("Compared with", peer_label(spec)))
    return out


def benchmark_note(result: Comparison, period: int) -> str:
    """How the benchmark of `period` was obtained, for the notes under a chart."""
    bench = result.benchmark(period)
    name = peer_label(result.spec)
    measure = in_sentence(measure_title(result.indicator))
    if bench is None:
        return f"There is no benchmark for {name} in {period_label(period)}: no provider has a row for this selection."
    if bench.source == "published":
        text = f"The benchmark is the published figure for {name}"
    elif result.indicator.kind == "earnings":
        return (
            f"The benchmark for {name} is not available: the table publishes no figure for this group, and "
            f"{measure} cannot be combined across providers (only published earnings are shown)."
        )
    else:
        base = in_sentence(result.base.label) if result.base else "their bases"
        text = (
            f"The benchmark for {name} is derived from the published figures of "
            f"{_providers_word(bench.providers_used or 0)}, weighted by {base}"
        )
        if bench.providers_left_out:
            text += f"; {_providers_word(bench.providers_left_out)} with suppressed or unavailable figures are left out"
    if bench.status is not None:
        text += f"; it is shown as '{bench.status}' ({SYMBOL_MEANINGS.get(bench.status, bench.status)})"
    return text + "."


def _bench_phrase(result: Comparison, period: int, dp: int) -> str | None:
    bench = result.benchmark(period)
    if bench is None or bench.status is not None or bench.value is None:
        return None
    return f"the figure for {peer_label(result.spec)} ({_value_text(bench.value, result.indicator, dp)})"


def ranked_summary(result: Comparison, ranked: pl.DataFrame) -> str:
    """One sentence from published figures only, e.g. 'Of 182 providers with published figures, X had the highest
    sustained employment rate (91%) and Y the lowest (52%), against the all providers figure of 78%; 24 providers'
    figures are suppressed.'"""
    indicator, dp = result.indicator, _display_dp(result.indicator)
    name_column = str(result.entry.role("provider_name"))
    measure = in_sentence(measure_title(indicator))
    published = ranked.filter(pl.col(RANK).is_not_null())
    symbols = ranked.filter(pl.col(RANK).is_null())[status_column(indicator.column)].value_counts()
    symbol_counts = {str(s): int(n) for s, n in symbols.iter_rows()}
    tail = _symbols_phrase(symbol_counts)
    bench = _bench_phrase(result, result.spec.period, dp)
    against = f", against {bench}" if bench else ""
    if published.height == 0:
        among = "" if result.spec.peer == PEER_ALL else f" among {peer_label(result.spec)}"
        lead = f"No provider{among} has a published {measure} for this selection"
        return lead + (f"; {tail}." if tail else ".")
    top_value = published[indicator.column].max()
    bottom_value = published[indicator.column].min()
    top = sorted(published.filter(pl.col(indicator.column) == top_value)[name_column].to_list())
    bottom = sorted(published.filter(pl.col(indicator.column) == bottom_value)[name_column].to_list())
    if published.height == 1:
        sentence = (
            f"{top[0]} is the only provider with a published {measure} for this selection "
            f"({_value_text(top_value, indicator, dp)}){against}"
        )
    else:
        shared = "shared" if len(top) > 1 else "had"
        sentence = (
            f"Of {_providers_word(published.height)} with published figures, {_names_phrase(top)} {shared} the "
            f"highest {measure} ({_value_text(top_value, indicator, dp)})"
        )
        if top_value != bottom_value:
            sentence += f" and {_names_phrase(bottom)} the lowest ({_value_text(bottom_value, indicator, dp)})"
        sentence += against
    return sentence + (f"; {tail}." if tail else ".")


def _short(text: str) -> str:
    return text if len(text) <= _MAX_CHART_NAME else text[: _MAX_CHART_NAME - 1].rstrip() + "…"


def _highlight_colours(spec: InstitutionSpec) -> dict[str, str]:
    return {pid: charts.colour(i) for i, pid in enumerate(spec.providers[:MAX_HIGHLIGHT])}


def _ranked_figure(result: Comparison, frame: pl.DataFrame) -> go.Figure:
    entry, spec, indicator = result.entry, result.spec, result.indicator
    name_column, dp = str(entry.role("provider_name")), _display_dp(indicator)
    status = status_column(indicator.column)
    ranked = frame.filter(pl.col(MEMBER) != BENCHMARK_KEY)
    colours = _highlight_colours(spec)
    items = chart_selection(ranked, spec.top_n, spec.providers)
    labels: list[str] = []
    seen: set[str] = set()
    traces: dict[str, dict[str, list]] = {}
    gaps: list[str] = []
    suppressed_labels: list[tuple[str, str]] = []
    for kind, item in items:
        if kind == "gap":
            first, last, count = item  # type: ignore[misc]
            label = f"⋯ {count:,} more ranked {first:,}–{last:,} (see the Table tab) ⋯"
            labels.append(label)
            gaps.append(label)
            continue
        row: dict = item  # type: ignore[assignment]
        label = _short(charts.plain_text(row[name_column] or row[MEMBER]))
        if label in seen:
            label = f"{label} ({charts.plain_text(row[MEMBER])})"
        seen.add(label)
        labels.append(label)
        series = row[MEMBER] if row[MEMBER] in colours else "__others"
        trace = traces.setdefault(series, {"x": [], "y": [], "customdata": [], "text": []})
        trace["x"].append(row[indicator.column] if row[status] is None else None)
        trace["y"].append(label)
        rank = f"Rank {row[RANK]:,}" if row[RANK] is not None else SYMBOL_LABELS.get(row[status], row[status])
        value_text = _value_text(row[indicator.column], indicator, dp) if row[status] is None else ""
        trace["customdata"].append([row[MEMBER], rank, charts.plain_text(row[name_column] or ""), value_text])
        trace["text"].append(value_text)
        if row[status] is not None:
            suppressed_labels.append((label, row[status]))
    figure = go.Figure()
    others_colour = charts.MUTED if colours else charts.DARK_BLUE
    hover = "%{customdata[2]} (%{customdata[0]})<br>%{customdata[1]}<br>%{customdata[3]}<extra></extra>"
    if "__others" in traces:
        t = traces["__others"]
        figure.add_bar(
            x=t["x"],
            y=t["y"],
            orientation="h",
            name="Other providers" if colours else "Providers",
            marker_color=others_colour,
            customdata=t["customdata"],
            hovertemplate=hover,
            meta={"role": "providers"},
            showlegend=bool(colours),
        )
    for pid, colour in colours.items():
        if pid not in traces:
            continue
        t = traces[pid]
        figure.add_bar(
            x=t["x"],
            y=t["y"],
            orientation="h",
            name=t["customdata"][0][2] or pid,
            marker_color=colour,
            customdata=t["customdata"],
            hovertemplate=hover,
            meta={"role": "highlight", "provider": pid},
        )
    if gaps:
        figure.add_bar(
            x=[None] * len(gaps),
            y=gaps,
            orientation="h",
            showlegend=False,
            hoverinfo="skip",
            marker_color=charts.MUTED,
            meta={"role": "gap"},
        )
    # One layout update for every symbol label: add_annotation validates the whole list on each call, which cost
    # seconds with tens of thousands of providers ("Top: All" on the 20M-row benchmark table).
    figure.update_layout(
        annotations=[
            {
                "x": 0,
                "y": label,
                "xref": "x",
                "yref": "y",
                "xanchor": "left",
                "showarrow": False,
                "text": f"{SYMBOL_LABELS.get(symbol, symbol)} ('{symbol}')",
                "font": {"size": 12, "color": "#505A5F"},
            }
            for label, symbol in suppressed_labels
        ]
    )
    bench = result.benchmark(spec.period)
    largest = max([v for t in traces.values() for v in t["x"] if v is not None], default=0.0)
    if bench is not None and bench.status is None and bench.value is not None and labels:
        # A line across every bar, named in the legend: the reference the bars are read against.
        figure.add_scatter(
            x=[bench.value, bench.value],
            y=[labels[0], labels[-1]],
            mode="lines",
            name=f"{charts.plain_text(benchmark_name(spec))}: {_value_text(bench.value, indicator, dp)}",
            line={"color": charts.REFERENCE, "dash": "dash", "width": 2},
            hoverinfo="skip",
            meta={"role": "benchmark"},
        )
        largest = max(largest, bench.value)
    # Values are written in a column at the right of the plot, past every bar and the benchmark line, so the line
    # never strikes through a value (issue 14, item 6).
    value_x = (largest or 1) * VALUE_COLUMN_AT
    valued = [(y, text) for t in traces.values() for y, text in zip(t["y"], t["text"], strict=True) if text]
    if valued:
        figure.add_scatter(
            x=[value_x] * len(valued),
            y=[y for y, _ in valued],
            text=[text for _, text in valued],
            mode="text",
            textposition="middle left",
            textfont={"color": charts.REFERENCE},
            showlegend=False,
            hoverinfo="skip",
            meta={"role": "values"},
        )
    if not labels:
        figure.add_annotation(
            text="No provider has a row for this selection.",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
        )
    figure.update_layout(height=max(420, 26 * len(labels) + 300), barmode="overlay", bargap=0.25, showlegend=True)
    figure.update_traces(cliponaxis=False, selector={"type": "bar"})
    figure.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        autorange="reversed",
        showgrid=False,
        zeroline=False,
        automargin=True,
    )
    figure.update_xaxes(
        title_text=charts.plain_text(indicator.label),
        showgrid=True,
        gridcolor="#E5E5E5",
        range=[0, (largest or 1) * VALUE_COLUMN_AT],  # the value column ends at the plot's right edge
        **_value_axis(indicator.unit),
    )
    return figure


def _narrow_notes(view: View, width: int = 75) -> View:
    """Re-wrap the source and notes under the ranked chart more narrowly: they start at the plot area's left
    edge, which long provider names push right, so the house width would run off the chart."""
    if view.figure is not None:
        charts.write_notes(view.figure, view, width)
    return view


def _fit_header(view: View) -> View:
    """Make room above the plot for a title wrapped over several lines and a legend over several rows (the house
    layout leaves room for one of each), and grow the figure by that and by the notes written under it, so the plot
    area keeps the height its builder gave it."""
    figure = view.figure
    if figure is None:
        return view
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    legend_entries = sum(1 for t in figure.data if t.showlegend is not False and t.name)
    legend_rows = 0 if not legend_entries else 1 + (legend_entries - 1) // 4
    figure.update_layout(margin={"t": 50 + 26 * title_lines + 24 * legend_rows})
    charts.keep_plot_area(figure)
    return view


def _value_axis(unit: str) -> dict[str, str]:
    """House tick format, except that percentages get as many decimals as the range needs (a narrow range of
    rates would otherwise show '4%' twice)."""
    fmt = charts.axis_format(unit)
    return fmt | {"tickformat": ""} if unit == "%" else fmt


def _dimension_columns(entry: TableEntry) -> list[Column]:
    columns = [
        Column(str(entry.role("provider_name")), "Provider"),
        Column(str(entry.role("provider_id")), id_label(entry)),
    ]
    if entry.role("provider_type"):
        columns.append(Column(str(entry.role("provider_type")), "Provider type"))
    if entry.role("region"):
        columns.append(Column(str(entry.role("region")), "Region"))
    return columns


def ranked_view(result: Comparison) -> View:
    entry, spec, indicator = result.entry, result.spec, result.indicator
    year = result.year(spec.period)
    name_column = str(entry.role("provider_name"))
    ranked = rank_providers(year, indicator.column, name_column)
    bench = year.filter(pl.col(MEMBER) == BENCHMARK_KEY).with_columns(pl.lit(None, dtype=pl.Int64).alias(RANK))
    frame = pl.concat([bench, ranked], how="vertical_relaxed").with_columns(
        pl.col(RANK).cast(pl.String).fill_null("").alias(RANK)
    )
    columns = [Column(RANK, "Rank"), *_dimension_columns(entry), Column.for_indicator(indicator)]
    notes = [benchmark_note(result, spec.period)]
    if spec.top_n is not None and ranked.filter(pl.col(RANK).is_not_null()).height > 2 * spec.top_n:
        notes.append(
            f"The chart shows the top and bottom {spec.top_n} providers and any you highlighted; the Table tab and "
            "the downloads list every provider."
        )
    return make_view(
        key="institutions-ranked",
        entry=entry,
        title=view_title(entry, spec, indicator),
        frame=frame,
        columns=columns,
        summary=ranked_summary(result, ranked),
        filters=_filters(entry, spec, indicator),
        build_figure=lambda f: _ranked_figure(result, f.with_columns(pl.col(RANK).cast(pl.Int64, strict=False))),
        notes=notes,
    )


# ---------------------------------------------------------------- funnel


def funnel_reason(result: Comparison) -> str | None:
    """Why no funnel plot can be drawn for this selection (None: it can)."""
    indicator, spec = result.indicator, result.spec
    measure = in_sentence(measure_title(indicator))
    if indicator.kind != "rate":
        return (
            f"There is no funnel plot for {measure}: a funnel plot needs a rate (a share of a group of people) and "
            "the number of people it rests on. Earnings are medians, which have no binomial control limits."
        )
    if result.base is None:
        return f"There is no funnel plot for {measure}: the table does not publish the number of people it rests on."
    bench = result.benchmark(spec.period)
    if bench is None or bench.value is None or bench.status is not None:
        return f"There is no funnel plot: the benchmark for {peer_label(spec)} is not available for this selection."
    if not 0 <= bench.value <= 100:
        return (
            f"There is no funnel plot for {measure}: the benchmark ({format_number(bench.value, '%', 1)}) is not a "
            "share between 0% and 100% (this measure can count a person more than once)."
        )
    return None


def funnel_dispersion(result: Comparison) -> funnel.Overdispersion:
    """How much more the providers' figures spread around the benchmark than chance alone gives (the funnel's
    providers in the chosen year; the benchmark must be available, as `funnel_reason` checks)."""
    assert result.base is not None
    bench = result.benchmark(result.spec.period)
    assert bench is not None and bench.value is not None
    providers = result.year(result.spec.period).filter(pl.col(MEMBER) != BENCHMARK_KEY)
    return funnel.overdispersion(providers, result.indicator.column, result.base.column, bench.value)


def _limits_factor(result: Comparison, dispersion: funnel.Overdispersion) -> float:
    return dispersion.factor if result.spec.limits == LIMITS_OVERDISPERSION else 1.0


def _funnel_frame(result: Comparison, phi: float = 1.0) -> pl.DataFrame:
    assert result.base is not None
    bench = result.benchmark(result.spec.period)
    assert bench is not None and bench.value is not None
    year = result.year(result.spec.period)
    name_column = str(result.entry.role("provider_name"))
    providers = funnel.classify(
        year.filter(pl.col(MEMBER) != BENCHMARK_KEY), result.indicator.column, result.base.column, bench.value, phi=phi
    ).rename({"position": POSITION})
    order = {p: i for i, p in enumerate(funnel.POSITION_ORDER)}
    providers = providers.with_columns(pl.col(POSITION).replace_strict(order, return_dtype=pl.Int64).alias("__order"))
    providers = providers.sort(["__order", result.indicator.column, name_column], descending=[False, True, False]).drop(
        "__order"
    )
    limit_columns = [funnel.limit_column(side, level) for level, _ in funnel.LEVELS for side in ("lower", "upper")]
    benchmark_row = year.filter(pl.col(MEMBER) == BENCHMARK_KEY).with_columns(
        pl.lit("Benchmark").alias(POSITION), *(pl.lit(None, dtype=pl.Float64).alias(c) for c in limit_columns)
    )
    return pl.concat([benchmark_row, providers], how="diagonal_relaxed").with_columns(
        _range_text("95%"), _range_text("99.8%")
    )


def funnel_frame(result: Comparison) -> pl.DataFrame:
    """Every provider of the chosen year with its funnel position (POSITION) under chance-only limits, and the
    benchmark row: what the funnel plot places, for other pages to read a provider's place from."""
    return _funnel_frame(result)


def _range_text(level: str) -> pl.Expr:
    lower, upper = pl.col(funnel.limit_column("lower", level)), pl.col(funnel.limit_column("upper", level))

    def fmt(expr: pl.Expr) -> pl.Expr:
        return expr.map_elements(lambda v: format_number(v, "%", 1), return_dtype=pl.String)

    return (
        pl.when(lower.is_not_null())
        .then(pl.concat_str([fmt(lower), pl.lit(" to "), fmt(upper)]))
        .otherwise(pl.lit(""))
        .alias(f"__range_{level}")
    )


def funnel_summary(result: Comparison, frame: pl.DataFrame) -> str:
    """E.g. 'Of 1,426 providers placed on the funnel plot around the figure for all providers (58%), 679 are above
    and 298 below the 99.8% limits, and a further 165 above and 40 below the 95% limits; 153 providers cannot be
    placed because the figure or its base is suppressed or not available.'"""
    providers = frame.filter(pl.col(MEMBER) != BENCHMARK_KEY)
    counts = funnel.position_counts(providers[POSITION].to_list())
    not_placed = counts.get(funnel.NOT_PLACED, 0)
    placed = providers.height - not_placed
    cannot = (
        f"{_providers_word(not_placed)} cannot be placed because the figure or its base is suppressed or not available"
        if not_placed
        else ""
    )
    if placed == 0:
        return "No provider can be placed on the funnel plot" + (f": {cannot}." if cannot else ".")
    bench = _bench_phrase(result, result.spec.period, _display_dp(result.indicator)) or "the benchmark"

    def sides(above: int, below: int, *, verb: bool = True) -> str:
        """'2 are above and 3 below', '1 is below' (no verb: '2 above and 3 below')."""
        parts = [(n, side) for n, side in ((above, "above"), (below, "below")) if n]
        words = [
            f"{n:,} {('is ' if n == 1 else 'are ') if verb and i == 0 else ''}{side}"
            for i, (n, side) in enumerate(parts)
        ]
        return " and ".join(words)

    outer = sides(counts.get(funnel.ABOVE_998, 0), counts.get(funnel.BELOW_998, 0))
    inner = sides(counts.get(funnel.ABOVE_95, 0), counts.get(funnel.BELOW_95, 0), verb=not outer)
    sentence = f"Of {_providers_word(placed)} placed on the funnel plot around {bench}, "
    if outer:
        sentence += f"{outer} the 99.8% limits" + (f", and a further {inner} the 95% limits" if inner else "")
    elif inner:
        sentence += f"none is outside the 99.8% limits and {inner} the 95% limits"
    else:
        sentence += "all are within the 95% limits"
    return sentence + (f"; {cannot}." if cannot else ".")


def _funnel_figure(result: Comparison, frame: pl.DataFrame, phi: float = 1.0) -> go.Figure:
    assert result.base is not None
    entry, spec, indicator, base = result.entry, result.spec, result.indicator, result.base
    name_column, dp = str(entry.role("provider_name")), _display_dp(indicator)
    bench = result.benchmark(spec.period)
    assert bench is not None and bench.value is not None
    placed = frame.filter((pl.col(MEMBER) != BENCHMARK_KEY) & (pl.col(POSITION) != funnel.NOT_PLACED))
    colours = _highlight_colours(spec)
    figure = go.Figure()
    hover = (
        "%{customdata[1]} (%{customdata[0]})<br>"
        + charts.plain_text(base.label)
        + ": %{x:,.0f}<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>"
    )

    def points(rows: pl.DataFrame) -> dict:
        return {
            "x": rows[base.column].to_list(),
            "y": rows[indicator.column].to_list(),
            "customdata": [
                [
                    r[MEMBER],
                    charts.plain_text(r[name_column] or ""),
                    _value_text(r[indicator.column], indicator, dp),
                    r[POSITION],
                ]
                for r in rows.iter_rows(named=True)
            ],
        }

    if placed.height:
        smallest, largest = float(placed[base.column].min()), float(placed[base.column].max())  # type: ignore[arg-type]
        if largest <= smallest:
            smallest, largest = max(1.0, smallest / 2), largest * 2
        curve = funnel.limit_curve(bench.value, smallest, largest, phi=phi)
        for level, dash in (("99.8%", "dot"), ("95%", "dash")):
            for side in ("upper", "lower"):
                figure.add_scatter(
                    x=curve["base"].to_list(),
                    y=curve[funnel.limit_column(side, level)].to_list(),
                    mode="lines",
                    name=f"{level} limits",
                    legendgroup=level,
                    showlegend=side == "upper",
                    hoverinfo="skip",
                    line={
                        "color": charts.DARK_GREY if level == "99.8%" else charts.TURQUOISE,
                        "dash": dash,
                        "width": 1.5,
                    },
                    meta={"role": "limit", "level": level, "side": side},
                )
        figure.add_scatter(
            x=[curve["base"][0], curve["base"][-1]],
            y=[bench.value, bench.value],
            mode="lines",
            name=f"{charts.plain_text(benchmark_name(spec))}: {_value_text(bench.value, indicator, dp)}",
            line={"color": charts.REFERENCE, "width": 2},
            hoverinfo="skip",
            meta={"role": "benchmark"},
        )
        others = placed.filter(~pl.col(MEMBER).is_in(list(colours)))
        if others.height:
            figure.add_scatter(
                mode="markers",
                name="Other providers" if colours else "Providers",
                # Solid dots with a white rim: transparency took the grey under 3:1 against white.
                marker={
                    "color": charts.DARK_BLUE if not colours else charts.MUTED,
                    "size": 7,
                    "line": {"color": "white", "width": 0.5},
                },
                hovertemplate=hover,
                meta={"role": "providers"},
                **points(others),
            )
        for pid, colour in colours.items():
            own = placed.filter(pl.col(MEMBER) == pid)
            if own.height:
                label = charts.plain_text(own[name_column][0] or pid)
                # Each highlighted provider's dot is labelled with its name, not only coloured.
                figure.add_scatter(
                    mode="markers+text",
                    name=label,
                    text=[label] * own.height,
                    textposition=[_label_side(x, smallest, largest) for x in own[base.column].to_list()],
                    textfont={"color": charts.REFERENCE, "size": 12},
                    marker={"color": colour, "size": 12, "line": {"color": "white", "width": 1}},
                    hovertemplate=hover,
                    meta={"role": "highlight", "provider": pid},
                    **points(own),
                )
        if largest / max(smallest, 1e-9) >= 20:
            figure.update_xaxes(type="log", dtick="D2")  # labels at 1, 2 and 5 of each power of ten
    figure.update_xaxes(title_text=charts.plain_text(base.label), tickformat=",.0f")
    figure.update_yaxes(title_text=charts.plain_text(indicator.label), **_value_axis(indicator.unit))
    figure.update_layout(height=620)
    return figure


def _label_side(x: float | None, smallest: float, largest: float) -> str:
    """Where a dot's name goes: towards the middle of the chart, so names near either edge are not cut off (the
    base axis is logarithmic when it spans a wide range, hence the geometric middle)."""
    if x is None or smallest <= 0:
        return "top center"
    return "top left" if x > (smallest * largest) ** 0.5 else "top right"


def dispersion_note(result: Comparison, dispersion: funnel.Overdispersion) -> str | None:
    """What the spread of providers means for the limits, in words (None when there is nothing to say)."""
    phi_text = f"φ = {dispersion.phi:,.1f} from {_providers_word(dispersion.providers)}"
    if result.spec.limits == LIMITS_OVERDISPERSION:
        if dispersion.significant:
            return (
                f"Limits allow for over-dispersion: benchmark ± z × √(φ p(1 − p)/n) with {phi_text} (winsorised "
                "z-scores, 10% at each end; Spiegelhalter 2005). They show which providers stand out from the "
                "spread that providers of this kind usually show, not from chance alone."
            )
        if dispersion.providers < funnel.MIN_PROVIDERS_FOR_PHI:
            return (
                f"Too few providers ({dispersion.providers:,}) to estimate over-dispersion: the limits are for chance "
                "alone."
            )
        return f"No over-dispersion found ({phi_text}): the limits are for chance alone."
    if dispersion.significant:
        return (
            f"The providers' figures spread far more than chance alone gives ({phi_text}), so many providers outside "
            "these limits reflect real differences between providers (intake, subject mix, local jobs) as well as "
            f"chance. Choose '{LIMITS_OVERDISPERSION}' to widen the limits by √φ."
        )
    return None


def funnel_views(result: Comparison) -> tuple[View, View]:
    assert result.base is not None
    entry, spec, indicator, base = result.entry, result.spec, result.indicator, result.base
    dispersion = funnel_dispersion(result)
    phi = _limits_factor(result, dispersion)
    frame = _funnel_frame(result, phi)
    dims = _dimension_columns(entry)
    position = Column(POSITION, "Position against the control limits")
    ranges = [Column("__range_95%", "95% limits for its size"), Column("__range_99.8%", "99.8% limits for its size")]
    base_column = Column.for_indicator(base)
    notes = [
        benchmark_note(result, spec.period),
        "Control limits: benchmark ± z × √(p(1 − p)/n) with p the benchmark share and n the provider's "
        f"{in_sentence(base.label)}; z = 1.96 (95%) and 3.09 (99.8%), clipped to 0–100%. By chance alone about 1 "
        "provider in 20 falls outside the 95% limits and 1 in 500 outside the 99.8% limits.",
        "Figures are rounded by the publisher (rates and counts), so a provider very close to a limit may fall on "
        "the other side of it.",
    ]
    spread = dispersion_note(result, dispersion)
    if spread:
        notes.insert(2, spread)
    filters = [*_filters(entry, spec, indicator), ("Control limits", spec.limits)]
    limits_phrase = ", limits allowing for over-dispersion" if phi > 1 else ""
    title_base = view_title(entry, spec, indicator)
    funnel_view = make_view(
        key="institutions-funnel",
        entry=entry,
        title=view_title(entry, spec, indicator, against=f" against {in_sentence(base.label)}") + limits_phrase,
        frame=frame,
        columns=[*dims, base_column, Column.for_indicator(indicator), position, *ranges],
        summary=funnel_summary(result, frame),
        filters=filters,
        build_figure=lambda f: _funnel_figure(result, f, phi),
        notes=notes,
    )
    outside = frame.filter(pl.col(POSITION).is_in(list(funnel.OUTSIDE)))
    outliers_view = make_view(
        key="institutions-outliers",
        entry=entry,
        title=f"Providers outside the control limits: {title_base}{limits_phrase}",
        frame=outside,
        columns=[*dims, base_column, Column.for_indicator(indicator), position, *ranges],
        summary=outliers_summary(result, outside),
        filters=filters,
        notes=notes[:3] if spread else notes[:2],
    )
    return funnel_view, outliers_view


def outliers_summary(result: Comparison, outside: pl.DataFrame) -> str:
    if outside.height == 0:
        return "Every provider that can be placed is within the 95% control limits."
    counts = funnel.position_counts(outside[POSITION].to_list())
    parts = [f"{n:,} {position.lower()}" for position, n in counts.items()]
    text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"{_providers_word(outside.height)} {'is' if outside.height == 1 else 'are'} outside the control limits: {text}."


# ---------------------------------------------------------------- trend


def trend_frame(result: Comparison) -> pl.DataFrame:
    """Benchmark and highlighted providers (in the peer group) for every year; a provider with no row in a year
    gets an `x` row there so the line shows a gap, never a made-up value."""
    entry, indicator = result.entry, result.indicator
    time, name_column, pid = str(entry.role("time")), str(entry.role("provider_name")), str(entry.role("provider_id"))
    members = [BENCHMARK_KEY, *[p for p in result.spec.providers if p in set(result.frame[MEMBER].to_list())]]
    rows = result.frame.filter(pl.col(MEMBER).is_in(members))
    names = {BENCHMARK_KEY: benchmark_name(result.spec)}
    for row in rows.sort(time).iter_rows(named=True):
        if row[MEMBER] != BENCHMARK_KEY:
            names[row[MEMBER]] = row[name_column]
    grid = pl.DataFrame(
        [(p, m) for m in members if m in names for p in result.periods],
        schema={time: rows.schema[time], MEMBER: pl.String},
        orient="row",
    )
    value, status = indicator.column, status_column(indicator.column)
    frame = grid.join(rows.select(time, MEMBER, value, status), on=[time, MEMBER], how="left").with_columns(
        pl.when(pl.col(value).is_null() & pl.col(status).is_null())
        .then(pl.lit(sdc.NOT_AVAILABLE))
        .otherwise(pl.col(status))
        .alias(status),
        pl.col(MEMBER).replace_strict(names, return_dtype=pl.String).alias(SERIES),
        pl.when(pl.col(MEMBER) == BENCHMARK_KEY).then(pl.lit("")).otherwise(pl.col(MEMBER)).alias(pid),
        pl.col(time).map_elements(period_label, return_dtype=pl.String).alias(PERIOD_LABEL),
    )
    order = {m: i for i, m in enumerate(members)}
    return (
        frame.with_columns(pl.col(MEMBER).replace_strict(order, return_dtype=pl.Int64).alias("__order"))
        .sort(["__order", time])
        .drop("__order")
    )


def trend_summary(result: Comparison, frame: pl.DataFrame) -> str:
    indicator, spec = result.indicator, result.spec
    dp = _display_dp(indicator)
    time = str(result.entry.role("time"))
    year = period_label(spec.period)
    status = status_column(indicator.column)
    this_year = frame.filter(pl.col(time) == spec.period)
    bench_rows = this_year.filter(pl.col(MEMBER) == BENCHMARK_KEY)
    bench_value = bench_rows[indicator.column][0] if bench_rows.height and bench_rows[status][0] is None else None
    label = f"the figure for {peer_label(spec)}"
    lead = (
        f"In {year} {label} was {_value_text(bench_value, indicator, dp)}"
        if bench_value is not None
        else f"In {year} {label} is not available"
    )
    parts: list[str] = []
    for row in this_year.filter(pl.col(MEMBER) != BENCHMARK_KEY).iter_rows(named=True):
        name = row[SERIES]
        if row[status] is not None:
            parts.append(f"{name}'s figure is {'suppressed' if row[status] == 'c' else 'not available'}")
        elif bench_value is None or row[indicator.column] == bench_value:
            parts.append(f"{name} was at {_value_text(row[indicator.column], indicator, dp)}")
        else:
            side = "above" if row[indicator.column] > bench_value else "below"
            parts.append(f"{name} was {side} it ({_value_text(row[indicator.column], indicator, dp)})")
    if not parts:
        return lead + "; choose up to six providers in the sidebar to compare them over time."
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{lead}; {joined}."


def _trend_figure(result: Comparison, frame: pl.DataFrame) -> go.Figure:
    indicator, dp = result.indicator, _display_dp(result.indicator)
    status = status_column(indicator.column)
    colours = _highlight_colours(result.spec)
    labels = [period_label(p) for p in result.periods]
    figure = go.Figure()
    for member, rows in frame.group_by(MEMBER, maintain_order=True):
        key = str(member[0])
        ys = [v if s is None else None for v, s in zip(rows[indicator.column], rows[status], strict=True)]
        texts = [
            _value_text(v, indicator, dp) if s is None else SYMBOL_LABELS.get(s, s)
            for v, s in zip(rows[indicator.column], rows[status], strict=True)
        ]
        is_bench = key == BENCHMARK_KEY
        figure.add_scatter(
            x=rows[PERIOD_LABEL].to_list(),
            y=ys,
            mode="lines+markers",
            name=charts.plain_text(rows[SERIES][0]),
            line={
                "color": charts.REFERENCE if is_bench else colours.get(key, charts.DARK_GREY),
                "dash": "dash" if is_bench else "solid",
                "width": 2 if is_bench else 3,
            },
            marker={"size": 7 if is_bench else 9},
            text=texts,
            hovertemplate="%{fullData.name}<br>%{x}: %{text}<extra></extra>",
            meta={"role": "benchmark" if is_bench else "highlight", "provider": None if is_bench else key},
        )
    figure.update_xaxes(
        type="category", categoryorder="array", categoryarray=labels, title_text=result.entry.time_label
    )
    figure.update_yaxes(title_text=charts.plain_text(indicator.label), **_value_axis(indicator.unit))
    figure.update_layout(height=520)
    return figure


def trend_view(result: Comparison) -> View:
    entry, spec, indicator = result.entry, result.spec, result.indicator
    frame = trend_frame(result)
    span = (
        f"{period_label(result.periods[0])} to {period_label(result.periods[-1])} {entry.time_label.lower()}s"
        if len(result.periods) > 1
        else f"{period_label(spec.period)} {entry.time_label.lower()}"
    )
    notes = []
    used = {b.source for b in result.benchmarks.values()}
    if used == {"published"}:
        notes.append(f"The benchmark is the published figure for {peer_label(spec)} in each year.")
    elif used:
        notes.append(benchmark_note(result, spec.period).replace(" is derived", " is derived in each year"))
    return make_view(
        key="institutions-trend",
        entry=entry,
        title=f"{view_title(entry, spec, indicator, periods=span)}",
        frame=frame,
        columns=[
            Column(PERIOD_LABEL, entry.time_label),
            Column(SERIES, "Provider or benchmark"),
            Column(str(entry.role("provider_id")), id_label(entry)),
            Column.for_indicator(indicator),
        ],
        summary=trend_summary(result, frame),
        filters=_filters(entry, spec, indicator),
        build_figure=lambda f: _trend_figure(result, f),
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------------------------
# Everything the page shows


def build_views(entry: TableEntry, spec: InstitutionSpec, *, data_dir: Path | None = None) -> InstitutionViews:
    result = comparison(entry, spec, data_dir=data_dir)
    names = provider_names(entry, data_dir=data_dir)
    reason = funnel_reason(result)
    funnel_view, outliers = (None, None) if reason else funnel_views(result)
    return InstitutionViews(
        ranked=_fit_header(_narrow_notes(ranked_view(result))),
        funnel=_fit_header(funnel_view) if funnel_view is not None else None,
        outliers=outliers,
        trend=_fit_header(trend_view(result)),
        funnel_reason=reason,
        missing=tuple(missing_combinations(result, names)),
        comparison=result,
    )


def briefing_views(
    params: Mapping[str, Sequence[str]],
    tables: Sequence[TableEntry] | None = None,
    *,
    data_dir: Path | None = None,
) -> list[View]:
    """The views the page shows for a link's parameters, for rebuilding briefing items. `tables` are the tables the
    user may see (as the briefing passes them); without it, every catalogue table."""
    if tables is None:
        from leo_dash.catalogue import load_catalogue

        tables = list(load_catalogue(data_dir))
    usable = [e for e in tables if supports(e)]
    if not usable:
        raise LookupError(NO_TABLE_MESSAGE)
    asked = list(params.get("table", ()))
    entry = next((e for e in usable if asked and e.id == asked[-1]), None)
    if entry is None:
        if asked:
            raise LookupError(f"The table {asked[-1]!r} is not available to you.")
        entry = next((e for e in usable if e.demo), usable[0])
    return build_views(entry, spec_from_params(entry, params, data_dir=data_dir), data_dir=data_dir).all()

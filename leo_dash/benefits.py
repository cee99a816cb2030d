"""Benefit-claim rates over time: the out-of-work benefit rate of a table, split by one breakdown (a
characteristic, provider type, subject, years after, or any extra filter such as benefit status or type of
provision), for all providers or for one provider against all providers, and the change between two years.

Which indicator is a benefit-claim rate is read from the catalogue (a visible rate whose column or label mentions
benefits), never from a hard-coded column name, so any approved table with the same roles works.

All-provider figures are the published national rows (provider id null) where the table has them (D3); where it
has none for a line and year (the FE provider files have no national rows) they are derived from the providers'
published cells with `sdc.aggregate(published_cells_only=True)` (D4), then `sdc.suppress_derived` and `sdc.guard`.

Pipeline: `query.select` → `sdc.protect` (published) / `sdc.aggregate` (derived) → `sdc.guard` → `views.make_view`.
A change between two years is computed only from two published (or safely derived) points; a symbol at either end
means no change is given, and the note says which symbol.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import charts, geography, query, sdc
from leo_dash.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, MeasureItem, TableEntry, status_column
from leo_dash.periods import period_label, period_value
from leo_dash.sentences import in_sentence, join_words, number_word, upper_first, years_after_phrase
from leo_dash.views import Column, View, format_number, make_view

PAGE = "benefits"
MAX_SERIES = charts.MAX_SERIES
ALL_PROVIDERS = ""  # provider option value meaning "all providers only"
ALL_PROVIDERS_LABEL = "All providers"
DEFAULT_SUBJECTS = 3
NO_TABLE_MESSAGE = (
    "No approved table with an out-of-work benefit rate is available to you, so this page has nothing to show."
)

# ?compare= values for the splits that come from roles; an extra filter column splits under its own name.
OVERALL = "overall"
BY_CHARACTERISTIC = "characteristic"
BY_SUBJECT = "subject"
BY_PROVIDER_TYPE = "provider_type"
BY_YEARS_AFTER = "years_after"
# URL parameter holding the chosen items of each role split (shared names across pages).
ITEM_PARAMS: dict[str, str] = {
    BY_CHARACTERISTIC: "characteristic_value",
    BY_SUBJECT: "subject",
    BY_PROVIDER_TYPE: "provider_type",
    BY_YEARS_AFTER: "yag",
}

# Frame columns of a view (data columns are renamed to these, so charts never depend on a table's names).
SERIES_INDEX, SERIES, GROUP, PROVIDER, PROVIDER_LABEL = "series_index", "series", "group", "provider", "provider_label"
PERIOD, PERIOD_LABEL, BASIS = "period", "period_label", "basis"
PUBLISHED, DERIVED, NOT_PUBLISHED = "Published", "Derived from providers' published figures", "No figure"
CHANGE, START_TEXT, END_TEXT, BASE_TEXT = "change", "start_text", "end_text", "base_text"

_UNIT_SUFFIX = re.compile(r"\s*\((%|£|£m|pp)\)\s*$")
_NOT_ON_BENEFITS = re.compile(r"\bnot on (out-of-work )?benefits?\b")


class BenefitsDataError(ValueError):
    """The table's rows do not give one figure per line and year (a breakdown this page cannot pin)."""


# ---------------------------------------------------------------------------------------------------------------
# Which indicators, which tables


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def is_benefit_rate(indicator: Indicator) -> bool:
    """A visible rate whose column or label mentions benefits. The share *not* on benefits is no claim rate."""
    if indicator.kind != "rate" or indicator.hidden:
        return False
    label = indicator.label.lower()
    if not any(w.startswith("benefit") for w in _words(indicator.column)) and "benefit" not in label:
        return False
    return not (_NOT_ON_BENEFITS.search(label) or "nb" in _words(indicator.column))


def benefit_indicators(entry: TableEntry) -> tuple[Indicator, ...]:
    """The table's benefit-claim rates, the plain claim rate first ('not sustained, on benefits' is narrower)."""
    found = [i for i in entry.visible_indicators("rate") if is_benefit_rate(i)]
    return tuple(sorted(found, key=lambda i: "not" in _words(i.column) + _words(i.label)))


def measure_item(entry: TableEntry, column: str) -> MeasureItem | None:
    """The catalogue's filter item that makes `column` the out-of-work benefit rate (activity = "Out of work
    benefits"), if the table has one: the rate is then `column` on that item's rows only."""
    return next((m for m in entry.measure_items if m.measure == "benefit_rate" and m.indicator == column), None)


def item_indicator(entry: TableEntry, item: MeasureItem) -> Indicator | None:
    """The benefit rate a filter item stands for, as an indicator: the value column read on the item's rows."""
    try:
        source = entry.indicator(item.indicator)
    except KeyError:
        return None
    if source.hidden:
        return None
    label = item.label or (item.item if "%" in item.item else f"{item.item} (%)")
    return Indicator(item.indicator, label, "rate", "%", source.dp)


def benefit_measures(entry: TableEntry) -> tuple[Indicator, ...]:
    """What this page can show: the benefit-rate columns, then the benefit rates held by a filter item."""
    found = list(benefit_indicators(entry))
    for item in entry.measure_items:
        indicator = item_indicator(entry, item) if item.measure == "benefit_rate" else None
        if indicator is not None and indicator.column not in {i.column for i in found}:
            found.append(indicator)
    return tuple(found)


def measure_indicator(entry: TableEntry, column: str) -> Indicator:
    """The indicator of a measure the page offers (a filter item's rate where the catalogue maps one)."""
    item = measure_item(entry, column)
    indicator = item_indicator(entry, item) if item is not None else None
    return indicator or entry.indicator(column)


def item_filters(entry: TableEntry) -> set[str]:
    """Filters whose items are measures: pinned by the measure, never offered as a breakdown."""
    return {m.filter for m in entry.measure_items if m.measure == "benefit_rate"}


def supports(entry: TableEntry) -> bool:
    """Whether this page can show the table: a time role and at least one benefit-claim rate (a column, or a
    filter item the catalogue maps to the out-of-work benefit rate)."""
    return bool(entry.role("time")) and bool(benefit_measures(entry)) and geography.shows_any_level(entry)


def measure_name(indicator: Indicator) -> str:
    """The label without its unit: 'Sustained out-of-work benefits (%)' -> 'Sustained out-of-work benefits'."""
    return _UNIT_SUFFIX.sub("", indicator.label).strip()


def measure_title(indicator: Indicator) -> str:
    """'Sustained out-of-work benefits rate', 'Out-of-work benefit claim rate'."""
    name = measure_name(indicator)
    return name if "rate" in name.lower() else f"{name} rate"


# ---------------------------------------------------------------------------------------------------------------
# Change words (shared with the headline page)


def _step(dp: int) -> float:
    return 10.0**-dp if dp > 0 else 1.0


def rate_change(current: float, previous: float, dp: int) -> float:
    """Difference of two rates in percentage points, rounded half-up to `dp` (D8)."""
    return sdc.round_half_up(current - previous, _step(dp))


def percent_change(current: float, previous: float) -> float | None:
    """Relative change in percent to 1 dp (money, counts); None when the earlier figure is 0."""
    if previous == 0:
        return None
    return sdc.round_half_up((current - previous) / previous * 100, 0.1)


def points_text(change: float, dp: int) -> str:
    """The size of a change in percentage points: '1.2 percentage points', '1 percentage point'."""
    return format_number(abs(change), "pp", dp)


def change_words(change: float, unit: str, dp: int) -> str:
    """GSS direction words: 'up 1.2 percentage points', 'down 3.1%', 'unchanged'. `unit` is 'pp' or '%'."""
    if change == 0:
        return "unchanged"
    direction = "up" if change > 0 else "down"
    if unit == "pp":
        return f"{direction} {points_text(change, dp)}"
    return f"{direction} {format_number(abs(change), '', dp)}%"


def change_phrase(
    current: float | None, previous: float | None, unit: str, dp: int, since: str
) -> tuple[str | None, float | None]:
    """('up 1.2 percentage points from 2021-22', signed change) for a rate (unit '%': change in percentage points)
    or ('up 3.1% from 2021-22', percent change) for money and counts. (None, None) when either figure is missing:
    a suppressed figure is never used."""
    if current is None or previous is None:
        return None, None
    if unit == "%":
        change = rate_change(current, previous, dp)
        return f"{change_words(change, 'pp', dp)} from {since}", change
    relative = percent_change(current, previous)
    if relative is None:
        return None, None
    return f"{change_words(relative, '%', 1)} from {since}", relative


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
class BenefitOptions:
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

    @property
    def latest_period(self) -> int:
        return self.periods[-1]

    @property
    def provider_names(self) -> dict[str, str]:
        return dict(self.providers)

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
    years_after: list[str] = []
    default_yag: str | None = None
    yag = entry.role("years_after")
    if yag and yag in schema:
        items = query.distinct_values(entry, yag, data_dir=data_dir)
        years_after = sorted((v for v in items if v not in query.TOTAL_ITEMS), key=query.numeric_order)
        default_yag = query.default_item(entry, yag, items)
        if default_yag not in years_after:
            default_yag = years_after[0] if years_after else None
    role_columns = set(entry.roles.values()) | item_filters(entry)
    filters: dict[str, tuple[str, ...]] = {}
    defaults: dict[str, str] = {}
    for column in entry.filters:
        if column in role_columns or column not in schema:
            continue
        items = query.distinct_values(entry, column, data_dir=data_dir)
        if len(items) < 2:
            continue
        filters[column] = tuple(items)
        defaults[column] = query.default_item(entry, column, items) or items[0]
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
    entry: TableEntry,
    column: str,
    provider: str | None,
    *,
    characteristic: str | None = None,
    data_dir: Path | None = None,
) -> list[str]:
    parquet, mtime = query.prepared_version(entry, data_dir)
    if column not in query.schema(entry, data_dir=data_dir):
        return []
    id_column = entry.role("provider_id")
    id_column = id_column if id_column and id_column in query.schema(entry, data_dir=data_dir) else None
    values = _distinct_where(parquet, mtime, column, id_column, provider, _pins(entry, characteristic))
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
    return _items_in_scope(entry, split.column, provider, characteristic=pinned, data_dir=data_dir)


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


def choose_filters(
    entry: TableEntry,
    options: BenefitOptions,
    split: Split,
    pick: Callable[[str, Sequence[str], str], str | None],
    *,
    asked: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> tuple[tuple[str, str], ...]:
    """(column, item) of each filter the user pins (filter_controls), a grouping column before the filters nested
    under it, which offer only the items published with the chosen group (query.nested_choices)."""
    controls = filter_controls(entry, options, split, data_dir=data_dir)

    def items_for(column: str, conditions: Mapping[str, str]) -> Sequence[str]:
        if not conditions:
            return controls.get(column, ())
        return [i for i in query.items_where(entry, column, conditions, data_dir=data_dir) if i in controls[column]]

    return query.nested_choices(entry, list(controls), items_for, pick, asked=asked)


def split_parents(
    entry: TableEntry, options: BenefitOptions, split: Split, *, data_dir: Path | None = None
) -> tuple[str, ...]:
    if split.column not in options.filters:
        return ()
    parquet, mtime = query.prepared_version(entry, data_dir)
    others = tuple(c for c in options.filters if c != split.column)
    return _parents(parquet, mtime, str(split.column), others)


# ---------------------------------------------------------------------------------------------------------------
# The user's choices


@dataclass(frozen=True)
class BenefitSpec:
    """One benefits view: the cache key, the URL state and the briefing item."""

    table_id: str
    measure: str
    split: str = OVERALL
    characteristic: str | None = None
    items: tuple[str, ...] = ()
    provider: str | None = None
    years_after: str | None = None  # when the lines are not split by years after
    filters: tuple[tuple[str, str], ...] = ()  # extra filter column -> item
    start: int | None = None  # change from this year
    end: int | None = None  # to this year
    area: str | None = None  # ONS code of a region or local authority; None = the table's default (England)


def items_param(split_key: str) -> str | None:
    """URL parameter of a split's chosen items: a shared name for role splits, the column's own name otherwise."""
    return None if split_key == OVERALL else ITEM_PARAMS.get(split_key, split_key)


def spec_params(spec: BenefitSpec) -> dict[str, list[str]]:
    """The URL parameters that reproduce `spec` (for links, briefings and the audit trail)."""
    params: dict[str, list[str]] = {"table": [spec.table_id], "measure": [spec.measure], "compare": [spec.split]}
    param = items_param(spec.split)
    if spec.characteristic:
        params["characteristic"] = [spec.characteristic]
    if param and spec.items:
        params[param] = list(spec.items)
    if spec.provider:
        params["provider"] = [spec.provider]
    if spec.years_after is not None:
        params["yag"] = [spec.years_after]
    for column, item in spec.filters:
        params[column] = [item]
    if spec.start is not None:
        params["from_year"] = [period_label(spec.start)]
    if spec.end is not None:
        params["year"] = [period_label(spec.end)]
    if spec.area:
        params[geography.AREA_PARAM] = [spec.area]
    return params


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[BenefitSpec, list[str]]:
    """A spec from URL parameters with the page's defaults and fallbacks, plus notes on what could not be used.
    The page reads the same parameters through its widgets; this rebuilds a view outside it (briefings, tests)."""
    options = table_options(entry, data_dir=data_dir)
    notes: list[str] = []

    def get(key: str) -> list[str]:
        return [str(v) for v in params.get(key, ())]

    def fallback(key: str, raw: Sequence[str], shown: str) -> None:
        notes.append(f"The link asked for {key} '{', '.join(raw)}', which is not available; showing {shown} instead.")

    measures = [m.column for m in options.measures]
    measure = query.last_valid(get("measure"), measures) or measures[0]
    if get("measure") and get("measure")[-1] not in measures:
        fallback("measure", get("measure"), options.measures[0].label)
    area, area_notes = geography.choose_area(options.areas, get(geography.AREA_PARAM))
    notes += area_notes
    provider_ids = [] if geography.below_national(area) else [p for p, _ in options.providers]
    provider = query.last_valid(get("provider"), provider_ids)
    if get("provider") and provider is None and get("provider") != [ALL_PROVIDERS] and provider_ids:
        fallback("provider", get("provider"), "all providers")
    splits = available_splits(entry, options, provider, data_dir=data_dir)
    asked_split = split_by_key(splits, (get("compare") or [None])[-1])
    split = asked_split or split_by_key(splits, default_split(splits, options)) or OVERALL_SPLIT
    if get("compare") and split.key != get("compare")[-1]:
        fallback("compare", get("compare"), split.label.lower())
    characteristic = None
    if split.key == BY_CHARACTERISTIC:
        types = characteristic_types(entry, provider, data_dir=data_dir)
        characteristic = query.last_valid(get("characteristic"), types) or types[0]
        if get("characteristic") and get("characteristic")[-1] not in types:
            fallback("characteristic", get("characteristic"), characteristic)
    items: list[str] = []
    if not split.is_overall and split.param:
        offered = split_items(entry, split, provider, characteristic=characteristic, data_dir=data_dir)
        asked = list(dict.fromkeys(get(split.param)))
        items = [i for i in asked if i in offered][: max_items(provider)]
        if [i for i in asked if i not in offered]:
            fallback(split.param, [i for i in asked if i not in offered], "the other items")
        items = items or default_items(split, offered, provider)
    years_after = None
    if options.years_after and split.key != BY_YEARS_AFTER:
        years_after = query.last_valid(get("yag"), options.years_after) or options.default_years_after
        if get("yag") and get("yag")[-1] not in options.years_after:
            fallback("yag", get("yag"), str(years_after))
    filters = choose_filters(
        entry,
        options,
        split,
        lambda column, items, default: query.last_valid(get(column), list(items)) or default,
        asked={c: get(c)[-1] for c in options.filters if get(c)},
        data_dir=data_dir,
    )
    labels = [period_label(p) for p in options.periods]
    start_label = query.last_valid(get("from_year"), labels)
    end_label = query.last_valid(get("year"), labels)
    for key, value in (("from_year", start_label), ("year", end_label)):
        if get(key) and value is None:
            fallback(key, get(key), "the default")
    spec = BenefitSpec(
        table_id=entry.id,
        measure=measure,
        split=split.key,
        characteristic=characteristic,
        items=tuple(items),
        provider=provider,
        years_after=years_after,
        filters=filters,
        start=period_value(start_label) if start_label else options.periods[0],
        end=period_value(end_label) if end_label else options.latest_period,
        area=geography.area_code(options.areas, area),
    )
    return spec, notes


# ---------------------------------------------------------------------------------------------------------------
# The protected frame


@dataclass(frozen=True)
class Series:
    """One line of the chart."""

    index: int
    group: str | None  # the split item, or None for the overall line
    provider: str | None  # provider id, or None for all providers
    label: str  # legend text (raw; escaped when drawn)
    colour_index: int

    @property
    def all_providers(self) -> bool:
        return self.provider is None


@dataclass(frozen=True)
class BenefitData:
    """The disclosure-controlled frame of one benefits selection: one row per line and year."""

    entry: TableEntry
    spec: BenefitSpec
    split: Split
    indicator: Indicator
    base: Indicator | None
    frame: pl.DataFrame
    series: tuple[Series, ...]
    periods: tuple[int, ...]
    provider_name: str | None
    notes: tuple[str, ...]
    dp: int  # decimals shown (1 where a figure is derived)
    derived: bool  # some all-provider figure is derived from providers' published cells
    options: BenefitOptions

    @property
    def indicators(self) -> list[Indicator]:
        return [self.indicator] + ([self.base] if self.base else [])


def base_indicator(entry: TableEntry, indicator: Indicator) -> Indicator | None:
    if not indicator.base:
        return None
    try:
        return entry.indicator(indicator.base)
    except KeyError:
        return Indicator(indicator.base, indicator.base, "base")


def group_label(entry: TableEntry, options: BenefitOptions, split: Split, item: str) -> str:
    """Legend text of a split item: years after are spelt out ('1 year after graduation')."""
    if split.key == BY_YEARS_AFTER:
        event = after_event(entry, options.labels)
        try:
            n = int(float(item))
        except ValueError:
            return item
        return f"{n} {'year' if n == 1 else 'years'} after" + (f" {event}" if event else "")
    return item


def after_event(entry: TableEntry, labels: Mapping[str, str]) -> str:
    """'graduation' from a 'Years after graduation' label: the event years after are counted from."""
    column = entry.role("years_after")
    label = labels.get(column or "", "")
    match = re.search(r"after (.+)$", label, flags=re.IGNORECASE)
    return match.group(1).strip().lower() if match else ("graduation" if entry.role("subject") else "")


def everyone_label(options: BenefitOptions, spec: BenefitSpec) -> str:
    """The line of everyone in scope: all providers (England), or the region or local authority chosen."""
    area = geography.area_by_code(options.areas, spec.area)
    return area.name if area is not None and geography.below_national(area) else ALL_PROVIDERS_LABEL


def _series_for(
    entry: TableEntry, options: BenefitOptions, split: Split, spec: BenefitSpec, provider_name: str | None
) -> list[Series]:
    groups: Sequence[str | None] = list(spec.items) if not split.is_overall else [None]
    scopes: list[str | None] = [spec.provider, None] if spec.provider else [None]
    out: list[Series] = []
    for colour, group in enumerate(groups):
        for scope in scopes:
            parts = [group_label(entry, options, split, group)] if group is not None else []
            if spec.provider or group is None:
                parts.append((provider_name or str(scope)) if scope else everyone_label(options, spec))
            out.append(Series(len(out), group, scope, " – ".join(parts), colour))
    return out


def _where(
    entry: TableEntry, spec: BenefitSpec, split: Split, options: BenefitOptions, data_dir: Path | None
) -> dict[str, list[object]]:
    area = geography.area_by_code(options.areas, spec.area)
    where: dict[str, list[object]] = geography.area_where(entry, area, data_dir=data_dir)
    if split.key == BY_CHARACTERISTIC:
        where[str(entry.role("characteristic_type"))] = [spec.characteristic]
    if not split.is_overall and split.column:
        where[split.column] = list(spec.items)
    yag = entry.role("years_after")
    if yag and split.key != BY_YEARS_AFTER and spec.years_after is not None:
        where[yag] = [spec.years_after]
    for column, item in spec.filters:
        where[column] = [item]
    item = measure_item(entry, spec.measure)
    if item is not None:
        where[item.filter] = [item.item]
    return where


def _derive_all_providers(
    contributors: pl.DataFrame, indicators: Sequence[Indicator], entry: TableEntry
) -> pl.DataFrame:
    """D4: the all-provider figure of each line and year from the providers' published cells."""
    grouped = sdc.aggregate(contributors, [PERIOD, GROUP], indicators, entry.disclosure, published_cells_only=True)
    grouped = sdc.suppress_derived(grouped, indicators)
    return sdc.guard(grouped, indicators, entry.disclosure, derived=True)


def benefit_data(
    entry: TableEntry, spec: BenefitSpec, *, options: BenefitOptions | None = None, data_dir: Path | None = None
) -> BenefitData:
    """One row per line and year: published figures where they exist, all-provider figures derived where the table
    has none, gaps as null + symbol ('x' where no row exists)."""
    options = options or table_options(entry, data_dir=data_dir)
    splits = available_splits(entry, options, spec.provider, data_dir=data_dir)
    split = split_by_key(splits, spec.split) or OVERALL_SPLIT
    indicator = measure_indicator(entry, spec.measure)
    if not is_benefit_rate(indicator) and measure_item(entry, spec.measure) is None:
        raise ValueError(f"{indicator.column} is not a benefit-claim rate.")
    base = base_indicator(entry, indicator)
    indicators = [indicator] + ([base] if base else [])
    values = [i.column for i in indicators]
    time = str(entry.role("time"))
    schema = query.schema(entry, data_dir=data_dir)
    pid = entry.role("provider_id")
    pid = pid if pid and pid in schema else None
    notes: list[str] = []
    provider_name = options.provider_names.get(spec.provider or "") if spec.provider else None

    parents = [c for c in split_parents(entry, options, split, data_dir=data_dir) if c not in dict(spec.filters)]
    columns = [
        time,
        *([pid] if pid else []),
        *([split.column] if split.column and not split.is_overall else []),
        *values,
    ]
    rows = query.select(
        entry,
        _where(entry, spec, split, options, data_dir),
        vary=parents,
        columns=list(dict.fromkeys(columns)),
        data_dir=data_dir,
    )
    group = (
        pl.col(str(split.column)).cast(pl.String) if split.column and not split.is_overall else pl.lit(None, pl.String)
    )
    provider = pl.col(pid).cast(pl.String) if pid else pl.lit(None, pl.String)
    keep = [c for v in values for c in (v, status_column(v)) if c in rows.columns]
    rows = rows.select(pl.col(time).cast(pl.Int64).alias(PERIOD), group.alias(GROUP), provider.alias(PROVIDER), *keep)

    national = sdc.protect(rows.filter(pl.col(PROVIDER).is_null()), indicators, entry.disclosure)
    parts = [national.with_columns(pl.lit(PUBLISHED).alias(BASIS))]
    if spec.provider:
        own = sdc.protect(rows.filter(pl.col(PROVIDER) == spec.provider), indicators, entry.disclosure)
        parts.append(own.with_columns(pl.lit(PUBLISHED).alias(BASIS)))
        if own.height == 0:
            notes.append(f"{provider_name or spec.provider} has no published figures for this selection.")
    wanted_groups: list[str | None] = list(spec.items) if not split.is_overall else [None]
    have = {(g, p) for g, p in national.select(GROUP, PERIOD).iter_rows()}
    missing = [(g, p) for g in wanted_groups for p in options.periods if (g, p) not in have]
    derived_used = False
    if missing and pid and base is not None:
        keys = pl.DataFrame(
            {GROUP: [g for g, _ in missing], PERIOD: [p for _, p in missing]},
            schema={GROUP: pl.String, PERIOD: pl.Int64},
        )
        contributors = rows.filter(pl.col(PROVIDER).is_not_null()).join(
            keys, on=[GROUP, PERIOD], how="semi", nulls_equal=True
        )
        if contributors.height:
            derived = _derive_all_providers(contributors.drop(PROVIDER), indicators, entry)
            used = derived.select(
                PERIOD, GROUP, (pl.col(sdc.N_ROWS) - pl.col(sdc.N_EXCLUDED)).alias("used"), pl.col(sdc.N_EXCLUDED)
            )
            derived = derived.drop(sdc.N_ROWS, sdc.N_EXCLUDED).with_columns(
                pl.lit(None, pl.String).alias(PROVIDER), pl.lit(DERIVED).alias(BASIS)
            )
            parts.append(derived)
            derived_used = True
            notes.append(_derived_note(used, has_national=options.has_national))
    combined = pl.concat(parts, how="diagonal_relaxed")
    duplicated = combined.select(pl.struct(GROUP, PROVIDER, PERIOD).is_duplicated().any()).item()
    if duplicated:
        raise BenefitsDataError(
            f"{entry.id} has more than one row for some line and year: it has a breakdown this page does not "
            "choose, so no single figure can be shown."
        )

    series = _series_for(entry, options, split, spec, provider_name)
    if len(series) > MAX_SERIES:
        left = [s.label for s in series[MAX_SERIES:]]
        notes.append(
            f"The chart holds at most {MAX_SERIES} lines, so {join_words(left)} {'was' if len(left) == 1 else 'were'} left out."
        )
        series = series[:MAX_SERIES]
    periods = list(options.periods)
    grid = pl.DataFrame(
        {
            SERIES_INDEX: [s.index for s in series for _ in periods],
            SERIES: [s.label for s in series for _ in periods],
            GROUP: [s.group for s in series for _ in periods],
            PROVIDER: [s.provider for s in series for _ in periods],
            PROVIDER_LABEL: [
                (provider_name or s.provider) if s.provider else everyone_label(options, spec)
                for s in series
                for _ in periods
            ],
            PERIOD: [p for _ in series for p in periods],
            PERIOD_LABEL: [period_label(p) for _ in series for p in periods],
        },
        schema_overrides={GROUP: pl.String, PROVIDER: pl.String, PERIOD: pl.Int64},
    )
    data_columns = [c for c in combined.columns if c not in (GROUP, PROVIDER, PERIOD)]
    frame = grid.join(combined, on=[GROUP, PROVIDER, PERIOD], how="left", nulls_equal=True)
    frame = frame.select([*grid.columns, *data_columns]).sort([SERIES_INDEX, PERIOD])
    # A line with no row in a year is a gap 'not available', never a zero.
    frame = frame.with_columns(
        *(
            pl.when(pl.col(v).is_null() & pl.col(status_column(v)).is_null())
            .then(pl.lit(sdc.NOT_AVAILABLE))
            .otherwise(pl.col(status_column(v)))
            .alias(status_column(v))
            for v in values
        ),
        pl.col(BASIS).fill_null(NOT_PUBLISHED),
    )
    frame = sdc.guard(frame, indicators, entry.disclosure, derived=False)
    derived_rows = frame.filter(pl.col(BASIS) == DERIVED)
    if derived_rows.height:
        sdc.guard(derived_rows, indicators, entry.disclosure, derived=True)
    if spec.provider and not any("has no published figures for this selection" in n for n in notes):
        for group_item in wanted_groups:
            own_rows = frame.filter((pl.col(PROVIDER) == spec.provider) & _eq_group(group_item))
            if own_rows.height and own_rows[BASIS].eq(NOT_PUBLISHED).all() and group_item is not None:
                notes.append(f"{provider_name or spec.provider} has no published figures for {group_item}.")
    dp = indicator.dp if indicator.dp is not None else 1
    if derived_used:
        dp = max(dp, entry.disclosure.rate_dp)
    return BenefitData(
        entry=entry,
        spec=spec,
        split=split,
        indicator=indicator,
        base=base,
        frame=frame,
        series=tuple(series),
        periods=tuple(periods),
        provider_name=provider_name,
        notes=tuple(notes),
        dp=dp,
        derived=derived_used,
        options=options,
    )


def _eq_group(item: str | None) -> pl.Expr:
    return pl.col(GROUP).is_null() if item is None else (pl.col(GROUP) == item).fill_null(False)


def _derived_note(used: pl.DataFrame, *, has_national: bool) -> str:
    why = "publishes no national figure for some of these lines and years" if has_national else "has no national rows"
    latest = used.filter(pl.col(PERIOD) == used[PERIOD].max())
    combined = int(latest["used"].sum()) if latest.height else 0
    left_out = int(latest[sdc.N_EXCLUDED].sum()) if latest.height else 0
    year = period_label(int(used[PERIOD].max())) if used.height else ""
    return (
        f"This table {why}, so all-provider figures there are derived from the providers' published figures, "
        "weighted by their bases and leaving out figures that are suppressed or not available"
        + (f" (in {year}: {combined:,} provider figures combined, {left_out:,} left out)" if year else "")
        + ". A derived figure is shown to one decimal place, and only when it passes the disclosure rules."
    )


# ---------------------------------------------------------------------------------------------------------------
# Words: titles and summaries


def _value(value: float | None, dp: int) -> str:
    return format_number(value, "%", dp)


def scope_phrase(data: BenefitData) -> str:
    if data.spec.provider:
        return f"{data.provider_name or data.spec.provider} against all providers"
    everyone = everyone_label(data.options, data.spec)
    return everyone if everyone != ALL_PROVIDERS_LABEL else "all providers"


def _filters_phrase(data: BenefitData) -> list[str]:
    parts: list[str] = []
    for column, item in data.spec.filters:
        if item == data.options.filter_defaults.get(column) and item in query.TOTAL_ITEMS:
            continue
        parts.append(f"{in_sentence(data.options.label(column))}: {item}")
    return parts


def measure_phrase(data: BenefitData) -> str:
    """'Out-of-work benefit claim rate one year after graduation'."""
    head = measure_title(data.indicator)
    if data.spec.years_after is not None and data.split.key != BY_YEARS_AFTER:
        event = after_event(data.entry, data.options.labels)
        try:
            head += f" {years_after_phrase(data.spec.years_after, event or 'graduation')}"
        except ValueError:
            head += f", {data.spec.years_after} years after"
    return head


def split_phrase(data: BenefitData) -> str:
    if data.split.is_overall:
        return ""
    if data.split.key == BY_CHARACTERISTIC and data.spec.characteristic:
        return f" by {in_sentence(data.spec.characteristic)}"
    return f" by {in_sentence(data.split.label)}"


def years_phrase(entry: TableEntry, periods: Sequence[int]) -> str:
    kind = entry.time_label.lower()
    if len(periods) == 1:
        return f"{period_label(periods[0])} {kind}"
    return f"{kind}s {period_label(periods[0])} to {period_label(periods[-1])}"


def trend_title(data: BenefitData) -> str:
    """'Out-of-work benefit claim rate one year after graduation by FSM, tax years 2019-20 to 2023-24, all
    providers'."""
    parts = [
        measure_phrase(data) + split_phrase(data),
        *_filters_phrase(data),
        years_phrase(data.entry, data.periods),
        scope_phrase(data),
    ]
    return ", ".join(parts)


def _shown(frame: pl.DataFrame, column: str) -> list[float | None]:
    status = frame[status_column(column)].to_list()
    return [v if s is None else None for v, s in zip(frame[column].to_list(), status, strict=True)]


def series_points(data: BenefitData) -> list[tuple[Series, list[tuple[int, float | None, str | None]]]]:
    """(series, [(period, shown value or None, symbol)]) for every line."""
    value = data.indicator.column
    out = []
    for s in data.series:
        rows = data.frame.filter(pl.col(SERIES_INDEX) == s.index).sort(PERIOD)
        shown = _shown(rows, value)
        out.append((s, list(zip(rows[PERIOD].to_list(), shown, rows[status_column(value)].to_list(), strict=True))))
    return out


def _series_phrase(s: Series, data: BenefitData) -> str:
    if s.group is None:
        return (data.provider_name or s.provider or "") if s.provider else "all providers"
    return s.label


def trend_summary(data: BenefitData) -> str:
    """One sentence on what the chart shows; a suppressed or unavailable figure is never cited."""
    measure = in_sentence(measure_title(data.indicator))
    points = series_points(data)
    published = [(s, [(p, v) for p, v, _ in pts if v is not None]) for s, pts in points]
    if not any(pub for _, pub in published):
        return f"No {measure} figures can be shown for this selection: every figure is suppressed or not available."
    if len(points) == 1:
        s, pub = published[0]
        who = _series_phrase(s, data)
        if len(pub) == 1:
            p, v = pub[0]
            return (
                f"The {measure} for {who} was {_value(v, data.dp)} in {period_label(p)}; the figures for the other "
                "years are suppressed or not available."
            )
        (p0, v0), (p1, v1) = pub[0], pub[-1]
        gaps = sum(1 for _, v, _ in points[0][1] if v is None)
        gap_text = f"; {gaps} {'figure is' if gaps == 1 else 'figures are'} suppressed or not available" if gaps else ""
        if v1 == v0:
            return f"The {measure} for {who} was {_value(v0, data.dp)} in both {period_label(p0)} and {period_label(p1)}{gap_text}."
        verb = "rose" if v1 > v0 else "fell"
        return (
            f"The {measure} for {who} {verb} from {_value(v0, data.dp)} in {period_label(p0)} to "
            f"{_value(v1, data.dp)} in {period_label(p1)}{gap_text}."
        )
    year = max(p for _, pub in published for p, _ in pub)
    at_year = [(s, v) for s, pts in points for p, v, _ in pts if p == year and v is not None]
    absent = [s.label for s, pts in points for p, v, _ in pts if p == year and v is None]
    when = period_label(year)
    if len(at_year) == 1:
        s, v = at_year[0]
        lead = f"In {when} the {measure} was {_value(v, data.dp)} for {s.label}"
    else:
        high = max(at_year, key=lambda sv: sv[1])
        low = min(at_year, key=lambda sv: sv[1])
        if high[1] == low[1]:
            lead = f"In {when} the {measure} was {_value(high[1], data.dp)} for all {number_word(len(at_year))} lines with a figure"
        else:
            lead = (
                f"In {when} the {measure} was highest for {high[0].label} ({_value(high[1], data.dp)}) and lowest "
                f"for {low[0].label} ({_value(low[1], data.dp)})"
            )
    if absent:
        lead += f"; the {when} {'figure' if len(absent) == 1 else 'figures'} for {join_words(absent)} {'is' if len(absent) == 1 else 'are'} suppressed or not available"
    return lead + "."


# ---------------------------------------------------------------------------------------------------------------
# Trend chart and view


TITLE_LINE_PX, LEGEND_ROW_PX, PLOT_AREA_PX, LEGEND_WIDTH_PX = 24, 26, 380, 900


def fit_header(figure: go.Figure, legend_names: Sequence[str]) -> None:
    """Room above the plot for the wrapped title and the legend rows under it, so neither covers the other."""
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    rows, used = 1, 0
    for name in legend_names:
        width = 50 + 7 * len(name)
        if used and used + width > LEGEND_WIDTH_PX:
            rows, used = rows + 1, 0
        used += width
    top = 12 + TITLE_LINE_PX * title_lines + 10 + LEGEND_ROW_PX * rows
    bottom = int(figure.layout.margin.b or 80)
    figure.update_layout(
        title=charts.title_at_top(figure.layout.title.text),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom", "yref": "paper"},
        margin={"t": top},
        height=PLOT_AREA_PX + top + bottom,
    )


def _text_expr(column: str, dp: int, unit: str = "") -> pl.Expr:
    """A value column as the table shows it: GSS number, or the symbol's label (never blank, never 0)."""
    return pl.struct(column, status_column(column)).map_elements(
        lambda row: (
            SYMBOL_LABELS.get(row[status_column(column)], row[status_column(column)])
            if row[status_column(column)] is not None
            else format_number(row[column], unit, dp)
        ),
        return_dtype=pl.String,
    )


def _hover_value(value: float | None, status: str | None, dp: int) -> str:
    if status is not None:
        return f"{SYMBOL_LABELS.get(status, status)} ({status})"
    return _value(value, dp)


def build_trend_figure(data: BenefitData) -> go.Figure:
    """One line per series across every year of the table; a symbol is a gap (y = null), never a zero."""
    value = data.indicator.column
    figure = go.Figure()
    for s in data.series:
        rows = data.frame.filter(pl.col(SERIES_INDEX) == s.index).sort(PERIOD)
        ys = _shown(rows, value)
        statuses = rows[status_column(value)].to_list()
        name = charts.plain_text(s.label)
        colour = charts.colour(s.colour_index)
        dashed = s.all_providers and bool(data.spec.provider)
        figure.add_trace(
            go.Scatter(
                x=[charts.plain_text(x) for x in rows[PERIOD_LABEL].to_list()],
                y=ys,
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 2 if dashed else 3, "dash": "dash" if dashed else "solid"},
                marker={"size": 7 if dashed else 9, "color": colour},
                hovertext=[
                    f"{name}<br>{x}: {_hover_value(v, st, data.dp)}"
                    for x, v, st in zip(rows[PERIOD_LABEL].to_list(), ys, statuses, strict=True)
                ],
                hoverinfo="text",
                meta={"role": "rate", "series": s.label, "group": s.group, "provider": s.provider},
            )
        )
    figure.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[period_label(p) for p in data.periods],
        title=charts.plain_text(data.entry.time_label),
    )
    figure.update_yaxes(
        title=charts.plain_text(measure_name(data.indicator) + " (%)"), rangemode="tozero", **charts.axis_format("%")
    )
    return figure


def _dimension_columns(data: BenefitData) -> list[Column]:
    columns = [Column(PERIOD_LABEL, data.entry.time_label)]
    if not data.split.is_overall:
        label = (
            data.spec.characteristic
            if data.split.key == BY_CHARACTERISTIC and data.spec.characteristic
            else data.split.label
        )
        columns.append(Column(GROUP, label))
    if data.spec.provider or data.split.is_overall:
        columns.append(Column(PROVIDER_LABEL, "Provider"))
    return columns


def view_filters(data: BenefitData) -> list[tuple[str, str]]:
    spec, options = data.spec, data.options
    filters: list[tuple[str, str]] = [("Measure", data.indicator.label), ("Compare by", data.split.label)]
    if spec.characteristic:
        filters.append(("Characteristic", spec.characteristic))
    if spec.items:
        filters.append(("Lines", ", ".join(spec.items)))
    if spec.years_after is not None and data.split.key != BY_YEARS_AFTER:
        filters.append((options.label(str(data.entry.role("years_after"))), spec.years_after))
    filters += [(options.label(c), v) for c, v in spec.filters]
    area = geography.area_by_code(options.areas, spec.area)
    if geography.below_national(area):
        return [*filters, *geography.area_filter(options.areas, area)]
    provider = f"{data.provider_name} ({spec.provider}) against all providers" if spec.provider else ALL_PROVIDERS_LABEL
    filters.append(("Provider", provider))
    return [*filters, *geography.area_filter(options.areas, area)]


def trend_view(data: BenefitData, *, notes: Sequence[str] = ()) -> View:
    value_column = Column.for_indicator(data.indicator, dp=data.dp, label=measure_name(data.indicator))
    columns = [*_dimension_columns(data), value_column]
    frame = data.frame
    if data.base is not None:
        # The base is shown as text: it is context for the rate, and the gap note should count only drawn points.
        frame = frame.with_columns(_text_expr(data.base.column, 0).alias(BASE_TEXT))
        columns.append(Column(BASE_TEXT, data.base.label))
    if data.derived:
        columns.append(Column(BASIS, "Figure"))
    view = make_view(
        key="benefits-trend",
        entry=data.entry,
        title=trend_title(data),
        frame=frame,
        columns=columns,
        summary=trend_summary(data),
        filters=[
            *view_filters(data),
            ("Years", f"{period_label(data.periods[0])} to {period_label(data.periods[-1])}"),
        ],
        build_figure=lambda _frame: build_trend_figure(data),
        notes=[*notes, *data.notes],
    )
    if view.figure is not None:
        fit_header(view.figure, [s.label for s in data.series])
    return view


# ---------------------------------------------------------------------------------------------------------------
# Change between two years


@dataclass(frozen=True)
class ChangeRow:
    """One line's change between two years, or why there is none."""

    series: Series
    start: float | None  # shown value (None where a symbol stands)
    end: float | None
    start_status: str | None
    end_status: str | None
    change: float | None  # percentage points
    status: str | None  # the symbol that stops a change being given


def _missing_symbol(*statuses: str | None) -> str:
    """The symbol a change inherits from its missing end points: suppression first (it says most)."""
    present = [s for s in statuses if s is not None]
    return sdc.SUPPRESSED if sdc.SUPPRESSED in present else (present[0] if present else sdc.NOT_AVAILABLE)


def change_rows(data: BenefitData, start: int, end: int) -> list[ChangeRow]:
    """Each line's change from `start` to `end` in percentage points; none where either end carries a symbol."""
    out: list[ChangeRow] = []
    for s, pts in series_points(data):
        at = {p: (v, st) for p, v, st in pts}
        (v0, s0), (v1, s1) = at.get(start, (None, "x")), at.get(end, (None, "x"))
        if v0 is not None and v1 is not None:
            out.append(ChangeRow(s, v0, v1, None, None, rate_change(v1, v0, data.dp), None))
        else:
            out.append(
                ChangeRow(
                    s, v0, v1, s0, s1, None, _missing_symbol(s0 if v0 is None else None, s1 if v1 is None else None)
                )
            )
    return out


def _symbol_text(symbol: str) -> str:
    return f"{SYMBOL_MEANINGS.get(symbol, symbol)} ('{symbol}')"


def missing_ends_note(rows: Sequence[ChangeRow], start: int, end: int) -> str | None:
    """'No change is given for X: its 2019-20 figure is suppressed to protect confidentiality ('c').'"""
    parts: list[str] = []
    for row in rows:
        if row.change is not None:
            continue
        ends = []
        if row.start is None:
            ends.append((period_label(start), row.start_status or "x"))
        if row.end is None:
            ends.append((period_label(end), row.end_status or "x"))
        if len(ends) == 2 and ends[0][1] == ends[1][1]:
            text = f"its {ends[0][0]} and {ends[1][0]} figures are {_symbol_text(ends[0][1])}"
        else:
            text = " and ".join(f"its {year} figure is {_symbol_text(symbol)}" for year, symbol in ends)
        parts.append(f"{row.series.label} ({text})")
    if not parts:
        return None
    return "No change is given from a suppressed or missing figure: " + "; ".join(parts) + "."


def change_summary(data: BenefitData, rows: Sequence[ChangeRow], start: int, end: int) -> str:
    """One sentence on the changes; the end points are cited only where both are published."""
    measure = in_sentence(measure_title(data.indicator))
    a, b = period_label(start), period_label(end)
    known = [r for r in rows if r.change is not None]
    unknown = [r.series.label for r in rows if r.change is None]
    if not known:
        return f"No change in the {measure} between {a} and {b} can be given: for every line a figure is suppressed or not available."
    if len(rows) == 1:
        r = rows[0]
        who = _series_phrase(r.series, data)
        assert r.change is not None and r.start is not None and r.end is not None
        if r.change == 0:
            return f"The {measure} for {who} was unchanged between {a} and {b}, at {_value(r.end, data.dp)}."
        return (
            f"The {measure} for {who} {'rose' if r.change > 0 else 'fell'} by {points_text(r.change, data.dp)} "
            f"between {a} and {b}, from {_value(r.start, data.dp)} to {_value(r.end, data.dp)}."
        )
    groups: list[str] = []
    for verb, test in (("rose", lambda c: c > 0), ("fell", lambda c: c < 0), ("did not change", lambda c: c == 0)):
        chosen = [r for r in known if r.change is not None and test(r.change)]
        if not chosen:
            continue
        if verb == "did not change":
            groups.append(f"{verb} for {join_words([r.series.label for r in chosen])}")
        else:
            groups.append(
                f"{verb} for "
                + join_words([f"{r.series.label} ({change_words(r.change or 0, 'pp', data.dp)})" for r in chosen])
            )
    text = f"Between {a} and {b} the {measure} " + "; it ".join(groups)
    if unknown:
        text += f"; no change is given for {join_words(unknown)} because a figure is suppressed or not available"
    return text + "."


def change_frame(data: BenefitData, rows: Sequence[ChangeRow], start: int, end: int) -> pl.DataFrame:
    def text(value: float | None, status: str | None) -> str:
        if value is not None:
            return _value(value, data.dp)
        return SYMBOL_LABELS.get(status or "x", status or "x")

    return pl.DataFrame(
        {
            SERIES_INDEX: [r.series.index for r in rows],
            SERIES: [r.series.label for r in rows],
            GROUP: [r.series.group for r in rows],
            PROVIDER_LABEL: [
                (data.provider_name or r.series.provider)
                if r.series.provider
                else everyone_label(data.options, data.spec)
                for r in rows
            ],
            START_TEXT: [text(r.start, r.start_status) for r in rows],
            END_TEXT: [text(r.end, r.end_status) for r in rows],
            CHANGE: [r.change for r in rows],
            status_column(CHANGE): [r.status for r in rows],
        },
        schema_overrides={
            GROUP: pl.String,
            PROVIDER_LABEL: pl.String,
            CHANGE: pl.Float64,
            status_column(CHANGE): pl.String,
        },
    )


def build_change_figure(data: BenefitData, frame: pl.DataFrame, start: int, end: int) -> go.Figure:
    """Horizontal bars of the change in percentage points; a line without a change has no bar (x = null) and says
    why at the zero line."""
    figure = go.Figure()
    labels = [charts.plain_text(s) for s in frame[SERIES].to_list()]
    changes = _shown(frame, CHANGE)
    statuses = frame[status_column(CHANGE)].to_list()
    series = {s.index: s for s in data.series}
    colours, outlines = [], []
    for index in frame[SERIES_INDEX].to_list():
        s = series[index]
        colour = charts.colour(s.colour_index)
        light = s.all_providers and bool(data.spec.provider)
        colours.append(charts.rgba(colour, 0.45) if light else colour)
        outlines.append(colour)
    figure.add_trace(
        go.Bar(
            x=changes,
            y=labels,
            orientation="h",
            marker={"color": colours, "line": {"color": outlines, "width": 2}},
            text=[
                "" if c is None else ("0" if c == 0 else f"{'+' if c > 0 else '−'}{format_number(abs(c), '', data.dp)}")
                for c in changes
            ],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"{label}<br>{change_words(c, 'pp', data.dp) if c is not None else 'No change given: ' + SYMBOL_LABELS.get(st or 'x', st or 'x').lower()}"
                for label, c, st in zip(labels, changes, statuses, strict=True)
            ],
            hoverinfo="text",
            showlegend=False,
            meta={"role": "change", "start": period_label(start), "end": period_label(end)},
        )
    )
    for label, c, st in zip(labels, changes, statuses, strict=True):
        if c is None:
            figure.add_annotation(
                x=0,
                y=label,
                text=f"No change given: a figure is {SYMBOL_LABELS.get(st or 'x', st or 'x').lower()} ('{st or 'x'}')",
                showarrow=False,
                xanchor="left",
                xshift=6,
                font={"size": 12, "color": "#505A5F"},
            )
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=labels[::-1], title=None)
    spread = max([abs(c) for c in changes if c is not None] or [1.0])
    figure.update_xaxes(
        title=f"Change from {period_label(start)} to {period_label(end)} (percentage points)",
        zeroline=True,
        zerolinecolor=charts.REFERENCE,
        range=[-spread * 1.4, spread * 1.4],
        ticksuffix="pp",
    )
    figure.update_layout(bargap=0.35)
    return figure


def change_title(data: BenefitData, start: int, end: int) -> str:
    """'Change in the out-of-work benefit claim rate one year after graduation by FSM from 2019-20 to 2023-24 tax
    year, all providers (percentage points)'."""
    head = f"Change in the {in_sentence(measure_phrase(data))}{split_phrase(data)}"
    parts = [
        head,
        *_filters_phrase(data),
        f"{period_label(start)} to {period_label(end)} {data.entry.time_label.lower()}s",
        scope_phrase(data),
    ]
    return ", ".join(parts) + " (percentage points)"


def change_view(data: BenefitData, start: int, end: int, *, notes: Sequence[str] = ()) -> View:
    start, end = min(start, end), max(start, end)
    rows = change_rows(data, start, end)
    frame = change_frame(data, rows, start, end)
    columns = [c for c in _dimension_columns(data) if c.name != PERIOD_LABEL]  # one row per line, not per year
    columns += [
        Column(START_TEXT, f"{measure_name(data.indicator)}, {period_label(start)}"),
        Column(END_TEXT, f"{measure_name(data.indicator)}, {period_label(end)}"),
        Column(CHANGE, "Change in percentage points", "value", "", data.dp),
    ]
    all_notes = list(notes)
    note = missing_ends_note(rows, start, end)
    if note:
        all_notes.append(note)
    all_notes += [n for n in data.notes if n.startswith("This table ")]  # how all-provider figures were made
    view = make_view(
        key="benefits-change",
        entry=data.entry,
        title=change_title(data, start, end),
        frame=frame,
        columns=columns,
        summary=change_summary(data, rows, start, end),
        filters=[*view_filters(data), ("Change", f"{period_label(start)} to {period_label(end)}")],
        build_figure=lambda f: build_change_figure(data, f, start, end),
        notes=all_notes,
    )
    if view.figure is not None:
        # The notes under the chart take their room from the figure's height: keep the bars' own room on top of it.
        margin = view.figure.layout.margin
        bars_px = max(160, 64 * frame.height)
        view.figure.update_layout(height=bars_px + int(margin.t or 90) + int(margin.b or 80))
    return view


# ---------------------------------------------------------------------------------------------------------------
# Everything the page shows


@dataclass(frozen=True)
class BenefitViews:
    trend: View
    change: View | None  # None when the two chosen years are the same
    change_message: str | None = None
    data: BenefitData | None = None

    def all(self) -> list[View]:
        return [self.trend] + ([self.change] if self.change else [])


def build_views(
    entry: TableEntry, spec: BenefitSpec, *, notes: Sequence[str] = (), data_dir: Path | None = None
) -> BenefitViews:
    options = table_options(entry, data_dir=data_dir)
    data = benefit_data(entry, spec, options=options, data_dir=data_dir)
    trend = trend_view(data, notes=notes)
    start = spec.start if spec.start in options.periods else options.periods[0]
    end = spec.end if spec.end in options.periods else options.latest_period
    if start == end:
        message = f"Choose two different years to see the change: both are {period_label(start)}."
        return BenefitViews(trend, None, message, data)
    return BenefitViews(trend, change_view(data, start, end), None, data)


def briefing_views(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry] | None = None, *, data_dir: Path | None = None
) -> list[View]:
    """The views the page shows for a link's parameters (for rebuilding briefing items). `tables` are the tables
    the user may see; None means every table in the catalogue."""
    if tables is None:
        from leo_dash.catalogue import load_catalogue

        tables = list(load_catalogue(data_dir))
    usable = [e for e in tables if supports(e)]
    if not usable:
        raise LookupError(NO_TABLE_MESSAGE)
    asked = list(params.get("table", ()))
    entry = next((e for e in usable if asked and e.id == asked[-1]), None) or next(
        (e for e in usable if e.demo), usable[0]
    )
    spec, notes = spec_from_params(entry, params, data_dir=data_dir)
    return build_views(entry, spec, notes=notes, data_dir=data_dir).all()

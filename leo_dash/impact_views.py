"""Page logic for "Intervention impact": URL parameters -> disclosure-controlled views of a difference-in-differences.

Pipeline: catalogue entry (roles) -> `query.select` -> `sdc.protect` on the published cells -> `impact.estimate_impact`
-> disclosure control of every group-level figure (`sdc.derived_count`, `sdc.share`, `sdc.protect`, `sdc.guard`) ->
`views.make_view`. Plain functions, no Streamlit, so the briefing pack can rebuild the same views from a link:
`build_impact_views(params)` takes the page's URL parameters.

URL parameters: table, outcome (indicator label), treat_by (what the groups are made of: a filter column, or
subject / characteristic / provider_type / region / provider), treated and comparison (items of that dimension;
providers as "Name (UKPRN)" or a bare UKPRN; comparison may be "All others"), start (e.g. "2020-21"), and one
parameter per other breakdown pinned to one item (subject, yag, characteristic, or the filter column's name).

Disclosure decisions (data standard §4):
- Group bases are sums of published bases: D3 (rounded half-up to the table's count_base, `c` under min_count).
- Group percentages are derived shares: D4 + D9 (`c` when the numerator is under 3 or the base under 6, a derived
  0% or 100% on a base under 10), and `c` whenever the group base is not shown.
- Group earnings are base-weighted averages of published medians: an analytical figure, labelled as such, rounded
  to £100, `c` when the group's earnings base is under 11 (D5) and `x` when fewer than 2 published cells contribute.
- D6: a group figure that leaves out exactly one `c` cell is `c` (value and base), as
  `sdc.aggregate(published_cells_only=True)` decides: with a total published elsewhere, the one hidden cell could
  otherwise be recovered by subtraction.
- A group figure that cannot be shown is withheld everywhere: its year's gap, event-study point and the estimate
  leave out that group-year (its cells are counted as "withheld"), so no shown number recovers it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from leo_dash import charts, paths, query, sdc
from leo_dash.catalogue import load_catalogue
from leo_dash.impact import (
    REASON_MISSING,
    REASON_ZERO_BASE,
    GroupDefinition,
    ImpactResult,
    Placebo,
    estimate_impact,
    period_start_year,
    plain_language_summary,
)
from leo_dash.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, TableEntry, status_column
from leo_dash.periods import period_label, period_value
from leo_dash.views import Column, View, format_number, make_view

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
def _meta_filter_labels(files: tuple[str, ...]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for file in files:
        meta = paths.meta_path(file)
        if not meta.exists():
            continue
        rows = pl.read_csv(meta, infer_schema=False).filter(pl.col("col_type") == "Filter")
        labels.update({str(c): str(label) for c, label in rows.select("col_name", "label").iter_rows() if label})
    return labels


def filter_labels(entry: TableEntry) -> dict[str, str]:
    """Filter column -> its label in the table's EES metadata (e.g. provision -> 'Type of provision')."""
    return dict(_meta_filter_labels(tuple(entry.files)))


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


# --------------------------------------------------------------------------------------------------------------
# Resolving URL parameters
# --------------------------------------------------------------------------------------------------------------
def _values(params: Mapping[str, Sequence[str] | str], key: str) -> list[str] | None:
    if key not in params:
        return None
    raw = params[key]
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def _one(params: Mapping[str, Sequence[str] | str], key: str) -> str | None:
    values = _values(params, key)
    return values[-1] if values else None


def resolve_spec(
    params: Mapping[str, Sequence[str] | str], *, tables: Sequence[TableEntry] | None = None
) -> ImpactSpec:
    """Turn URL parameters into a spec. Missing parameters take the page's defaults; values the table does not
    have raise ImpactInputError with a plain message."""
    candidates = [t for t in (default_tables() if tables is None else tables) if is_eligible(t)]
    if not candidates:
        raise ImpactInputError("No approved table with a time series and a rate or earnings measure is available.")
    by_id = {t.id: t for t in candidates}
    table_id = _one(params, "table")
    if table_id is not None and table_id not in by_id:
        raise ImpactInputError(f"There is no approved table '{table_id}' that this page can show.")
    entry = by_id[table_id] if table_id else default_table(candidates)

    outcomes = {i.label: i for i in outcome_indicators(entry)}
    outcome_label = _one(params, "outcome")
    if outcome_label is not None and outcome_label not in outcomes:
        raise ImpactInputError(f"The table has no outcome '{outcome_label}'.")
    outcome = outcomes[outcome_label] if outcome_label else next(iter(outcomes.values()))

    keys = dimension_keys(entry)
    if not keys:
        raise ImpactInputError("This table has no breakdown from which two groups can be formed.")
    dimension = dimension_for(entry, _one(params, "treat_by") or keys[0])

    context: dict[str, str] = {}
    labels: dict[str, str] = {}
    for control in context_controls(entry, dimension):
        chosen = _one(params, control.key)
        if chosen is not None and chosen not in control.options:
            raise ImpactInputError(f"{control.label} '{chosen}' is not in this table.")
        context[control.key] = chosen or control.default
        labels[control.key] = control.label

    items = group_options(entry, dimension, context)
    default_treated, default_comparison = default_groups(dimension, items)
    treated = _resolve_items(entry, dimension, items, _values(params, "treated"), default_treated, "treated")
    comparison_raw = _values(params, "comparison")
    if comparison_raw is None:
        comparison_raw = default_comparison
    comparison_is_rest = ALL_OTHERS in comparison_raw
    if comparison_is_rest:
        comparison = tuple(i for i in items if i not in treated)
    else:
        comparison = _resolve_items(entry, dimension, items, comparison_raw, [], "comparison")

    periods = table_periods(entry)
    if len(periods) < 2:
        raise ImpactInputError(
            "This table has only one year of data: an estimate needs at least one year before the intervention "
            "and one from its start."
        )
    se = _one(params, "se") or SE_ALL
    se = _SE_OLD_NAMES.get(se, se)
    if se not in SE_OPTIONS:
        raise ImpactInputError(f"Standard errors '{se}' is not an option: choose {' or '.join(SE_OPTIONS)}.")
    start_text = _one(params, "start") or default_start(entry)
    if start_text not in start_options(entry):
        raise ImpactInputError(
            f"The intervention start '{start_text}' must be one of the years after the first year of data "
            f"({period_label(periods[1])} to {period_label(periods[-1])})."
        )
    spec = ImpactSpec(
        entry=entry,
        outcome=outcome,
        dimension=dimension,
        treated=treated,
        comparison=comparison,
        comparison_is_rest=comparison_is_rest,
        start=period_value(start_text),
        context=tuple((key, labels[key], value) for key, value in context.items()),
        sampling_only=se == SE_SAMPLING,
    )
    _validate_groups(spec)
    return spec


def _resolve_items(
    entry: TableEntry,
    dimension: Dimension,
    items: Sequence[str],
    raw: Sequence[str] | None,
    default: Sequence[str],
    which: str,
) -> tuple[str, ...]:
    chosen = list(default if raw is None else raw)
    if dimension.key == "provider":  # a bare UKPRN is accepted too (hand-written briefing specs)
        by_id = {_provider_id(i): i for i in items}
        chosen = [by_id.get(c, c) for c in chosen]
    unknown = [c for c in chosen if c not in items]
    if unknown:
        raise ImpactInputError(
            f"The {which} group asks for {', '.join(repr(u) for u in unknown)}, which is not among the "
            f"{dimension.label.lower()} with figures for this selection."
        )
    return tuple(dict.fromkeys(chosen))


def _provider_id(item: str) -> str:
    match = _PROVIDER_ITEM.search(item)
    return match.group(1) if match else item


def _validate_groups(spec: ImpactSpec) -> None:
    what = spec.dimension.label.lower()
    if not spec.treated:
        raise ImpactInputError(f"Choose at least one item for the treated group ({what}).")
    if not spec.comparison:
        if spec.comparison_is_rest:
            raise ImpactInputError(
                f"There is nothing left to compare with: the treated group holds every item ({what})."
            )
        raise ImpactInputError(f"Choose at least one item for the comparison group ({what}).")
    overlap = [i for i in spec.treated if i in spec.comparison]
    if overlap:
        raise ImpactInputError(
            f"The groups overlap: {', '.join(overlap)} cannot be in both the treated and the comparison group."
        )
    if spec.dimension.key == "characteristic":
        kinds = {i.partition(_CHARACTERISTIC_SEPARATOR)[0] for i in (*spec.treated, *spec.comparison)}
        if len(kinds) > 1:
            raise ImpactInputError(
                "Choose groups of one characteristic (for example Sex: Female against Sex: Male): groups from "
                f"different characteristics ({', '.join(sorted(kinds))}) share people, so they would be counted twice."
            )


# --------------------------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImpactAnalysis:
    """Everything the views are drawn from; every frame here except `cells` is already disclosure-controlled."""

    spec: ImpactSpec
    treated_label: str
    comparison_label: str
    cells: pl.DataFrame  # the published cells used as input (after sdc.protect), withheld cells marked
    result: ImpactResult  # the estimate on shown group figures only
    series: pl.DataFrame  # protected: one row per year, both groups and the gap
    event_study: pl.DataFrame  # protected: one row per year
    excluded: pl.DataFrame  # cells left out, by reason and group
    withheld: dict[tuple[str, int], str] = field(default_factory=dict)  # (group, period) -> symbol shown


def _group_label(spec: ImpactSpec, items: Sequence[str], which: str) -> str:
    names = [_item_name(spec.dimension, i) for i in items]
    if which == "comparison" and spec.comparison_is_rest:
        return f"all other {spec.dimension.plural}"
    if len(names) <= _MAX_NAMED_ITEMS:
        return " + ".join(names)  # names can hold commas and "and" ("Agriculture, food and related studies")
    return f"{len(names)} {'selected' if which == 'treated' else 'comparison'} {spec.dimension.plural}"


def _item_name(dimension: Dimension, item: str) -> str:
    if dimension.key == "provider":
        return _PROVIDER_ITEM.sub("", item).strip() or item
    if dimension.key == "characteristic":
        return item.partition(_CHARACTERISTIC_SEPARATOR)[2] or item
    return item


def _group_where(spec: ImpactSpec, items: Sequence[str]) -> dict[str, list[str]]:
    if spec.dimension.key == "provider":
        return {spec.dimension.columns[0]: [_provider_id(i) for i in items]}
    if spec.dimension.key == "characteristic":
        pairs = [i.partition(_CHARACTERISTIC_SEPARATOR) for i in items]
        return {
            spec.dimension.columns[0]: sorted({p[0] for p in pairs}),
            spec.dimension.columns[1]: [p[2] for p in pairs],
        }
    return {spec.dimension.columns[0]: list(items)}


def _quartile_columns(entry: TableEntry, outcome: Indicator) -> tuple[str | None, str | None]:
    """Published lower/upper quartiles beside a median (LEO names them *_LQ / *_UQ), for the median's error."""
    if outcome.kind != "earnings" or "median" not in f"{outcome.column} {outcome.label}".lower():
        return None, None
    lower = upper = None
    for indicator in entry.visible_indicators("earnings"):
        if indicator.base != outcome.base or indicator.column == outcome.column:
            continue
        text = f"{indicator.column} {indicator.label}".lower()
        if re.search(r"(^|_)lq\b|lower quartile|25th", text):
            lower = indicator.column
        elif re.search(r"(^|_)uq\b|upper quartile|75th", text):
            upper = indicator.column
    return (lower, upper) if lower and upper else (None, None)


def _base_indicator(entry: TableEntry, base: str) -> Indicator:
    try:
        return entry.indicator(base)
    except KeyError:
        return Indicator(column=base, label=base, kind="base")


def _cell_indicators(spec: ImpactSpec) -> list[Indicator]:
    """The outcome, its base and (for a median) its published quartiles."""
    entry, outcome = spec.entry, spec.outcome
    lower, upper = _quartile_columns(entry, outcome)
    return [outcome, _base_indicator(entry, str(outcome.base))] + [entry.indicator(c) for c in (lower, upper) if c]


def select_cells(spec: ImpactSpec) -> pl.DataFrame:
    """The published cells of both groups as the table holds them (published aggregate rows when they break
    down by the dimension, else provider rows), every other breakdown pinned to its chosen item."""
    entry = spec.entry
    time = entry.role("time")
    assert time is not None
    controls = context_controls(entry, spec.dimension)
    context_where = _context_where({k: v for k, _label, v in spec.context}, controls)
    aggregate = _use_aggregate_rows(entry, spec.dimension, context_where)
    where = {**context_where, **_group_where(spec, (*spec.treated, *spec.comparison))}
    indicators = _cell_indicators(spec)
    columns = [time, *_level_columns(entry), *spec.dimension.columns, *(i.column for i in indicators)]
    frame = query.select(entry, where, vary=list(spec.dimension.columns), columns=list(dict.fromkeys(columns)))
    return frame.filter(_level_filter(entry, aggregate))


def _estimate(
    spec: ImpactSpec, cells: pl.DataFrame, treated: GroupDefinition, comparison: GroupDefinition
) -> ImpactResult:
    entry, outcome = spec.entry, spec.outcome
    lower, upper = _quartile_columns(entry, outcome)
    try:
        return estimate_impact(
            cells,
            outcome=outcome.column,
            kind=spec.kind,
            base=str(outcome.base),
            time=str(entry.role("time")),
            treated=treated,
            comparison=comparison,
            intervention_start=spec.start,
            lower_quartile=lower,
            upper_quartile=upper,
            variance="sampling" if spec.sampling_only else "all",
        )
    except ValueError as err:
        raise ImpactInputError(f"No estimate can be made for this selection: {err}.") from err


def analyse(spec: ImpactSpec, *, cells: pl.DataFrame | None = None) -> ImpactAnalysis:
    """Estimate, then withhold every group-year figure disclosure control hides and estimate again without it.

    `cells`: the published cells to use instead of `select_cells(spec)` (e.g. a frame in a notebook); they pass
    through sdc.protect either way (D5: earnings on a small base become `c` before anything is computed)."""
    treated_label = _group_label(spec, spec.treated, "treated")
    comparison_label = _group_label(spec, spec.comparison, "comparison")
    treated = GroupDefinition(treated_label, _group_where(spec, spec.treated))
    comparison = GroupDefinition(comparison_label, _group_where(spec, spec.comparison))
    raw = select_cells(spec) if cells is None else cells
    cells = sdc.protect(raw, _cell_indicators(spec), spec.entry.disclosure)
    first = _estimate(spec, cells, treated, comparison)
    series, withheld = _protect_series(spec, first, _partial_sums_hidden(spec, cells, treated, comparison))
    if withheld:
        cells = _mark_withheld(spec, cells, treated, comparison, withheld)
        result = _estimate(spec, cells, treated, comparison)
    else:
        result = first
    series = _mark_in_estimate(series, result)
    return ImpactAnalysis(
        spec=spec,
        treated_label=treated_label,
        comparison_label=comparison_label,
        cells=cells,
        result=result,
        series=series,
        event_study=_protect_event_study(spec, result, series),
        excluded=_excluded_cells(spec, cells, treated, comparison),
        withheld=withheld,
    )


def _mark_withheld(
    spec: ImpactSpec,
    cells: pl.DataFrame,
    treated: GroupDefinition,
    comparison: GroupDefinition,
    withheld: Mapping[tuple[str, int], str],
) -> pl.DataFrame:
    """Usable cells of a withheld group-year get the WITHHELD reason, so the estimate leaves them out and counts them."""
    time = str(spec.entry.role("time"))
    column, status = spec.outcome.column, status_column(spec.outcome.column)
    hide = pl.lit(False)
    for (group, period), _symbol in withheld.items():
        predicate = treated.predicate() if group == "treated" else comparison.predicate()
        hide = hide | (predicate & (pl.col(time) == period))
    hide = hide & pl.col(status).is_null()
    return cells.with_columns(
        pl.when(hide).then(pl.lit(WITHHELD)).otherwise(pl.col(status)).alias(status),
        pl.when(hide).then(None).otherwise(pl.col(column)).alias(column),
    )


# --------------------------------------------------------------------------------------------------------------
# Disclosure control of group figures
# --------------------------------------------------------------------------------------------------------------
_SERIES_SCHEMA: dict[str, pl.DataType] = {
    "period": pl.Int64(),
    "year": pl.String(),
    "treated_value": pl.Float64(),
    status_column("treated_value"): pl.String(),
    "treated_base": pl.Float64(),
    status_column("treated_base"): pl.String(),
    "treated_cells": pl.Int64(),
    "comparison_value": pl.Float64(),
    status_column("comparison_value"): pl.String(),
    "comparison_base": pl.Float64(),
    status_column("comparison_base"): pl.String(),
    "comparison_cells": pl.Int64(),
    "gap": pl.Float64(),
    status_column("gap"): pl.String(),
    "in_estimate": pl.String(),
}


def _partial_sums_hidden(
    spec: ImpactSpec, cells: pl.DataFrame, treated: GroupDefinition, comparison: GroupDefinition
) -> set[tuple[str, int]]:
    """Group-years whose partial sum sdc.aggregate(published_cells_only=True) refuses: leaving out exactly one `c`
    cell could be undone by subtraction from a total published elsewhere (D6).

    A cell counts as left out when its figure or its base carries a symbol (as in the estimate), so the figure's
    symbol is carried onto the base for this check."""
    time = str(spec.entry.role("time"))
    outcome_status, base = status_column(spec.outcome.column), str(spec.outcome.base)
    base_status = status_column(base)
    group = pl.when(treated.predicate()).then(pl.lit("treated")).when(comparison.predicate()).then(pl.lit("comparison"))
    left_out = pl.col(outcome_status).is_not_null() | pl.col(base_status).is_not_null()
    either_c = (pl.col(outcome_status) == sdc.SUPPRESSED) | (pl.col(base_status) == sdc.SUPPRESSED)
    checked = cells.select(
        group.alias("_group"),
        pl.col(time),
        pl.when(left_out).then(None).otherwise(pl.col(base)).alias(base),
        pl.when(either_c.fill_null(False))
        .then(pl.lit(sdc.SUPPRESSED))
        .otherwise(pl.coalesce(pl.col(outcome_status), pl.col(base_status)))
        .alias(base_status),
    ).filter(pl.col("_group").is_not_null())
    derived = sdc.aggregate(
        checked, ["_group", time], [Indicator(base, base, "base")], spec.entry.disclosure, published_cells_only=True
    )
    return {
        (str(g), int(p))
        for g, p, symbol in derived.select("_group", time, base_status).iter_rows()
        if symbol == sdc.SUPPRESSED
    }


def _protect_group_figures(spec: ImpactSpec, groups: pl.DataFrame, hidden: set[int]) -> pl.DataFrame:
    """Group rows (value = base-weighted mean, base = summed base, n_used) -> shown value, base and their symbols.

    `hidden`: periods whose partial sum sdc.aggregate refuses (D6); their value and base are `c`."""
    profile = spec.entry.disclosure
    values: list[float | None] = []
    value_status: list[str | None] = []
    bases: list[float | None] = []
    base_status: list[str | None] = []
    for period, value, base, n_used in groups.select("period", "value", "base", "n_cells_used").iter_rows():
        if period in hidden:
            values.append(None)
            value_status.append(sdc.SUPPRESSED)
            bases.append(None)
            base_status.append(sdc.SUPPRESSED)
            continue
        shown_base, symbol = sdc.derived_count(base if n_used else None, profile)  # D3
        bases.append(shown_base)
        base_status.append(symbol)
        if value is None or not n_used:
            values.append(None)
            value_status.append(sdc.NOT_AVAILABLE)
        elif spec.kind == "rate":
            share, share_status = sdc.share(value / 100.0 * base, base, profile)  # D4 + D9
            if symbol is not None:  # a share whose base is hidden cannot be checked, so it is hidden too
                share, share_status = None, share_status or sdc.SUPPRESSED
            values.append(share)
            value_status.append(share_status)
        else:
            # Fewer than 2 published cells: not an average of medians (D5 spirit; see the footnote).
            values.append(value if n_used >= 2 else None)
            value_status.append(None if n_used >= 2 else sdc.NOT_AVAILABLE)
    frame = pl.DataFrame(
        {
            "value": values,
            status_column("value"): value_status,
            "base": bases,
            status_column("base"): base_status,
        },
        schema={
            "value": pl.Float64,
            status_column("value"): pl.String,
            "base": pl.Float64,
            status_column("base"): pl.String,
        },
    )
    value_indicator = Indicator("value", spec.outcome.label, spec.kind, spec.outcome.unit, base="base")
    base_indicator = Indicator("base", "base", "base")
    if spec.kind == "earnings":
        # D5 on the shown base: `c` under earnings_min_base or where the base is hidden; rounded to £100.
        frame = sdc.protect(frame, [value_indicator, base_indicator], profile)
        sdc.guard(frame, [value_indicator], profile, derived=False)
        sdc.guard(frame.select("base", status_column("base")), [base_indicator], profile, derived=True)
    else:
        sdc.guard(frame, [value_indicator, base_indicator], profile, derived=True)
    return frame


def _protect_series(
    spec: ImpactSpec, result: ImpactResult, hidden: set[tuple[str, int]]
) -> tuple[pl.DataFrame, dict[tuple[str, int], str]]:
    """One row per year: each group's shown figure, base and cell count, and the gap where both are shown."""
    series = result.series
    periods = sorted(set(series.filter(pl.col("group") != "gap")["period"].to_list()))
    step = _display_step(spec)
    shown: dict[str, pl.DataFrame] = {}
    raw: dict[str, dict[int, dict[str, object]]] = {}
    for group in ("treated", "comparison"):
        rows = (
            pl.DataFrame({"period": periods}, schema={"period": pl.Int64})
            .join(series.filter(pl.col("group") == group), on="period", how="left")
            .with_columns(pl.col("n_cells_used").fill_null(0), pl.col("n_cells_excluded").fill_null(0))
        )
        shown[group] = pl.concat(
            [
                rows.select("period", "n_cells_used"),
                _protect_group_figures(spec, rows, {p for g, p in hidden if g == group}),
            ],
            how="horizontal",
        )
        raw[group] = {r["period"]: r for r in rows.iter_rows(named=True)}
    withheld: dict[tuple[str, int], str] = {}
    records: list[dict[str, object]] = []
    for index, period in enumerate(periods):
        record: dict[str, object] = {"period": period, "year": period_label(period)}
        for group in ("treated", "comparison"):
            row = shown[group].row(index, named=True)
            record[f"{group}_value"] = row["value"]
            record[status_column(f"{group}_value")] = row[status_column("value")]
            record[f"{group}_base"] = row["base"]
            record[status_column(f"{group}_base")] = row[status_column("base")]
            record[f"{group}_cells"] = row["n_cells_used"]
            if row[status_column("value")] is not None and row["n_cells_used"]:
                withheld[(group, period)] = str(row[status_column("value")])
        statuses = [record[status_column("treated_value")], record[status_column("comparison_value")]]
        if all(s is None for s in statuses):
            gap = float(raw["treated"][period]["value"]) - float(raw["comparison"][period]["value"])  # type: ignore[arg-type]
            record["gap"] = sdc.round_half_up(gap, step)
            record[status_column("gap")] = None
        else:
            record["gap"] = None
            record[status_column("gap")] = sdc.SUPPRESSED if sdc.SUPPRESSED in statuses else sdc.NOT_AVAILABLE
        record["in_estimate"] = ""
        records.append(record)
    frame = (
        pl.DataFrame(records, schema=_SERIES_SCHEMA, orient="row") if records else pl.DataFrame(schema=_SERIES_SCHEMA)
    )
    return frame, withheld


def _mark_in_estimate(series: pl.DataFrame, result: ImpactResult) -> pl.DataFrame:
    pre, post = set(result.pre_periods), set(result.post_periods)
    return series.with_columns(
        pl.when(pl.col("period").is_in(list(pre)))
        .then(pl.lit("Yes, before"))
        .when(pl.col("period").is_in(list(post)))
        .then(pl.lit("Yes, from the start"))
        .otherwise(pl.lit("No"))
        .alias("in_estimate")
    )


def _display_step(spec: ImpactSpec) -> float:
    """Rounding of shown differences: the rate's dp (percentage points) or the earnings base (£100)."""
    profile = spec.entry.disclosure
    return 10.0**-profile.rate_dp if spec.kind == "rate" else float(profile.earnings_base)


def _round(value: float | None, step: float) -> float | None:
    return None if value is None else sdc.round_half_up(value, step)


_EVENT_SCHEMA: dict[str, pl.DataType] = {
    "period": pl.Int64(),
    "year": pl.String(),
    "relative_period": pl.Int64(),
    "years_from_start": pl.String(),
    "change": pl.Float64(),
    status_column("change"): pl.String(),
    "ci_low": pl.Float64(),
    status_column("ci_low"): pl.String(),
    "ci_high": pl.Float64(),
    status_column("ci_high"): pl.String(),
}


def _protect_event_study(spec: ImpactSpec, result: ImpactResult, series: pl.DataFrame) -> pl.DataFrame:
    """Every year of the series: the change in the gap since the reference year with its interval, or a symbol.

    The estimate ran on shown group figures only, so each point rests on gaps that are shown; the reference year
    is 0 by construction and its interval is 'z' (not applicable)."""
    step = _display_step(spec)
    start_year = period_start_year(spec.start)
    estimated = {r["period"]: r for r in result.event_study.iter_rows(named=True)}
    gap_status = dict(zip(series["period"].to_list(), series[status_column("gap")].to_list(), strict=True))
    records: list[dict[str, object]] = []
    for period in series["period"].to_list():
        relative = period_start_year(period) - start_year
        row = estimated.get(period)
        record: dict[str, object] = {"period": period, "year": period_label(period), "relative_period": relative}
        if row is None:
            symbol = gap_status.get(period) or sdc.NOT_AVAILABLE
            record.update({"years_from_start": f"{relative:+d}" if relative else "0"})
            for column in ("change", "ci_low", "ci_high"):
                record[column], record[status_column(column)] = None, symbol
        elif row["is_reference"]:
            record.update(
                {
                    "years_from_start": f"{relative:+d} (reference)",
                    "change": 0.0,
                    status_column("change"): None,
                    "ci_low": None,
                    status_column("ci_low"): "z",
                    "ci_high": None,
                    status_column("ci_high"): "z",
                }
            )
        else:
            record["years_from_start"] = f"{relative:+d}" if relative else "0"
            for column, source in (("change", "gap_diff"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
                record[column] = _round(row[source], step)
                record[status_column(column)] = None
        records.append(record)
    return pl.DataFrame(records, schema=_EVENT_SCHEMA, orient="row") if records else pl.DataFrame(schema=_EVENT_SCHEMA)


def _excluded_cells(
    spec: ImpactSpec, cells: pl.DataFrame, treated: GroupDefinition, comparison: GroupDefinition
) -> pl.DataFrame:
    """Cells left out, by reason (the outcome's symbol first, then the base's) and group.

    After sdc.protect every empty cell carries a symbol, so the reasons are the symbols plus zero bases (and
    WITHHELD); the totals equal the estimate's excluded_by_symbol."""
    outcome, base = spec.outcome.column, str(spec.outcome.base)
    reason = (
        pl.when(pl.col(status_column(outcome)).is_not_null())
        .then(pl.col(status_column(outcome)))
        .when(pl.col(status_column(base)).is_not_null())
        .then(pl.col(status_column(base)))
        .when(pl.col(outcome).is_null() | pl.col(base).is_null())
        .then(pl.lit(REASON_MISSING))
        .when(pl.col(base) <= 0)
        .then(pl.lit(REASON_ZERO_BASE))
    )
    tagged = cells.select(
        reason.alias("symbol"),
        treated.predicate().alias("in_treated"),
        comparison.predicate().alias("in_comparison"),
    ).filter(pl.col("symbol").is_not_null() & (pl.col("in_treated") | pl.col("in_comparison")))
    counts = (
        tagged.group_by("symbol")
        .agg(
            pl.col("in_treated").sum().cast(pl.Float64).alias("treated"),
            pl.col("in_comparison").sum().cast(pl.Float64).alias("comparison"),
        )
        .with_columns((pl.col("treated") + pl.col("comparison")).alias("total"))
        .sort(["total", "symbol"], descending=[True, False])
    )
    return counts.with_columns(
        pl.col("symbol")
        .replace_strict(_reason_labels(counts["symbol"].to_list()), return_dtype=pl.String)
        .alias("reason")
    ).select("reason", "symbol", "treated", "comparison", "total")


def _reason_labels(symbols: Iterable[str]) -> dict[str, str]:
    """Symbol -> a label for the table: 'Suppressed to protect confidentiality', 'Not available', ..."""
    labels: dict[str, str] = {}
    for symbol in symbols:
        meaning = _REASON_LABELS.get(symbol) or SYMBOL_MEANINGS.get(symbol) or SYMBOL_LABELS.get(symbol, symbol)
        labels[symbol] = meaning[:1].upper() + meaning[1:]
    return labels


# --------------------------------------------------------------------------------------------------------------
# Wording
# --------------------------------------------------------------------------------------------------------------
def outcome_phrase(spec: ImpactSpec) -> str:
    """The outcome for use inside a sentence: 'sustained out-of-work benefits'; earnings as an average of medians."""
    label = re.sub(r"\s*\((%|£|pp)\)\s*$", "", spec.outcome.label).strip()
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]
    return f"the average of published {label}" if spec.kind == "earnings" else label


def format_effect(value: float | None, kind: Literal["rate", "earnings"], *, short: bool = False) -> str:
    """A signed change as shown on the page: '+1.2 percentage points' ('+1.2 pp' when short) or '-£400'
    (half-up, D8)."""
    if value is None:
        return "Not available"
    if kind == "rate":
        shown = sdc.round_half_up(value, 0.1)
        text = format_number(shown, "", 1) + (" pp" if short else " percentage points")
        return ("+" if shown > 0 else "") + text
    shown = sdc.round_half_up(value, 100)
    return ("+" if shown > 0 else "") + format_number(shown, "£", 0)


def format_interval(
    low: float | None, high: float | None, kind: Literal["rate", "earnings"], *, short: bool = False
) -> str:
    """'1.1 to 1.3 percentage points' ('1.1 to 1.3 pp' when short) or '-£300 to £1,100'."""
    if low is None or high is None:
        return "Not available"
    if kind == "rate":
        unit = "pp" if short else "percentage points"
        return f"{format_number(low, '', 1)} to {format_number(high, '', 1)} {unit}"
    return (
        f"{format_number(sdc.round_half_up(low, 100), '£', 0)} to {format_number(sdc.round_half_up(high, 100), '£', 0)}"
    )


def _interval_text(spec: ImpactSpec, low: float, high: float) -> str:
    """'0.4 to 0.6 percentage points' or '-£300 to £500' from already rounded bounds."""
    if spec.kind == "rate":
        dp = spec.entry.disclosure.rate_dp
        return f"{format_number(low, '', dp)} to {format_number(high, '', dp)} percentage points"
    return f"{format_number(low, '£', 0)} to {format_number(high, '£', 0)}"


def _gap_text(spec: ImpactSpec, value: float | None) -> str:
    """An average gap, rounded like the shown gaps (it rests only on shown group figures)."""
    return "Not available" if value is None else _difference_text(spec, sdc.round_half_up(value, _display_step(spec)))


def _value_text(spec: ImpactSpec, value: float) -> str:
    if spec.kind == "rate":
        return format_number(value, "%", spec.entry.disclosure.rate_dp)
    return format_number(value, "£", 0)


def _difference_text(spec: ImpactSpec, value: float) -> str:
    if spec.kind == "rate":
        return format_number(value, "pp", spec.entry.disclosure.rate_dp)
    return format_number(value, "£", 0)


def _context_text(spec: ImpactSpec) -> str:
    parts = [f"{label.lower()}: {value}" for _key, label, value in spec.context]
    return f" ({'; '.join(parts)})" if parts else ""


def _years_text(spec: ImpactSpec, series: pl.DataFrame) -> str:
    if series.is_empty():
        return ""
    years = series["year"].to_list()
    label = spec.entry.time_label.lower()
    plural = label + ("s" if not label.endswith("s") else "")
    return f", {plural} {years[0]} to {years[-1]}" if len(years) > 1 else f", {label} {years[0]}"


def _filters(spec: ImpactSpec, analysis_labels: tuple[str, str]) -> list[tuple[str, str]]:
    filters = [
        ("Outcome", spec.outcome.label),
        ("Groups formed by", spec.dimension.label),
        ("Treated group", "; ".join(_item_name(spec.dimension, i) for i in spec.treated)),
        (
            "Comparison group",
            analysis_labels[1]
            if spec.comparison_is_rest
            else "; ".join(_item_name(spec.dimension, i) for i in spec.comparison),
        ),
        ("Intervention started", period_label(spec.start)),
    ]
    filters += [(label, value) for _key, label, value in spec.context]
    return filters


def _disclosure_footnotes(spec: ImpactSpec) -> list[str]:
    profile = spec.entry.disclosure
    base_label = _base_indicator(spec.entry, str(spec.outcome.base)).label.lower()
    notes = [
        f"Each group's figure for a year combines its published cells, weighted by {base_label}; suppressed or "
        "unavailable cells are left out and never estimated. Group bases are sums of published bases, rounded to "
        f"the nearest {profile.count_base} and shown as c below {profile.min_count}.",
    ]
    if spec.kind == "rate":
        notes.append(
            f"Group percentages are derived shares shown to {profile.rate_dp} decimal place: c where the estimated "
            f"numerator is under {profile.share_min_numerator}, the base under {profile.share_min_denominator}, "
            f"or a 0% or 100% rests on a base under {profile.class_disclosure_base}."
        )
    else:
        notes.append(
            "Group earnings are the average of published medians (analytical, not a published median): the "
            f"cells' published medians weighted by {base_label}. Rounded to the nearest £{profile.earnings_base}; "
            f"c where the group's base is under {profile.earnings_min_base}; x where fewer than 2 published cells "
            "contribute, because a single cell's figure is its published median, not an average (data standard "
            "D5: earnings are published medians, never derived figures presented as medians)."
        )
    notes.append(
        "A group's figure (and base) for a year is c where exactly one of its cells is suppressed, so the hidden "
        "cell cannot be found by subtraction from a total published elsewhere. Where a group's figure for a year "
        "cannot be shown, that year's gap, its event-study point and the estimate leave that group-year out, so "
        "no figure shown can reveal it."
    )
    return notes


# --------------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------------
def build_impact_views(
    params: Mapping[str, Sequence[str]], *, tables: Sequence[TableEntry] | None = None
) -> list[View]:
    """The page's views for its URL parameters: estimate, series and gap, event study, excluded cells.

    `tables`: the tables the user may see (default: public tables). Raises ImpactInputError (a ValueError) with
    a plain message when the choices cannot give an estimate."""
    analysis = analyse(resolve_spec(params, tables=tables))
    return impact_views(analysis)


def impact_views(analysis: ImpactAnalysis) -> list[View]:
    return [
        _estimate_view(analysis),
        _series_view(analysis),
        _event_study_view(analysis),
        _excluded_view(analysis),
    ]


def _withheld_notes(analysis: ImpactAnalysis) -> list[str]:
    """Say which group-years were withheld and why, so 'no usable cells' is not read as 'no data'."""
    if not analysis.withheld:
        return []
    labels = {"treated": analysis.treated_label, "comparison": analysis.comparison_label}
    listed = "; ".join(
        f"{labels[group]} in {period_label(period)}"
        for group, period in sorted(analysis.withheld, key=lambda k: (k[1], k[0]))
    )
    why = (
        "an average of published medians needs at least 2 published cells and a group's earnings base must be at "
        f"least {analysis.spec.entry.disclosure.earnings_min_base}; no group may leave out exactly one suppressed cell"
        if analysis.spec.kind == "earnings"
        else "its base or its share would disclose small numbers, or it would leave out exactly one suppressed cell"
    )
    return [
        f"Not shown and left out of the estimate: {listed} ({why}). Their cells are counted as withheld in the "
        "cells table."
    ]


def _placebo_text(spec: ImpactSpec, placebo: Placebo) -> str:
    """The placebo estimate in words: what it found and whether that is a warning."""
    found = (
        "a clear change where there should be none: treat the real estimate with caution"
        if placebo.is_clear
        else "no clear change, as expected"
    )
    text = (
        f"Starting in {period_label(placebo.start)} instead: {format_effect(placebo.estimate, spec.kind)} "
        f"({format_interval(placebo.ci_low, placebo.ci_high, spec.kind)}), {found}."
    )
    if placebo.sampling_only:
        text += " Its interval allows for sampling only (too few cells and years for more), so it is too narrow."
    return text


def _estimate_view(analysis: ImpactAnalysis) -> View:
    spec, result = analysis.spec, analysis.result
    start = period_label(spec.start)
    trend = result.pre_trend
    trend_state = "not run" if trend.p_value is None else "flagged" if trend.flagged else "not flagged"
    rows = [
        ("estimate", "Difference-in-differences estimate", format_effect(result.estimate, spec.kind)),
        (
            "interval",
            f"{result.confidence * 100:g}% confidence interval",
            format_interval(result.ci_low, result.ci_high, spec.kind),
        ),
        (
            "se",
            "Standard error",
            "Not available"
            if result.standard_error is None
            else (
                f"{format_number(result.standard_error, '', 2)} percentage points"
                if spec.kind == "rate"
                else format_number(result.standard_error, "£", 0)
            ),
        ),
        ("pre_gap", f"Average gap before {start} ({len(result.pre_periods)} years)", _gap_text(spec, result.pre_gap)),
        ("post_gap", f"Average gap from {start} ({len(result.post_periods)} years)", _gap_text(spec, result.post_gap)),
        ("pre_trend", f"Pre-trend test ({trend_state})", trend.note),
        ("excluded", "Cells left out (suppressed, unavailable or withheld)", f"{result.excluded_cells:,}"),
    ]
    if result.interval_note:
        rows.append(("interval_basis", "What the interval allows for", result.interval_note))
    if result.placebo is not None:
        rows.append(("placebo", "Placebo: fake start, before years only", _placebo_text(spec, result.placebo)))
    if result.cells_used != (0, 0):
        treated_cells, comparison_cells = result.cells_used
        rows.append(
            (
                "cells",
                "Cells in the estimate",
                f"{treated_cells:,} treated and {comparison_cells:,} comparison cells, each followed over the years",
            )
        )
    if result.unavailable_reason:
        rows.append(
            (
                "reason",
                "Why there is no estimate",
                result.unavailable_reason[:1].upper() + result.unavailable_reason[1:],
            )
        )
    frame = pl.DataFrame(rows, schema={"key": pl.String, "item": pl.String, "shown": pl.String}, orient="row")
    title = (
        f"Difference-in-differences estimate of the change in {outcome_phrase(spec)} for {analysis.treated_label} "
        f"relative to {analysis.comparison_label} from {start}"
    )
    footnotes = [CAVEAT_PREFIX + c for c in result.caveats]
    footnotes.append(METHOD_PREFIX + result.method_note)
    footnotes += _disclosure_footnotes(spec)
    return make_view(
        key=VIEW_ESTIMATE,
        entry=spec.entry,
        title=title,
        frame=frame,
        columns=(Column("item", "Measure"), Column("shown", "Result")),
        summary=plain_language_summary(result, outcome_phrase(spec)),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        notes=(*_withheld_notes(analysis), *result.notes),
        extra_footnotes=footnotes,
    )


def _series_columns(analysis: ImpactAnalysis) -> tuple[Column, ...]:
    spec = analysis.spec
    profile = spec.entry.disclosure
    base_label = _base_indicator(spec.entry, str(spec.outcome.base)).label
    if spec.kind == "rate":
        value_label, unit, dp = re.sub(r"\s*\(%\)\s*$", "", spec.outcome.label), "%", profile.rate_dp
        gap_unit = "pp"
    else:
        value_label, unit, dp = "Average of published medians (analytical, not a published median)", "£", 0
        gap_unit = "£"
    columns = [Column("year", spec.entry.time_label)]
    for group, label in (("treated", analysis.treated_label), ("comparison", analysis.comparison_label)):
        columns += [
            Column(f"{group}_value", f"{label}: {value_label}", "value", unit, dp),
            Column(f"{group}_base", f"{label}: {base_label}", "value", "", 0),
            Column(f"{group}_cells", f"{label}: published cells", "value", "", 0),
        ]
    columns += [
        Column("gap", f"Gap ({analysis.treated_label} minus {analysis.comparison_label})", "value", gap_unit, dp),
        Column("in_estimate", "Used in the estimate"),
    ]
    return tuple(columns)


def _latest_shown(series: pl.DataFrame) -> dict[str, object] | None:
    shown = series.filter(
        pl.col(status_column("treated_value")).is_null()
        & pl.col(status_column("comparison_value")).is_null()
        & pl.col(status_column("gap")).is_null()
    )
    return shown.row(-1, named=True) if shown.height else None


def _series_summary(analysis: ImpactAnalysis) -> str:
    spec, series = analysis.spec, analysis.series
    latest = _latest_shown(series)
    if latest is None:
        return "No year has figures that can be shown for both groups, so the gap cannot be shown."
    subject = outcome_phrase(spec)
    qualifier = "" if latest["period"] == series["period"].max() else " (the latest year with both figures shown)"
    return (
        f"In {latest['year']}{qualifier}, the figure for {subject} was {_value_text(spec, float(latest['treated_value']))} for "  # type: ignore[arg-type]
        f"{analysis.treated_label} and {_value_text(spec, float(latest['comparison_value']))} for "  # type: ignore[arg-type]
        f"{analysis.comparison_label}, a gap of {_difference_text(spec, float(latest['gap']))}."  # type: ignore[arg-type]
    )


def _start_position(periods: Sequence[int], start: int) -> float:
    """x position of the intervention line on a category axis: between the last year before and the start."""
    return sum(1 for p in periods if p < start) - 0.5


def _series_figure(analysis: ImpactAnalysis) -> Callable[[pl.DataFrame], go.Figure]:
    spec = analysis.spec
    unit = "%" if spec.kind == "rate" else "£"
    gap_unit = "pp" if spec.kind == "rate" else "£"

    def build(frame: pl.DataFrame) -> go.Figure:
        years = frame["year"].to_list()
        figure = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.12,
            row_heights=[0.62, 0.38],
            subplot_titles=("", charts.plain_text(f"Gap ({analysis.treated_label} minus {analysis.comparison_label})")),
        )
        for index, (group, label) in enumerate(
            (("treated", analysis.treated_label), ("comparison", analysis.comparison_label))
        ):
            figure.add_trace(
                go.Scatter(
                    x=years,
                    y=frame[f"{group}_value"].to_list(),
                    name=charts.plain_text(label),
                    mode="lines+markers",
                    line={"color": charts.colour(index), "width": 3},
                    marker={"size": 8},
                    hovertemplate="%{x}: %{y}<extra>" + charts.plain_text(label) + "</extra>",
                ),
                row=1,
                col=1,
            )
        figure.add_trace(
            go.Scatter(
                x=years,
                y=frame["gap"].to_list(),
                name="Gap",
                mode="lines+markers",
                line={"color": charts.DARK_PINK, "width": 3, "dash": "dot"},
                marker={"size": 8},
                hovertemplate="%{x}: %{y}<extra>Gap</extra>",
            ),
            row=2,
            col=1,
        )
        position = _start_position(frame["period"].to_list(), spec.start)
        for row in (1, 2):
            figure.add_vline(x=position, line={"color": charts.DARK_GREY, "dash": "dash", "width": 1}, row=row, col=1)
        figure.add_annotation(
            x=position,
            y=1.0,
            xref="x",
            yref="y domain",
            text=f"Intervention starts {period_label(spec.start)}",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=4,
            font={"size": 12, "color": charts.DARK_GREY},
        )
        figure.update_yaxes(**charts.axis_format(unit), row=1, col=1)
        figure.update_yaxes(**charts.axis_format(gap_unit), row=2, col=1)
        figure.update_xaxes(type="category")
        figure.update_layout(height=620)
        return figure

    return build


def _series_view(analysis: ImpactAnalysis) -> View:
    spec = analysis.spec
    if spec.kind == "rate":
        what = spec.outcome.label
    else:
        what = f"{spec.outcome.label}, average of published medians (analytical, not a published median)"
    title = (
        f"{what}: {analysis.treated_label} and {analysis.comparison_label}, and the gap between them"
        f"{_context_text(spec)}{_years_text(spec, analysis.series)}"
    )
    view = make_view(
        key=VIEW_SERIES,
        entry=spec.entry,
        title=title,
        frame=analysis.series,
        columns=_series_columns(analysis),
        summary=_series_summary(analysis),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        build_figure=_series_figure(analysis),
        notes=analysis.result.notes,
        extra_footnotes=_disclosure_footnotes(spec),
    )
    return _room_for_title(view, legend=True)


def _room_for_title(view: View, *, legend: bool) -> View:
    """Long titles wrap: pin the title to the top and grow the top margin so it never runs into the legend; the
    figure grows with it."""
    if view.figure is None:
        return view
    title = view.figure.layout.title.text or ""
    lines = title.count("<br>") + 1
    view.figure.update_layout(
        title=charts.title_at_top(view.figure.layout.title.text),
        margin={"t": 24 + 24 * lines + (34 if legend else 12)},
    )
    charts.keep_plot_area(view.figure)  # the title and the notes under the chart do not squeeze the plot
    return view


def _event_study_summary(analysis: ImpactAnalysis) -> str:
    spec, frame, result = analysis.spec, analysis.event_study, analysis.result
    reference = frame.filter(pl.col(status_column("ci_low")) == "z")
    if reference.is_empty():
        reason = result.unavailable_reason or "there is no year before the intervention with both groups shown"
        return f"The event study cannot be drawn: {reason}."
    ref_year = reference["year"][0]
    post = frame.filter((pl.col("period") >= spec.start) & pl.col(status_column("change")).is_null())
    if post.is_empty():
        return (
            f"No year from {period_label(spec.start)} has both groups shown, so there is no change to compare with "
            f"{ref_year}."
        )
    last = post.row(-1, named=True)
    change = float(last["change"])
    direction = "higher" if change > 0 else "lower" if change < 0 else "no different"
    amount = _difference_text(spec, abs(change))
    interval = _interval_text(spec, float(last["ci_low"]), float(last["ci_high"]))
    size = f"{amount} {direction}" if change else direction
    return (
        f"In {last['year']} the gap ({analysis.treated_label} minus {analysis.comparison_label}) was {size} than in "
        f"{ref_year}, the last year before the intervention ({result.confidence * 100:g}% CI {interval}); points "
        "before the intervention show whether the gap was already moving."
    )


def _event_study_figure(analysis: ImpactAnalysis) -> Callable[[pl.DataFrame], go.Figure]:
    spec = analysis.spec
    gap_unit = "pp" if spec.kind == "rate" else "£"

    def build(frame: pl.DataFrame) -> go.Figure:
        relative = frame["relative_period"].to_list()
        change = frame["change"].to_list()
        low, high = frame["ci_low"].to_list(), frame["ci_high"].to_list()
        above = [None if h is None or c is None else h - c for c, h in zip(change, high, strict=True)]
        below = [None if lo is None or c is None else c - lo for c, lo in zip(change, low, strict=True)]
        reference = [s == "z" for s in frame[status_column("ci_low")].to_list()]
        figure = go.Figure(
            go.Scatter(
                x=relative,
                y=change,
                mode="markers",
                name="Change in the gap",
                marker={
                    "size": 11,
                    "color": charts.DARK_BLUE,
                    "symbol": ["circle-open" if r else "circle" for r in reference],
                    "line": {"width": 2, "color": charts.DARK_BLUE},
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": above,
                    "arrayminus": below,
                    "color": charts.DARK_BLUE,
                    "thickness": 2,
                    "width": 6,
                },
                customdata=frame["year"].to_list(),
                hovertemplate="%{customdata}: %{y}<extra></extra>",
            )
        )
        figure.add_hline(y=0, line={"color": charts.REFERENCE, "width": 1})
        figure.add_vline(x=-0.5, line={"color": charts.DARK_GREY, "dash": "dash", "width": 1})
        figure.add_annotation(
            x=-0.5,
            y=1.0,
            yref="paper",
            text=f"Intervention starts {period_label(spec.start)}",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=4,
            font={"size": 12, "color": charts.DARK_GREY},
        )
        ticks = [f"{r:+d}<br>{y}" if r else f"0<br>{y}" for r, y in zip(relative, frame["year"].to_list(), strict=True)]
        figure.update_xaxes(
            tickmode="array",
            tickvals=relative,
            ticktext=ticks,
            zeroline=False,
        )
        figure.update_yaxes(**charts.axis_format(gap_unit), title_text="Change in the gap since the reference year")
        figure.update_layout(showlegend=False, height=520)
        return figure

    return build


def _event_study_view(analysis: ImpactAnalysis) -> View:
    spec = analysis.spec
    unit = "pp" if spec.kind == "rate" else "£"
    dp = spec.entry.disclosure.rate_dp if spec.kind == "rate" else 0
    reference = analysis.event_study.filter(pl.col(status_column("ci_low")) == "z")
    ref_year = reference["year"][0] if reference.height else "the last year before the intervention"
    level = f"{analysis.result.confidence * 100:g}%"
    title = (
        f"Event study: change in the gap in {outcome_phrase(spec)} ({analysis.treated_label} minus "
        f"{analysis.comparison_label}) compared with {ref_year}, with {level} confidence intervals"
    )
    columns = (
        Column("year", spec.entry.time_label),
        Column("years_from_start", "Years from the start"),
        Column("change", f"Change in the gap since {ref_year}", "value", unit, dp),
        Column("ci_low", f"{level} CI from", "value", unit, dp),
        Column("ci_high", f"{level} CI to", "value", unit, dp),
    )
    notes = (
        [
            f"The reference year ({ref_year}) is 0 by construction, so it has no interval ('z', not applicable). "
            f"Bars show {level} confidence intervals from sampling and rounding error only."
        ]
        if reference.height
        else []
    )
    view = make_view(
        key=VIEW_EVENT_STUDY,
        entry=spec.entry,
        title=title,
        frame=analysis.event_study,
        columns=columns,
        summary=_event_study_summary(analysis),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        build_figure=_event_study_figure(analysis),
        notes=notes,
        extra_footnotes=[
            analysis.result.pre_trend.note,
            *(
                ["Placebo (fake start, before years only): " + _placebo_text(spec, analysis.result.placebo)]
                if analysis.result.placebo is not None
                else []
            ),
            *_disclosure_footnotes(spec),
        ],
    )
    return _room_for_title(view, legend=False)


def _cells_used(analysis: ImpactAnalysis) -> dict[str, int]:
    """Published cells behind the estimate, by group (withheld cells are not among them)."""
    series = analysis.result.series
    return {
        group: int(series.filter(pl.col("group") == group)["n_cells_used"].sum()) for group in ("treated", "comparison")
    }


def _excluded_summary(analysis: ImpactAnalysis) -> str:
    excluded = analysis.excluded
    used = sum(_cells_used(analysis).values())
    total = int(excluded["total"].sum()) if excluded.height else 0
    if not total:
        return f"No cells were left out: all {used:,} cells of the two groups were published and used."
    parts = [f"{int(n):,} {label_symbol(s)}" for s, n in excluded.select("symbol", "total").iter_rows()]
    verb = "was" if total == 1 else "were"
    return (
        f"{total:,} of {total + used:,} cells in the two groups {verb} left out ({'; '.join(parts)}); none "
        f"{verb} estimated."
    )


def label_symbol(symbol: str) -> str:
    """A reason for leaving a cell out, for a sentence: "suppressed to protect confidentiality ('c')"."""
    if symbol in SYMBOL_LABELS:
        return f"{SYMBOL_MEANINGS.get(symbol, SYMBOL_LABELS[symbol])} ('{symbol}')"
    other = {
        WITHHELD: "withheld with their group's figure",
        REASON_MISSING: "missing",
        REASON_ZERO_BASE: "with a base of 0",
    }
    return other.get(symbol, symbol)


def _excluded_view(analysis: ImpactAnalysis) -> View:
    spec = analysis.spec
    used = _cells_used(analysis)
    used_row = pl.DataFrame(
        {
            "reason": ["Used in the estimate"],
            "symbol": [""],
            "treated": [float(used["treated"])],
            "comparison": [float(used["comparison"])],
            "total": [float(used["treated"] + used["comparison"])],
        }
    )
    frame = pl.concat([analysis.excluded, used_row], how="vertical_relaxed")
    columns = (
        Column("reason", "Cells"),
        Column("symbol", "Symbol"),
        Column("treated", analysis.treated_label, "value", "", 0),
        Column("comparison", analysis.comparison_label, "value", "", 0),
        Column("total", "Both groups", "value", "", 0),
    )
    return make_view(
        key=VIEW_EXCLUDED,
        entry=spec.entry,
        title=(
            f"Number of cells left out of the estimate, by reason, and used: {analysis.treated_label} and "
            f"{analysis.comparison_label}{_years_text(spec, analysis.series)}"
        ),
        frame=frame,
        columns=columns,
        summary=_excluded_summary(analysis),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        extra_footnotes=[
            "Counts are of table cells (one provider, group or breakdown in one year), not of people. A cell is left "
            "out when its figure or its base carries a symbol; the figure's own symbol is counted first. Cells left "
            "out are never estimated."
        ],
    )


# --------------------------------------------------------------------------------------------------------------
# Reading the views back (for the page's headline)
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Headline:
    """What the page shows above the views, read from the estimate view so page and briefing agree."""

    estimate: str  # '+1.2 percentage points', as in the estimate view's table
    interval: str
    interval_label: str
    estimate_short: str  # '+1.2 pp': fits a metric card
    interval_short: str
    interval_basis: str  # what the interval allows for, in plain words ('' when there is no estimate)
    pre_trend: str
    pre_trend_flagged: bool
    pre_trend_run: bool
    available: bool
    caveats: tuple[str, ...]
    method: str
    summary: str


def view_by_key(views: Sequence[View], key: str) -> View:
    for view in views:
        if view.key == key:
            return view
    raise KeyError(key)


def _shorten(text: str) -> str:
    return text.replace(" percentage points", " pp")


def headline(views: Sequence[View]) -> Headline:
    view = view_by_key(views, VIEW_ESTIMATE)
    rows = {k: (item, shown) for k, item, shown in view.frame.select("key", "item", "shown").iter_rows()}
    trend_item, trend = rows["pre_trend"]
    return Headline(
        estimate=rows["estimate"][1],
        interval=rows["interval"][1],
        interval_label=rows["interval"][0],
        estimate_short=_shorten(rows["estimate"][1]),
        interval_short=_shorten(rows["interval"][1]),
        interval_basis=rows.get("interval_basis", ("", ""))[1],
        pre_trend=trend,
        pre_trend_flagged=trend_item.endswith("(flagged)"),
        pre_trend_run=not trend_item.endswith("(not run)"),
        available=rows["estimate"][1] != "Not available",
        caveats=tuple(f.removeprefix(CAVEAT_PREFIX) for f in view.footnotes if f.startswith(CAVEAT_PREFIX)),
        method=next((f.removeprefix(METHOD_PREFIX) for f in view.footnotes if f.startswith(METHOD_PREFIX)), ""),
        summary=view.summary,
    )


__all__ = [
    "ALL_OTHERS",
    "PAGE_KEY",
    "ContextControl",
    "Dimension",
    "Headline",
    "ImpactAnalysis",
    "ImpactInputError",
    "ImpactSpec",
    "analyse",
    "build_impact_views",
    "comparison_options",
    "context_controls",
    "default_groups",
    "default_start",
    "default_table",
    "dimension_for",
    "dimension_keys",
    "dimensions",
    "format_effect",
    "format_interval",
    "group_options",
    "headline",
    "impact_views",
    "is_eligible",
    "outcome_indicators",
    "outcome_labels",
    "resolve_spec",
    "select_cells",
    "start_options",
    "table_periods",
    "view_by_key",
]

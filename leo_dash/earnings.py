"""Subject earnings trajectories: median earnings with their published quartile band, by years after graduation
(one tax year) or by tax year (graduating cohorts compared at one YAG), optionally split by one characteristic,
against one provider, in cash terms or in real terms (CPIH, latest tax year's prices).

Only published earnings are shown (D5): the median, lower quartile and upper quartile are taken as published, never
estimated, and a band has a gap wherever either quartile is suppressed. Real terms are a price adjustment of a
published figure (leo_dash.prices), rounded half-up to £100. National figures are the published rows whose provider
id is null; nothing is aggregated here.

Pipeline: `query.select` → `sdc.protect` → optional `prices.to_real_terms` → `sdc.guard` → `views.make_view`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from leo_dash import charts, geography, prices, query, sdc
from leo_dash.model import Indicator, TableEntry, status_column
from leo_dash.periods import period_label, period_value
from leo_dash.sentences import join_words, number_word, upper_first, years_after_phrase
from leo_dash.views import Column, View, format_number, make_view

Mode = Literal["trajectory", "cohorts"]
Basis = Literal["nominal", "real"]
QuartileKind = Literal["median", "lower_quartile", "upper_quartile"]

MAX_SUBJECTS = 6
MAX_SERIES = charts.MAX_SERIES
# Widget option strings, which are also the URL values (?compare=Cohorts&basis=Real+terms).
MODE_OPTIONS: dict[str, Mode] = {"Trajectory": "trajectory", "Cohorts": "cohorts"}
BASIS_OPTIONS: dict[str, Basis] = {"Nominal": "nominal", "Real terms": "real"}
NO_SPLIT = "None"
ALL_PROVIDERS = ""  # provider option meaning "national figures only"
NATIONAL_LABEL = "All providers"
DEFAULT_SUBJECT_COUNT = 3
PREFERRED_COHORT_YAG = "5"
NO_TABLE_MESSAGE = (
    "No approved table with earnings by subject and years after graduation is available to you, so this page has "
    "nothing to show. The further education outcome tables have no earnings or years-after-graduation breakdown; "
    "they are on the other pages."
)

# ---------------------------------------------------------------------------------------------------------------
# Which earnings indicator is the median, the lower quartile or the upper quartile
#
# Identified from the column name's words and the label, case-insensitively:
#   median          word "median" in the column, or "median" in the label
#   lower quartile  word "lq" or "p25" in the column, "lower_quartile" in the column, or "lower quartile" /
#                   "25th percentile" in the label
#   upper quartile  word "uq" or "p75" in the column, "upper_quartile" in the column, or "upper quartile" /
#                   "75th percentile" in the label
# "lower"/"upper" alone are not enough: LEO's earnings_lower / earnings_upper are minimum / maximum (hidden, D5).
# An indicator matching more than one kind is ignored rather than guessed. Indicators sharing the rest of their
# column name (earnings_median, earnings_LQ, earnings_UQ -> "earnings") form one measure, so a table with region-
# adjusted earnings as well offers two measures.
# ---------------------------------------------------------------------------------------------------------------

_STAT_WORDS = frozenset({"median", "lq", "uq", "p25", "p75", "lower", "upper", "quartile"})


def _words(column: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", column.lower()) if w]


def quartile_kind(indicator: Indicator) -> QuartileKind | None:
    """Whether an earnings indicator is the median, lower quartile or upper quartile (None: neither, or unclear)."""
    words, column, label = set(_words(indicator.column)), indicator.column.lower(), indicator.label.lower()
    kinds: set[QuartileKind] = set()
    if words & {"lq", "p25"} or "lower_quartile" in column or "lower quartile" in label or "25th percentile" in label:
        kinds.add("lower_quartile")
    if words & {"uq", "p75"} or "upper_quartile" in column or "upper quartile" in label or "75th percentile" in label:
        kinds.add("upper_quartile")
    if "median" in words or "median" in label:
        kinds.add("median")
    return kinds.pop() if len(kinds) == 1 else None


def _family(column: str) -> str:
    return "_".join(w for w in _words(column) if w not in _STAT_WORDS)


@dataclass(frozen=True)
class EarningsMeasure:
    """A published median with its published quartiles (either may be absent)."""

    median: Indicator
    lower_quartile: Indicator | None = None
    upper_quartile: Indicator | None = None

    @property
    def key(self) -> str:
        """URL value of the measure: the median's column."""
        return self.median.column

    @property
    def label(self) -> str:
        return self.median.label

    @property
    def has_band(self) -> bool:
        return self.lower_quartile is not None and self.upper_quartile is not None

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in (self.median, self.lower_quartile, self.upper_quartile) if i is not None)


def earnings_measures(entry: TableEntry) -> list[EarningsMeasure]:
    """The table's earnings measures (visible `earnings` indicators grouped into median + quartiles)."""
    by_family: dict[str, dict[QuartileKind, Indicator]] = {}
    for indicator in entry.visible_indicators("earnings"):
        kind = quartile_kind(indicator)
        if kind is not None:
            by_family.setdefault(_family(indicator.column), {}).setdefault(kind, indicator)
    return [
        EarningsMeasure(found["median"], found.get("lower_quartile"), found.get("upper_quartile"))
        for found in by_family.values()
        if "median" in found
    ]


def supports(entry: TableEntry) -> bool:
    """Whether this page can show the table: subject, years-after and time roles plus a published median."""
    has_roles = all(entry.role(r) for r in ("subject", "years_after", "time"))
    return has_roles and bool(earnings_measures(entry)) and geography.shows_any_level(entry)


# ---------------------------------------------------------------------------------------------------------------
# What a table offers (widget options)
# ---------------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _values_within(parquet: Path, mtime_ns: int, type_column: str, value_column: str, chosen_type: str) -> tuple:
    values = (
        pl.scan_parquet(parquet)
        .filter(pl.col(type_column).cast(pl.String) == chosen_type)
        .select(pl.col(value_column).cast(pl.String).drop_nulls().unique())
        .collect()
        .to_series()
        .to_list()
    )
    return tuple(sorted(values, key=query.numeric_order))


@dataclass(frozen=True)
class EarningsOptions:
    """Everything the page's widgets can offer for one table."""

    measures: tuple[EarningsMeasure, ...]
    subjects: tuple[str, ...]
    years_after: tuple[str, ...]  # in numeric order
    periods: tuple[int, ...]  # ascending
    characteristic_types: tuple[str, ...]  # without the 'everyone' item
    providers: tuple[tuple[str, str], ...]  # (id, latest name), by name
    has_national: bool  # published rows with a null provider id exist
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other filter columns with 2+ items
    filter_defaults: dict[str, str] = field(default_factory=dict)
    areas: tuple[geography.Area, ...] = ()  # England, regions, local authorities the table publishes

    @property
    def latest_period(self) -> int:
        return self.periods[-1]

    @property
    def provider_names(self) -> dict[str, str]:
        return dict(self.providers)


def table_options(entry: TableEntry, *, data_dir: Path | None = None) -> EarningsOptions:
    """Widget options from the table's roles and contents."""
    if not supports(entry):
        raise ValueError(f"{entry.id} has no earnings by subject and years after graduation.")
    subject, yag, time = (str(entry.role(r)) for r in ("subject", "years_after", "time"))
    subjects = query.distinct_values(entry, subject, data_dir=data_dir)
    years_after = [v for v in query.distinct_values(entry, yag, data_dir=data_dir) if v not in query.TOTAL_ITEMS]
    periods = sorted(int(v) for v in query.distinct_values(entry, time, data_dir=data_dir))
    characteristic_types: list[str] = []
    type_column = entry.role("characteristic_type")
    if type_column and entry.role("characteristic_value"):
        types = query.distinct_values(entry, type_column, data_dir=data_dir)
        total = query.default_item(entry, type_column, types)
        characteristic_types = [t for t in types if t != total]
    providers = query.provider_names(entry, data_dir=data_dir)
    has_national = query.has_national_rows(entry, data_dir=data_dir)
    role_columns = set(entry.roles.values())
    filters: dict[str, tuple[str, ...]] = {}
    filter_defaults: dict[str, str] = {}
    for column in entry.filters:
        if column in role_columns:
            continue
        items = query.distinct_values(entry, column, data_dir=data_dir)
        if len(items) < 2:
            continue
        filters[column] = tuple(items)
        filter_defaults[column] = query.default_item(entry, column, items) or items[0]
    return EarningsOptions(
        measures=tuple(earnings_measures(entry)),
        subjects=tuple(subjects),
        years_after=tuple(sorted(years_after, key=query.numeric_order)),
        periods=tuple(periods),
        characteristic_types=tuple(characteristic_types),
        providers=providers,
        has_national=has_national,
        filters=filters,
        filter_defaults=filter_defaults,
        areas=geography.areas(entry, data_dir=data_dir),
    )


def choose_filters(
    entry: TableEntry,
    options: EarningsOptions,
    pick: Callable[[str, Sequence[str], str], str | None],
    *,
    asked: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> tuple[tuple[str, str], ...]:
    """(column, item) of every extra filter, a grouping column before the filters nested under it, which offer only
    the items published with the chosen group (query.nested_choices)."""

    def items_for(column: str, conditions: Mapping[str, str]) -> Sequence[str]:
        if not conditions:
            return options.filters.get(column, ())
        found = query.items_where(entry, column, conditions, data_dir=data_dir)
        return [i for i in found if i in options.filters[column]]

    return query.nested_choices(entry, list(options.filters), items_for, pick, asked=asked)


def characteristic_values(entry: TableEntry, characteristic: str, *, data_dir: Path | None = None) -> list[str]:
    """The groups of one characteristic type (e.g. F, M for sex), without the 'everyone' item."""
    type_column, value_column = entry.role("characteristic_type"), entry.role("characteristic_value")
    if not type_column or not value_column:
        return []
    parquet, mtime = query.prepared_version(entry, data_dir)
    values = list(_values_within(parquet, mtime, type_column, value_column, characteristic))
    total = query.default_item(entry, value_column, values)
    return [v for v in values if v != total]


@functools.lru_cache(maxsize=256)
def _subjects_of(parquet: Path, mtime_ns: int, id_column: str, subject_column: str, provider: str) -> tuple:
    values = (
        pl.scan_parquet(parquet)
        .filter(pl.col(id_column).cast(pl.String) == provider)
        .select(pl.col(subject_column).cast(pl.String).drop_nulls().unique())
        .collect()
        .to_series()
        .to_list()
    )
    return tuple(sorted(values))


def provider_subjects(entry: TableEntry, provider: str, *, data_dir: Path | None = None) -> list[str]:
    """Subjects with at least one published row for this provider."""
    id_column, subject_column = entry.role("provider_id"), entry.role("subject")
    if not id_column or not subject_column:
        return []
    parquet, mtime = query.prepared_version(entry, data_dir)
    return list(_subjects_of(parquet, mtime, id_column, subject_column, provider))


def default_subjects(options: EarningsOptions, available: Sequence[str] | None = None) -> list[str]:
    """The first few subjects (of those `available`, e.g. a provider's), leaving out an 'all subjects' item."""
    pool = [s for s in options.subjects if available is None or s in available] or list(options.subjects)
    named = [s for s in pool if s not in query.TOTAL_ITEMS]
    return (named or pool)[:DEFAULT_SUBJECT_COUNT]


def default_cohort_yag(options: EarningsOptions) -> str:
    return PREFERRED_COHORT_YAG if PREFERRED_COHORT_YAG in options.years_after else options.years_after[0]


def lines_per_series(provider: str | None, options: EarningsOptions) -> int:
    """A chosen provider is drawn beside the national line, so each subject/group takes two lines."""
    return 2 if provider and options.has_national else 1


def default_groups(values: Sequence[str], n_subjects: int, lines_each: int = 1) -> list[str]:
    """As many groups as fit in the six-line chart with the chosen subjects (at least one)."""
    room = max(1, MAX_SERIES // max(1, n_subjects * lines_each))
    return list(values[:room])


# ---------------------------------------------------------------------------------------------------------------
# The user's choices
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarningsSpec:
    """One earnings view: the cache key, the URL state and the briefing item."""

    table_id: str
    measure: str  # the median indicator's column
    subjects: tuple[str, ...]
    mode: Mode = "trajectory"
    years_after: tuple[str, ...] = ()  # trajectory: YAGs shown; cohorts: exactly one
    period: int | None = None  # trajectory: the tax year
    characteristic: str | None = None  # characteristic type to split by
    characteristic_values: tuple[str, ...] = ()
    provider: str | None = None  # provider id drawn beside the national figures
    filters: tuple[tuple[str, str], ...] = ()  # other filter column -> item
    basis: Basis = "nominal"
    area: str | None = None  # ONS code of a region or local authority; None = the table's default (England)


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[EarningsSpec, list[str]]:
    """A spec from URL parameters with the page's defaults and fallbacks, plus notes on what could not be used.

    The page reads the same parameters through its widgets; this is for rebuilding a view outside the page
    (briefings, tests).
    """
    options = table_options(entry, data_dir=data_dir)
    notes: list[str] = []

    def get(key: str) -> list[str]:
        return [str(v) for v in params.get(key, ())]

    def fallback(key: str, raw: Sequence[str], shown: str) -> None:
        notes.append(f"The link asked for {key} '{', '.join(raw)}', which is not available; showing {shown} instead.")

    measures = {m.key: m for m in options.measures}
    measure = query.last_valid(get("measure"), list(measures)) or options.measures[0].key
    mode = MODE_OPTIONS.get(query.last_valid(get("compare"), list(MODE_OPTIONS)) or "Trajectory", "trajectory")
    basis = BASIS_OPTIONS.get(query.last_valid(get("basis"), list(BASIS_OPTIONS)) or "Nominal", "nominal")
    for key, allowed in (("compare", MODE_OPTIONS), ("basis", BASIS_OPTIONS), ("measure", measures)):
        raw = get(key)
        if raw and raw[-1] not in allowed:
            fallback(key, raw, "the default")
    area, area_notes = geography.choose_area(options.areas, get(geography.AREA_PARAM))
    notes += area_notes
    provider_ids = [p for p, _ in options.providers] if area is None or area.national else []
    provider = query.last_valid(get("provider"), provider_ids)
    if get("provider") and provider is None and get("provider") != [ALL_PROVIDERS] and provider_ids:
        fallback("provider", get("provider"), "all providers")
    if provider is None and not options.has_national and provider_ids:
        provider = provider_ids[0]
    subjects = [s for s in get("subject") if s in options.subjects][:MAX_SUBJECTS]
    if [s for s in get("subject") if s not in options.subjects]:
        fallback("subject", [s for s in get("subject") if s not in options.subjects], "the other subjects")
    available = provider_subjects(entry, provider, data_dir=data_dir) if provider else None
    subjects = list(dict.fromkeys(subjects)) or default_subjects(options, available)
    period = options.latest_period
    if mode == "trajectory":
        labels = [period_label(p) for p in options.periods]
        chosen = query.last_valid(get("year"), labels)
        if get("year") and chosen is None:
            fallback("year", get("year"), period_label(period))
        period = period_value(chosen) if chosen else period
        yags = [y for y in options.years_after if y in get("yag")] or list(options.years_after)
    else:
        yags = [query.last_valid(get("yag"), options.years_after) or default_cohort_yag(options)]
    if [y for y in get("yag") if y not in options.years_after]:
        fallback("yag", [y for y in get("yag") if y not in options.years_after], "the available years")
    characteristic = query.last_valid(get("characteristic"), options.characteristic_types)
    groups: tuple[str, ...] = ()
    if characteristic:
        values = characteristic_values(entry, characteristic, data_dir=data_dir)
        groups = tuple(v for v in values if v in get("characteristic_value")) or tuple(
            default_groups(values, len(subjects), lines_per_series(provider, options))
        )
    filters = choose_filters(
        entry,
        options,
        lambda column, items, default: query.last_valid(get(column), list(items)) or default,
        asked={c: get(c)[-1] for c in options.filters if get(c)},
        data_dir=data_dir,
    )
    spec = EarningsSpec(
        table_id=entry.id,
        measure=measure,
        subjects=tuple(subjects),
        mode=mode,
        years_after=tuple(yags),
        period=period if mode == "trajectory" else None,
        characteristic=characteristic,
        characteristic_values=groups,
        provider=provider,
        filters=filters,
        basis=basis,
        area=geography.area_code(options.areas, area),
    )
    return spec, notes


def spec_params(spec: EarningsSpec) -> dict[str, list[str]]:
    """The URL parameters that reproduce `spec` (inverse of `spec_from_params`): for links, briefings, the audit."""
    mode_label = next(k for k, v in MODE_OPTIONS.items() if v == spec.mode)
    basis_label = next(k for k, v in BASIS_OPTIONS.items() if v == spec.basis)
    params: dict[str, list[str]] = {
        "table": [spec.table_id],
        "measure": [spec.measure],
        "compare": [mode_label],
        "subject": list(spec.subjects),
        "yag": list(spec.years_after),
        "basis": [basis_label],
    }
    if spec.mode == "trajectory" and spec.period is not None:
        params["year"] = [period_label(spec.period)]
    if spec.characteristic:
        params["characteristic"] = [spec.characteristic]
        params["characteristic_value"] = list(spec.characteristic_values)
    if spec.provider:
        params["provider"] = [spec.provider]
    for column, item in spec.filters:
        params[column] = [item]
    if spec.area:
        params[geography.AREA_PARAM] = [spec.area]
    return params


# ---------------------------------------------------------------------------------------------------------------
# Building the frame
# ---------------------------------------------------------------------------------------------------------------

# Columns of the view frame (data columns are renamed to these so the chart and table never depend on names).
SUBJECT, GROUP, PROVIDER, YAG, PERIOD, PERIOD_LABEL, COHORT = (
    "subject", "group", "provider", "years_after", "period", "period_label", "cohort",
)  # fmt: skip
SERIES, SERIES_INDEX, COLOUR_INDEX, NATIONAL = "series", "series_index", "colour_index", "is_national"


class EarningsDataError(ValueError):
    """The table's rows do not give one figure per line and point (a breakdown this page cannot pin)."""


@dataclass(frozen=True)
class Series:
    """One line of the chart."""

    index: int
    subject: str
    group: str | None
    provider: str | None  # provider id, or None for national figures
    label: str  # legend text (raw; escaped when drawn)
    colour_index: int
    national: bool  # national figures drawn beside a chosen provider (dashed, no band)


def _series_for(spec: EarningsSpec, provider_label: str | None, with_national: bool) -> list[Series]:
    groups: Sequence[str | None] = spec.characteristic_values if spec.characteristic else (None,)
    providers: list[str | None] = [spec.provider] if spec.provider else [None]
    if spec.provider and with_national:
        providers.append(None)
    out: list[Series] = []
    colour = 0
    for subject in spec.subjects:
        for group in groups:
            for provider in providers:
                parts = [subject] + ([group] if group is not None else [])
                if spec.provider:
                    parts.append(provider_label or str(spec.provider) if provider else NATIONAL_LABEL)
                out.append(
                    Series(
                        len(out),
                        subject,
                        group,
                        provider,
                        " – ".join(parts),
                        colour,
                        national=bool(spec.provider) and provider is None,
                    )
                )
            colour += 1
    return out


def _years_after_int(value: str) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class EarningsData:
    """The protected frame of one earnings view and how to draw it."""

    frame: pl.DataFrame
    series: tuple[Series, ...]
    x_column: str  # YAG or PERIOD_LABEL
    x_order: tuple[str, ...]
    measure: EarningsMeasure
    basis: Basis
    base_period: int
    notes: tuple[str, ...]
    index_points_unverified: tuple[prices.IndexPoint, ...] = ()


def _period_labels(periods: pl.Expr, options: EarningsOptions) -> pl.Expr:
    """202223 -> '2022-23' for every period of the table."""
    return periods.replace_strict({p: period_label(p) for p in options.periods}, return_dtype=pl.String)


def base_indicator(entry: TableEntry, measure: EarningsMeasure) -> Indicator | None:
    base = measure.median.base
    if not base:
        return None
    try:
        return entry.indicator(base)
    except KeyError:
        return Indicator(base, base, "base")


def select_rows(entry: TableEntry, spec: EarningsSpec, options: EarningsOptions, data_dir: Path | None) -> pl.DataFrame:
    """Published rows for the spec (provider and national), with a NATIONAL flag and the provider id as text."""
    subject, yag, time = (str(entry.role(r)) for r in ("subject", "years_after", "time"))
    where: dict[str, list[object]] = {subject: list(spec.subjects)}
    for column, item in spec.filters:
        where[column] = [item]
    if spec.mode == "trajectory":
        where[time] = [spec.period if spec.period is not None else options.latest_period]
        where[yag] = list(spec.years_after or options.years_after)
    else:
        where[yag] = list(spec.years_after[:1] or [default_cohort_yag(options)])
    vary: list[str] = []
    if spec.characteristic:
        where[str(entry.role("characteristic_type"))] = [spec.characteristic]
        where[str(entry.role("characteristic_value"))] = list(spec.characteristic_values)
    cohort = entry.role("cohort")
    if cohort and cohort in query.schema(entry, data_dir=data_dir):
        items = query.distinct_values(entry, cohort, data_dir=data_dir)
        if query.default_item(entry, cohort, items) is None:
            vary.append(cohort)  # a label of each row, not a breakdown with a total
    area = geography.area_by_code(options.areas, spec.area)
    if area is not None and not area.national:
        # One region's or local authority's published rows: providers are not areas, so none is drawn beside them.
        where |= geography.area_where(entry, area, data_dir=data_dir)
        rows = query.select(entry, where, vary=vary, data_dir=data_dir).with_columns(pl.lit(True).alias(NATIONAL))
        return rows.with_columns(pl.lit(None, dtype=pl.String).alias(PROVIDER))
    id_column = entry.role("provider_id")
    has_ids = bool(id_column) and id_column in query.schema(entry, data_dir=data_dir)
    frames: list[pl.DataFrame] = []
    if has_ids and spec.provider:
        own = query.select(entry, {**where, str(id_column): [spec.provider]}, vary=vary, data_dir=data_dir)
        frames.append(own.with_columns(pl.lit(False).alias(NATIONAL)))
    if not has_ids:
        frames.append(
            query.select(entry, where, vary=vary, data_dir=data_dir).with_columns(pl.lit(True).alias(NATIONAL))
        )
    elif options.has_national:
        every = query.select(entry, where, vary=vary, data_dir=data_dir)
        frames.append(every.filter(pl.col(str(id_column)).is_null()).with_columns(pl.lit(True).alias(NATIONAL)))
    if not frames:
        raise EarningsDataError(f"{entry.id} has no national figures: choose a provider.")
    frame = pl.concat(frames, how="diagonal_relaxed")
    provider_text = pl.col(str(id_column)).cast(pl.String) if has_ids else pl.lit(None, dtype=pl.String)
    return frame.with_columns(pl.when(pl.col(NATIONAL)).then(None).otherwise(provider_text).alias(PROVIDER))


def earnings_data(
    entry: TableEntry,
    spec: EarningsSpec,
    *,
    price_index: prices.PriceIndex | None = None,
    options: EarningsOptions | None = None,
    data_dir: Path | None = None,
) -> EarningsData:
    """The disclosure-controlled frame of one view: one row per line and point, gaps as null + symbol."""
    options = options or table_options(entry, data_dir=data_dir)
    measure = next((m for m in options.measures if m.key == spec.measure), options.measures[0])
    base = base_indicator(entry, measure)
    indicators = [*measure.indicators, *([base] if base else [])]
    value_columns = [i.column for i in indicators]
    notes: list[str] = []

    rows = select_rows(entry, spec, options, data_dir)
    subject, yag, time = (str(entry.role(r)) for r in ("subject", "years_after", "time"))
    group_column = entry.role("characteristic_value") if spec.characteristic else None
    cohort = entry.role("cohort")
    keep = {subject: SUBJECT, yag: YAG, time: PERIOD}
    if group_column:
        keep[group_column] = GROUP
    if cohort and cohort in rows.columns and cohort not in keep:
        keep[cohort] = COHORT
    value_and_status = [c for v in value_columns for c in (v, status_column(v)) if c in rows.columns]
    rows = rows.select([*keep, PROVIDER, NATIONAL, *value_and_status]).rename(keep)
    rows = rows.with_columns(
        pl.col(SUBJECT).cast(pl.String), pl.col(YAG).cast(pl.String), pl.col(PERIOD).cast(pl.Int64)
    )
    if GROUP not in rows.columns:
        rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias(GROUP))
    else:
        rows = rows.with_columns(pl.col(GROUP).cast(pl.String))
    missing_values = [v for v in value_columns if v not in rows.columns]
    if missing_values:
        raise EarningsDataError(f"{entry.id} lacks column(s) {', '.join(missing_values)}.")
    rows = sdc.protect(rows, indicators, entry.disclosure)

    x_column = YAG if spec.mode == "trajectory" else PERIOD_LABEL
    rows = rows.with_columns(_period_labels(pl.col(PERIOD), options).alias(PERIOD_LABEL))
    key = [SUBJECT, GROUP, PROVIDER, NATIONAL, x_column]
    duplicated = rows.select(pl.struct(key).is_duplicated().any()).item()
    if duplicated:
        raise EarningsDataError(
            f"{entry.id} has more than one row for some subject, group and {'year after graduation' if spec.mode == 'trajectory' else 'tax year'}: "
            "it has a breakdown this page does not choose, so no single figure can be shown."
        )

    provider_label = options.provider_names.get(spec.provider or "") if spec.provider else None
    all_series = _series_for(spec, provider_label, options.has_national and bool(entry.role("provider_id")))
    series = all_series[:MAX_SERIES]
    if len(all_series) > MAX_SERIES:
        left_out = [s.label for s in all_series[MAX_SERIES:]]
        notes.append(
            f"The chart holds at most {MAX_SERIES} lines, so {len(left_out)} more "
            f"({'; '.join(left_out)}) {'was' if len(left_out) == 1 else 'were'} left out: choose fewer subjects or groups."
        )
    if spec.provider:
        own = rows.filter(~pl.col(NATIONAL))
        absent = [s for s in spec.subjects if own.filter(pl.col(SUBJECT) == s).height == 0]
        if absent:
            name = provider_label or spec.provider
            notes.append(f"{name} has no published figures for {join_words(absent)} in this selection.")

    if spec.mode == "trajectory":
        x_order = sorted(spec.years_after or options.years_after, key=query.numeric_order)
        period_of_x: dict[str, int] = {x: int(spec.period or options.latest_period) for x in x_order}
    else:
        # Every tax year of the table, so a year without a published row shows as a gap, not as a shorter axis.
        x_order = [period_label(p) for p in options.periods]
        period_of_x = {period_label(p): int(p) for p in options.periods}
    grid = pl.DataFrame(
        {
            SERIES_INDEX: [s.index for s in series for _ in x_order],
            SERIES: [s.label for s in series for _ in x_order],
            COLOUR_INDEX: [s.colour_index for s in series for _ in x_order],
            SUBJECT: [s.subject for s in series for _ in x_order],
            GROUP: [s.group for s in series for _ in x_order],
            PROVIDER: [s.provider for s in series for _ in x_order],
            NATIONAL: [s.provider is None for s in series for _ in x_order],
            x_column: [x for _ in series for x in x_order],
            "x_position": [i for _ in series for i in range(len(x_order))],
        },
        schema_overrides={GROUP: pl.String, PROVIDER: pl.String},
    )
    data_columns = [c for c in rows.columns if c not in (SUBJECT, GROUP, PROVIDER, NATIONAL, x_column)]
    frame = grid.join(rows, on=[SUBJECT, GROUP, PROVIDER, NATIONAL, x_column], how="left", nulls_equal=True)
    frame = frame.select([*grid.columns, *data_columns]).sort([SERIES_INDEX, "x_position"])
    # A line with no published row at a point is a gap 'not available', never a zero.
    frame = frame.with_columns(
        pl.when(pl.col(v).is_null() & pl.col(status_column(v)).is_null())
        .then(pl.lit(sdc.NOT_AVAILABLE))
        .otherwise(pl.col(status_column(v)))
        .alias(status_column(v))
        for v in value_columns
    )
    frame = frame.with_columns(
        pl.col(x_column).replace_strict(period_of_x, return_dtype=pl.Int64).alias(PERIOD)
        if spec.mode == "cohorts"
        else pl.lit(int(spec.period or options.latest_period)).alias(PERIOD),
    )
    if spec.mode == "trajectory":
        frame = frame.with_columns(_period_labels(pl.col(PERIOD), options).alias(PERIOD_LABEL))

    basis: Basis = spec.basis
    base_period = options.latest_period
    unverified: list[prices.IndexPoint] = []
    if basis == "real":
        year_type = entry.time_label
        try:
            index = price_index or prices.load_price_index()
            frame = prices.to_real_terms(
                frame,
                [i.column for i in measure.indicators],
                PERIOD,
                base_period,
                index,
                rounding_base=entry.disclosure.earnings_base,
                year_type=year_type,
            )
            unverified = index.unverified([*frame[PERIOD].unique().to_list(), base_period], year_type)
        except prices.PriceIndexError as exc:
            basis = "nominal"
            notes.append(f"Real terms are not available for this table: {exc} Figures are shown in cash terms.")
    warning = prices.unverified_note(unverified)
    if warning:
        notes.append(warning)  # on the chart itself, not only in the footnotes: real-terms figures get copied
    frame = sdc.guard(frame, indicators, entry.disclosure, derived=False)
    if base is not None and base.column not in [i.column for i in measure.indicators]:
        # The earnings base was needed to check D5; it is not part of this view.
        frame = frame.drop([base.column, status_column(base.column)], strict=False)
    return EarningsData(
        frame=frame,
        series=tuple(series),
        x_column=x_column,
        x_order=tuple(x_order),
        measure=measure,
        basis=basis,
        base_period=base_period,
        notes=tuple(notes),
        index_points_unverified=tuple(unverified),
    )


# ---------------------------------------------------------------------------------------------------------------
# Words: titles, footnotes, summary
# ---------------------------------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def in_sentence(name: str) -> str:
    """'Sex' -> 'sex' inside a sentence; acronyms such as 'FSM' or 'POLAR4' keep their capitals."""
    return name if len(name) > 1 and name[1].isupper() else _lower_first(name)


def filter_label(entry: TableEntry, column: str) -> str:
    """A filter column's name on screen: the publisher's label, never the column id."""
    return query.column_label(entry, column)


def nice_name(column_or_type: str) -> str:
    """'prior_attainment_code' → 'Prior attainment code'; 'POLAR4' stays 'POLAR4'."""
    return upper_first(column_or_type.replace("_", " "))


def basis_phrase(basis: Basis, base_period: int) -> str:
    """How figures are priced, for titles and sentences: 'real terms (2022-23 prices)' / 'nominal (cash) terms'."""
    return f"real terms ({prices.prices_label(base_period)})" if basis == "real" else "nominal (cash) terms"


def _sentence_basis(basis: Basis, base_period: int) -> str:
    return f"in {prices.prices_label(base_period)}" if basis == "real" else "in cash terms"


def yag_long(value: str) -> str:
    n = _years_after_int(value)
    return years_after_phrase(n) if n is not None else f"{value} years after graduation"


def yag_short(value: str) -> str:
    n = _years_after_int(value)
    if n is None:
        return f"{value} years after"
    return f"{number_word(n)} {'year' if n == 1 else 'years'} after"


def _yags_phrase(values: Sequence[str]) -> str:
    if len(values) == 1:
        n = _years_after_int(values[0])
        return f"{values[0]} {'year' if n == 1 else 'years'} after graduation"
    return f"{join_words(list(values))} years after graduation"


def view_title(
    spec: EarningsSpec,
    data: EarningsData,
    entry: TableEntry,
    provider_label: str | None,
    area: geography.Area | None = None,
) -> str:
    """What is shown, exactly: measure, YAGs or years, split, subjects, provider or area, year, price basis."""
    measure = data.measure.label
    split_name = in_sentence(nice_name(spec.characteristic)) if spec.characteristic else ""
    by_split = f" by {split_name}" if split_name else ""
    and_split = f" and {split_name}" if split_name else ""
    subjects = join_words(list(dict.fromkeys(s.subject for s in data.series)))
    who = (
        f", {provider_label} and {NATIONAL_LABEL.lower()}"
        if provider_label and any(s.national for s in data.series)
        else (f", {provider_label}" if provider_label else "")
    ) + geography.in_area(area)
    basis = basis_phrase(data.basis, data.base_period)
    if spec.mode == "trajectory":
        year = period_label(spec.period or data.base_period)
        return f"{measure} {_yags_phrase(data.x_order)}{by_split}, {subjects}{who}, {year} {entry.time_label.lower()}, {basis}"
    yag = list(spec.years_after[:1])
    years = (
        f"{data.x_order[0]} to {data.x_order[-1]}"
        if len(data.x_order) > 1
        else (data.x_order[0] if data.x_order else "")
    )
    return f"{measure} {_yags_phrase(yag)} by {entry.time_label.lower()}{and_split}, {subjects}{who}, {years}, {basis}"


def view_footnotes(
    spec: EarningsSpec, data: EarningsData, entry: TableEntry, price_index: prices.PriceIndex | None
) -> list[str]:
    notes: list[str] = []
    if data.measure.has_band:
        band = (
            "Shaded bands run from the published lower quartile (25th percentile) to the published upper quartile "
            "(75th percentile) of earnings; quartiles are never estimated, so a band has a gap where either is "
            "suppressed or not available."
        )
        if any(s.national for s in data.series):
            band += " Bands are drawn for the chosen provider; the national figures (dashed lines) are in the table."
        notes.append(band)
    if data.basis == "real" and price_index is not None:
        notes.append(
            prices.method_footnote(
                price_index, data.base_period, rounding_base=entry.disclosure.earnings_base, year_type=entry.time_label
            )
        )
    else:
        notes.append("Figures are in cash terms as published (nominal): they are not adjusted for inflation.")
    if spec.mode == "trajectory":
        notes.append(
            "Figures for different years after graduation in one tax year come from different graduating cohorts: "
            "they are not one group of graduates followed over time."
        )
    else:
        notes.append(
            "Each tax year's figure is for a different graduating cohort, observed the same number of years after graduation."
        )
    if spec.provider and any(s.national for s in data.series):
        notes.append(f"{NATIONAL_LABEL}: the published national figures (not derived from the provider rows).")
    return notes


@dataclass(frozen=True)
class SeriesValues:
    """One line's published values for the summary sentence (None where suppressed or not available)."""

    label: str
    phrase: str  # 'Computing graduates' / 'Computing graduates (F, Fenwick University)'
    points: tuple[tuple[str, float | None], ...]  # (x, value) in x order


def summary_sentence(
    series: Sequence[SeriesValues],
    *,
    mode: Mode,
    measure_label: str,
    basis: Basis,
    base_period: int,
    yag: str | None = None,
) -> str:
    """One sentence from the published figures; a suppressed or missing figure is never cited."""
    measure = upper_first(measure_label)
    how = _sentence_basis(basis, base_period)
    if mode == "trajectory":
        long_x, short_x = yag_long, yag_short
        context = ""
    else:

        def long_x(x: str) -> str:
            return f"in {x}"

        short_x = long_x
        context = f" {yag_long(yag)}" if yag else ""
    with_data = [s for s in series if any(v is not None for _, v in s.points)]
    if not with_data:
        return f"No {_lower_first(measure_label)} figure can be shown for this selection: every figure is suppressed or not available."
    money = functools.partial(format_number, unit="£", dp=0)

    counts: dict[str, int] = {}
    for s in with_data:
        for x, v in s.points:
            if v is not None:
                counts[x] = counts.get(x, 0) + 1
    best = max(counts.values())
    if len(with_data) >= 2 and best >= 2:
        order = [x for x, _ in with_data[0].points]
        chosen = [x for x in order if counts.get(x) == best][-1]
        values = [(s, dict(s.points)[chosen]) for s in with_data if dict(s.points).get(chosen) is not None]
        high = max(values, key=lambda p: p[1])  # first of equals
        low = min(values, key=lambda p: p[1])
        trend = _trend_clause(with_data, len(series), mode=mode, measure=measure, context=context)
        # The trend clause already says when it covers only the lines with published figures.
        said = trend is not None and best == len(with_data)
        among = (
            f" among the {best} of {len(series)} lines with a published figure"
            if best < len(series) and not said
            else ""
        )
        if trend:
            lead = f"{trend}; {long_x(chosen)} they"
        else:
            lead = f"{upper_first(long_x(chosen))}, {_lower_first(measure_label)}{context}"
        if high[1] == low[1]:
            return f"{lead} were {money(high[1])} for each of the {best} lines with a published figure, {how}."
        return (
            f"{lead} were highest for {high[0].label} ({money(high[1])}) and lowest for {low[0].label} "
            f"({money(low[1])}){among}, {how}."
        )
    only = with_data[0]
    published = [(x, v) for x, v in only.points if v is not None]
    subject = f"{measure} of {only.phrase}{context}"
    if len(published) == 1:
        x, v = published[0]
        rest = "" if len(only.points) == 1 else "; the other figures for them are suppressed or not available"
        return f"{subject} were {money(v)} {long_x(x)}{rest}, {how}."
    (x0, v0), (x1, v1) = published[0], published[-1]
    if v1 > v0:
        return f"{subject} rose from {money(v0)} {long_x(x0)} to {money(v1)} {short_x(x1)}, {how}."
    if v1 < v0:
        return f"{subject} fell from {money(v0)} {long_x(x0)} to {money(v1)} {short_x(x1)}, {how}."
    return f"{subject} were {money(v0)} both {long_x(x0)} and {short_x(x1)}, {how}."


def _trend_clause(
    with_data: Sequence[SeriesValues], n_series: int, *, mode: Mode, measure: str, context: str
) -> str | None:
    """'Median earnings rose from one to ten years after graduation for all three lines shown' — only when every line
    with data has its first and last published figure at the same two points (else the words would mislead)."""
    ends = []
    for s in with_data:
        published = [(x, v) for x, v in s.points if v is not None]
        if len(published) < 2:
            return None
        ends.append((published[0], published[-1]))
    starts, finishes = {a[0] for a, _ in ends}, {b[0] for _, b in ends}
    if len(starts) != 1 or len(finishes) != 1:
        return None
    x0, x1 = starts.pop(), finishes.pop()
    rose = sum(1 for (_, a), (_, b) in ends if b > a)
    fell = sum(1 for (_, a), (_, b) in ends if b < a)
    same = len(ends) - rose - fell
    if mode == "trajectory":
        n0 = _years_after_int(x0)
        start = number_word(n0) if n0 is not None else x0
        span_from, span_between = f"from {start} to {yag_long(x1)}", f"between {start} and {yag_long(x1)}"
    else:
        span_from, span_between = f"from {x0} to {x1}", f"between {x0} and {x1}"
    lines = "both lines" if len(ends) == 2 else f"all {number_word(len(ends))} lines"  # GSS: numbers under 10 in words
    lines += " shown" if len(ends) == n_series else " with published figures"
    for count, verb in ((rose, "rose"), (fell, "fell")):
        if count == len(ends):
            return f"{measure}{context} {verb} {span_from} for {lines}"
    if same == len(ends):
        return f"{measure}{context} did not change {span_between} for {lines}"
    parts = [
        p
        for p, n in (
            (f"rose for {number_word(rose)}", rose),
            (f"fell for {number_word(fell)}", fell),
            (f"did not change for {number_word(same)}", same),
        )
        if n
    ]
    return f"{measure}{context} {join_words(parts)} of the {number_word(len(ends))} lines {span_between}"


def _series_phrase(s: Series, provider_label: str | None) -> str:
    extra = [
        p for p in (s.group, (provider_label if s.provider else (NATIONAL_LABEL.lower() if s.national else None))) if p
    ]
    return f"{s.subject} graduates" + (f" ({', '.join(extra)})" if extra else "")


def series_values(data: EarningsData, provider_label: str | None) -> list[SeriesValues]:
    median = data.measure.median.column
    out: list[SeriesValues] = []
    for s in data.series:
        rows = data.frame.filter(pl.col(SERIES_INDEX) == s.index)
        shown = rows[status_column(median)].is_null()
        values = [v if ok else None for v, ok in zip(rows[median].to_list(), shown.to_list(), strict=True)]
        out.append(
            SeriesValues(
                s.label,
                _series_phrase(s, provider_label),
                tuple(zip(rows[data.x_column].to_list(), values, strict=True)),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------------------------------------------------


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, end) index pairs of consecutive True values, end inclusive."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _shown(frame: pl.DataFrame, column: str | None) -> list[float | None]:
    if column is None or column not in frame.columns:
        return [None] * frame.height
    ok = frame[status_column(column)].is_null().to_list()
    return [v if flag else None for v, flag in zip(frame[column].to_list(), ok, strict=True)]


SMALL_MULTIPLES_FROM = 3  # banded lines from which each gets its own panel
PANEL_COLUMNS = 2
PANEL_PX = 240  # plot height of one row of panels
PANEL_TITLE_PX = 28  # room for a panel's title above it


def _panel_name(s: Series) -> str:
    """A panel per subject (and group): a provider's line and the national line for it share the panel."""
    return " – ".join([s.subject] + ([s.group] if s.group is not None else []))


def _panels(data: EarningsData) -> list[str]:
    return list(dict.fromkeys(_panel_name(s) for s in data.series))


def _series_traces(
    data: EarningsData, s: Series, rows: pl.DataFrame, *, x_title: str, band_alpha: float
) -> list[go.Scatter]:
    """One line's traces: its quartile band (areas, or a dotted bar for a lone point) and its median line."""
    median = data.measure.median.column
    lower = data.measure.lower_quartile.column if data.measure.lower_quartile else None
    upper = data.measure.upper_quartile.column if data.measure.upper_quartile else None
    xs = [charts.plain_text(x) for x in rows[data.x_column].to_list()]  # tick labels render HTML
    mids, lows, highs = _shown(rows, median), _shown(rows, lower), _shown(rows, upper)
    colour = charts.colour(s.colour_index)
    name = charts.plain_text(s.label)
    traces: list[go.Scatter] = []
    if data.measure.has_band and not s.national:
        both = [lo is not None and hi is not None for lo, hi in zip(lows, highs, strict=True)]
        for start, end in _runs(both):
            run_x = xs[start : end + 1]
            run_low, run_high = lows[start : end + 1], highs[start : end + 1]
            if start == end:  # a lone point: a short vertical bar, since an area needs two points
                traces.append(
                    go.Scatter(
                        x=[run_x[0], run_x[0]],
                        y=[run_low[0], run_high[0]],
                        mode="lines",
                        # The line's own colour, dotted: a pale band alone is under 3:1 against white.
                        line={"color": colour, "width": 2, "dash": "dot"},
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=name,
                        name=f"{name}: lower to upper quartile",
                        meta={"role": "band", "series": s.label},
                    )
                )
                continue
            traces.append(
                go.Scatter(
                    x=run_x + run_x[::-1],
                    y=run_high + run_low[::-1],
                    mode="lines",
                    fill="toself",
                    fillcolor=charts.rgba(colour, band_alpha),
                    # Dotted edges in the line's colour mark the quartiles: the pale fill alone is under 3:1
                    # against white (WCAG 1.4.11) and runs together when bands overlap.
                    line={"width": 1, "color": colour, "dash": "dot"},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=name,
                    name=f"{name}: lower to upper quartile",
                    meta={"role": "band", "series": s.label},
                )
            )
    hover = []
    for x, mid, lo, hi in zip(xs, mids, lows, highs, strict=True):
        quartiles = (
            f"<br>Lower to upper quartile: {format_number(lo, '£')} to {format_number(hi, '£')}"
            if lo is not None and hi is not None
            else ("<br>Quartiles: not published" if data.measure.has_band else "")
        )
        hover.append(
            f"{name}<br>{charts.plain_text(x_title)}: {x}<br>{charts.plain_text(data.measure.label)}: "
            f"{format_number(mid, '£')}{quartiles}"
        )
    traces.append(
        go.Scatter(
            x=xs,
            y=mids,
            mode="lines+markers",
            name=name,
            legendgroup=name,
            line={"color": colour, "width": 3, "dash": "dash" if s.national else "solid"},
            marker={"size": 8, "color": colour},
            hovertext=hover,
            hoverinfo="text",
            meta={"role": "median", "series": s.label},
        )
    )
    return traces


def build_figure(data: EarningsData, *, x_title: str, y_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """A figure builder for make_view: one median line per series, its quartile band as shaded areas; small
    multiples (a panel per subject, one scale) when three or more lines carry a band."""
    # Overlapping bands darken each other: the more lines with a band, the lighter each band; from
    # SMALL_MULTIPLES_FROM banded lines on, each gets its own panel instead (bands drawn over each other become a
    # grey wash in which no band can be read).
    banded = sum(1 for s in data.series if not s.national) if data.measure.has_band else 0
    panels = _panels(data) if banded >= SMALL_MULTIPLES_FROM else []
    band_alpha = 0.2 if panels else max(0.07, 0.2 - 0.025 * banded)

    def draw(frame: pl.DataFrame) -> go.Figure:
        if panels:
            rows = math.ceil(len(panels) / PANEL_COLUMNS)
            figure = make_subplots(
                rows=rows,
                cols=PANEL_COLUMNS,
                subplot_titles=[charts.plain_text(p) for p in panels],
                horizontal_spacing=0.1,
                vertical_spacing=min(0.3, 0.5 / rows),
            )
        else:
            figure = go.Figure()
        for s in data.series:
            rows_of = frame.filter(pl.col(SERIES_INDEX) == s.index).sort("x_position")
            cell: dict[str, int] = {}
            if panels:
                position = panels.index(_panel_name(s))
                cell = {"row": position // PANEL_COLUMNS + 1, "col": position % PANEL_COLUMNS + 1}
            for trace in _series_traces(data, s, rows_of, x_title=x_title, band_alpha=band_alpha):
                figure.add_trace(trace, **cell)
        x_axis = {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [charts.plain_text(x) for x in data.x_order],
        }
        y_axis = {"rangemode": "tozero", **charts.axis_format("£")}
        if panels:
            # One scale for every panel, so panels compare; axis titles once, at the bottom and on the left.
            figure.update_xaxes(**x_axis)
            figure.update_yaxes(matches="y", **y_axis)
            rows = math.ceil(len(panels) / PANEL_COLUMNS)
            for col in range(1, PANEL_COLUMNS + 1):
                figure.update_xaxes(title=charts.plain_text(x_title), row=rows, col=col)
            figure.update_yaxes(title=charts.plain_text(y_title), col=1)
            figure.update_annotations(font={"size": 14}, xanchor="left", selector={"xref": "x domain"})
            figure.update_layout(meta={"panels": len(panels), "panel_rows": rows})
        else:
            figure.update_xaxes(title=charts.plain_text(x_title), **x_axis)
            figure.update_yaxes(title=charts.plain_text(y_title), **y_axis)
        return figure

    return draw


TITLE_LINE_PX = 24  # an 18px title line
LEGEND_ROW_PX = 26
PLOT_AREA_PX = 380
ASSUMED_LEGEND_WIDTH_PX = 900  # a typical chart width on a laptop; a narrower chart wraps one more row, at worst


def fit_header(figure: go.Figure, legend_names: Sequence[str]) -> None:
    """Room above the plot for the wrapped title and, under it, the legend rows, so neither covers the other.

    The house layout leaves a fixed top margin (one title line, one legend row); these titles name every subject
    and often wrap, and the legend can wrap too.
    """
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    rows, used = 1, 0
    for name in legend_names:
        width = 50 + 7 * len(name)  # swatch + gap + text at ~7px a character
        if used and used + width > ASSUMED_LEGEND_WIDTH_PX:
            rows, used = rows + 1, 0
        used += width
    legend_px = LEGEND_ROW_PX * rows
    top = 12 + TITLE_LINE_PX * title_lines + 10 + legend_px
    bottom = int(figure.layout.margin.b or 80)
    figure.update_layout(
        title=charts.title_at_top(figure.layout.title.text),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom", "yref": "paper"},
        margin={"t": top},
        height=PLOT_AREA_PX + top + bottom,
    )


# ---------------------------------------------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------------------------------------------


def earnings_view(
    entry: TableEntry,
    spec: EarningsSpec,
    *,
    price_index: prices.PriceIndex | None = None,
    notes: Sequence[str] = (),
    data_dir: Path | None = None,
) -> View:
    """The subject earnings view for a spec: protected frame, title, summary, footnotes and figure."""
    options = table_options(entry, data_dir=data_dir)
    if spec.basis == "real" and price_index is None:
        try:
            price_index = prices.load_price_index()
        except prices.PriceIndexError:
            price_index = None  # earnings_data explains the fallback to cash terms
    data = earnings_data(entry, spec, price_index=price_index, options=options, data_dir=data_dir)
    provider_label = options.provider_names.get(spec.provider or "") if spec.provider else None
    basis_short = prices.prices_label(data.base_period) if data.basis == "real" else "cash terms"
    columns: list[Column] = [Column(SUBJECT, "Subject")]
    if spec.characteristic:
        columns.append(Column(GROUP, nice_name(spec.characteristic)))
    if spec.provider:
        columns.append(Column(PROVIDER + "_label", "Provider"))
    if spec.mode == "trajectory":
        x_title = "Years after graduation"
        columns.append(Column(YAG, x_title))
    else:
        x_title = entry.time_label
        columns.append(Column(PERIOD_LABEL, x_title))
    if COHORT in data.frame.columns:
        columns.append(Column(COHORT, "Graduating cohort"))
    frame = data.frame
    if spec.provider:
        frame = frame.with_columns(
            pl.when(pl.col(NATIONAL))
            .then(pl.lit(NATIONAL_LABEL))
            .otherwise(pl.lit(provider_label or spec.provider))
            .alias(PROVIDER + "_label")
        )
    for indicator in data.measure.indicators:
        columns.append(Column.for_indicator(indicator, dp=0, label=f"{indicator.label} (£, {basis_short})"))
    data = replace(data, frame=frame)
    filters: list[tuple[str, str]] = [("Subjects", ", ".join(spec.subjects))]
    if spec.mode == "trajectory":
        filters += [
            (entry.time_label, period_label(spec.period or data.base_period)),
            ("Years after graduation", ", ".join(data.x_order)),
        ]
    else:
        filters += [("Years after graduation", ", ".join(spec.years_after[:1]))]
    if spec.characteristic:
        filters.append((nice_name(spec.characteristic), ", ".join(spec.characteristic_values)))
    if spec.provider:
        filters.append(("Provider", f"{provider_label} ({spec.provider})" if provider_label else spec.provider))
    filters += geography.area_filter(options.areas, geography.area_by_code(options.areas, spec.area))
    filters += [(query.column_label(entry, c), v) for c, v in spec.filters]
    filters.append(("Basis", basis_phrase(data.basis, data.base_period)))
    summary = summary_sentence(
        series_values(data, provider_label),
        mode=spec.mode,
        measure_label=data.measure.label,
        basis=data.basis,
        base_period=data.base_period,
        yag=spec.years_after[0] if spec.mode == "cohorts" and spec.years_after else None,
    )
    area = geography.area_by_code(options.areas, spec.area)
    if area is not None and not area.national:
        summary = f"{area.name}: {summary}"  # the sentence is lifted into briefings without its title
    y_title = f"{data.measure.label} (£, {basis_short})"
    view = make_view(
        key=f"earnings-{spec.mode}",
        entry=entry,
        title=view_title(spec, data, entry, provider_label, area),
        frame=data.frame,
        columns=columns,
        summary=summary,
        filters=filters,
        build_figure=build_figure(data, x_title=x_title, y_title=y_title),
        notes=[*notes, *data.notes],
        extra_footnotes=view_footnotes(spec, data, entry, price_index),
    )
    if view.figure is not None:
        fit_header(view.figure, [s.label for s in data.series])
        meta = view.figure.layout.meta if isinstance(view.figure.layout.meta, dict) else {}
        if meta.get("panel_rows"):
            # The legend goes above the first row's panel titles, not over them.
            top = int(view.figure.layout.margin.t) + PANEL_TITLE_PX
            bottom = int(view.figure.layout.margin.b or 80)
            plot_px = int(meta["panel_rows"]) * PANEL_PX
            view.figure.update_layout(
                height=plot_px + top + bottom, margin={"t": top}, legend={"y": 1 + PANEL_TITLE_PX / plot_px}
            )
    return view


def views_for_params(params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None) -> list[View]:
    """Rebuild the page's view from its URL parameters (for briefings): same defaults and fallbacks as the page."""
    from leo_dash.catalogue import load_catalogue

    tables = [e for e in load_catalogue(data_dir) if supports(e)]
    if not tables:
        return []
    by_id = {e.id: e for e in tables}
    wanted = [str(v) for v in params.get("table", ())]
    entry = by_id.get(wanted[-1]) if wanted else None
    entry = entry or next((e for e in tables if e.demo), tables[0])
    spec, notes = spec_from_params(entry, params, data_dir=data_dir)
    return [earnings_view(entry, spec, notes=notes, data_dir=data_dir)]

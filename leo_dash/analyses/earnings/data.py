"""Earnings data: the view frame of series for a spec (`earnings_data`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from leo_dash import sdc
from leo_dash.analyses.earnings.measures import MAX_SERIES, NATIONAL_LABEL, Basis, EarningsMeasure
from leo_dash.analyses.earnings.options import EarningsOptions, default_cohort_yag, table_options
from leo_dash.analyses.earnings.spec import EarningsSpec
from leo_dash.core import geography, prices, query
from leo_dash.core.model import Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present.sentences import join_words

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


def _protected_rows(
    entry: TableEntry,
    spec: EarningsSpec,
    options: EarningsOptions,
    indicators: list[Indicator],
    data_dir: Path | None,
) -> pl.DataFrame:
    """The spec's published rows under the view's own column names, protected (D1-D5)."""
    value_columns = [i.column for i in indicators]
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
    return rows


def _x_axis(spec: EarningsSpec, options: EarningsOptions) -> tuple[list[str], dict[str, int]]:
    """The points along the x axis, in order, and the tax year of each."""
    if spec.mode == "trajectory":
        x_order = sorted(spec.years_after or options.years_after, key=query.numeric_order)
        period_of_x: dict[str, int] = {x: int(spec.period or options.latest_period) for x in x_order}
    else:
        # Every tax year of the table, so a year without a published row shows as a gap, not as a shorter axis.
        x_order = [period_label(p) for p in options.periods]
        period_of_x = {period_label(p): int(p) for p in options.periods}
    return x_order, period_of_x


def _grid(series: Sequence[Series], x_order: list[str], x_column: str) -> pl.DataFrame:
    """One row per line and point, whether or not a figure was published there."""
    return pl.DataFrame(
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


def _in_basis(
    frame: pl.DataFrame,
    entry: TableEntry,
    spec: EarningsSpec,
    measure: EarningsMeasure,
    options: EarningsOptions,
    price_index: prices.PriceIndex | None,
    notes: list[str],
) -> tuple[pl.DataFrame, Basis, list[prices.IndexPoint]]:
    """Cash terms, or real terms in the latest year's prices (cash terms, with a note, when CPIH is unavailable)."""
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
    return frame, basis, unverified


def _chosen_series(
    entry: TableEntry,
    spec: EarningsSpec,
    options: EarningsOptions,
    rows: pl.DataFrame,
    provider_label: str | None,
    notes: list[str],
) -> list[Series]:
    """The lines drawn (at most MAX_SERIES), with a note for those left out and for subjects the provider lacks."""
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
    return series


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

    rows = _protected_rows(entry, spec, options, indicators, data_dir)

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
    series = _chosen_series(entry, spec, options, rows, provider_label, notes)

    x_order, period_of_x = _x_axis(spec, options)
    grid = _grid(series, x_order, x_column)
    data_columns = [c for c in rows.columns if c not in (SUBJECT, GROUP, PROVIDER, NATIONAL, x_column)]
    frame = grid.join(rows, on=[SUBJECT, GROUP, PROVIDER, NATIONAL, x_column], how="left", nulls_equal=True)
    frame = frame.select([*grid.columns, *data_columns]).sort([SERIES_INDEX, "x_position"])
    # A line with no published row at a point is a gap 'not available', never a zero.
    frame = frame.with_columns(sdc.missing_as_not_available(v) for v in value_columns)
    frame = frame.with_columns(
        pl.col(x_column).replace_strict(period_of_x, return_dtype=pl.Int64).alias(PERIOD)
        if spec.mode == "cohorts"
        else pl.lit(int(spec.period or options.latest_period)).alias(PERIOD),
    )
    if spec.mode == "trajectory":
        frame = frame.with_columns(_period_labels(pl.col(PERIOD), options).alias(PERIOD_LABEL))

    frame, basis, unverified = _in_basis(frame, entry, spec, measure, options, price_index, notes)
    base_period = options.latest_period
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

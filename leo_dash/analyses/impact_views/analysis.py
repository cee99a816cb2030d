"""Impact analysis: select the cells, estimate the difference-in-differences, and disclosure-control every group-level figure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from leo_dash import sdc
from leo_dash.analyses.impact import (
    REASON_MISSING,
    REASON_ZERO_BASE,
    GroupDefinition,
    ImpactResult,
    estimate_impact,
    period_start_year,
)
from leo_dash.analyses.impact_views.options import (
    _CHARACTERISTIC_SEPARATOR,
    _MAX_NAMED_ITEMS,
    _PROVIDER_ITEM,
    _REASON_LABELS,
    WITHHELD,
    Dimension,
    ImpactInputError,
    ImpactSpec,
    _context_where,
    _level_columns,
    _level_filter,
    _use_aggregate_rows,
    context_controls,
)
from leo_dash.analyses.impact_views.spec import _provider_id
from leo_dash.core import query
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label


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
        spec=spec, treated_label=treated_label, comparison_label=comparison_label,
        cells=cells, result=result, series=series, withheld=withheld,
        event_study=_protect_event_study(spec, result, series),
        excluded=_excluded_cells(spec, cells, treated, comparison),
    )  # fmt: skip


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

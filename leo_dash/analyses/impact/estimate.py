"""The main entry point, `estimate_impact`: validate, aggregate, fit and assemble an `ImpactResult`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from leo_dash.analyses import did_model
from leo_dash.analyses.did_model import DidFit, Variance
from leo_dash.analyses.impact.aggregate import _aggregate, _exclusion_reason, _infer_rounding_step, _mean_gap
from leo_dash.analyses.impact.definitions import (
    DEFAULT_EARNINGS_CV,
    IQR_PER_SIGMA,
    GroupDefinition,
    ImpactResult,
    OutcomeKind,
    Placebo,
    PreTrendTest,
    _period_digits,
)
from leo_dash.analyses.impact.frames import (
    _cell_columns,
    _cell_panel,
    _event_study_frame,
    _pre_trend_test,
    _series_frame,
    _untested_pre_trend,
)
from leo_dash.analyses.impact.notes import (
    _caveats,
    _composition_notes,
    _interval_note,
    _method_note,
    _mixing_notes,
    _placebo,
)
from leo_dash.core.model import status_column
from leo_dash.core.periods import period_label


# --------------------------------------------------------------------------------------------------------------
# Main entry point
# --------------------------------------------------------------------------------------------------------------
def _validate_options(
    kind: OutcomeKind, lower_quartile: str | None, upper_quartile: str | None, earnings_cv: float, variance: Variance
) -> None:
    if kind == "rate" and (lower_quartile or upper_quartile):
        raise ValueError("quartile columns only apply to earnings")
    if earnings_cv <= 0:
        raise ValueError("earnings_cv must be positive")
    if variance not in did_model.VARIANCES:
        raise ValueError(f"variance must be one of {', '.join(did_model.VARIANCES)}, got {variance!r}")


def _periods(frame: pl.DataFrame, time: str, intervention_start: int) -> pl.Series:
    """The time column as whole-number periods, all of one form (2021 or 202021), like the intervention start."""
    periods = frame.get_column(time)
    if periods.dtype == pl.String:
        periods = periods.str.strip_chars()
    try:
        periods = periods.cast(pl.Int64, strict=True)
    except pl.exceptions.InvalidOperationError as err:
        raise ValueError(f"time column {time!r} must hold whole-number periods such as 202021") from err
    if periods.null_count():
        raise ValueError(f"time column {time!r} has blank periods")
    digits = {_period_digits(p) for p in periods.unique().to_list()}
    if len(digits) > 1 or digits - {4, 6}:
        raise ValueError(f"time column {time!r} must hold only 4-digit or only 6-digit periods, found {sorted(digits)}")
    if _period_digits(intervention_start) not in digits:
        raise ValueError(f"intervention_start {intervention_start} is not in the same form as {time!r} (e.g. 202021)")
    return periods


def _group_cells(
    frame: pl.DataFrame,
    periods: pl.Series,
    treated: GroupDefinition,
    comparison: GroupDefinition,
    outcome: str,
    base: str,
) -> pl.DataFrame:
    """The cells of the two groups (which must not overlap, and must each select some), with why any is left out."""
    work = frame.with_columns(
        periods.alias("_period"),
        treated.predicate().alias("_treated"),
        comparison.predicate().alias("_comparison"),
    )
    overlap = work.filter(pl.col("_treated") & pl.col("_comparison")).height
    if overlap:
        raise ValueError(
            f"{overlap} rows are in both the treated and the comparison group; the groups must not overlap"
        )
    for group, column in ((treated, "_treated"), (comparison, "_comparison")):
        if not work.get_column(column).any():
            raise ValueError(f"group {group.label!r} ({group.describe()}) selects no rows")

    return work.filter(pl.col("_treated") | pl.col("_comparison")).with_columns(
        _exclusion_reason(frame, outcome, base).alias("_reason"),
        pl.col(base).cast(pl.Float64).alias("_w"),
        pl.col(outcome).cast(pl.Float64).alias("_v"),
    )


def _with_sigma(
    work: pl.DataFrame,
    kind: OutcomeKind,
    outcome: str,
    base: str,
    lower_quartile: str | None,
    upper_quartile: str | None,
    earnings_cv: float,
    notes: list[str],
) -> pl.DataFrame:
    """Each cell's spread: none for a rate (binomial from the base), from the quartiles or assumed for earnings."""
    if kind == "rate":
        usable = work.filter(pl.col("_reason").is_null())
        out_of_range = usable.filter((pl.col("_v") < 0) | (pl.col("_v") > 100)).height
        if out_of_range:
            raise ValueError(
                f"{outcome!r} has {out_of_range} values outside 0-100 in the chosen groups: it is not a share of "
                f"{base!r}, so a binomial standard error would be meaningless"
            )
        work = work.with_columns(pl.lit(0.0).alias("_sigma"))
    else:
        work, fallback_cells = _with_earnings_sigma(work, lower_quartile, upper_quartile, earnings_cv)
        if fallback_cells:
            why = "no quartile columns were given" if lower_quartile is None else "their quartiles were unavailable"
            notes.append(
                f"For {fallback_cells} cells the spread of earnings was assumed (sigma = {earnings_cv:g} x median) "
                f"because {why}."
            )
    return work


@dataclass(frozen=True)
class _Fitted:
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    pre_gap: float | None
    post_gap: float | None
    reason: str | None
    fit: DidFit | None
    placebo: Placebo | None
    event_study: pl.DataFrame
    pre_trend: PreTrendTest
    notes: tuple[str, ...]


def _fit(
    work: pl.DataFrame,
    cell_columns: Sequence[str],
    common: list[int],
    pre: list[int],
    post: list[int],
    kind: OutcomeKind,
    rounding_step: float,
    variance: Variance,
    confidence: float,
    intervention_start: int,
    figures: tuple[dict, dict],
) -> _Fitted:
    """The cell-level two-way fixed-effects fit, its interval, event study, pre-trend test and placebo; or why none
    can be made (no usable period before or after the start, or no cell published on both sides)."""
    estimate = se = ci_low = ci_high = pre_gap = post_gap = None
    notes: list[str] = []
    treated_fig, comparison_fig = figures
    reason: str | None = None
    fit: DidFit | None = None
    placebo: Placebo | None = None
    event_study = _event_study_frame(treated_fig, comparison_fig, None, [], intervention_start, confidence)
    pre_trend = _untested_pre_trend(pre, intervention_start)
    if not pre:
        reason = f"no period before {period_label(intervention_start)} has usable cells in both groups"
    elif not post:
        reason = f"no period from {period_label(intervention_start)} onwards has usable cells in both groups"
    else:
        panel = _cell_panel(work, cell_columns, common, kind, rounding_step)
        try:
            fit = did_model.fit_did(panel, pre, post, variance, confidence)
        except np.linalg.LinAlgError:
            reason = (
                "no cell of each group is published both before and from the start, so the change cannot be "
                "measured within cells"
            )
        if fit is not None:
            estimate, se = fit.estimate, fit.chosen.standard_error
            half = fit.chosen.half_width(confidence)
            ci_low, ci_high = estimate - half, estimate + half
            pre_gap = _mean_gap(treated_fig, comparison_fig, pre)
            post_gap = _mean_gap(treated_fig, comparison_fig, post)
            study = did_model.event_study(panel, pre, post, fit)
            event_study = _event_study_frame(treated_fig, comparison_fig, study, pre, intervention_start, confidence)
            if len(pre) >= 2:
                pre_trend = _pre_trend_test(did_model.pre_trend_check(study, pre), fit, intervention_start, kind)
                placebo = _placebo(panel, pre, variance, confidence)
            if fit.fallback_note:
                notes.append(fit.fallback_note)

    return _Fitted(
        estimate, se, ci_low, ci_high, pre_gap, post_gap, reason, fit, placebo, event_study, pre_trend, tuple(notes)
    )


def _common_periods(treated_fig: dict, comparison_fig: dict, notes: list[str]) -> list[int]:
    """Periods where both groups have a usable figure; a note names those only one group has."""
    usable_t = {p for p, f in treated_fig.items() if f.value is not None}
    usable_c = {p for p, f in comparison_fig.items() if f.value is not None}
    common = sorted(usable_t & usable_c)
    one_sided = sorted((usable_t | usable_c) - set(common))
    if one_sided:
        notes.append(
            "Left out of the comparison because only one group had usable cells: "
            + ", ".join(period_label(p) for p in one_sided)
            + "."
        )
    return common


def estimate_impact(
    frame: pl.DataFrame,
    *,
    outcome: str,
    kind: OutcomeKind,
    base: str,
    time: str,
    treated: GroupDefinition,
    comparison: GroupDefinition,
    intervention_start: int,
    confidence: float = 0.95,
    lower_quartile: str | None = None,
    upper_quartile: str | None = None,
    outcome_rounding: float | None = None,
    earnings_cv: float = DEFAULT_EARNINGS_CV,
    variance: Variance = "all",
    cell_columns: Sequence[str] | None = None,
) -> ImpactResult:
    """Difference-in-differences of `outcome` between two groups of cells, before and from `intervention_start`.

    The estimate is the treated-after coefficient of a base-weighted model with a fixed effect for every cell and
    every period (leo_dash.analyses.did_model). variance="all" (default) gives the interval that allows for noise in each
    cell and for year-to-year movement of the gap between the groups; "sampling" allows for sampling and rounding
    only and is optimistic. cell_columns: the columns that identify a cell across periods; by default every
    column that is neither the time column, a float (indicator) column nor a status column.

    outcome_rounding: the step published values were rounded to (e.g. 1 for whole %, 100 for £); None infers it
    from the data, 0 switches the rounding allowance off. lower_quartile/upper_quartile (earnings only) give each
    cell's spread; without them `earnings_cv` (sigma as a share of the median) is assumed.
    """
    _validate(frame, outcome, kind, base, time, treated, comparison, confidence, lower_quartile, upper_quartile)
    _validate_options(kind, lower_quartile, upper_quartile, earnings_cv, variance)
    cell_columns = _cell_columns(frame, time, cell_columns)

    periods = _periods(frame, time, intervention_start)

    work = _group_cells(frame, periods, treated, comparison, outcome, base)
    notes: list[str] = []
    work = _with_sigma(work, kind, outcome, base, lower_quartile, upper_quartile, earnings_cv, notes)

    used_values = work.filter(pl.col("_reason").is_null()).get_column("_v").to_list()
    rounding_step = _infer_rounding_step(used_values, kind) if outcome_rounding is None else float(outcome_rounding)
    if rounding_step < 0:
        raise ValueError("outcome_rounding must be 0 or positive")

    treated_fig = _aggregate(work.filter(pl.col("_treated")), kind=kind, rounding_step=rounding_step)
    comparison_fig = _aggregate(work.filter(pl.col("_comparison")), kind=kind, rounding_step=rounding_step)
    excluded = work.filter(pl.col("_reason").is_not_null()).get_column("_reason").value_counts(sort=True)
    excluded_by_symbol = {str(r): int(n) for r, n in excluded.iter_rows()}
    excluded_cells = sum(excluded_by_symbol.values())

    common = _common_periods(treated_fig, comparison_fig, notes)
    notes.extend(_mixing_notes(work, treated, comparison))
    notes.extend(_composition_notes(treated.label, treated_fig, common))
    notes.extend(_composition_notes(comparison.label, comparison_fig, common))

    pre = [p for p in common if p < intervention_start]
    post = [p for p in common if p >= intervention_start]
    series = _series_frame(treated, comparison, treated_fig, comparison_fig, common, intervention_start)
    figures = (treated_fig, comparison_fig)

    fitted = _fit(
        work, cell_columns, common, pre, post, kind, rounding_step, variance, confidence, intervention_start, figures
    )
    notes.extend(fitted.notes)
    fit = fitted.fit

    return ImpactResult(
        estimate=fitted.estimate,
        ci_low=fitted.ci_low,
        ci_high=fitted.ci_high,
        standard_error=fitted.se,
        series=series,
        event_study=fitted.event_study,
        pre_trend=fitted.pre_trend,
        excluded_cells=excluded_cells,
        excluded_by_symbol=excluded_by_symbol,
        method_note=_method_note(kind, base, rounding_step, lower_quartile, upper_quartile, earnings_cv, confidence),
        caveats=_caveats(kind, intervention_start, excluded_cells, rounding_step),
        kind=kind,
        outcome=outcome,
        treated_label=treated.label,
        comparison_label=comparison.label,
        intervention_start=intervention_start,
        confidence=confidence,
        pre_periods=tuple(pre),
        post_periods=tuple(post),
        pre_gap=fitted.pre_gap,
        post_gap=fitted.post_gap,
        unavailable_reason=fitted.reason,
        notes=tuple(notes),
        variance=variance,
        interval_source=fit.chosen.source if fit is not None else "sampling",
        interval_df=fit.chosen.df if fit is not None else None,
        interval_note=_interval_note(fit, confidence, len(pre) + len(post)) if fit is not None else "",
        cells_used=(fit.treated_cells, fit.comparison_cells) if fit is not None else (0, 0),
        placebo=fitted.placebo,
    )


def _validate(
    frame: pl.DataFrame,
    outcome: str,
    kind: str,
    base: str,
    time: str,
    treated: GroupDefinition,
    comparison: GroupDefinition,
    confidence: float,
    lower_quartile: str | None,
    upper_quartile: str | None,
) -> None:
    if kind not in ("rate", "earnings"):
        raise ValueError(f"kind must be 'rate' or 'earnings', got {kind!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    if (lower_quartile is None) != (upper_quartile is None):
        raise ValueError("give both lower_quartile and upper_quartile, or neither")
    needed = [outcome, base, time, *treated.columns(), *comparison.columns()]
    needed += [c for c in (lower_quartile, upper_quartile) if c is not None]
    missing = sorted({c for c in needed if c not in frame.columns})
    if missing:
        raise ValueError(f"the frame has no column(s): {', '.join(missing)}")
    for column in [outcome, base] + [c for c in (lower_quartile, upper_quartile) if c is not None]:
        if not frame.schema[column].is_numeric():
            raise ValueError(
                f"{column!r} is {frame.schema[column]}, not numeric: load the table with the project loader so "
                f"symbols become nulls with a {status_column(column)!r} column"
            )


def _with_earnings_sigma(
    work: pl.DataFrame, lower_quartile: str | None, upper_quartile: str | None, earnings_cv: float
) -> tuple[pl.DataFrame, int]:
    """Each cell's spread sigma: (UQ - LQ) / 1.349 where both quartiles are published, else cv x median."""
    fallback = pl.col("_v") * earnings_cv
    if lower_quartile is None or upper_quartile is None:
        sigma = fallback
        has_quartiles = pl.lit(False)
    else:
        lq, uq = pl.col(lower_quartile).cast(pl.Float64), pl.col(upper_quartile).cast(pl.Float64)
        has_quartiles = lq.is_not_null() & uq.is_not_null() & ~lq.is_nan() & ~uq.is_nan() & (uq >= lq)
        # A symbol on a quartile hides the quartile, not the median: fall back rather than drop the cell.
        for column in (lower_quartile, upper_quartile):
            if status_column(column) in work.columns:
                has_quartiles = has_quartiles & pl.col(status_column(column)).is_null()
        sigma = pl.when(has_quartiles).then((uq - lq) / IQR_PER_SIGMA).otherwise(fallback)
    work = work.with_columns(sigma.alias("_sigma"), has_quartiles.alias("_has_quartiles"))
    fallback_cells = work.filter(pl.col("_reason").is_null() & ~pl.col("_has_quartiles")).height
    return work, fallback_cells

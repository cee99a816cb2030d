"""Result frames: the per-year series, the cell panel, the event study, and the pre-trend test."""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from leo_dash.analyses import did_model
from leo_dash.analyses.did_model import CellPanel, DidFit
from leo_dash.analyses.impact.aggregate import _PeriodFigure, _value, _variance
from leo_dash.analyses.impact.definitions import (
    _GROUP_COMPARISON,
    _GROUP_GAP,
    _GROUP_TREATED,
    MEDIAN_SE_FACTOR,
    PRE_TREND_ALPHA,
    GroupDefinition,
    OutcomeKind,
    PreTrendTest,
    period_start_year,
)
from leo_dash.analyses.impact.notes import _drift_amount, _format_p
from leo_dash.core.periods import period_label


def _series_frame(
    treated: GroupDefinition,
    comparison: GroupDefinition,
    treated_fig: dict[int, _PeriodFigure],
    comparison_fig: dict[int, _PeriodFigure],
    common: list[int],
    intervention_start: int,
) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    start_year = period_start_year(intervention_start)
    for group, label, figures in (
        (_GROUP_TREATED, treated.label, treated_fig),
        (_GROUP_COMPARISON, comparison.label, comparison_fig),
    ):
        for period, fig in sorted(figures.items()):
            rows.append(
                {
                    "period": period,
                    "relative_period": period_start_year(period) - start_year,
                    "group": group,
                    "label": label,
                    "value": fig.value,
                    "base": fig.base if fig.value is not None else None,
                    "se": math.sqrt(fig.variance) if fig.variance is not None else None,
                    "n_cells_used": fig.n_used,
                    "n_cells_excluded": fig.n_excluded,
                    "in_estimate": period in common,
                }
            )
    for period in common:
        t, c = treated_fig[period], comparison_fig[period]
        rows.append(
            {
                "period": period,
                "relative_period": period_start_year(period) - start_year,
                "group": _GROUP_GAP,
                "label": f"{treated.label} minus {comparison.label}",
                "value": _value(t) - _value(c),
                "base": None,
                "se": math.sqrt(_variance(t) + _variance(c)),
                "n_cells_used": t.n_used + c.n_used,
                "n_cells_excluded": t.n_excluded + c.n_excluded,
                "in_estimate": True,
            }
        )
    schema = {
        "period": pl.Int64,
        "relative_period": pl.Int64,
        "group": pl.String,
        "label": pl.String,
        "value": pl.Float64,
        "base": pl.Float64,
        "se": pl.Float64,
        "n_cells_used": pl.Int64,
        "n_cells_excluded": pl.Int64,
        "in_estimate": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _cell_columns(frame: pl.DataFrame, time: str, given: Sequence[str] | None) -> list[str]:
    if given is not None:
        missing = [c for c in given if c not in frame.columns]
        if missing:
            raise ValueError(f"the frame has no cell column(s): {', '.join(missing)}")
        return list(given)
    return [
        c
        for c, dtype in frame.schema.items()
        if c != time and not c.endswith("__status") and not dtype.is_float() and not c.startswith("_")
    ]


def _cell_panel(
    work: pl.DataFrame, cell_columns: Sequence[str], common: Sequence[int], kind: OutcomeKind, rounding_step: float
) -> CellPanel:
    """The usable cells of the common periods as arrays; a cell is its `cell_columns` values within its group."""
    usable = work.filter(pl.col("_reason").is_null() & pl.col("_period").is_in(list(common)))
    key = pl.concat_str(
        [pl.col("_treated").cast(pl.String)] + [pl.col(c).cast(pl.String).fill_null("\x00") for c in cell_columns],
        separator="\x1f",
    )
    if kind == "rate":
        share = (pl.col("_v") / 100.0).clip(0.0, 1.0)
        sampling = 100.0**2 * share * (1.0 - share) / pl.col("_w")
    else:
        sampling = MEDIAN_SE_FACTOR**2 * pl.col("_sigma") ** 2 / pl.col("_w")
    arrays = usable.select(
        key.rank("dense").cast(pl.Int64).alias("cell"),
        pl.col("_period").alias("period"),
        pl.col("_treated").alias("treated"),
        pl.col("_v").alias("value"),
        pl.col("_w").alias("weight"),
        (sampling + rounding_step**2 / 12.0).alias("sampling_variance"),
    )
    return CellPanel(
        cell=arrays["cell"].to_numpy(),
        period=arrays["period"].to_numpy(),
        treated=arrays["treated"].to_numpy(),
        value=arrays["value"].to_numpy(),
        weight=arrays["weight"].to_numpy(),
        sampling_variance=arrays["sampling_variance"].to_numpy(),
    )


_EVENT_STUDY_SCHEMA = {
    "period": pl.Int64,
    "relative_period": pl.Int64,
    "treated_value": pl.Float64,
    "comparison_value": pl.Float64,
    "gap": pl.Float64,
    "gap_diff": pl.Float64,
    "se": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "is_reference": pl.Boolean,
}


def _event_study_frame(
    treated_fig: dict[int, _PeriodFigure],
    comparison_fig: dict[int, _PeriodFigure],
    study: did_model.EventStudy | None,
    pre: list[int],
    intervention_start: int,
    confidence: float,
) -> pl.DataFrame:
    """One row per period: the group figures and raw gap (descriptive) beside the fixed-effects coefficient
    `gap_diff` (change in the gap since the reference period, within cells) and its interval."""
    if study is None or not pre:
        return pl.DataFrame(schema=_EVENT_STUDY_SCHEMA)
    start_year = period_start_year(intervention_start)
    critical = did_model.Interval("sampling", 1.0, study.df).critical(confidence)
    rows: list[dict[str, object]] = []
    for period in study.periods:
        t, c = treated_fig[period], comparison_fig[period]
        is_reference = period == study.reference
        diff = study.coefficients[period]
        # The reference is zero by construction, so it carries no interval.
        se = None if is_reference else study.standard_errors[period]
        rows.append(
            {
                "period": period,
                "relative_period": period_start_year(period) - start_year,
                "treated_value": _value(t),
                "comparison_value": _value(c),
                "gap": _value(t) - _value(c),
                "gap_diff": diff,
                "se": se,
                "ci_low": None if se is None else diff - critical * se,
                "ci_high": None if se is None else diff + critical * se,
                "is_reference": is_reference,
            }
        )
    return pl.DataFrame(rows, schema=_EVENT_STUDY_SCHEMA, orient="row")


def _untested_pre_trend(pre: Sequence[int], intervention_start: int) -> PreTrendTest:
    return PreTrendTest(
        statistic=None,
        p_value=None,
        df=0,
        flagged=False,
        note=(
            f"Parallel trends cannot be checked: {len(pre)} year(s) before {period_label(intervention_start)} "
            "have usable cells in both groups, and at least 2 are needed. The estimate rests on an untested "
            "assumption that the groups would have moved in parallel."
        ),
        untested=True,
    )


def _pre_trend_test(
    check: did_model.PreTrendCheck | None, fit: DidFit, intervention_start: int, kind: OutcomeKind
) -> PreTrendTest:
    """The pre-period coefficients tested jointly against 0, with the estimate's own variance."""
    start = period_label(intervention_start)
    if check is None:
        return PreTrendTest(
            statistic=None,
            p_value=None,
            df=0,
            flagged=False,
            note="The pre-trend test could not be run: the before years' coefficients have no usable variance.",
            untested=True,
        )
    flagged = check.p_value < PRE_TREND_ALPHA
    name = "F" if check.df_denominator is not None else "Wald chi-square"
    on = f"{check.df} and {check.df_denominator:g} df" if check.df_denominator is not None else f"{check.df} df"
    test = f"{name} {check.statistic:.2f} on {on}, {_format_p(check.p_value)}"
    allowance = "sampling only" if fit.chosen.source == "sampling" else "the same allowance for noise as the estimate"
    if flagged:
        note = (
            f"Pre-trend flagged: the gap between the groups was already changing before {start} ({test}, using "
            f"{allowance}). The parallel-trends assumption looks doubtful."
        )
    else:
        note = f"No clear pre-trend ({test}, using {allowance})."
        if check.detectable_drift is not None:
            note += (
                f" The test would catch a steady drift in the gap of {_drift_amount(check.detectable_drift, kind)} a "
                f"year {did_model.DRIFT_POWER:.0%} of the time; a smaller drift could be hiding in the before years, "
                "so 'not flagged' is not proof of parallel trends."
            )
    return PreTrendTest(
        check.statistic,
        check.p_value,
        check.df,
        flagged,
        note,
        df_denominator=check.df_denominator,
        detectable_drift=check.detectable_drift,
    )

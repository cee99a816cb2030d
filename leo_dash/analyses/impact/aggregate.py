"""Per-group aggregation: each group's figure per period, with the cells left out and the rounding step."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from leo_dash.analyses.impact.definitions import (
    _ROUNDING_STEPS,
    MEDIAN_SE_FACTOR,
    REASON_MISSING,
    REASON_ZERO_BASE,
    OutcomeKind,
)
from leo_dash.core.model import status_column


# --------------------------------------------------------------------------------------------------------------
# Per-group aggregation
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PeriodFigure:
    period: int
    value: float | None
    base: float
    variance: float | None
    n_used: int
    n_excluded: int


def _status_or_null(frame: pl.DataFrame, column: str) -> pl.Expr:
    status = status_column(column)
    return pl.col(status).cast(pl.String) if status in frame.columns else pl.lit(None, dtype=pl.String)


def _exclusion_reason(frame: pl.DataFrame, outcome: str, base: str) -> pl.Expr:
    """Why a cell cannot be used (null when usable): the outcome's symbol first, then the base's."""
    outcome_status = _status_or_null(frame, outcome)
    base_status = _status_or_null(frame, base)
    outcome_value, base_value = pl.col(outcome).cast(pl.Float64), pl.col(base).cast(pl.Float64)
    outcome_bad = outcome_value.is_null() | outcome_value.is_nan()
    base_bad = base_value.is_null() | base_value.is_nan()
    return (
        pl.when(outcome_status.is_not_null())
        .then(outcome_status)
        .when(base_status.is_not_null())
        .then(base_status)
        .when(outcome_bad | base_bad)
        .then(pl.lit(REASON_MISSING))
        .when(base_value <= 0)
        .then(pl.lit(REASON_ZERO_BASE))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _infer_rounding_step(values: Iterable[float], kind: OutcomeKind) -> float:
    """Coarsest publication rounding step every used value sits on (0 when none fits)."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return 0.0
    for step in _ROUNDING_STEPS[kind]:
        if all(abs(v / step - round(v / step)) < 1e-6 for v in vals):
            return step
    return 0.0


def _aggregate(
    cells: pl.DataFrame,
    *,
    kind: OutcomeKind,
    rounding_step: float,
) -> dict[int, _PeriodFigure]:
    """Base-weighted mean per period (what the chart draws) and its sampling variance plus a rounding allowance."""
    per_period = (
        cells.group_by("_period")
        .agg(
            pl.col("_reason").is_null().sum().alias("n_used"),
            pl.col("_reason").is_not_null().sum().alias("n_excluded"),
            pl.col("_w").filter(pl.col("_reason").is_null()).sum().alias("sum_w"),
            (pl.col("_w") * pl.col("_v")).filter(pl.col("_reason").is_null()).sum().alias("sum_wv"),
            (pl.col("_w") ** 2).filter(pl.col("_reason").is_null()).sum().alias("sum_w2"),
            # Earnings: sum of w^2 * Var(median_i) with Var(median_i) = (pi/2) sigma_i^2 / n_i and w_i = n_i.
            (pl.col("_w") * pl.col("_sigma") ** 2).filter(pl.col("_reason").is_null()).sum().alias("sum_w_sigma2"),
        )
        .sort("_period")
    )
    figures: dict[int, _PeriodFigure] = {}
    for row in per_period.iter_rows(named=True):
        period = int(row["_period"])
        n_used, n_excluded = int(row["n_used"]), int(row["n_excluded"])
        total_w = float(row["sum_w"] or 0.0)
        if n_used == 0 or total_w <= 0:
            figures[period] = _PeriodFigure(period, None, 0.0, None, 0, n_excluded)
            continue
        value = float(row["sum_wv"]) / total_w
        if kind == "rate":
            share = min(max(value / 100.0, 0.0), 1.0)
            sampling = 100.0**2 * share * (1.0 - share) / total_w
        else:
            sampling = MEDIAN_SE_FACTOR**2 * float(row["sum_w_sigma2"]) / total_w**2
        # Each published value is off by up to half a rounding step: uniform error, variance step^2/12.
        rounding = rounding_step**2 / 12.0 * float(row["sum_w2"]) / total_w**2
        figures[period] = _PeriodFigure(period, value, total_w, sampling + rounding, n_used, n_excluded)
    return figures


def _mean_gap(treated: dict[int, _PeriodFigure], comparison: dict[int, _PeriodFigure], span: list[int]) -> float:
    return sum(_value(treated[p]) - _value(comparison[p]) for p in span) / len(span)


def _value(figure: _PeriodFigure) -> float:
    assert figure.value is not None  # callers only pass periods with usable cells
    return figure.value


def _variance(figure: _PeriodFigure) -> float:
    assert figure.variance is not None
    return figure.variance

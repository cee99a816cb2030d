"""Intervention-impact evaluation on published aggregates: difference-in-differences and an event study.

For evaluation teams, as plain functions on Polars frames (usable from a notebook). The input follows the project
convention (leo_dash.model): numeric indicator columns are Float64 with nulls where a symbol stood, and
`status_column(col)` holds the symbol. Each row is a *cell*; a group (treated or comparison) is a set of cells, and
its figure for a period is the base-weighted mean of its published cells. Cells whose outcome or base carries a
symbol are left out and counted; a symbol is never filled, estimated or reversed (data standard D1).

The estimate, its interval, the event study and the pre-trend check come from a cell-level two-way fixed-effects
model (leo_dash.did_model, fitted with statsmodels): each cell is compared only with itself, so which cells happen
to be published in a year cannot bias it. The group figures in `series` are descriptive: what the chart draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from leo_dash import did_model
from leo_dash.did_model import CellPanel, DidFit, Variance
from leo_dash.model import status_column
from leo_dash.periods import period_label
from leo_dash.sdc import round_half_up

OutcomeKind = Literal["rate", "earnings"]

# A pre-trend is flagged when the joint test rejects parallel pre-period gaps at this level (fixed, by design,
# so the flag means the same thing whatever confidence level the interval uses).
PRE_TREND_ALPHA = 0.05
# SE of a sample median = sqrt(pi/2) * sigma / sqrt(n) when the data are normal (asymptotic result).
MEDIAN_SE_FACTOR = math.sqrt(math.pi / 2)
# A normal distribution's interquartile range is 1.349 standard deviations.
IQR_PER_SIGMA = 1.349
# Fallback spread when no quartiles are available: sigma ~ 0.6 x median, a deliberately wide (conservative)
# assumption; annual earnings distributions typically have IQR/median around 0.6-0.9.
DEFAULT_EARNINGS_CV = 0.6
# Publication rounding steps we recognise, coarsest first (data standard §4).
_ROUNDING_STEPS: dict[str, tuple[float, ...]] = {"rate": (1.0, 0.1), "earnings": (100.0, 10.0, 1.0)}
_GROUP_TREATED = "treated"
_GROUP_COMPARISON = "comparison"
_GROUP_GAP = "gap"
# Reasons a cell is left out that are not GSS symbols.
REASON_MISSING = "missing"  # null with no status column to explain it
REASON_ZERO_BASE = "zero base"


# --------------------------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupDefinition:
    """Which cells form a group: `where` maps column -> allowed values (AND across columns), or a Polars expression.

    Examples: GroupDefinition("Apprenticeship", {"provision": ["Apprenticeship"], "benefit_learner": ["Total"]});
    GroupDefinition.from_expr("Large providers", pl.col("number_of_learners") >= 500).
    """

    label: str
    where: Mapping[str, Sequence[str]] = field(default_factory=dict)
    expression: pl.Expr | None = None

    def __post_init__(self) -> None:
        # A bare string is a Sequence[str] of characters: treat it as the single value the caller meant.
        cleaned = {col: (vals,) if isinstance(vals, str) else tuple(vals) for col, vals in self.where.items()}
        object.__setattr__(self, "where", cleaned)
        if not self.label.strip():
            raise ValueError("a group needs a label")
        if not cleaned and self.expression is None:
            raise ValueError(f"group {self.label!r} selects nothing in particular: give `where` or an expression")
        if any(len(vals) == 0 for vals in cleaned.values()):
            raise ValueError(f"group {self.label!r} has a column with no allowed values")

    def _key(self) -> tuple[object, ...]:
        # An expression's printed form stands in for it: Expr.__eq__ builds an expression instead of comparing.
        expression = None if self.expression is None else str(self.expression)
        return (self.label, tuple(sorted(self.where.items())), expression)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GroupDefinition) and self._key() == other._key()

    def __hash__(self) -> int:  # hashable, so a group can sit in a frozen spec / cache key
        return hash(self._key())

    @classmethod
    def from_expr(cls, label: str, expression: pl.Expr) -> GroupDefinition:
        """A group selected by any boolean Polars expression."""
        return cls(label=label, expression=expression)

    def columns(self) -> tuple[str, ...]:
        """Columns named in `where` (an expression's columns are checked by Polars when it runs)."""
        return tuple(self.where)

    def predicate(self) -> pl.Expr:
        """The boolean expression selecting this group's rows (nulls count as not selected)."""
        parts: list[pl.Expr] = [
            # Compare as text: filter values are strings in EES files even when they look like numbers.
            pl.col(col).cast(pl.String).is_in([str(v) for v in vals])
            for col, vals in self.where.items()
        ]
        if self.expression is not None:
            parts.append(self.expression)
        return pl.all_horizontal(parts).fill_null(False)

    def describe(self) -> str:
        """Plain-language definition, e.g. 'provision = Apprenticeship and benefit_learner = Total'."""
        parts = [f"{col} = {' or '.join(str(v) for v in vals)}" for col, vals in self.where.items()]
        if self.expression is not None:
            parts.append(f"rows where {self.expression}")
        return " and ".join(parts)


@dataclass(frozen=True)
class PreTrendTest:
    """Joint test that every pre-period event-study coefficient is 0, with the same variance as the estimate.

    `detectable_drift`: the smallest steady drift in the gap, in outcome units a year, the test finds 80% of the
    time; a drift smaller than that could be hiding in the before years without being flagged."""

    statistic: float | None  # F (t-based variance) or chi-square (normal)
    p_value: float | None
    df: int
    flagged: bool
    note: str
    df_denominator: float | None = None
    detectable_drift: float | None = None
    untested: bool = False  # fewer than two years before the start: parallel trends cannot be checked at all


@dataclass(frozen=True)
class Placebo:
    """The same estimate with a fake start year, using only years before the real start: it should find nothing."""

    start: int
    estimate: float
    ci_low: float
    ci_high: float
    sampling_only: bool = False  # too few cells and years for an interval that allows for more than sampling

    @property
    def is_clear(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class ImpactResult:
    """Difference-in-differences estimate, its interval, the series behind it and everything needed to caveat it."""

    estimate: float | None  # (treated post - pre) - (comparison post - pre), pp for rates, £ for earnings
    ci_low: float | None
    ci_high: float | None
    standard_error: float | None
    series: pl.DataFrame  # per period and group (treated, comparison, gap)
    event_study: pl.DataFrame  # per common period: gap, gap_diff vs the reference (last pre) period, se, ci
    pre_trend: PreTrendTest
    excluded_cells: int
    excluded_by_symbol: dict[str, int]
    method_note: str
    caveats: tuple[str, ...]
    # Context for summaries and audit.
    kind: OutcomeKind = "rate"
    outcome: str = ""
    treated_label: str = ""
    comparison_label: str = ""
    intervention_start: int = 0
    confidence: float = 0.95
    pre_periods: tuple[int, ...] = ()
    post_periods: tuple[int, ...] = ()
    pre_gap: float | None = None  # mean treated - comparison gap over pre periods
    post_gap: float | None = None
    unavailable_reason: str | None = None  # why `estimate` is None
    notes: tuple[str, ...] = ()  # data-specific warnings (dropped periods, quartile fallback, ...)
    variance: Variance = "all"  # which noise the interval was asked to allow for
    interval_source: did_model.Source = "sampling"  # where the interval came from
    interval_df: float | None = None  # t degrees of freedom of the interval (None: normal)
    interval_note: str = ""  # plain words: what the interval allows for and why this one
    cells_used: tuple[int, int] = (0, 0)  # treated and comparison cells in the fixed-effects fit
    placebo: Placebo | None = None

    @property
    def is_clear(self) -> bool:
        """True when the interval excludes zero."""
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 0 or self.ci_high < 0)


# --------------------------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------------------------
def period_start_year(period: int) -> int:
    """Calendar year a period starts in: 202021 -> 2020, 2020 -> 2020."""
    return period // 100 if period >= 100_000 else period


def _period_digits(period: int) -> int:
    return len(str(abs(int(period))))


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


# --------------------------------------------------------------------------------------------------------------
# Main entry point
# --------------------------------------------------------------------------------------------------------------
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
    every period (leo_dash.did_model). variance="all" (default) gives the interval that allows for noise in each
    cell and for year-to-year movement of the gap between the groups; "sampling" allows for sampling and rounding
    only and is optimistic. cell_columns: the columns that identify a cell across periods; by default every
    column that is neither the time column, a float (indicator) column nor a status column.

    outcome_rounding: the step published values were rounded to (e.g. 1 for whole %, 100 for £); None infers it
    from the data, 0 switches the rounding allowance off. lower_quartile/upper_quartile (earnings only) give each
    cell's spread; without them `earnings_cv` (sigma as a share of the median) is assumed.
    """
    _validate(frame, outcome, kind, base, time, treated, comparison, confidence, lower_quartile, upper_quartile)
    if kind == "rate" and (lower_quartile or upper_quartile):
        raise ValueError("quartile columns only apply to earnings")
    if earnings_cv <= 0:
        raise ValueError("earnings_cv must be positive")
    if variance not in did_model.VARIANCES:
        raise ValueError(f"variance must be one of {', '.join(did_model.VARIANCES)}, got {variance!r}")
    cell_columns = _cell_columns(frame, time, cell_columns)

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

    work = work.filter(pl.col("_treated") | pl.col("_comparison")).with_columns(
        _exclusion_reason(frame, outcome, base).alias("_reason"),
        pl.col(base).cast(pl.Float64).alias("_w"),
        pl.col(outcome).cast(pl.Float64).alias("_v"),
    )
    notes: list[str] = []
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

    used_values = work.filter(pl.col("_reason").is_null()).get_column("_v").to_list()
    rounding_step = _infer_rounding_step(used_values, kind) if outcome_rounding is None else float(outcome_rounding)
    if rounding_step < 0:
        raise ValueError("outcome_rounding must be 0 or positive")

    treated_cells = work.filter(pl.col("_treated"))
    comparison_cells = work.filter(pl.col("_comparison"))
    treated_fig = _aggregate(treated_cells, kind=kind, rounding_step=rounding_step)
    comparison_fig = _aggregate(comparison_cells, kind=kind, rounding_step=rounding_step)
    excluded = work.filter(pl.col("_reason").is_not_null()).get_column("_reason").value_counts(sort=True)
    excluded_by_symbol = {str(r): int(n) for r, n in excluded.iter_rows()}
    excluded_cells = sum(excluded_by_symbol.values())

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
    notes.extend(_mixing_notes(work, treated, comparison))
    notes.extend(_composition_notes(treated.label, treated_fig, common))
    notes.extend(_composition_notes(comparison.label, comparison_fig, common))

    pre = [p for p in common if p < intervention_start]
    post = [p for p in common if p >= intervention_start]
    series = _series_frame(treated, comparison, treated_fig, comparison_fig, common, intervention_start)

    estimate = se = ci_low = ci_high = pre_gap = post_gap = None
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

    return ImpactResult(
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        standard_error=se,
        series=series,
        event_study=event_study,
        pre_trend=pre_trend,
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
        pre_gap=pre_gap,
        post_gap=post_gap,
        unavailable_reason=reason,
        notes=tuple(notes),
        variance=variance,
        interval_source=fit.chosen.source if fit is not None else "sampling",
        interval_df=fit.chosen.df if fit is not None else None,
        interval_note=_interval_note(fit, confidence, len(pre) + len(post)) if fit is not None else "",
        cells_used=(fit.treated_cells, fit.comparison_cells) if fit is not None else (0, 0),
        placebo=placebo,
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


def _mean_gap(treated: dict[int, _PeriodFigure], comparison: dict[int, _PeriodFigure], span: list[int]) -> float:
    return sum(_value(treated[p]) - _value(comparison[p]) for p in span) / len(span)


def _value(figure: _PeriodFigure) -> float:
    assert figure.value is not None  # callers only pass periods with usable cells
    return figure.value


def _variance(figure: _PeriodFigure) -> float:
    assert figure.variance is not None
    return figure.variance


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


def _drift_amount(value: float, kind: OutcomeKind) -> str:
    """A drift in the outcome's unit: percentage points to 2 dp, pounds to the nearest pound."""
    return f"{value:,.2f} percentage points" if kind == "rate" else f"£{value:,.0f}"


def _placebo(panel: CellPanel, pre: list[int], variance: Variance, confidence: float) -> Placebo | None:
    """The estimate with a fake start in the middle of the before years, from the before years alone."""
    fake_start = pre[len(pre) // 2]
    fake_pre = [p for p in pre if p < fake_start]
    fake_post = [p for p in pre if p >= fake_start]
    keep = np.isin(panel.period, pre)
    try:
        fit = did_model.fit_did(panel.subset(keep), fake_pre, fake_post, variance, confidence)
    except np.linalg.LinAlgError:
        return None
    half = fit.chosen.half_width(confidence)
    return Placebo(
        fake_start,
        fit.estimate,
        fit.estimate - half,
        fit.estimate + half,
        sampling_only=fit.chosen.source == "sampling",
    )


def _interval_note(fit: DidFit, confidence: float, years: int) -> str:
    """Plain words: what the interval allows for, and which of the candidate intervals it is."""
    level = f"{confidence * 100:g}%"
    cells = f"{fit.treated_cells:,} treated and {fit.comparison_cells:,} comparison cells"
    if fit.chosen.source == "sampling":
        if fit.fallback_note:
            return fit.fallback_note
        return (
            f"Sampling only (optimistic): the {level} interval allows for sampling and the rounding of published "
            "figures, not for real differences between cells or years, so it is likely too narrow."
        )
    cell_text = f"cluster-robust by cell ({cells}; t on {fit.cell.df:g} df)" if fit.cell is not None else None
    year_text = (
        f"from how much the yearly gap moves ({years} years; t on {fit.year.df:g} df)" if fit.year is not None else None
    )
    candidates = [t for t in (cell_text, year_text) if t is not None]
    chosen = cell_text if fit.chosen.source == "cell" else year_text
    if len(candidates) == 2:
        wider = "cluster-robust one" if fit.chosen.source == "cell" else "one from the yearly gap"
        return (
            f"The {level} interval allows for noise in each cell and for year-to-year movement of the gap between "
            f"the groups: it is the wider of two intervals, one {cell_text}, one {year_text}. Here the {wider} is "
            "wider."
        )
    missing = (
        f"fewer than {did_model.MIN_CLUSTERS} cells in a group are published in two or more years, too few for a "
        "cluster-robust interval"
        if fit.cell is None
        else "with only two years, year-to-year movement of the gap cannot be measured and is not allowed for"
    )
    return f"The {level} interval is {chosen}; {missing}."


def _mixing_notes(work: pl.DataFrame, treated: GroupDefinition, comparison: GroupDefinition) -> list[str]:
    """Warn when a group mixes 'Total' rows with their breakdown rows: the same people would count twice."""
    notes: list[str] = []
    text_columns = [c for c, dtype in work.schema.items() if dtype == pl.String and not c.startswith("_")]
    for group, flag in ((treated, "_treated"), (comparison, "_comparison")):
        rows = work.filter(pl.col(flag))
        for column in text_columns:
            if column in group.where or column.endswith("__status"):
                continue
            values = set(rows.get_column(column).unique().to_list())
            if "Total" in values and len(values) > 1:
                notes.append(
                    f"Group {group.label!r} includes both 'Total' and breakdown rows of {column!r}; cells may be "
                    f"counted twice. Restrict {column!r} in the group definition."
                )
    return notes


def _composition_notes(label: str, figures: dict[int, _PeriodFigure], common: list[int]) -> list[str]:
    """Any change in how many cells a group has: reported, though the estimate compares each cell with itself."""
    counts = [figures[p].n_used for p in common]
    if len(counts) < 2 or min(counts) == max(counts):
        return []
    return [
        f"The number of usable cells for {label!r} changes between {min(counts)} and {max(counts)} across periods. "
        "The estimate compares each cell only with itself, so which cells are published cannot move it; the group "
        "averages in the chart do include the change."
    ]


def _method_note(
    kind: OutcomeKind,
    base: str,
    rounding_step: float,
    lower_quartile: str | None,
    upper_quartile: str | None,
    earnings_cv: float,
    confidence: float,
) -> str:
    parts = [
        "Difference-in-differences on the published cells. Each cell (for example a provider, or a provider and "
        "type of provision) is followed over the years, and a model weighted by "
        f"{base!r} gives every cell its own level and every year its own level: the estimate is how much more the "
        "treated cells changed from the start year than the comparison cells, each cell compared only with itself "
        "(two-way fixed effects, fitted with statsmodels). Cells whose figure or base is suppressed or unavailable "
        "are left out, never estimated.",
        f"The {confidence * 100:g}% interval, by default, is the wider of a cluster-robust interval by cell (noise in "
        "each cell, including noise that lasts across its years; needs at least "
        f"{did_model.MIN_CLUSTERS} cells in each group) and an interval from how much the yearly gap between the "
        "groups moves around its before and after averages (shocks that hit a whole group in one year; needs three "
        "years), each with t critical values. In simulations like those in the project's tests this holds its "
        "level within a few points whichever of these kinds of noise is present; 'sampling only' does not.",
    ]
    if kind == "rate":
        parts.append(
            "Sampling only uses the binomial variance p(1-p)/N of each cell, treating every person as independent."
        )
    else:
        quartile_text = (
            f"sigma estimated from each cell's interquartile range, ({upper_quartile} - {lower_quartile}) / 1.349"
            if lower_quartile is not None
            else f"sigma assumed to be {earnings_cv:g} x the cell's median because no quartiles were supplied"
        )
        parts.append(
            "The model averages published medians, which is not the median of the combined group. Sampling only "
            "gives each cell's median a standard error of 1.2533 x sigma / sqrt(n), the large-sample result for "
            f"normally distributed data, with {quartile_text}."
        )
    if rounding_step > 0:
        parts.append(
            "Sampling only also allows for publication rounding (values rounded to the nearest "
            f"{_format_step(kind, rounding_step)}; error assumed uniform)."
        )
    parts.append(
        "The event study replaces the single estimate with one coefficient a year, relative to the last year before "
        "the start. The pre-trend check tests the before years' coefficients jointly against zero with the same "
        "allowance for noise as the estimate, and says how large a steady drift it would have caught; the placebo "
        "re-runs the estimate with a fake start inside the before years, where it should find nothing."
    )
    return " ".join(parts)


def _format_step(kind: OutcomeKind, step: float) -> str:
    """A rounding step in the outcome's unit: '1%' or '£100'."""
    return f"{step:g}%" if kind == "rate" else f"£{step:,g}"


def _caveats(kind: OutcomeKind, intervention_start: int, excluded_cells: int, rounding_step: float) -> tuple[str, ...]:
    start = period_label(intervention_start)
    rounding_text = f" (here to the nearest {_format_step(kind, rounding_step)})" if rounding_step > 0 else ""
    caveats = [
        f"These are observational statistics, not a trial: anything else that changed for one group from {start} "
        "could explain the difference.",
        "The estimate assumes parallel trends: without the intervention, the gap between the groups would have "
        "stayed as it was before.",
        f"Published figures are rounded{rounding_text} and their bases are rounded too; effects smaller than the "
        "rounding cannot be told apart from it.",
        "The mix of providers, subjects or learners in each group can change between years; a change in the mix "
        "can look like an effect.",
    ]
    if excluded_cells:
        caveats.append(
            f"{excluded_cells:,} suppressed or unavailable {'cell was' if excluded_cells == 1 else 'cells were'} left "
            "out and never estimated; if suppression is more common in one group or year, the group averages can shift."
        )
    if kind == "earnings":
        caveats.append(
            "Group earnings are weighted averages of published medians, an analytical figure: do not present them "
            "as published median earnings."
        )
    return tuple(caveats)


def _format_p(p_value: float) -> str:
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"


# --------------------------------------------------------------------------------------------------------------
# Plain-language summary
# --------------------------------------------------------------------------------------------------------------
_PP_UNITS = {"pp", "%", "percentage points", "percentage point"}
_POUND_UNITS = {"£", "gbp", "pounds"}


def _format_amount(value: float, unit: str) -> str:
    """Magnitude of `value` in the unit: 1 dp for percentage points, nearest £100 for earnings (as published)."""
    if unit in _PP_UNITS:
        shown = round_half_up(abs(value), 0.1)
        return f"{shown:.1f} percentage point" + ("" if shown == 1.0 else "s")
    if unit in _POUND_UNITS:
        return f"£{round_half_up(abs(value), 100):,.0f}"
    return f"{round_half_up(abs(value), 0.1):.1f} {unit}".rstrip()


def _format_bound(value: float, unit: str) -> str:
    """A signed interval bound (no unit word: the sentence already names it)."""
    if unit in _POUND_UNITS:
        shown = round_half_up(value, 100)
        return ("-" if shown < 0 else "") + f"£{abs(shown):,.0f}"
    shown = round_half_up(value, 0.1)
    return f"{shown:.1f}" if shown != 0 else "0.0"


def plain_language_summary(result: ImpactResult, outcome_label: str, unit: str | None = None) -> str:
    """GSS-style sentences on the estimate, its interval and the pre-trend check.

    Only the estimate, its interval, the pre-trend p-value and a count of excluded cells are cited: never a cell
    value, and never anything from an excluded cell. `unit` is 'pp' (or '%') or '£'; None takes it from the kind.
    """
    unit = (unit or ("pp" if result.kind == "rate" else "£")).strip()
    unit = unit.lower() if unit.lower() in _PP_UNITS | _POUND_UNITS else unit
    start = period_label(result.intervention_start)
    treated, comparison = result.treated_label, result.comparison_label
    level = f"{result.confidence * 100:g}%"
    sentences: list[str] = []

    if result.estimate is None or result.ci_low is None or result.ci_high is None:
        reason = result.unavailable_reason or "not enough usable data"
        sentences.append(f"The effect on {outcome_label} could not be estimated: {reason}.")
    elif result.is_clear:
        sentences.append(_clear_effect_sentence(result, outcome_label, unit, start, level))
    else:
        signed = ("-" if result.estimate < 0 and _format_bound(result.estimate, unit) != "0.0" else "") + (
            _format_amount(result.estimate, unit)
        )
        sentences.append(
            f"No clear effect: from {start}, the gap in {outcome_label} between {treated} and {comparison} changed "
            f"by {signed} ({level} CI {_format_bound(result.ci_low, unit)} to {_format_bound(result.ci_high, unit)}), "
            "and the interval includes no change."
        )

    trend = result.pre_trend
    if trend.p_value is None:
        if trend.df == 0:
            sentences.append(
                "Parallel trends could not be checked: there were not enough years before the start (at least two "
                "are needed), so the estimate rests on an untested assumption."
            )
        else:
            sentences.append("Parallel trends could not be checked.")
    elif trend.flagged:
        sentences.append(
            f"Treat this with caution: the gap was already changing before {start} ({_format_p(trend.p_value)}), "
            "so part of the change may be an existing trend rather than the intervention."
        )
    else:
        sentences.append(
            f"The gap showed no clear trend before {start} ({_format_p(trend.p_value)}), which is consistent with, "
            "but does not prove, the parallel-trends assumption."
        )
    if result.excluded_cells:
        cells = "cell was" if result.excluded_cells == 1 else "cells were"
        sentences.append(f"{result.excluded_cells:,} suppressed or unavailable {cells} left out; none were estimated.")
    sentences.append("This is an observational comparison, so it cannot prove the intervention caused the change.")
    return " ".join(sentences)


def _clear_effect_sentence(result: ImpactResult, outcome_label: str, unit: str, start: str, level: str) -> str:
    assert result.estimate is not None and result.ci_low is not None and result.ci_high is not None
    treated, comparison = result.treated_label, result.comparison_label
    estimate = result.estimate
    amount = _format_amount(estimate, unit)
    # Interval for the magnitude: flip the bounds when the change is negative.
    low, high = (result.ci_low, result.ci_high) if estimate > 0 else (-result.ci_high, -result.ci_low)
    interval = f"({level} CI {_format_bound(low, unit)} to {_format_bound(high, unit)})"
    pre_gap, post_gap = result.pre_gap, result.post_gap
    if pre_gap is not None and post_gap is not None and pre_gap != 0 and (pre_gap > 0) == (post_gap > 0):
        verb = "widened" if abs(post_gap) > abs(pre_gap) else "narrowed"
        return (
            f"The gap in {outcome_label} between {treated} and {comparison} {verb} by {amount} from {start} {interval}."
        )
    direction = "rose" if estimate > 0 else "fell"
    return f"Relative to {comparison}, {outcome_label} for {treated} {direction} by {amount} from {start} {interval}."

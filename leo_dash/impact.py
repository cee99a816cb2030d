"""Intervention-impact evaluation on published aggregates: difference-in-differences and an event study.

For evaluation teams, as plain functions on Polars frames (usable from a notebook). The input follows the project
convention (leo_dash.model): numeric indicator columns are Float64 with nulls where a symbol stood, and
`status_column(col)` holds the symbol. Each row is a *cell*; a group (treated or comparison) is a set of cells, and
its figure for a period is the base-weighted mean of its published cells. Cells whose outcome or base carries a
symbol are left out and counted; a symbol is never filled, estimated or reversed (data standard D1).

Only the standard library is used for the statistics (normal and chi-square tails are implemented below), so this
module adds no dependency.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

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
# Distribution tails (stdlib only)
# --------------------------------------------------------------------------------------------------------------
def normal_cdf(z: float) -> float:
    """P(Z <= z) for a standard normal Z."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """The z with P(Z <= z) = p, by bisection on the CDF (slow-ish but exact to double precision, no tables)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be strictly between 0 and 1, got {p}")
    if p > 0.5:  # work in the lower tail, where erfc keeps full relative precision
        return -normal_quantile(1.0 - p)
    low, high = -40.0, 0.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if normal_cdf(mid) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-15:
            break
    return (low + high) / 2.0


def chi2_sf(statistic: float, df: int) -> float:
    """P(X >= statistic) for X ~ chi-square with integer `df` degrees of freedom (closed forms for integer df).

    The series' terms are summed in log space, so a large statistic with many degrees of freedom (the
    over-dispersion check pools thousands) does not underflow to 0.
    """
    if df < 1 or int(df) != df:
        raise ValueError(f"degrees of freedom must be a positive integer, got {df}")
    if statistic <= 0.0:
        return 1.0
    x = float(statistic)
    if df % 2 == 0:
        # Even df: Poisson-sum identity, Q = sum_{i < df/2} exp(-x/2) (x/2)^i / i!
        log_half = math.log(x / 2.0)
        logs = [-x / 2.0 + i * log_half - math.lgamma(i + 1) for i in range(df // 2)]
        return min(1.0, _sum_exp(logs))
    # Odd df: Q = erfc(sqrt(x/2)) + sum_{j=1}^{(df-1)/2} 2 phi(sqrt(x)) x^{(2j-1)/2} / (1*3*...*(2j-1)),
    # with log(1*3*...*(2j-1)) = lgamma(2j+1) - j log 2 - lgamma(j+1).
    log_x = math.log(x)
    lead = math.log(2.0) - x / 2.0 - 0.5 * math.log(2.0 * math.pi)
    logs = [
        lead + (2 * j - 1) / 2.0 * log_x - (math.lgamma(2 * j + 1) - j * math.log(2.0) - math.lgamma(j + 1))
        for j in range(1, (df - 1) // 2 + 1)
    ]
    return min(1.0, math.erfc(math.sqrt(x / 2.0)) + (_sum_exp(logs) if logs else 0.0))


def _sum_exp(logs: Sequence[float]) -> float:
    """sum(exp(v) for v in logs) without overflow or underflow of the largest terms."""
    top = max(logs)
    if top == -math.inf:
        return 0.0
    return math.exp(top) * math.fsum(math.exp(v - top) for v in logs)


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
    """Joint Wald test that all pre-period gaps are equal (no pre-trend); the slope is reported for context."""

    statistic: float | None
    p_value: float | None
    df: int
    flagged: bool
    note: str
    slope_per_year: float | None = None  # weighted least-squares slope of the pre-period gap, outcome units a year
    slope_se: float | None = None


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
    dispersion: Dispersion | None = None  # rates with several cells per group: over-dispersion found (and used)

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
    pearson: float = 0.0  # rates: sum of w_i (y_i - p)^2 / (p (1 - p)) over the period's cells (0 for one cell)


@dataclass(frozen=True)
class Dispersion:
    """How much more a rate's cells vary within each group and period than sampling alone gives (quasi-binomial:
    Pearson chi-square over its degrees of freedom, pooled over both groups and every period used)."""

    phi: float
    df: int  # sum over group-periods of (cells used - 1)
    significant: bool  # Pearson chi-square above the 95th percentile of chi-square on `df`
    applied: bool  # whether the standard errors were multiplied by sqrt(phi)


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
    phi: float = 1.0,
) -> dict[int, _PeriodFigure]:
    """Base-weighted mean per period and its sampling variance (times `phi` for rates, plus a rounding
    allowance)."""
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
            (pl.col("_w") * (pl.col("_v") / 100.0) ** 2).filter(pl.col("_reason").is_null()).sum().alias("sum_wy2"),
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
        pearson = 0.0
        if kind == "rate":
            share = min(max(value / 100.0, 0.0), 1.0)
            sampling = 100.0**2 * share * (1.0 - share) / total_w * phi
            if n_used > 1 and 0.0 < share < 1.0:
                # sum w (y - p)^2 = sum w y^2 - W p^2 (the weighted mean is p)
                pearson = max(0.0, float(row["sum_wy2"]) - total_w * share**2) / (share * (1.0 - share))
        else:
            sampling = MEDIAN_SE_FACTOR**2 * float(row["sum_w_sigma2"]) / total_w**2
        # Each published value is off by up to half a rounding step: uniform error, variance step^2/12.
        rounding = rounding_step**2 / 12.0 * float(row["sum_w2"]) / total_w**2
        figures[period] = _PeriodFigure(period, value, total_w, sampling + rounding, n_used, n_excluded, pearson)
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
    allow_overdispersion: bool = False,
) -> ImpactResult:
    """Difference-in-differences of `outcome` between two groups of cells, before and from `intervention_start`.

    allow_overdispersion (rates): multiply every binomial variance by the pooled quasi-binomial factor phi (never
    below 1) when the cells within a group vary more than sampling alone gives; the result's `dispersion` says
    what was found either way.

    outcome_rounding: the step published values were rounded to (e.g. 1 for whole %, 100 for £); None infers it
    from the data, 0 switches the rounding allowance off. lower_quartile/upper_quartile (earnings only) give each
    cell's spread; without them `earnings_cv` (sigma as a share of the median) is assumed.
    """
    _validate(frame, outcome, kind, base, time, treated, comparison, confidence, lower_quartile, upper_quartile)
    if kind == "rate" and (lower_quartile or upper_quartile):
        raise ValueError("quartile columns only apply to earnings")
    if earnings_cv <= 0:
        raise ValueError("earnings_cv must be positive")

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
    dispersion = _dispersion(treated_fig, comparison_fig, kind) if kind == "rate" else None
    if dispersion is not None and allow_overdispersion and dispersion.significant and dispersion.phi > 1:
        dispersion = Dispersion(dispersion.phi, dispersion.df, dispersion.significant, applied=True)
        treated_fig = _aggregate(treated_cells, kind=kind, rounding_step=rounding_step, phi=dispersion.phi)
        comparison_fig = _aggregate(comparison_cells, kind=kind, rounding_step=rounding_step, phi=dispersion.phi)

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
    if dispersion is not None and dispersion.significant and not dispersion.applied:
        notes.append(
            f"The cells within each group vary far more than sampling alone gives (quasi-binomial factor "
            f"phi = {dispersion.phi:,.1f} on {dispersion.df:,} degrees of freedom), so this interval and the "
            "pre-trend test are likely too narrow; allowing for over-dispersion widens them by sqrt(phi)."
        )
    notes.extend(_mixing_notes(work, treated, comparison))
    notes.extend(_composition_notes(treated.label, treated_fig, common))
    notes.extend(_composition_notes(comparison.label, comparison_fig, common))

    pre = [p for p in common if p < intervention_start]
    post = [p for p in common if p >= intervention_start]
    z = normal_quantile(0.5 + confidence / 2.0)

    series = _series_frame(treated, comparison, treated_fig, comparison_fig, common, intervention_start)
    event_study = _event_study_frame(treated_fig, comparison_fig, pre, post, intervention_start, z)
    pre_trend = _pre_trend_test(treated_fig, comparison_fig, pre, intervention_start)

    estimate = se = ci_low = ci_high = pre_gap = post_gap = None
    reason: str | None = None
    if not pre:
        reason = f"no period before {period_label(intervention_start)} has usable cells in both groups"
    elif not post:
        reason = f"no period from {period_label(intervention_start)} onwards has usable cells in both groups"
    else:
        pre_gap = _mean_gap(treated_fig, comparison_fig, pre)
        post_gap = _mean_gap(treated_fig, comparison_fig, post)
        estimate = post_gap - pre_gap
        variance = sum(
            _mean_variance(figures, span) for figures in (treated_fig, comparison_fig) for span in (pre, post)
        )
        se = math.sqrt(variance)
        ci_low, ci_high = estimate - z * se, estimate + z * se

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
        method_note=_method_note(
            kind, base, rounding_step, lower_quartile, upper_quartile, earnings_cv, confidence, dispersion
        ),
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
        dispersion=dispersion,
    )


def _dispersion(
    treated_fig: dict[int, _PeriodFigure], comparison_fig: dict[int, _PeriodFigure], kind: OutcomeKind
) -> Dispersion | None:
    """Pooled quasi-binomial dispersion of the rate's cells around their group-period means."""
    figures = [f for group in (treated_fig, comparison_fig) for f in group.values() if f.value is not None]
    df = sum(f.n_used - 1 for f in figures if f.n_used > 1)
    if kind != "rate" or df < 1:
        return None
    pearson = sum(f.pearson for f in figures)
    phi = pearson / df
    return Dispersion(phi, df, significant=chi2_sf(pearson, df) < PRE_TREND_ALPHA, applied=False)


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


def _mean_variance(figures: dict[int, _PeriodFigure], span: list[int]) -> float:
    """Variance of a plain average of per-period figures, periods treated as independent."""
    return sum(_variance(figures[p]) for p in span) / len(span) ** 2


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


def _event_study_frame(
    treated_fig: dict[int, _PeriodFigure],
    comparison_fig: dict[int, _PeriodFigure],
    pre: list[int],
    post: list[int],
    intervention_start: int,
    z: float,
) -> pl.DataFrame:
    schema = {
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
    if not pre:
        return pl.DataFrame(schema=schema)
    reference = pre[-1]
    start_year = period_start_year(intervention_start)
    ref_gap = _value(treated_fig[reference]) - _value(comparison_fig[reference])
    ref_var = _variance(treated_fig[reference]) + _variance(comparison_fig[reference])
    rows: list[dict[str, object]] = []
    for period in pre + post:
        t, c = treated_fig[period], comparison_fig[period]
        gap = _value(t) - _value(c)
        is_reference = period == reference
        diff = 0.0 if is_reference else gap - ref_gap
        # The reference is zero by construction, so it carries no interval.
        se = None if is_reference else math.sqrt(_variance(t) + _variance(c) + ref_var)
        rows.append(
            {
                "period": period,
                "relative_period": period_start_year(period) - start_year,
                "treated_value": _value(t),
                "comparison_value": _value(c),
                "gap": gap,
                "gap_diff": diff,
                "se": se,
                "ci_low": None if se is None else diff - z * se,
                "ci_high": None if se is None else diff + z * se,
                "is_reference": is_reference,
            }
        )
    return pl.DataFrame(rows, schema=schema, orient="row")


def _pre_trend_test(
    treated_fig: dict[int, _PeriodFigure],
    comparison_fig: dict[int, _PeriodFigure],
    pre: list[int],
    intervention_start: int,
) -> PreTrendTest:
    """Wald test that every pre-period event-study coefficient is zero (chi-square, df = pre periods - 1)."""
    if len(pre) < 2:
        return PreTrendTest(
            statistic=None,
            p_value=None,
            df=0,
            flagged=False,
            note=(
                f"Not enough pre-periods to test for a pre-trend: {len(pre)} period(s) before "
                f"{period_label(intervention_start)} with usable cells in both groups; at least 2 are needed."
            ),
        )
    gaps = {p: _value(treated_fig[p]) - _value(comparison_fig[p]) for p in pre}
    variances = {p: _variance(treated_fig[p]) + _variance(comparison_fig[p]) for p in pre}
    if any(v <= 0 for v in variances.values()):
        return PreTrendTest(
            statistic=None,
            p_value=None,
            df=len(pre) - 1,
            flagged=False,
            note="The pre-trend test could not be run: a pre-period figure has no sampling variance (e.g. 0% or 100%).",
        )
    reference = pre[-1]
    others = pre[:-1]
    coefficients = {p: gaps[p] - gaps[reference] for p in others}
    # The coefficients share the reference gap, so their covariance is diag(v_t) + v_ref * 11'. Its inverse has a
    # closed form (Sherman-Morrison), which keeps this free of matrix libraries.
    v_ref = variances[reference]
    sum_b2_over_v = sum(coefficients[p] ** 2 / variances[p] for p in others)
    sum_b_over_v = sum(coefficients[p] / variances[p] for p in others)
    sum_inv_v = sum(1.0 / variances[p] for p in others)
    statistic = sum_b2_over_v - v_ref * sum_b_over_v**2 / (1.0 + v_ref * sum_inv_v)
    df = len(others)
    p_value = chi2_sf(statistic, df)
    flagged = p_value < PRE_TREND_ALPHA

    # Weighted least-squares slope of the gap over the pre-periods, for a sense of size.
    weights = {p: 1.0 / variances[p] for p in pre}
    x = {p: float(period_start_year(p)) for p in pre}
    total_w = sum(weights.values())
    x_bar = sum(weights[p] * x[p] for p in pre) / total_w
    g_bar = sum(weights[p] * gaps[p] for p in pre) / total_w
    sxx = sum(weights[p] * (x[p] - x_bar) ** 2 for p in pre)
    slope = sum(weights[p] * (x[p] - x_bar) * (gaps[p] - g_bar) for p in pre) / sxx
    slope_se = math.sqrt(1.0 / sxx)

    p_text = _format_p(p_value)
    if flagged:
        note = (
            f"Pre-trend flagged: the gap between the groups was already changing before "
            f"{period_label(intervention_start)} (Wald chi-square {statistic:.2f} on {df} df, {p_text}). "
            "The parallel-trends assumption looks doubtful. With very large bases even small wobbles are "
            "'significant', so also judge the size of the pre-period coefficients."
        )
    else:
        note = (
            f"No clear pre-trend (Wald chi-square {statistic:.2f} on {df} df, {p_text}). This is consistent with, "
            "but does not prove, parallel trends; with few pre-periods the test has little power."
        )
    return PreTrendTest(statistic, p_value, df, flagged, note, slope, slope_se)


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
    counts = [figures[p].n_used for p in common]
    if len(counts) < 2 or min(counts) == max(counts):
        return []
    if max(counts) <= 1.2 * min(counts):
        return []
    return [
        f"The number of usable cells for {label!r} changes between {min(counts)} and {max(counts)} across periods: "
        "part of any change may come from which cells are present, not from the intervention."
    ]


def _method_note(
    kind: OutcomeKind,
    base: str,
    rounding_step: float,
    lower_quartile: str | None,
    upper_quartile: str | None,
    earnings_cv: float,
    confidence: float,
    dispersion: Dispersion | None = None,
) -> str:
    parts = [
        "Difference-in-differences on group averages. For each period, a group's figure is the average of its "
        f"published cells weighted by {base!r}; cells whose figure or base is suppressed or unavailable are left "
        "out, never estimated. The estimate is (treated after minus treated before) minus (comparison after minus "
        "comparison before), where 'before' and 'after' are plain averages of the yearly figures."
    ]
    if kind == "rate":
        parts.append(
            "Standard errors for a rate use the binomial formula sqrt(p(1-p)/N) on the pooled rate p and the summed "
            "base N, treating every person as an independent observation."
        )
        if dispersion is not None and dispersion.applied:
            parts.append(
                "Allowing for over-dispersion: the cells within each group and period vary more than sampling alone "
                f"gives, so every binomial variance is multiplied by the quasi-binomial factor phi = "
                f"{dispersion.phi:,.1f} (Pearson chi-square over its {dispersion.df:,} degrees of freedom, pooled "
                "over both groups and all periods). Lasting differences between cells count towards phi although "
                "they cancel out of a difference-in-differences, so this errs towards intervals that are too wide."
            )
    else:
        quartile_text = (
            f"sigma estimated from each cell's interquartile range, ({upper_quartile} - {lower_quartile}) / 1.349"
            if lower_quartile is not None
            else f"sigma assumed to be {earnings_cv:g} x the cell's median because no quartiles were supplied"
        )
        parts.append(
            "Group earnings are base-weighted averages of the cells' published medians, which is not the median "
            "of the combined group. Each cell's median is given a standard error of 1.2533 x sigma / sqrt(n), "
            f"the large-sample result for normally distributed data, with {quartile_text}. Earnings are skewed, so "
            "this is an approximation: treat the interval as a rough guide."
        )
    if rounding_step > 0:
        parts.append(
            "An allowance for publication rounding (values rounded to the nearest "
            f"{_format_step(kind, rounding_step)}; error assumed uniform) is added to each period's variance."
        )
    widened = dispersion is not None and dispersion.applied
    ignored = (
        "changes in which cells are present and the same people appearing in several years"
        if widened
        else "real differences between cells beyond sampling noise, changes in which cells are present, and the "
        "same people appearing in several years, so the interval is likely too narrow rather than too wide"
    )
    parts.append(
        "Variances of the four period averages are added as if independent, and the "
        f"{confidence * 100:g}% interval uses the normal approximation. Limits: this ignores {ignored}. The event "
        "study compares each period's gap with the gap in the last period before the intervention; the pre-trend "
        "check is a joint Wald chi-square test that all pre-period gaps are equal."
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
                "Parallel trends could not be checked: there were not enough pre-periods (at least two are needed)."
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

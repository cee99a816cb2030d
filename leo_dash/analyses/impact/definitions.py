"""Difference-in-differences constants and public types (GroupDefinition, PreTrendTest, Placebo, ImpactResult), and period helpers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from leo_dash.analyses import did_model
from leo_dash.analyses.did_model import Variance

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

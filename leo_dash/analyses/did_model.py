"""Difference-in-differences on published cells: a two-way fixed-effects model fitted with statsmodels.

A *cell* is one published row followed over the years (a provider, a subject, a provider x provision, ...). Each
cell gets its own fixed effect and each year its own effect, so the estimate compares every cell only with itself:
a cell that stops being published (or starts) cannot move it, whichever cells they are. The coefficient on
"treated and from the start year" is the estimate; the event-study form has one coefficient per year instead,
the last year before the start being the reference (0 by construction). Observations are weighted by their base
(learners, graduates), as the published group figures are.

The fixed effects are absorbed by weighted within-cell demeaning (the Frisch-Waugh-Lovell theorem), so the model
that statsmodels fits has only a column per year and the treatment terms, whatever the number of cells; the tests
check it against the same model with a dummy per cell.

Which noise an interval allows for (`Variance`):

- ``"all"`` (the default, honest one): the wider of two intervals, each valid where the other may not be:
  * **cluster-robust by cell** (CR1 with the usual small-sample factor, t on G - 1 degrees of freedom): any noise
    in a cell, including noise that persists across its years. Needs at least `MIN_CLUSTERS` cells with two or
    more years in each group: with fewer, cluster-robust intervals are far too narrow.
  * **year-to-year movement of the gap**: the spread of the event-study coefficients around their before and
    after means, t on years - 2 degrees of freedom (Donald and Lang, 2007, on the fixed-effects gaps). This is
    the only way to see shocks that hit a whole group in one year, which no cell-level variance can. Needs three
    years. Effects that grow over the after years also count as spread, so it errs towards too wide.
- ``"sampling"``: binomial (rates) or median (earnings) sampling plus publication rounding only. Real cells vary
  far more, so this interval is optimistic: an expert option, labelled as such on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats

Variance = Literal["all", "sampling"]
VARIANCES: tuple[Variance, ...] = ("all", "sampling")
# Source of the interval actually used.
Source = Literal["cell", "year", "sampling"]

# Cluster-robust variances with fewer clusters than this per group reject far too often (MacKinnon and Webb, 2017).
MIN_CLUSTERS = 10
# The level at which the wider of the honest intervals is picked.
CHOICE_CONFIDENCE = 0.95
# Power the pre-trend check's "smallest drift it could detect" refers to.
DRIFT_POWER = 0.8


@dataclass(frozen=True)
class CellPanel:
    """The usable cells, one row per cell and year (numpy arrays of equal length)."""

    cell: np.ndarray  # integer code of the cell
    period: np.ndarray  # integer period, e.g. 202021
    treated: np.ndarray  # bool: the cell is in the treated group
    value: np.ndarray  # published figure (percent for rates, £ for earnings)
    weight: np.ndarray  # base: learners, graduates
    sampling_variance: np.ndarray  # variance of `value` from sampling and rounding alone

    def subset(self, keep: np.ndarray) -> CellPanel:
        return CellPanel(
            self.cell[keep],
            self.period[keep],
            self.treated[keep],
            self.value[keep],
            self.weight[keep],
            self.sampling_variance[keep],
        )

    def without_single_year_cells(self) -> CellPanel:
        """A cell seen in one year only says nothing once its own effect is removed; dropping it keeps the
        cluster count honest."""
        _codes, inverse, counts = np.unique(self.cell, return_inverse=True, return_counts=True)
        return self.subset(counts[inverse] > 1)


@dataclass(frozen=True)
class Interval:
    """One way of putting an interval round an estimate."""

    source: Source
    standard_error: float
    df: float | None  # t degrees of freedom; None: normal

    def critical(self, confidence: float) -> float:
        tail = 0.5 + confidence / 2.0
        return float(stats.norm.ppf(tail) if self.df is None else stats.t.ppf(tail, self.df))

    def half_width(self, confidence: float) -> float:
        return self.critical(confidence) * self.standard_error


@dataclass(frozen=True)
class DidFit:
    """The difference-in-differences coefficient and every interval that could be put round it."""

    estimate: float
    chosen: Interval
    sampling: Interval
    cell: Interval | None  # None: too few cells per group
    year: Interval | None  # None: fewer than three years
    treated_cells: int
    comparison_cells: int
    fallback_note: str | None = None  # why the chosen interval is not an honest one, when it is not


@dataclass(frozen=True)
class EventStudy:
    """Per-year coefficients (reference year 0) and their covariance under the chosen variance."""

    periods: tuple[int, ...]
    reference: int
    coefficients: dict[int, float]  # every period; the reference is 0.0
    covariance: np.ndarray  # over the non-reference periods, in `periods` order without the reference
    df: float | None
    standard_errors: dict[int, float]  # non-reference periods


@dataclass(frozen=True)
class PreTrendCheck:
    """Joint test that every pre-period coefficient is 0, with the same variance as the estimate."""

    statistic: float  # F (t-based variances) or chi-square (normal)
    p_value: float
    df: int
    df_denominator: float | None
    detectable_drift: float | None  # smallest straight-line drift in the gap a year found with DRIFT_POWER power


# --------------------------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------------------------
def _demean(columns: np.ndarray, cell: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Subtract each cell's weighted mean from every column (absorbs the cell fixed effects)."""
    codes, inverse = np.unique(cell, return_inverse=True)
    total = np.bincount(inverse, weights=weight, minlength=len(codes))
    out = np.empty_like(columns, dtype=float)
    for j in range(columns.shape[1]):
        sums = np.bincount(inverse, weights=weight * columns[:, j], minlength=len(codes))
        out[:, j] = columns[:, j] - (sums / total)[inverse]
    return out


@dataclass(frozen=True)
class _Fit:
    names: tuple[str, ...]
    params: np.ndarray
    cluster_cov: np.ndarray
    sampling_cov: np.ndarray
    clusters: int


def _fit(panel: CellPanel, regressors: dict[str, np.ndarray]) -> _Fit:
    """Weighted least squares of value on cell effects + `regressors`, cluster-robust by cell."""
    names = tuple(regressors)
    design = _demean(np.column_stack([regressors[n] for n in names]).astype(float), panel.cell, panel.weight)
    response = _demean(panel.value.reshape(-1, 1), panel.cell, panel.weight)[:, 0]
    rank = np.linalg.matrix_rank(design * np.sqrt(panel.weight)[:, None])
    if rank < design.shape[1]:
        raise np.linalg.LinAlgError("the treatment is not identified from these cells")
    model = sm.WLS(response, design, weights=panel.weight)
    result = model.fit(cov_type="cluster", cov_kwds={"groups": panel.cell, "use_correction": True}, use_t=True)
    # Sampling only: the coefficients are linear in the values, b = A y, so Var(b) = A diag(v) A'.
    weighted = design * panel.weight[:, None]
    solve = np.linalg.solve(design.T @ weighted, weighted.T)
    sampling_cov = (solve * panel.sampling_variance) @ solve.T
    return _Fit(
        names=names,
        params=np.asarray(result.params, dtype=float),
        cluster_cov=np.asarray(result.cov_params(), dtype=float),
        sampling_cov=sampling_cov,
        clusters=len(np.unique(panel.cell)),
    )


def _year_terms(panel: CellPanel, periods: Sequence[int], reference: int) -> dict[str, np.ndarray]:
    return {f"year_{p}": (panel.period == p).astype(float) for p in periods if p != reference}


def fit_event_study(panel: CellPanel, pre: Sequence[int], post: Sequence[int]) -> tuple[_Fit, tuple[int, ...], int]:
    """Cell and year effects plus treated x year for every year but the last before the start."""
    periods = tuple(sorted([*pre, *post]))
    reference = max(pre)
    regressors = _year_terms(panel, periods, reference)
    for p in periods:
        if p != reference:
            regressors[f"treated_{p}"] = ((panel.period == p) & panel.treated).astype(float)
    return _fit(panel, regressors), periods, reference


def _group_cells(panel: CellPanel) -> tuple[int, int]:
    treated = len(np.unique(panel.cell[panel.treated]))
    comparison = len(np.unique(panel.cell[~panel.treated]))
    return treated, comparison


def fit_did(panel: CellPanel, pre: Sequence[int], post: Sequence[int], variance: Variance, confidence: float) -> DidFit:
    """The two-way fixed-effects estimate and its intervals. `panel` holds only years in `pre` + `post`."""
    panel = panel.without_single_year_cells()
    periods = sorted([*pre, *post])
    post_set = set(post)
    regressors = _year_terms(panel, periods, max(pre))
    is_post = np.isin(panel.period, list(post_set))
    regressors["treated_after"] = (panel.treated & is_post).astype(float)
    fit = _fit(panel, regressors)
    index = fit.names.index("treated_after")
    estimate = float(fit.params[index])
    sampling = Interval("sampling", math.sqrt(max(fit.sampling_cov[index, index], 0.0)), None)
    treated_cells, comparison_cells = _group_cells(panel)
    cell = None
    if min(treated_cells, comparison_cells) >= MIN_CLUSTERS:
        cell = Interval("cell", math.sqrt(max(fit.cluster_cov[index, index], 0.0)), float(fit.clusters - 1))
    year = _year_interval(panel, pre, post)
    chosen, note = _choose(variance, sampling, cell, year, confidence)
    return DidFit(estimate, chosen, sampling, cell, year, treated_cells, comparison_cells, note)


def _year_interval(
    panel: CellPanel, pre: Sequence[int], post: Sequence[int], *, lines_after: bool = False
) -> Interval | None:
    """Spread of the yearly fixed-effects gaps around their before and after levels (Donald and Lang).

    With three or more before years the before gaps are measured around a straight line rather than their mean,
    so a drift before the start (which the pre-trend check is there to find) is not mistaken for noise; under
    parallel trends this costs one degree of freedom and nothing else. `lines_after` measures the after gaps
    around a line too: for the pre-trend check, so that a drift that carries on after the start is not counted as
    noise either."""
    if len(pre) + len(post) < 3:
        return None
    fit, periods, reference = fit_event_study(panel, pre, post)
    gaps = {p: (0.0 if p == reference else float(fit.params[fit.names.index(f"treated_{p}")])) for p in periods}
    before_squares, before_df = _squares_about_level([gaps[p] for p in pre], pre, line=len(pre) >= 3)
    after_squares, after_df = _squares_about_level([gaps[p] for p in post], post, line=lines_after and len(post) >= 3)
    squares = before_squares + after_squares
    df = before_df + after_df
    if df < 1:
        return None
    spread = squares / df
    return Interval("year", math.sqrt(spread * (1.0 / len(pre) + 1.0 / len(post))), float(df))


def _squares_about_level(values: Sequence[float], periods: Sequence[int], *, line: bool) -> tuple[float, int]:
    """Sum of squared deviations from the mean (or a least-squares line) and its degrees of freedom."""
    y = np.array(values, dtype=float)
    if line:
        years = np.array([_year_of(p) for p in periods], dtype=float)
        fitted = np.polynomial.Polynomial.fit(years, y, 1)(years)
        return float(((y - fitted) ** 2).sum()), len(y) - 2
    return float(((y - y.mean()) ** 2).sum()), len(y) - 1


def _choose(
    variance: Variance,
    sampling: Interval,
    cell: Interval | None,
    year: Interval | None,
    confidence: float,
) -> tuple[Interval, str | None]:
    if variance == "sampling":
        return sampling, None
    honest = [i for i in (cell, year) if i is not None]
    if not honest:
        return sampling, (
            "No interval that allows for noise beyond sampling could be made: that needs at least three years, or "
            f"at least {MIN_CLUSTERS} cells in each group published in two or more years. The interval shown allows "
            "for sampling and rounding only and is likely too narrow."
        )
    # Which is wider is judged at 95% whatever level is asked for, so the level changes the width, not the method.
    return max(honest, key=lambda i: i.half_width(CHOICE_CONFIDENCE)), None


def event_study(panel: CellPanel, pre: Sequence[int], post: Sequence[int], did: DidFit) -> EventStudy:
    """Per-year coefficients with a covariance on the same footing as the estimate's chosen interval."""
    panel = panel.without_single_year_cells()
    fit, periods, reference = fit_event_study(panel, pre, post)
    order = [p for p in periods if p != reference]
    idx = [fit.names.index(f"treated_{p}") for p in order]
    coefficients = {p: float(fit.params[i]) for p, i in zip(order, idx, strict=True)}
    coefficients[reference] = 0.0
    chosen = did.chosen
    df = chosen.df
    if chosen.source == "sampling":
        covariance = fit.sampling_cov[np.ix_(idx, idx)]
    elif chosen.source == "cell":
        covariance = fit.cluster_cov[np.ix_(idx, idx)]
    else:
        # Year-to-year movement: scale the best cell-level covariance up to the yearly movement of the gap, so the
        # yearly intervals and the pre-trend check allow for the same noise as the estimate. The movement is
        # measured around straight lines here, so the drift the check looks for is not itself counted as noise.
        base_cov, base_se = (
            (fit.cluster_cov, did.cell.standard_error)
            if did.cell is not None
            else (fit.sampling_cov, did.sampling.standard_error)
        )
        movement = _year_interval(panel, pre, post, lines_after=True) or chosen
        scale = (movement.standard_error / base_se) ** 2 if base_se > 0 else 1.0
        covariance = base_cov[np.ix_(idx, idx)] * max(scale, 1.0)
        df = movement.df
    ses = {p: math.sqrt(max(covariance[k, k], 0.0)) for k, p in enumerate(order)}
    return EventStudy(periods, reference, coefficients, covariance, df, ses)


def pre_trend_check(study: EventStudy, pre: Sequence[int]) -> PreTrendCheck | None:
    """Wald test that the pre-period coefficients are all 0, and the smallest linear drift it would find."""
    tested = [p for p in study.periods if p in set(pre) and p != study.reference]
    if not tested:
        return None
    order = [p for p in study.periods if p != study.reference]
    idx = [order.index(p) for p in tested]
    cov = study.covariance[np.ix_(idx, idx)]
    values = np.array([study.coefficients[p] for p in tested])
    try:
        inverse = np.linalg.inv(cov)
    except np.linalg.LinAlgError:
        return None
    q = len(tested)
    wald = float(values @ inverse @ values)
    # Drift of d a year since the reference year: coefficient_t = d x (years from the reference).
    steps = np.array([_year_of(p) - _year_of(study.reference) for p in tested], dtype=float)
    information = float(steps @ inverse @ steps)
    alpha = 0.05
    if study.df is None:
        p_value = float(stats.chi2.sf(wald, q))
        critical = float(stats.chi2.ppf(1 - alpha, q))
        needed = _noncentrality_for_power(lambda lam: float(stats.ncx2.sf(critical, q, lam)))
        return PreTrendCheck(wald, p_value, q, None, _drift(needed, information))
    statistic = wald / q
    p_value = float(stats.f.sf(statistic, q, study.df))
    critical = float(stats.f.ppf(1 - alpha, q, study.df))
    needed = _noncentrality_for_power(lambda lam: float(stats.ncf.sf(critical, q, study.df, lam)))
    return PreTrendCheck(statistic, p_value, q, study.df, _drift(needed, information))


def _noncentrality_for_power(power_at: Callable[[float], float]) -> float | None:
    """Smallest non-centrality at which the test has DRIFT_POWER power (power rises with it)."""
    high = 1.0
    while power_at(high) < DRIFT_POWER:
        high *= 2.0
        if high > 1e8:
            return None
    return float(optimize.brentq(lambda lam: power_at(lam) - DRIFT_POWER, 0.0, high, xtol=1e-10))


def _drift(noncentrality: float | None, information: float) -> float | None:
    if noncentrality is None or information <= 0:
        return None
    return math.sqrt(noncentrality / information)


def _year_of(period: int) -> int:
    return period // 100 if period >= 100_000 else period

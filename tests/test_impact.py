"""Tests for leo_dash.analyses.impact: difference-in-differences, event study and pre-trend test on published aggregates.

Synthetic data carry a known injected effect, realistic sampling noise and realistic publication rounding (rates to
whole %, bases to 10; earnings to £100, earnings bases to 5). Seeds are fixed, so every test is deterministic;
the coverage checks run many seeds and use thresholds far from the expected rate, so they show the interval is
calibrated rather than lucky.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from leo_dash.analyses.impact import (
    GroupDefinition,
    ImpactResult,
    estimate_impact,
    period_start_year,
    plain_language_summary,
)
from leo_dash.core import ees
from leo_dash.core.model import SYMBOL_LABELS, status_column
from leo_dash.core.paths import REFERENCE_DIR

PERIODS = (201718, 201819, 201920, 202021, 202122, 202223)
START = 202021
TREATED = GroupDefinition("Treated", {"provision": ["Treated"]})
COMPARISON = GroupDefinition("Comparison", {"provision": ["Comparison"]})
SEEDS = range(40)


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data
# ---------------------------------------------------------------------------------------------------------------
def _round_half_up(values: np.ndarray | float, step: float) -> np.ndarray | float:
    return np.floor(np.asarray(values) / step + 0.5) * step


def _with_empty_status(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.lit(None, dtype=pl.String).alias(status_column(c)) for c in columns)


def synthetic_rates(
    seed: int,
    *,
    effect: float = 0.0,
    differential_trend: float = 0.0,
    cells: int = 30,
    periods: tuple[int, ...] = PERIODS,
    start: int = START,
) -> pl.DataFrame:
    """Provider-like cells: rate (whole %) on `learners` (rounded to 10). Treated gets +effect pp from `start`.

    Both groups share a common trend of +0.8 pp a year; `differential_trend` adds a treated-only trend in every
    period (a violation of parallel trends).
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    start_year = period_start_year(start)
    for group, baseline in (("Treated", 30.0), ("Comparison", 40.0)):
        sizes = rng.integers(800, 3000, size=cells)
        cell_shift = rng.normal(0.0, 4.0, size=cells)
        for period in periods:
            relative = period_start_year(period) - start_year
            for i in range(cells):
                pct = baseline + cell_shift[i] + 0.8 * relative
                if group == "Treated":
                    pct += differential_trend * relative + (effect if period >= start else 0.0)
                n = int(sizes[i] * rng.uniform(0.95, 1.05))
                successes = rng.binomial(n, float(np.clip(pct, 0.0, 100.0)) / 100.0)
                rows.append(
                    {
                        "time_period": period,
                        "provision": group,
                        "provider_ukprn": f"{group[0]}{i:03d}",
                        "rate": float(_round_half_up(100.0 * successes / n, 1.0)),
                        "learners": float(_round_half_up(n, 10.0)),
                    }
                )
    schema = {
        "time_period": pl.Int64,
        "provision": pl.String,
        "provider_ukprn": pl.String,
        "rate": pl.Float64,
        "learners": pl.Float64,
    }
    return _with_empty_status(pl.DataFrame(rows, schema=schema, orient="row"), "rate", "learners")


def synthetic_earnings(seed: int, *, effect: float = 0.0, cells: int = 20) -> pl.DataFrame:
    """Cells whose median / LQ / UQ come from real lognormal samples (skewed, like pay), rounded to £100."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for group, baseline in (("Treated", 24000.0), ("Comparison", 27000.0)):
        sizes = rng.integers(150, 400, size=cells)
        cell_factor = np.exp(rng.normal(0.0, 0.1, size=cells))
        for period in PERIODS:
            relative = period_start_year(period) - period_start_year(START)
            for i in range(cells):
                n = int(sizes[i] * rng.uniform(0.95, 1.05))
                pay = baseline * cell_factor[i] * np.exp(rng.normal(0.0, 0.5, size=n)) + 600.0 * relative
                if group == "Treated" and period >= START:
                    pay = pay + effect
                lq, median, uq = np.quantile(pay, [0.25, 0.5, 0.75])
                rows.append(
                    {
                        "time_period": period,
                        "provision": group,
                        "provider_ukprn": f"{group[0]}{i:03d}",
                        "earnings_median": float(_round_half_up(median, 100.0)),
                        "earnings_LQ": float(_round_half_up(lq, 100.0)),
                        "earnings_UQ": float(_round_half_up(uq, 100.0)),
                        "grads_earnings_include": float(_round_half_up(n, 5.0)),
                    }
                )
    frame = pl.DataFrame(rows).with_columns(pl.col("time_period").cast(pl.Int64))
    return _with_empty_status(frame, "earnings_median", "earnings_LQ", "earnings_UQ", "grads_earnings_include")


def rate_impact(frame: pl.DataFrame, **overrides: object) -> ImpactResult:
    arguments: dict[str, object] = {
        "outcome": "rate",
        "kind": "rate",
        "base": "learners",
        "time": "time_period",
        "treated": TREATED,
        "comparison": COMPARISON,
        "intervention_start": START,
    }
    arguments.update(overrides)
    return estimate_impact(frame, **arguments)  # type: ignore[arg-type]


def earnings_impact(frame: pl.DataFrame, *, quartiles: bool = True, variance: str = "all") -> ImpactResult:
    extra = {"lower_quartile": "earnings_LQ", "upper_quartile": "earnings_UQ"} if quartiles else {}
    return estimate_impact(
        frame,
        outcome="earnings_median",
        kind="earnings",
        base="grads_earnings_include",
        time="time_period",
        treated=TREATED,
        comparison=COMPARISON,
        intervention_start=START,
        variance=variance,  # type: ignore[arg-type]
        **extra,
    )


def tiny_frame(values: dict[tuple[str, int], tuple[float, float]]) -> pl.DataFrame:
    """One cell per (group, period): (rate, base)."""
    rows = [
        {"time_period": period, "provision": group, "rate": rate, "learners": base}
        for (group, period), (rate, base) in values.items()
    ]
    frame = pl.DataFrame(rows).with_columns(
        pl.col("time_period").cast(pl.Int64), pl.col("rate").cast(pl.Float64), pl.col("learners").cast(pl.Float64)
    )
    return _with_empty_status(frame, "rate", "learners")


# ---------------------------------------------------------------------------------------------------------------
# Known effect, null effect: the estimate recovers the truth within its interval
# ---------------------------------------------------------------------------------------------------------------
def test_known_effect_is_recovered_within_its_interval() -> None:
    results = [rate_impact(synthetic_rates(seed, effect=5.0)) for seed in SEEDS]
    covered = sum(r.ci_low <= 5.0 <= r.ci_high for r in results)  # type: ignore[operator]
    # Expected ~38 of 40 at 95%; 34 leaves a wide margin yet fails for an interval that is too narrow or biased.
    assert covered >= 34
    assert all(r.is_clear and r.ci_low > 0 for r in results)  # type: ignore[operator]
    mean_estimate = sum(r.estimate for r in results) / len(results)  # type: ignore[misc]
    assert mean_estimate == pytest.approx(5.0, abs=0.15)
    first = results[0]
    assert abs(first.estimate - 5.0) < 4 * first.standard_error  # type: ignore[operator]
    assert 0.1 < first.standard_error < 0.5  # type: ignore[operator]


def test_null_effect_is_not_flagged() -> None:
    results = [rate_impact(synthetic_rates(seed, effect=0.0)) for seed in SEEDS]
    covers_zero = sum(r.ci_low <= 0.0 <= r.ci_high for r in results)  # type: ignore[operator]
    assert covers_zero >= 34
    assert abs(sum(r.estimate for r in results) / len(results)) < 0.15  # type: ignore[misc]
    # Parallel pre-trends are built in: the test's false-alarm rate should be near 5%, far below 6 of 40.
    assert sum(r.pre_trend.flagged for r in results) <= 6
    assert not results[0].pre_trend.flagged
    assert results[0].pre_trend.df == 2  # three pre-periods, one is the reference


def test_confidence_level_sets_interval_width() -> None:
    frame = synthetic_rates(3, effect=5.0)
    wide, narrow = rate_impact(frame), rate_impact(frame, confidence=0.90)
    assert wide.estimate == narrow.estimate
    assert wide.interval_df is not None and wide.interval_df == narrow.interval_df
    assert (wide.ci_high - wide.estimate) / wide.standard_error == pytest.approx(stats.t.ppf(0.975, wide.interval_df))  # type: ignore[operator]
    assert (narrow.ci_high - narrow.estimate) / narrow.standard_error == pytest.approx(
        stats.t.ppf(0.95, wide.interval_df)
    )  # type: ignore[operator]
    sampling = rate_impact(frame, variance="sampling")
    assert sampling.interval_df is None  # sampling only: normal critical values
    assert (sampling.ci_high - sampling.estimate) / sampling.standard_error == pytest.approx(1.959964, abs=1e-5)  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------------------------
# Pre-trend test
# ---------------------------------------------------------------------------------------------------------------
def test_pre_trend_flags_diverging_trend() -> None:
    # Five years before the start: enough to tell a drift from year-to-year movement of the gap.
    periods = (201516, 201617, *PERIODS)
    for seed in range(20):
        result = rate_impact(synthetic_rates(seed, effect=0.0, differential_trend=1.5, periods=periods))
        trend = result.pre_trend
        assert trend.flagged, seed
        assert trend.p_value is not None and trend.p_value < 0.05
        assert trend.detectable_drift is not None and trend.detectable_drift < 1.5
        assert "flagged" in trend.note.lower()
    summary = plain_language_summary(result, "the employment rate")
    assert "already changing before 2020-21" in summary


def test_pre_trend_statistic_matches_matrix_wald_test() -> None:
    pre = {
        201617: (20.0, 900.0, 41.0),
        201718: (21.0, 1200.0, 40.0),
        201819: (23.0, 800.0, 41.0),
        201920: (22.0, 1000.0, 42.0),
    }
    cells: dict[tuple[str, int], tuple[float, float]] = {}
    for period, (treated_rate, treated_n, comparison_rate) in pre.items():
        cells[("Treated", period)] = (treated_rate, treated_n)
        cells[("Comparison", period)] = (comparison_rate, 3000.0)
    cells[("Treated", 202021)] = (25.0, 1000.0)
    cells[("Comparison", 202021)] = (42.0, 3000.0)
    # One cell per group: the event study is saturated, so its coefficients are the gaps' differences and, with
    # sampling-only variances, the Wald test has this closed form.
    result = rate_impact(tiny_frame(cells), outcome_rounding=0, variance="sampling")

    periods = sorted(pre)
    gaps = np.array([pre[p][0] - pre[p][2] for p in periods])
    variances = np.array(
        [
            1e4 * (pre[p][0] / 100) * (1 - pre[p][0] / 100) / pre[p][1]
            + 1e4 * (pre[p][2] / 100) * (1 - pre[p][2] / 100) / 3000.0
            for p in periods
        ]
    )
    coefficients = gaps[:-1] - gaps[-1]
    covariance = np.diag(variances[:-1]) + variances[-1]  # every coefficient shares the reference gap
    expected = float(coefficients @ np.linalg.solve(covariance, coefficients))
    assert result.pre_trend.df == 3
    assert result.pre_trend.statistic == pytest.approx(expected, rel=1e-9)
    assert result.pre_trend.p_value == pytest.approx(stats.chi2.sf(expected, 3), rel=1e-9)
    assert result.pre_trend.flagged == (result.pre_trend.p_value < 0.05)


def test_pre_trend_needs_two_pre_periods() -> None:
    frame = synthetic_rates(1, effect=5.0, periods=(201920, 202021, 202122), start=202021)
    result = rate_impact(frame)
    assert result.estimate is not None
    assert result.pre_trend.flagged is False
    assert result.pre_trend.p_value is None
    assert result.pre_trend.untested
    assert "cannot be checked" in result.pre_trend.note and "untested assumption" in result.pre_trend.note
    assert "untested assumption" in plain_language_summary(result, "the rate")
    assert result.placebo is None  # one before year: no room for a fake start


def test_no_pre_period_gives_no_estimate() -> None:
    frame = synthetic_rates(1, periods=(202021, 202122))
    result = rate_impact(frame)
    assert result.estimate is None and result.ci_low is None and result.standard_error is None
    assert result.unavailable_reason and "before 2020-21" in result.unavailable_reason
    assert result.event_study.is_empty()
    assert plain_language_summary(result, "the rate").startswith("The effect on the rate could not be estimated")


# ---------------------------------------------------------------------------------------------------------------
# Exact arithmetic on noise-free frames
# ---------------------------------------------------------------------------------------------------------------
def test_estimate_and_standard_error_match_hand_calculation() -> None:
    cells = {
        ("Treated", 201819): (20.0, 1000.0),
        ("Treated", 201920): (22.0, 1000.0),
        ("Treated", 202021): (30.0, 1000.0),
        ("Treated", 202122): (31.0, 1000.0),
        ("Comparison", 201819): (40.0, 4000.0),
        ("Comparison", 201920): (41.0, 4000.0),
        ("Comparison", 202021): (43.0, 4000.0),
        ("Comparison", 202122): (45.0, 4000.0),
    }
    # One cell per group with a steady base: the fixed-effects estimate is the plain difference of mean gaps.
    result = rate_impact(tiny_frame(cells), outcome_rounding=0, variance="sampling")
    expected = ((30 + 31) / 2 - (20 + 22) / 2) - ((43 + 45) / 2 - (40 + 41) / 2)
    assert result.estimate == pytest.approx(expected)

    def var(rate: float, n: float) -> float:
        return 100.0**2 * (rate / 100) * (1 - rate / 100) / n

    treated_pre = (var(20, 1000) + var(22, 1000)) / 4
    treated_post = (var(30, 1000) + var(31, 1000)) / 4
    comparison_pre = (var(40, 4000) + var(41, 4000)) / 4
    comparison_post = (var(43, 4000) + var(45, 4000)) / 4
    assert result.standard_error == pytest.approx(
        math.sqrt(treated_pre + treated_post + comparison_pre + comparison_post)
    )

    study = result.event_study.sort("period")
    assert study["relative_period"].to_list() == [-2, -1, 0, 1]
    assert study["is_reference"].to_list() == [False, True, False, False]
    reference_gap = 22.0 - 41.0
    assert study["gap_diff"].to_list() == pytest.approx(
        [(20 - 40) - reference_gap, 0.0, (30 - 43) - reference_gap, (31 - 45) - reference_gap]
    )
    assert study.filter(pl.col("is_reference"))["se"].item() is None
    assert study.filter(pl.col("period") == 202122)["se"].item() == pytest.approx(
        math.sqrt(var(31, 1000) + var(45, 4000) + var(22, 1000) + var(41, 4000))
    )
    gap = result.series.filter(pl.col("group") == "gap").sort("period")
    assert gap["value"].to_list() == pytest.approx([-20.0, -19.0, -13.0, -14.0])


def test_rounding_allowance_is_inferred_and_widens_the_interval() -> None:
    frame = synthetic_rates(5, effect=5.0)
    inferred = rate_impact(frame, variance="sampling")
    none = rate_impact(frame, outcome_rounding=0, variance="sampling")
    assert inferred.estimate == none.estimate
    assert inferred.standard_error > none.standard_error  # type: ignore[operator]
    assert "nearest 1%" in inferred.method_note
    assert "nearest 1%" not in none.method_note


def test_pooled_rate_is_base_weighted() -> None:
    frame = tiny_frame({("Treated", 201920): (10.0, 100.0), ("Comparison", 201920): (50.0, 100.0)}).vstack(
        tiny_frame({("Treated", 201920): (40.0, 300.0), ("Comparison", 202021): (50.0, 100.0)})
    )
    frame = frame.vstack(tiny_frame({("Treated", 202021): (40.0, 300.0)}))
    result = rate_impact(frame)
    treated = result.series.filter((pl.col("group") == "treated") & (pl.col("period") == 201920))
    assert treated["value"].item() == pytest.approx((10 * 100 + 40 * 300) / 400)
    assert treated["base"].item() == 400.0
    assert treated["n_cells_used"].item() == 2


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(min_value=1.0, max_value=99.0), min_size=8, max_size=8),
    bases=st.lists(st.integers(min_value=10, max_value=50_000), min_size=8, max_size=8),
    shift=st.floats(min_value=-0.9, max_value=0.9),
)
def test_swapping_groups_negates_and_parallel_shifts_cancel(
    values: list[float], bases: list[int], shift: float
) -> None:
    keys = [(group, period) for group in ("Treated", "Comparison") for period in (201819, 201920, 202021, 202122)]
    frame = tiny_frame({key: (v, float(b)) for key, v, b in zip(keys, values, bases, strict=True)})
    forward = rate_impact(frame)
    backward = rate_impact(frame, treated=COMPARISON, comparison=TREATED)
    assert backward.estimate == pytest.approx(-forward.estimate, abs=1e-9)  # type: ignore[operator]
    assert backward.standard_error == pytest.approx(forward.standard_error)
    # Moving a whole group by a constant in every period is a level difference, not an effect.
    moved = frame.with_columns(
        pl.when(pl.col("provision") == "Comparison").then(pl.col("rate") + shift).otherwise(pl.col("rate"))
    )
    assert rate_impact(moved, outcome_rounding=0).estimate == pytest.approx(forward.estimate, abs=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# Suppression: excluded, counted by symbol, never imputed
# ---------------------------------------------------------------------------------------------------------------
def _frame_with_symbols() -> pl.DataFrame:
    rows = [
        # (period, group, rate, rate symbol, base, base symbol)
        (201819, "Treated", 20.0, None, 100.0, None),
        (201819, "Treated", None, "c", 30.0, None),
        (201819, "Treated", 99.0, "c", 1000.0, None),  # inconsistent row: a symbol wins over any number
        (201819, "Comparison", 40.0, None, 200.0, None),
        (201819, "Comparison", 30.0, None, None, "x"),
        (201920, "Treated", 24.0, None, 100.0, None),
        (201920, "Comparison", 44.0, None, 200.0, None),
        (201920, "Comparison", None, "z", 50.0, None),
        (202021, "Treated", 30.0, None, 100.0, None),
        (202021, "Treated", 10.0, None, None, "low"),
        (202021, "Comparison", 45.0, None, 200.0, None),
        (202122, "Treated", 33.0, None, 100.0, None),
        (202122, "Comparison", 47.0, None, 200.0, None),
        (202122, "Comparison", 12.0, None, 0.0, None),  # a published zero base carries no weight
        (202122, "Other", None, "c", None, "c"),  # outside both groups: not counted
    ]
    return pl.DataFrame(
        rows,
        schema={
            "time_period": pl.Int64,
            "provision": pl.String,
            "rate": pl.Float64,
            status_column("rate"): pl.String,
            "learners": pl.Float64,
            status_column("learners"): pl.String,
        },
        orient="row",
    )


def test_suppressed_cells_are_excluded_and_counted() -> None:
    result = rate_impact(_frame_with_symbols(), intervention_start=202021, outcome_rounding=0)
    assert result.excluded_by_symbol == {"c": 2, "x": 1, "z": 1, "low": 1, "zero base": 1}
    assert result.excluded_cells == 6
    series = result.series
    treated_first = series.filter((pl.col("group") == "treated") & (pl.col("period") == 201819))
    # Only the one published cell: the 'c' cell holding 99 must not leak in.
    assert treated_first["value"].item() == pytest.approx(20.0)
    assert treated_first["n_cells_used"].item() == 1
    assert treated_first["n_cells_excluded"].item() == 2
    comparison_last = series.filter((pl.col("group") == "comparison") & (pl.col("period") == 202122))
    assert comparison_last["value"].item() == pytest.approx(47.0)
    expected = ((30 + 33) / 2 - (20 + 24) / 2) - ((45 + 47) / 2 - (40 + 44) / 2)
    assert result.estimate == pytest.approx(expected)
    assert any("6 suppressed or unavailable cells" in c for c in result.caveats)
    summary = plain_language_summary(result, "the rate")
    assert "6 suppressed or unavailable cells were left out" in summary
    assert "99" not in summary


def test_null_without_status_column_counts_as_missing() -> None:
    frame = _frame_with_symbols().drop(status_column("rate"), status_column("learners"))
    result = rate_impact(frame, intervention_start=202021, outcome_rounding=0)
    # Without status columns the inconsistent 99 row is an ordinary published cell; the nulls are 'missing'.
    assert result.excluded_by_symbol == {"missing": 4, "zero base": 1}
    assert set(result.excluded_by_symbol) - {"missing", "zero base"} <= set(SYMBOL_LABELS)


def test_period_with_only_suppressed_cells_is_left_out_with_a_note() -> None:
    frame = synthetic_rates(2, effect=5.0)
    frame = frame.with_columns(
        pl.when((pl.col("provision") == "Comparison") & (pl.col("time_period") == 201718))
        .then(None)
        .otherwise(pl.col("rate"))
        .alias("rate"),
        pl.when((pl.col("provision") == "Comparison") & (pl.col("time_period") == 201718))
        .then(pl.lit("c"))
        .otherwise(pl.col(status_column("rate")))
        .alias(status_column("rate")),
    )
    result = rate_impact(frame)
    assert result.excluded_by_symbol == {"c": 30}
    assert result.pre_periods == (201819, 201920)
    assert any("2017-18" in note for note in result.notes)
    treated_row = result.series.filter((pl.col("group") == "treated") & (pl.col("period") == 201718))
    assert treated_row["in_estimate"].item() is False


# ---------------------------------------------------------------------------------------------------------------
# Earnings
# ---------------------------------------------------------------------------------------------------------------
def test_earnings_with_quartiles_recovers_known_effect() -> None:
    effects = [earnings_impact(synthetic_earnings(seed, effect=1500.0)) for seed in range(20)]
    nulls = [earnings_impact(synthetic_earnings(seed + 100, effect=0.0)) for seed in range(20)]
    # ~19 of 20 expected at 95%; 17 tolerates chance but not a badly mis-sized interval.
    assert sum(r.ci_low <= 1500.0 <= r.ci_high for r in effects) >= 17  # type: ignore[operator]
    assert sum(r.ci_low <= 0.0 <= r.ci_high for r in nulls) >= 17  # type: ignore[operator]
    clear = sum(r.ci_low > 0 for r in effects)  # type: ignore[operator]
    assert clear >= 12, clear  # an honest interval on 20 cells and 6 years finds a £1,500 effect most of the time
    assert sum(r.estimate for r in effects) / 20 == pytest.approx(1500.0, abs=200.0)  # type: ignore[misc]
    result = effects[0]
    assert "1.2533" in result.method_note and "interquartile" in result.method_note
    assert "nearest £100" in result.method_note
    assert any("published median" in c for c in result.caveats)
    assert result.notes == ()
    summary = plain_language_summary(result, "median earnings")
    assert "£" in summary and "95% CI" in summary


def test_earnings_median_se_uses_the_interquartile_range() -> None:
    rows = []
    for group in ("Treated", "Comparison"):
        for period in (201920, 202021):
            rows.append(
                {
                    "time_period": period,
                    "provision": group,
                    "earnings_median": 25000.0 + (1000.0 if group == "Treated" and period == 202021 else 0.0),
                    "earnings_LQ": 20000.0,
                    "earnings_UQ": 33490.0,
                    "grads_earnings_include": 100.0,
                }
            )
    frame = pl.DataFrame(rows).with_columns(pl.col("time_period").cast(pl.Int64))
    result = estimate_impact(
        frame,
        outcome="earnings_median",
        kind="earnings",
        base="grads_earnings_include",
        time="time_period",
        treated=TREATED,
        comparison=COMPARISON,
        intervention_start=202021,
        lower_quartile="earnings_LQ",
        upper_quartile="earnings_UQ",
        outcome_rounding=0,
    )
    sigma = 13490.0 / 1.349
    per_period_se = math.sqrt(math.pi / 2) * sigma / math.sqrt(100.0)
    assert result.estimate == pytest.approx(1000.0)
    assert result.standard_error == pytest.approx(2 * per_period_se)  # four equal variances
    treated = result.series.filter(pl.col("group") == "treated")
    assert treated["se"].to_list() == pytest.approx([per_period_se, per_period_se])


def test_earnings_without_quartiles_uses_documented_fallback() -> None:
    frame = synthetic_earnings(7, effect=1500.0)
    # The quartiles size sampling noise only, so they change the sampling-only interval, not the estimate.
    with_q = earnings_impact(frame, variance="sampling")
    without_q = earnings_impact(frame, quartiles=False, variance="sampling")
    assert with_q.estimate == without_q.estimate
    assert with_q.standard_error != without_q.standard_error
    assert any("assumed" in note and "no quartile columns" in note for note in without_q.notes)
    assert "0.6 x the cell's median" in without_q.method_note


def test_earnings_quartile_symbol_falls_back_without_dropping_the_cell() -> None:
    frame = synthetic_earnings(8)
    hide = (pl.col("provision") == "Treated") & (pl.col("time_period") == 201920)
    frame = frame.with_columns(
        pl.when(hide).then(None).otherwise(pl.col("earnings_UQ")).alias("earnings_UQ"),
        pl.when(hide)
        .then(pl.lit("c"))
        .otherwise(pl.col(status_column("earnings_UQ")))
        .alias(status_column("earnings_UQ")),
    )
    result = earnings_impact(frame)
    assert result.excluded_cells == 0
    assert any(note.startswith("For 20 cells") for note in result.notes)


# ---------------------------------------------------------------------------------------------------------------
# Groups, periods, validation
# ---------------------------------------------------------------------------------------------------------------
def test_group_from_expression_matches_mapping() -> None:
    frame = synthetic_rates(4, effect=5.0)
    by_mapping = rate_impact(frame)
    by_expr = rate_impact(
        frame,
        treated=GroupDefinition.from_expr("Treated", pl.col("provision") == "Treated"),
        comparison=GroupDefinition.from_expr("Comparison", pl.col("provision").str.starts_with("Comp")),
    )
    assert by_expr.estimate == by_mapping.estimate
    assert by_expr.standard_error == by_mapping.standard_error


def test_group_definition_normalises_and_compares() -> None:
    single = GroupDefinition("A", {"provision": "Apprenticeship"})
    assert single.where == {"provision": ("Apprenticeship",)}
    assert single == GroupDefinition("A", {"provision": ["Apprenticeship"]})
    assert single.describe() == "provision = Apprenticeship"
    assert len({single, GroupDefinition("A", {"provision": ("Apprenticeship",)})}) == 1  # hashable, for cache keys
    first = GroupDefinition.from_expr("E", pl.col("provision") == "Treated")
    assert first == GroupDefinition.from_expr("E", pl.col("provision") == "Treated")
    assert first != GroupDefinition.from_expr("E", pl.col("provision") == "Comparison")
    with pytest.raises(ValueError):
        GroupDefinition("Everything")
    with pytest.raises(ValueError):
        GroupDefinition("Nothing", {"provision": []})


def test_four_digit_periods_and_formatting() -> None:
    frame = synthetic_rates(6, effect=5.0, periods=(2018, 2019, 2020, 2021, 2022), start=2020)
    result = rate_impact(frame, intervention_start=2020)
    assert result.event_study["relative_period"].to_list() == [-2, -1, 0, 1, 2]
    assert abs(result.estimate - 5.0) < 4 * result.standard_error  # type: ignore[operator]
    assert "from 2020 " in plain_language_summary(result, "the rate")


def test_mixing_total_and_breakdown_rows_is_noted() -> None:
    frame = synthetic_rates(9).with_columns(pl.lit("Total").alias("benefit_learner"))
    extra = frame.with_columns(pl.lit("Benefit learners").alias("benefit_learner"))
    result = rate_impact(pl.concat([frame, extra]))
    assert any("'benefit_learner'" in note and "twice" in note for note in result.notes)
    restricted = GroupDefinition("Treated", {"provision": ["Treated"], "benefit_learner": ["Total"]})
    clean = rate_impact(
        pl.concat([frame, extra]),
        treated=restricted,
        comparison=GroupDefinition("Comparison", {"provision": ["Comparison"], "benefit_learner": ["Total"]}),
    )
    assert not any("twice" in note for note in clean.notes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"comparison": GroupDefinition("All", {"provision": ["Treated", "Comparison"]})}, "both the treated"),
        ({"outcome": "no_such_column"}, "no column"),
        ({"kind": "count"}, "kind must be"),
        ({"confidence": 95}, "confidence"),
        ({"treated": GroupDefinition("Nobody", {"provision": ["Nobody"]})}, "selects no rows"),
        ({"intervention_start": 2020}, "same form"),
        ({"lower_quartile": "rate", "upper_quartile": "rate"}, "quartile"),
        ({"lower_quartile": "rate"}, "both lower_quartile"),
    ],
)
def test_bad_arguments_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rate_impact(synthetic_rates(0, cells=3), **change)


def test_text_outcome_and_out_of_range_rates_are_refused() -> None:
    frame = synthetic_rates(0, cells=3)
    with pytest.raises(ValueError, match="not numeric"):
        rate_impact(frame.with_columns(pl.col("rate").cast(pl.String)))
    with pytest.raises(ValueError, match="outside 0-100"):
        rate_impact(frame.with_columns(pl.col("rate") + 150))
    mixed = frame.with_columns(
        pl.when(pl.col("time_period") == 201718).then(2017).otherwise(pl.col("time_period")).alias("time_period")
    )
    with pytest.raises(ValueError, match="only 4-digit or only 6-digit"):
        rate_impact(mixed)


# ---------------------------------------------------------------------------------------------------------------
# Plain-language summary
# ---------------------------------------------------------------------------------------------------------------
def test_summary_for_clear_and_null_effects() -> None:
    clear = rate_impact(synthetic_rates(0, effect=5.0))
    text = plain_language_summary(clear, "the sustained employment rate", "pp")
    # Treated (30%) starts below comparison (40%), so +5 pp for treated narrows the gap.
    assert text.startswith("The gap in the sustained employment rate between Treated and Comparison narrowed by ")
    assert "percentage points from 2020-21 (95% CI " in text
    assert "observational" in text

    widening = rate_impact(synthetic_rates(0, effect=-5.0))
    assert "widened by " in plain_language_summary(widening, "the rate")

    null_result = next(r for r in (rate_impact(synthetic_rates(s)) for s in SEEDS) if not r.is_clear)
    null_text = plain_language_summary(null_result, "the rate")
    assert null_text.startswith("No clear effect: from 2020-21, the gap in the rate between Treated and Comparison")
    assert "includes no change" in null_text


def test_summary_crossing_groups_uses_relative_wording() -> None:
    cells = {
        ("Treated", 201819): (39.0, 5000.0),
        ("Treated", 201920): (39.0, 5000.0),
        ("Treated", 202021): (49.0, 5000.0),
        ("Comparison", 201819): (40.0, 5000.0),
        ("Comparison", 201920): (40.0, 5000.0),
        ("Comparison", 202021): (40.0, 5000.0),
    }
    text = plain_language_summary(rate_impact(tiny_frame(cells)), "the rate")
    assert text.startswith("Relative to Comparison, the rate for Treated rose by 10.0 percentage points from 2020-21")


# ---------------------------------------------------------------------------------------------------------------
# The real FE outcomes provider file, end to end
# ---------------------------------------------------------------------------------------------------------------
SYMBOLS = ("c", "x", "z", "low", "k", "u")
REAL_FILE = REFERENCE_DIR / "fe_outcomes_provider_benefits.csv.gz"


def test_real_fe_outcomes_file_runs_end_to_end() -> None:
    frame = ees.load(REAL_FILE).frame  # the project loader; fails, never skips, when the reference data are missing
    assert frame is not None
    treated = GroupDefinition("Apprenticeship", {"provision": ["Apprenticeship"], "benefit_learner": ["Total"]})
    comparison = GroupDefinition(
        "Education & Training", {"provision": ["Education & Training"], "benefit_learner": ["Total"]}
    )
    result = estimate_impact(
        frame,
        outcome="benefit_percent",
        kind="rate",
        base="number_of_matched_learners",
        time="time_period",
        treated=treated,
        comparison=comparison,
        intervention_start=202021,
    )
    # Independent count of the excluded cells straight from the published text.
    raw = pl.read_csv(REAL_FILE, infer_schema=False).filter(
        pl.col("provision").is_in(["Apprenticeship", "Education & Training"]), pl.col("benefit_learner") == "Total"
    )
    unusable = raw.filter(
        pl.col("benefit_percent").is_in(SYMBOLS) | pl.col("number_of_matched_learners").is_in(SYMBOLS)
    )
    assert result.excluded_cells > 0
    assert result.excluded_cells == unusable.height
    assert sum(result.excluded_by_symbol.values()) == result.excluded_cells
    assert set(result.excluded_by_symbol) <= set(SYMBOLS)

    # One period's pooled rate, recomputed by hand from the published text.
    usable = raw.filter(
        ~pl.col("benefit_percent").is_in(SYMBOLS),
        ~pl.col("number_of_matched_learners").is_in(SYMBOLS),
        pl.col("time_period") == "201819",
        pl.col("provision") == "Apprenticeship",
    ).with_columns(pl.col("benefit_percent", "number_of_matched_learners").cast(pl.Float64))
    by_hand = (usable["benefit_percent"] * usable["number_of_matched_learners"]).sum() / usable[
        "number_of_matched_learners"
    ].sum()
    row = result.series.filter((pl.col("group") == "treated") & (pl.col("period") == 201819))
    assert row["value"].item() == pytest.approx(by_hand)
    assert row["n_cells_used"].item() == usable.height

    assert result.estimate is not None and math.isfinite(result.estimate)
    assert result.ci_low < result.estimate < result.ci_high  # type: ignore[operator]
    assert result.pre_periods == (201819, 201920) and result.post_periods == (202021, 202122, 202223)
    assert result.event_study.filter(pl.col("is_reference"))["period"].to_list() == [201920]
    assert result.pre_trend.df == 1 and result.pre_trend.p_value is not None
    assert result.series.filter(pl.col("group") == "gap").height == 5
    summary = plain_language_summary(result, "the sustained out-of-work benefit rate")
    assert "Apprenticeship" in summary and "Education & Training" in summary and "2020-21" in summary
    assert f"{result.excluded_cells:,} suppressed or unavailable cells were left out" in summary


# ---------------------------------------------------------------------------------------------------------------
# Over-dispersion between cells (quasi-binomial)
# ---------------------------------------------------------------------------------------------------------------
def shocked_rates(seed: int, *, shock_sd: float, cells: int = 30) -> pl.DataFrame:
    """Like synthetic_rates with no effect, but every cell also moves by its own shock each year (sd `shock_sd`
    points): noise beyond sampling that does not cancel out of a difference-in-differences."""
    rng = np.random.default_rng(1000 + seed)
    rows: list[dict[str, object]] = []
    for group, baseline in (("Treated", 30.0), ("Comparison", 40.0)):
        sizes = rng.integers(800, 3000, size=cells)
        for period in PERIODS:
            for i in range(cells):
                pct = baseline + rng.normal(0.0, shock_sd)
                n = int(sizes[i])
                successes = rng.binomial(n, float(np.clip(pct, 0.0, 100.0)) / 100.0)
                rows.append(
                    {"time_period": period, "provision": group, "provider_ukprn": f"{group[0]}{i:03d}",
                     "rate": float(_round_half_up(100.0 * successes / n, 1.0)),
                     "learners": float(_round_half_up(n, 10.0))}
                )  # fmt: skip
    schema = {"time_period": pl.Int64, "provision": pl.String, "provider_ukprn": pl.String, "rate": pl.Float64,
              "learners": pl.Float64}  # fmt: skip
    return _with_empty_status(pl.DataFrame(rows, schema=schema, orient="row"), "rate", "learners")


def test_recommended_interval_covers_a_null_effect_when_cells_move_year_to_year() -> None:
    sampling = [rate_impact(shocked_rates(seed, shock_sd=3.0), variance="sampling") for seed in SEEDS]
    honest = [rate_impact(shocked_rates(seed, shock_sd=3.0)) for seed in SEEDS]
    covers = [sum(r.ci_low <= 0.0 <= r.ci_high for r in results) for results in (sampling, honest)]  # type: ignore[operator]
    assert covers[0] < 30  # sampling-only intervals are far too narrow when cells move year to year
    assert covers[1] >= 36  # ~38-39 of 40 expected
    assert all(r.estimate == s.estimate for r, s in zip(honest, sampling, strict=True))
    assert all(r.interval_source in ("cell", "year") and r.variance == "all" for r in honest)
    assert all("Sampling only (optimistic)" in r.interval_note for r in sampling)


def test_interval_note_names_what_it_allows_for() -> None:
    result = rate_impact(synthetic_rates(0))
    assert result.cells_used == (30, 30)
    assert "wider of two intervals" in result.interval_note
    assert "cluster-robust by cell (30 treated and 30 comparison cells; t on 59 df)" in result.interval_note
    assert "(6 years; t on 3 df)" in result.interval_note  # a line through 3 before years, a mean of 3 after
    assert result.placebo is not None and result.placebo.start == 201819
    assert "two-way fixed effects" in result.method_note


def test_cells_that_leave_at_the_start_do_not_pass_for_an_effect() -> None:
    """The three weakest treated providers stop being published from the start year: pooled group figures jump,
    the within-cell estimate does not, and the composition change is still reported."""
    results = []
    for seed in range(10):
        frame = synthetic_rates(seed, effect=0.0)
        weakest = (
            frame.filter((pl.col("provision") == "Treated") & (pl.col("time_period") == PERIODS[0]))
            .sort("rate")
            .head(3)["provider_ukprn"]
            .to_list()
        )
        frame = frame.filter(~(pl.col("provider_ukprn").is_in(weakest) & (pl.col("time_period") >= START)))
        results.append(rate_impact(frame))
    pooled = [r.post_gap - r.pre_gap for r in results]  # type: ignore[operator]
    assert sum(pooled) / len(pooled) > 0.6  # the raw gap moves by most of a point from the change of mix alone
    assert abs(sum(r.estimate for r in results) / len(results)) < 0.3  # type: ignore[misc]
    assert sum(r.ci_low <= 0.0 <= r.ci_high for r in results) >= 9  # type: ignore[operator]
    assert any("compares each cell only with itself" in n for n in results[0].notes)


def test_unknown_variance_is_refused() -> None:
    with pytest.raises(ValueError, match="variance must be one of"):
        rate_impact(synthetic_rates(0), variance="robust")

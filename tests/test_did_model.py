"""The cell-level fixed-effects model behind the impact page, checked against reference fits and Snow's data.

- Snow (1855), South London: the textbook 2x2 difference-in-differences is -56.9 deaths per 10,000 (Huntington-Klein,
  *The Effect*, 2021, ch. 18, from Snow's Tables VIII and XII via Coleman, 2019, "Causality in the Time of Cholera",
  SSRN 3262234; the published rates are 134.9 and 146.6 for sub-districts supplied only by Southwark & Vauxhall,
  130.1 and 84.9 for those supplied by both companies). The sub-district fit reproduces the pooled rates' value and
  its cluster-robust standard error matches statsmodels' own fit with a dummy per sub-district.
- Unbalanced simulated panels: estimate, cluster-robust standard errors, event-study coefficients and the
  pre-trend F test equal a statsmodels formula fit with explicit cell and year dummies.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from leo_dash.analyses import did_model
from leo_dash.analyses.impact import GroupDefinition, estimate_impact
from leo_dash.core.model import status_column
from leo_dash.core.paths import PROJECT_ROOT

SNOW = PROJECT_ROOT / "tests" / "fixtures" / "reference_studies" / "snow_1855_south_london.csv"
BOTH = "Both companies"
SOUTHWARK = "Southwark & Vauxhall only"


def _with_status(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.lit(None, dtype=pl.String).alias(status_column(c)) for c in columns)


def snow_long() -> pl.DataFrame:
    """One row per sub-district and year: deaths per 100 people (a percentage) on the 1851 population."""
    wide = pl.read_csv(SNOW)
    frames = [
        wide.select(
            pl.lit(year, dtype=pl.Int64).alias("year"),
            "sub_district",
            "water_supply",
            (pl.col(f"deaths_{year}") / pl.col("population_1851") * 100).alias("death_rate"),
            pl.col("population_1851").cast(pl.Float64).alias("population"),
        )
        for year in (1849, 1854)
    ]
    return _with_status(pl.concat(frames), "death_rate", "population")


def snow_impact(frame: pl.DataFrame, **options: object) -> object:
    return estimate_impact(
        frame,
        outcome="death_rate",
        kind="rate",
        base="population",
        time="year",
        treated=GroupDefinition("Both companies", {"water_supply": [BOTH]}),
        comparison=GroupDefinition("Southwark & Vauxhall only", {"water_supply": [SOUTHWARK]}),
        intervention_start=1854,
        outcome_rounding=0,
        **options,  # type: ignore[arg-type]
    )


def test_snow_published_two_by_two_gives_minus_56_9() -> None:
    published = pl.DataFrame(
        {
            "year": [1849, 1849, 1854, 1854],
            "water_supply": [SOUTHWARK, BOTH, SOUTHWARK, BOTH],
            # deaths per 10,000 as published, as a percentage
            "death_rate": [134.9 / 100, 130.1 / 100, 146.6 / 100, 84.9 / 100],
            "population": [167_654.0, 300_149.0, 167_654.0, 300_149.0],
        }
    )
    result = snow_impact(_with_status(published, "death_rate", "population"))
    assert result.estimate * 100 == pytest.approx(-56.9, abs=1e-9)  # type: ignore[attr-defined]
    # Two cells and two years: nothing beyond sampling can be measured, and the result says so.
    assert result.interval_source == "sampling"  # type: ignore[attr-defined]
    assert "likely too narrow" in result.interval_note  # type: ignore[attr-defined]


def test_snow_sub_districts_match_pooled_rates_and_a_reference_cluster_fit() -> None:
    frame = snow_long()
    result = snow_impact(frame)
    wide = pl.read_csv(SNOW)
    rates = {
        (supply, year): float(
            wide.filter(pl.col("water_supply") == supply)[f"deaths_{year}"].sum()
            / wide.filter(pl.col("water_supply") == supply)["population_1851"].sum()
            * 10_000
        )
        for supply in (BOTH, SOUTHWARK)
        for year in (1849, 1854)
    }
    pooled = (rates[BOTH, 1854] - rates[BOTH, 1849]) - (rates[SOUTHWARK, 1854] - rates[SOUTHWARK, 1849])
    assert pooled == pytest.approx(-56.99, abs=0.01)
    assert result.estimate * 100 == pytest.approx(pooled, rel=1e-10)  # type: ignore[attr-defined]
    # 12 and 16 sub-districts, two years: the interval is cluster-robust by sub-district.
    assert result.cells_used == (16, 12)  # type: ignore[attr-defined]
    assert result.interval_source == "cell"  # type: ignore[attr-defined]

    reference = smf.wls(
        "death_rate ~ C(sub_district) + C(year) + treated_after",
        data=frame.with_columns(
            ((pl.col("water_supply") == BOTH) & (pl.col("year") == 1854)).cast(pl.Float64).alias("treated_after")
        ).to_pandas(),
        weights=frame["population"].to_numpy(),
    ).fit(cov_type="cluster", cov_kwds={"groups": frame["sub_district"].to_numpy()}, use_t=True)
    assert result.estimate == pytest.approx(reference.params["treated_after"], rel=1e-9)  # type: ignore[attr-defined]
    # The dummy fit counts the 28 absorbed sub-district effects as parameters; with effects nested in the clusters
    # they are not (as fixest and Stata's areg/xtreg do), which changes only the (N-1)/(N-K) factor.
    n, k_dummies = frame.height, reference.df_model + 1
    k_absorbed = 2  # year and treated_after
    factor = ((n - 1) / (n - k_absorbed)) / ((n - 1) / (n - k_dummies))
    expected_se = reference.bse["treated_after"] * np.sqrt(factor)
    assert result.standard_error == pytest.approx(expected_se, rel=1e-9)  # type: ignore[attr-defined]
    assert 15 < result.standard_error * 100 < 25  # type: ignore[attr-defined]  # about 18 per 10,000
    # The sampling-only interval is several times narrower on the same data.
    narrow = snow_impact(frame, variance="sampling")
    assert narrow.standard_error * 3 < result.standard_error  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------------------
# Unbalanced simulated panels against an explicit-dummy statsmodels fit
# --------------------------------------------------------------------------------------------------------------
def unbalanced_panel(seed: int) -> tuple[did_model.CellPanel, list[int], list[int]]:
    rng = np.random.default_rng(seed)
    rows = []
    years = list(range(2014, 2021))
    for cell in range(30):
        treated = cell < 14
        level = rng.normal(30, 6)
        for k, year in enumerate(years):
            if rng.uniform() < 0.15:  # cells come and go
                continue
            weight = float(rng.integers(100, 2000))
            value = level + 0.7 * k + (1.5 if treated and year >= 2018 else 0.0) + rng.normal(0, 1.5)
            rows.append((cell, year, treated, value, weight, 0.2))
    data = np.array(rows, dtype=float)
    panel = did_model.CellPanel(
        data[:, 0].astype(int), data[:, 1].astype(int), data[:, 2].astype(bool), data[:, 3], data[:, 4], data[:, 5]
    ).without_single_year_cells()
    return panel, years[:4], years[4:]


def _pandas(panel: did_model.CellPanel, post: list[int]) -> object:
    return pl.DataFrame(
        {
            "cell": panel.cell,
            "year": panel.period,
            "treated": panel.treated.astype(float),
            "after": np.isin(panel.period, post).astype(float),
            "value": panel.value,
            "weight": panel.weight,
        }
    ).to_pandas()


def _nested_factor(n: int, k_absorbed: int, k_dummies: float) -> float:
    return ((n - 1) / (n - k_absorbed)) / ((n - 1) / (n - k_dummies))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_effects_fit_equals_an_explicit_dummy_regression(seed: int) -> None:
    panel, pre, post = unbalanced_panel(seed)
    fit = did_model.fit_did(panel, pre, post, "all", 0.95)
    data = _pandas(panel, post)
    data["treated_after"] = data["treated"] * data["after"]  # type: ignore[index]
    reference = smf.wls("value ~ C(cell) + C(year) + treated_after", data=data, weights=data["weight"]).fit(  # type: ignore[index]
        cov_type="cluster",
        cov_kwds={"groups": data["cell"]},
        use_t=True,  # type: ignore[index]
    )
    assert fit.estimate == pytest.approx(reference.params["treated_after"], rel=1e-9)
    k_absorbed = len(pre) + len(post)  # years but one, plus treated_after
    factor = _nested_factor(len(panel.value), k_absorbed, reference.df_model + 1)
    assert fit.cell is not None
    assert fit.cell.standard_error == pytest.approx(reference.bse["treated_after"] * np.sqrt(factor), rel=1e-9)
    assert fit.cell.df == len(np.unique(panel.cell)) - 1

    study = did_model.event_study(panel, pre, post, fit)
    terms = " + ".join(f"I((year == {p}) * treated)" for p in study.periods if p != study.reference)
    event = smf.wls(f"value ~ C(cell) + C(year) + {terms}", data=data, weights=data["weight"]).fit()  # type: ignore[index]
    for p in study.periods:
        expected = 0.0 if p == study.reference else event.params[f"I((year == {p}) * treated)"]
        assert study.coefficients[p] == pytest.approx(expected, abs=1e-9)


def test_pre_trend_check_equals_a_wald_test_on_the_reference_fit() -> None:
    panel, pre, post = unbalanced_panel(4)
    fit = did_model.fit_did(panel, pre, post, "all", 0.95)
    assert fit.chosen.source == "cell" or fit.chosen.source == "year"
    # Force the cell-level variance so the reference can be computed directly from statsmodels.
    cell_only = did_model.DidFit(
        fit.estimate,
        fit.cell,
        fit.sampling,
        fit.cell,
        None,
        fit.treated_cells,
        fit.comparison_cells,  # type: ignore[arg-type]
    )
    study = did_model.event_study(panel, pre, post, cell_only)
    check = did_model.pre_trend_check(study, pre)
    assert check is not None and check.df == len(pre) - 1
    data = _pandas(panel, post)
    names = {p: f"I((year == {p}) * treated)" for p in study.periods if p != study.reference}
    reference = smf.wls(
        "value ~ C(cell) + C(year) + " + " + ".join(names.values()),
        data=data,
        weights=data["weight"],  # type: ignore[index]
    ).fit(cov_type="cluster", cov_kwds={"groups": data["cell"]}, use_t=True)  # type: ignore[index]
    factor = _nested_factor(len(panel.value), len(names) + len(study.periods) - 1, reference.df_model + 1)
    tested = [p for p in pre if p != study.reference]
    index = [list(reference.params.index).index(names[p]) for p in tested]
    b = reference.params.to_numpy()[index]
    cov = reference.cov_params().to_numpy()[np.ix_(index, index)] * factor
    f_stat = float(b @ np.linalg.solve(cov, b)) / len(tested)
    assert check.statistic == pytest.approx(f_stat, rel=1e-8)
    assert check.p_value == pytest.approx(stats.f.sf(f_stat, len(tested), check.df_denominator), rel=1e-8)
    assert check.detectable_drift is not None and check.detectable_drift > 0


def test_detectable_drift_has_the_stated_power() -> None:
    """Add the reported drift to the before years of many panels: the test should flag about 80% of them."""
    base_panel, pre, post = unbalanced_panel(7)
    fit = did_model.fit_did(base_panel, pre, post, "sampling", 0.95)
    study = did_model.event_study(base_panel, pre, post, fit)
    check = did_model.pre_trend_check(study, pre)
    assert check is not None and check.detectable_drift is not None
    drift = check.detectable_drift
    rng = np.random.default_rng(0)
    flagged = 0
    runs = 400
    sd = np.sqrt(base_panel.sampling_variance)
    reference_year = max(pre)
    years_before = (base_panel.period - reference_year).astype(float)
    # No trend of its own: a level per cell and a common year effect, so every event-study coefficient is 0.
    expected = 20.0 + 0.5 * base_panel.cell + 0.7 * (base_panel.period - base_panel.period.min())
    for _ in range(runs):
        value = expected + rng.normal(0.0, sd) + np.where(base_panel.treated, drift * years_before, 0.0)
        panel = did_model.CellPanel(
            base_panel.cell,
            base_panel.period,
            base_panel.treated,
            value,
            base_panel.weight,
            base_panel.sampling_variance,
        )
        study = did_model.event_study(panel, pre, post, fit)
        result = did_model.pre_trend_check(study, pre)
        assert result is not None
        flagged += result.p_value < 0.05
    # The noise added on top of the fixed values is exactly the sampling variance the test assumes.
    assert 0.72 <= flagged / runs <= 0.88


def test_too_few_cells_and_years_fall_back_to_sampling_with_a_warning() -> None:
    panel, pre, post = unbalanced_panel(0)
    keep = np.isin(panel.period, [pre[-1], post[0]]) & np.isin(panel.cell, [0, 1, 2, 20, 21, 22])
    fit = did_model.fit_did(panel.subset(keep), [pre[-1]], [post[0]], "all", 0.95)
    assert fit.cell is None and fit.year is None
    assert fit.chosen.source == "sampling" and fit.fallback_note and "too narrow" in fit.fallback_note

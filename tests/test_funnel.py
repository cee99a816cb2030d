"""Funnel-plot maths: binomial control limits (known values, clipping, small and invalid bases) and positions."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leo_dash.analyses import funnel


def test_known_limits() -> None:
    # p = 50%, n = 100: sd = sqrt(0.25 / 100) = 5 percentage points.
    lower, upper = funnel.control_limits(50, 100, funnel.Z_95)  # type: ignore[misc]
    assert lower == pytest.approx(40.2) and upper == pytest.approx(59.8)
    lower, upper = funnel.control_limits(50, 100, funnel.Z_998)  # type: ignore[misc]
    assert lower == pytest.approx(34.55) and upper == pytest.approx(65.45)
    # p = 20%, n = 400: sd = sqrt(0.16 / 400) = 2 points; 3.09 * 2 = 6.18.
    assert funnel.control_limits(20, 400, funnel.Z_998) == pytest.approx((13.82, 26.18))


def test_z_values_are_the_usual_two_sided_ones() -> None:
    assert (funnel.Z_95, funnel.Z_998) == (1.96, 3.09)
    assert dict(funnel.LEVELS) == {"95%": 1.96, "99.8%": 3.09}


def test_limits_are_clipped_to_0_and_100() -> None:
    # p = 95%, n = 10: 3.09 * sqrt(0.95 * 0.05 / 10) = 21.3 points, so the upper limit would be 116%.
    lower, upper = funnel.control_limits(95, 10, funnel.Z_998)  # type: ignore[misc]
    assert upper == 100.0 and lower == pytest.approx(95 - 3.09 * math.sqrt(0.95 * 0.05 / 10) * 100)
    lower, upper = funnel.control_limits(3, 20, funnel.Z_95)  # type: ignore[misc]
    assert lower == 0.0 and upper == pytest.approx(3 + 1.96 * math.sqrt(0.03 * 0.97 / 20) * 100)


def test_small_bases_get_wide_limits_and_one_person_gets_everything() -> None:
    assert funnel.control_limits(50, 1, funnel.Z_95) == (0.0, 100.0)
    widths = [funnel.control_limits(60, n, funnel.Z_95) for n in (5, 50, 500, 5000)]
    spans = [hi - lo for lo, hi in widths]  # type: ignore[misc]
    assert spans == sorted(spans, reverse=True) and spans[0] > 10 * spans[-1] / 2


def test_a_benchmark_of_0_or_100_has_no_spread() -> None:
    assert funnel.control_limits(0, 50, funnel.Z_998) == (0.0, 0.0)
    assert funnel.control_limits(100, 50, funnel.Z_998) == (100.0, 100.0)


@pytest.mark.parametrize("base", [0, -5, float("nan"), float("inf")])
def test_no_limits_without_a_positive_base(base: float) -> None:
    assert funnel.control_limits(50, base, funnel.Z_95) is None


@pytest.mark.parametrize("centre", [-0.1, 100.5, float("nan")])
def test_a_benchmark_must_be_a_percentage(centre: float) -> None:
    with pytest.raises(ValueError, match="0 to 100"):
        funnel.control_limits(centre, 100, funnel.Z_95)
    with pytest.raises(ValueError):
        funnel.classify(pl.DataFrame({"r": [1.0], "n": [10.0]}), "r", "n", centre)


def test_limit_curve_spans_the_bases_and_narrows() -> None:
    curve = funnel.limit_curve(40, 10, 10_000, points=50)
    assert curve.height == 50
    assert curve["base"][0] == 10 and curve["base"][-1] == 10_000
    assert curve["base"].is_sorted()
    upper = curve[funnel.limit_column("upper", "99.8%")]
    lower = curve[funnel.limit_column("lower", "95%")]
    assert upper.is_sorted(descending=True) and lower.is_sorted()
    assert (curve["upper_998"] >= curve["upper_95"]).all() and (curve["lower_998"] <= curve["lower_95"]).all()
    assert funnel.limit_curve(40, 25, 25).height == 1
    with pytest.raises(ValueError):
        funnel.limit_curve(40, 0, 10)


def test_classify_positions_with_boundaries_and_missing_figures() -> None:
    # Benchmark 50%, n = 100: 95% limits 40.2-59.8, 99.8% limits 34.55-65.45.
    frame = pl.DataFrame(
        {
            "rate": [70.0, 62.0, 59.8, 50.0, 38.0, 30.0, None, 90.0, 45.0],
            "base": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, None, 4.0],
        }
    )
    positions = funnel.classify(frame, "rate", "base", 50)["position"].to_list()
    assert positions == [
        funnel.ABOVE_998,
        funnel.ABOVE_95,
        funnel.WITHIN,  # on the limit counts as within
        funnel.WITHIN,
        funnel.BELOW_95,
        funnel.BELOW_998,
        funnel.NOT_PLACED,  # suppressed rate
        funnel.NOT_PLACED,  # suppressed base
        funnel.WITHIN,  # 5 points off, but on 4 people: well within
    ]


def test_position_counts_follow_the_listing_order() -> None:
    counts = funnel.position_counts([funnel.BELOW_95, funnel.ABOVE_998, funnel.BELOW_95, funnel.NOT_PLACED])
    assert list(counts.items()) == [(funnel.ABOVE_998, 1), (funnel.BELOW_95, 2), (funnel.NOT_PLACED, 1)]


@settings(max_examples=200, deadline=None)
@given(
    centre=st.floats(min_value=0, max_value=100, allow_nan=False),
    base=st.floats(min_value=0.5, max_value=1e7, allow_nan=False),
)
def test_frame_limits_match_the_scalar_formula(centre: float, base: float) -> None:
    row = funnel.with_limits(pl.DataFrame({"n": [base]}), "n", centre).row(0, named=True)
    for level, z in funnel.LEVELS:
        lower, upper = funnel.control_limits(centre, base, z)  # type: ignore[misc]
        assert row[funnel.limit_column("lower", level)] == pytest.approx(lower, abs=1e-9)
        assert row[funnel.limit_column("upper", level)] == pytest.approx(upper, abs=1e-9)
        assert 0 <= lower <= centre <= upper <= 100


# ---------------------------------------------------------------- over-dispersion (Spiegelhalter 2005)


def _providers(rates: list[float], bases: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"rate": rates, "base": bases}, schema={"rate": pl.Float64, "base": pl.Float64})


def test_chi_square_percentile_matches_tables() -> None:
    # Published 95th percentiles of chi-square: 16.919 (9 df), 31.410 (20), 124.342 (100).
    for df, expected in ((9, 16.919), (20, 31.410), (100, 124.342)):
        assert funnel._chi_square_95(df) == pytest.approx(expected, rel=2e-3)


def test_phi_is_the_mean_winsorised_z_squared() -> None:
    # p = 50%, n = 100: sd 5 points, so a rate of 50 + 5k has z = k.
    z_scores = [-9.0, -2, -1, -1, 0, 0, 1, 1, 2, 20]
    frame = _providers([50 + 5 * z for z in z_scores], [100.0] * len(z_scores))
    found = funnel.overdispersion(frame, "rate", "base", 50)
    clipped = pl.Series(z_scores)
    low, high = clipped.quantile(0.1, "linear"), clipped.quantile(0.9, "linear")
    expected = float(clipped.clip(low, high).pow(2).mean())
    assert found.phi == pytest.approx(expected) and found.providers == 10
    assert expected < sum(z * z for z in z_scores) / 10  # the two extreme providers are pulled in


def test_chance_alone_is_not_over_dispersed_and_spread_is() -> None:
    import random

    rng = random.Random(7)
    bases = [float(rng.choice([50, 100, 200, 400, 800])) for _ in range(300)]
    chance = [100 * sum(rng.random() < 0.3 for _ in range(int(n))) / n for n in bases]
    calm = funnel.overdispersion(_providers(chance, bases), "rate", "base", 30)
    assert 0.6 < calm.phi < 1.4 and not calm.significant and calm.factor == 1.0
    # Each provider has its own true rate (sd 8 points): far more spread than chance.
    own = [min(0.95, max(0.05, rng.gauss(0.3, 0.08))) for _ in bases]
    spread = [100 * sum(rng.random() < p for _ in range(int(n))) / n for p, n in zip(own, bases, strict=True)]
    wide = funnel.overdispersion(_providers(spread, bases), "rate", "base", 30)
    assert wide.significant and wide.phi > 3 and wide.factor == wide.phi


def test_too_few_or_unplaceable_providers_give_no_factor() -> None:
    few = funnel.overdispersion(_providers([10, 90, 50], [100, 100, 100]), "rate", "base", 50)
    assert (few.phi, few.providers, few.significant, few.factor) == (1.0, 3, False, 1.0)
    missing = _providers([None, 50, None] * 5, [100, None, 0] * 5)  # type: ignore[list-item]
    assert funnel.overdispersion(missing, "rate", "base", 50).providers == 0
    assert funnel.overdispersion(_providers([50.0] * 12, [100.0] * 12), "rate", "base", 0).factor == 1.0


def test_limits_widen_by_the_square_root_of_phi() -> None:
    lower, upper = funnel.control_limits(50, 100, funnel.Z_95, phi=4)  # type: ignore[misc]
    assert (lower, upper) == pytest.approx((50 - 2 * 9.8, 50 + 2 * 9.8))
    frame = funnel.classify(_providers([62.0], [100.0]), "rate", "base", 50)
    assert frame["position"].to_list() == [funnel.ABOVE_95]
    wider = funnel.classify(_providers([62.0], [100.0]), "rate", "base", 50, phi=4)
    assert wider["position"].to_list() == [funnel.WITHIN]
    curve = funnel.limit_curve(50, 100, 100, phi=4)
    assert curve[funnel.limit_column("upper", "95%")].to_list() == pytest.approx([69.6])
    for bad in (0.5, math.nan, math.inf):
        with pytest.raises(ValueError, match="over-dispersion"):
            funnel.control_limits(50, 100, funnel.Z_95, phi=bad)

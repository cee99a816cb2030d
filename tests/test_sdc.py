"""Unit tests for leo_dash.sdc, one group per disclosure rule D1-D10 (data standard §4)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sdc_cells import cells

from leo_dash import sdc
from leo_dash.core.model import DisclosureProfile, Indicator, status_column

S = status_column
HE = DisclosureProfile()  # count_base 5
FE = DisclosureProfile(count_base=10)

LEARNERS = Indicator("learners", "Learners", "count")
MATCHED = Indicator("matched", "Matched learners", "base")
EMP_RATE = Indicator("emp_rate", "Sustained employment (%)", "rate", unit="%", base="matched")
EARN_MEDIAN = Indicator("earn_median", "Median earnings", "earnings", unit="£", base="matched")
EARN_MAX = Indicator("earn_max", "Maximum earnings", "earnings", unit="£", base="matched", hidden=True)
ALL = (LEARNERS, MATCHED, EMP_RATE, EARN_MEDIAN, EARN_MAX)
NUMERIC = ("learners", "matched", "emp_rate", "earn_median", "earn_max")


def table(**columns: list) -> pl.DataFrame:
    return cells(columns, NUMERIC)


def col(frame: pl.DataFrame, name: str) -> list:
    return frame[name].to_list()


# ---------------------------------------------------------------- D8 rounding


HALF_UP_CASES = [
    (2.5, 1, 3.0),
    (3.5, 1, 4.0),
    (0.5, 1, 1.0),
    (-2.5, 1, -3.0),
    (-0.5, 1, -1.0),
    (12.5, 5, 15.0),  # 12.5 / 5 = 2.5 -> 3 steps
    (12.4, 5, 10.0),
    (7.5, 5, 10.0),
    (25, 10, 30.0),
    (15, 10, 20.0),
    (14.999, 10, 10.0),
    (0.05, 0.1, 0.1),
    (0.15, 0.1, 0.2),  # float 0.15 is 0.1499999...: must still go up
    (0.25, 0.1, 0.3),
    (-0.15, 0.1, -0.2),
    (1.005, 0.01, 1.01),
    (2.675, 0.01, 2.68),
    (33.35, 0.1, 33.4),
    (21050, 100, 21100.0),
    (21049.99, 100, 21000.0),
    (-21050, 100, -21100.0),
    (0, 5, 0.0),
]


@pytest.mark.parametrize(("value", "base", "expected"), HALF_UP_CASES)
def test_d8_round_half_up_scalar(value: float, base: float, expected: float) -> None:
    assert sdc.round_half_up(value, base) == expected


def _by_expression(values: pl.Series, base: float) -> pl.Series:
    return pl.select(sdc.round_half_up_expr(pl.lit(values), base)).to_series()


def _by_series(values: pl.Series, base: float) -> pl.Series:
    return sdc.round_half_up_series(values, base)


def _by_frame(values: pl.Series, base: float) -> pl.Series:
    return sdc.with_rounded(pl.DataFrame({"v": values}), {"v": (pl.col("v"), base)})["v"]


# The three ways a column is rounded (lazy pipelines, a column, a frame's columns) keep one set of rules.
ROUNDERS = pytest.mark.parametrize("rounder", [_by_expression, _by_series, _by_frame], ids=["expr", "series", "frame"])
Rounder = Callable[[pl.Series, float], pl.Series]


@ROUNDERS
@pytest.mark.parametrize(("value", "base", "expected"), HALF_UP_CASES)
def test_d8_round_half_up_column_exact_halves(rounder: Rounder, value: float, base: float, expected: float) -> None:
    assert rounder(pl.Series([value], dtype=pl.Float64), base).item() == expected


@ROUNDERS
def test_d8_round_half_up_column_is_not_bankers_rounding(rounder: Rounder) -> None:
    values = pl.Series([0.5, 1.5, 2.5, 3.5, -0.5, -1.5], dtype=pl.Float64)
    got = rounder(values, 1).to_list()
    assert got == [1.0, 2.0, 3.0, 4.0, -1.0, -2.0]
    assert values.round(0).to_list() != got  # polars' default would differ


@ROUNDERS
def test_d8_round_half_up_column_passes_nulls_and_never_shows_minus_zero(rounder: Rounder) -> None:
    values = pl.Series([None, -0.4, 0.0, float("inf"), float("nan")], dtype=pl.Float64)
    got = rounder(values, 1).to_list()
    assert got[0] is None
    assert str(got[1]) == "0.0" and str(got[2]) == "0.0"
    assert got[3] == float("inf") and math.isnan(got[4])


@ROUNDERS
def test_d8_round_half_up_column_rejects_bad_base(rounder: Rounder) -> None:
    with pytest.raises(ValueError, match="positive"):
        rounder(pl.Series([1.0]), 0)


def test_d8_round_half_up_expr_keeps_the_name_of_what_it_rounds() -> None:
    frame = pl.DataFrame({"num": [1.0], "den": [3.0]})
    assert frame.select(sdc.round_half_up_expr(pl.col("num") / pl.col("den") * 100, 0.1)).row(0, named=True) == {
        "num": 33.3
    }


DECIMALS = st.decimals(min_value=-(10**7), max_value=10**7, places=3, allow_nan=False, allow_infinity=False)
LARGE = st.floats(min_value=-1e17, max_value=1e17, allow_nan=False, allow_infinity=False)


@ROUNDERS
@settings(max_examples=150, deadline=None)
@given(values=st.lists(DECIMALS, min_size=1, max_size=20), base=st.sampled_from([1, 5, 10, 100, 0.1, 0.01, 0.5]))
def test_d8_round_half_up_column_agrees_with_decimal(rounder: Rounder, values: list[Decimal], base: float) -> None:
    floats = [float(v) for v in values]
    assert rounder(pl.Series(floats, dtype=pl.Float64), base).to_list() == [sdc.round_half_up(v, base) for v in floats]


@settings(max_examples=150, deadline=None)
@given(values=st.lists(LARGE, min_size=1, max_size=20), base=st.sampled_from([1, 5, 100, 0.1, 0.01]))
def test_d8_the_expression_and_the_column_rounding_agree_everywhere(values: list[float], base: float) -> None:
    """Exactly where a value holds the base's decimals; beyond 15 significant digits both fall back to float
    arithmetic, where Polars divides a column by a number as a multiplication by its inverse (a last-digit
    difference, e.g. 3.679061308267503e16 at base 5)."""
    series = pl.Series(values, dtype=pl.Float64)
    by_expression, by_series = _by_expression(series, base).to_list(), _by_series(series, base).to_list()
    for value, a, b in zip(values, by_expression, by_series, strict=True):
        if abs(value) < 1e15 * min(base, 1):
            assert a == b, value
        else:
            assert math.isclose(a, b, rel_tol=1e-15), value


def test_d8_round_half_up_signature_kept() -> None:
    assert sdc.round_half_up(2.5) == 3.0


# ---------------------------------------------------------------- D1 published cells only, symbols never filled


def test_d1_protect_keeps_every_symbol_and_never_fills_it() -> None:
    frame = table(
        learners=["c", "x", "z", "low", "u", 40],
        matched=["c", "x", "z", "low", "u", 40],
        emp_rate=["c", "x", "z", "low", "u", 55],
    )
    out = sdc.protect(frame, (LEARNERS, MATCHED, EMP_RATE), FE)
    for name in ("learners", "matched", "emp_rate"):
        assert col(out, S(name))[:5] == ["c", "x", "z", "low", "u"]
        assert col(out, name)[:5] == [None] * 5
    assert col(out, "learners")[5] == 40.0 and col(out, "emp_rate")[5] == 55.0


def test_d1_protect_a_symbol_wins_over_a_number_beside_it() -> None:
    frame = pl.DataFrame({"learners": [30.0, 40.0], S("learners"): ["c", None]})
    out = sdc.protect(frame, (LEARNERS,), FE)
    assert col(out, "learners") == [None, 40.0]
    assert col(out, S("learners")) == ["c", None]


def test_d1_protect_leaves_published_counts_and_rates_alone() -> None:
    frame = table(learners=[7, 23], matched=[7, 23], emp_rate=[33.3, 100])
    out = sdc.protect(frame, (LEARNERS, MATCHED, EMP_RATE), FE)
    assert col(out, "learners") == [7.0, 23.0]
    assert col(out, "emp_rate") == [33.3, 100.0]


@pytest.mark.parametrize(
    ("symbols", "expected"),
    [(["x", "x"], "x"), (["z", "z"], "z"), (["x", "z"], "x"), (["low", 20], "x"), (["u", 20], "x"), ([20, "k"], "x")],
)
def test_d1_aggregate_symbol_contributor_never_becomes_a_number(symbols: list, expected: str) -> None:
    frame = table(g=["a", "a"], learners=symbols)
    out = sdc.aggregate(frame, ["g"], (LEARNERS,), FE)
    assert col(out, "learners") == [None]
    assert col(out, S("learners")) == [expected]


def test_d1_check_visible_reports_a_number_beside_a_symbol() -> None:
    frame = pl.DataFrame({"learners": [30.0], S("learners"): ["c"]})
    problems = sdc.check_visible(frame, (LEARNERS,), FE, derived=False)
    assert any(p.startswith("D1:") for p in problems)


# ---------------------------------------------------------------- D2 symbols are missing-with-reason


def test_d2_protect_adds_status_columns_and_explains_bare_nulls() -> None:
    frame = pl.DataFrame({"g": ["a", "b"], "learners": [20, None], "matched": [20.0, 30.0]})
    out = sdc.protect(frame, (LEARNERS, MATCHED), FE)
    assert out.columns == ["g", "learners", S("learners"), "matched", S("matched")]
    assert out.schema["learners"] == pl.Float64 and out.schema[S("learners")] == pl.String
    assert col(out, S("learners")) == [None, "x"]


def test_d2_protect_treats_nan_as_not_available() -> None:
    frame = pl.DataFrame({"learners": [float("nan"), 20.0]})
    out = sdc.protect(frame, (LEARNERS,), FE)
    assert col(out, "learners") == [None, 20.0]
    assert col(out, S("learners")) == ["x", None]


def test_d2_protect_refuses_text_indicator_columns() -> None:
    with pytest.raises(TypeError, match=r"leo_dash\.core\.ees"):
        sdc.protect(pl.DataFrame({"learners": ["20", "c"]}), (LEARNERS,), FE)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (pl.DataFrame({"learners": [20.0]}), "has no status column"),
        (
            pl.DataFrame({"learners": [None], S("learners"): ["~"]}, schema_overrides={"learners": pl.Float64}),
            "unknown symbol",
        ),
        (
            pl.DataFrame(
                {"learners": [None], S("learners"): [None]}, schema={"learners": pl.Float64, S("learners"): pl.String}
            ),
            "empty cell with no symbol",
        ),
    ],
)
def test_d2_check_visible_reports_gaps_without_reasons(frame: pl.DataFrame, expected: str) -> None:
    problems = sdc.check_visible(frame, (LEARNERS,), FE, derived=False)
    assert any(expected in p and p.startswith("D2:") for p in problems), problems


def test_d2_aggregate_output_has_status_for_every_indicator() -> None:
    frame = table(g=["a"], learners=[20], matched=[20], emp_rate=[50])
    out = sdc.aggregate(frame, ["g"], (LEARNERS, EMP_RATE), FE)
    assert out.columns == ["g", "learners", S("learners"), "emp_rate", S("emp_rate"), "matched", S("matched"), "n_rows"]


# ---------------------------------------------------------------- D3 derived counts


@pytest.mark.parametrize(
    ("value", "profile", "expected"),
    [
        (4, FE, (None, "c")),
        (5, FE, (None, "c")),  # rounds to 10, but the sum itself is under 10
        (9, HE, (None, "c")),
        (10, FE, (10.0, None)),
        (14, FE, (10.0, None)),
        (15, FE, (20.0, None)),
        (25, FE, (30.0, None)),
        (12.5, HE, (15.0, None)),
        (0, FE, (None, "c")),
        (None, FE, (None, "x")),
    ],
)
def test_d3_derived_count(value: float | None, profile: DisclosureProfile, expected: tuple) -> None:
    assert sdc.derived_count(value, profile) == expected


def test_d3_aggregate_sums_then_rounds_half_up_to_the_source_base() -> None:
    frame = table(g=["a", "a", "a", "b", "b"], learners=[5, 5, 5, 5, 0])
    out = sdc.aggregate(frame, ["g"], (LEARNERS,), FE)
    assert col(out, "learners") == [20.0, None]  # 15 -> 20; 5 -> c
    assert col(out, S("learners")) == [None, "c"]
    assert col(out, "n_rows") == [3, 2]


def test_d3_aggregate_with_no_grouping_gives_one_total_row() -> None:
    frame = table(g=["a", "b"], learners=[40, 30])
    out = sdc.aggregate(frame, [], (LEARNERS,), HE)
    assert out.columns == ["learners", S("learners"), "n_rows"]
    assert out.row(0) == (70.0, None, 2)


@pytest.mark.parametrize(("value", "note"), [(5.0, "below"), (25.0, "multiple")])
def test_d3_check_visible_reports_small_or_unrounded_derived_counts(value: float, note: str) -> None:
    frame = table(learners=[value], n_rows=[2])
    assert any(p.startswith("D3:") for p in sdc.check_visible(frame, (LEARNERS,), FE, derived=True)), note
    assert sdc.check_visible(frame, (LEARNERS,), FE, derived=False) == []  # a published count is the publisher's


# ---------------------------------------------------------------- D4 derived shares


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (3, 6, (50.0, None)),
        (2, 100, (None, "c")),  # numerator 1-2
        (3, 5, (None, "c")),  # denominator under 6
        (1, 3, (None, "c")),
        (3, 9, (33.3, None)),
        (2.9999999999999996, 40, (7.5, None)),  # float noise in an estimated numerator is not a failure
        (10, 30, (33.3, None)),
        (20, 30, (66.7, None)),
        (None, 30, (None, "x")),
        (3, None, (None, "x")),
        (0, 0, (None, "c")),
    ],
)
def test_d4_share(numerator: float | None, denominator: float | None, expected: tuple) -> None:
    assert sdc.share(numerator, denominator, FE) == expected


def test_d4_aggregate_rate_is_weighted_by_base_from_rounded_inputs() -> None:
    # numerator = 50% of 10 + 10% of 30 = 8 (from the published, rounded rate and base); denominator 40
    frame = table(g=["a", "a"], matched=[10, 30], emp_rate=[50, 10])
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), FE)
    assert col(out, "emp_rate") == [20.0]
    assert col(out, "matched") == [40.0]


def test_d4_aggregate_rate_is_shown_to_rate_dp() -> None:
    frame = table(g=["a", "a", "a"], matched=[10, 10, 10], emp_rate=[30, 30, 40])
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), DisclosureProfile(count_base=10, rate_dp=1))
    assert col(out, "emp_rate") == [33.3]


@pytest.mark.parametrize(
    ("matched", "rates", "reason"),
    [
        ([10, 10], [10, 10], "numerator 2"),
        ([5, 0], [100, 50], "denominator 5"),
        ([20, 20], [2.5, 2.5], "numerator 1"),
    ],
)
def test_d4_aggregate_rate_suppressed_below_thresholds(matched: list, rates: list, reason: str) -> None:
    frame = table(g=["a", "a"], matched=matched, emp_rate=rates)
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), FE)
    assert col(out, S("emp_rate")) == ["c"], reason


def test_d4_aggregate_rate_is_c_when_its_derived_base_is_c() -> None:
    profile = DisclosureProfile(count_base=5, min_count=10)
    frame = table(g=["a", "a"], matched=[4, 4], emp_rate=[50, 50])  # numerator 4, denominator 8: D4 alone passes
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), profile)
    assert col(out, S("matched")) == ["c"]
    assert col(out, S("emp_rate")) == ["c"]


def test_d4_aggregate_needs_the_base_column() -> None:
    frame = table(g=["a"], emp_rate=[50])
    with pytest.raises(ValueError, match="base"):
        sdc.aggregate(frame, ["g"], (EMP_RATE,), FE)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (table(emp_rate=[10.0], matched=[10], n_rows=[2]), "numerator"),
        (table(emp_rate=[33.33], matched=[30], n_rows=[2]), "not rounded"),
        (table(emp_rate=[50.0], matched=["c"], n_rows=[2]), "where its base"),
        (table(emp_rate=[50.0], n_rows=[2]), "without its base"),
    ],
)
def test_d4_check_visible_reports_unsafe_derived_shares(frame: pl.DataFrame, expected: str) -> None:
    problems = sdc.check_visible(frame, (EMP_RATE, MATCHED), FE, derived=True)
    assert any(p.startswith("D4:") and expected in p for p in problems), problems


def test_d4_check_visible_accepts_a_share_whose_rounding_explains_the_numerator() -> None:
    # 3 of 9 is 33.3%; 33.3% of 9 is 2.997, so the check must allow for the rate's own rounding.
    frame = table(emp_rate=[33.3], matched=[10], n_rows=[2])
    assert sdc.check_visible(frame, (EMP_RATE, MATCHED), FE, derived=True) == []


# ---------------------------------------------------------------- D5 earnings


def test_d5_protect_drops_hidden_min_max_columns() -> None:
    frame = table(matched=[40], earn_median=[25000], earn_max=[91000])
    out = sdc.protect(frame, ALL, HE)
    assert "earn_max" not in out.columns and S("earn_max") not in out.columns
    assert sdc.check_visible(frame, ALL, HE, derived=False)[0].startswith("D5:")


@pytest.mark.parametrize(
    ("base", "expected_status"),
    [(10, "c"), (11, None), (40, None), ("c", "c"), ("low", "c"), ("k", "c"), ("x", None)],
)
def test_d5_protect_earnings_on_a_small_base_are_c(base: object, expected_status: str | None) -> None:
    frame = table(matched=[base], earn_median=[25000])
    out = sdc.protect(frame, (MATCHED, EARN_MEDIAN), HE)
    assert col(out, S("earn_median")) == [expected_status]
    assert col(out, "earn_median") == [None if expected_status else 25000.0]


def test_d5_protect_rounds_published_earnings_to_100_half_up() -> None:
    frame = table(matched=[50, 50, 50], earn_median=[21049, 21050, "c"])
    out = sdc.protect(frame, (MATCHED, EARN_MEDIAN), HE)
    assert col(out, "earn_median") == [21000.0, 21100.0, None]
    assert col(out, S("earn_median")) == [None, None, "c"]


def test_d5_aggregate_never_derives_earnings() -> None:
    frame = table(g=["a", "a", "b", "c"], matched=[50, 50, 50, 10], earn_median=[20000, 30000, 27049, 25000])
    out = sdc.aggregate(frame, ["g"], (EARN_MEDIAN,), HE)
    assert col(out, "earn_median") == [None, 27000.0, None]
    assert col(out, S("earn_median")) == ["x", None, "c"]  # 2 rows: never derived; 1 row: published; base 10: c
    assert "matched" in out.columns  # the base travels with the earnings so the check can see it


def test_d5_check_visible_reports_derived_or_unrounded_earnings() -> None:
    derived_two_rows = table(earn_median=[25000], matched=[50], n_rows=[2])
    assert any("derived" in p for p in sdc.check_visible(derived_two_rows, (EARN_MEDIAN,), HE, derived=True))
    unrounded = table(earn_median=[25049], matched=[50])
    assert any("rounded" in p for p in sdc.check_visible(unrounded, (EARN_MEDIAN,), HE, derived=False))
    small_base = table(earn_median=[25000], matched=[8])
    assert any("base under 11" in p for p in sdc.check_visible(small_base, (EARN_MEDIAN,), HE, derived=False))


# ---------------------------------------------------------------- D6 no recovery of suppressed cells


def test_d6_aggregate_any_c_contributor_makes_the_derived_figure_c() -> None:
    frame = table(g=["a"] * 3, learners=[1000, 2000, "c"], matched=[1000, 2000, 30], emp_rate=[50, 60, "c"])
    out = sdc.aggregate(frame, ["g"], (LEARNERS, EMP_RATE), FE)
    assert col(out, S("learners")) == ["c"]
    assert col(out, S("emp_rate")) == ["c"]


def test_d6_aggregate_a_c_base_makes_the_derived_rate_c() -> None:
    frame = table(g=["a"] * 2, matched=[1000, "c"], emp_rate=[50, 60])
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), FE)
    assert col(out, S("emp_rate")) == ["c"]


def grid(**columns: list) -> pl.DataFrame:
    return table(**columns)


def test_d6_secondary_suppress_hides_the_smallest_other_child() -> None:
    frame = grid(part=["Total", "A", "B", "C"], learners=[100, 50, "c", 30])
    out = sdc.secondary_suppress(frame, [], "part", "learners")
    assert col(out, S("learners")) == [None, None, "c", "c"]
    assert col(out, "learners") == [100.0, 50.0, None, None]


def test_d6_secondary_suppress_works_within_each_parent_group() -> None:
    frame = grid(
        year=[2020] * 4 + [2021] * 4,
        part=["Total", "A", "B", "C"] * 2,
        learners=[100, 50, "c", 30, 100, 50, 30, 20],
    )
    out = sdc.secondary_suppress(frame, ["year"], "part", "learners")
    assert col(out, S("learners")) == [None, None, "c", "c", None, None, None, None]


def test_d6_secondary_suppress_not_applied_when_a_child_row_is_absent() -> None:
    frame = grid(
        year=[2020] * 3 + [2021] * 4,
        part=["Total", "A", "B"] + ["Total", "A", "B", "C"],
        learners=[100, "c", 30, 100, 50, 30, 20],
    )
    out = sdc.secondary_suppress(frame, ["year"], "part", "learners")
    assert col(out, S("learners"))[:3] == [None, "c", None]


def test_d6_secondary_suppress_not_applied_when_two_children_are_already_c() -> None:
    frame = grid(part=["Total", "A", "B", "C"], learners=[100, "c", "c", 30])
    out = sdc.secondary_suppress(frame, [], "part", "learners")
    assert col(out, S("learners")) == [None, "c", "c", None]


def test_d6_secondary_suppress_not_applied_when_the_parent_is_absent_or_hidden() -> None:
    no_parent = grid(part=["A", "B", "C"], learners=[50, "c", 30])
    assert sdc.secondary_suppress(no_parent, [], "part", "learners").equals(no_parent)
    hidden_parent = grid(part=["Total", "A", "B", "C"], learners=["c", 50, "c", 30])
    assert sdc.secondary_suppress(hidden_parent, [], "part", "learners").equals(hidden_parent)


def test_d6_secondary_suppress_is_idempotent() -> None:
    frame = grid(part=["Total", "A", "B", "C"], learners=[100, 50, "c", 30])
    once = sdc.secondary_suppress(frame, [], "part", "learners")
    assert sdc.secondary_suppress(once, [], "part", "learners").equals(once)


def test_d6_secondary_suppress_hides_the_parent_when_no_other_child_is_shown() -> None:
    frame = grid(part=["Total", "A", "B"], learners=[100, "c", "z"])
    out = sdc.secondary_suppress(frame, [], "part", "learners")
    assert col(out, S("learners")) == ["c", "c", "z"]


def test_d6_secondary_suppress_ties_pick_the_same_cell_every_time() -> None:
    frame = grid(part=["Total", "C", "B", "A"], learners=[100, 30, "c", 30])
    out = sdc.secondary_suppress(frame, [], "part", "learners")
    assert col(out, S("learners")) == [None, None, "c", "c"]  # A before C


def test_d6_secondary_suppress_handles_several_columns_and_explicit_children() -> None:
    frame = grid(part=["Total", "A", "B"], learners=[100, "c", 60], matched=[100, 40, "c"])
    out = sdc.secondary_suppress(frame, [], "part", ["learners", "matched"], children=["A", "B", "C"])
    assert out.equals(frame)  # C is a child this view lacks: no action
    out = sdc.secondary_suppress(frame, [], "part", ["learners", "matched"])
    assert col(out, S("learners")) == [None, "c", "c"]
    assert col(out, S("matched")) == [None, "c", "c"]


def test_d6_secondary_suppress_grid_follows_suppressions_across_dimensions() -> None:
    # provision x benefit with totals both ways. Hiding the smallest child along one dimension leaves a single c
    # along the other, so one pass is not enough.
    frame = grid(
        provision=["T", "T", "T", "A", "A", "A", "B", "B", "B"],
        benefit=["T", "Y", "N"] * 3,
        learners=[300, 100, 200, 150, "c", 110, 150, 60, 90],
    )
    out = sdc.secondary_suppress_grid(frame, ["provision", "benefit"], ["learners"], total_item="T")
    hierarchies = [(["benefit"], "provision"), (["provision"], "benefit")]
    assert sdc.check_visible(out, (LEARNERS,), FE, derived=False, hierarchies=hierarchies, total_item="T") == []
    one_pass = sdc.secondary_suppress(frame, ["provision"], "benefit", "learners", total_item="T")
    assert sdc.check_visible(one_pass, (LEARNERS,), FE, derived=False, hierarchies=hierarchies, total_item="T")


def test_d6_check_visible_reports_a_missing_secondary_suppression() -> None:
    frame = grid(part=["Total", "A", "B", "C"], learners=[100, 50, "c", 30])
    problems = sdc.check_visible(frame, (LEARNERS,), FE, derived=False, hierarchies=[([], "part")])
    assert len(problems) == 1 and problems[0].startswith("D6:")


# ---------------------------------------------------------------- D7 / D10 are enforced elsewhere: say where


def test_d7_and_d10_docstring_names_where_they_are_enforced() -> None:
    doc = sdc.__doc__ or ""
    for rule in (f"D{i}" for i in range(1, 11)):
        assert f"- {rule} " in doc, rule
    assert "leo_dash.core.catalogue" in doc and "leo_dash.core.query" in doc  # D7
    assert "leo_dash.present.export" in doc and "assert_same_cells" in doc  # D10


# ---------------------------------------------------------------- D9 class disclosure


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (6, 6, (None, "c")),
        (9, 9, (None, "c")),
        (10, 10, (100.0, None)),
        (8.9964, 9, (None, "c")),  # 99.96% shows as 100.0%
        (0, 200, (None, "c")),
    ],
)
def test_d9_share_0_or_100_percent_on_a_small_base(numerator: float, denominator: float, expected: tuple) -> None:
    assert sdc.share(numerator, denominator, FE) == expected


def test_d9_aggregate_100_percent_on_a_small_base_is_c() -> None:
    # A profile where D3 and D4 both pass, so only D9 can hide it.
    profile = DisclosureProfile(count_base=1, min_count=5, class_disclosure_base=10)
    frame = table(g=["a", "a", "b", "b"], matched=[4, 4, 5, 5], emp_rate=[100, 100, 100, 100])
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), profile)
    assert col(out, "matched") == [8.0, 10.0]
    assert col(out, S("emp_rate")) == ["c", None]
    assert col(out, "emp_rate") == [None, 100.0]


def test_d9_check_visible_reports_a_100_percent_on_a_small_base() -> None:
    profile = DisclosureProfile(count_base=1, min_count=5, class_disclosure_base=10)
    frame = table(emp_rate=[100.0], matched=[8], n_rows=[2])
    problems = sdc.check_visible(frame, (EMP_RATE, MATCHED), profile, derived=True)
    assert any(p.startswith("D9:") for p in problems), problems


# ---------------------------------------------------------------- D10 downloads match the screen


def shown_frame() -> pl.DataFrame:
    return table(provider=["P1", "P2", "P3"], learners=[120, "c", 40], emp_rate=[55.5, "c", "z"])


def test_d10_assert_same_cells_accepts_a_csv_with_inline_symbols(tmp_path) -> None:
    shown = shown_frame()
    exported = shown.with_columns(
        pl.coalesce(pl.col(S(c)), pl.col(c).cast(pl.String)).alias(c) for c in ("learners", "emp_rate")
    ).drop(S("learners"), S("emp_rate"))
    path = tmp_path / "download.csv"
    exported.write_csv(path)
    sdc.assert_same_cells(shown, pl.read_csv(path, infer_schema=False))
    sdc.assert_same_cells(shown, shown)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda f: f.with_columns(
                pl.Series("learners", [120.0, 0.0, 40.0]), pl.lit(None, pl.String).alias(S("learners"))
            ),
            "learners row 1",
        ),
        (lambda f: f.with_columns(pl.Series("emp_rate", [55.0, None, None])), "emp_rate row 0"),
        (lambda f: f.head(2), "rows"),
        (lambda f: f.drop("provider"), "columns"),
    ],
)
def test_d10_assert_same_cells_reports_any_difference(change, message: str) -> None:
    shown = shown_frame()
    with pytest.raises(AssertionError, match=message):
        sdc.assert_same_cells(shown, change(shown))


# ---------------------------------------------------------------- guard


def test_d3_guard_raises_with_the_violations_and_passes_safe_frames() -> None:
    unsafe = table(learners=[5.0], n_rows=[2])
    with pytest.raises(sdc.DisclosureError) as raised:
        sdc.guard(unsafe, (LEARNERS,), FE, derived=True)
    assert raised.value.violations and "D3" in str(raised.value)
    safe = table(learners=[20.0], n_rows=[2])
    assert sdc.guard(safe, (LEARNERS,), FE, derived=True) is safe


def test_d1_d2_d5_protect_output_passes_the_published_check() -> None:
    frame = table(
        learners=[20, "c", 7],
        matched=[20, 30, 8],
        emp_rate=[50, "x", 100],
        earn_median=[21049, 30000, 40000],
        earn_max=[1, 2, 3],
    )
    out = sdc.protect(frame, ALL, HE)
    assert sdc.check_visible(out, ALL, HE, derived=False) == []
    assert sdc.check_visible(frame, ALL, HE, derived=False) != []


def test_d8_a_multiple_read_back_through_float_arithmetic_is_still_a_multiple() -> None:
    """Regression: 76.10000000000001 (a published 76.1 after arithmetic) was reported as not rounded to 1 dp."""
    frame = pl.DataFrame({"value": [76.10000000000001, 76.1, 76.15, 25000.000000001, 25049.0]})
    flags = frame.select(sdc.not_multiple_of(pl.col("value").head(3), 0.1).alias("dp")).to_series().to_list()
    assert flags == [False, False, True]
    money = frame.select(sdc.not_multiple_of(pl.col("value").tail(2), 100).alias("gbp")).to_series().to_list()
    assert money == [False, True]

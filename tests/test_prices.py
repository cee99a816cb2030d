"""Real-terms conversion with the CPIH table: known index values give known results, half-up to £100."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leo_dash.core import prices
from leo_dash.core.model import status_column

HEADER = "period,period_type,index_2015_100,provenance\n"


def write_index(tmp_path: Path, rows: str, name: str = "cpih.csv") -> prices.PriceIndex:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return prices.load_price_index(path)


@pytest.fixture
def index(tmp_path: Path) -> prices.PriceIndex:
    return write_index(
        tmp_path,
        "2020,calendar_year,100.0,ons_l522\n"
        "2021,calendar_year,100.2,ons_l522\n"
        "2022,calendar_year,110.0,ons_l522\n"
        "2023,calendar_year,120.0,unverified\n",
    )


# ---------------------------------------------------------------- the committed file


def test_committed_cpih_covers_2009_to_2024_with_provenance() -> None:
    index = prices.load_price_index()
    calendar = {p.period: p for p in index.points if p.period_type == "calendar_year"}
    assert [str(y) for y in range(2009, 2025)] == sorted(calendar)
    assert calendar["2015"].value == Decimal("100.0") and calendar["2015"].verified
    # Every value is a positive index with a stated provenance, and the series rises year on year over 2009-2024
    # (CPIH annual averages did not fall in any of those years).
    values = [calendar[str(y)].value for y in range(2009, 2025)]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert all(p.provenance in ("reference_year", "unverified", "ons_l522") for p in index.points)


def test_committed_cpih_values_not_yet_checked_are_flagged() -> None:
    index = prices.load_price_index()
    unverified = index.unverified([202223, 201516])
    assert [p.period for p in unverified] == ["2022"]  # 2015 is the reference year, so it needs no check
    note = prices.unverified_note(unverified)
    assert note is not None and "2022" in note and "L522" in note


# ---------------------------------------------------------------- conversion


def test_known_index_values_give_known_result(index: prices.PriceIndex) -> None:
    # 24,100 in 2020-21 at 2022-23 prices: 24,100 x 110.0 / 100.0 = 26,510 -> £26,500.
    assert prices.real_terms_value(24100, 202021, 202223, index) == 26500
    # 30,000 in 2022-23 at 2020-21 prices: 30,000 x 100 / 110 = 27,272.7 -> £27,300.
    assert prices.real_terms_value(30000, 202223, 202021, index) == 27300


def test_rounding_is_half_up_to_100_not_bankers(index: prices.PriceIndex) -> None:
    # 25,000 x 100.2 / 100.0 = 25,050 exactly: half-up gives 25,100 (banker's rounding would give 25,000).
    assert prices.real_terms_value(25000, 202021, 202122, index) == 25100
    # 25,150 x 100.2 / 100.0 = 25,200.3 -> 25,200; 24,950 x 1.002 = 24,999.9 -> 25,000.
    assert prices.real_terms_value(25150, 202021, 202122, index) == 25200
    assert prices.real_terms_value(24950, 202021, 202122, index) == 25000
    assert prices.real_terms_value(25000, 202021, 202122, index, rounding_base=1000) == 25000


def test_exact_ties_stay_exact_when_the_ratio_does_not_terminate(tmp_path: Path) -> None:
    # 300 x 100.0 / 120.0 = 250 exactly; computing 100/120 first would give 249.999... and round down to 200.
    index = write_index(tmp_path, "2020,calendar_year,120.0,ons_l522\n2022,calendar_year,100.0,ons_l522\n")
    assert prices.real_terms_value(300, 202021, 202223, index) == 300
    frame = pl.DataFrame({"period": [202021], "median": [300.0]})
    assert prices.to_real_terms(frame, ["median"], "period", 202223, index)["median"].to_list() == [300.0]


def test_base_year_figures_are_unchanged_and_labelled(index: prices.PriceIndex) -> None:
    assert prices.real_terms_value(31200, 202223, 202223, index) == 31200
    assert index.factor(202223, 202223) == 1
    assert prices.prices_label(202223) == "2022-23 prices"
    footnote = prices.method_footnote(index, 202223)
    assert "2022-23 prices" in footnote and "half-up" in footnote and "£100" in footnote


def test_tax_year_uses_financial_year_row_when_present(tmp_path: Path) -> None:
    index = write_index(
        tmp_path,
        "2022,calendar_year,120.0,ons_l522\n2022-23,financial_year,123.0,ons_l522\n2020,calendar_year,100.0,ons_l522\n",
    )
    assert index.point_for(202223).period_type == "financial_year"
    assert index.point_for(202021).period == "2020"  # no financial-year row: the calendar year it starts in
    assert prices.real_terms_value(10000, 202021, 202223, index) == 12300


def test_academic_year_uses_calendar_year_it_ends_in(index: prices.PriceIndex) -> None:
    assert index.point_for(202122, "Academic year").period == "2022"
    assert index.point_for(202122, "Tax year").period == "2021"
    assert index.point_for(2022).period == "2022"


def test_missing_index_year_is_a_clear_error(index: prices.PriceIndex) -> None:
    with pytest.raises(prices.PriceIndexError, match=r"2026-27.*calendar year 2026.*data/cpih\.csv"):
        prices.real_terms_value(20000, 202627, 202223, index)
    with pytest.raises(prices.PriceIndexError, match="calendar year 2019"):
        index.point_for(2019)
    with pytest.raises(prices.PriceIndexError, match="not a year"):
        index.point_for(20221)


def test_frame_conversion_keeps_symbols_and_statuses(index: prices.PriceIndex) -> None:
    frame = pl.DataFrame(
        {
            "period": [202021, 202122, 202223],
            "median": [24100.0, None, 30000.0],
            status_column("median"): [None, "c", None],
        }
    )
    out = prices.to_real_terms(frame, ["median"], "period", 202223, index)
    assert out["median"].to_list() == [26500.0, None, 30000.0]
    assert out[status_column("median")].to_list() == [None, "c", None]  # a symbol is never filled


def test_frame_conversion_refuses_before_changing_anything(index: prices.PriceIndex) -> None:
    frame = pl.DataFrame({"period": [202021, 201920], "median": [24100.0, 25000.0]})
    with pytest.raises(prices.PriceIndexError, match="2019-20"):
        prices.to_real_terms(frame, ["median"], "period", 202223, index)
    with pytest.raises(prices.PriceIndexError, match="2030-31"):
        prices.to_real_terms(frame.head(1), ["median"], "period", 203031, index)


def test_unverified_points_are_reported(index: prices.PriceIndex) -> None:
    assert index.unverified([202021, 202122]) == []
    assert prices.unverified_note([]) is None
    assert [p.period for p in index.unverified([202021, 202324])] == ["2023"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("2020,calendar_year,100.0,\n", "provenance is required"),
        ("2020,calendar_year,100.0,x\n2020,calendar_year,101.0,x\n", "appears twice"),
        ("2020-21,calendar_year,100.0,x\n", "does not fit"),
        ("2020,monthly,100.0,x\n", "period_type"),
        ("2020,calendar_year,-3,x\n", "positive number"),
        ("2020,calendar_year,abc,x\n", "positive number"),
    ],
)
def test_malformed_index_file_is_refused(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(prices.PriceIndexError, match=message):
        write_index(tmp_path, rows)


def test_missing_file_or_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(prices.PriceIndexError, match="missing"):
        prices.load_price_index(tmp_path / "absent.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("period,index_2015_100\n2020,100\n", encoding="utf-8")
    with pytest.raises(prices.PriceIndexError, match="period_type"):
        prices.load_price_index(bad)


@settings(max_examples=200, deadline=None)
@given(
    hundreds=st.integers(min_value=1, max_value=2000),
    year_index=st.decimals(min_value=Decimal("50.0"), max_value=Decimal("200.0"), places=1),
    base_index=st.decimals(min_value=Decimal("50.0"), max_value=Decimal("200.0"), places=1),
)
def test_result_is_the_exact_product_rounded_half_up_to_100(
    hundreds: int, year_index: Decimal, base_index: Decimal
) -> None:
    index = prices.PriceIndex(
        "test",
        (
            prices.IndexPoint("2020", "calendar_year", year_index, "ons_l522"),
            prices.IndexPoint("2022", "calendar_year", base_index, "ons_l522"),
        ),
    )
    value = hundreds * 100
    result = prices.real_terms_value(value, 202021, 202223, index)
    exact = Decimal(value) * base_index / year_index
    assert result is not None and result % 100 == 0
    assert abs(Decimal(str(result)) - exact) <= 50
    if abs(Decimal(str(result)) - exact) == 50:  # a tie always goes up
        assert Decimal(str(result)) > exact

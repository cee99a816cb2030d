"""aggregate(published_cells_only=True): benchmarks from published cells when the source publishes no total."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from leo_dash import sdc
from leo_dash.core.model import DisclosureProfile, Indicator, status_column
from tests.test_sdc_cells import cells

FE = DisclosureProfile(count_base=10)
RATE = Indicator("rate", "Rate", "rate", "%", 0, base="n")
BASE = Indicator("n", "Matched", "base")


def test_d6_partial_aggregate_leaves_out_two_or_more_suppressed_cells():
    frame = cells({"g": ["a"] * 4, "n": [100, 200, "c", "c"], "rate": [10, 20, "c", "c"]}, ["n", "rate"])
    out = sdc.aggregate(frame, ["g"], [RATE], FE, published_cells_only=True)
    row = out.row(0, named=True)
    assert row["n"] == 300 and row[status_column("n")] is None
    # (10% of 100 + 20% of 200) / 300 = 16.7%, from the two published providers only.
    assert row["rate"] == 16.7 and row[status_column("rate")] is None
    assert row[sdc.N_EXCLUDED] == 2 and row[sdc.N_ROWS] == 4


def test_d6_partial_aggregate_refuses_to_leave_out_a_single_suppressed_cell():
    frame = cells({"g": ["a"] * 3, "n": [100, 200, "c"], "rate": [10, 20, "c"]}, ["n", "rate"])
    row = sdc.aggregate(frame, ["g"], [RATE], FE, published_cells_only=True).row(0, named=True)
    assert row["n"] is None and row[status_column("n")] == "c"
    assert row["rate"] is None and row[status_column("rate")] == "c"


def test_partial_aggregate_keeps_d3_d4_on_what_remains():
    frame = cells({"g": ["a"] * 4, "n": [10, 10, "c", "c"], "rate": [0, 10, "c", "c"]}, ["n", "rate"])
    row = sdc.aggregate(frame, ["g"], [RATE], FE, published_cells_only=True).row(0, named=True)
    assert row["n"] == 20
    assert row[status_column("rate")] == "c"  # numerator 1 < 3 (D4)


def test_partial_aggregate_with_nothing_published_inherits_symbols():
    frame = cells({"g": ["a", "a"], "n": ["x", "x"], "rate": ["x", "x"]}, ["n", "rate"])
    row = sdc.aggregate(frame, ["g"], [RATE], FE, published_cells_only=True).row(0, named=True)
    assert row[status_column("n")] == "x" and row[status_column("rate")] == "x"


def test_default_aggregate_is_unchanged_all_or_nothing():
    frame = cells({"g": ["a"] * 4, "n": [100, 200, "c", "c"], "rate": [10, 20, "c", "c"]}, ["n", "rate"])
    out = sdc.aggregate(frame, ["g"], [RATE], FE)
    assert out[status_column("rate")].to_list() == ["c"] and sdc.N_EXCLUDED not in out.columns


cell = st.one_of(st.sampled_from(["c", "x"]), st.integers(0, 60).map(lambda k: k * 10))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(cell, st.integers(0, 100), st.sampled_from(["a", "b"])), min_size=1, max_size=12))
def test_property_partial_aggregate_never_shows_an_unsafe_cell(rows):
    frame = cells(
        {
            "g": [g for _, _, g in rows],
            "n": [n for n, _, _ in rows],
            "rate": [r if not isinstance(n, str) else n for n, r, _ in rows],
        },
        ["n", "rate"],
    )
    out = sdc.aggregate(frame, ["g"], [RATE], FE, published_cells_only=True)
    assert sdc.check_visible(out, [RATE, BASE], FE, derived=True) == []
    for group in out.iter_rows(named=True):
        members = frame.filter(pl.col("g") == group["g"])
        n_c = int((members[status_column("n")] == "c").sum())
        if n_c == 1:
            assert group["n"] is None and group["rate"] is None
        if group["n"] is not None:
            assert group["n"] % 10 == 0 and group["n"] >= 10

"""Disclosure control on the real FE outcomes provider file (PRV01): 50,859 rows, 2,077 providers, counts to 10."""

from __future__ import annotations

import polars as pl
import pytest
from test_sdc_cells import symbols_to_columns

from leo_dash import sdc
from leo_dash.core import ees, paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import DisclosureProfile, TableEntry, status_column

S = status_column
FILE = paths.REFERENCE_DIR / "fe_outcomes_provider_benefits.csv.gz"
BY_PROVISION = ["time_period", "provision", "benefit_learner"]
HIERARCHIES = [(["time_period", "benefit_learner"], "provision"), (["time_period", "provision"], "benefit_learner")]


def expected_share(
    rates: list[float], bases: list[float], profile: DisclosureProfile
) -> tuple[float | None, str | None]:
    """D4 + D9 worked by hand (Decimal rounding), from the published rounded rates and bases."""
    numerator = sum(r * b for r, b in zip(rates, bases, strict=True)) / 100
    denominator = sum(bases)
    if numerator < profile.share_min_numerator - 1e-9 or denominator < profile.share_min_denominator:
        return None, "c"
    value = sdc.round_half_up(numerator / denominator * 100, 10**-profile.rate_dp)
    if value in (0.0, 100.0) and denominator < profile.class_disclosure_base:
        return None, "c"
    return value, None


@pytest.fixture(scope="module")
def entry() -> TableEntry:
    table = load_catalogue().get("fe_provider_benefits")  # the approved table: indicators, bases, FE profile
    assert table.disclosure.count_base == 10
    return table


@pytest.fixture(scope="module")
def published(entry: TableEntry) -> pl.DataFrame:
    assert FILE.exists(), f"real reference data missing at {FILE}"
    frame = ees.load(FILE, count_base=entry.disclosure.count_base).frame
    assert frame is not None
    return frame


def test_reference_d1_d2_loader_and_sdc_agree_on_values_and_symbols(entry: TableEntry, published: pl.DataFrame) -> None:
    # Read the raw text ourselves and split it the same way: the loader's frame must match cell for cell.
    columns = [i.column for i in entry.indicators]
    raw = symbols_to_columns(pl.read_csv(FILE, infer_schema=False), columns)
    for column in columns:
        assert published[column].to_list() == raw[column].to_list(), column
        assert published[S(column)].to_list() == raw[S(column)].to_list(), column
    assert set(raw.select(pl.concat_list(S(c) for c in columns).explode()).to_series().drop_nulls()) <= {"c", "z"}


def test_reference_d1_d2_protect_keeps_every_published_cell(entry: TableEntry, published: pl.DataFrame) -> None:
    out = sdc.protect(published, entry.indicators, entry.disclosure)
    assert sdc.check_visible(out, entry.indicators, entry.disclosure, derived=False) == []
    # No earnings here: every published number and symbol stands as it was, except a 0% or 100% on a base that may
    # stand for fewer than 10 people (a "10" rounded to 10 may be 5), which D9 turns into `c` (issue #12).
    threshold = entry.disclosure.class_disclosure_base + entry.disclosure.count_base / 2
    for indicator in entry.indicators:
        column = indicator.column
        if indicator.kind == "rate" and indicator.base:
            d9 = (published[column].is_in([0.0, 100.0]) & (published[indicator.base] < threshold)).fill_null(False)
            assert int(d9.sum()) > 0 or column != "benefit_percent"  # real 0% benefit rates on tiny bases exist
        else:
            d9 = pl.Series([False] * published.height)
        kept = ~d9
        assert out.filter(kept)[column].equals(published.filter(kept)[column])
        assert out.filter(kept)[S(column)].equals(published.filter(kept)[S(column)])
        assert out.filter(d9)[S(column)].to_list() == ["c"] * int(d9.sum()), column
        assert out.filter(d9)[column].null_count() == int(d9.sum())


def test_reference_d3_d4_d6_d9_all_providers_by_provision(entry: TableEntry, published: pl.DataFrame) -> None:
    profile = entry.disclosure
    derived = sdc.aggregate(published, BY_PROVISION, entry.indicators, profile)
    out = sdc.suppress_derived(derived, entry.indicators, hierarchies=HIERARCHIES)
    assert sdc.check_visible(out, entry.indicators, profile, derived=True, hierarchies=HIERARCHIES) == []

    # 5 years x 4 types of provision x 3 benefit groups, each combining one row per provider offering it.
    assert out.height == 60
    counts = published.group_by(BY_PROVISION).agg(
        pl.len().alias("rows"),
        *((pl.col(S(i.column)) == "c").any().alias(f"{i.column}_any_c") for i in entry.indicators),
    )
    joined = out.join(counts, on=BY_PROVISION, validate="1:1")
    assert joined["n_rows"].to_list() == joined["rows"].to_list()
    for indicator in entry.indicators:
        # D6: some provider's cell is `c` in every one of these groups (whole rows are `c` for small cohorts),
        # so no derived figure may be shown: a partial sum would bound the hidden cells.
        has_c = joined[f"{indicator.column}_any_c"]
        if indicator.kind == "rate":
            has_c = has_c | joined[f"{indicator.base}_any_c"]
        assert joined.filter(has_c)[S(indicator.column)].unique().to_list() == ["c"], indicator.column
        assert joined.filter(has_c)[indicator.column].null_count() == int(has_c.sum())


def test_reference_d3_d4_d9_arithmetic_on_providers_with_published_counts(
    entry: TableEntry, published: pl.DataFrame
) -> None:
    """Only to exercise the numbers on real values: 2022/23 providers whose learner counts are all published."""
    profile = entry.disclosure
    counts = ["number_of_learners", "number_of_matched_learners"]
    year = published.filter(pl.col("time_period") == 202223, pl.col("benefit_learner") == "Total")
    complete = year.filter(pl.all_horizontal(pl.col(S(c)).is_null() for c in counts).all().over("provider_ukprn"))
    assert complete["provider_ukprn"].n_unique() > 500

    derived = sdc.aggregate(complete, ["provision"], entry.indicators, profile)
    assert derived[S("number_of_learners")].null_count() == derived.height  # no `c` contributor; large sums
    for row in derived.to_dicts():
        group = complete.filter(pl.col("provision") == row["provision"])
        assert row["n_rows"] == group.height
        learners = group["number_of_learners"].sum()
        assert row["number_of_learners"] == sdc.round_half_up(learners, profile.count_base)
        assert row["number_of_learners"] % 10 == 0 and row["number_of_learners"] >= profile.min_count
        for indicator in entry.visible_indicators("rate"):
            symbols = group[S(indicator.column)]
            if (symbols == "c").any():  # D6
                expected: tuple = (None, "c")
            elif symbols.is_not_null().all() and symbols.n_unique() == 1:  # D1: all `z` stays `z`
                expected = (None, symbols[0])
            elif symbols.is_not_null().any():  # D1: a symbol is never filled
                expected = (None, "x")
            else:  # D4/D9 with the numerator estimated from the published whole-% rates and rounded bases
                rates, bases = group[indicator.column].to_list(), group["number_of_matched_learners"].to_list()
                expected = expected_share(rates, bases, profile)
            assert (row[indicator.column], row[S(indicator.column)]) == expected, (row["provision"], indicator.column)
    statuses = derived.select(S(i.column) for i in entry.visible_indicators("rate")).to_numpy().ravel()
    assert "c" in set(statuses) and None in set(statuses)  # real shares both shown and hidden

    out = sdc.suppress_derived(derived, entry.indicators, hierarchies=[([], "provision")])
    assert sdc.check_visible(out, entry.indicators, profile, derived=True, hierarchies=[([], "provision")]) == []


def test_reference_d4_d9_single_provider_rows_rederived(entry: TableEntry, published: pl.DataFrame) -> None:
    """Grouping finer than nothing: each group is one published row, still held to D4/D9 as a derived share."""
    profile = entry.disclosure
    year = published.filter(pl.col("time_period") == 202223, pl.col("benefit_learner") == "Total")
    keys = ["provider_ukprn", "provision"]
    out = sdc.aggregate(year, keys, entry.indicators, profile)
    assert sdc.check_visible(out, entry.indicators, profile, derived=True) == []
    assert out.height == year.height and set(out["n_rows"]) == {1}
    rates = ["spd_percent", "emp_percent", "benefit_percent"]
    rows = year.join(out, on=keys, suffix="__derived", validate="1:1")
    hidden_by_d4 = 0
    for row in rows.to_dicts():
        for rate in rates:
            base = "number_of_matched_learners"
            if row[S(rate)] is not None or row[S(base)] is not None:
                assert row[f"{S(rate)}__derived"] is not None  # D1: a published symbol is never filled
                continue
            expected = expected_share([row[rate]], [row[base]], profile)
            assert (row[f"{rate}__derived"], row[f"{S(rate)}__derived"]) == expected, (row["provider_ukprn"], rate)
            hidden_by_d4 += expected[1] == "c"
    # Real cases: e.g. a published 10% of 20 matched learners estimates a numerator of 2, so it is hidden.
    assert hidden_by_d4 > 0


def test_reference_d6_published_provider_rows_need_secondary_suppression(
    entry: TableEntry, published: pl.DataFrame
) -> None:
    """The publisher leaves e.g. "Benefit learners" c beside a shown Total and "Not on benefits": total minus the
    shown part recovers it (to within rounding). A provider view must hide one more cell."""
    profile = entry.disclosure
    keys = ["time_period", "provider_ukprn"]
    filters = ["provision", "benefit_learner"]
    hierarchies = [([*keys, *(f for f in filters if f != child)], child) for child in filters]
    year = sdc.protect(published.filter(pl.col("time_period") == 202223), entry.indicators, profile)
    before = sdc.check_visible(year, entry.indicators, profile, derived=False, hierarchies=hierarchies)
    assert any(p.startswith("D6: number_of_learners shows a benefit_learner total") for p in before)

    columns = [i.column for i in entry.visible_indicators()]
    after = sdc.secondary_suppress_grid(year, filters, columns, other_keys=keys)
    assert sdc.check_visible(after, entry.indicators, profile, derived=False, hierarchies=hierarchies) == []
    for column in columns:  # only more `c`: every published symbol and every other number stands
        was, now = year[S(column)], after[S(column)]
        assert (was.eq_missing(now) | (was.is_null() & now.eq_missing("c"))).all(), column
        assert (after[column].is_null() | after[column].eq_missing(year[column])).all(), column

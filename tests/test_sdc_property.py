"""Property test: whatever small table and grouping, aggregate + secondary_suppress never shows an unsafe cell.

The oracle below recomputes every derived cell from the input rows itself, in plain Python (exact fractions for
shares), so it checks the rules, not sdc's frame code. Tests at the end feed it a naive aggregate and broken
outputs to prove it can fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from test_sdc_cells import cells

from leo_dash import sdc
from leo_dash.core.model import DisclosureProfile, Indicator, status_column

S = status_column
LEARNERS = Indicator("learners", "Learners", "count")
MATCHED = Indicator("matched", "Matched learners", "base")
EMP_RATE = Indicator("emp_rate", "Sustained employment (%)", "rate", unit="%", base="matched")
EARN_MEDIAN = Indicator("earn_median", "Median earnings", "earnings", unit="£", base="matched")
EARN_MAX = Indicator("earn_max", "Maximum earnings", "earnings", unit="£", base="matched", hidden=True)
INDICATORS = (LEARNERS, MATCHED, EMP_RATE, EARN_MEDIAN, EARN_MAX)
NUMERIC = tuple(i.column for i in INDICATORS)
SHOWN = tuple(i.column for i in INDICATORS if not i.hidden)
PROVISIONS = ("Apprenticeship", "Education", "Traineeship")
KEYS = ("provider", "region", "provision")
PROFILES = (
    DisclosureProfile(count_base=5),
    DisclosureProfile(count_base=10),
    # Looser counts than shares: with the defaults D3 already hides every base a D9 case could rest on.
    DisclosureProfile(count_base=1, min_count=5),
)

SYMBOL = st.sampled_from(["c", "c", "x", "z", "low", "u"])


def count_cell(step: int) -> st.SearchStrategy[object]:
    # Often tiny: that is where the rules bite.
    tiny = st.integers(0, 3 if step > 1 else 12).map(lambda k: k * step)
    return st.one_of(SYMBOL, tiny, st.integers(0, 60).map(lambda k: k * step))


RATE_CELL = st.one_of(
    SYMBOL, st.sampled_from([0, 100]), st.integers(0, 100), st.integers(0, 1000).map(lambda k: k / 10)
)
EARNINGS_CELL = st.one_of(SYMBOL, st.integers(50, 600).map(lambda k: k * 100))


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    step = draw(st.sampled_from([5, 10, 1]))  # the publisher's rounding base (1: a source publishing exact counts)
    providers = draw(st.integers(1, 4))
    rows: dict[str, list] = {k: [] for k in (*KEYS, *NUMERIC)}
    for p in range(providers):
        region = draw(st.sampled_from(["North", "South"]))
        # Sometimes a provider lacks a type of provision: the "child absent" case for D6.
        items = draw(st.lists(st.sampled_from(PROVISIONS), min_size=1, max_size=3, unique=True))
        for provision in ["Total", *sorted(items)]:
            rows["provider"].append(f"Provider {p + 1}")
            rows["region"].append(region)
            rows["provision"].append(provision)
            rows["learners"].append(draw(count_cell(step)))
            rows["matched"].append(draw(count_cell(step)))
            rows["emp_rate"].append(draw(RATE_CELL))
            rows["earn_median"].append(draw(EARNINGS_CELL))
            rows["earn_max"].append(draw(EARNINGS_CELL))
    return cells(rows, NUMERIC)


def derive(
    frame: pl.DataFrame, by: Sequence[str], profile: DisclosureProfile, aggregate: Callable[..., pl.DataFrame]
) -> pl.DataFrame:
    """What a view does: aggregate, then secondary suppression over the provision hierarchy when it is shown."""
    return sdc.suppress_derived(aggregate(frame, by, INDICATORS, profile), INDICATORS, hierarchies=hierarchies_for(by))


def hierarchies_for(by: Sequence[str]) -> list[tuple[list[str], str]]:
    return [([k for k in by if k != "provision"], "provision")] if "provision" in by else []


def exact(value: float) -> Fraction:
    """The decimal a published cell stands for, as an exact fraction (28.7 is 287/10, not the float)."""
    return Fraction(str(value))


def half_up(value: Fraction, step: Fraction) -> Fraction:
    steps = value / step
    whole = math.floor(abs(steps) + Fraction(1, 2))
    return step * (whole if steps >= 0 else -whole)


def assert_share_safe(group: list[dict], row: dict, profile: DisclosureProfile) -> None:
    """D4 + D9 for a shown derived emp_rate, worked in exact arithmetic from the published, rounded inputs."""
    if row[S("emp_rate")] is not None:
        return
    numerator = sum((exact(r["emp_rate"]) * exact(r["matched"]) for r in group), Fraction(0)) / 100
    denominator = sum((exact(r["matched"]) for r in group), Fraction(0))
    assert numerator >= profile.share_min_numerator, f"D4: numerator {float(numerator)}"
    assert denominator >= profile.share_min_denominator, f"D4: denominator {float(denominator)}"
    expected = half_up(numerator / denominator * 100, Fraction(1, 10**profile.rate_dp))
    assert row["emp_rate"] == float(expected), f"D4/D8: rate {row['emp_rate']} != {float(expected)}"
    if expected in (0, 100):
        assert denominator >= profile.class_disclosure_base, f"D9: {float(expected)}% on {float(denominator)}"


def assert_derived_safe(inputs: pl.DataFrame, out: pl.DataFrame, by: Sequence[str], profile: DisclosureProfile) -> None:
    """The oracle: every shown cell of `out` obeys D1-D6 and D9 when recomputed from the input rows."""
    assert "earn_max" not in out.columns and S("earn_max") not in out.columns, "D5: hidden column shown"
    for name in SHOWN:
        assert S(name) in out.columns, f"D2: {name} has no status column"
    input_rows = inputs.to_dicts()
    for row in out.to_dicts():
        group = [r for r in input_rows if all(r[k] == row[k] for k in by)]
        assert row["n_rows"] == len(group)
        for name in SHOWN:
            shown = row[S(name)] is None
            assert shown == (row[name] is not None), f"D1/D2: {name} value and status disagree in {row}"
        # D1/D6: a symbol in a contributor never becomes a number; a `c` contributor makes a derived `c`.
        for name, inputs_of in (
            ("learners", ["learners"]),
            ("matched", ["matched"]),
            ("emp_rate", ["emp_rate", "matched"]),
        ):
            symbols = {r[S(c)] for r in group for c in inputs_of} - {None}
            if symbols:
                assert row[S(name)] is not None, f"D1: {name} derived from symbols {symbols} shown as {row[name]}"
            if "c" in symbols:
                assert row[S(name)] == "c", f"D6: {name} has a c contributor but shows {row[S(name)]}"
        for name in ("learners", "matched"):  # D3
            if row[S(name)] is None:
                total = sum(r[name] for r in group)
                assert row[name] >= profile.min_count and total >= profile.min_count, (
                    f"D3: {name} {row[name]} too small"
                )
                assert row[name] % profile.count_base == 0, f"D3: {name} {row[name]} not a multiple"
                assert row[name] == sdc.round_half_up(total, profile.count_base), (
                    f"D3/D8: {name} not half-up of {total}"
                )
        assert_share_safe(group, row, profile)
        if row[S("earn_median")] is None:  # D5: only a single published row, on a big enough base, to £100
            assert len(group) == 1, f"D5: earnings derived across {len(group)} rows"
            (source,) = group
            assert source[S("earn_median")] is None, "D1: an earnings symbol became a number"
            assert source[S("matched")] is None and source["matched"] >= profile.earnings_min_base, "D5: small base"
            assert row["earn_median"] == sdc.round_half_up(source["earn_median"], profile.earnings_base)
    # D6: no shown parent with all its children present and exactly one child c.
    for parent_keys, child in hierarchies_for(by):
        children = set(out[child].to_list()) - {"Total"}
        for _, part in out.group_by(parent_keys or [pl.lit(0)]):
            for name in SHOWN:
                status = dict(zip(part[child].to_list(), part[S(name)].to_list(), strict=True))
                if "Total" in status and status["Total"] is None and children <= set(status):
                    hidden = [c for c in children if status[c] == "c"]
                    assert len(hidden) != 1, f"D6: {name} total shown with one child c {hidden} in {part}"


def check_property(aggregate: Callable[..., pl.DataFrame]) -> None:
    @settings(max_examples=200, deadline=None)
    @given(
        frame=tables(),
        by=st.lists(st.sampled_from(KEYS), max_size=3, unique=True),
        profile=st.sampled_from(PROFILES),
    )
    def run(frame: pl.DataFrame, by: list[str], profile: DisclosureProfile) -> None:
        out = derive(frame, by, profile, aggregate)
        problems = sdc.check_visible(out, INDICATORS, profile, derived=True, hierarchies=hierarchies_for(by))
        assert problems == []
        assert_derived_safe(frame, out, by, profile)

    run()


def test_property_d1_to_d9_aggregate_and_secondary_suppression_never_show_an_unsafe_cell() -> None:
    check_property(sdc.aggregate)


@settings(max_examples=200, deadline=None)
@given(frame=tables(), profile=st.sampled_from(PROFILES))
def test_property_d1_d5_protect_keeps_symbols_and_passes_the_published_check(
    frame: pl.DataFrame, profile: DisclosureProfile
) -> None:
    out = sdc.protect(frame, INDICATORS, profile)
    assert sdc.check_visible(out, INDICATORS, profile, derived=False) == []
    for name in SHOWN:
        before, after = frame[S(name)].to_list(), out[S(name)].to_list()
        # A symbol stays exactly as published; only earnings (small base) and a 0%/100% rate on a small base (D9,
        # class disclosure) may gain a `c`.
        assert all(a == b for a, b in zip(after, before, strict=True) if b is not None)
        if name == "emp_rate":
            rounding_slack = profile.count_base / 2  # a published base rounded to count_base may be this much larger
            for value, base, base_status, a, b in zip(
                frame[name], frame["matched"], frame[S("matched")], after, before, strict=True
            ):
                small = base_status in sdc.SMALL_BASE_SYMBOLS or (
                    base is not None and base < profile.class_disclosure_base + rounding_slack
                )
                gains_c = b is None and value in (0.0, 100.0) and small
                assert a == ("c" if gains_c else b)
        elif name != "earn_median":
            assert after == before


SMALL_SHARE_ROWS = st.lists(
    st.tuples(st.one_of(st.sampled_from([0, 100]), st.integers(0, 100)), st.integers(0, 12)), min_size=1, max_size=3
)


@settings(max_examples=200, deadline=None)
@given(groups=st.lists(SMALL_SHARE_ROWS, min_size=1, max_size=4), profile=st.sampled_from(PROFILES))
def test_property_d4_d9_shares_on_small_bases(groups: list[list[tuple[int, int]]], profile: DisclosureProfile) -> None:
    """Shares on tiny, unrounded bases: the D4 and D9 boundaries (numerator 3, denominator 6, 0%/100% under 10)."""
    frame = cells(
        {
            "g": [n for n, rows in enumerate(groups) for _ in rows],
            "emp_rate": [rate for rows in groups for rate, _ in rows],
            "matched": [base for rows in groups for _, base in rows],
        },
        ["emp_rate", "matched"],
    )
    out = sdc.aggregate(frame, ["g"], (EMP_RATE,), profile)
    assert sdc.check_visible(out, (EMP_RATE, MATCHED), profile, derived=True) == []
    inputs = frame.to_dicts()
    for row in out.to_dicts():
        assert_share_safe([r for r in inputs if r["g"] == row["g"]], row, profile)


# ---------------------------------------------------------------- the property can fail


def naive_aggregate(
    frame: pl.DataFrame, by: Sequence[str], indicators: Sequence[Indicator], profile: DisclosureProfile
) -> pl.DataFrame:
    """A deliberately unsafe aggregate: plain sums and weighted means, symbols ignored, no suppression."""
    aggs = [
        pl.col("learners").sum(),
        pl.col("matched").sum(),
        ((pl.col("emp_rate") * pl.col("matched")).sum() / pl.col("matched").sum()).round(1).alias("emp_rate"),
        pl.col("earn_median").mean(),
        pl.len().alias("n_rows"),
    ]
    sums = frame.group_by(list(by), maintain_order=True).agg(aggs) if by else frame.select(aggs)
    return sums.with_columns(pl.lit(None, pl.String).alias(S(c)) for c in SHOWN)


def test_property_d1_d3_can_fail_on_a_naive_aggregate() -> None:
    # No shrinking: we only need to see that a counterexample is found, quickly.
    quick = settings(max_examples=50, deadline=None, phases=[Phase.generate], report_multiple_bugs=False)

    @quick
    @given(
        frame=tables(), by=st.lists(st.sampled_from(KEYS), max_size=3, unique=True), profile=st.sampled_from(PROFILES)
    )
    def run(frame: pl.DataFrame, by: list[str], profile: DisclosureProfile) -> None:
        assert_derived_safe(frame, derive(frame, by, profile, naive_aggregate), by, profile)

    with pytest.raises(AssertionError):
        run()


def example() -> tuple[pl.DataFrame, list[str], DisclosureProfile]:
    frame = cells(
        {
            "provider": ["Provider 1"] * 4 + ["Provider 2"] * 4,
            "region": ["North"] * 8,
            "provision": ["Total", *PROVISIONS] * 2,
            "learners": [200, 100, "c", 50, 300, 100, 60, 140],
            "matched": [200, 100, 40, 50, 300, 100, 60, 140],
            "emp_rate": [60, 50, "c", 70, 40, 2, 50, 30],
            "earn_median": [20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000],
            "earn_max": [90000] * 8,
        },
        NUMERIC,
    )
    return frame, ["provision"], PROFILES[1]


def undo_secondary(out: pl.DataFrame, provision: str, column: str, value: float) -> pl.DataFrame:
    """Put back the number secondary suppression hid, leaving one child `c` beside a shown total."""
    target = pl.col("provision") == provision
    return out.with_columns(
        pl.when(target).then(pl.lit(value)).otherwise(pl.col(column)).alias(column),
        pl.when(target).then(None).otherwise(pl.col(S(column))).alias(S(column)),
    )


@pytest.mark.parametrize(
    ("breakage", "rule"),
    [
        (
            lambda o: o.with_columns(
                pl.when(pl.col(S("learners")) == "c").then(999.0).otherwise(pl.col("learners")).alias("learners"),
                pl.lit(None, pl.String).alias(S("learners")),
            ),
            "D1",
        ),
        (lambda o: o.with_columns(pl.lit(35.0).alias("learners"), pl.lit(None, pl.String).alias(S("learners"))), "D3"),
        (lambda o: o.with_columns(pl.lit(0.1).alias("emp_rate"), pl.lit(None, pl.String).alias(S("emp_rate"))), "D4"),
        (
            lambda o: o.with_columns(
                pl.lit(23000.0).alias("earn_median"), pl.lit(None, pl.String).alias(S("earn_median"))
            ),
            "D5",
        ),
        (lambda o: undo_secondary(o, "Traineeship", "learners", 190.0), "D6"),
    ],
)
def test_d1_d3_d4_d5_d6_oracle_and_check_visible_catch_a_broken_output(
    breakage: Callable[[pl.DataFrame], pl.DataFrame], rule: str
) -> None:
    frame, by, profile = example()
    good = derive(frame, by, profile, sdc.aggregate)
    assert_derived_safe(frame, good, by, profile)  # the unbroken output passes
    assert sdc.check_visible(good, INDICATORS, profile, derived=True, hierarchies=hierarchies_for(by)) == []
    broken = breakage(good)
    with pytest.raises(AssertionError, match=rule):
        assert_derived_safe(frame, broken, by, profile)
    problems = sdc.check_visible(broken, INDICATORS, profile, derived=True, hierarchies=hierarchies_for(by))
    if rule != "D1":  # check_visible cannot know a derived cell had a `c` contributor; the oracle can
        assert any(p.startswith(rule) for p in problems), problems

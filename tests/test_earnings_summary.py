"""The one-sentence summaries: direction words from the data, and never a suppressed (None) value."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from leo_dash.analyses.earnings import SeriesValues, summary_sentence

YAGS = ("1", "3", "5", "10")


def series(label: str, values: list[float | None], xs: tuple[str, ...] = YAGS) -> SeriesValues:
    return SeriesValues(label, f"{label} graduates", tuple(zip(xs, values, strict=True)))


def trajectory(*lines: SeriesValues, basis: str = "real") -> str:
    return summary_sentence(lines, mode="trajectory", measure_label="Median earnings", basis=basis, base_period=202223)  # type: ignore[arg-type]


def test_single_line_that_rises_matches_the_house_example() -> None:
    assert trajectory(series("Computing", [24100, 29000, 33000, 38900])) == (
        "Median earnings of Computing graduates rose from £24,100 one year after graduation to £38,900 ten years "
        "after, in 2022-23 prices."
    )


def test_single_line_that_falls_or_stays() -> None:
    assert trajectory(series("Law", [30000, 29000, 28000, 27000]), basis="nominal") == (
        "Median earnings of Law graduates fell from £30,000 one year after graduation to £27,000 ten years after, "
        "in cash terms."
    )
    assert "were £30,000 both one year after graduation and ten years after" in trajectory(
        series("Law", [30000, 31000, 29000, 30000])
    )


def test_suppressed_end_points_are_skipped_not_cited() -> None:
    text = trajectory(series("Law", [None, 25000, 31000, None]))
    assert text == (
        "Median earnings of Law graduates rose from £25,000 three years after graduation to £31,000 five years "
        "after, in 2022-23 prices."
    )


def test_one_published_point_and_none() -> None:
    assert trajectory(series("Law", [None, None, 31000, None])) == (
        "Median earnings of Law graduates were £31,000 five years after graduation; the other figures for them are "
        "suppressed or not available, in 2022-23 prices."
    )
    assert trajectory(series("Law", [None] * 4)) == (
        "No median earnings figure can be shown for this selection: every figure is suppressed or not available."
    )


def test_several_lines_name_highest_and_lowest_with_direction() -> None:
    text = trajectory(series("Computing", [24100, 29000, 33000, 38900]), series("Law", [22000, 25000, 28000, 31000]))
    assert text == (
        "Median earnings rose from one to ten years after graduation for both lines shown; ten years after "
        "graduation they were highest for Computing (£38,900) and lowest for Law (£31,000), in 2022-23 prices."
    )


def test_mixed_directions_are_counted() -> None:
    text = trajectory(
        series("A", [20000, 21000, 22000, 23000]),
        series("B", [30000, 29000, 28000, 27000]),
        series("C", [25000, 25000, 25000, 25000]),
    )
    assert text.startswith(
        "Median earnings rose for one, fell for one and did not change for one of the three lines between one and ten "
        "years after graduation; ten years after graduation they were highest for B (£27,000) and lowest for A (£23,000)"
    )


def test_comparison_point_avoids_suppressed_values() -> None:
    # At 10 YAG only one line is published, so the comparison is made at 5 YAG, where both are.
    text = trajectory(series("Computing", [24100, 29000, 33000, 38900]), series("Law", [22000, 25000, 28000, None]))
    assert (
        "Five years after graduation, median earnings were highest for Computing (£33,000) and lowest for Law (£28,000)"
        in text
    )
    assert "38,900" not in text


def test_lines_without_published_figures_are_counted_not_cited() -> None:
    text = trajectory(
        series("Computing", [24100, 29000, 33000, 38900]),
        series("Law", [22000, 25000, 28000, 31000]),
        series("Celtic", [None, None, None, None]),
    )
    assert "for both lines with published figures" in text and "Celtic" not in text
    assert "among the" not in text  # said once is enough
    text = trajectory(
        series("Computing", [24100, 29000, 33000, 38900]),
        series("Law", [22000, 25000, 28000, None]),
        series("Celtic", [None, None, None, None]),
    )
    assert "among the 2 of 3 lines with a published figure" in text and "Celtic" not in text


def test_cohort_sentences() -> None:
    years = ("2020-21", "2021-22", "2022-23")
    one = summary_sentence(
        [series("Computing", [30000, None, 33000], years)],
        mode="cohorts",
        measure_label="Median earnings",
        basis="nominal",
        base_period=202223,
        yag="5",
    )
    assert one == (
        "Median earnings of Computing graduates five years after graduation rose from £30,000 in 2020-21 to £33,000 "
        "in 2022-23, in cash terms."
    )
    two = summary_sentence(
        [series("Computing", [30000, 31000, 29000], years), series("Law", [28000, 27000, 26000], years)],
        mode="cohorts",
        measure_label="Median earnings",
        basis="real",
        base_period=202223,
        yag="1",
    )
    assert two == (
        "Median earnings one year after graduation fell from 2020-21 to 2022-23 for both lines shown; in 2022-23 "
        "they were highest for Computing (£29,000) and lowest for Law (£26,000), in 2022-23 prices."
    )


MONEY = re.compile(r"£([\d,]+)")
values = st.one_of(st.none(), st.integers(min_value=100, max_value=900).map(lambda n: float(n * 100)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(values, min_size=4, max_size=4), min_size=1, max_size=6))
def test_every_amount_cited_is_a_published_value(lines: list[list[float | None]]) -> None:
    all_series = [series(f"S{i}", v) for i, v in enumerate(lines)]
    text = trajectory(*all_series)
    published = {v for line in lines for v in line if v is not None}
    cited = {float(m.replace(",", "")) for m in MONEY.findall(text)}
    assert cited <= published
    assert text.count(".") >= 1 and "None" not in text and "£0" not in text
    if not published:
        assert text.startswith("No median earnings figure")

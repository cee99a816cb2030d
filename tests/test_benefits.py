"""Unit tests of leo_dash.analyses.benefits: which indicators and splits a table offers, the lines built from published and
derived figures, the change between two years (also from suppressed end points), the words, and the figures."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leo_dash.analyses import benefits
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import Indicator, status_column
from tests.conftest import make_entry
from tests.test_benefits_fixture import (
    A_PROVIDERS,
    A_YEARS,
    B_YEARS,
    a_rate,
    b_all_providers,
    b_rate,
    make_tables,
)

COMMITTED = paths.PROJECT_ROOT / "data"


@pytest.fixture
def tables(data_dir: Path):
    return make_tables(data_dir)


@pytest.fixture(scope="module")
def real():
    catalogue = load_catalogue(COMMITTED)
    assert "fe_provider_benefits" in catalogue, (
        "the real FE table must be registered (reference data beside the checkout)"
    )
    return catalogue


def spec_for(entry, params: dict[str, list[str]]) -> benefits.BenefitSpec:
    spec, notes = benefits.spec_from_params(entry, params)
    assert not notes, notes
    return spec


def line(data: benefits.BenefitData, label: str) -> list[tuple[float | None, str | None]]:
    rows = data.frame.filter(pl.col(benefits.SERIES) == label).sort(benefits.PERIOD)
    value = data.indicator.column
    return list(zip(rows[value].to_list(), rows[status_column(value)].to_list(), strict=True))


# ---------------------------------------------------------------- which indicators, which tables


def test_benefit_rates_come_from_the_catalogue_not_column_names(tables, real) -> None:
    a, b = tables
    assert [i.column for i in benefits.benefit_indicators(a)] == ["claim_rate"]  # the label mentions benefits
    # 'Not sustained, not on benefits' is the share NOT claiming: no claim rate; the plain claim rate comes first.
    assert [i.column for i in benefits.benefit_indicators(b)] == ["benefit_percent", "not_sustained_benefit_percent"]
    fe = real.get("fe_provider_benefits")
    assert benefits.benefit_indicators(fe)[0].column == "benefit_percent"
    assert benefits.supports(fe) and benefits.supports(real.get("demo_benefit_claims"))
    assert not benefits.supports(real.get("demo_graduate_outcomes"))  # no benefit rate at all
    school = real.get("demo_school_college_destinations")
    assert [i.column for i in benefits.benefit_indicators(school)] == ["benefit_rate_1ya", "benefit_rate_3ya"]


def test_a_count_or_hidden_indicator_is_no_rate() -> None:
    assert not benefits.is_benefit_rate(Indicator("benefit_claimants", "Claiming out-of-work benefits", "count"))
    assert not benefits.is_benefit_rate(Indicator("benefit_rate", "Benefit rate", "rate", "%", hidden=True))
    assert benefits.is_benefit_rate(Indicator("oow_rate", "Out-of-work benefit rate", "rate", "%"))
    entry = make_entry(indicators=(Indicator("emp", "Sustained employment", "rate", "%"),))
    assert not benefits.supports(entry)


def test_splits_follow_the_table_and_the_scope(tables) -> None:
    a, b = tables
    options = benefits.table_options(a)
    assert options.periods == A_YEARS and options.years_after == ("1", "3") and options.default_years_after == "1"
    national = [s.key for s in benefits.available_splits(a, options, None)]
    assert national == ["overall", "characteristic", "subject", "provider_type", "years_after"]
    # One provider has one type and (here) only all-subject rows: those splits are hidden, not broken.
    one = [s.key for s in benefits.available_splits(a, options, "90000101")]
    assert one == ["overall", "characteristic", "years_after"]
    fe_options = benefits.table_options(b)
    fe_splits = benefits.available_splits(b, fe_options, None)
    assert [s.key for s in fe_splits] == ["overall", "provision", "benefit_learner"]
    assert benefits.default_split(fe_splits, fe_options) == "benefit_learner"
    assert benefits.default_split(benefits.available_splits(a, options, None), options) == "overall"
    split = benefits.split_by_key(fe_splits, "benefit_learner")
    assert benefits.split_items(b, split, None) == ["Benefit learners", "Not on benefits"]  # Total is not a line
    assert fe_options.label("benefit_learner") == "Benefit status at start of learning"  # the publisher's label


def test_nested_filters_are_left_free_when_splitting(real) -> None:
    entry = real.get("fe_community_learning")
    options = benefits.table_options(entry)
    split = benefits.split_by_key(benefits.available_splits(entry, options, None), "age_group")
    assert benefits.split_parents(entry, options, split) == ("age_youth_adult",)
    assert "age_youth_adult" not in benefits.filter_controls(entry, options, split)
    data = benefits.benefit_data(entry, spec_for(entry, {"compare": ["age_group"]}))
    latest = data.frame.filter(pl.col(benefits.PERIOD) == max(data.periods))
    # Pinning 'youth or adult' to Total would match no row: every age group has figures.
    assert latest[status_column("benefit_percent")].null_count() == latest.height == 4


# ---------------------------------------------------------------- lines from published rows


def test_published_national_lines_by_characteristic(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {"compare": ["characteristic"], "characteristic": ["FSM"]}))
    assert [s.label for s in data.series] == ["FSM eligible", "Not FSM eligible"]
    assert set(data.frame[benefits.BASIS].to_list()) == {benefits.PUBLISHED}
    eligible = line(data, "FSM eligible")
    assert eligible == [
        (a_rate(None, "Total", "Total", "FSM", "FSM eligible", "1", 202021), None),
        (None, "c"),  # suppressed by the publisher: a gap with its symbol, never a number
        (a_rate(None, "Total", "Total", "FSM", "FSM eligible", "1", 202223), None),
    ]
    assert data.dp == 1 and not data.derived


def test_subject_split_missing_row_is_not_available(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {"compare": ["subject"], "subject": ["History", "Law"], "yag": ["3"]}))
    history = line(data, "History")
    assert history[-1] == (None, "x")  # no row published: 'not available', not zero
    assert history[0] == (a_rate(None, "Total", "History", "Total", "Total", "3", 202021), None)
    assert line(data, "Law")[0] == (a_rate(None, "Total", "Law", "Total", "Total", "3", 202021), None)


def test_provider_against_all_providers(tables) -> None:
    a, _ = tables
    spec = spec_for(a, {"provider": ["90000102"], "compare": ["characteristic"], "characteristic": ["FSM"]})
    assert spec.items == ("FSM eligible", "Not FSM eligible")
    data = benefits.benefit_data(a, spec)
    name = A_PROVIDERS["90000102"][0]
    assert [s.label for s in data.series] == [
        f"FSM eligible – {name}",
        "FSM eligible – All providers",
        f"Not FSM eligible – {name}",
        "Not FSM eligible – All providers",
    ]
    own = line(data, f"FSM eligible – {name}")
    assert own[0] == (a_rate("90000102", "FEC", "Total", "FSM", "FSM eligible", "1", 202021), None)
    assert own[-1] == (None, "c")
    figure = benefits.build_trend_figure(data)
    dashes = {t.name: t.line.dash for t in figure.data}
    assert dashes[f"FSM eligible – {name}"] == "solid" and dashes["FSM eligible – All providers"] == "dash"


def test_years_after_split_and_six_line_limit(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {"compare": ["years_after"]}))
    assert [s.label for s in data.series] == ["1 year after graduation", "3 years after graduation"]
    assert benefits.max_items(None) == 6 and benefits.max_items("90000101") == 3
    many = benefits.BenefitSpec(a.id, "claim_rate", "subject", items=("History", "Law"), provider=None, years_after="1")
    assert len(benefits.benefit_data(a, many).series) == 2


# ---------------------------------------------------------------- derived all-provider figures (D4, D6)


def test_fe_all_providers_are_derived_from_published_cells(tables) -> None:
    _, b = tables
    data = benefits.benefit_data(b, spec_for(b, {}))
    assert data.split.key == "benefit_learner" and data.derived and data.dp == 1
    assert set(data.frame[benefits.BASIS].to_list()) == {benefits.DERIVED}
    for status in ("Benefit learners", "Not on benefits"):
        expected = [b_all_providers("Total", status, year) for year in B_YEARS]
        got = line(data, status)
        assert [v for v, _ in got] == expected, status
        for (_, symbol), want in zip(got, expected, strict=True):
            assert (symbol == "c") == (want is None)  # a lone suppressed contributor hides the derived figure
    assert any("derived from the providers' published figures" in n for n in data.notes)


def test_provider_beside_derived_all_providers(tables) -> None:
    _, b = tables
    data = benefits.benefit_data(b, spec_for(b, {"provider": ["10000003"], "compare": ["provision"]}))
    assert [s.label for s in data.series][:2] == ["Apprenticeship – GAMMA COLLEGE", "Apprenticeship – All providers"]
    assert [v for v, _ in line(data, "Apprenticeship – GAMMA COLLEGE")] == [
        b_rate("10000003", "Apprenticeship", "Total", y) for y in B_YEARS
    ]
    assert [v for v, _ in line(data, "Apprenticeship – All providers")] == [
        b_all_providers("Apprenticeship", "Total", y) for y in B_YEARS
    ]


def test_real_fe_table_benefit_status_by_provision_for_a_provider(real) -> None:
    entry = real.get("fe_provider_benefits")
    options = benefits.table_options(entry)
    assert [period for period in options.periods] == [201819, 201920, 202021, 202122, 202223]
    # The first provider (by name) with both benefit statuses and apprenticeships: the test follows the data.
    provider = next(
        pid
        for pid, _ in options.providers
        if {"benefit_learner", "provision"} <= {s.key for s in benefits.available_splits(entry, options, pid)}
    )
    spec = spec_for(entry, {"provider": [provider], "provision": ["Apprenticeship"]})
    assert spec.split == "benefit_learner" and spec.filters == (("provision", "Apprenticeship"),)
    data = benefits.benefit_data(entry, spec)
    assert len(data.series) == 4 and data.derived
    national = data.frame.filter(pl.col(benefits.PROVIDER).is_null())
    assert set(national[benefits.BASIS].to_list()) == {benefits.DERIVED}
    shown = national.filter(pl.col(status_column("benefit_percent")).is_null())
    assert shown.height > 0 and (shown["benefit_percent"] * 10 % 1 == 0).all()  # one decimal place
    title = benefits.trend_title(data)
    assert "type of provision: Apprenticeship" in title and "against all providers" in title


# ---------------------------------------------------------------- change between two years


def test_change_from_a_suppressed_point_is_not_computed(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {"compare": ["characteristic"], "characteristic": ["FSM"]}))
    rows = benefits.change_rows(data, 202122, 202223)
    by_label = {r.series.label: r for r in rows}
    assert by_label["FSM eligible"].change is None and by_label["FSM eligible"].status == "c"
    expected = round(
        a_rate(None, "Total", "Total", "FSM", "Not FSM eligible", "1", 202223)
        - a_rate(None, "Total", "Total", "FSM", "Not FSM eligible", "1", 202122),
        1,
    )
    assert by_label["Not FSM eligible"].change == pytest.approx(expected)
    note = benefits.missing_ends_note(rows, 202122, 202223)
    assert note is not None and "FSM eligible (its 2021-22 figure is suppressed" in note and "('c')" in note
    summary = benefits.change_summary(data, rows, 202122, 202223)
    assert "no change is given for FSM eligible" in summary
    view = benefits.change_view(data, 202122, 202223)
    bars = view.figure.data[0]
    assert list(bars.x) == [None, pytest.approx(expected)]  # a gap, never a zero bar
    assert any("No change given" in a.text and "('c')" in a.text for a in view.figure.layout.annotations)
    table = view.table()
    assert table["FSM"].to_list() == ["FSM eligible", "Not FSM eligible"]
    assert table["Out-of-work benefit claim rate, 2021-22"].to_list()[0] == "Suppressed"


def test_change_when_both_ends_are_missing_names_each(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {"compare": ["subject"], "subject": ["History"], "yag": ["3"]}))
    # History 3 YAG has no 2022-23 row.
    rows = benefits.change_rows(data, 202021, 202223)
    assert rows[0].change is None and rows[0].status == "x"
    assert "its 2022-23 figure is not available ('x')" in str(benefits.missing_ends_note(rows, 202021, 202223))
    summary = benefits.change_summary(data, rows, 202021, 202223)
    assert summary.startswith("No change in the out-of-work benefit claim rate between 2020-21 and 2022-23")


def test_change_on_derived_figures_in_percentage_points(tables) -> None:
    _, b = tables
    data = benefits.benefit_data(b, spec_for(b, {}))
    rows = {r.series.label: r for r in benefits.change_rows(data, 201920, 202122)}
    expected = round(
        b_all_providers("Total", "Benefit learners", 202122) - b_all_providers("Total", "Benefit learners", 201920), 1
    )
    assert rows["Benefit learners"].change == pytest.approx(expected)
    views = benefits.build_views(b, spec_for(b, {"from_year": ["2020-21"], "year": ["2021-22"]}))
    assert views.change is not None
    assert "Change in the sustained out-of-work benefits rate" in views.change.title
    assert "2020-21 to 2021-22 academic years" in views.change.title
    same = benefits.build_views(b, spec_for(b, {"from_year": ["2021-22"], "year": ["2021-22"]}))
    assert same.change is None and "two different years" in str(same.change_message)


# ---------------------------------------------------------------- words


def test_change_words_percentage_points_and_percent() -> None:
    assert benefits.change_phrase(5.6, 4.4, "%", 1, "2021-22") == ("up 1.2 percentage points from 2021-22", 1.2)
    assert benefits.change_phrase(4.4, 5.6, "%", 1, "2021-22") == ("down 1.2 percentage points from 2021-22", -1.2)
    assert benefits.change_phrase(9.0, 8.0, "%", 0, "2020-21")[0] == "up 1 percentage point from 2020-21"
    assert benefits.change_phrase(8.0, 8.0, "%", 0, "2020-21")[0] == "unchanged from 2020-21"
    # Money changes are relative: percent, not percentage points.
    assert benefits.change_phrase(30300, 28400, "£", 0, "2022-23") == ("up 6.7% from 2022-23", 6.7)
    assert benefits.change_phrase(28000, 28700, "£", 0, "2019-20")[0] == "down 2.4% from 2019-20"
    assert benefits.change_phrase(None, 28700, "£", 0, "2019-20") == (None, None)
    assert benefits.change_phrase(5.0, None, "%", 1, "2019-20") == (None, None)
    assert benefits.change_phrase(100, 0, "£", 0, "2019-20") == (None, None)
    assert benefits.rate_change(0.3, 0.1, 1) == 0.2  # half-up to 1 dp, no float noise


@settings(max_examples=200, deadline=None)
@given(
    current=st.integers(min_value=0, max_value=1000).map(lambda n: n / 10),
    previous=st.integers(min_value=0, max_value=1000).map(lambda n: n / 10),
)
def test_direction_word_follows_the_sign(current: float, previous: float) -> None:
    text, change = benefits.change_phrase(current, previous, "%", 1, "2021-22")
    assert text is not None and change is not None
    if current > previous:
        assert text.startswith("up ") and change > 0
    elif current < previous:
        assert text.startswith("down ") and change < 0
    else:
        assert text.startswith("unchanged")
    size = float(re.search(r"[\d.]+", text.replace(",", "")).group()) if change else 0.0
    assert size == pytest.approx(abs(current - previous))


def _numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*\.?\d*)%", text)}


def test_summaries_never_cite_a_suppressed_value(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {"compare": ["characteristic"], "characteristic": ["FSM"]}))
    shown = {v for s, pts in benefits.series_points(data) for _, v, _ in pts if v is not None}
    summary = benefits.trend_summary(data)
    assert _numbers(summary) <= shown
    # Latest year: both published. Ask for a year where one is suppressed by looking at the 2021-22 figures.
    only_2122 = data.frame.filter(pl.col(benefits.PERIOD) <= 202122)
    cut = benefits.BenefitData(**{**data.__dict__, "frame": only_2122, "periods": (202021, 202122)})
    text = benefits.trend_summary(cut)
    assert "the 2021-22 figure for FSM eligible is suppressed or not available" in text
    assert _numbers(text) <= shown
    rows = benefits.change_rows(data, 202021, 202122)
    assert _numbers(benefits.change_summary(data, rows, 202021, 202122)) <= shown | {abs(r.change or 0) for r in rows}


def test_single_line_sentences(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {}))
    first = a_rate(None, "Total", "Total", "Total", "Total", "1", 202021)
    last = a_rate(None, "Total", "Total", "Total", "Total", "1", 202223)
    assert benefits.trend_summary(data) == (
        f"The out-of-work benefit claim rate for all providers rose from {first}% in 2020-21 to {last}% in 2022-23."
    )
    assert benefits.trend_title(data) == (
        "Out-of-work benefit claim rate one year after graduation, tax years 2020-21 to 2022-23, all providers"
    )
    law = benefits.benefit_data(a, spec_for(a, {"compare": ["subject"], "subject": ["Law"]}))
    assert "1 figure is suppressed or not available" in benefits.trend_summary(law)


# ---------------------------------------------------------------- figures and views


def test_trend_figure_draws_gaps_as_null_never_zero(tables) -> None:
    a, _ = tables
    views = benefits.build_views(a, spec_for(a, {"compare": ["characteristic"], "characteristic": ["FSM"]}))
    figure = views.trend.figure
    traces = {t.name: t for t in figure.data}
    assert list(traces) == ["FSM eligible", "Not FSM eligible"]
    assert list(traces["FSM eligible"].x) == ["2020-21", "2021-22", "2022-23"]
    assert traces["FSM eligible"].y[1] is None and 0 not in traces["FSM eligible"].y
    assert all(t.connectgaps is False for t in figure.data)  # a line never bridges a suppressed point
    notes = " ".join(views.trend.notes)
    assert "Gaps in the chart are not zero: 1 value suppressed" in notes  # the rate only, not its base as well
    table = views.trend.table()
    assert table.columns == ["Tax year", "FSM", "Out-of-work benefit claim rate (%)", "Graduates in the cohort"]
    assert "Suppressed" in table["Out-of-work benefit claim rate (%)"].to_list()
    assert views.trend.demo and views.trend.source.startswith("Source: Synthetic demo data")


def test_plain_text_for_names_from_data(tables) -> None:
    a, _ = tables
    data = benefits.benefit_data(a, spec_for(a, {}))
    series = benefits.Series(0, "<b>x</b>", None, "<b>x</b>", 0)
    evil = benefits.BenefitData(**{**data.__dict__, "series": (series,)})
    evil = benefits.BenefitData(
        **{**evil.__dict__, "frame": data.frame.with_columns(pl.lit("<b>x</b>").alias(benefits.SERIES))}
    )
    figure = benefits.build_trend_figure(evil)
    assert figure.data[0].name == "&lt;b&gt;x&lt;/b&gt;"


def test_spec_params_round_trip_and_fallbacks(tables) -> None:
    a, _ = tables
    params = {
        "compare": ["characteristic"],
        "characteristic": ["FSM"],
        "characteristic_value": ["Not FSM eligible"],
        "provider": ["90000101"],
        "yag": ["3"],
        "from_year": ["2021-22"],
        "year": ["2022-23"],
    }
    spec = spec_for(a, params)
    assert benefits.spec_from_params(a, benefits.spec_params(spec))[0] == spec
    bad, notes = benefits.spec_from_params(
        a, {"compare": ["bogus"], "provider": ["123"], "year": ["1999"], "yag": ["7"], "measure": ["nope"]}
    )
    assert bad.split == "overall" and bad.provider is None and bad.end == 202223 and bad.years_after == "1"
    assert len(notes) == 5 and all("which is not available" in n for n in notes)


def test_briefing_views_rebuild_the_page(tables) -> None:
    a, b = tables
    views = benefits.briefing_views({"table": [b.id], "provider": ["10000001"]}, [a, b])
    assert [v.key for v in views] == ["benefits-trend", "benefits-change"]
    assert views[0].table_id == b.id and "ALPHA COLLEGE against all providers" in views[0].title
    with pytest.raises(LookupError):
        benefits.briefing_views({}, [make_entry()])


def test_a_breakdown_the_page_cannot_pin_is_reported(tables) -> None:
    a, _ = tables
    # Without its years-after role the table has two rows a year for every line: no single figure can be shown.
    loose = dataclasses.replace(a, roles={k: v for k, v in a.roles.items() if k != "years_after"}, filter_defaults={})
    with pytest.raises(benefits.BenefitsDataError, match="more than one row for some line and year"):
        benefits.benefit_data(loose, benefits.BenefitSpec(loose.id, "claim_rate"))

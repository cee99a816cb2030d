"""Unit tests of leo_dash.analyses.overview: which indicator and table gives each headline, the headline figures and their
change from the previous year, the GSS sentences (direction words, percentage points vs percent, never a suppressed
value), the links into the other pages and the view behind the headlines."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import polars as pl
import pytest

from leo_dash.analyses import overview
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import Indicator, status_column
from tests.conftest import make_entry
from tests.test_benefits_fixture import (
    TABLE_A,
    TABLE_B,
    a_earnings,
    a_employment,
    a_rate,
    b_all_providers,
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


def by_key(result: overview.Overview) -> dict[str, overview.Headline]:
    return {f"{h.entry.id}:{h.spec.key}": h for h in result.headlines}


def headline(**changes: object) -> overview.Headline:
    """A headline built by hand, for the sentence rules."""
    entry = make_entry(
        "t",
        time_label="Tax year",
        indicators=(Indicator("rate", "Out-of-work benefit claim rate", "rate", "%", 1, base="n"),),
    )
    fields: dict[str, object] = {
        "spec": overview.HeadlineSpec("benefits", "benefits", "t", "rate", "1"),
        "entry": entry,
        "indicator": entry.indicators[0],
        "label": "Out-of-work benefit claim rate one year after graduation",
        "period": 202223,
        "value": 4.3,
        "status": None,
        "previous": 202122,
        "previous_value": 3.1,
        "previous_status": None,
        "derived": False,
        "dp": 1,
        "series": pl.DataFrame(),
    }
    fields.update(changes)
    return overview.Headline(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- which indicator, which table


def test_indicators_found_from_the_catalogue(real) -> None:
    grad = real.get("demo_graduate_outcomes")
    assert overview.earnings_median(grad).column == "earnings_median"
    assert overview.employment_rate(grad).column == "sust_emp_with_or_without_fs"  # not 'only'
    fe = real.get("fe_provider_benefits")
    assert overview.earnings_median(fe) is None
    assert overview.employment_rate(fe).column == "emp_percent"  # the plain one before 'only' / 'and learning'
    assert overview.indicator_for(fe, "benefits").column == "benefit_percent"
    assert overview.indicator_for(real.get("demo_benefit_claims"), "benefits").column == "claim_rate"
    assert not overview.supports(make_entry(indicators=(Indicator("n", "Learners", "count"),)))


def test_best_table_for_each_headline_prefers_published_national_figures(real) -> None:
    tables = list(real)
    facts = {t.id: overview.table_facts(t) for t in tables}
    specs = overview.choose_specs(tables, facts)
    assert [(s.kind, s.table_id, s.years_after) for s in specs] == [
        ("earnings", "demo_graduate_outcomes", "1"),
        ("earnings", "demo_graduate_outcomes", "3"),
        ("earnings", "demo_graduate_outcomes", "5"),
        ("employment", "demo_graduate_outcomes", "5"),  # the table's own default years after
        ("benefits", "demo_benefit_claims", "1"),
    ]
    fe = overview.choose_specs(tables, facts, "fe_provider_benefits")
    # No national rows: rates are derived (D4), earnings never (D5; the table has none anyway).
    assert [(s.kind, s.indicator) for s in fe] == [("employment", "emp_percent"), ("benefits", "benefit_percent")]
    assert overview.choose_specs(tables, facts, "nope") == []


# ---------------------------------------------------------------- figures and changes


def test_headlines_from_published_national_rows(tables) -> None:
    a, b = tables
    result = overview.build_overview([a, b])
    found = by_key(result)
    assert list(found) == [
        f"{TABLE_A}:earnings-1",
        f"{TABLE_A}:earnings-3",
        f"{TABLE_A}:employment",
        f"{TABLE_A}:benefits",
    ]
    one = found[f"{TABLE_A}:earnings-1"]
    assert (one.period, one.value, one.previous_value) == (202223, a_earnings("1", 202223), a_earnings("1", 202122))
    change = round((a_earnings("1", 202223) - a_earnings("1", 202122)) / a_earnings("1", 202122) * 100, 1)
    assert one.change_text == f"up {change}% from 2021-22 in cash terms"  # money: percent change
    assert (
        one.sentence
        == f"Median earnings one year after graduation were £{a_earnings('1', 202223):,} in 2022-23, up {change}% from 2021-22 in cash terms."
    )
    claim = found[f"{TABLE_A}:benefits"]
    now, before = (a_rate(None, "Total", "Total", "Total", "Total", "1", y) for y in (202223, 202122))
    assert claim.value == now and claim.change == pytest.approx(round(now - before, 1))
    assert claim.change_text == f"up {round(now - before, 1)} percentage points from 2021-22"  # rate: points
    assert not claim.derived and "published national figure" in claim.source


def test_latest_figure_suppressed_is_named_not_cited(tables) -> None:
    a, b = tables
    three = by_key(overview.build_overview([a, b]))[f"{TABLE_A}:earnings-3"]
    assert three.value is None and three.status == "c" and three.value_text == "Suppressed (c)"
    assert three.change_text is None and three.change is None
    assert three.sentence == (
        "The 2022-23 figure for median earnings three years after graduation is suppressed to protect "
        "confidentiality ('c')."
    )
    assert not re.search(r"£\d", three.sentence)


def test_previous_figure_suppressed_gives_no_change(tables) -> None:
    a, b = tables
    employment = by_key(overview.build_overview([a, b]))[f"{TABLE_A}:employment"]
    # Sustained employment is the table's default years after (1): its 2021-22 figure is 'c'.
    assert employment.value == a_employment("1", 202223) and employment.previous_status == "c"
    assert employment.change_text is None
    assert employment.sentence == (
        f"Sustained employment one year after graduation was {a_employment('1', 202223)}% in 2022-23; no change from "
        "2021-22 is given because that figure is suppressed to protect confidentiality ('c')."
    )


def test_derived_headlines_when_the_table_has_no_national_rows(tables) -> None:
    a, b = tables
    result = overview.build_overview([a, b], overview.OverviewSpec(TABLE_B))
    found = by_key(result)
    assert list(found) == [f"{TABLE_B}:employment", f"{TABLE_B}:benefits"]
    benefit = found[f"{TABLE_B}:benefits"]
    assert benefit.derived and benefit.dp == 1
    assert benefit.value == b_all_providers("Total", "Total", 202122)
    assert benefit.previous_value == b_all_providers("Total", "Total", 202021)
    assert "derived from providers' published figures" in benefit.source
    # A chosen year moves the headline and its comparison back.
    earlier = by_key(overview.build_overview([a, b], overview.OverviewSpec(TABLE_B, 202021)))[f"{TABLE_B}:benefits"]
    assert (earlier.period, earlier.previous) == (202021, 201920)
    first = by_key(overview.build_overview([a, b], overview.OverviewSpec(TABLE_B, 201920)))[f"{TABLE_B}:benefits"]
    assert first.previous is None and first.change_text is None
    assert first.sentence.endswith("the table has no figure for the year before to compare with.")


def test_sentence_direction_words() -> None:
    assert headline().sentence == (
        "Out-of-work benefit claim rate one year after graduation was 4.3% in 2022-23, up 1.2 percentage points "
        "from 2021-22."
    )
    assert "down 1.2 percentage points from 2021-22" in headline(value=3.1, previous_value=4.3).sentence
    assert "was 4.3% in 2022-23, unchanged from 2021-22." in headline(previous_value=4.3).sentence
    one_point = headline(value=5.0, previous_value=4.0, dp=0)
    assert one_point.change_text == "up 1 percentage point from 2021-22"
    assert headline(value=None, status="x").sentence.endswith("is not available ('x').")


def test_never_a_suppressed_value_in_any_sentence(tables) -> None:
    a, b = tables
    result = overview.build_overview([a, b])
    for h in result.headlines:
        shown = {
            v
            for v, s in zip(h.series["value"].to_list(), h.series[status_column("value")].to_list(), strict=True)
            if s is None
        }
        cited = {float(n.replace(",", "")) for n in re.findall(r"(?<![\d-])£?(\d[\d,]*\.?\d*)(?:%| in)", h.sentence)}
        years = {float(y) for y in re.findall(r"(\d{4})-\d{2}", h.sentence)}
        changes = {abs(h.change)} if h.change is not None else set()
        assert cited - years <= shown | changes, h.sentence


# ---------------------------------------------------------------- links and the view


def test_links_carry_the_matching_filters(tables, real) -> None:
    a, b = tables
    found = by_key(overview.build_overview([a, b]))
    links = {link.url_path: link for link in found[f"{TABLE_A}:earnings-3"].links}
    assert links["earnings"].params == {"table": TABLE_A, "compare": "Cohorts", "yag": "3", "subject": "Total"}
    assert links["institutions"].href == f"/institutions?table={TABLE_A}&measure=earnings_median&yag=3&year=2022-23"
    benefit_links = {link.url_path: link for link in found[f"{TABLE_A}:benefits"].links}
    assert benefit_links["benefits"].href == f"/benefits?table={TABLE_A}&measure=claim_rate&yag=1"
    fe = by_key(overview.build_overview(list(real), overview.OverviewSpec("fe_provider_benefits")))
    fe_links = {link.url_path: link.params for link in fe["fe_provider_benefits:benefits"].links}
    assert fe_links == {
        "benefits": {"table": "fe_provider_benefits", "measure": "benefit_percent"},
        "institutions": {"table": "fe_provider_benefits", "measure": "benefit_percent", "year": "2022-23"},
    }


def test_view_behind_the_headlines(tables) -> None:
    a, b = tables
    result = overview.build_overview([a, b])
    [view] = result.views
    assert view.key == f"overview-{TABLE_A}" and view.table_id == TABLE_A and view.demo
    assert view.title == (
        "Median earnings one and three years after graduation, sustained employment one year after graduation and "
        "out-of-work benefit claim rate one year after graduation, all providers, tax years 2020-21 to 2022-23"
    )
    table = view.table()
    assert table.columns == ["Headline", "Tax year", "Figure", "Source of the figure"]
    three = table.filter(pl.col("Headline") == "Median earnings three years after graduation")
    assert three["Figure"].to_list() == [f"£{a_earnings('3', y):,}" for y in (202021, 202122)] + ["Suppressed"]
    traces = {t.meta["key"]: t for t in view.figure.data}
    assert list(traces) == ["earnings-1", "earnings-3", "employment", "benefits"]
    assert list(traces["earnings-3"].y) == [a_earnings("3", 202021), a_earnings("3", 202122), None]
    assert list(traces["employment"].y)[1] is None and 0 not in traces["employment"].y
    assert any("Gaps in the chart are not zero: 2 values suppressed" in n for n in view.notes)
    assert view.summary.startswith("Latest figures: median earnings one year after graduation £")
    assert (
        "median earnings three years after graduation: suppressed to protect confidentiality in 2022-23" in view.summary
    )


def test_briefing_views(tables) -> None:
    a, b = tables
    views = overview.briefing_views({"table": [TABLE_B], "year": ["2020-21"]}, [a, b])
    assert [v.key for v in views] == [f"overview-{TABLE_B}"]
    assert "(in" not in views[0].summary and "2020-21" in views[0].summary
    assert [v.key for v in overview.briefing_views({"table": ["nope"]}, [a, b])] == [f"overview-{TABLE_A}"]


def test_a_headline_that_cannot_be_pinned_is_left_out_with_a_note(tables) -> None:
    a, b = tables
    loose = dataclasses.replace(a, roles={k: v for k, v in a.roles.items() if k != "years_after"}, filter_defaults={})
    result = overview.build_overview([loose, b])
    assert {h.entry.id for h in result.headlines} == {TABLE_B}  # table B's derived rates still show
    assert any("more than one all-provider row a year" in n for n in result.notes)

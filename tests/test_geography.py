"""Geographic levels kept apart (issue 13, item 1): a table's regional or local-authority rows never mix with its
national rows on a page, and a table with only such rows is not offered by pages that cannot show a region.

Fixtures written here: the graduate-earnings test table with a third file of Regional rows (every regional median
is far from the national one, so a mix-up shows), and a regional-only table (the shape of DfE's LEO graduate
industry by region release).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash.analyses import benefits, earnings, impact_views, institutions, overview, subject_ranking
from leo_dash.analyses import registry as analyses
from leo_dash.core import catalogue, geography, query
from leo_dash.core.model import Indicator, TableEntry
from tests import test_earnings_fixture as grads
from tests.apptest_pages import assert_clean, chart_title, open_page, plotly_specs
from tests.conftest import make_entry, write_ees

REGIONS = (("E12000004", "East Midlands"), ("E12000007", "London"))
REGIONAL_SHIFT = 77_700  # no national or provider median is anywhere near this


def _regional_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for code, name in REGIONS:
        for year in grads.YEARS:
            for subject in grads.SUBJECTS:
                for yag in grads.YAGS:
                    for ctype, cvalue in grads.GROUPS:
                        for qualification in grads.QUALIFICATIONS:
                            median = grads.median_for(subject, yag, year, cvalue) + REGIONAL_SHIFT
                            geo = ["Regional", "E92000001", "England", code, name]
                            cells = [100, 1000, median - 5000, median, median + 7000]
                            rows.append([year, "Tax year", *geo, subject, yag, ctype, cvalue, qualification, *cells])
    return rows


COMMON = ["subject_name", "yag", "characteristic_type", "characteristic_value", "qualification",
          "grads_earnings_include", "earnings_lower", "earnings_LQ", "earnings_median", "earnings_UQ"]  # fmt: skip
GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name"]  # fmt: skip


@pytest.fixture
def mixed(data_dir: Path) -> TableEntry:
    """National + provider + regional rows in one table."""
    entry = grads.make_table(data_dir)
    regional = write_ees(data_dir / "src", "grad_earnings_regional", GEO + COMMON, _regional_rows(), grads.META)
    entry = dataclasses.replace(entry, files=(*entry.files, str(regional)))
    catalogue.write_entry(entry, data_dir)
    return entry


@pytest.fixture
def regional_only(data_dir: Path) -> TableEntry:
    regional = write_ees(data_dir / "src", "grad_earnings_regional", GEO + COMMON, _regional_rows(), grads.META)
    entry = dataclasses.replace(
        grads.make_table(data_dir), id="test_regional_only", title="Regional only", files=(str(regional),)
    )
    entry = dataclasses.replace(entry, roles={k: v for k, v in entry.roles.items() if not k.startswith("provider")})
    catalogue.write_entry(entry, data_dir)
    return entry


def test_selections_keep_regional_rows_out_unless_asked(mixed: TableEntry) -> None:
    assert query.levels(mixed) == ["National", "Provider", "Regional"]
    frame = query.select(mixed, {"subject": ["Law"], "years_after": ["3"], "time": [202122]})
    assert sorted(frame["geographic_level"].to_list()) == ["National", "Provider", "Provider"]
    regional = query.select(
        mixed, {"subject": ["Law"], "years_after": ["3"], "time": [202122], "geographic_level": ["Regional"]}
    )
    assert regional.height == 2 and set(regional["region_name"].to_list()) == {"East Midlands", "London"}
    assert query.has_national_rows(mixed)


def test_subject_earnings_shows_national_figures_of_a_table_with_regional_rows(mixed: TableEntry) -> None:
    # Before issue 13 this raised EarningsDataError ('more than one row for some subject ...').
    assert earnings.supports(mixed)
    options = earnings.table_options(mixed)
    spec, _notes = earnings.spec_from_params(mixed, {"table": [mixed.id], "subject": ["Law"], "year": ["2021-22"]})
    view = earnings.earnings_view(mixed, spec)
    medians = [v for v in view.frame[grads.INDICATORS[3].column].to_list() if v is not None]
    assert medians and all(v < REGIONAL_SHIFT for v in medians)  # never a regional figure
    assert options.has_national


def test_a_regional_only_table_is_offered_by_the_area_pages_only_and_add_says_why(regional_only: TableEntry) -> None:
    assert query.levels(regional_only) == ["Regional"]
    assert not query.shows_page_levels(regional_only)
    for supports in (earnings.supports, overview.supports):
        assert supports(regional_only), supports.__module__  # these offer an area
    assert not benefits.supports(regional_only)  # it has no benefit rate (the LA-only table below has)
    assert not institutions.supports(regional_only)
    assert not impact_views.is_eligible(regional_only)
    lines = analyses.describe(regional_only)
    assert lines[0] == f"Pages that can show {regional_only.id}: Headlines, Subject earnings, Subject ranking."
    assert any("all at Regional level, which this page does not show" in line for line in lines)


def test_a_table_of_another_level_only_is_offered_by_no_page(data_dir: Path) -> None:
    geo = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "pcon_code",
           "pcon_name"]  # fmt: skip
    rows = [
        row[:5] + ["E14001172", "Cities of London and Westminster"] + row[7:]
        for row in _regional_rows()
        if row[5] == "E12000007"
    ]
    for row in rows:
        row[2] = "Parliamentary constituency"
    constituencies = write_ees(data_dir / "src", "grad_pcon", geo + COMMON, rows, grads.META)
    entry = dataclasses.replace(
        grads.make_table(data_dir), id="test_pcon_only", files=(str(constituencies),), roles={
            k: v for k, v in grads.make_table(data_dir).roles.items() if not k.startswith("provider")
        },
    )  # fmt: skip
    catalogue.write_entry(entry, data_dir)
    assert not earnings.supports(entry) and not overview.supports(entry)
    assert any("Parliamentary constituency level" in line for line in analyses.describe(entry))


def test_tables_without_a_level_column_or_files_are_judged_on_their_roles() -> None:
    entry = grads.INDICATORS and TableEntry(
        id="no_files",
        title="No files",
        files=(),
        publication="",
        controllers=("DfE",),
        licence="",
        release_date=grads.dt.date(2026, 1, 1),
        next_review=grads.dt.date(2099, 1, 1),
    )
    assert query.shows_page_levels(entry)


def test_real_and_demo_tables_are_still_shown(reference_dir: Path) -> None:
    for entry in catalogue.load_catalogue():
        regional = query.levels(entry) == ["Regional"]
        assert query.shows_page_levels(entry) != regional, entry.id  # the regional industry table is for its page
    demo = catalogue.load_catalogue().get("demo_graduate_outcomes")
    assert set(query.levels(demo)) == {"National", "Provider"}
    frame = pl.read_parquet(query.prepared_version(demo)[0])
    assert frame.filter(pl.col("geographic_level") == "National").height > 0


# --------------------------------------------------------------------------------------------------------------
# Areas: one place at a time on Subject earnings, Benefit claims and Headlines


def test_areas_list_england_first_then_regions_by_name(mixed: TableEntry) -> None:
    found = geography.areas(mixed)
    assert [(a.level, a.code, a.name) for a in found] == [
        ("National", "E92000001", "England"),
        ("Regional", "E12000004", "East Midlands"),
        ("Regional", "E12000007", "London"),
    ]
    assert geography.default_area(found) == found[0]
    assert found[2].label == "London (region)"


def test_subject_earnings_for_a_region_shows_that_regions_published_figures(mixed: TableEntry) -> None:
    params = {"table": [mixed.id], "subject": ["Law"], "year": ["2021-22"], "area": ["E12000007"]}
    spec, notes = earnings.spec_from_params(mixed, params)
    assert notes == [] and spec.area == "E12000007" and spec.provider is None
    assert earnings.spec_params(spec)["area"] == ["E12000007"]
    view = earnings.earnings_view(mixed, spec)
    medians = dict(zip(view.frame["years_after"].to_list(), view.frame["earnings_median"].to_list(), strict=True))
    expected = {y: grads.median_for("Law", y, 202122) + REGIONAL_SHIFT for y in grads.YAGS}
    assert medians == {y: float(v) for y, v in expected.items()}
    assert ", London," in view.title and view.summary.startswith("London: ")
    assert ("Area", "London") in view.filters


def test_an_unknown_area_in_a_link_falls_back_to_england_with_a_note(mixed: TableEntry) -> None:
    spec, notes = earnings.spec_from_params(mixed, {"table": [mixed.id], "subject": ["Law"], "area": ["E12000099"]})
    assert spec.area is None and "area 'E12000099'" in notes[0] and "England" in notes[0]
    assert "area" not in earnings.spec_params(spec)
    view = earnings.earnings_view(mixed, spec)
    assert all(v < REGIONAL_SHIFT for v in view.frame["earnings_median"].drop_nulls().to_list())


def test_a_provider_is_not_drawn_beside_a_region(mixed: TableEntry) -> None:
    params = {"table": [mixed.id], "subject": ["Law"], "provider": ["10000001"], "area": ["E12000004"]}
    spec, _notes = earnings.spec_from_params(mixed, params)
    assert spec.provider is None and spec.area == "E12000004"


def test_subject_ranking_for_a_region(mixed: TableEntry) -> None:
    params = {"table": [mixed.id], "year": ["2021-22"], "yag": ["5"], "area": ["E12000007"]}
    spec, notes = subject_ranking.spec_from_params(mixed, params)
    assert notes == [] and spec.area == "E12000007"
    assert subject_ranking.spec_params(spec, earnings.table_options(mixed))["area"] == ["E12000007"]
    view = subject_ranking.ranking_view(mixed, spec)
    law = view.frame.filter(pl.col("subject") == "Law")["earnings_median"].to_list()
    assert law == [grads.median_for("Law", "5", 202122) + REGIONAL_SHIFT]
    assert "London" in view.title and ("Area", "London") in view.filters
    assert "Provider" not in dict(view.filters)


def test_a_regional_only_table_opens_on_its_first_region(regional_only: TableEntry) -> None:
    spec, notes = earnings.spec_from_params(regional_only, {"table": [regional_only.id], "subject": ["History"]})
    assert spec.area is None and notes == []
    view = earnings.earnings_view(regional_only, spec)
    assert "East Midlands" in view.title
    expected = grads.median_for("History", "5", 202223) + REGIONAL_SHIFT
    assert expected in view.frame.filter(pl.col("years_after") == "5")["earnings_median"].to_list()


# An LA-only benefits table (the shape of DfE's local authority outcome tables): three authorities, FSM split.
LAS = (("E09000033", "Westminster", "213", "E12000007", "London", 2.0),
       ("E08000025", "Birmingham", "330", "E12000005", "West Midlands", 6.0),
       ("E06000001", "Hartlepool", "805", "E12000001", "North East", 9.0))  # fmt: skip
LA_YEARS = (202021, 202122, 202223)
LA_GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
          "region_name", "new_la_code", "la_name", "old_la_code"]  # fmt: skip
LA_META = [
    ["fsm_status", "Filter", "Free school meals", "", "", "", "", ""],
    ["cohort_size", "Indicator", "Learners in the cohort", "", "", "0", "", ""],
    ["claim_rate", "Indicator", "Out-of-work benefit claim rate", "", "%", "1", "", ""],
]


def la_rate(name: str, fsm: str, year: int) -> float:
    base = next(rate for _, n, _, _, _, rate in LAS if n == name)
    return round(base + {"Total": 0.0, "FSM eligible": 3.0, "Not FSM eligible": -0.5}[fsm] + (year - 202021) / 100, 1)


@pytest.fixture
def la_only(data_dir: Path) -> TableEntry:
    rows = [
        [year, "Tax year", "Local authority", "E92000001", "England", region, region_name, code, name, old, fsm,
         1000, la_rate(name, fsm, year) if (name, fsm, year) != ("Hartlepool", "FSM eligible", 202122) else "c"]
        for year in LA_YEARS
        for code, name, old, region, region_name, _ in LAS
        for fsm in ("Total", "FSM eligible", "Not FSM eligible")
    ]  # fmt: skip
    path = write_ees(data_dir / "src", "la_benefits", [*LA_GEO, "fsm_status", "cohort_size", "claim_rate"], rows,
                     LA_META)  # fmt: skip
    entry = make_entry(
        "test_la_benefits",
        (str(path),),
        time_label="Tax year",
        roles={"time": "time_period"},
        filters=("fsm_status",),
        indicators=(
            Indicator("cohort_size", "Learners in the cohort", "base", dp=0),
            Indicator("claim_rate", "Out-of-work benefit claim rate", "rate", "%", 1, base="cohort_size"),
        ),
    )
    catalogue.write_entry(entry, data_dir)
    return entry


def test_benefit_claims_for_a_local_authority(la_only: TableEntry) -> None:
    assert benefits.supports(la_only) and not institutions.supports(la_only)
    options = benefits.table_options(la_only)
    assert [a.name for a in options.areas] == ["Birmingham", "Hartlepool", "Westminster"]  # no England rows
    params = {"table": [la_only.id], "area": ["E06000001"], "compare": ["fsm_status"]}
    spec, notes = benefits.spec_from_params(la_only, params)
    assert notes == [] and spec.area == "E06000001"
    view = benefits.build_views(la_only, spec).trend
    frame = view.frame.filter(pl.col("group") == "FSM eligible").sort("period")
    assert frame["claim_rate"].to_list()[0] == la_rate("Hartlepool", "FSM eligible", 202021)
    assert frame["claim_rate"].to_list()[1] is None and frame["claim_rate__status"].to_list()[1] == "c"  # a gap
    assert "Hartlepool" in view.title and "all providers" not in view.title
    assert ("Area", "Hartlepool") in view.filters
    assert set(view.frame["provider_label"].to_list()) == {"Hartlepool"}


def test_benefit_claims_default_to_the_first_authority_and_links_keep_the_area(la_only: TableEntry) -> None:
    spec, _ = benefits.spec_from_params(la_only, {"table": [la_only.id]})
    assert spec.area is None  # the default: Birmingham, first by name
    view = benefits.build_views(la_only, spec).trend
    assert view.frame["claim_rate"].to_list()[0] == la_rate("Birmingham", "Total", 202021)
    westminster, _ = benefits.spec_from_params(la_only, {"table": [la_only.id], "area": ["E09000033"]})
    assert benefits.spec_params(westminster)["area"] == ["E09000033"]
    rebuilt, _ = benefits.spec_from_params(la_only, benefits.spec_params(westminster))
    assert rebuilt == westminster


NATIONAL_RATE = 55.5  # no authority's rate is near it


@pytest.fixture
def la_and_national(la_only: TableEntry, data_dir: Path) -> TableEntry:
    rows = [
        [year, "Tax year", "National", "E92000001", "England", fsm, 3000, NATIONAL_RATE]
        for year in LA_YEARS
        for fsm in ("Total", "FSM eligible", "Not FSM eligible")
    ]
    header = [*LA_GEO[:5], "fsm_status", "cohort_size", "claim_rate"]
    national = write_ees(data_dir / "src", "la_benefits_national", header, rows, LA_META)
    entry = dataclasses.replace(la_only, id="test_la_national", files=(*la_only.files, str(national)))
    catalogue.write_entry(entry, data_dir)
    return entry


def test_headlines_for_a_chosen_area(la_only: TableEntry, la_and_national: TableEntry) -> None:
    result = overview.build_overview([la_only], overview.OverviewSpec(la_only.id, None, "E09000033"))
    (headline,) = result.headlines
    assert headline.value == la_rate("Westminster", "Total", 202223) and headline.period == 202223
    assert "Westminster" in headline.title and headline.area == "Westminster"
    assert "Westminster" in headline.help_text and "all providers" not in headline.help_text
    assert headline.source.endswith("; published figure for Westminster.")
    assert all(link.params.get("area") == "E09000033" for link in headline.links)
    assert not any(link.url_path == "institutions" for link in headline.links)
    (first,) = overview.build_overview([la_only], overview.OverviewSpec(la_only.id)).headlines
    assert first.value == la_rate("Birmingham", "Total", 202223)  # no England rows: the first authority
    (england,) = overview.build_overview([la_and_national], overview.OverviewSpec(la_and_national.id)).headlines
    assert england.value == NATIONAL_RATE and england.area is None
    (hartlepool,) = overview.build_overview(
        [la_and_national], overview.OverviewSpec(la_and_national.id, None, "E06000001")
    ).headlines
    assert hartlepool.value == la_rate("Hartlepool", "Total", 202223)
    # The best-table mode shows England only, whatever areas a table has.
    (best,) = overview.build_overview([la_and_national]).headlines
    assert best.value == NATIONAL_RATE
    views = overview.briefing_views({"table": [la_and_national.id], "area": ["E06000001"]}, [la_and_national])
    assert views and "Hartlepool" in views[0].title


def test_benefit_claims_national_and_authority_rows_never_mix(la_and_national: TableEntry) -> None:
    spec, _ = benefits.spec_from_params(la_and_national, {"table": [la_and_national.id]})
    england = benefits.build_views(la_and_national, spec).trend.frame
    assert set(england["claim_rate"].to_list()) == {NATIONAL_RATE}
    spec, _ = benefits.spec_from_params(la_and_national, {"table": [la_and_national.id], "area": ["E08000025"]})
    birmingham = benefits.build_views(la_and_national, spec).trend.frame
    assert NATIONAL_RATE not in birmingham["claim_rate"].to_list()


# --------------------------------------------------------------------------------------------------------------
# The same through the real pages (AppTest): the selector, links with an area, and what each page then shows


def _medians(at: AppTest) -> list[float]:
    return [y for t in plotly_specs(at)[0]["data"] if t["meta"]["role"] == "median" for y in t["y"] if y is not None]


@pytest.mark.usefixtures("fresh_app")
def test_page_subject_earnings_offers_the_areas_and_a_region_replaces_the_national_lines(mixed: TableEntry) -> None:
    at = open_page("pages/earnings.py", {"table": mixed.id, "subject": "Law", "year": "2021-22"})
    area = at.sidebar.selectbox(key="_labelled_area")
    assert area.options == ["England", "East Midlands (region)", "London (region)"] and area.value == "E92000001"
    assert all(v < REGIONAL_SHIFT for v in _medians(at))
    area.set_value("E12000007").run()
    assert_clean(at)
    assert at.query_params["area"] == "E12000007"
    assert sorted(_medians(at)) == sorted(
        float(grads.median_for("Law", y, 202122) + REGIONAL_SHIFT) for y in grads.YAGS
    )
    assert "London" in chart_title(plotly_specs(at)[0])
    assert not [s for s in at.sidebar.selectbox if s.key == "_labelled_provider"]  # providers are not in a region


@pytest.mark.usefixtures("fresh_app")
def test_page_a_link_with_an_area_opens_on_it_and_an_unknown_one_says_so(mixed: TableEntry) -> None:
    at = open_page("pages/earnings.py", {"table": mixed.id, "subject": "Law", "area": "E12000004"})
    assert at.sidebar.selectbox(key="_labelled_area").value == "E12000004"
    assert all(v > REGIONAL_SHIFT for v in _medians(at))
    at = open_page("pages/earnings.py", {"table": mixed.id, "subject": "Law", "area": "E12000099"})
    assert at.sidebar.selectbox(key="_labelled_area").value == "E92000001"
    assert any("E12000099" in str(i.value) for i in [*at.info, *at.warning, *at.caption])


@pytest.mark.usefixtures("fresh_app")
def test_page_subject_ranking_for_a_region(mixed: TableEntry) -> None:
    at = open_page("pages/subject_ranking.py", {"table": mixed.id, "year": "2021-22", "yag": "5", "area": "E12000007"})
    assert "London" in chart_title(plotly_specs(at)[0])
    medians = [x for t in plotly_specs(at)[0]["data"] for x in (t.get("x") or []) if isinstance(x, (int, float))]
    assert float(grads.median_for("Law", "5", 202122) + REGIONAL_SHIFT) in medians


@pytest.mark.usefixtures("fresh_app")
def test_page_benefit_claims_on_an_la_only_table(la_only: TableEntry) -> None:
    at = open_page("pages/benefits.py", {"table": la_only.id, "area": "E06000001", "compare": "fsm_status"})
    area = at.sidebar.selectbox(key="_labelled_area")
    assert area.options == [
        "Birmingham (local authority)",
        "Hartlepool (local authority)",
        "Westminster (local authority)",
    ]
    trend = plotly_specs(at)[0]
    assert "Hartlepool" in chart_title(trend)
    eligible = next(t for t in trend["data"] if "FSM eligible" in t["name"] and "Not" not in t["name"])
    assert eligible["y"][0] == la_rate("Hartlepool", "FSM eligible", 202021) and eligible["y"][1] is None  # 'c'


@pytest.mark.usefixtures("fresh_app")
def test_page_headlines_with_one_table_offer_its_areas(la_and_national: TableEntry) -> None:
    at = open_page("pages/overview.py", {"table": la_and_national.id})
    area = at.sidebar.selectbox(key="_labelled_area")
    assert area.value == "E92000001"
    area.set_value("E09000033").run()
    assert_clean(at)
    text = " ".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert "Westminster" in text and f"{la_rate('Westminster', 'Total', 202223)}%" in text
    at = open_page("pages/overview.py", {"area": "E09000033"})  # best table for each headline: England only
    assert not [s for s in at.sidebar.selectbox if s.key == "_labelled_area"]
    assert any("area in the link applies only when one table is chosen" in str(i.value) for i in at.info)


def test_the_real_industry_table_stays_on_its_own_page(reference_dir: Path) -> None:
    # Regional rows alone no longer keep it off the area pages; its industry split (no total) does, and add says so:
    # only its own two pages show it.
    entry = catalogue.load_catalogue().get("leo_graduate_industry")
    assert query.unpinned_breakdowns(entry) == ["industry_section"]
    for supports in (earnings.supports, subject_ranking.supports, benefits.supports, overview.supports):
        assert not supports(entry)
    lines = analyses.describe(entry)
    assert lines[0] == "Pages that can show leo_graduate_industry: Graduate industry, Regional mobility and earnings."
    assert any(line.startswith("  Subject earnings cannot: its figures are split by Industry") for line in lines)

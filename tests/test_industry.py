"""Graduate industry page (issue 13, item 6) on the real LEO graduate industry table (tax year 2018-19, regional).

Checked against the published file itself: a region's counts and medians are as published; England counts are
the regions' published counts summed and rounded to 5 (derived, D3); England medians are never made up (D5);
shares pass D4; the page draws both charts with titles that say what is shown.
"""

from __future__ import annotations

import polars as pl
import pytest

from leo_dash import sdc
from leo_dash.analyses import industry
from leo_dash.analyses import registry as analyses
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from tests.apptest_pages import assert_clean, open_page
from tests.apptest_pages import plotly_specs as charts

TABLE = "leo_graduate_industry"
SOURCE = paths.PROJECT_ROOT / "data" / "reference" / "leo_graduate_industry_regional_201819.csv.gz"
LIVING = "living_in_region"


@pytest.fixture(scope="module")
def entry():
    return load_catalogue().get(TABLE)


@pytest.fixture(scope="module")
def published() -> pl.DataFrame:
    return pl.read_csv(SOURCE, infer_schema_length=0)


def _spec(entry, **params: str) -> industry.IndustrySpec:
    spec, notes = industry.spec_from_params(entry, {k: [v] for k, v in params.items()})
    assert notes == []
    return spec


def test_only_the_industry_page_shows_the_regional_table(entry) -> None:
    verdicts = {v.title: v for v in analyses.page_verdicts(entry)}
    assert verdicts["Graduate industry"].shows
    assert not verdicts["Subject earnings"].shows and "split by Industry" in verdicts["Subject earnings"].reason
    assert [t.id for t in load_catalogue() if industry.supports(t)] == [TABLE]


def test_a_region_shows_published_counts_and_medians(entry, published) -> None:
    spec = _spec(entry, region="London", subject="Computing", yag="5")
    frame = industry.industries_frame(entry, spec)
    rows = published.filter(
        (pl.col("region_name") == "London") & (pl.col("subject_name") == "Computing") & (pl.col("yag") == "5")
    )
    expected = {industry.industry_name(r["industry_section"]): r for r in rows.iter_rows(named=True)}
    assert frame.height == len(expected)
    for row in frame.iter_rows(named=True):
        source = expected[row[industry.INDUSTRY]]
        for column in (LIVING, "earnings_median"):
            if source[column].isdigit():
                assert row[column] == float(source[column]) and row[status_column(column)] is None
            else:
                assert row[column] is None and row[status_column(column)] == source[column]
    shown = frame.filter(pl.col(status_column(industry.SHARE)).is_null())
    assert shown[industry.SHARE].sum() == pytest.approx(100, abs=0.6)  # shares of one total, each to 1 dp
    assert frame[industry.INDUSTRY][0] == "Information and communication"  # largest first, sentence case


def test_england_adds_up_regions_and_never_combines_medians(entry, published) -> None:
    spec = _spec(entry, subject="All", yag="1")
    frame = industry.industries_frame(entry, spec)
    rows = published.filter((pl.col("subject_name") == "All") & (pl.col("yag") == "1"))
    for row in frame.iter_rows(named=True):
        regional = rows.filter(
            pl.col("industry_section").map_elements(industry.industry_name, return_dtype=pl.String)
            == row[industry.INDUSTRY]
        )[LIVING].to_list()
        assert 1 <= len(regional) <= 9  # an industry without graduates in a region has no row there
        if all(v.isdigit() for v in regional):
            value, status = sdc.derived_count(sum(float(v) for v in regional), entry.disclosure)
            assert (row[LIVING], row[status_column(LIVING)]) == (value, status)
        else:
            assert row[LIVING] is None and row[status_column(LIVING)] is not None
        assert row["earnings_median"] is None and row[status_column("earnings_median")] == "x"


def test_small_shares_are_hidden_and_said_so(entry) -> None:
    spec = _spec(entry, region="South West", subject="Veterinary sciences", yag="10")
    frame = industry.industries_frame(entry, spec)
    hidden = frame.filter(pl.col(status_column(industry.SHARE)).is_not_null())
    assert hidden.height > 0 and hidden.height < frame.height  # tiny counts: a derived share would single people out
    view = industry.industries_view(entry, spec)
    assert "cannot be shown" in view.summary
    sdc.guard(frame, [entry.indicator(LIVING)], entry.disclosure, derived=False)


def test_subjects_feeding_an_industry(entry) -> None:
    spec = _spec(entry, industry="EDUCATION", region="London")
    frame = industry.subjects_frame(entry, spec)
    assert "All" not in frame[industry.SUBJECT].to_list()  # the all-subjects row is the total, not a subject
    top = frame.filter(pl.col(status_column(industry.SHARE)).is_null()).row(0, named=True)
    assert top[LIVING] == frame[LIVING].drop_nulls().max()
    view = industry.subjects_view(entry, spec)
    assert view.title.startswith("Subjects studied by first-degree graduates working in education, 5 years")


def test_links_round_trip_and_bad_values_fall_back_with_a_note(entry) -> None:
    spec = _spec(entry, region="London", subject="Law", yag="3", basis="trained", industry="CONSTRUCTION")
    again, notes = industry.spec_from_params(entry, industry.spec_params(spec))
    assert again == spec and notes == []
    fallback, notes = industry.spec_from_params(entry, {"region": ["Atlantis"], "yag": ["99"]})
    assert fallback.region == industry.ENGLAND and fallback.years_after == "5"
    assert len(notes) == 2 and any("'Atlantis' is not in this table; England is shown" in n for n in notes)


def test_flows_add_up_published_cells_of_the_largest_subjects_and_industries(entry, published) -> None:
    spec = _spec(entry, yag="5")  # England, graduates living in the region
    frame = industry.flows_frame(entry, spec)
    rows = published.filter((pl.col("yag") == "5") & (pl.col("subject_name") != "All"))
    shown = rows.filter(pl.col(LIVING).str.contains(r"^\d+$")).with_columns(pl.col(LIVING).cast(pl.Float64))

    def largest(column: str, n: int) -> list[str]:
        totals = shown.group_by(column).agg(pl.col(LIVING).sum()).sort([LIVING, column], descending=[True, False])
        return totals[column].head(n).to_list()

    subjects, industries = (
        largest("subject_name", industry.TOP_SUBJECTS),
        largest("industry_section", industry.TOP_INDUSTRIES),
    )
    assert list(dict.fromkeys(frame[industry.SUBJECT])) == [*subjects, industry.OTHER_SUBJECTS]
    names = [industry.industry_name(i) for i in industries]
    assert list(dict.fromkeys(frame[industry.INDUSTRY])) == [*names, industry.OTHER_INDUSTRIES]
    assert frame.height == (industry.TOP_SUBJECTS + 1) * (industry.TOP_INDUSTRIES + 1)
    flows = {(r[industry.SUBJECT], r[industry.INDUSTRY]): r for r in frame.iter_rows(named=True)}
    # one flow of named groups: the nine regions' published cells added up, rounded to 5 (D3)
    cells = shown.filter((pl.col("subject_name") == subjects[0]) & (pl.col("industry_section") == industries[0]))
    value, status = sdc.derived_count(float(cells[LIVING].sum()), entry.disclosure)
    assert (flows[(subjects[0], names[0])][LIVING], flows[(subjects[0], names[0])][status_column(LIVING)]) == (
        value,
        status,
    )
    # and the "other" corner: everything outside both top lists
    rest = shown.filter(~pl.col("subject_name").is_in(subjects) & ~pl.col("industry_section").is_in(industries))
    assert (
        flows[(industry.OTHER_SUBJECTS, industry.OTHER_INDUSTRIES)][LIVING]
        == sdc.derived_count(float(rest[LIVING].sum()), entry.disclosure)[0]
    )
    for row in frame.iter_rows(named=True):  # derived: multiples of 5, never under 10
        assert row[LIVING] is None or (row[LIVING] >= 10 and row[LIVING] % 5 == 0)
    view = industry.flows_view(entry, spec)
    assert view.figure is not None and view.figure.data[0].type == "sankey"
    assert sum(view.figure.data[0].link.value) == frame[LIVING].sum()  # every shown flow drawn, no hidden one
    assert "earnings" not in " ".join(c.label.lower() for c in view.columns)  # medians never combined (D5)


def test_a_flow_of_one_published_cell_is_that_cell(entry, published) -> None:
    frame = industry.flows_frame(entry, _spec(entry, region="London", yag="1", basis="trained"))
    row = frame.filter(
        (pl.col(industry.SUBJECT) == "Nursing and midwifery") & (pl.col(industry.INDUSTRY) == "Education")
    ).row(0, named=True)
    (cell,) = published.filter(
        (pl.col("region_name") == "London")
        & (pl.col("yag") == "1")
        & (pl.col("subject_name") == "Nursing and midwifery")
        & (pl.col("industry_section") == "EDUCATION")
    )["trained_in_region"].to_list()
    assert row["trained_in_region"] == float(cell) and row[status_column("trained_in_region")] is None


def test_flows_in_a_small_selection_are_gaps_and_a_chart_that_would_mislead_is_not_drawn(entry) -> None:
    frame = industry.flows_frame(entry, _spec(entry, region="South West", yag="1", basis="trained"))
    trained = "trained_in_region"
    hidden = frame.filter(pl.col(status_column(trained)).is_not_null())
    assert hidden.height and hidden[trained].null_count() == hidden.height  # suppressed flows are gaps, not zeros
    frame = frame.rename({trained: LIVING, status_column(trained): status_column(LIVING)})
    sparse = frame.with_columns(
        pl.when(pl.col(industry.SUBJECT) != "Computing").then(pl.lit("c")).alias(status_column(LIVING))
    )
    reason = industry.flows_read_well(sparse, LIVING)
    assert reason is not None and "flows have a figure" in reason
    assert industry.flows_read_well(frame, LIVING) is None
    view = industry.flows_view(entry, _spec(entry, region="South West", yag="1", basis="trained"))
    assert "Gaps in the chart are not zero" in " ".join(view.notes)
    assert len(view.figure.data[0].link.value) == frame.height - hidden.height  # the hidden flow is not drawn


@pytest.mark.usefixtures("fresh_app")
def test_page_draws_the_views_and_follows_the_sidebar() -> None:
    at = open_page("pages/industry.py", {"region": "London", "subject": "Computing"})
    assert_clean(at)
    specs = charts(at)
    assert len(specs) == 3
    assert specs[2]["data"][0]["type"] == "sankey"  # subject -> industry flows, where they read well
    titles = [s["layout"]["meta"]["title"] for s in specs]
    assert titles[0].startswith("Industries of first-degree graduates of Computing 5 years after graduation")
    assert "living in London" in titles[0]
    bars = specs[0]["data"][0]
    assert all(len(label) <= industry.LABEL_CHARS for label in bars["y"])  # long SIC names shortened on the axis
    assert any(len(name) > industry.LABEL_CHARS for name in bars["customdata"])  # and whole in the hover text
    at.sidebar.selectbox(key="yag").set_value("1").run()
    assert_clean(at)
    assert "1 years after graduation" in charts(at)[0]["layout"]["meta"]["title"]


@pytest.mark.usefixtures("fresh_app")
def test_home_question_links_to_the_industry_page() -> None:
    at = open_page("pages/home.py")
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert links["Which industries do graduates of a subject work in, and where?"] == "industry"

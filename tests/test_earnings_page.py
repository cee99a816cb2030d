"""AppTest runs of pages/earnings.py through the real router: defaults, valid and invalid links, the committed demo
table, a fixture table with known suppressed cells, and a catalogue holding only the real FE tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import ui
from leo_dash.analyses import earnings
from leo_dash.core import paths, prices, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from leo_dash.core.periods import period_label
from tests.apptest_pages import assert_clean, notes_text, open_page
from tests.test_earnings_fixture import TABLE_ID, make_table, median_for

DEMO = "demo_graduate_outcomes"
COMMITTED_DATA = paths.PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def demo():
    entry = load_catalogue(COMMITTED_DATA).get(DEMO)
    return entry, earnings.table_options(entry)


pytestmark = pytest.mark.usefixtures("fresh_app")


def run_page(params: dict[str, str | list[str]] | None = None) -> AppTest:
    return open_page("pages/earnings.py", params)


def chart(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def medians(spec: dict) -> dict[str, tuple[list[str], list[float | None]]]:
    return {t["name"]: (t["x"], t["y"]) for t in spec["data"] if t["meta"]["role"] == "median"}


def infos(at: AppTest) -> list[str]:
    return [str(i.value) for i in at.info]


def assert_no_zero_for_a_gap(spec: dict) -> None:
    for trace in spec["data"]:
        assert 0 not in trace["y"] and 0.0 not in trace["y"]


# ---------------------------------------------------------------- the committed demo table


def test_defaults(demo) -> None:
    entry, options = demo
    at = run_page()
    spec = chart(at)
    lines = medians(spec)
    assert list(lines) == earnings.default_subjects(options)
    assert all(x == list(options.years_after) for x, _ in lines.values())
    title = spec["layout"]["meta"]["title"].replace("<br>", " ")
    assert "nominal (cash) terms" in title and f"{period_label(options.latest_period)} tax year" in title
    assert any("Synthetic demo data" in str(w.value) for w in at.warning)  # the demo banner
    keys = [b.key for b in at.get("download_button")]
    assert keys == ["csv-earnings-trajectory", "xlsx-earnings-trajectory", "guidance-earnings-trajectory"]
    assert any(str(m.value).startswith("Median earnings rose") for m in at.markdown)
    assert_no_zero_for_a_gap(spec)


def test_invalid_link_falls_back_with_notes(demo) -> None:
    entry, options = demo
    at = run_page({"subject": "Nonsense", "yag": "7", "basis": "foo", "compare": "Sideways", "year": "1066-67"})
    notes = " ".join(infos(at))
    for asked in ("'Nonsense'", "'7'", "'foo'", "'Sideways'", "'1066-67'"):
        assert ui.plain(asked) in notes  # link values are echoed escaped (issue 12, item 8)
    lines = medians(chart(at))
    assert list(lines) == earnings.default_subjects(options)
    assert "nominal (cash) terms" in chart(at)["layout"]["meta"]["title"]


def test_link_with_subjects_yags_year_and_real_terms(demo) -> None:
    entry, options = demo
    subjects = [s for s in options.subjects if s != "Total"][3:5]
    year = period_label(options.periods[-2])
    at = run_page({"subject": subjects, "yag": ["1", "5"], "year": year, "basis": "Real terms"})
    spec = chart(at)
    lines = medians(spec)
    assert list(lines) == subjects
    assert all(x == ["1", "5"] for x, _ in lines.values())
    title = spec["layout"]["meta"]["title"].replace("<br>", " ")
    assert f"real terms ({prices.prices_label(options.latest_period)})" in title and f"{year} tax year" in title
    assert any("CPIH" in str(t.value) for t in at.get("text"))  # the method footnote in Source and notes
    # Real-terms figures are the published ones repriced and rounded to £100.
    for _, ys in lines.values():
        assert all(y is None or y % 100 == 0 for y in ys)


def test_cohort_comparison_and_a_suppressed_national_cell_is_a_gap(demo) -> None:
    entry, options = demo
    # Find a published national all-graduates median that is suppressed, so the test follows the data.
    frame = query.select(entry, {"characteristic_type": ["Total"]}, vary=["subject", "years_after"])
    frame = frame.filter(pl.col("provider_ukprn").is_null() & (pl.col(status_column("earnings_median")) == "c"))
    frame = frame.filter(pl.col("cah2_subject_name") != "Total")
    assert frame.height > 0, "the demo data should hold a suppressed national median"
    row = frame.row(0, named=True)
    at = run_page({"compare": "Cohorts", "subject": row["cah2_subject_name"], "yag": str(row["yag"])})
    spec = chart(at)
    [(xs, ys)] = medians(spec).values()
    assert xs == [period_label(p) for p in options.periods]
    assert ys[xs.index(period_label(row["time_period"]))] is None  # a gap, never 0
    assert_no_zero_for_a_gap(spec)
    annotation = notes_text(at)
    assert "Gaps in the chart are not zero" in annotation and "('c')" in annotation
    title = spec["layout"]["meta"]["title"].replace("<br>", " ")
    assert f"{row['yag']} years after graduation by tax year" in title or f"{row['yag']} year after" in title


def test_characteristic_split(demo) -> None:
    entry, options = demo
    assert "Sex" in options.characteristic_types
    groups = earnings.characteristic_values(entry, "Sex")
    at = run_page({"subject": "Computing", "characteristic": "Sex"})
    lines = medians(chart(at))
    assert list(lines) == [f"Computing – {g}" for g in groups]
    assert "by sex" in chart(at)["layout"]["meta"]["title"].replace("<br>", " ")


def test_provider_against_national(demo) -> None:
    entry, options = demo
    provider, name = options.providers[0]
    subject = next(s for s in earnings.provider_subjects(entry, provider) if s != "Total")
    at = run_page({"provider": provider, "subject": subject, "yag": ["1", "3", "5"]})
    spec = chart(at)
    traces = {t["name"]: t for t in spec["data"] if t["meta"]["role"] == "median"}
    assert list(traces) == [f"{subject} – {name}", f"{subject} – All providers"]
    assert traces[f"{subject} – All providers"]["line"]["dash"] == "dash"
    bands = {t["meta"]["series"] for t in spec["data"] if t["meta"]["role"] == "band"}
    assert f"{subject} – All providers" not in bands  # bands for the chosen provider only
    assert name in spec["layout"]["meta"]["title"].replace("<br>", " ")


def test_bad_provider_table_and_characteristic(demo) -> None:
    entry, options = demo
    at = run_page({"provider": "999", "table": "fe_provider_benefits", "characteristic": "Shoe size"})
    notes = " ".join(infos(at))
    assert all(ui.plain(asked) in notes for asked in ("'999'", "'fe_provider_benefits'", "'Shoe size'"))
    assert list(medians(chart(at))) == earnings.default_subjects(options)


def test_more_subjects_than_lines_keeps_six_with_a_note(demo) -> None:
    entry, options = demo
    subjects = [s for s in options.subjects if s != "Total"][:7]
    at = run_page({"subject": subjects})
    assert list(medians(chart(at))) == subjects[: earnings.MAX_SUBJECTS]
    assert any("asked for 7 subjects" in n for n in infos(at))


def test_switching_views_in_one_session(demo) -> None:
    entry, options = demo
    at = run_page()
    at.sidebar.radio(key="compare").set_value("Cohorts").run()
    assert_clean(at)
    assert medians(chart(at))[earnings.default_subjects(options)[0]][0] == [period_label(p) for p in options.periods]
    at.sidebar.radio(key="compare").set_value("Trajectory").run()
    assert_clean(at)
    at.sidebar.radio(key="basis").set_value("Real terms").run()
    assert_clean(at)
    assert "real terms" in chart(at)["layout"]["meta"]["title"].replace("<br>", " ")
    at.sidebar.selectbox(key="characteristic").set_value("Sex").run()
    assert_clean(at)
    assert "by sex" in chart(at)["layout"]["meta"]["title"].replace("<br>", " ")


def test_choosing_a_provider_without_the_chosen_subjects_switches_to_its_subjects(demo) -> None:
    entry, options = demo
    for provider, _ in options.providers:
        offered = set(earnings.provider_subjects(entry, provider))
        others = [s for s in options.subjects if s not in offered]
        if others:
            break
    else:
        pytest.fail("the demo data must have a provider that does not teach every subject")
    at = run_page({"subject": others[0]})
    at.sidebar.selectbox(key="_labelled_provider").set_value(provider).run()
    assert_clean(at)
    assert any("its own subjects are shown" in n for n in infos(at))
    chosen = [s for s in at.sidebar.multiselect(key="subject").value]
    assert chosen and set(chosen) <= offered


# ---------------------------------------------------------------- fixture table with known suppression


@pytest.fixture
def fixture_app(data_dir: Path):
    entry = make_table(data_dir)
    ui._catalogue.clear()
    return entry


def test_fixture_known_values_and_gaps(fixture_app) -> None:
    at = run_page({"subject": ["Computing", "Law"], "year": "2022-23"})
    spec = chart(at)
    lines = medians(spec)
    assert list(lines) == ["Computing", "Law"]
    xs, law = lines["Law"]
    assert xs == ["1", "3", "5", "10"]
    assert law == [
        median_for("Law", "1", 202223),
        None,
        median_for("Law", "5", 202223),
        median_for("Law", "10", 202223),
    ]
    law_band_xs = [set(t["x"]) for t in spec["data"] if t["meta"] == {"role": "band", "series": "Law"}]
    assert all("3" not in xs_ for xs_ in law_band_xs)
    assert_no_zero_for_a_gap(spec)
    table = at.dataframe[0].value
    assert "Suppressed" in table.astype(str).values.ravel().tolist()


def test_fixture_small_base_and_real_terms(fixture_app) -> None:
    at = run_page({"subject": "History", "year": "2021-22", "basis": "Real terms"})
    spec = chart(at)
    [(xs, ys)] = medians(spec).values()
    assert ys[xs.index("10")] is None  # base of 5: suppressed by disclosure control, not drawn
    assert "real terms (2022-23 prices)" in spec["layout"]["meta"]["title"].replace("<br>", " ")


# ---------------------------------------------------------------- only the real FE tables


def test_only_fe_tables_gives_an_informative_message(data_dir: Path, reference_dir: Path) -> None:
    for name in ("fe_provider_benefits.toml", "fe_community_learning.toml"):
        shutil.copy(COMMITTED_DATA / "catalogue" / name, data_dir / "catalogue" / name)
    ui._catalogue.clear()
    for params in ({}, {"table": "fe_provider_benefits", "subject": "Law", "basis": "foo"}):
        at = run_page(params)
        assert earnings.NO_TABLE_MESSAGE in infos(at)
        assert not at.get("plotly_chart")


def test_fixture_table_id_is_what_the_page_shows(fixture_app) -> None:
    at = run_page({"table": TABLE_ID})
    assert at.sidebar.selectbox(key="table").value == TABLE_ID

"""AppTest runs of pages/benefits.py through the real router: defaults and links (valid and invalid) for each demo
table and the real FE tables, fixture tables with known suppressed cells, and a catalogue without a benefit rate.
Every run asserts no exception and no error; the Plotly spec is read to check that the chart holds exactly the lines
and figures asked for and that a suppressed cell is null (a gap), never 0."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import ui
from leo_dash.analyses import benefits
from leo_dash.core import paths, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from leo_dash.core.periods import period_label
from tests.apptest_pages import assert_clean, notes_text, open_page
from tests.apptest_pages import plotly_specs as charts
from tests.test_benefits_fixture import (
    A_YEARS,
    B_YEARS,
    TABLE_A,
    TABLE_B,
    a_rate,
    b_all_providers,
    make_tables,
)

COMMITTED = paths.PROJECT_ROOT / "data"
REAL_AND_DEMO = (
    "demo_benefit_claims",
    "demo_school_college_destinations",
    "fe_provider_benefits",
    "fe_community_learning",
)


@pytest.fixture(scope="module")
def catalogue():
    loaded = load_catalogue(COMMITTED)
    assert all(t in loaded for t in REAL_AND_DEMO), "demo tables and the real FE tables must be registered"
    return loaded


pytestmark = pytest.mark.usefixtures("fresh_app")


def run_page(params: dict[str, str | list[str]] | None = None) -> AppTest:
    return open_page("pages/benefits.py", params)


def trend(at: AppTest) -> dict[str, dict]:
    spec = charts(at)[0]
    assert spec["data"][0]["meta"]["role"] == "rate"
    return {html.unescape(t["name"]): t for t in spec["data"]}  # names are escaped for Plotly


def change(at: AppTest) -> dict:
    [bars] = [t for spec in charts(at) for t in spec["data"] if t["meta"]["role"] == "change"]
    return bars


def infos(at: AppTest) -> str:
    return " ".join(str(i.value) for i in at.info)


def assert_chart_is_the_data(at: AppTest, entry, params: dict) -> None:
    """The trend chart holds exactly the lines the link asks for, every year of the table, and each point is the
    protected figure: null wherever a symbol stands (a published 0 stays 0, a suppressed cell is never 0)."""
    spec, _ = benefits.spec_from_params(entry, params)
    expected = benefits.benefit_data(entry, spec)
    lines = trend(at)
    assert list(lines) == [s.label for s in expected.series]
    labels = [period_label(p) for p in expected.periods]
    value = expected.indicator.column
    gaps = 0
    for s in expected.series:
        rows = expected.frame.filter(pl.col(benefits.SERIES_INDEX) == s.index).sort(benefits.PERIOD)
        statuses = rows[status_column(value)].to_list()
        want = [v if st is None else None for v, st in zip(rows[value], statuses, strict=True)]
        assert lines[s.label]["x"] == labels and lines[s.label]["y"] == want
        gaps += sum(st is not None for st in statuses)
    notes = notes_text(at)
    assert ("Gaps in the chart are not zero" in notes) == (gaps > 0)


def published(entry, where: dict, provider: str | None = None) -> dict[str, float | None]:
    """Published cells straight from the table (period label -> value, None where a symbol stands)."""
    frame = query.select(entry, where)
    pid = entry.role("provider_id")
    frame = frame.filter(pl.col(pid).is_null() if provider is None else pl.col(pid) == provider)
    value = benefits.benefit_indicators(entry)[0].column
    return {
        period_label(p): (v if s is None else None)
        for p, v, s in frame.select(entry.role("time"), value, status_column(value)).iter_rows()
    }


# ---------------------------------------------------------------- each demo table and the real FE tables


@pytest.mark.parametrize("table_id", REAL_AND_DEMO)
def test_defaults_for_each_table(table_id: str, catalogue) -> None:
    entry = catalogue.get(table_id)
    at = run_page({"table": table_id})
    assert_chart_is_the_data(at, entry, {})
    # CSV, XLSX and data guidance for the trend and for the change
    keys = [b.key for b in at.get("download_button")]
    assert sorted(keys) == sorted(
        f"{kind}-benefits-{view}" for kind in ("csv", "xlsx", "guidance") for view in ("trend", "change")
    )
    demo_banner = any("Synthetic demo data" in str(w.value) for w in at.warning)
    assert demo_banner == entry.demo
    assert at.sidebar.selectbox(key="table").value == table_id


def test_demo_default_is_the_published_national_line(catalogue) -> None:
    entry = catalogue.get("demo_benefit_claims")
    at = run_page()
    [(name, line)] = trend(at).items()
    assert name == "All providers"
    national = published(entry, {"years_after": ["1"]})
    assert line["y"] == [national[x] for x in line["x"]]
    title = charts(at)[0]["layout"]["meta"]["title"].replace("<br>", " ")
    assert "Out-of-work benefit claim rate one year after graduation" in title and "all providers" in title
    assert change(at)["meta"] == {"role": "change", "start": "2019-20", "end": "2023-24"}


@pytest.mark.parametrize("table_id", REAL_AND_DEMO)
def test_invalid_link_falls_back_with_notes(table_id: str, catalogue) -> None:
    at = run_page({"table": table_id, "year": "1999", "compare": "bogus", "provider": "123", "from_year": "x"})
    notes = infos(at)
    for asked in ("'1999'", "'bogus'", "'123'", "'x'"):
        assert asked in notes
    assert_chart_is_the_data(at, catalogue.get(table_id), {})


def test_unknown_table_falls_back_to_a_demo_table() -> None:
    at = run_page({"table": "nope", "year": "1999", "compare": "bogus", "provider": "123"})
    assert "'nope'" in infos(at) and at.sidebar.selectbox(key="table").value == "demo_benefit_claims"
    assert list(trend(at)) == ["All providers"]


def test_demo_provider_by_characteristic_three_years_after(catalogue) -> None:
    entry = catalogue.get("demo_benefit_claims")
    options = benefits.table_options(entry)
    provider, name = options.providers[0]
    params = {
        "table": entry.id,
        "provider": provider,
        "compare": "characteristic",
        "characteristic": "FSM",
        "yag": "3",
        "from_year": "2021-22",
    }
    at = run_page(params)
    assert_chart_is_the_data(at, entry, {k: [v] for k, v in params.items()})
    lines = trend(at)
    assert list(lines) == [
        f"FSM eligible – {name}",
        "FSM eligible – All providers",
        f"Not FSM eligible – {name}",
        "Not FSM eligible – All providers",
    ]
    own = published(
        entry,
        {"years_after": ["3"], "characteristic_type": ["FSM"], "characteristic_value": ["FSM eligible"]},
        provider,
    )
    assert lines[f"FSM eligible – {name}"]["y"] == [own.get(x) for x in lines[f"FSM eligible – {name}"]["x"]]
    assert lines["FSM eligible – All providers"]["line"]["dash"] == "dash"
    assert change(at)["meta"]["start"] == "2021-22"
    title = charts(at)[0]["layout"]["meta"]["title"].replace("<br>", " ")
    assert "three years after graduation by FSM" in title and f"{name} against all providers" in title


def test_demo_subject_split_and_years_after_split(catalogue) -> None:
    at = run_page({"table": "demo_benefit_claims", "compare": "subject", "subject": ["Law", "Computing"]})
    assert sorted(trend(at)) == ["Computing", "Law"]
    at = run_page({"table": "demo_benefit_claims", "compare": "years_after", "yag": ["1", "5"]})
    assert list(trend(at)) == ["1 year after graduation", "5 years after graduation"]


def test_demo_school_table_second_measure_and_provider_type(catalogue) -> None:
    params = {"table": "demo_school_college_destinations", "measure": "benefit_rate_3ya", "compare": "provider_type"}
    at = run_page(params)
    assert list(trend(at)) == ["Further education college", "School", "Sixth form college"]
    assert_chart_is_the_data(at, catalogue.get(params["table"]), {k: [v] for k, v in params.items()})
    title = charts(at)[0]["layout"]["meta"]["title"].replace("<br>", " ")
    assert title.startswith("Out-of-work benefit rate 3 years after leaving by")


def test_real_fe_benefit_status_by_provision_for_a_provider(catalogue) -> None:
    entry = catalogue.get("fe_provider_benefits")
    options = benefits.table_options(entry)
    provider = next(
        pid
        for pid, _ in options.providers
        if {"benefit_learner", "provision"} <= {s.key for s in benefits.available_splits(entry, options, pid)}
    )
    name = options.provider_names[provider]
    at = run_page({"table": entry.id, "provider": provider, "provision": "Apprenticeship"})
    lines = trend(at)
    assert list(lines) == [
        f"Benefit learners – {name}",
        "Benefit learners – All providers",
        f"Not on benefits – {name}",
        "Not on benefits – All providers",
    ]
    own = published(entry, {"provision": ["Apprenticeship"], "benefit_learner": ["Benefit learners"]}, provider)
    line = lines[f"Benefit learners – {name}"]
    assert line["x"] == ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]
    assert line["y"] == [own.get(x) for x in line["x"]]  # published whole percentages, gaps as null
    derived = [v for v in lines["Benefit learners – All providers"]["y"] if v is not None]
    assert derived and all(round(v * 10) == pytest.approx(v * 10) for v in derived)
    title = charts(at)[0]["layout"]["meta"]["title"].replace("<br>", " ")
    assert "by benefit status at start of learning" in title and "type of provision: Apprenticeship" in title
    notes = notes_text(at)
    assert "derived from the providers' published figures" in notes
    # Compare by type of provision instead: three provision types for the provider and for all providers.
    at = run_page(
        {"table": entry.id, "provider": provider, "compare": "provision", "benefit_learner": "Benefit learners"}
    )
    assert len(trend(at)) == 6


# ---------------------------------------------------------------- fixture tables with known suppression


@pytest.fixture
def fixture_app(data_dir: Path):
    tables = make_tables(data_dir)
    ui._catalogue.clear()
    return tables


def test_fixture_suppressed_cell_is_a_gap_and_no_change_is_computed(fixture_app) -> None:
    at = run_page({"table": TABLE_A, "compare": "characteristic", "characteristic": "FSM", "from_year": "2021-22"})
    lines = trend(at)
    eligible = lines["FSM eligible"]
    assert eligible["x"] == [period_label(y) for y in A_YEARS]
    assert eligible["y"] == [
        a_rate(None, "Total", "Total", "FSM", "FSM eligible", "1", 202021),
        None,
        a_rate(None, "Total", "Total", "FSM", "FSM eligible", "1", 202223),
    ]
    bars = change(at)
    assert bars["y"] == ["FSM eligible", "Not FSM eligible"] and bars["x"][0] is None
    assert bars["x"][1] == pytest.approx(
        a_rate(None, "Total", "Total", "FSM", "Not FSM eligible", "1", 202223)
        - a_rate(None, "Total", "Total", "FSM", "Not FSM eligible", "1", 202122)
    )
    change_notes = notes_text(at)
    assert "its 2021-22 figure is suppressed to protect confidentiality ('c')" in change_notes
    table = at.dataframe[0].value
    assert "Suppressed" in table.astype(str).values.ravel().tolist()
    summaries = " ".join(str(m.value) for m in at.markdown)
    assert "no change is given for FSM eligible because a figure is suppressed or not available" in summaries


def test_fixture_fe_derived_all_providers(fixture_app) -> None:
    at = run_page({"table": TABLE_B})
    lines = trend(at)
    assert list(lines) == ["Benefit learners", "Not on benefits"]
    for status in lines:
        assert lines[status]["y"] == [b_all_providers("Total", status, y) for y in B_YEARS]
    assert lines["Benefit learners"]["y"][1] is None  # a lone suppressed provider hides the derived figure (D6)
    assert not any("Synthetic demo data" in str(w.value) for w in at.warning)  # not a demo table


def test_fixture_provider_by_provision(fixture_app) -> None:
    at = run_page(
        {
            "table": TABLE_B,
            "provider": "10000001",
            "compare": "provision",
            "provision": ["Apprenticeship", "Education & Training"],
        }
    )
    assert list(trend(at)) == [
        "Apprenticeship – ALPHA COLLEGE",
        "Apprenticeship – All providers",
        "Education & Training – ALPHA COLLEGE",
        "Education & Training – All providers",
    ]


def test_switching_choices_in_one_session(fixture_app) -> None:
    at = run_page({"table": TABLE_A})
    at.sidebar.selectbox(key="_labelled_compare").set_value("years_after").run()
    assert_clean(at)
    assert list(trend(at)) == ["1 year after graduation", "3 years after graduation"]
    at.sidebar.selectbox(key="_labelled_compare").set_value("characteristic").run()
    assert_clean(at)
    assert list(trend(at)) == ["FSM eligible", "Not FSM eligible"]
    at.sidebar.selectbox(key="_labelled_provider").set_value("90000101").run()
    assert_clean(at)
    assert len(trend(at)) == 4
    at.sidebar.selectbox(key="table").set_value(TABLE_B).run()
    assert_clean(at)
    # The provider of table A is not in table B: all providers, with a note; B's own default split.
    assert "'90000101'" in infos(at)
    assert list(trend(at)) == ["Benefit learners", "Not on benefits"]


def test_more_lines_than_fit_are_cut_with_a_note(catalogue) -> None:
    entry = catalogue.get("demo_benefit_claims")
    subjects = benefits.table_options(entry) and query.distinct_values(entry, "subject")[:7]
    at = run_page({"table": entry.id, "compare": "subject", "subject": subjects})
    assert list(trend(at)) == subjects[:6]
    assert "asked for 7 lines" in infos(at)
    provider = benefits.table_options(entry).providers[0][0]
    at = run_page({"table": entry.id, "provider": provider, "compare": "years_after", "yag": ["1", "2", "3", "4", "5"]})
    assert len(trend(at)) == 6  # three years after, each for the provider and for all providers
    assert "at most 3 fit in the chart" in infos(at)


def test_no_table_with_a_benefit_rate(data_dir: Path) -> None:
    shutil.copy(COMMITTED / "catalogue" / "demo_graduate_outcomes.toml", data_dir / "catalogue")
    ui._catalogue.clear()
    at = run_page({"table": TABLE_A})
    assert benefits.NO_TABLE_MESSAGE in infos(at)
    assert not at.get("plotly_chart")


def test_switching_table_runs_the_change_over_the_new_tables_own_years(catalogue) -> None:
    # Issue 14: after a table switch the change kept 2019-20 as its start on a table that begins in 2018-19.
    at = run_page({"table": "demo_benefit_claims"})
    years = {s.label: s for s in at.sidebar.selectbox if s.label.startswith("Change")}
    assert (years["Change from"].value, years["Change to"].value) == ("2019-20", "2023-24")
    at.sidebar.selectbox(key="table").set_value("fe_provider_benefits").run()
    assert_clean(at)
    years = {s.label: s for s in at.sidebar.selectbox if s.label.startswith("Change")}
    assert (years["Change from"].value, years["Change to"].value) == ("2018-19", "2022-23")
    assert "from_year" not in at.query_params and "year" not in at.query_params
    # A later choice of years on the same table stands.
    years["Change from"].set_value("2020-21").run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="from_year").value == "2020-21"


def test_a_links_own_years_stand_on_first_opening(catalogue) -> None:
    at = run_page({"table": "fe_provider_benefits", "from_year": "2019-20", "year": "2021-22"})
    assert_clean(at)
    assert at.sidebar.selectbox(key="from_year").value == "2019-20"
    assert at.sidebar.selectbox(key="year").value == "2021-22"


def test_provider_search_then_choice_draws_that_provider(catalogue) -> None:
    """Issue 15, item 3: the picker holds the matches of a search, not every provider; a provider found by the start
    of its UKPRN is chosen, drawn and kept in the link, and stays chosen while the user searches for another."""
    entry = catalogue.get("fe_provider_benefits")
    providers = query.provider_names(entry)
    pid, name = providers[-1]  # far past the first 50 by name
    at = run_page({"table": entry.id})
    picker = at.sidebar.selectbox(key="_labelled_provider")
    assert len(picker.options) == 1 + 50 and f"{name} ({pid})" not in picker.options  # All providers + 50
    at.sidebar.text_input(key="_search_provider").input(pid).run()
    assert_clean(at)
    assert f"{name} ({pid})" in at.sidebar.selectbox(key="_labelled_provider").options
    at.sidebar.selectbox(key="_labelled_provider").set_value(pid).run()
    assert_clean(at)
    assert at.query_params.get("provider") in (pid, [pid])
    assert any(name in series for series in trend(at))
    at.sidebar.text_input(key="_search_provider").input("zzzz no such provider").run()
    assert_clean(at)
    picker = at.sidebar.selectbox(key="_labelled_provider")
    assert picker.value == pid and list(picker.options) == ["All providers", f"{name} ({pid})"]
    assert "No providers match" in " ".join(str(c.value) for c in at.sidebar.caption)

"""AppTest runs of pages/institutions.py through the real router: defaults, valid links and invalid links for every
approved table with providers (the committed demo tables and the real FE tables), the fixture tables with known
suppressed cells, and an interaction in one session.

The expected figures are read straight from the table with `query.select` (the page's own logic is not used), so a
figure that draws the wrong year, the wrong providers or a suppressed cell as a number fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import ui
from leo_dash.analyses import institutions
from leo_dash.core import paths, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label
from tests.apptest_pages import assert_clean, open_page
from tests.test_institutions_fixture import BETA, DELTA, ETA, GAMMA, TABLE_WITH_NATIONAL, make_table

COMMITTED_DATA = paths.PROJECT_ROOT / "data"
PROVIDER_TABLES = (
    "fe_provider_benefits",
    "fe_community_learning",
    "demo_graduate_outcomes",
    "demo_benefit_claims",
    "demo_school_college_destinations",
)


@pytest.fixture(scope="module")
def committed(reference_dir: Path) -> dict[str, TableEntry]:
    catalogue = load_catalogue(COMMITTED_DATA)
    return {t: catalogue.get(t) for t in PROVIDER_TABLES}


pytestmark = pytest.mark.usefixtures("fresh_app")


def run_page(params: dict[str, str | list[str]] | None = None) -> AppTest:
    return open_page("pages/institutions.py", params)


def charts(at: AppTest) -> dict[str, dict]:
    """The page's Plotly specs by view: ranked, funnel (when drawn), trend."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    keys = [str(c.proto.id) for c in at.get("plotly_chart")]
    named: dict[str, dict] = {}
    for spec, key in zip(specs, keys, strict=True):
        for view in ("ranked", "funnel", "trend"):
            if f"institutions-{view}" in key:
                named[view] = spec
    assert set(named) >= {"ranked", "trend"}, keys
    return named


def url_values(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def title(spec: dict) -> str:
    return spec["layout"]["meta"]["title"].replace("<br>", " ")


def infos(at: AppTest) -> str:
    return " ".join(str(i.value) for i in at.info)


def bars_by_provider(spec: dict) -> dict[str, float | None]:
    """Provider id -> the bar length drawn (None: a gap)."""
    drawn: dict[str, float | None] = {}
    for trace in spec["data"]:
        if trace["type"] == "bar" and trace["meta"]["role"] in ("providers", "highlight"):
            for custom, x in zip(trace["customdata"], trace["x"], strict=True):
                drawn[custom[0]] = x
    return drawn


def highlighted(spec: dict) -> set[str]:
    return {t["meta"]["provider"] for t in spec["data"] if t["meta"].get("role") == "highlight"}


def published_rows(entry: TableEntry, measure: str, where: dict[str, list[object]]) -> pl.DataFrame:
    """Provider rows of the table for a selection, straight from the store: id, value, status."""
    pid = str(entry.role("provider_id"))
    frame = query.select(entry, where, vary=[r for r in ("provider_type", "region") if entry.role(r)])
    return frame.filter(pl.col(pid).is_not_null()).select(
        pl.col(pid).cast(pl.String).alias("id"),
        pl.col(str(entry.role("time"))).alias("time"),
        pl.col(measure).alias("value"),
        pl.col(status_column(measure)).alias("status"),
    )


def assert_matches_table(spec: dict, rows: pl.DataFrame) -> None:
    """Every bar is the published value of its provider or a gap; no cell with a symbol is drawn, and never as 0."""
    truth = {r["id"]: (r["value"], r["status"]) for r in rows.iter_rows(named=True)}
    drawn = bars_by_provider(spec)
    assert drawn, "no bars drawn"
    for pid, x in drawn.items():
        value, status = truth[pid]
        if status is not None:
            assert x is None, f"{pid} has status {status} but is drawn as {x}"
        else:
            assert x is None or x == pytest.approx(value)  # None only where secondary suppression hid it
    assert all(x != 0 or truth[p][1] is None for p, x in drawn.items())


def default_where(entry: TableEntry, year: int) -> dict[str, list[object]]:
    where: dict[str, list[object]] = {"time": [year]}
    options = institutions.page_options(entry)
    if options.default_years_after is not None:
        where["years_after"] = [options.default_years_after]
    return where


def pick_providers(entry: TableEntry, measure: str, year: int) -> tuple[str, str | None]:
    """One provider with a published figure (the largest base) and one whose figure carries a symbol, if any."""
    rows = published_rows(entry, measure, default_where(entry, year))
    shown = rows.filter(pl.col("status").is_null()).sort(["value", "id"], descending=[True, False])
    hidden = rows.filter(pl.col("status").is_not_null()).sort("id")
    return shown["id"][len(shown) // 2], (hidden["id"][0] if hidden.height else None)


# ---------------------------------------------------------------- every provider table: defaults, valid and bad links


@pytest.mark.parametrize("table_id", PROVIDER_TABLES)
def test_defaults_for_each_table(committed, table_id: str) -> None:
    entry = committed[table_id]
    at = run_page({"table": table_id})
    options = institutions.page_options(entry)
    year = options.latest_period
    specs = charts(at)
    assert f"{period_label(year)} {entry.time_label.lower()}" in title(specs["ranked"])
    measure = entry.indicator(options.default_measure)
    assert institutions.measure_title(measure) in title(specs["ranked"])
    assert_matches_table(specs["ranked"], published_rows(entry, measure.column, default_where(entry, year)))
    assert not highlighted(specs["ranked"])
    trend_x = [t["x"] for t in specs["trend"]["data"]]
    assert trend_x == [[period_label(p) for p in options.periods]]  # the benchmark alone
    banner = any("Synthetic demo data" in str(w.value) for w in at.warning)
    assert banner == entry.demo
    keys = [b.key for b in at.get("download_button")]
    assert len(keys) == 3 * (4 if "funnel" in specs else 2)  # CSV, XLSX and data guidance per view
    assert {key.split("-", 1)[0] for key in keys} == {"csv", "xlsx", "guidance"}


@pytest.mark.parametrize("table_id", PROVIDER_TABLES)
def test_a_valid_link_for_each_table(committed, table_id: str) -> None:
    entry = committed[table_id]
    options = institutions.page_options(entry)
    year = options.periods[-2]
    measure = options.default_measure
    shown, hidden = pick_providers(entry, measure, year)
    chosen = [shown] + ([hidden] if hidden else [])
    at = run_page({"table": table_id, "year": period_label(year), "provider": chosen, "top": "10"})
    assert url_values(at, "provider") == chosen  # the link keeps the ids, not the shown labels
    specs = charts(at)
    ranked = specs["ranked"]
    assert f"{period_label(year)} {entry.time_label.lower()}" in title(ranked)
    assert highlighted(ranked) == set(chosen)
    rows = published_rows(entry, measure, default_where(entry, year))
    assert_matches_table(ranked, rows)
    if hidden:
        assert bars_by_provider(ranked)[hidden] is None
    # The trend follows the chosen providers over every year, with gaps where their figure carries a symbol.
    all_years = published_rows(entry, measure, {k: v for k, v in default_where(entry, year).items() if k != "time"})
    labels = [period_label(p) for p in options.periods]
    for trace in specs["trend"]["data"]:
        assert trace["x"] == labels
        if trace["meta"]["role"] != "highlight":
            continue
        own = all_years.filter(pl.col("id") == trace["meta"]["provider"])
        for label, y in zip(trace["x"], trace["y"], strict=True):
            cell = own.filter(pl.col("time").map_elements(period_label, return_dtype=pl.String) == label)
            if cell.height == 0 or cell["status"][0] is not None:
                assert y is None
            else:
                assert y is None or y == pytest.approx(cell["value"][0])
    if "funnel" in specs:
        markers = {
            t["meta"]["provider"]: t["y"] for t in specs["funnel"]["data"] if t["meta"].get("role") == "highlight"
        }
        assert markers.get(shown) == [rows.filter(pl.col("id") == shown)["value"][0]] or markers.get(shown) is None
        assert hidden not in markers  # a suppressed provider cannot be placed


@pytest.mark.parametrize("table_id", PROVIDER_TABLES)
def test_an_invalid_link_for_each_table_falls_back_with_notes(committed, table_id: str) -> None:
    entry = committed[table_id]
    options = institutions.page_options(entry)
    at = run_page(
        {
            "table": table_id,
            "year": "1999",
            "provider": ["nonsense", "12"],
            "yag": "7",
            "measure": "nope",
            "peer": "Sideways",
            "top": "3",
            "subject": "Basket weaving",
        }
    )
    notes = infos(at)
    for asked in ("'1999'", "'nonsense'", "'nope'", "'3'"):
        assert asked in notes
    specs = charts(at)
    assert f"{period_label(options.latest_period)} {entry.time_label.lower()}" in title(specs["ranked"])
    assert not highlighted(specs["ranked"])
    assert "provider" not in at.query_params  # bad ids are dropped from the link


def test_a_link_with_an_unknown_table_falls_back_to_a_demo_table(reference_dir: Path) -> None:
    at = run_page({"year": "1999", "provider": "nonsense", "yag": "7", "table": "nope"})
    notes = infos(at)
    assert "'nope'" in notes and "'1999'" in notes and "'nonsense'" in notes
    assert any("Synthetic demo data" in str(w.value) for w in at.warning)
    assert at.sidebar.selectbox(key="table").value.startswith("demo_")


# ---------------------------------------------------------------- peer groups and controls the table lacks


def test_same_type_follows_the_first_highlighted_provider(committed) -> None:
    entry = committed["demo_graduate_outcomes"]
    names = institutions.provider_names(entry)
    fec = next(pid for pid in names if institutions.provider_attributes(entry, pid)["provider_type"] == "FEC")
    at = run_page({"table": entry.id, "peer": "Same type", "provider": fec, "measure": "earnings_median"})
    ranked = charts(at)["ranked"]
    assert "FEC providers" in title(ranked)
    options = institutions.page_options(entry)
    rows = published_rows(entry, "earnings_median", {"time": [options.latest_period], "years_after": ["5"]})
    fec_ids = {
        pid for pid in rows["id"].to_list() if institutions.provider_attributes(entry, pid)["provider_type"] == "FEC"
    }
    assert set(bars_by_provider(ranked)) <= fec_ids
    assert "no funnel plot for median earnings" in infos(at)  # earnings: explained, not drawn
    assert at.sidebar.selectbox(key="provider_type").value == "FEC"  # bound to ?provider_type= (the browser writes it)


def test_fe_table_hides_controls_it_cannot_support(committed) -> None:
    at = run_page({"table": "fe_provider_benefits", "yag": "5", "subject": "Computing", "peer": "Same type"})
    keys = {w.key for w in at.sidebar.selectbox} | {w.key for w in at.sidebar.radio}
    assert not keys & {"yag", "subject", "characteristic", "peer", "provider_type", "region"}
    assert {"provision", "benefit_learner", "year", "_labelled_measure", "top"} <= keys
    at = run_page(
        {"table": "fe_provider_benefits", "provision": "Apprenticeship", "benefit_learner": "Benefit learners"}
    )
    ranked = charts(at)["ranked"]
    assert "Apprenticeship" in title(ranked) and "Benefit learners" in title(ranked)
    entry = committed["fe_provider_benefits"]
    year = institutions.page_options(entry).latest_period
    rows = published_rows(
        entry, "emp_percent", {"time": [year], "provision": ["Apprenticeship"], "benefit_learner": ["Benefit learners"]}
    )
    assert_matches_table(ranked, rows)


# ---------------------------------------------------------------- fixture tables with known cells


@pytest.fixture
def fixture_national(data_dir: Path) -> TableEntry:
    entry = make_table(data_dir)
    ui._catalogue.clear()
    return entry


def test_fixture_suppressed_cells_and_missing_rows(fixture_national) -> None:
    at = run_page({"table": TABLE_WITH_NATIONAL, "year": "2021-22", "provider": [BETA, DELTA, GAMMA]})
    specs = charts(at)
    drawn = bars_by_provider(specs["ranked"])
    assert drawn[GAMMA] is None and drawn[BETA] == 58.0  # Gamma's `c` is a gap; nothing else is hidden per view
    assert DELTA not in drawn  # no row in 2021-22
    notes = infos(at)
    assert "Delta Institute \\(10000004\\) has no row for this selection in 2021\\-22" in notes
    assert "suppressed to protect confidentiality" in notes
    trend = {t["meta"]["provider"]: t["y"] for t in specs["trend"]["data"] if t["meta"]["role"] == "highlight"}
    assert trend == {BETA: [58.0, 60.0], DELTA: [None, None], GAMMA: [None, 70.0]}
    table = at.dataframe[0].value
    assert "Suppressed" in table.astype(str).values.ravel().tolist()
    assert "0" not in [str(v) for v in specs["ranked"]["data"][0]["x"]]


def test_the_issue_links_show_the_same_cell_the_same_way_and_render(committed) -> None:
    """Issue 11's links: the same provider's cell has one status whatever the peer group (the pass decided it for
    the table), and the selection that used to fail closed renders."""
    base = {
        "table": "demo_benefit_claims",
        "measure": "claim_rate",
        "year": "2021-22",
        "yag": "2",
        "subject": "Total",
        "characteristic": "SEN",
        "characteristic_value": "SEN",
        "top": "All",
    }
    drawn = []
    for peer in ({"peer": "Same type", "provider_type": "HEI"}, {"peer": "All providers"}):
        at = run_page(base | peer)
        assert_clean(at)
        drawn.append(bars_by_provider(charts(at)["ranked"]))
    same_type, everyone = drawn
    assert same_type and all(everyone[p] == x for p, x in same_type.items())
    at = run_page(
        {
            "table": "demo_graduate_outcomes",
            "measure": "earnings_lq",
            "year": "2021-22",
            "yag": "3",
            "subject": "Health and social care",
        }
    )
    assert_clean(at)
    assert "could not be shown" not in " ".join(str(e.value) for e in at.error)
    assert charts(at)["ranked"]


def test_fixture_interaction_updates_link_and_charts(fixture_national) -> None:
    at = run_page({"table": TABLE_WITH_NATIONAL})
    at.multiselect(key="_inst_provider").set_value([ETA, BETA]).run()
    assert_clean(at)
    assert url_values(at, "provider") == [ETA, BETA]
    specs = charts(at)
    assert highlighted(specs["ranked"]) == {BETA}  # Eta has no 2022-23 row: explained, not drawn
    assert "Eta College \\(10000007\\) has no row" in infos(at)
    at.radio(key="peer").set_value("Same type").run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="provider_type").value == "FEC"  # Eta's own type
    assert "FEC providers" in title(charts(at)["ranked"])


def test_no_table_with_providers_gives_a_message(data_dir: Path) -> None:
    ui._catalogue.clear()
    at = run_page({})
    assert institutions.NO_TABLE_MESSAGE in infos(at)
    assert not at.get("plotly_chart")


def test_funnel_limits_can_allow_for_over_dispersion_on_the_real_fe_table(committed) -> None:
    at = run_page({"table": "fe_provider_benefits"})
    funnel_notes = " ".join(str(m.value) for m in at.markdown) + " ".join(str(t.value) for t in at.text)
    assert "spread far more than chance alone gives" in funnel_notes  # the real FE rates are over-dispersed
    chance = charts(at)["funnel"]

    def outliers_listed(at: AppTest) -> int:
        # Tables in page order: ranked, funnel, providers outside the limits, trend.
        assert len(at.dataframe) == 4
        return len(at.dataframe[2].value)

    outside_before = outliers_listed(at)
    at.radio(key="limits").set_value(institutions.LIMITS_OVERDISPERSION).run()
    assert_clean(at)
    # (The radio is bound to ?limits= by Streamlit in the browser; the browser tests cover binding.)
    wide = charts(at)["funnel"]
    assert "limits allowing for over-dispersion" in title(wide)

    def upper_95(spec: dict) -> list[float]:
        trace = next(t for t in spec["data"] if t["meta"] == {"role": "limit", "level": "95%", "side": "upper"})
        return trace["y"]

    assert all(w >= c for w, c in zip(upper_95(wide), upper_95(chance), strict=True))
    assert any(w > c for w, c in zip(upper_95(wide), upper_95(chance), strict=True))
    assert 0 < outliers_listed(at) < outside_before  # fewer providers stand out once spread is allowed for
    # The link reproduces the view in a new session.
    again = run_page({"table": "fe_provider_benefits", "limits": institutions.LIMITS_OVERDISPERSION})
    assert title(charts(again)["funnel"]) == title(wide)


# ---------------------------------------------------------------- provider search (issue 15, item 3)


def offered(at: AppTest) -> list[str]:
    """The labels the highlight picker offers (all the browser is sent)."""
    return [str(o) for o in at.multiselect(key="_inst_provider").options]


def test_provider_search_narrows_the_picker_then_the_choice_draws(fixture_national) -> None:
    at = run_page({"table": TABLE_WITH_NATIONAL})
    assert "Eta College (10000007)" in offered(at)  # a short list: an empty search offers every provider
    at.text_input(key="_inst_provider_search").input(" ETA C").run()  # part of a name, in any case
    assert_clean(at)
    assert offered(at) == ["Beta College (10000002)", "Eta College (10000007)", "Theta College (10000008)"]
    at.multiselect(key="_inst_provider").set_value([ETA]).run()
    assert url_values(at, "provider") == [ETA]
    # Searching for another provider keeps the chosen one on offer and chosen; the search is not in the link.
    at.text_input(key="_inst_provider_search").input(BETA).run()  # the start of a UKPRN (here all of it)
    assert_clean(at)
    assert at.multiselect(key="_inst_provider").value == [ETA]
    assert offered(at) == ["Eta College (10000007)", "Beta College (10000002)"]
    at.multiselect(key="_inst_provider").set_value([ETA, BETA]).run()
    assert_clean(at)
    assert url_values(at, "provider") == [ETA, BETA]
    assert "_inst_provider_search" not in at.query_params and "search" not in " ".join(at.query_params)
    assert highlighted(charts(at)["ranked"]) == {BETA}  # Eta has no 2022-23 row (explained, not drawn)
    assert "Eta College \\(10000007\\) has no row" in infos(at)


def test_provider_search_offers_linked_providers_and_caps_the_list(committed) -> None:
    entry = committed["fe_provider_benefits"]
    names = institutions.provider_names(entry)
    last = list(names)[-1]  # far beyond the first 50 by name
    at = run_page({"table": entry.id, "provider": last})
    assert_clean(at)
    assert at.multiselect(key="_inst_provider").value == [last]  # a link's provider stays chosen and on offer
    label = institutions.provider_option_label(last, names[last])
    assert len(offered(at)) == 51 and offered(at)[0] == label
    captions = " ".join(str(c.value) for c in at.sidebar.caption)
    assert f"Showing 51 of {len(names):,} providers" in captions  # the linked one and the first 50
    at.text_input(key="_inst_provider_search").input("zzzz no such provider").run()
    assert offered(at) == [label]
    assert "No providers match" in " ".join(str(c.value) for c in at.sidebar.caption)

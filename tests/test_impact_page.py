"""AppTest runs of pages/impact.py through the real router: defaults, links for the real FE table and every demo
table, invalid links, validation problems, and the figures checked against estimate_impact on the same cells."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import sdc
from leo_dash.analyses import impact_views as iv
from leo_dash.analyses.impact import GroupDefinition, estimate_impact, period_start_year
from leo_dash.core import paths, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from leo_dash.core.periods import period_label
from tests.apptest_pages import assert_clean, open_page
from tests.apptest_pages import plotly_specs as charts

COMMITTED_DATA = paths.PROJECT_ROOT / "data"
FE = "fe_provider_benefits"
FE_LINK = {
    "table": FE,
    "outcome": "Sustained out-of-work benefits (%)",
    "treat_by": "provision",
    "treated": "Apprenticeship",
    "comparison": "Education & Training",
    "start": "2020-21",
}
DEMO_TABLES = sorted(e.id for e in load_catalogue(COMMITTED_DATA) if e.demo and iv.is_eligible(e))


pytestmark = pytest.mark.usefixtures("fresh_app", "reference_dir")


def run_page(params: dict[str, str | list[str]] | None = None) -> AppTest:
    return open_page("pages/impact.py", params)


def metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def texts(elements: object) -> list[str]:
    """Element texts without the Markdown escapes ui.plain adds to text from data."""
    return [str(e.value).replace("\\", "") for e in elements]  # type: ignore[attr-defined]


def relative_periods(entry_id: str, start: str) -> list[int]:
    entry = load_catalogue(COMMITTED_DATA).get(entry_id)
    first = period_start_year(int(start[:4] + start[-2:]))
    return [period_start_year(p) - first for p in iv.table_periods(entry)]


# ---------------------------------------------------------------- defaults and valid links


def test_defaults_show_estimate_series_and_event_study() -> None:
    at = run_page()
    assert [m.label for m in at.metric] == [
        "Difference-in-differences estimate",
        "95% confidence interval",
        "Pre-trend test",
    ]
    series, event = charts(at)
    table = at.sidebar.selectbox(key="table").value
    start = at.sidebar.selectbox(key="start").value
    assert load_catalogue(COMMITTED_DATA).get(table).demo  # a demo table is the default where there is one
    assert event["data"][0]["x"] == relative_periods(table, start)
    assert {t["name"] for t in series["data"]} >= {"Gap"}
    assert any("Synthetic demo data" in w for w in texts(at.warning))


def test_fe_link_shows_the_estimate_of_estimate_impact_on_the_same_cells() -> None:
    at = run_page(FE_LINK)
    entry = load_catalogue(COMMITTED_DATA).get(FE)
    frame = query.select(
        entry,
        {"provision": ["Apprenticeship", "Education & Training"]},  # benefit_learner pinned to Total
        columns=["time", "provider_id", "provision", "benefit_percent", "number_of_matched_learners"],
    )
    # The page estimates from published cells after disclosure control (D9 hides 0%/100% on tiny bases).
    cells = [entry.indicator("benefit_percent"), entry.indicator("number_of_matched_learners")]
    frame = sdc.protect(frame, cells, entry.disclosure)
    direct = estimate_impact(
        frame,
        outcome="benefit_percent",
        kind="rate",
        base="number_of_matched_learners",
        time="time_period",
        treated=GroupDefinition("Apprenticeship", {"provision": ["Apprenticeship"]}),
        comparison=GroupDefinition("Education & Training", {"provision": ["Education & Training"]}),
        intervention_start=202021,
    )
    assert metric(at, "Difference-in-differences estimate") == iv.format_effect(direct.estimate, "rate", short=True)
    assert metric(at, "95% confidence interval") == iv.format_interval(
        direct.ci_low, direct.ci_high, "rate", short=True
    )
    shown = float(metric(at, "Difference-in-differences estimate").removesuffix(" pp"))
    assert shown == pytest.approx(direct.estimate, abs=0.05)
    assert metric(at, "Pre-trend test") == ("Flagged" if direct.pre_trend.flagged else "Not flagged")
    series, event = charts(at)
    trace = event["data"][0]
    assert trace["x"] == [-2, -1, 0, 1, 2]
    assert trace["y"][1] == 0.0 and trace["error_y"]["array"][1] is None  # 2019-20 is the reference year
    expected = direct.event_study.filter(~pl.col("is_reference"))
    for row in expected.iter_rows(named=True):
        index = trace["x"].index(row["relative_period"])
        assert trace["y"][index] == pytest.approx(row["gap_diff"], abs=0.05)
    assert [t["name"] for t in series["data"]] == ["Apprenticeship", "Education &amp; Training", "Gap"]
    assert series["data"][0]["x"] == [period_label(p) for p in (201819, 201920, 202021, 202122, 202223)]
    # Suppressed provider cells are counted by symbol; the count is the estimate's.
    excluded_summary = next(m for m in texts(at.markdown) if "cells in the two groups" in m)
    assert f"({direct.excluded_by_symbol['c']:,} suppressed to protect confidentiality ('c'))" in excluded_summary


def test_fe_groups_of_providers_draw_a_suppressed_year_as_a_gap() -> None:
    entry = load_catalogue(COMMITTED_DATA).get(FE)
    cells = query.select(entry, {}, columns=["time", "provider_id", "benefit_percent", "number_of_matched_learners"])
    statuses = cells.group_by("provider_ukprn").agg(
        pl.col(status_column("benefit_percent")).filter(pl.col("time_period") == 202223).first().alias("last"),
        pl.col(status_column("benefit_percent")).is_null().sum().alias("published"),
        # Comfortably large published cells in the other years, so only the suppressed year is a gap.
        (pl.col("benefit_percent") * pl.col("number_of_matched_learners") / 100).min().alias("smallest_numerator"),
    )
    candidates = statuses.filter(
        (pl.col("last") == "c") & (pl.col("published") == 4) & (pl.col("smallest_numerator") >= 5)
    )
    assert candidates.height, "the FE file has no provider suppressed only in 2022-23"
    provider = str(candidates.sort("provider_ukprn")["provider_ukprn"][0])
    at = run_page(
        {
            "table": FE,
            "outcome": "Sustained out-of-work benefits (%)",
            "treat_by": "provider",
            "treated": provider,
            "start": "2020-21",
        }
    )
    # A bare UKPRN in the link is not an option of the widget: it falls back to the default with a note.
    assert any(provider in i for i in texts(at.info))
    option = next(o for o in at.sidebar.multiselect(key="treated").options if o.endswith(f"({provider})"))
    at.sidebar.multiselect(key="treated").set_value([option]).run()
    assert_clean(at)
    series = charts(at)[0]
    treated = series["data"][0]
    assert treated["y"][-1] is None and all(v is not None for v in treated["y"][:-1])
    assert series["data"][2]["y"][-1] is None  # no gap either
    shown = at.dataframe[1].value  # the series table says why the year is empty, never 0
    assert shown.iloc[-1, 1] == "Suppressed"  # its only cell is `c`: the group figure inherits it
    assert at.sidebar.multiselect(key="comparison").value == [iv.ALL_OTHERS]


@pytest.mark.parametrize("table", [*DEMO_TABLES, FE, "fe_community_learning"])
@pytest.mark.parametrize("treat_by", [None, "provider"])
def test_every_table_runs_with_defaults_and_provider_groups(table: str, treat_by: str | None) -> None:
    params = {"table": table} | ({"treat_by": treat_by} if treat_by else {})
    at = run_page(params)
    assert at.sidebar.selectbox(key="table").value == table
    if at.metric:
        assert len(charts(at)) == 2
    else:  # a selection the data cannot support is explained, never a traceback
        assert at.warning


def test_demo_tables_exist_for_this_page() -> None:
    assert DEMO_TABLES, "the committed demo tables are missing: the page's demo runs would be skipped"


# ---------------------------------------------------------------- invalid links and validation problems


def test_invalid_link_falls_back_with_notes() -> None:
    at = run_page({"table": "nope", "outcome": "bogus", "start": "1999", "treated": "zzz"})
    notes = " ".join(texts(at.info))
    for asked in ("nope", "bogus", "1999", "zzz"):
        assert f"'{asked}'" in notes
    assert at.metric  # the defaults are shown instead


def test_overlapping_groups_are_a_message() -> None:
    at = run_page(FE_LINK | {"comparison": "Apprenticeship"})
    assert not at.metric and not at.get("plotly_chart")
    assert any("overlap" in w for w in texts(at.warning))


def test_empty_comparison_is_a_message() -> None:
    at = run_page(FE_LINK)
    at.sidebar.multiselect(key="comparison").set_value([]).run()
    assert_clean(at)
    assert any("Choose at least one item for the comparison group" in w for w in texts(at.warning))


def test_rates_that_are_not_shares_are_a_message() -> None:
    at = run_page(FE_LINK | {"outcome": "Any learning (%)"})
    assert any("outside 0-100" in w for w in texts(at.warning))


def test_changing_what_groups_are_made_of_starts_from_its_defaults() -> None:
    at = run_page(FE_LINK)
    at.sidebar.selectbox(key="treat_by").set_value("benefit_learner").run()
    assert_clean(at)
    assert at.sidebar.multiselect(key="treated").value == ["Benefit learners"]
    assert at.sidebar.multiselect(key="comparison").value == ["Not on benefits"]
    assert at.metric


def test_earnings_show_labelled_averages_of_medians() -> None:
    at = run_page(
        {
            "table": "demo_graduate_outcomes",
            "outcome": "Median earnings",
            "treat_by": "subject",
            "treated": ["Computing", "Economics"],
            "comparison": ["Law", "History and archaeology"],
        }
    )
    estimate = metric(at, "Difference-in-differences estimate")
    assert estimate.lstrip("+-").startswith("£") and estimate.endswith("00")  # rounded to £100
    series_table = at.dataframe[1].value
    assert any(
        "average of published medians (analytical, not a published median)" in c.lower() for c in series_table.columns
    )
    values = [v for v in series_table.iloc[:, 1] if v.startswith("£")]
    assert values and all(v.endswith("00") for v in values)
    assert charts(at)[1]["data"][0]["x"] == [-2, -1, 0, 1, 2]


def test_fe_interval_allows_for_all_noise_by_default_and_sampling_only_is_an_expert_option() -> None:
    at = run_page(FE_LINK)
    honest = metric(at, "95% confidence interval")
    assert at.radio(key="se").value == iv.SE_ALL
    table = at.dataframe[0].value
    basis = dict(zip(table.iloc[:, 0], table["Result"], strict=True))["What the interval allows for"]
    assert "wider of two intervals" in basis and "cluster-robust by cell" in basis
    assert any("wider of two intervals" in t for t in texts(at.caption))  # said under the headline figures too
    assert any(str(v).startswith("Starting in ") for v in table["Result"].tolist())  # the placebo row
    # ... and again in the event study's notes, beside the yearly coefficients it checks.
    event_study = iv.view_by_key(iv.build_impact_views({k: [v] for k, v in FE_LINK.items()}), iv.VIEW_EVENT_STUDY)
    assert any(
        f.startswith("Placebo (fake start, before years only): Starting in 2019-20") for f in event_study.footnotes
    )
    at.radio(key="se").set_value(iv.SE_SAMPLING).run()
    assert_clean(at)
    narrow = metric(at, "95% confidence interval")

    def width(interval: str) -> float:
        low, high = (float(v) for v in interval.removesuffix(" pp").split(" to "))
        return high - low

    assert width(honest) > 3 * width(narrow)  # the real FE cells move far more than sampling alone gives
    table = at.dataframe[0].value
    assert any("Sampling only (optimistic)" in str(v) for v in table["Result"].tolist())
    # The link with ?se= reproduces the view; an unknown value falls back to the recommended interval with a note;
    # the names earlier versions put in links open the recommended interval.
    again = run_page({**FE_LINK, "se": iv.SE_SAMPLING})
    assert metric(again, "95% confidence interval") == narrow
    assert metric(run_page({**FE_LINK, "se": "Sideways"}), "95% confidence interval") == honest
    assert metric(run_page({**FE_LINK, "se": "Allow for over-dispersion"}), "95% confidence interval") == honest


def test_spec_round_trips_the_interval_choice() -> None:
    spec = iv.resolve_spec({**FE_LINK, "se": [iv.SE_SAMPLING]})
    assert spec.sampling_only and spec.params()["se"] == [iv.SE_SAMPLING]
    assert iv.resolve_spec(spec.params()) == spec
    assert "se" not in iv.resolve_spec(FE_LINK).params()
    assert not iv.resolve_spec({**FE_LINK, "se": ["Sampling only"]}).sampling_only  # an old link's name
    with pytest.raises(iv.ImpactInputError, match="not an option"):
        iv.resolve_spec({**FE_LINK, "se": ["Sideways"]})


def test_switching_table_resets_every_choice_to_the_new_tables_defaults_and_says_so() -> None:
    # Issue 14, item 4: after a table switch the sidebar kept the old outcome, grouping, groups and start year.
    at = run_page(FE_LINK)
    assert at.sidebar.selectbox(key="start").value == "2020-21"
    demo = DEMO_TABLES[0]
    at.sidebar.selectbox(key="table").set_value(demo).run()
    assert_clean(at)
    entry = load_catalogue(COMMITTED_DATA).get(demo)
    fresh = run_page({"table": demo})  # the new table opened on its own: its defaults
    for key in ("outcome", "treat_by", "start"):
        assert at.sidebar.selectbox(key=key).value == fresh.sidebar.selectbox(key=key).value, key
    for key in ("treated", "comparison"):
        assert at.sidebar.multiselect(key=key).value == fresh.sidebar.multiselect(key=key).value, key
    assert at.sidebar.selectbox(key="start").value == iv.default_start(entry)
    assert any(f"You switched to {entry.title}" in t for t in texts(at.info))
    assert metric(at, "Difference-in-differences estimate") == metric(fresh, "Difference-in-differences estimate")
    # The note is said once; later choices on the new table stand.
    starts = iv.start_options(entry)
    other = next(s for s in starts if s != iv.default_start(entry))
    at.sidebar.selectbox(key="start").set_value(other).run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="start").value == other
    assert not any("You switched to" in t for t in texts(at.info))

"""Tests for leo_dash.analyses.impact_views: disclosure control of the impact page's group figures and its views.

In-memory cells (analyse(spec, cells=...)) pin down the disclosure rules exactly; small EES files read through the
real loader (build_impact_views(params, tables=[entry])) check the page's choices, defaults and validation.
"""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from leo_dash import sdc
from leo_dash.analyses import impact_views as iv
from leo_dash.analyses.impact import GroupDefinition, estimate_impact
from leo_dash.core import paths, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import DisclosureProfile, Indicator, status_column
from tests.conftest import make_entry, write_ees

YEARS = (201819, 201920, 202021, 202122, 202223)
START = 202021
FE_PROFILE = DisclosureProfile(count_base=10)
BASE = Indicator("learners", "Matched learners", "base")
RATE = Indicator("benefit_percent", "On benefits (%)", "rate", "%", 0, base="learners")
PROVISION = iv.Dimension("provision", "Type of provision", "group", "groups", ("provision",))
ROLES = {"time": "time_period", "provider_id": "provider_ukprn", "provider_name": "provider_name"}


def _cells(rows: list[tuple[int, str, str, float | None, str | None, float | None, str | None]]) -> pl.DataFrame:
    """(year, provision, provider, learners, learners symbol, rate, rate symbol) -> cells as the loader gives them."""
    return pl.DataFrame(
        rows,
        schema={
            "time_period": pl.Int64,
            "provision": pl.String,
            "provider_ukprn": pl.String,
            "learners": pl.Float64,
            status_column("learners"): pl.String,
            "benefit_percent": pl.Float64,
            status_column("benefit_percent"): pl.String,
        },
        orient="row",
    )


def _rate_spec(entry: object = None, **overrides: object) -> iv.ImpactSpec:
    fields: dict[str, object] = {
        "entry": entry
        or make_entry("rates", roles=ROLES, filters=("provision",), indicators=(BASE, RATE), disclosure=FE_PROFILE),
        "outcome": RATE,
        "dimension": PROVISION,
        "treated": ("Treated",),
        "comparison": ("Comparison",),
        "comparison_is_rest": False,
        "start": START,
    }
    fields.update(overrides)
    return iv.ImpactSpec(**fields)  # type: ignore[arg-type]


def _steady_rows() -> list[tuple[int, str, str, float | None, str | None, float | None, str | None]]:
    rows = []
    for year in YEARS:
        shift = 5.0 if year >= START else 0.0
        rows += [
            (year, "Treated", "T1", 150.0, None, 20.0 + shift, None),
            (year, "Treated", "T2", 100.0, None, 30.0 + shift, None),
            (year, "Treated", "T3", 100.0, None, 10.0 + shift, None),
            (year, "Comparison", "C1", 200.0, None, 25.0, None),
            (year, "Comparison", "C2", 200.0, None, 15.0, None),
            (year, "Comparison", "C3", 305.0, None, 5.0, None),
        ]
    return rows


def _row(frame: pl.DataFrame, year: int) -> dict[str, object]:
    return frame.filter(pl.col("period") == year).row(0, named=True)


def _all_text(views: list) -> str:
    """Every sentence and table cell a user can read or download."""
    parts = []
    for view in views:
        parts += [view.title, view.summary, *view.all_footnotes]
        parts += [str(c) for row in view.table().rows() for c in row]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# D3 / D4 on group figures, withholding, excluded cells
# ---------------------------------------------------------------------------------------------------------------
def test_group_bases_are_rounded_half_up_to_the_count_base() -> None:
    analysis = iv.analyse(_rate_spec(), cells=_cells(_steady_rows()))
    row = _row(analysis.series, 201920)
    assert row["treated_base"] == 350.0  # 150 + 100 + 100
    assert row["comparison_base"] == 710.0  # 705 rounds half-up to 710 (D3, D8), never 700
    assert row[status_column("treated_base")] is None and row[status_column("comparison_base")] is None
    # Group shares: base-weighted, shown to 1 dp; the gap is from the unrounded shares, rounded the same way.
    assert row["treated_value"] == sdc.round_half_up((150 * 20 + 100 * 30 + 100 * 10) / 350, 0.1)
    assert row["comparison_value"] == sdc.round_half_up((200 * 25 + 200 * 15 + 305 * 5) / 705, 0.1)
    assert row["gap"] == sdc.round_half_up((7000 / 350) - (9525 / 705), 0.1)
    assert analysis.withheld == {}
    assert analysis.excluded.is_empty()


def test_small_group_base_is_c_and_withheld_from_gap_event_study_and_estimate() -> None:
    rows = [r for r in _steady_rows() if not (r[0] == 201819 and r[1] == "Treated")]
    rows += [
        (201819, "Treated", "T1", 5.0, None, 47.0, None),  # the only published treated cell that year: base 5
        (201819, "Treated", "T2", None, "c", None, "c"),
        (201819, "Treated", "T3", 100.0, None, None, "c"),
    ]
    cells = _cells(rows)
    spec = _rate_spec()
    analysis = iv.analyse(spec, cells=cells)
    hidden = _row(analysis.series, 201819)
    assert hidden["treated_base"] is None and hidden[status_column("treated_base")] == "c"  # 5 < min_count (D3)
    assert hidden["treated_value"] is None and hidden[status_column("treated_value")] == "c"  # base hidden
    assert hidden["gap"] is None and hidden[status_column("gap")] == "c"  # treated = gap + comparison otherwise
    assert hidden["in_estimate"] == "No"
    event = _row(analysis.event_study, 201819)
    assert event["change"] is None and event[status_column("change")] == "c"
    assert analysis.withheld == {("treated", 201819): "c"}
    # The estimate rests only on shown group figures: the same as leaving that year out altogether.
    assert analysis.result.pre_periods == (201920,)
    direct = estimate_impact(
        cells.filter(pl.col("time_period") != 201819),
        outcome="benefit_percent",
        kind="rate",
        base="learners",
        time="time_period",
        treated=GroupDefinition("Treated", {"provision": ["Treated"]}),
        comparison=GroupDefinition("Comparison", {"provision": ["Comparison"]}),
        intervention_start=START,
    )
    assert analysis.result.estimate == pytest.approx(direct.estimate)
    # Excluded cells, by symbol and group: the publisher's two `c`s and the withheld cell, matching the estimate.
    excluded = {r["symbol"]: r for r in analysis.excluded.iter_rows(named=True)}
    assert excluded["c"]["treated"] == 2 and excluded["c"]["comparison"] == 0
    assert excluded[iv.WITHHELD]["treated"] == 1
    assert {s: int(r["total"]) for s, r in excluded.items()} == analysis.result.excluded_by_symbol
    views = iv.impact_views(analysis)
    text = _all_text(views)
    assert "47.0%" not in text and "47%" not in text  # the hidden group share (= the lone cell's 47%) is never shown
    excluded_view = iv.view_by_key(views, iv.VIEW_EXCLUDED)
    assert "3 of " in excluded_view.summary and "suppressed to protect confidentiality ('c')" in excluded_view.summary
    assert "Suppressed" in views[1].table().row(0)[1]


def test_leaving_out_exactly_one_suppressed_cell_hides_the_partial_sum() -> None:
    """D6 as sdc.aggregate(published_cells_only=True) applies it: with a total published elsewhere, a group sum
    that leaves out exactly one `c` cell would give that cell away by subtraction; two or more only their sum."""
    one = [r for r in _steady_rows() if not (r[0] == 202122 and r[2] == "C3")]
    one += [(202122, "Comparison", "C3", 305.0, None, None, "c")]
    analysis = iv.analyse(_rate_spec(), cells=_cells(one))
    row = _row(analysis.series, 202122)
    assert row[status_column("comparison_value")] == "c" and row[status_column("comparison_base")] == "c"
    assert row["comparison_base"] is None  # 400 from C1 + C2 would reveal C3's base from a published total
    assert analysis.withheld == {("comparison", 202122): "c"}
    assert 202122 not in analysis.result.post_periods
    two = [r for r in one if not (r[0] == 202122 and r[2] == "C2")]
    two += [(202122, "Comparison", "C2", None, "c", None, "c")]
    shown = _row(iv.analyse(_rate_spec(), cells=_cells(two)).series, 202122)
    assert shown["comparison_base"] == 200.0 and shown[status_column("comparison_value")] is None


def test_share_with_numerator_under_three_is_c_and_never_cited() -> None:
    rows = [r for r in _steady_rows() if not (r[0] == 202223 and r[1] == "Treated")]
    rows += [
        (202223, "Treated", "T1", 20.0, None, 5.0, None),  # estimated numerator 1 + 0 = 1 < 3 (D4)
        (202223, "Treated", "T2", 20.0, None, 0.0, None),
    ]
    analysis = iv.analyse(_rate_spec(), cells=_cells(rows))
    last = _row(analysis.series, 202223)
    assert last["treated_base"] == 40.0 and last[status_column("treated_base")] is None  # the base itself is fine
    assert last["treated_value"] is None and last[status_column("treated_value")] == "c"
    series_view = iv.view_by_key(iv.impact_views(analysis), iv.VIEW_SERIES)
    # The summary moves to the latest year with both figures shown, and says so.
    assert series_view.summary.startswith("In 2021-22 (the latest year with both figures shown)")
    assert "2.5%" not in _all_text(iv.impact_views(analysis))  # (20*5 + 20*0) / 40
    assert analysis.result.post_periods == (202021, 202122)


def test_event_study_has_every_year_relative_to_the_start_and_a_reference_without_interval() -> None:
    analysis = iv.analyse(_rate_spec(), cells=_cells(_steady_rows()))
    frame = analysis.event_study
    assert frame["relative_period"].to_list() == [-2, -1, 0, 1, 2]
    reference = _row(frame, 201920)
    assert reference["change"] == 0.0
    assert reference[status_column("ci_low")] == "z" and reference[status_column("ci_high")] == "z"
    post = _row(frame, 202122)
    assert post["ci_low"] < post["change"] < post["ci_high"]
    assert post["change"] == pytest.approx(5.0, abs=0.15)  # the injected +5 pp, rounded to 1 dp
    view = iv.view_by_key(iv.impact_views(analysis), iv.VIEW_EVENT_STUDY)
    trace = json.loads(view.figure.to_json())["data"][0]
    assert trace["x"] == [-2, -1, 0, 1, 2]
    assert trace["error_y"]["array"][1] is None  # the reference year has no bar
    assert trace["error_y"]["array"][3] == pytest.approx(post["ci_high"] - post["change"])


def test_estimate_view_and_headline_agree_with_the_estimate() -> None:
    analysis = iv.analyse(_rate_spec(), cells=_cells(_steady_rows()))
    views = iv.impact_views(analysis)
    head = iv.headline(views)
    assert head.available
    assert head.estimate == iv.format_effect(analysis.result.estimate, "rate")
    assert head.estimate.startswith("+5.0") or head.estimate.startswith("+4.9") or head.estimate.startswith("+5.1")
    assert head.interval == iv.format_interval(analysis.result.ci_low, analysis.result.ci_high, "rate")
    assert head.estimate_short == iv.format_effect(analysis.result.estimate, "rate", short=True)
    assert head.estimate_short.endswith(" pp") and head.interval_short.endswith(" pp")
    assert any("parallel trends" in c for c in head.caveats)
    assert any("observational" in c for c in head.caveats)
    assert any("rounded" in c for c in head.caveats)
    assert any("mix of providers" in c for c in head.caveats)
    assert head.method.startswith("Difference-in-differences")
    assert head.summary == views[0].summary
    assert [v.key for v in views] == [iv.VIEW_ESTIMATE, iv.VIEW_SERIES, iv.VIEW_EVENT_STUDY, iv.VIEW_EXCLUDED]


def test_series_chart_draws_hidden_values_as_gaps() -> None:
    rows = [r for r in _steady_rows() if not (r[0] == 202021 and r[1] == "Comparison")]
    rows += [(202021, "Comparison", "C1", None, "c", None, "c")]  # every comparison cell that year suppressed
    analysis = iv.analyse(_rate_spec(), cells=_cells(rows))
    view = iv.view_by_key(iv.impact_views(analysis), iv.VIEW_SERIES)
    data = json.loads(view.figure.to_json())["data"]
    comparison, gap = data[1], data[2]
    assert comparison["y"][2] is None and gap["y"][2] is None
    assert all(v is not None for i, v in enumerate(comparison["y"]) if i != 2)
    assert any("not zero" in n for n in view.notes)


# ---------------------------------------------------------------------------------------------------------------
# Earnings: averages of published medians
# ---------------------------------------------------------------------------------------------------------------
EARN_BASE = Indicator("grads_earnings_include", "Graduates with earnings", "base")
MEDIAN = Indicator("earnings_median", "Median earnings", "earnings", "£", 0, base="grads_earnings_include")
LQ = Indicator("earnings_LQ", "Lower quartile earnings", "earnings", "£", 0, base="grads_earnings_include")
UQ = Indicator("earnings_UQ", "Upper quartile earnings", "earnings", "£", 0, base="grads_earnings_include")


def _earnings_cells() -> pl.DataFrame:
    rows = []
    for year in YEARS:
        effect = 1000.0 if year >= START else 0.0
        providers = [("T1", "Treated", 24000.0 + effect, 200.0), ("T2", "Treated", 26000.0 + effect, 100.0)]
        providers += [("C1", "Comparison", 27000.0, 300.0), ("C2", "Comparison", 25000.0, 150.0)]
        # Bases under 11: D5 makes them `c` before use (two of them, so the partial sum may be shown, D6).
        providers += [("C3", "Comparison", 90000.0, 10.0), ("C4", "Comparison", 80000.0, 5.0)]
        for provider, group, median, base in providers:
            if year == 202122 and provider == "T2":
                continue  # one treated cell that year: no average of medians can be shown
            rows.append((year, group, provider, base, median, median - 6000.0, median + 8000.0))
    frame = pl.DataFrame(
        rows,
        schema=[
            "time_period",
            "provision",
            "provider_ukprn",
            "grads_earnings_include",
            "earnings_median",
            "earnings_LQ",
            "earnings_UQ",
        ],
        orient="row",
    )
    return frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(status_column(c))
        for c in ("grads_earnings_include", "earnings_median", "earnings_LQ", "earnings_UQ")
    )


def test_earnings_group_values_are_labelled_averages_rounded_and_need_two_cells() -> None:
    entry = make_entry(
        "earn",
        roles=ROLES,
        filters=("provision",),
        indicators=(EARN_BASE, LQ, MEDIAN, UQ),
        disclosure=DisclosureProfile(),
    )
    analysis = iv.analyse(_rate_spec(entry, outcome=MEDIAN), cells=_earnings_cells())
    first = _row(analysis.series, 201819)
    # (24000*200 + 26000*100) / 300 = 24666.7 -> £24,700; the comparison ignores C3 (base 10 < 11: `c`, D5).
    assert first["treated_value"] == 24700.0
    assert first["comparison_value"] == sdc.round_half_up((27000 * 300 + 25000 * 150) / 450, 100)
    assert all(v % 100 == 0 for v in analysis.series["comparison_value"].drop_nulls().to_list())
    single = _row(analysis.series, 202122)
    assert single["treated_value"] is None and single[status_column("treated_value")] == "x"
    assert single["treated_base"] == 200.0  # the base is a count and may be shown
    assert single[status_column("gap")] == "x"
    assert analysis.withheld == {("treated", 202122): "x"}
    assert 202122 not in analysis.result.post_periods
    excluded = {r["symbol"]: int(r["total"]) for r in analysis.excluded.iter_rows(named=True)}
    assert excluded == {"c": 10, iv.WITHHELD: 1} == analysis.result.excluded_by_symbol
    views = iv.impact_views(analysis)
    series_view = iv.view_by_key(views, iv.VIEW_SERIES)
    assert "average of published medians" in series_view.title.lower()
    assert "analytical, not a published median" in series_view.title
    assert any("analytical, not a published median" in c.label for c in series_view.columns)
    assert any("fewer than 2 published cells" in f for f in series_view.footnotes)
    assert "£90,000" not in _all_text(views) and "£80,000" not in _all_text(views)
    # Quartiles were found beside the median, so the interval uses each cell's interquartile range.
    assert "interquartile range" in iv.headline(views).method
    assert iv.headline(views).estimate == iv.format_effect(analysis.result.estimate, "earnings")
    assert re.fullmatch(r"\+£\d{1},\d00", iv.headline(views).estimate)


# ---------------------------------------------------------------------------------------------------------------
# Through the loader: choices, defaults, validation
# ---------------------------------------------------------------------------------------------------------------
META = [
    ["provision", "Filter", "Type of provision", "", "", "", "", ""],
    ["benefit_learner", "Filter", "Benefit status at start", "", "", "", "", ""],
    ["learners", "Indicator", "Matched learners", "", "", "0", "", ""],
    ["benefit_percent", "Indicator", "On benefits (%)", "", "%", "0", "", ""],
    ["any_learn_percent", "Indicator", "Any learning (%)", "", "%", "0", "", ""],
]
HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "provider_ukprn",
    "provider_name",
    "provision",
    "benefit_learner",
    "learners",
    "benefit_percent",
    "any_learn_percent",
]
PROVIDERS = (
    ("90000001", "Fenwick Vale College"),
    ("90000002", "Northmere College"),
    ("90000003", "Ashby Moor College"),
)


def _fe_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for y, year in enumerate(YEARS):
        for p, (ukprn, name) in enumerate(PROVIDERS):
            for provision, n, rate in (
                ("Total", 400, 12),
                ("Apprenticeship", 200, 8 + p + (3 if year >= START else 0)),
                ("Education & Training", 200, 14 + p),
            ):
                for benefit, share in (("Total", 1.0), ("Benefit learners", 0.5), ("Not on benefits", 0.5)):
                    suppressed = ukprn != "90000001" and provision == "Apprenticeship" and y == 0  # two `c`s
                    symbol = "c" if suppressed else rate
                    learn = 104 if (provision == "Apprenticeship" and p == 0) else 60  # over 100, as in the real file
                    rows.append(
                        [
                            year,
                            "Academic year",
                            "Provider",
                            "E92000001",
                            "England",
                            ukprn,
                            name,
                            provision,
                            benefit,
                            int(n * share),
                            symbol,
                            learn,
                        ]
                    )
    return rows


@pytest.fixture
def fe_table(data_dir):
    path = write_ees(data_dir / "src", "impact_fe", HEADER, _fe_rows(), META)
    return make_entry(
        "impact_fe",
        files=(str(path),),
        roles=ROLES,
        filters=("provision", "benefit_learner"),
        indicators=(
            BASE,
            RATE,
            Indicator("any_learn_percent", "Any learning (%)", "rate", "%", 0, base="learners"),
        ),
        disclosure=FE_PROFILE,
        time_label="Academic year",
    )


def test_choices_come_from_roles_filters_and_metadata(fe_table) -> None:
    dims = iv.dimensions(fe_table)
    assert [d.key for d in dims] == ["provision", "benefit_learner", "provider"]
    assert dims[0].label == "Type of provision"  # from the .meta.csv
    assert iv.outcome_labels(fe_table) == ["On benefits (%)", "Any learning (%)"]
    assert iv.start_options(fe_table) == ["2019-20", "2020-21", "2021-22", "2022-23"]
    assert iv.default_start(fe_table) == "2020-21"
    controls = iv.context_controls(fe_table, dims[0])
    assert [(c.key, c.label, c.default) for c in controls] == [("benefit_learner", "Benefit status at start", "Total")]
    assert iv.group_options(fe_table, dims[0], {}) == ["Apprenticeship", "Education & Training"]
    providers = iv.group_options(fe_table, dims[2], {})
    assert providers == [
        "Ashby Moor College (90000003)",
        "Fenwick Vale College (90000001)",
        "Northmere College (90000002)",
    ]
    assert iv.default_groups(dims[2], providers) == (["Ashby Moor College (90000003)"], [iv.ALL_OTHERS])
    assert iv.is_eligible(fe_table)
    assert not iv.is_eligible(make_entry("no_rates", indicators=(BASE,)))


def test_default_views_match_estimate_impact_on_the_same_cells(fe_table) -> None:
    views = iv.build_impact_views({"outcome": ["On benefits (%)"]}, tables=[fe_table])
    frame = query.select(
        fe_table,
        {"provision": ["Apprenticeship", "Education & Training"]},
        columns=["time", "provider_id", "provision", "benefit_percent", "learners"],
    )
    direct = estimate_impact(
        frame,
        outcome="benefit_percent",
        kind="rate",
        base="learners",
        time="time_period",
        treated=GroupDefinition("Apprenticeship", {"provision": ["Apprenticeship"]}),
        comparison=GroupDefinition("Education & Training", {"provision": ["Education & Training"]}),
        intervention_start=START,
    )
    head = iv.headline(views)
    assert head.estimate == iv.format_effect(direct.estimate, "rate")
    assert direct.estimate == pytest.approx(3.0, abs=0.5)  # the +3 pp built in; one suppressed cell shifts the mix
    assert head.interval == iv.format_interval(direct.ci_low, direct.ci_high, "rate")
    excluded = iv.view_by_key(views, iv.VIEW_EXCLUDED)
    assert excluded.frame.select("symbol", "treated", "comparison").rows() == [("c", 2.0, 0.0), ("", 13.0, 15.0)]
    assert excluded.table().row(1)[0] == "Used in the estimate"
    assert excluded.summary.startswith("2 of 30 cells in the two groups were left out")
    series = iv.view_by_key(views, iv.VIEW_SERIES)
    assert series.filters[0] == ("Outcome", "On benefits (%)")
    assert "(benefit status at start: Total)" in series.title and "academic years 2018-19 to 2022-23" in series.title


def test_params_round_trip_and_providers_by_bare_ukprn(fe_table) -> None:
    params = {"treat_by": ["provider"], "treated": ["90000001"], "comparison": [iv.ALL_OTHERS], "start": ["2021-22"]}
    spec = iv.resolve_spec(params, tables=[fe_table])
    assert spec.treated == ("Fenwick Vale College (90000001)",)
    assert spec.comparison == ("Ashby Moor College (90000003)", "Northmere College (90000002)")
    assert spec.params()["comparison"] == [iv.ALL_OTHERS]
    again = iv.resolve_spec(spec.params(), tables=[fe_table])
    assert again == spec
    views = iv.build_impact_views(spec.params(), tables=[fe_table])
    assert "Fenwick Vale College relative to all other providers" in views[0].title
    assert views[0].filters[3] == ("Comparison group", "all other providers")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"treated": ["Apprenticeship"], "comparison": ["Apprenticeship"]}, "groups overlap"),
        ({"treated": []}, "Choose at least one item for the treated group (type of provision)"),
        ({"comparison": []}, "Choose at least one item for the comparison group"),
        ({"treated": ["zzz"]}, "'zzz', which is not among the type of provision"),
        ({"start": ["1999"]}, "must be one of the years after the first year of data (2019-20 to 2022-23)"),
        ({"start": ["2018-19"]}, "must be one of the years"),
        ({"table": ["nope"]}, "no approved table 'nope'"),
        ({"outcome": ["bogus"]}, "no outcome 'bogus'"),
        ({"treat_by": ["subject"]}, "Groups cannot be formed by 'subject'"),
        ({"benefit_learner": ["Sometimes"]}, "Benefit status at start 'Sometimes' is not in this table"),
        ({"treated": ["Apprenticeship", "Education & Training"], "comparison": [iv.ALL_OTHERS]}, "nothing left"),
        ({"outcome": ["Any learning (%)"], "treat_by": ["provision"]}, "outside 0-100"),
    ],
)
def test_problems_are_plain_messages(fe_table, params: dict, message: str) -> None:
    with pytest.raises(iv.ImpactInputError) as info:
        iv.build_impact_views(params, tables=[fe_table])
    assert re.search(message, str(info.value)) or message in str(info.value)
    assert isinstance(info.value, ValueError)  # the briefing pack reports ValueErrors as "can no longer be shown"


def test_one_year_of_data_is_a_plain_message(data_dir) -> None:
    rows = [r for r in _fe_rows() if r[0] == 202223]
    entry = make_entry(
        "one_year",
        files=(str(write_ees(data_dir / "src", "one_year", HEADER, rows, META)),),
        roles=ROLES,
        filters=("provision", "benefit_learner"),
        indicators=(BASE, RATE),
        disclosure=FE_PROFILE,
    )
    with pytest.raises(iv.ImpactInputError, match="only one year of data"):
        iv.build_impact_views({}, tables=[entry])


# ---------------------------------------------------------------------------------------------------------------
# Published aggregate rows are preferred to sums of provider rows (D3)
# ---------------------------------------------------------------------------------------------------------------
SUBJECT_META = [
    ["subject_name", "Filter", "Subject", "", "", "", "", ""],
    ["grads", "Indicator", "Graduates", "", "", "0", "", ""],
    ["emp_rate", "Indicator", "Sustained employment (%)", "", "%", "1", "", ""],
]


@pytest.fixture
def two_level_table(data_dir):
    national_header = [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "subject_name",
        "grads",
        "emp_rate",
    ]
    provider_header = national_header[:5] + ["provider_ukprn", "provider_name"] + national_header[5:]
    national, provider = [], []
    for year in YEARS:
        for subject, rate in (("Total", 70.0), ("Computing", 72.5), ("Law", 68.0)):
            national.append([year, "Tax year", "National", "E92000001", "England", subject, 5000, rate])
            for ukprn, name in PROVIDERS[:2]:
                provider.append([year, "Tax year", "Provider", "E92000001", "England", ukprn, name, subject, 100, 50.0])
    files = (
        str(write_ees(data_dir / "src", "grad_national", national_header, national, SUBJECT_META)),
        str(write_ees(data_dir / "src", "grad_provider", provider_header, provider, SUBJECT_META)),
    )
    return make_entry(
        "grad_two_level",
        files=files,
        roles={**ROLES, "subject": "subject_name"},
        indicators=(
            Indicator("grads", "Graduates", "base"),
            Indicator("emp_rate", "Sustained employment (%)", "rate", "%", 1, base="grads"),
        ),
        disclosure=DisclosureProfile(count_base=5),
        time_label="Tax year",
    )


def test_groups_use_published_national_rows_when_they_exist(two_level_table) -> None:
    spec = iv.resolve_spec({"treat_by": ["subject"]}, tables=[two_level_table])
    assert (spec.treated, spec.comparison) == (("Computing",), ("Law",))
    cells = iv.select_cells(spec)
    assert cells["provider_ukprn"].null_count() == cells.height == 10  # national rows only, one per group-year
    analysis = iv.analyse(spec)
    assert analysis.series["treated_value"].to_list() == [72.5] * 5  # the published figure, not provider rows (50%)
    assert analysis.series["treated_base"].to_list() == [5000.0] * 5
    provider_spec = iv.resolve_spec({"treat_by": ["provider"]}, tables=[two_level_table])
    assert iv.select_cells(provider_spec)["provider_ukprn"].null_count() == 0


# ---------------------------------------------------------------------------------------------------------------
# Committed tables: characteristic groups and nested breakdowns
# ---------------------------------------------------------------------------------------------------------------
COMMITTED = load_catalogue(paths.PROJECT_ROOT / "data")


def test_characteristic_groups_are_of_one_characteristic() -> None:
    entry = COMMITTED.get("demo_school_college_destinations")
    dimension = iv.dimension_for(entry, "characteristic")
    items = iv.group_options(entry, dimension, {})
    assert "Sex: Female" in items and not any(i.startswith("Total") for i in items)
    treated, comparison = iv.default_groups(dimension, items)
    assert treated[0].split(": ")[0] == comparison[0].split(": ")[0]
    with pytest.raises(iv.ImpactInputError, match="counted twice"):
        iv.build_impact_views(
            {
                "table": [entry.id],
                "treat_by": ["characteristic"],
                "treated": ["Sex: Female"],
                "comparison": ["FSM: FSM eligible"],
            },
            tables=[entry],
        )
    views = iv.build_impact_views(
        {"table": [entry.id], "treat_by": ["characteristic"], "treated": ["Sex: Female"], "comparison": ["Sex: Male"]},
        tables=[entry],
    )
    assert "Female relative to Male" in views[0].title
    # Other breakdowns stay pinned: the characteristic control is not offered when groups are characteristics.
    assert [c.key for c in iv.context_controls(entry, dimension)] == ["leaver_stage"]


def test_nested_breakdown_is_pinned_where_the_groups_exist(reference_dir) -> None:
    entry = COMMITTED.get("fe_community_learning")
    age_group = iv.dimension_for(entry, "age_group")
    controls = {c.key: c.default for c in iv.context_controls(entry, age_group)}
    # Age groups are only published within '19 and over' (and '18 and under'), never under its Total.
    assert controls["age_youth_adult"] == "19 and over"
    assert iv.group_options(entry, age_group, controls) == ["19 - 24", "25 - 49", "50 and over"]
    assert iv.headline(
        iv.build_impact_views({"table": [entry.id], "treat_by": ["age_group"]}, tables=[entry])
    ).available


def test_a_briefing_item_rebuilds_the_same_view(fe_table) -> None:
    from leo_dash import briefing

    params = {"treat_by": ["provider"], "treated": ["90000001"], "comparison": [iv.ALL_OTHERS]}
    spec = iv.resolve_spec(params, tables=[fe_table])
    shown = iv.build_impact_views(spec.params(), tables=[fe_table])
    for view in shown:
        ref = briefing.ItemRef.make(iv.PAGE_KEY, spec.params(), view.key)
        rebuilt = briefing.rebuild(briefing.Basket.decode(briefing.Basket(items=[ref]).encode()).items[0], [fe_table])
        assert rebuilt.title == view.title and rebuilt.summary == view.summary
        assert rebuilt.table().equals(view.table())

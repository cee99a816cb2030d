"""Subject ranking (issue 14, item 1): every subject ranked on one chart, the all-subjects row as a reference line,
suppressed subjects as gaps; the page (AppTest) shows exactly what the library builds."""

from __future__ import annotations

import html

import polars as pl
import pytest

from leo_dash import ui
from leo_dash.analyses import earnings, subject_ranking
from leo_dash.analyses.subject_ranking import RANK, REFERENCE_LABEL, RankingSpec
from leo_dash.core import paths, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from tests.apptest_pages import assert_clean, open_page, plotly_specs

SUBJECT = earnings.SUBJECT
MEDIAN, LQ, UQ = "earnings_median", "earnings_lq", "earnings_uq"


@pytest.fixture(scope="module")
def entry():
    return load_catalogue(paths.PROJECT_ROOT / "data").get("demo_graduate_outcomes")


@pytest.fixture(scope="module")
def options(entry):
    return earnings.table_options(entry)


def _published(entry, period: int, yag: str, provider: str | None) -> pl.DataFrame:
    """The published cells straight from the table: subject -> median and its symbol."""
    pid = str(entry.role("provider_id"))
    subject = str(entry.role("subject"))
    rows = query.select(
        entry,
        {
            str(entry.role("time")): [period],
            str(entry.role("years_after")): [yag],
            subject: query.distinct_values(entry, subject),
        },
    )
    rows = rows.filter(pl.col(pid).is_null() if provider is None else pl.col(pid).cast(pl.String) == provider)
    return rows.select(pl.col(str(entry.role("subject"))).cast(pl.String).alias(SUBJECT), MEDIAN, status_column(MEDIAN))


def test_default_ranks_every_subject_by_median_with_total_as_reference(entry, options) -> None:
    spec, notes = subject_ranking.spec_from_params(entry, {})
    assert notes == []
    assert (spec.years_after, spec.period, spec.sort, spec.provider) == ("5", options.latest_period, "median", None)
    frame, measure, total = subject_ranking.ranking_frame(entry, spec)
    assert total == "Total"
    subjects = frame.filter(pl.col(SUBJECT) != REFERENCE_LABEL)
    assert "Total" not in subjects[SUBJECT].to_list()
    assert sorted(subjects[SUBJECT].to_list()) == sorted(s for s in options.subjects if s != "Total")
    assert frame[SUBJECT][-1] == REFERENCE_LABEL and frame[RANK][-1] == ""
    medians = subjects[MEDIAN].to_list()
    shown = [m for m in medians if m is not None]
    assert shown == sorted(shown, reverse=True) and len(shown) > 20
    # Subjects without a published median come after every ranked one, unranked.
    first_gap = next((i for i, m in enumerate(medians) if m is None), len(medians))
    assert all(m is None for m in medians[first_gap:])
    assert all(r == "" for r in subjects[RANK].to_list()[first_gap:])
    assert subjects[RANK].to_list()[0] == "1"


def test_figures_are_the_published_cells_and_suppressed_ones_are_gaps(entry, options) -> None:
    spec, _ = subject_ranking.spec_from_params(entry, {})
    frame, _, _ = subject_ranking.ranking_frame(entry, spec)
    published = _published(entry, spec.period, "5", None)
    by_subject = {s: (v, st) for s, v, st in published.iter_rows()}
    suppressed = 0
    for subject, value, status in frame.select(SUBJECT, MEDIAN, status_column(MEDIAN)).iter_rows():
        source = by_subject["Total" if subject == REFERENCE_LABEL else subject]
        if source[1] is not None:  # a symbol in the table stays a gap with its symbol, never a number or a zero
            assert value is None and status is not None
            suppressed += 1
        else:
            assert value == source[0] and status is None
    assert suppressed >= 1, "the demo table suppresses at least one subject's median here"


@pytest.mark.parametrize(("sort", "column"), [("lq", LQ), ("uq", UQ)])
def test_sorting_by_a_quartile(entry, sort: str, column: str) -> None:
    spec, _ = subject_ranking.spec_from_params(entry, {"sort": [sort]})
    frame, _, _ = subject_ranking.ranking_frame(entry, spec)
    values = [v for v in frame.filter(pl.col(SUBJECT) != REFERENCE_LABEL)[column].to_list() if v is not None]
    assert values == sorted(values, reverse=True)
    by_median = subject_ranking.ranking_frame(entry, RankingSpec(**{**spec.__dict__, "sort": "median"}))[0]
    assert frame[SUBJECT].to_list() != by_median[SUBJECT].to_list()  # a different order, same subjects
    assert sorted(frame[SUBJECT].to_list()) == sorted(by_median[SUBJECT].to_list())


def test_sorting_by_name_keeps_ranks_by_median(entry) -> None:
    spec, _ = subject_ranking.spec_from_params(entry, {"sort": ["name"]})
    frame, _, _ = subject_ranking.ranking_frame(entry, spec)
    names = frame.filter(pl.col(SUBJECT) != REFERENCE_LABEL)[SUBJECT].to_list()
    assert names == sorted(names, key=str.lower)
    ranked = frame.filter(pl.col(RANK) != "").sort(pl.col(RANK).cast(pl.Int64))
    medians = ranked[MEDIAN].to_list()
    assert medians == sorted(medians, reverse=True)


def test_one_provider_ranks_only_its_own_subjects(entry, options) -> None:
    provider = options.providers[0][0]
    spec, notes = subject_ranking.spec_from_params(entry, {"provider": [provider], "yag": ["3"]})
    assert notes == [] and spec.provider == provider
    frame, _, _ = subject_ranking.ranking_frame(entry, spec)
    offered = set(earnings.provider_subjects(entry, provider)) - {"Total"}
    assert set(frame.filter(pl.col(SUBJECT) != REFERENCE_LABEL)[SUBJECT].to_list()) == offered
    # What Subject earnings shows for this provider, subject by subject, this page shows too (same protection:
    # a published median on too small a base is hidden on both).
    ranked = dict(frame.select(SUBJECT, MEDIAN).iter_rows())
    subjects = sorted(offered) + ["Total"]
    for start in range(0, len(subjects), earnings.MAX_SUBJECTS // 2):
        chunk = tuple(subjects[start : start + earnings.MAX_SUBJECTS // 2])
        data = earnings.earnings_data(
            entry,
            earnings.EarningsSpec(entry.id, MEDIAN, chunk, years_after=("3",), period=spec.period, provider=provider),
        )
        own = data.frame.filter(~pl.col(earnings.NATIONAL))
        for subject, value in own.select(SUBJECT, MEDIAN).iter_rows():
            assert ranked[REFERENCE_LABEL if subject == "Total" else subject] == value, subject


def test_chart_draws_subjects_as_gaps_and_the_reference_line(entry) -> None:
    spec, _ = subject_ranking.spec_from_params(entry, {})
    view = subject_ranking.ranking_view(entry, spec)
    figure = view.figure.to_plotly_json()
    [median] = [t for t in figure["data"] if t["meta"]["role"] == "median"]
    subjects = view.frame.filter(pl.col(SUBJECT) != REFERENCE_LABEL)
    assert [html.unescape(y) for y in median["y"]] == subjects[SUBJECT].to_list()
    assert list(median["x"]) == subjects[MEDIAN].to_list()  # None where suppressed: a gap, never 0
    assert None in list(median["x"]) and 0 not in list(median["x"])
    total = view.frame.filter(pl.col(SUBJECT) == REFERENCE_LABEL)[MEDIAN][0]
    [line] = [s for s in figure["layout"]["shapes"] if s.get("x0") == total]
    assert line["line"]["dash"] == "dash"
    assert any("All subjects: £" in a.get("text", "") for a in figure["layout"]["annotations"])
    # The earnings axis reads as money, like the provider profile's dot plot (a stray comment once swallowed these).
    xaxis = figure["layout"]["xaxis"]
    assert (xaxis["tickprefix"], xaxis["tickformat"], xaxis["showgrid"]) == ("£", ",.0f", True)
    assert "Gaps in the chart are not zero" in " ".join(view.notes)
    assert "five years after graduation" in view.title and "cash terms" in view.title
    top = subjects.row(0, named=True)
    assert f"graduates of {top[SUBJECT]} had the highest median earnings five years after graduation" in view.summary


def test_bad_link_values_fall_back_with_notes(entry, options) -> None:
    spec, notes = subject_ranking.spec_from_params(
        entry, {"yag": ["7"], "year": ["1999-00"], "sort": ["evil"], "provider": ["99999999"], "measure": ["x"]}
    )
    assert (spec.years_after, spec.period, spec.sort, spec.provider) == ("5", options.latest_period, "median", None)
    assert len(notes) == 5


@pytest.mark.usefixtures("fresh_app")
def test_page_shows_exactly_the_library_view(entry) -> None:
    params = {"table": "demo_graduate_outcomes", "yag": "10", "sort": "uq", "year": "2021-22"}
    at = open_page("pages/subject_ranking.py", params)
    assert_clean(at)
    spec, notes = subject_ranking.spec_from_params(entry, {k: [v] for k, v in params.items()})
    assert notes == []
    view = subject_ranking.ranking_view(entry, spec)
    [figure] = plotly_specs(at)
    [median] = [t for t in figure["data"] if t["meta"]["role"] == "median"]
    assert list(median["x"]) == view.frame.filter(pl.col(SUBJECT) != REFERENCE_LABEL)[MEDIAN].to_list()
    assert ui.plain(view.summary) in [m.value for m in at.markdown]
    assert at.sidebar.selectbox(key="yag").value == "10"


@pytest.mark.usefixtures("fresh_app")
def test_briefing_rebuilds_the_same_view(entry) -> None:
    from leo_dash import briefing
    from leo_dash.briefing import ItemRef

    params = {"table": ["demo_graduate_outcomes"], "yag": ["3"], "sort": ["name"]}
    spec, _ = subject_ranking.spec_from_params(entry, params)
    shown = subject_ranking.ranking_view(entry, spec)
    ref = ItemRef.make(
        subject_ranking.PAGE, subject_ranking.spec_params(spec, earnings.table_options(entry)), shown.key
    )
    rebuilt = briefing.rebuild(ref, [entry])
    assert rebuilt.frame.equals(shown.frame) and rebuilt.summary == shown.summary

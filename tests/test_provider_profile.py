"""Provider profile (issue 14, item 2): one provider across every table that holds it. Positions agree with what
Institution performance shows, subject earnings agree with Subject ranking (suppression included), the sentences
count what the tables show, bad links fall back with a note, and the page (AppTest) shows what the library builds."""

from __future__ import annotations

import polars as pl
import pytest

from leo_dash.analyses import funnel, institutions, provider_profile, subject_ranking
from leo_dash.analyses import registry as analyses
from leo_dash.analyses.provider_profile import (
    ABOVE,
    ALL_SUBJECTS,
    BELOW,
    COMPARED,
    NATIONAL_MEDIAN,
    PROVIDER_MEDIAN,
    SAME,
    SUBJECT,
)
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from tests.apptest_pages import open_page, plotly_specs

DEMO_PROVIDER = "90000019"  # Alderwick Vale College: in the graduate, benefit-claim and destinations demo tables
REAL_PROVIDER = "10000055"  # ABINGDON AND WITNEY COLLEGE: in both published FE tables


@pytest.fixture(scope="module")
def tables():
    return list(load_catalogue(paths.PROJECT_ROOT / "data"))


def _by_id(tables, table_id):
    return next(e for e in tables if e.id == table_id)


def test_directory_lists_providers_of_demo_and_real_tables_once_by_name(tables) -> None:
    directory = provider_profile.provider_directory(tables)
    assert DEMO_PROVIDER in directory and REAL_PROVIDER in directory
    names = list(directory.values())
    assert names == sorted(names, key=str.lower)
    every = set()
    for entry in tables:
        if institutions.supports(entry):
            every |= set(institutions.provider_names(entry))
    assert set(directory) == every
    assert provider_profile.default_provider(tables, directory) in institutions.provider_names(
        _by_id(tables, "demo_benefit_claims")
    )


def test_outcomes_cover_every_table_holding_the_provider_headline_first_then_benefit_rates(tables) -> None:
    outcomes = provider_profile.outcomes_for(tables, REAL_PROVIDER)
    assert {o.entry.id for o in outcomes} == {"fe_provider_benefits", "fe_community_learning"}
    kinds = [provider_profile.benefits.is_benefit_rate(o.indicator) for o in outcomes]
    assert kinds == sorted(kinds) and any(kinds) and not all(kinds)
    assert all(o.indicator.kind == "rate" for o in outcomes)
    assert len({o.key for o in outcomes}) == len(outcomes)


@pytest.mark.parametrize("provider", [DEMO_PROVIDER, REAL_PROVIDER])
def test_each_position_is_what_institution_performance_shows(tables, provider) -> None:
    for outcome in provider_profile.outcomes_for(tables, provider):
        where = provider_profile.position(outcome, provider)
        views = institutions.build_views(outcome.entry, where.spec)
        ranked = views.ranked.frame
        mine = ranked.filter(pl.col(institutions.MEMBER) == provider)
        column = outcome.indicator.column
        assert mine.height == 1
        assert mine[status_column(column)][0] == where.status
        if where.status is None:
            assert mine[column][0] == where.value
            assert mine[institutions.RANK][0] == str(where.rank)
        else:
            assert where.value is None and where.rank is None
        assert where.ranked == ranked.filter(pl.col(institutions.RANK) != "").height
        if views.funnel is not None:
            placed = views.funnel.frame.filter(pl.col(institutions.MEMBER) == provider)
            assert placed[institutions.POSITION][0] == where.funnel_position
        else:
            assert where.funnel_position is None


def test_a_provider_with_a_suppressed_figure_has_no_rank_and_no_figure_in_words(tables) -> None:
    entry = _by_id(tables, "demo_benefit_claims")
    outcome = provider_profile.Outcome(entry, entry.indicator("claim_rate"))
    spec = provider_profile.outcome_spec(outcome, DEMO_PROVIDER)
    frame = institutions.comparison(entry, spec).year(spec.period)
    suppressed = frame.filter(
        (pl.col(institutions.MEMBER) != institutions.BENCHMARK_KEY) & pl.col(status_column("claim_rate")).is_not_null()
    )
    assert suppressed.height > 0, "the demo table should hold a suppressed provider figure"
    provider = suppressed[institutions.MEMBER][0]
    where = provider_profile.position(outcome, provider)
    assert where.rank is None and where.value is None and where.status == suppressed[status_column("claim_rate")][0]
    sentence = provider_profile.position_sentence(where, "X")
    assert "has no published figure" in sentence and "ranks" not in sentence
    view = provider_profile.outcomes_view([where], "X", provider)
    assert view is not None
    row = view.data().row(0, named=True)
    assert row["X (%)"] is None and row["X (%) status"] == where.status
    assert view.table()["Rank among providers"][0] == ""


def test_subjects_agree_with_subject_ranking_for_provider_and_nation(tables) -> None:
    entry = _by_id(tables, "demo_graduate_outcomes")
    choice, notes = provider_profile.subject_choice(entry, {})
    assert notes == [] and choice.years_after == "5"
    frame, measure = provider_profile.subjects_frame(entry, DEMO_PROVIDER, choice)
    median = measure.median.column

    def ranking(who):
        spec = subject_ranking.RankingSpec(entry.id, median, choice.period, choice.years_after, provider=who)
        return subject_ranking.ranking_frame(entry, spec)[0]

    own, national = ranking(DEMO_PROVIDER), ranking(None)
    assert sorted(frame[SUBJECT].to_list()) == sorted(own[SUBJECT].to_list())
    mine = frame.join(own, on=SUBJECT).join(national, on=SUBJECT, suffix="_nat")
    for row in mine.iter_rows(named=True):
        assert row[PROVIDER_MEDIAN] == row[median]
        assert row[status_column(PROVIDER_MEDIAN)] == row[status_column(median)]
        assert row[NATIONAL_MEDIAN] == row[f"{median}_nat"]
        assert row[status_column(NATIONAL_MEDIAN)] == row[f"{status_column(median)}_nat"]
        if row[PROVIDER_MEDIAN] is None or row[NATIONAL_MEDIAN] is None:
            assert row[COMPARED] == "Cannot compare"  # never 'above'/'below' against a hidden figure
        else:
            expected = (
                ABOVE
                if row[PROVIDER_MEDIAN] > row[NATIONAL_MEDIAN]
                else (BELOW if row[PROVIDER_MEDIAN] < row[NATIONAL_MEDIAN] else SAME)
            )
            assert row[COMPARED] == expected
    assert frame[SUBJECT][-1] == ALL_SUBJECTS
    shown = [v for v in frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)[PROVIDER_MEDIAN].to_list() if v is not None]
    assert shown == sorted(shown, reverse=True)


def test_subjects_sentence_counts_what_the_table_shows(tables) -> None:
    entry = _by_id(tables, "demo_graduate_outcomes")
    directory = institutions.provider_names(entry)
    checked = 0
    for provider in list(directory)[:8]:
        for yag in ("1", "5", "10"):
            choice, _ = provider_profile.subject_choice(entry, {"yag": [yag]})
            frame, _ = provider_profile.subjects_frame(entry, provider, choice)
            subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)
            above = subjects.filter(pl.col(COMPARED) == ABOVE).height
            compared = subjects.filter(pl.col(COMPARED) != "Cannot compare").height
            sentence = provider_profile.subjects_summary(frame, directory[provider], yag=yag, year="2023-24")
            if compared:
                assert f"above the national median for the subject in {above} of {compared} subject" in sentence
                checked += 1
            else:
                assert "none can be compared" in sentence
            if subjects.height > compared:
                assert f"{subjects.height - compared} further subject" in sentence
    assert checked > 5


def test_subject_chart_draws_gaps_for_hidden_figures_never_zero(tables) -> None:
    entry = _by_id(tables, "demo_graduate_outcomes")
    choice, _ = provider_profile.subject_choice(entry, {})
    view = provider_profile.subjects_view(entry, DEMO_PROVIDER, "Alderwick Vale College", choice)
    assert view.figure is not None
    traces = {t.meta["role"]: t for t in view.figure.data}
    frame = view.frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)
    assert list(traces["provider"].x) == frame[PROVIDER_MEDIAN].to_list()
    assert list(traces["national"].x) == frame[NATIONAL_MEDIAN].to_list()
    assert None in list(traces["provider"].x) and 0 not in list(traces["provider"].x)
    # provider and national are told apart by shape as well as colour
    assert traces["provider"].marker.symbol != traces["national"].marker.symbol
    data = view.data()
    assert data.schema["Alderwick Vale College (£, cash terms)"] == pl.Float64  # downloads hold numbers


def test_profile_of_a_real_fe_provider(tables) -> None:
    profile = provider_profile.build_profile(tables, {"provider": [REAL_PROVIDER]})
    assert profile.name == "ABINGDON AND WITNEY COLLEGE" and profile.notes == ()
    assert profile.subjects is None  # no earnings by subject in the FE tables
    assert profile.overview is not None and profile.detail is not None
    assert profile.outcome is not None and not provider_profile.benefits.is_benefit_rate(profile.outcome.indicator)
    summary = profile.overview.summary
    assert summary.count("ABINGDON AND WITNEY COLLEGE ranks") + summary.count("has no published figure") == len(
        profile.outcomes
    )
    assert any(p in summary for p in ("limits", "funnel"))
    # the detail charts highlight the provider
    assert REAL_PROVIDER in profile.detail.comparison.spec.providers


def test_facts_line_names_id_type_and_region_with_the_type_explained(tables) -> None:
    profile = provider_profile.build_profile(tables, {"provider": [DEMO_PROVIDER]})
    line, glossary = provider_profile.facts_line(profile, provider_profile.tables_holding(tables, DEMO_PROVIDER))
    assert line == "UKPRN 90000019 · Provider type: FEC · Region: London"
    assert glossary is not None and glossary.startswith("FEC: further education college")
    labels, years_after, default_yag = provider_profile.subject_choices(_by_id(tables, "demo_graduate_outcomes"))
    assert labels[0] == "2023-24" and default_yag == "5" and "5" in years_after


def test_bad_link_values_fall_back_with_a_note(tables) -> None:
    profile = provider_profile.build_profile(
        tables, {"provider": ["<script>"], "outcome": ["nope:nothing"], "year": ["1066-67"], "yag": ["99"]}
    )
    assert profile.provider == provider_profile.default_provider(tables, provider_profile.provider_directory(tables))
    text = " ".join(profile.notes)
    for fragment in ("provider '<script>'", "outcome 'nope:nothing'", "year '1066-67'", "years after graduation '99'"):
        assert fragment in text


def test_no_provider_table_is_a_clear_error() -> None:
    with pytest.raises(LookupError, match="no provider to profile"):
        provider_profile.build_profile([], {})


def test_briefing_rebuilds_the_same_views(tables) -> None:
    params = {"provider": [DEMO_PROVIDER], "yag": ["3"], "outcome": ["demo_benefit_claims:claim_rate"]}
    profile = provider_profile.build_profile(tables, params)
    link = provider_profile.profile_params(profile)
    assert link["outcome"] == ["demo_benefit_claims:claim_rate"] and link["yag"] == ["3"]
    rebuilt = analyses.BY_KEY[provider_profile.PAGE].build_views(link, tables)
    assert [v.key for v in rebuilt] == [v.key for v in profile.views()]
    for a, b in zip(rebuilt, profile.views(), strict=True):
        assert a.title == b.title and a.summary == b.summary and a.frame.equals(b.frame)


def test_institutions_link_reopens_the_detail_with_the_provider_highlighted(tables) -> None:
    profile = provider_profile.build_profile(tables, {"provider": [DEMO_PROVIDER]})
    link = provider_profile.institutions_link(profile)
    assert link["provider"] == [DEMO_PROVIDER] and link["table"] == [profile.outcome.entry.id]
    entry = profile.outcome.entry
    assert institutions.spec_from_params(entry, link) == profile.detail.comparison.spec


def test_funnel_words_cover_every_outside_position() -> None:
    assert set(provider_profile.FUNNEL_WORDS) == set(funnel.OUTSIDE)


# ---------------------------------------------------------------------------------------------------- page


def test_page_shows_the_profile_the_library_builds(fresh_app, tables) -> None:
    at = open_page("pages/provider.py", {"provider": REAL_PROVIDER})
    profile = provider_profile.build_profile(tables, {"provider": [REAL_PROVIDER]})
    headers = [h.value for h in at.header]
    assert headers[0] == "ABINGDON AND WITNEY COLLEGE"
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert profile.overview.summary.split(": ")[-1][:60] in text
    assert "Synthetic demo data" not in " ".join(w.value for w in at.warning)  # real tables only
    assert len(plotly_specs(at)) == 3  # ranking, funnel, trend (no subject earnings for FE)


def test_page_records_every_table_it_reads(fresh_app, tmp_path) -> None:
    from leo_dash.governance import audit

    open_page("pages/provider.py", {"provider": REAL_PROVIDER})
    records = [r for r in audit.read_records(tmp_path / "audit").records if r["event"] == "page_view"]
    tables = {r.get("table") for r in records if r.get("page") == provider_profile.PAGE}
    assert {"fe_provider_benefits", "fe_community_learning"} <= tables


def test_page_switching_provider_keeps_a_valid_outcome_without_a_note(fresh_app) -> None:
    at = open_page("pages/provider.py", {"provider": DEMO_PROVIDER, "outcome": "demo_benefit_claims:claim_rate"})
    outcome = at.sidebar.selectbox(key="_labelled_outcome")
    assert outcome.value == "demo_benefit_claims:claim_rate"
    at.sidebar.selectbox(key="_labelled_provider").set_value(REAL_PROVIDER).run()
    assert not at.exception and not at.error
    assert at.sidebar.selectbox(key="_labelled_outcome").value.startswith("fe_")
    assert not at.info or all("link" not in i.value for i in at.info)
    assert at.header[0].value == "ABINGDON AND WITNEY COLLEGE"


def test_home_question_links_to_the_profile(fresh_app) -> None:
    at = open_page("pages/home.py")
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert links["How does a provider compare with its peers?"] == "provider"


def test_page_finds_a_provider_by_part_of_its_name(fresh_app) -> None:
    """Issue 15, item 3: the picker offers the matches of a search (a part of the name, any case), at most 50 plus
    the chosen one, and the provider chosen from them is profiled and kept in the link."""
    at = open_page("pages/provider.py")
    assert len(at.sidebar.selectbox(key="_labelled_provider").options) <= 51
    at.sidebar.text_input(key="_search_provider").input("and witney").run()
    picker = at.sidebar.selectbox(key="_labelled_provider")
    assert "ABINGDON AND WITNEY COLLEGE (10000055)" in picker.options
    assert all("WITNEY" in o.upper() for o in picker.options[1:])  # the default provider first, then matches
    picker.set_value(REAL_PROVIDER).run()
    assert not at.exception and not at.error
    assert at.header[0].value == "ABINGDON AND WITNEY COLLEGE"
    assert at.query_params.get("provider") in (REAL_PROVIDER, [REAL_PROVIDER])

"""Institution performance logic (no Streamlit): benchmarks (published first, else derived under D4/D6), peer groups,
secondary suppression, ranking, missing combinations, summary sentences, titles and the figures' data."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from leo_dash.analyses import funnel, institutions
from leo_dash.analyses.institutions import BENCHMARK_KEY, MEMBER, RANK, InstitutionSpec
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import Indicator, status_column
from leo_dash.present import sentences
from leo_dash.sdc import round_half_up
from tests.conftest import make_entry
from tests.test_institutions_fixture import (
    ALPHA,
    BETA,
    DELTA,
    EPSILON,
    ETA,
    GAMMA,
    IOTA,
    PROVIDER_CELLS,
    PROVIDERS,
    THETA,
    ZETA,
    make_table,
)

RATE = "sust_emp"
STATUS = status_column(RATE)


@pytest.fixture
def national(data_dir: Path):
    return make_table(data_dir)


@pytest.fixture
def providers_only(data_dir: Path):
    return make_table(data_dir, national=False)


def spec_for(entry, **changes: object) -> InstitutionSpec:
    return replace(InstitutionSpec(entry.id, RATE, 202223, "5", "Total"), **changes)


def published_weighted_rate(year: int, members: list[str]) -> float:
    """The D4 derivation done by hand: published rates weighted by their published bases, to 1 dp half-up."""
    cells = PROVIDER_CELLS[(year, "Total", "5")]
    pairs = [(cells[m][0], cells[m][1]) for m in members if m in cells]
    shown = [(float(r), float(b)) for r, b in pairs if r != "c" and b != "c"]
    return round_half_up(sum(r * b for r, b in shown) / sum(b for _, b in shown), 0.1)


def row(result: institutions.Comparison, year: int, member: str) -> dict:
    [found] = result.year(year).filter(pl.col(MEMBER) == member).to_dicts()
    return found


# ---------------------------------------------------------------- which tables


def test_supports_provider_tables_only(reference_dir: Path) -> None:
    committed = load_catalogue(paths.PROJECT_ROOT / "data")
    assert institutions.supports(committed.get("fe_provider_benefits"))
    assert institutions.supports(committed.get("demo_graduate_outcomes"))
    rate = Indicator("r", "Rate", "rate", "%", base="n")
    assert not institutions.supports(make_entry(roles={"time": "t", "provider_id": "p"}, indicators=(rate,)))
    counts_only = (Indicator("n", "Count", "count"),)
    roles = {"time": "t", "provider_id": "p", "provider_name": "q"}
    assert not institutions.supports(make_entry(roles=roles, indicators=counts_only))


def test_options_come_from_provider_rows(national) -> None:
    options = institutions.page_options(national)
    assert options.periods == (202122, 202223)
    assert options.years_after == ("1", "5") and options.default_years_after == "5"
    assert options.provider_types == ("AP", "FEC", "HEI")  # the national rows' "Total" is not a peer group
    assert options.regions == ("London", "North East", "Wales")
    assert options.peers == (
        institutions.PEER_ALL,
        institutions.PEER_TYPE,
        institutions.PEER_REGION,
        institutions.PEER_BOTH,
    )
    assert options.providers[ETA] == "Eta College" and len(options.providers) == len(PROVIDERS)
    assert options.default_measure == RATE and options.id_label == "UKPRN"
    assert institutions.subjects(national, "5") == ["Total", "Computing"]
    assert institutions.subjects(national, "1") == ["Total"]
    assert institutions.provider_attributes(national, BETA) == {"provider_type": "FEC", "region": "London"}


# ---------------------------------------------------------------- benchmarks


def test_published_national_figure_is_preferred(national) -> None:
    result = institutions.comparison(national, spec_for(national))
    bench = result.benchmark(202223)
    assert bench is not None and (bench.value, bench.status, bench.source) == (75.0, None, "published")
    assert result.benchmark(202122).value == 72.0  # type: ignore[union-attr]
    assert row(result, 202223, BENCHMARK_KEY)[institutions.SOURCE] == "published"
    assert institutions.benchmark_note(result, 202223) == "The benchmark is the published figure for all providers."


def test_published_peer_row_is_used_for_its_provider_type(national) -> None:
    result = institutions.comparison(national, spec_for(national, peer=institutions.PEER_TYPE, provider_type="HEI"))
    assert result.benchmark(202223).value == 82.0  # type: ignore[union-attr]
    members = set(result.year(202223)[MEMBER].to_list()) - {BENCHMARK_KEY}
    assert members == {ALPHA, GAMMA, DELTA, ZETA}


def test_benchmark_is_derived_when_nothing_is_published(providers_only) -> None:
    result = institutions.comparison(providers_only, spec_for(providers_only))
    bench = result.benchmark(202223)
    everyone = list(PROVIDER_CELLS[(202223, "Total", "5")])
    assert bench is not None and bench.source == "derived"
    assert bench.value == published_weighted_rate(202223, everyone) == 85.5
    assert (bench.providers_used, bench.providers_left_out) == (6, 2)  # Delta and Theta are `c`
    note = institutions.benchmark_note(result, 202223)
    assert "derived from the published figures of 6 providers" in note and "2 providers" in note


def test_a_region_without_a_published_row_is_derived_even_beside_national_figures(national) -> None:
    result = institutions.comparison(national, spec_for(national, peer=institutions.PEER_REGION, region="London"))
    bench = result.benchmark(202223)
    assert bench is not None and bench.source == "derived"
    assert bench.value == published_weighted_rate(202223, [ALPHA, BETA, ZETA]) == 88.1  # 88.125 half-up to 1 dp


def test_derived_benchmark_obeys_d4(national) -> None:
    # Wales holds only Iota: 20% of 10 matched graduates is a numerator of 2, under D4's 3.
    result = institutions.comparison(national, spec_for(national, peer=institutions.PEER_REGION, region="Wales"))
    bench = result.benchmark(202223)
    assert bench is not None and (bench.value, bench.status, bench.source) == (None, "c", "derived")
    assert institutions.funnel_reason(result) is not None


def test_a_lone_suppressed_provider_hides_the_derived_benchmark(providers_only) -> None:
    # 2021-22: only Gamma is `c`, so a total of the others would bound it (D6).
    result = institutions.comparison(providers_only, spec_for(providers_only, period=202122))
    assert result.benchmark(202122).status == "c"  # type: ignore[union-attr]
    assert row(result, 202122, BETA)[STATUS] is None  # no shown total: nothing else needs hiding
    hei = institutions.comparison(
        providers_only, spec_for(providers_only, peer=institutions.PEER_TYPE, provider_type="HEI")
    )
    assert hei.benchmark(202223).status == "c"  # type: ignore[union-attr]  # Delta is the only HEI `c`


def test_a_comparison_hides_nothing_more_than_the_protected_table(national) -> None:
    """Secondary suppression is decided once per table (leo_dash.sdc.protection), not per view: Gamma's `c` in 2021-22
    beside the published national figure leaves Beta's 58% shown, because the national figure covers providers
    this file does not list (it is not the sum of these rows), so no subtraction recovers Gamma. Every peer
    choice shows each cell with the same status."""
    statuses: dict[str, set[tuple[str, object]]] = {}
    for peer in (institutions.PEER_ALL, institutions.PEER_TYPE, institutions.PEER_REGION):
        for kind in ("HEI", "FEC"):
            spec = spec_for(national, period=202122, peer=peer, provider_type=kind, region="London")
            frame = institutions.comparison(national, spec).year(202122).filter(pl.col(MEMBER) != BENCHMARK_KEY)
            for member, value, status in frame.select(MEMBER, RATE, STATUS).iter_rows():
                statuses.setdefault(member, set()).add((status, value))
    assert statuses and all(len(seen) == 1 for seen in statuses.values()), statuses
    result = institutions.comparison(national, spec_for(national, period=202122))
    assert (row(result, 202122, BETA)[RATE], row(result, 202122, BETA)[STATUS]) == (58.0, None)
    assert row(result, 202122, GAMMA)[STATUS] == "c"
    assert row(result, 202122, ALPHA)[RATE] == 78.0
    assert row(result, 202223, BETA)[RATE] == 60.0


def test_earnings_are_never_derived_and_small_bases_are_hidden(national, providers_only) -> None:
    derived = institutions.comparison(providers_only, spec_for(providers_only, measure="earnings_median"))
    assert derived.benchmark(202223).status == "x"  # type: ignore[union-attr]
    assert "cannot be combined across providers" in institutions.benchmark_note(derived, 202223)
    published = institutions.comparison(national, spec_for(national, measure="earnings_median"))
    assert published.benchmark(202223).value == 28000  # type: ignore[union-attr]
    gamma = row(published, 202223, GAMMA)  # earnings on a base of 5: D5
    assert (gamma["earnings_median"], gamma[status_column("earnings_median")]) == (None, "c")


# ---------------------------------------------------------------- ranking


def test_ranking_highest_first_ties_share_symbols_last() -> None:
    frame = pl.DataFrame(
        {
            MEMBER: [BENCHMARK_KEY, "a", "b", "c", "d", "e"],
            "name": ["All", "Ash", "Birch", "Cedar", "Damson", "Elm"],
            RATE: [50.0, 40.0, 70.0, None, 70.0, 10.0],
            STATUS: [None, None, None, "c", None, None],
        }
    )
    ranked = institutions.rank_providers(frame, RATE, "name")
    assert ranked[MEMBER].to_list() == ["b", "d", "a", "e", "c"]
    assert ranked[RANK].to_list() == [1, 1, 3, 4, None]


def test_chart_shows_both_ends_and_the_highlighted_in_between(providers_only) -> None:
    result = institutions.comparison(providers_only, spec_for(providers_only))
    ranked = institutions.rank_providers(result.year(202223), RATE, "provider_name")
    # Ranks: Zeta 1, Epsilon 2, Alpha 3, Gamma 4, Beta 5, Iota 6; Delta and Theta `c`.
    items = institutions.chart_selection(ranked, 1, [GAMMA, DELTA])
    shown = [(kind, item[MEMBER] if kind == "row" else item) for kind, item in items]  # type: ignore[index]
    assert shown == [
        ("row", ZETA),
        ("gap", (2, 3, 2)),
        ("row", GAMMA),
        ("gap", (5, 5, 1)),
        ("row", IOTA),
        ("row", DELTA),
    ]
    everything = institutions.chart_selection(ranked, None, [])
    assert [item[MEMBER] for _, item in everything][-2:] == [DELTA, THETA]  # type: ignore[index]
    assert len(everything) == 8
    # Nothing left out (6 ranked, 2 x 10 allowed): the suppressed providers are listed as gaps too.
    assert institutions.chart_selection(ranked, 10, []) == everything


# ---------------------------------------------------------------- missing combinations


def reasons(entry, **changes: object) -> dict[str, tuple[str, str | None, str]]:
    result = institutions.comparison(entry, spec_for(entry, **changes))
    notes = institutions.missing_combinations(result, institutions.provider_names(entry))
    return {n.provider_id: (n.reason, n.symbol, n.text) for n in notes}


def test_missing_combinations_say_why(national) -> None:
    found = reasons(national, providers=(ALPHA, DELTA, ETA, THETA))
    assert set(found) == {DELTA, ETA, THETA}  # Alpha has a figure
    assert found[DELTA][:2] == ("symbol", "c") and "'c': suppressed to protect confidentiality" in found[DELTA][2]
    assert found[ETA][:2] == ("no_row", None)
    assert "no row for this selection in 2022-23" in found[ETA][2] and "in 2021-22" in found[ETA][2]
    computing = reasons(national, subject="Computing", providers=(BETA,))
    assert computing[BETA][0] == "no_row" and "no rows for this selection in any year" in computing[BETA][2]
    hidden = reasons(national, period=202122, providers=(BETA, GAMMA))
    assert BETA not in hidden  # shown: nothing is hidden per view
    assert hidden[GAMMA][:2] == ("symbol", "c")
    peer = reasons(national, peer=institutions.PEER_TYPE, provider_type="HEI", providers=(BETA,))
    assert peer[BETA][0] == "outside_peer" and "(FEC London)" in peer[BETA][2] and "HEI providers" in peer[BETA][2]


# ---------------------------------------------------------------- words


def test_titles_and_peer_labels(national) -> None:
    indicator = national.indicator(RATE)
    spec = spec_for(national, subject="Computing")
    assert institutions.view_title(national, spec, indicator) == (
        "Sustained employment rate five years after graduation, Computing, 2022-23 tax year, all providers"
    )
    both = spec_for(national, peer=institutions.PEER_BOTH, provider_type="HEI", region="London")
    assert institutions.peer_label(both) == "HEI providers in London"
    assert (
        institutions.peer_label(spec_for(national, peer=institutions.PEER_REGION, region="Wales"))
        == "providers in Wales"
    )
    # A type chosen while the peer group ignores types does not narrow anything.
    assert institutions.peer_label(spec_for(national, provider_type="HEI")) == "all providers"
    earnings = national.indicator("earnings_median")
    assert institutions.view_title(national, spec_for(national), earnings).startswith(
        "Median earnings five years after graduation, all subjects, 2022-23 tax year"
    )
    assert sentences.in_sentence("Sustained employment") == "sustained employment"
    assert sentences.in_sentence("T Level rate") == "T Level rate"
    assert sentences.in_sentence("FSM gap") == "FSM gap"


def test_summary_sentences_cite_only_published_figures(providers_only) -> None:
    views = institutions.build_views(providers_only, spec_for(providers_only, providers=(GAMMA, DELTA)))
    assert views.ranked.summary == (
        "Of 6 providers with published figures, Zeta University had the highest sustained employment rate (95.0%) "
        "and Iota Centre the lowest (20.0%), against the figure for all providers (85.5%); 2 providers' figures are "
        "suppressed."
    )
    assert views.trend.summary == (
        "In 2022-23 the figure for all providers was 85.5%; Gamma University was below it (70.0%) and Delta "
        "Institute's figure is suppressed."
    )
    for view in views.all():
        assert "Delta Institute (" not in view.summary and "Theta" not in view.summary


def test_funnel_summary_matches_the_limits(providers_only) -> None:
    views = institutions.build_views(providers_only, spec_for(providers_only))
    cells = PROVIDER_CELLS[(202223, "Total", "5")]
    above = below = 0
    for rate, base, _, _ in cells.values():
        if rate == "c" or base == "c":
            continue
        lower, upper = funnel.control_limits(85.5, float(base), funnel.Z_998)  # type: ignore[misc, arg-type]
        above += float(rate) > upper  # type: ignore[arg-type]
        below += float(rate) < lower  # type: ignore[arg-type]
    assert (above, below) == (1, 4)  # Zeta above; Alpha, Beta, Gamma, Iota below; Epsilon (20 people) within
    assert views.funnel is not None and views.funnel.summary == (
        "Of 6 providers placed on the funnel plot around the figure for all providers (85.5%), 1 is above and 4 "
        "below the 99.8% limits; 2 providers cannot be placed because the figure or its base is suppressed or not "
        "available."
    )
    assert views.outliers is not None and views.outliers.frame[MEMBER].to_list() == [ZETA, ALPHA, GAMMA, BETA, IOTA]
    assert views.outliers.summary.startswith("5 providers are outside the control limits: 1 above 99.8% limit")


def test_ties_are_named_together(providers_only) -> None:
    result = institutions.comparison(providers_only, spec_for(providers_only))
    ranked = institutions.rank_providers(result.year(202223), RATE, "provider_name").with_columns(
        pl.when(pl.col(MEMBER) == ALPHA).then(95.0).otherwise(pl.col(RATE)).alias(RATE)
    )
    ranked = ranked.with_columns(pl.when(pl.col(RATE).is_not_null()).then(pl.col(RANK)).alias(RANK))
    summary = institutions.ranked_summary(result, ranked)
    assert "Alpha University and Zeta University shared the highest sustained employment rate (95.0%)" in summary


def test_no_funnel_for_earnings_or_without_a_benchmark(national, providers_only) -> None:
    earnings = institutions.build_views(national, spec_for(national, measure="earnings_median"))
    assert earnings.funnel is None and earnings.outliers is None
    assert earnings.funnel_reason is not None and earnings.funnel_reason.startswith(
        "There is no funnel plot for median earnings"
    )
    hidden = institutions.build_views(providers_only, spec_for(providers_only, period=202122))
    assert hidden.funnel is None and "benchmark for all providers is not available" in str(hidden.funnel_reason)


# ---------------------------------------------------------------- the figures hold what was asked for


def figure_data(view) -> list[dict]:
    return json.loads(view.figure.to_json())["data"]


def test_ranked_figure_highlights_the_chosen_and_draws_gaps(national) -> None:
    chosen = (GAMMA, DELTA, BETA)
    views = institutions.build_views(national, spec_for(national, providers=chosen, top="All"))
    traces = figure_data(views.ranked)
    highlights = {t["meta"]["provider"]: t for t in traces if t["meta"]["role"] == "highlight"}
    assert set(highlights) == set(chosen)
    assert highlights[DELTA]["x"] == [None]  # suppressed: a gap, never 0
    assert highlights[GAMMA]["x"] == [70.0] and highlights[BETA]["x"] == [60.0]
    bars = [t for t in traces if t["type"] == "bar" and t["meta"]["role"] in ("providers", "highlight")]
    drawn = {c[0]: x for t in bars for c, x in zip(t["customdata"], t["x"], strict=True)}
    assert drawn[THETA] is None and 0 not in drawn.values()
    [bench] = [t for t in traces if t["meta"]["role"] == "benchmark"]
    assert bench["x"] == [75.0, 75.0]
    # The table has every provider and the benchmark; the chart with top 1 fewer.
    assert views.ranked.frame.height == 1 + 8
    short = institutions.build_views(national, spec_for(national, providers=chosen, top="10"))
    assert short.ranked.frame.height == 9


def test_trend_figure_has_every_year_with_gaps(national) -> None:
    views = institutions.build_views(national, spec_for(national, providers=(DELTA, BETA, ETA)))
    traces = {t["meta"]["provider"] or "bench": t for t in figure_data(views.trend)}
    assert all(t["x"] == ["2021-22", "2022-23"] for t in traces.values())
    assert traces["bench"]["y"] == [72.0, 75.0]
    assert traces[DELTA]["y"] == [None, None]  # no row in 2021-22; `c` in 2022-23
    assert traces[BETA]["y"] == [58.0, 60.0]
    assert traces[ETA]["y"] == [65.0, None]  # no row in 2022-23
    table = views.trend.table()
    assert table.height == 8 and "Suppressed" in table.to_series(3).to_list()


def test_spec_from_link_falls_back_and_round_trips(national) -> None:
    ids = list(PROVIDERS)
    bad = {
        "year": ["1999"],
        "yag": ["7"],
        "measure": ["nope"],
        "subject": ["Law"],
        "peer": ["Sideways"],
        "provider": ["nonsense", *ids],
        "top": ["3"],
    }
    spec = institutions.spec_from_params(national, bad)
    assert (spec.period, spec.years_after, spec.measure, spec.subject, spec.peer, spec.top) == (
        202223,
        "5",
        RATE,
        "Total",
        institutions.PEER_ALL,
        institutions.DEFAULT_TOP,
    )
    assert spec.providers == tuple(ids[:6])
    good = spec_for(
        national,
        subject="Computing",
        peer=institutions.PEER_TYPE,
        provider_type="HEI",
        providers=(ALPHA, GAMMA),
        top="10",
    )
    params = {k: v if isinstance(v, list) else [str(v)] for k, v in institutions.spec_params(good).items()}
    assert institutions.spec_from_params(national, params) == good
    assert "limits" not in params  # the default stays out of links
    wide = spec_for(national, limits=institutions.LIMITS_OVERDISPERSION)
    params = {k: v if isinstance(v, list) else [str(v)] for k, v in institutions.spec_params(wide).items()}
    assert params["limits"] == [institutions.LIMITS_OVERDISPERSION]
    assert institutions.spec_from_params(national, params) == wide
    assert institutions.spec_from_params(national, {"limits": ["Sideways"]}).limits == institutions.LIMITS_CHANCE


def test_briefing_views_rebuild_the_page(national) -> None:
    params = {"table": [national.id], "provider": [ALPHA], "year": ["2021-22"]}
    views = institutions.briefing_views(params)
    assert [v.key for v in views] == [
        "institutions-ranked",
        "institutions-funnel",
        "institutions-outliers",
        "institutions-trend",
    ]
    assert "2021-22 tax year" in views[0].title
    assert [v.key for v in institutions.briefing_views(params, [national])] == [v.key for v in views]
    with pytest.raises(LookupError, match="not available"):
        institutions.briefing_views({"table": ["secret_table"]}, [national])


def test_epsilon_is_within_limits_despite_its_rate(providers_only) -> None:
    """The point of the funnel: 90% on 20 graduates is not evidence of anything."""
    views = institutions.build_views(providers_only, spec_for(providers_only))
    assert views.funnel is not None
    positions = dict(
        zip(views.funnel.frame[MEMBER].to_list(), views.funnel.frame[institutions.POSITION].to_list(), strict=True)
    )
    assert positions[EPSILON] == funnel.WITHIN and positions[ZETA] == funnel.ABOVE_998
    assert positions[DELTA] == funnel.NOT_PLACED and positions[BENCHMARK_KEY] == "Benchmark"
    assert math.isclose(views.funnel.frame.filter(pl.col(MEMBER) == BENCHMARK_KEY)[RATE][0], 85.5)


def test_top_n() -> None:
    assert InstitutionSpec("t", "m", 202223).top_n == 20
    assert InstitutionSpec("t", "m", 202223, top="All").top_n is None


def test_earnings_benchmark_of_a_one_provider_peer_group_is_not_available() -> None:
    """Regression: Same region with one provider in the region used to raise DisclosureError (D5) on the page."""
    tables = list(load_catalogue())
    params = {
        "table": ["demo_graduate_outcomes"], "measure": ["earnings_median"], "year": ["2020-21"], "yag": ["1"],
        "peer": ["Same region"], "provider": ["90000006"],
    }  # fmt: skip
    ranked = institutions.briefing_views(params, tables)[0]
    bench = ranked.frame.filter(pl.col(MEMBER) == BENCHMARK_KEY)
    assert bench.height == 1
    assert bench["earnings_median"].to_list() == [None]
    assert bench[status_column("earnings_median")].to_list() == ["x"]
    assert "cannot be combined across providers" in " ".join(ranked.notes)


def test_plot_area_keeps_its_height_whatever_the_title_legend_and_notes_take() -> None:
    tables = list(load_catalogue())
    views = institutions.briefing_views({"table": ["fe_provider_benefits"]}, tables)
    funnel_view = next(v for v in views if v.key == "institutions-funnel")
    trend_view = next(v for v in views if v.key == "institutions-trend")
    for view, plot_area in ((funnel_view, 620 - 170), (trend_view, 520 - 170)):
        layout = view.figure.layout
        assert layout.height - layout.margin.t - layout.margin.b == plot_area, view.key
        assert layout.margin.b > 80  # the notes block took room below the plot, not from it


def test_no_earnings_selection_fails_closed_and_earnings_on_a_hidden_base_stay_hidden() -> None:
    """Issue 11: '/institutions?table=demo_graduate_outcomes&measure=earnings_lq&year=2021-22&yag=3&subject=Health
    and social care' ended in "Sorry, this view could not be shown". Every earnings selection of the year now
    renders, and no earnings figure is shown on a hidden base (the protection pass hid both together)."""
    entry = load_catalogue(paths.PROJECT_ROOT / "data").get("demo_graduate_outcomes")
    options = institutions.page_options(entry)
    hidden_bases = 0
    for measure in ("earnings_lq", "earnings_median", "earnings_uq"):
        for yag in options.years_after:
            for subject in institutions.subjects(entry, yag):
                spec = institutions.spec_from_params(
                    entry, {"measure": [measure], "yag": [yag], "subject": [subject], "year": ["2021-22"]}
                )
                frame = institutions.comparison(entry, spec).frame  # raises DisclosureError if it fails closed
                base = entry.indicator(measure).base
                on_hidden_base = frame.filter(pl.col(status_column(base)).is_not_null())
                assert on_hidden_base[status_column(measure)].is_not_null().all()
                assert on_hidden_base[measure].is_null().all()
                hidden_bases += on_hidden_base.height
    assert hidden_bases > 0


def test_a_comparison_is_reused_across_highlights_and_renewed_with_the_table(national) -> None:
    """Comparisons are kept per version of the prepared table: a change of highlighted provider, chart length or
    funnel limits reuses one; another selection or a re-prepared table does not."""
    first = institutions.comparison(national, spec_for(national, providers=(ALPHA,)))
    # The focus provider's own type and region ride along in the spec; with everyone as peers they change nothing.
    again = institutions.comparison(
        national, spec_for(national, providers=(BETA, GAMMA), top="All", provider_type="FEC", region="London")
    )
    assert again.frame is first.frame and again.spec.providers == (BETA, GAMMA) and again.spec.top == "All"
    # Funnel positions are worked out once for both (they do not depend on who is highlighted).
    assert institutions.funnel_frame(again) is institutions.funnel_frame(first)
    other_peer = institutions.comparison(national, spec_for(national, peer=institutions.PEER_TYPE, provider_type="HEI"))
    assert other_peer.frame is not first.frame
    source = Path(national.files[0])
    source.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")  # same cells, a newer file
    renewed = institutions.comparison(national, spec_for(national, providers=(ALPHA,)))
    assert renewed.frame is not first.frame and renewed.frame.equals(first.frame)

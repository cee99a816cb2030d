"""Subject earnings page logic on a small fixture table with known figures and known suppressed cells."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import polars as pl
import pytest

from leo_dash.analyses import earnings
from leo_dash.core import prices
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import Indicator, status_column
from leo_dash.present import export
from tests.test_earnings_fixture import PROVIDERS, TABLE_ID, make_table, median_for

MEDIAN, LQ, UQ = "earnings_median", "earnings_LQ", "earnings_UQ"


@pytest.fixture
def entry(data_dir: Path):
    return make_table(data_dir)


@pytest.fixture
def verified_index(tmp_path: Path) -> prices.PriceIndex:
    path = tmp_path / "cpih.csv"
    path.write_text(
        "period,period_type,index_2015_100,provenance\n"
        "2020,calendar_year,100.0,ons_l522\n2021,calendar_year,104.0,ons_l522\n2022,calendar_year,110.0,ons_l522\n",
        encoding="utf-8",
    )
    return prices.load_price_index(path)


def spec(**overrides: object) -> earnings.EarningsSpec:
    fields: dict[str, object] = {
        "table_id": TABLE_ID,
        "measure": MEDIAN,
        "subjects": ("Computing", "Law"),
        "years_after": ("1", "3", "5", "10"),
        "period": 202223,
    }
    fields.update(overrides)
    return earnings.EarningsSpec(**fields)  # type: ignore[arg-type]


def line(frame: pl.DataFrame, label: str, column: str = MEDIAN) -> list[float | None]:
    return frame.filter(pl.col(earnings.SERIES) == label)[column].to_list()


def statuses(frame: pl.DataFrame, label: str, column: str = MEDIAN) -> list[str | None]:
    return frame.filter(pl.col(earnings.SERIES) == label)[status_column(column)].to_list()


# ---------------------------------------------------------------- which indicator is which


@pytest.mark.parametrize(
    ("column", "label", "kind"),
    [
        ("earnings_median", "Median earnings", "median"),
        ("earnings_LQ", "Lower Quartile of Earnings", "lower_quartile"),
        ("earnings_uq", "Upper quartile of earnings", "upper_quartile"),
        ("earnings_adjusted_median", "Median Earnings (Region Adjusted)", "median"),
        ("pay_p25", "Pay", "lower_quartile"),
        ("pay_lower_quartile", "Pay", "lower_quartile"),
        ("pay_q3", "Earnings, 75th percentile", "upper_quartile"),
        ("earnings_lower", "Minimum Earnings", None),  # 'lower' alone is the minimum, not a quartile
        ("earnings_upper", "Maximum Earnings", None),
        ("earnings_mean", "Mean earnings", None),
        ("median_lq", "Median or lower quartile", None),  # unclear: ignored, not guessed
    ],
)
def test_quartile_kind(column: str, label: str, kind: str | None) -> None:
    assert earnings.quartile_kind(Indicator(column, label, "earnings", "£")) == kind


def test_measures_group_median_with_its_quartiles() -> None:
    indicators = (
        Indicator("earnings_LQ", "Lower quartile", "earnings", "£"),
        Indicator("earnings_median", "Median earnings", "earnings", "£"),
        Indicator("earnings_UQ", "Upper quartile", "earnings", "£"),
        Indicator("earnings_lower", "Minimum", "earnings", "£", hidden=True),
        Indicator("earnings_adjusted_median", "Median earnings (region adjusted)", "earnings", "£"),
        Indicator("earnings_adjusted_LQ", "Lower quartile (region adjusted)", "earnings", "£"),
        Indicator("orphan_lq", "Lower quartile with no median", "earnings", "£"),
        Indicator("sust_emp", "Sustained employment median", "rate", "%"),  # not an earnings indicator
    )
    entry = dataclasses.replace(_bare_entry(), indicators=indicators)
    measures = earnings.earnings_measures(entry)
    assert [m.key for m in measures] == ["earnings_median", "earnings_adjusted_median"]
    plain, adjusted = measures
    assert plain.has_band and plain.lower_quartile and plain.lower_quartile.column == "earnings_LQ"
    assert not adjusted.has_band and adjusted.upper_quartile is None


def _bare_entry():
    from tests.conftest import make_entry

    return make_entry(roles={"time": "time_period", "subject": "s", "years_after": "y"})


def test_supports_only_tables_with_subject_yag_and_a_median(entry, reference_dir) -> None:
    assert earnings.supports(entry)
    assert not earnings.supports(
        dataclasses.replace(entry, roles={k: v for k, v in entry.roles.items() if k != "years_after"})
    )
    no_median = tuple(i for i in entry.indicators if i.column != MEDIAN)
    assert not earnings.supports(dataclasses.replace(entry, indicators=no_median))
    real = load_catalogue(Path(__file__).resolve().parent.parent / "data")
    for table_id in ("fe_provider_benefits", "fe_community_learning"):
        assert not earnings.supports(real.get(table_id))


def test_table_options(entry) -> None:
    options = earnings.table_options(entry)
    assert options.years_after == ("1", "3", "5", "10")  # numeric order, not text order
    assert options.periods == (202021, 202122, 202223)
    assert options.characteristic_types == ("Sex",)  # without 'All graduates'
    assert options.provider_names == {pid: name for pid, (name, _) in PROVIDERS.items()}
    assert options.has_national
    assert options.filters == {"qualification": ("First degree", "Total")}
    assert options.filter_defaults == {"qualification": "Total"}
    assert earnings.characteristic_values(entry, "Sex") == ["Female", "Male"]
    assert earnings.default_subjects(options) == ["Computing", "History", "Law"]
    assert earnings.default_subjects(options, ["Law", "Medicine"]) == ["Law", "Medicine"]
    assert earnings.default_cohort_yag(options) == "5"
    assert earnings.default_groups(["a", "b", "c", "d"], 2, 2) == ["a"]
    assert earnings.default_groups(["a", "b", "c", "d"], 1) == ["a", "b", "c", "d"]


# ---------------------------------------------------------------- trajectory


def test_trajectory_holds_published_figures_in_yag_order(entry) -> None:
    data = earnings.earnings_data(entry, spec())
    frame = data.frame
    assert data.x_order == ("1", "3", "5", "10")
    assert [s.label for s in data.series] == ["Computing", "Law"]
    assert line(frame, "Computing") == [median_for("Computing", y, 202223) for y in ("1", "3", "5", "10")]
    assert line(frame, "Computing", UQ) == [median_for("Computing", y, 202223) + 7000 for y in ("1", "3", "5", "10")]
    assert frame[earnings.YAG].to_list() == ["1", "3", "5", "10"] * 2
    # The earnings base was used for D5 checks, not shown.
    assert "grads_earnings_include" not in frame.columns
    # The minimum (hidden, single-person value) never reaches the view.
    assert "earnings_lower" not in frame.columns


def test_suppressed_cells_are_null_with_their_symbol_never_zero(entry) -> None:
    frame = earnings.earnings_data(entry, spec()).frame
    law = line(frame, "Law")
    assert law[1] is None and statuses(frame, "Law")[1] == "c"
    assert 0 not in law and 0.0 not in frame[MEDIAN].drop_nulls().to_list()
    # Computing 5 YAG: LQ suppressed on its own: median and UQ stay, LQ is a gap.
    assert line(frame, "Computing", LQ)[2] is None and statuses(frame, "Computing", LQ)[2] == "c"
    assert line(frame, "Computing")[2] == median_for("Computing", "5", 202223)


def test_small_earnings_base_is_suppressed_by_disclosure_control(entry) -> None:
    # The fixture publishes History 10 YAG 2021-22 as numbers on a base of 5: D5 makes them c.
    frame = earnings.earnings_data(entry, spec(subjects=("History",), period=202122)).frame
    assert line(frame, "History")[3] is None and statuses(frame, "History")[3] == "c"
    assert line(frame, "History")[2] == median_for("History", "5", 202122)


def test_only_the_chosen_yags_and_year(entry) -> None:
    data = earnings.earnings_data(entry, spec(subjects=("Medicine",), years_after=("10", "1"), period=202021))
    assert data.x_order == ("1", "10")
    assert line(data.frame, "Medicine") == [median_for("Medicine", "1", 202021), median_for("Medicine", "10", 202021)]
    assert set(data.frame[earnings.PERIOD].to_list()) == {202021}


def test_other_filters_are_pinned_or_chosen(entry) -> None:
    first_degree = earnings.earnings_data(entry, spec(filters=(("qualification", "First degree"),)))
    assert line(first_degree.frame, "Computing")[0] == median_for("Computing", "1", 202223)
    # A breakdown the page does not pin leaves several rows per point: refused, never silently mixed.
    unpinned = dataclasses.replace(entry, filters=())
    with pytest.raises(earnings.EarningsDataError, match="more than one row"):
        earnings.earnings_data(unpinned, spec())


# ---------------------------------------------------------------- characteristic split, provider, cohorts


def test_characteristic_split(entry) -> None:
    data = earnings.earnings_data(
        entry, spec(subjects=("Computing",), characteristic="Sex", characteristic_values=("Female", "Male"))
    )
    assert [s.label for s in data.series] == ["Computing – Female", "Computing – Male"]
    assert line(data.frame, "Computing – Female") == [
        median_for("Computing", y, 202223, "Female") for y in ("1", "3", "5", "10")
    ]
    assert line(data.frame, "Computing – Male")[0] == median_for("Computing", "1", 202223, "Male")
    assert set(data.frame[earnings.GROUP].to_list()) == {"Female", "Male"}  # the total row is not drawn


def test_provider_against_national(entry) -> None:
    data = earnings.earnings_data(entry, spec(subjects=("Law",), provider="10000001"))
    labels = [s.label for s in data.series]
    assert labels == ["Law – Fenwick Vale University", "Law – All providers"]
    assert [s.national for s in data.series] == [False, True]
    own = line(data.frame, labels[0])
    assert own[:3] == [median_for("Law", y, 202223, provider="10000001") for y in ("1", "3", "5")]
    # Provider-level data has no 10 YAG: a gap 'not available', not zero.
    assert own[3] is None and statuses(data.frame, labels[0])[3] == "x"
    national = line(data.frame, labels[1])
    assert national[1] is None and statuses(data.frame, labels[1])[1] == "c"


def test_provider_without_a_subject_gets_a_note(entry) -> None:
    data = earnings.earnings_data(entry, spec(subjects=("Law",), provider="10000002", years_after=("10",)))
    assert any("Northmere College of Art has no published figures for Law" in n for n in data.notes)


def test_series_are_capped_at_six_with_a_note(entry) -> None:
    data = earnings.earnings_data(
        entry,
        spec(
            subjects=("Computing", "Law"),
            characteristic="Sex",
            characteristic_values=("Female", "Male"),
            provider="10000001",
        ),
    )
    assert len(data.series) == 6
    assert any("at most 6 lines" in n and "Law – Male – All providers" in n for n in data.notes)


def test_cohort_comparison_same_yag_across_tax_years(entry) -> None:
    data = earnings.earnings_data(entry, spec(mode="cohorts", years_after=("3",), period=None))
    assert data.x_order == ("2020-21", "2021-22", "2022-23")
    assert line(data.frame, "Computing") == [median_for("Computing", "3", y) for y in (202021, 202122, 202223)]
    law = line(data.frame, "Law")
    assert law[:2] == [median_for("Law", "3", y) for y in (202021, 202122)] and law[2] is None
    assert data.frame[earnings.PERIOD].to_list()[:3] == [202021, 202122, 202223]


# ---------------------------------------------------------------- real terms


def test_real_terms_use_latest_tax_year_prices(entry, verified_index) -> None:
    data = earnings.earnings_data(
        entry, spec(mode="cohorts", years_after=("1",), basis="real"), price_index=verified_index
    )
    assert data.basis == "real" and data.base_period == 202223
    # Nominal 24,000 / 24,500 / 25,500; CPIH 100 / 104 / 110: 24,000 x 110/100 = 26,400; 24,500 x 110/104 =
    # 25,913.5 -> 25,900; the base year is unchanged.
    assert [median_for("Computing", "1", y) for y in (202021, 202122, 202223)] == [24000, 24500, 25500]
    assert line(data.frame, "Computing") == [26400, 25900, 25500]
    # Quartiles are converted the same way; suppressed cells stay suppressed.
    assert line(data.frame, "Computing", UQ)[0] == 34100  # 31,000 x 1.1
    assert data.index_points_unverified == ()


def test_real_terms_view_states_basis_and_unverified_index(entry) -> None:
    view = earnings.earnings_view(entry, spec(basis="real"))
    assert "real terms (2022-23 prices)" in view.title
    assert view.summary.endswith("in 2022-23 prices.")
    assert any("Real terms (2022-23 prices)" in f and "half-up" in f for f in view.footnotes)
    assert any(
        "not yet been checked against the Office for National Statistics series L522" in n and "cpih.md" not in n
        for n in view.notes
    )
    assert view.figure is not None and "L522" in view.figure.layout.annotations[0].text
    assert any("2022-23 prices" in c.label for c in view.columns if c.kind == "value")


def test_missing_index_year_falls_back_to_cash_terms_with_a_note(entry, tmp_path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(
        "period,period_type,index_2015_100,provenance\n2022,calendar_year,110.0,ons_l522\n", encoding="utf-8"
    )
    index = prices.load_price_index(path)
    view = earnings.earnings_view(entry, spec(mode="cohorts", years_after=("5",), basis="real"), price_index=index)
    assert "nominal (cash) terms" in view.title
    assert any("Real terms are not available" in n and "2020-21" in n for n in view.notes)
    assert view.frame.filter(pl.col(earnings.SERIES) == "Computing")[MEDIAN].to_list()[0] == median_for(
        "Computing", "5", 202021
    )


# ---------------------------------------------------------------- view: title, table, download


def test_nominal_view_title_table_and_download(entry) -> None:
    view = earnings.earnings_view(entry, spec())
    assert view.title == (
        "Median earnings 1, 3, 5 and 10 years after graduation, Computing and Law, 2022-23 tax year, nominal (cash) terms"
    )
    assert view.demo
    table = view.table()
    assert table.columns[:2] == ["Subject", "Years after graduation"]
    law_3 = table.row(5, named=True)
    assert law_3["Subject"] == "Law" and law_3["Median earnings (£, cash terms)"] == "Suppressed"
    assert any("lower quartile (25th percentile)" in f for f in view.footnotes)
    assert any("different graduating cohorts" in f for f in view.footnotes)
    data = pl.read_csv(io.BytesIO(export.csv_bytes(view)))
    median = "Median earnings (£, cash terms)"
    law_3_data = data.row(5, named=True)
    assert law_3_data[median] is None and law_3_data[f"{median} status"] == "c"  # a gap with its symbol, never 0
    assert data[median].drop_nulls().min() > 0
    assert view.title in export.guidance_text(view)


def test_cohort_title_with_split_and_provider(entry) -> None:
    view = earnings.earnings_view(
        entry,
        spec(
            subjects=("Law",),
            mode="cohorts",
            years_after=("5",),
            period=None,
            characteristic="Sex",
            characteristic_values=("Female",),
            provider="10000001",
        ),
    )
    assert view.title == (
        "Median earnings 5 years after graduation by tax year and sex, Law, Fenwick Vale University and all "
        "providers, 2020-21 to 2022-23, nominal (cash) terms"
    )
    assert [c.label for c in view.columns][:4] == ["Subject", "Sex", "Provider", "Tax year"]


def test_figure_draws_gaps_and_bands_only_from_published_quartiles(entry) -> None:
    view = earnings.earnings_view(entry, spec())
    assert view.figure is not None
    traces = [t for t in view.figure.data]
    medians = {t.name: t for t in traces if t.meta["role"] == "median"}
    assert set(medians) == {"Computing", "Law"}
    assert list(medians["Law"].y) == [
        median_for("Law", "1", 202223),
        None,
        median_for("Law", "5", 202223),
        median_for("Law", "10", 202223),
    ]
    assert list(medians["Law"].x) == ["1", "3", "5", "10"]
    bands = [t for t in traces if t.meta["role"] == "band"]
    law_bands = [t for t in bands if t.meta["series"] == "Law"]
    # Law 3 YAG is suppressed: one lone bar at 1, one area over 5-10; neither touches 3.
    assert [sorted(set(t.x)) for t in law_bands] == [["1"], ["10", "5"]]
    computing_bands = [t for t in bands if t.meta["series"] == "Computing"]
    assert [sorted(set(t.x)) for t in computing_bands] == [["1", "3"], ["10"]]  # LQ c at 5 YAG
    for band in bands:
        assert None not in band.y and 0 not in band.y


def test_figure_escapes_text_from_data(entry) -> None:
    data = earnings.earnings_data(entry, spec(subjects=("Law",)))
    hostile = "<img src=x onerror=alert(1)>"
    median = dataclasses.replace(data.measure.median, label=f"Median {hostile}")
    odd = dataclasses.replace(
        data,
        series=tuple(dataclasses.replace(s, label=f"<b>Law</b>{hostile}") for s in data.series),
        measure=dataclasses.replace(data.measure, median=median),
    )
    figure = earnings.build_figure(odd, x_title=f"Year {hostile}", y_title=f"£ {hostile}")(odd.frame)
    rendered = [t.name for t in figure.data] + [h for t in figure.data for h in (t.hovertext or ())]
    rendered += [figure.layout.xaxis.title.text, figure.layout.yaxis.title.text]
    assert rendered and all("<img" not in text and "<b>" not in text for text in rendered)
    assert "&lt;img src=x onerror=alert(1)&gt;" in figure.layout.yaxis.title.text


# ---------------------------------------------------------------- URL parameters


def test_spec_from_params_defaults_and_fallbacks(entry) -> None:
    default, notes = earnings.spec_from_params(entry, {})
    assert notes == []
    assert default.subjects == ("Computing", "History", "Law") and default.period == 202223
    assert default.years_after == ("1", "3", "5", "10") and default.basis == "nominal" and default.mode == "trajectory"
    bad, notes = earnings.spec_from_params(
        entry, {"subject": ["Nonsense"], "yag": ["7"], "basis": ["foo"], "year": ["1999-00"], "provider": ["123"]}
    )
    assert bad == default
    assert len(notes) == 5 and any("'foo'" in n for n in notes) and any("'7'" in n for n in notes)


def test_spec_params_round_trip(entry) -> None:
    chosen = spec(
        subjects=("Law", "Computing"),
        characteristic="Sex",
        characteristic_values=("Male",),
        provider="10000002",
        filters=(("qualification", "First degree"),),
        basis="real",
    )
    again, notes = earnings.spec_from_params(entry, earnings.spec_params(chosen))
    assert notes == [] and again == chosen
    cohorts = spec(mode="cohorts", years_after=("3",), period=None, filters=(("qualification", "Total"),))
    assert earnings.spec_from_params(entry, earnings.spec_params(cohorts))[0] == cohorts


def test_views_for_params_rebuilds_the_view(entry) -> None:
    [view] = earnings.views_for_params({"table": [TABLE_ID], "subject": ["Medicine"], "compare": ["Cohorts"]})
    assert view.title.startswith("Median earnings 5 years after graduation by tax year, Medicine,")


def test_header_makes_room_for_a_wrapped_title_and_legend(entry) -> None:
    short = earnings.earnings_view(entry, spec(subjects=("Law",))).figure
    long = earnings.earnings_view(
        entry,
        spec(
            subjects=("Computing", "History", "Law", "Medicine"),
            characteristic="Sex",
            characteristic_values=("Female",),
            provider="10000002",
        ),
    ).figure
    assert short is not None and long is not None
    assert long.layout.title.text.count("<br>") > short.layout.title.text.count("<br>")
    assert long.layout.margin.t > short.layout.margin.t
    for figure in (short, long):
        assert figure.layout.legend.yanchor == "bottom" and figure.layout.title.yref == "container"
        panel_rows = (figure.layout.meta or {}).get("panel_rows") if isinstance(figure.layout.meta, dict) else None
        plot_area = panel_rows * earnings.PANEL_PX if panel_rows else earnings.PLOT_AREA_PX  # small multiples: rows
        assert figure.layout.height == plot_area + figure.layout.margin.t + figure.layout.margin.b


def test_three_or_more_banded_lines_get_a_panel_each_on_one_scale() -> None:
    """Quartile bands drawn over each other become a grey wash (issue 14, item 6): from three banded lines on,
    each subject gets its own panel, all panels share one earnings scale, and a provider's line and the national
    line for the same subject share a panel."""
    [view] = earnings.views_for_params({})  # three subjects by default
    figure = view.figure
    assert figure is not None and figure.layout.meta["panels"] == 3
    medians = [t for t in figure.data if t.meta["role"] == "median"]
    assert len({t.xaxis for t in medians}) == 3  # a panel each
    y_axes = [k for k in figure.layout if k.startswith("yaxis")]
    assert all(figure.layout[k].matches == "y" for k in y_axes if k != "yaxis") and len(y_axes) >= 3
    for trace in figure.data:  # a band sits in its own line's panel
        if trace.meta["role"] == "band":
            line = next(t for t in medians if t.meta["series"] == trace.meta["series"])
            assert trace.xaxis == line.xaxis
    [two] = earnings.views_for_params({"subject": ["Computing", "Engineering"]})
    assert two.figure is not None and not (two.figure.layout.meta or {}).get("panels")
    [with_provider] = earnings.views_for_params({"provider": ["90000019"]})
    fig = with_provider.figure
    assert fig is not None and fig.layout.meta["panels"] == 3
    lines = [t for t in fig.data if t.meta["role"] == "median"]
    by_axis: dict[str, list[str]] = {}
    for t in lines:
        by_axis.setdefault(t.xaxis, []).append(t.meta["series"])
    assert all(len(series) == 2 for series in by_axis.values())  # provider and national side by side

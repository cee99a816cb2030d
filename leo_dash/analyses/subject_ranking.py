"""Subject ranking: every subject's published median earnings for one tax year and one number of years after
graduation, ranked on one chart with the lower-to-upper-quartile range, nationally or for one provider.

Answers "Which subjects have the highest earnings five years after graduation?" without the six-line cap of Subject
earnings. The all-subjects row ("Total", the table's default subject item) is drawn as a reference line, never
ranked as a subject. Figures are as published, in cash terms (D5: earnings are never estimated), through the same
path as Subject earnings: `query.select` (via `earnings`) → `sdc.protect` → `sdc.guard` → `views.make_view`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses import earnings, page_support
from leo_dash.analyses.controls import Ask, LabelledSelect, PageText, Select, ask_area, ask_measure
from leo_dash.analyses.earnings.page import provider_picker
from leo_dash.core import geography, query
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label, period_value
from leo_dash.present import charts
from leo_dash.present.sentences import join_words
from leo_dash.present.views import Column, View, format_number, make_view

PAGE = "subject_ranking"
VIEW_KEY = "subject-ranking"
RANK = "rank"
REFERENCE_LABEL = "All subjects"
SORTS: dict[str, str] = {
    "median": "Median earnings, highest first",
    "lq": "Lower quartile, highest first",
    "uq": "Upper quartile, highest first",
    "name": "Subject name, A to Z",
}
DEFAULT_SORT = "median"


@dataclass(frozen=True)
class RankingSpec:
    """One ranking: the URL state and the briefing item."""

    table_id: str
    measure: str  # the median indicator's column
    period: int
    years_after: str
    provider: str | None = None
    sort: str = DEFAULT_SORT
    area: str | None = None  # ONS code of a region or local authority; None = the table's default (England)


def supports(entry: TableEntry) -> bool:
    """Tables Subject earnings can show: a subject, years after graduation, a tax year and a published median."""
    return earnings.supports(entry)


def total_subject(entry: TableEntry, options: earnings.EarningsOptions, *, data_dir: Path | None = None) -> str | None:
    """The subject item that stands for all subjects (EES 'Total'), if the table publishes one."""
    subject = str(entry.role("subject"))
    return query.default_item(entry, subject, list(options.subjects))


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[RankingSpec, list[str]]:
    """A spec from URL parameters with the page's defaults, plus notes on values that could not be used."""
    options = earnings.table_options(entry, data_dir=data_dir)
    notes: list[str] = []

    def last(key: str) -> str | None:
        values = [str(v) for v in params.get(key, ())]
        return values[-1] if values else None

    measures = {m.key: m for m in options.measures}
    measure = last("measure")
    if measure is not None and measure not in measures:
        notes.append(f"The link's earnings measure '{measure}' is not in this table; the first one is shown.")
        measure = None
    labels = {period_label(p): p for p in options.periods}
    period = options.latest_period
    if (year := last("year")) is not None:
        if year in labels:
            period = labels[year]
        else:
            notes.append(f"The link's year '{year}' is not in this table; the latest year is shown.")
    yag = page_support.default_years_after(options.years_after)
    if (wanted_yag := last("yag")) is not None:
        if wanted_yag in options.years_after:
            yag = wanted_yag
        else:
            notes.append(f"The link's years after graduation '{wanted_yag}' is not in this table.")
    area, area_notes = geography.choose_area(options.areas, [str(v) for v in params.get(geography.AREA_PARAM, ())])
    notes += area_notes
    provider = None if geography.below_national(area) else (last("provider") or None)
    if provider is not None and provider not in options.provider_names:
        notes.append(f"The link's provider '{provider}' is not in this table; national figures are shown.")
        provider = None
    sort = last("sort") or DEFAULT_SORT
    if sort not in SORTS:
        notes.append(f"The link's order '{sort}' is not one this page offers; subjects are ranked by median.")
        sort = DEFAULT_SORT
    spec = RankingSpec(
        table_id=entry.id,
        measure=measure or options.measures[0].key,
        period=int(period_value(period_label(period))),
        years_after=yag,
        provider=provider,
        sort=sort,
        area=geography.area_code(options.areas, area),
    )
    return spec, notes


def spec_params(spec: RankingSpec, options: earnings.EarningsOptions) -> dict[str, list[str]]:
    """The URL parameters that rebuild this ranking (every choice that changes a figure or its order)."""
    params = page_support.link_params(
        table=spec.table_id, measure=spec.measure, year=period_label(spec.period), yag=spec.years_after, sort=spec.sort
    )
    if spec.provider:
        params["provider"] = [spec.provider]
    if spec.area:
        params[geography.AREA_PARAM] = [spec.area]
    return params


TEXT = PageText(
    intro=(
        "Which subjects' graduates earn most: every subject's median earnings for one tax year and one number of "
        "years after graduation, ranked, with the range from the lower to the upper quartile. The median for all "
        "subjects is the dashed reference line."
    ),
    no_table=earnings.NO_TABLE_MESSAGE,
)


def choose(entry: TableEntry, ask: Ask) -> dict[str, list[str]]:
    """The page's controls, top to bottom (a provider only nationally), and their URL parameters."""
    options = earnings.table_options(entry)
    defaults, _ = spec_from_params(entry, {})  # the defaults, written once, in spec_from_params
    offered = {m.key: m.label for m in options.measures}
    measure = ask_measure(ask, "Earnings measure", offered) or options.measures[0].key
    area = ask_area(ask, options.areas)
    provider: str | None = None
    if options.providers and not geography.below_national(area):
        help = "Rank the subjects of one provider instead of the national figures. Search above, then choose."
        provider = ask(provider_picker(entry, options, help)) or None
    labels = [period_label(p) for p in reversed(options.periods)]
    year = ask(Select(entry.time_label, "year", labels, period_label(defaults.period))) or period_label(defaults.period)
    yag = ask(Select("Years after graduation", "yag", options.years_after, defaults.years_after))
    sort = ask(LabelledSelect("Order", "sort", SORTS, defaults.sort))
    spec = RankingSpec(
        table_id=entry.id,
        measure=measure,
        period=int(period_value(year)),
        years_after=yag or defaults.years_after,
        provider=provider,
        sort=sort or defaults.sort,
        area=geography.area_code(options.areas, area),
    )
    return spec_params(spec, options)


def ranking_frame(
    entry: TableEntry, spec: RankingSpec, *, data_dir: Path | None = None
) -> tuple[pl.DataFrame, earnings.EarningsMeasure, str | None]:
    """The protected frame: one row per subject (and the all-subjects row last, rank null), with median, quartiles
    and their statuses, ranked by `spec.sort`. Also the measure and the all-subjects item, if any."""
    options = earnings.table_options(entry, data_dir=data_dir)
    measure = next((m for m in options.measures if m.key == spec.measure), options.measures[0])
    earnings_spec = earnings.EarningsSpec(
        table_id=entry.id,
        measure=measure.key,
        subjects=tuple(options.subjects),
        mode="trajectory",
        years_after=(spec.years_after,),
        period=spec.period,
        provider=spec.provider,
        area=spec.area,
    )
    rows = earnings.select_rows(entry, earnings_spec, options, data_dir)
    own = rows.filter(~pl.col(earnings.NATIONAL)) if spec.provider else rows.filter(pl.col(earnings.NATIONAL))
    base = earnings.base_indicator(entry, measure)
    indicators = [*measure.indicators, *([base] if base else [])]
    subject = str(entry.role("subject"))
    value_columns = [i.column for i in indicators]
    missing = [v for v in value_columns if v not in own.columns]
    if missing:
        raise earnings.EarningsDataError(f"{entry.id} lacks column(s) {', '.join(missing)}.")
    keep = [subject, *[c for v in value_columns for c in (v, status_column(v)) if c in own.columns]]
    own = own.select(keep).rename({subject: earnings.SUBJECT}).with_columns(pl.col(earnings.SUBJECT).cast(pl.String))
    if own.select(pl.col(earnings.SUBJECT).is_duplicated().any()).item():
        raise earnings.EarningsDataError(
            f"{entry.id} has more than one row for some subject: it has a breakdown this page does not choose, "
            "so no single figure can be shown."
        )
    protected = sdc.protect(own, indicators, entry.disclosure)
    # Every subject of the table (of the provider, when one is chosen) is listed: one without a published row in
    # this year is a gap 'not available', never a zero.
    offered = earnings.provider_subjects(entry, spec.provider, data_dir=data_dir) if spec.provider else options.subjects
    every = pl.DataFrame({earnings.SUBJECT: list(offered)}, schema={earnings.SUBJECT: pl.String})
    frame = every.join(protected, on=earnings.SUBJECT, how="left")
    frame = frame.with_columns(sdc.missing_as_not_available(v) for v in value_columns)
    frame = sdc.guard(frame, indicators, entry.disclosure, derived=False)
    if base is not None and base.column not in [i.column for i in measure.indicators]:
        frame = frame.drop([base.column, status_column(base.column)], strict=False)
    total = total_subject(entry, options, data_dir=data_dir)
    return _ranked(frame, measure, spec.sort, total), measure, total


def _ranked(frame: pl.DataFrame, measure: earnings.EarningsMeasure, sort: str, total: str | None) -> pl.DataFrame:
    """Subjects in `sort` order (a subject without a published figure to sort by goes last, by name), ranked by
    median (ties share a rank), with the all-subjects row after them and no rank."""
    is_total = pl.col(earnings.SUBJECT) == pl.lit(total) if total is not None else pl.lit(False)
    subjects = frame.filter(~is_total)
    reference = frame.filter(is_total)
    key_column = {
        "median": measure.median.column,
        "lq": measure.lower_quartile.column if measure.lower_quartile else measure.median.column,
        "uq": measure.upper_quartile.column if measure.upper_quartile else measure.median.column,
    }.get(sort)
    if key_column is None:
        subjects = subjects.sort(pl.col(earnings.SUBJECT).str.to_lowercase())
    else:
        subjects = subjects.sort(
            [pl.col(key_column).is_null(), pl.col(key_column), pl.col(earnings.SUBJECT).str.to_lowercase()],
            descending=[False, True, False],
        )
    median = measure.median.column
    # The rank is a label of the row (text): blank for a subject without a median and for the reference row.
    subjects = subjects.with_columns(
        pl.col(median).rank(method="min", descending=True).cast(pl.Int64).cast(pl.String).fill_null("").alias(RANK)
    )
    reference = reference.with_columns(
        pl.lit(REFERENCE_LABEL).alias(earnings.SUBJECT), pl.lit("", dtype=pl.String).alias(RANK)
    )
    return pl.concat([subjects, reference.select(subjects.columns)], how="vertical_relaxed")


def _money(value: float | None) -> str:
    return format_number(value, "£", 0)


def summary_sentence(frame: pl.DataFrame, measure: earnings.EarningsMeasure, *, yag: str, year: str, who: str) -> str:
    """GSS-style words: the top and bottom subjects, the all-subjects median, and how many have no figure."""
    median = measure.median.column
    ranked = frame.filter((pl.col(earnings.SUBJECT) != REFERENCE_LABEL) & pl.col(median).is_not_null())
    reference = frame.filter(pl.col(earnings.SUBJECT) == REFERENCE_LABEL)
    when = f"{earnings.yag_long(yag)} in {year}"
    if ranked.is_empty():
        return f"No subject has a published median for {who} {when}."
    top_value = ranked[median].max()
    bottom_value = ranked[median].min()
    top = sorted(ranked.filter(pl.col(median) == top_value)[earnings.SUBJECT].to_list())
    bottom = sorted(ranked.filter(pl.col(median) == bottom_value)[earnings.SUBJECT].to_list())
    sentence = (
        f"For {who}, graduates of {join_words(top)} had the highest median earnings {when} "
        f"({_money(top_value)}, cash terms)"
    )
    if ranked.height > 1 and bottom_value != top_value:
        sentence += f", and graduates of {join_words(bottom)} the lowest ({_money(bottom_value)})"
    sentence += "."
    if not reference.is_empty() and reference[median][0] is not None:
        sentence += f" The median for all subjects was {_money(reference[median][0])}."
    gaps = frame.filter((pl.col(earnings.SUBJECT) != REFERENCE_LABEL) & pl.col(median).is_null()).height
    if gaps:
        sentence += (
            f" {gaps} {'subject has' if gaps == 1 else 'subjects have'} no published median "
            "(suppressed or not available) and cannot be ranked."
        )
    return sentence


def build_figure(measure: earnings.EarningsMeasure, *, x_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """Horizontal ranking: a dot at each subject's median, a whisker from lower to upper quartile, the first-ranked
    subject at the top; the all-subjects median as a labelled reference line. A subject without a published median
    keeps its row with nothing drawn (a gap, never zero)."""
    median = measure.median.column
    lower = measure.lower_quartile.column if measure.lower_quartile else None
    upper = measure.upper_quartile.column if measure.upper_quartile else None

    def draw(frame: pl.DataFrame) -> go.Figure:
        subjects = frame.filter(pl.col(earnings.SUBJECT) != REFERENCE_LABEL)
        names = [charts.plain_text(s) for s in subjects[earnings.SUBJECT].to_list()]
        medians = subjects[median].to_list()
        figure = go.Figure()
        if lower and upper:
            lqs, uqs = subjects[lower].to_list(), subjects[upper].to_list()
            quartiles = earnings.subject_spans(
                names, lqs, uqs, role="quartiles", colour=charts.DARK_BLUE, name="Lower to upper quartile"
            )
            figure.add_trace(quartiles)
        figure.add_trace(
            earnings.subject_dots(
                medians, names, name="Median", role="median", colour=charts.DARK_BLUE, symbol="circle", size=10
            )
        )
        reference = frame.filter(pl.col(earnings.SUBJECT) == REFERENCE_LABEL)
        if not reference.is_empty() and reference[median][0] is not None:
            value = reference[median][0]
            figure.add_vline(
                x=value,
                line={"color": charts.REFERENCE, "dash": "dash", "width": 2},
                opacity=1,
                annotation={"text": f"All subjects: {_money(value)}", "font": {"color": charts.REFERENCE}},
                annotation_position="bottom right",  # clear of the title and legend above the plot
            )
        earnings.subject_dot_axes(figure, names, x_title)
        return figure

    return draw


def ranking_view(
    entry: TableEntry, spec: RankingSpec, *, notes: Sequence[str] = (), data_dir: Path | None = None
) -> View:
    """The subject ranking view: protected frame, title, summary, footnotes and figure."""
    options = earnings.table_options(entry, data_dir=data_dir)
    frame, measure, _total = ranking_frame(entry, spec, data_dir=data_dir)
    provider_label = options.provider_names.get(spec.provider or "") if spec.provider else None
    area = geography.area_by_code(options.areas, spec.area)
    who = provider_label or spec.provider or (area.name if area and geography.below_national(area) else "all providers")
    year = period_label(spec.period)
    columns: list[Column] = [Column(RANK, "Rank"), Column(earnings.SUBJECT, "Subject")]
    for indicator in measure.indicators:
        columns.append(Column.for_indicator(indicator, dp=0, label=f"{indicator.label} (£, cash terms)"))
    order = SORTS[spec.sort].lower()
    title = (
        f"{measure.label} of graduates {earnings.yag_long(spec.years_after)} by subject, "
        f"{who}, {entry.time_label.lower()} {year} (cash terms)"
    )
    scope = geography.area_filter(options.areas, area)
    if not geography.below_national(area):  # a region's or authority's rows carry no provider
        provider = f"{provider_label} ({spec.provider})" if spec.provider else "All providers (national figures)"
        scope.insert(0, ("Provider", provider))
    filters: list[tuple[str, str]] = [
        (entry.time_label, year),
        ("Years after graduation", spec.years_after),
        *scope,
        ("Order", SORTS[spec.sort]),
        ("Basis", "cash terms"),
    ]
    footnotes = (
        f"Subjects are ordered by {order}; the rank is by median (subjects with equal medians share a rank). "
        "The all-subjects median is drawn as a reference line and is not ranked.",
        "Earnings are in cash terms, as published (not adjusted for inflation).",
    )
    view = make_view(
        key=VIEW_KEY,
        entry=entry,
        title=title,
        frame=frame,
        columns=columns,
        summary=summary_sentence(frame, measure, yag=spec.years_after, year=year, who=who),
        filters=filters,
        build_figure=build_figure(measure, x_title=f"{measure.label} (£, cash terms)"),
        notes=notes,
        extra_footnotes=footnotes,
        charted=[measure.median.column],
    )
    if view.figure is not None:
        n_subjects = frame.filter(pl.col(earnings.SUBJECT) != REFERENCE_LABEL).height
        earnings.fit_subject_rows(view.figure, n_subjects, row_px=26)
    return view


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's view from its URL parameters (for briefings), over the tables the user may see."""
    return page_support.one_view_from_link(params, tables, supports, spec_from_params, ranking_view, data_dir=data_dir)

"""Provider profile: the provider's median earnings subject by subject against the national figure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses import earnings, page_support, subject_ranking
from leo_dash.analyses.provider_profile.spec import SUBJECTS_KEY
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label, period_value
from leo_dash.present import charts
from leo_dash.present.views import Column, View, format_number, make_view

# Frame columns of the subjects view (one row per subject).
SUBJECT = earnings.SUBJECT
PROVIDER_MEDIAN = "provider_median"
NATIONAL_MEDIAN = "national_median"
COMPARED = "compared"
ABOVE, BELOW, SAME = "Above", "Below", "Same"
ALL_SUBJECTS = subject_ranking.REFERENCE_LABEL


@dataclass(frozen=True)
class SubjectChoice:
    period: int
    years_after: str


def subject_choices(entry: TableEntry, *, data_dir: Path | None = None) -> tuple[list[str], list[str], str]:
    """What the page offers for the subject earnings: year labels (latest first), years after graduation, and the
    default years after graduation (five when published)."""
    options = earnings.table_options(entry, data_dir=data_dir)
    labels = [period_label(p) for p in reversed(options.periods)]
    return labels, list(options.years_after), page_support.default_years_after(options.years_after)


def subject_choice(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[SubjectChoice, list[str]]:
    """The year and years after graduation a link asks for, with defaults (latest year; five years when published)
    and a note for each value the table does not have."""
    options = earnings.table_options(entry, data_dir=data_dir)
    notes: list[str] = []
    labels = {period_label(p): p for p in options.periods}
    period = options.latest_period
    asked = [str(v) for v in params.get("year", ())]
    if asked:
        if asked[-1] in labels:
            period = labels[asked[-1]]
        else:
            notes.append(f"The link's year '{asked[-1]}' is not in {entry.title}; the latest year is shown.")
    yag = page_support.default_years_after(options.years_after)
    asked = [str(v) for v in params.get("yag", ())]
    if asked:
        if asked[-1] in options.years_after:
            yag = asked[-1]
        else:
            notes.append(f"The link's years after graduation '{asked[-1]}' is not in {entry.title}.")
    return SubjectChoice(int(period_value(period_label(period))), yag), notes


def subjects_frame(
    entry: TableEntry, provider: str, choice: SubjectChoice, *, data_dir: Path | None = None
) -> tuple[pl.DataFrame, earnings.EarningsMeasure]:
    """One row per subject of the provider: its published median, the national median for the subject, and how they
    compare (only when both are published); subjects by the provider's median, highest first; all subjects last."""
    options = earnings.table_options(entry, data_dir=data_dir)

    def ranking(who: str | None) -> tuple[pl.DataFrame, earnings.EarningsMeasure]:
        spec = subject_ranking.RankingSpec(
            table_id=entry.id,
            measure=options.measures[0].key,
            period=choice.period,
            years_after=choice.years_after,
            provider=who,
        )
        frame, measure, _total = subject_ranking.ranking_frame(entry, spec, data_dir=data_dir)
        return frame, measure

    own, measure = ranking(provider)
    national, _ = ranking(None)
    median = measure.median.column
    own = own.select(
        SUBJECT,
        pl.col(median).alias(PROVIDER_MEDIAN),
        pl.col(status_column(median)).alias(status_column(PROVIDER_MEDIAN)),
    )
    national = national.select(
        SUBJECT,
        pl.col(median).alias(NATIONAL_MEDIAN),
        pl.col(status_column(median)).alias(status_column(NATIONAL_MEDIAN)),
    )
    frame = own.join(national, on=SUBJECT, how="left").with_columns(sdc.missing_as_not_available(NATIONAL_MEDIAN))
    both = pl.col(PROVIDER_MEDIAN).is_not_null() & pl.col(NATIONAL_MEDIAN).is_not_null()
    frame = frame.with_columns(
        pl.when(~both)
        .then(pl.lit("Cannot compare"))
        .when(pl.col(PROVIDER_MEDIAN) > pl.col(NATIONAL_MEDIAN))
        .then(pl.lit(ABOVE))
        .when(pl.col(PROVIDER_MEDIAN) < pl.col(NATIONAL_MEDIAN))
        .then(pl.lit(BELOW))
        .otherwise(pl.lit(SAME))
        .alias(COMPARED)
    )
    is_all = pl.col(SUBJECT) == ALL_SUBJECTS
    subjects = frame.filter(~is_all).sort(
        [pl.col(PROVIDER_MEDIAN).is_null(), pl.col(PROVIDER_MEDIAN), pl.col(SUBJECT).str.to_lowercase()],
        descending=[False, True, False],
    )
    return pl.concat([subjects, frame.filter(is_all)], how="vertical_relaxed"), measure


def subjects_summary(frame: pl.DataFrame, name: str, *, yag: str, year: str) -> str:
    """'Five years after graduation (2022-23 tax year, cash terms), the median earnings of X's graduates were above
    the national median for the subject in 7 of 12 subjects, below it in 4 and the same in 1; ...'"""
    subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)
    counts = {k: subjects.filter(pl.col(COMPARED) == k).height for k in (ABOVE, BELOW, SAME)}
    compared = sum(counts.values())
    when = f"{earnings.yag_long(yag)} ({year} tax year, cash terms)"
    when = when[:1].upper() + when[1:]
    if compared == 0:
        sentence = (
            f"{when}, none of {name}'s subjects has both its own and a national median published, so none can be "
            "compared."
        )
    else:
        sentence = (
            f"{when}, the median earnings of {name}'s graduates were above the national median for the subject in "
            f"{counts[ABOVE]:,} of {compared:,} subject{'s' if compared != 1 else ''}"
        )
        rest = [
            f"below it in {counts[BELOW]:,}" if counts[BELOW] else "",
            f"the same in {counts[SAME]:,}" if counts[SAME] else "",
        ]
        rest = [r for r in rest if r]
        if rest:
            sentence += ", " + " and ".join(rest)
        sentence += "."
    uncompared = subjects.height - compared
    if uncompared:
        sentence += (
            f" {uncompared:,} further subject{'s' if uncompared != 1 else ''} cannot be compared because a median is "
            "suppressed or not available."
        )
    overall = frame.filter(pl.col(SUBJECT) == ALL_SUBJECTS)
    if not overall.is_empty() and overall[COMPARED][0] != "Cannot compare":
        sentence += (
            f" Across all its subjects, its median was {format_number(overall[PROVIDER_MEDIAN][0], '£', 0)} against "
            f"{format_number(overall[NATIONAL_MEDIAN][0], '£', 0)} nationally."
        )
    return sentence


def _subjects_figure(name: str, x_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """A dot plot: the provider's median (dark blue circle) and the national median (orange diamond) for each subject,
    joined by a grey line; markers differ in shape as well as colour. Missing figures are gaps."""

    def draw(frame: pl.DataFrame) -> go.Figure:
        subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)
        labels = [charts.plain_text(s) for s in subjects[SUBJECT].to_list()]
        own = subjects[PROVIDER_MEDIAN].to_list()
        national = subjects[NATIONAL_MEDIAN].to_list()
        figure = go.Figure()
        figure.add_trace(earnings.subject_spans(labels, own, national, role="connector", colour=charts.MUTED))
        national_dots = earnings.subject_dots(
            national, labels, name="All providers (national)", role="national", colour=charts.ORANGE,
            symbol="diamond", size=11, hover_name="All providers",
        )  # fmt: skip
        figure.add_trace(national_dots)
        own_dots = earnings.subject_dots(
            own, labels, name=charts.plain_text(name), role="provider", colour=charts.DARK_BLUE, symbol="circle",
            size=11,
        )  # fmt: skip
        figure.add_trace(own_dots)
        earnings.subject_dot_axes(figure, labels, x_title)
        return figure

    return draw


def subjects_view(
    entry: TableEntry,
    provider: str,
    name: str,
    choice: SubjectChoice,
    *,
    notes: Sequence[str] = (),
    data_dir: Path | None = None,
) -> View:
    frame, measure = subjects_frame(entry, provider, choice, data_dir=data_dir)
    year = period_label(choice.period)
    money = measure.label
    columns = [
        Column(SUBJECT, "Subject"),
        Column(PROVIDER_MEDIAN, f"{name} (£, cash terms)", "value", "£", 0),
        Column(NATIONAL_MEDIAN, "All providers (£, cash terms)", "value", "£", 0),
        Column(COMPARED, "Compared with all providers"),
    ]
    view = make_view(
        key=SUBJECTS_KEY,
        entry=entry,
        title=(
            f"{money} {earnings.yag_long(choice.years_after)} by subject, {name} against all providers, "
            f"{entry.time_label.lower()} {year} (cash terms)"
        ),
        frame=frame,
        columns=columns,
        summary=subjects_summary(frame, name, yag=choice.years_after, year=year),
        filters=[
            ("Provider", f"{name} ({provider})"),
            (entry.time_label, year),
            ("Years after graduation", choice.years_after),
            ("Basis", "cash terms"),
        ],
        build_figure=_subjects_figure(name, f"{money} (£, cash terms)"),
        notes=notes,
        extra_footnotes=(
            "Each subject's national figure is the published median for all providers in that subject; 'above' and "
            "'below' compare the two published (rounded) figures and are not tests of significance.",
            "Earnings are in cash terms, as published (not adjusted for inflation).",
        ),
        charted=[PROVIDER_MEDIAN, NATIONAL_MEDIAN],
    )
    if view.figure is not None:
        n_subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS).height
        earnings.fit_subject_rows(view.figure, n_subjects, row_px=28)
    return view

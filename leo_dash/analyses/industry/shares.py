"""Ranked shares of graduates: the industries a subject's graduates work in and the subjects behind an industry,
as protected frames (published for a region, summed for England) and as views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses.industry.spec import (
    BASES,
    ENGLAND,
    INDUSTRY,
    LABEL_CHARS,
    REGIONAL,
    SHARE,
    SUBJECT,
    VIEW_INDUSTRIES,
    VIEW_SUBJECTS,
    IndustrySpec,
    _where,
    _who,
    count_columns,
    earnings_indicator,
    industry_name,
    options,
)
from leo_dash.core import query
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, make_view, python_column

# --------------------------------------------------------------------------------------------------------------
# Protected frames


def _counts(
    entry: TableEntry, spec: IndustrySpec, by: str, where: dict[str, list[str]], *, data_dir: Path | None
) -> pl.DataFrame:
    """One row per `by` item: the graduate count (published for a region, derived for England) and, for a region,
    the published median earnings; protected."""
    count = count_columns(entry)[spec.basis]
    earnings = earnings_indicator(entry)
    industry, subject, region = (str(entry.role(r)) for r in ("industry", "subject", "region"))
    key = industry if by == INDUSTRY else subject
    selection = {"years_after": [spec.years_after], query.LEVEL_COLUMN: [REGIONAL], **where}
    if spec.region != ENGLAND:
        selection["region"] = [spec.region]
    vary = [key] + ([subject] if by == SUBJECT else [])
    indicators = [count] + ([earnings] if earnings is not None else [])
    if earnings is not None and earnings.base and earnings.base != count.column:
        indicators.append(entry.indicator(earnings.base))
    columns = [key, *(i.column for i in indicators)]
    rows = query.select(entry, selection, vary=vary, columns=columns, data_dir=data_dir)
    if spec.region != ENGLAND:
        frame = sdc.protect(rows, indicators, entry.disclosure)
    else:
        # England: the regions' published counts summed (derived, D3); earnings never combined (D5: x).
        frame = sdc.aggregate(rows, [key], [count], entry.disclosure)
        if earnings is not None:
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.Float64).alias(earnings.column),
                pl.lit(sdc.NOT_AVAILABLE).alias(status_column(earnings.column)),
            )
    keep = [key, count.column, status_column(count.column)]
    if earnings is not None:
        keep += [earnings.column, status_column(earnings.column)]
    return frame.select(keep).rename({key: by})


def _with_shares(frame: pl.DataFrame, count: str, entry: TableEntry) -> tuple[pl.DataFrame, float | None, str | None]:
    """Each row's share of all rows with a shown count (D4 per share), and that total (derived, D3)."""
    shown = frame.filter(pl.col(status_column(count)).is_null())
    total_value = float(shown[count].sum()) if shown.height else None
    total, total_status = sdc.derived_count(total_value, entry.disclosure)
    shares: list[float | None] = []
    statuses: list[str | None] = []
    for value, status in zip(frame[count].to_list(), frame[status_column(count)].to_list(), strict=True):
        if status is not None or total is None:
            shares.append(None)
            statuses.append(status or total_status or sdc.SUPPRESSED)
            continue
        share, share_status = sdc.share(value, total_value, entry.disclosure)
        shares.append(share)
        statuses.append(share_status)
    return (
        frame.with_columns(
            pl.Series(SHARE, shares, dtype=pl.Float64), pl.Series(status_column(SHARE), statuses, dtype=pl.String)
        ),
        total,
        total_status,
    )


def _ranked(frame: pl.DataFrame, count: str, name: str) -> pl.DataFrame:
    return frame.sort([pl.col(count).is_null(), pl.col(count), pl.col(name)], descending=[False, True, False])


def industries_frame(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> pl.DataFrame:
    subject = str(entry.role("subject"))
    frame = _counts(entry, spec, INDUSTRY, {subject: [spec.subject]}, data_dir=data_dir)
    count = count_columns(entry)[spec.basis].column
    frame, _total, _status = _with_shares(frame, count, entry)
    frame = frame.with_columns(python_column(frame, INDUSTRY, industry_name, INDUSTRY))
    return _ranked(frame, count, INDUSTRY)


def subjects_frame(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> pl.DataFrame:
    industry = str(entry.role("industry"))
    frame = _counts(entry, spec, SUBJECT, {industry: [spec.industry]}, data_dir=data_dir)
    found = options(entry, data_dir=data_dir)
    # The all-subjects row is the industry's total, not a subject: it is not ranked among them.
    frame = frame.filter(pl.col(SUBJECT) != (found.all_subjects or ""))
    count = count_columns(entry)[spec.basis].column
    frame, _total, _status = _with_shares(frame, count, entry)
    return _ranked(frame, count, SUBJECT)


# --------------------------------------------------------------------------------------------------------------
# Views


def _bar_figure(name: str, x_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """Horizontal bars of the share, largest at the top; a row without a share keeps its place with no bar."""

    def draw(frame: pl.DataFrame) -> go.Figure:
        full = [charts.plain_text(str(v)) for v in frame[name].to_list()]
        # A few SIC section names run past 100 characters: shortened on the axis (so the bars keep their width),
        # whole in the hover text and the table.
        names = [n if len(n) <= LABEL_CHARS else n[: LABEL_CHARS - 1].rstrip() + "…" for n in full]
        figure = go.Figure(
            go.Bar(
                x=frame[SHARE].to_list(),
                y=names,
                customdata=full,
                orientation="h",
                marker={"color": charts.DARK_BLUE},
                hovertemplate="%{customdata}: %{x:.1f}%<extra></extra>",
                name="Share of graduates",
            )
        )
        figure.update_layout(
            yaxis=charts.top_down_axis(names),
            xaxis={"title": x_title, "ticksuffix": "%", "rangemode": "tozero", "gridcolor": "#E5E5E5"},
            showlegend=False,
            height=160 + 26 * max(len(names), 4),
        )
        return figure

    return draw


def _share_columns(entry: TableEntry, spec: IndustrySpec, name: str, label: str) -> list[Column]:
    count = count_columns(entry)[spec.basis]
    columns = [
        Column(name, label),
        Column(SHARE, "Share of graduates (%)", "value", "%", 1),
        Column.for_indicator(count, dp=0),
    ]
    earnings = earnings_indicator(entry)
    if earnings is not None:
        columns.append(Column.for_indicator(earnings, dp=0, label=f"{earnings.label} (£, cash terms)"))
    return columns


def _top_sentence(frame: pl.DataFrame, name: str, lead: str, what: str) -> str:
    shown = frame.filter(pl.col(status_column(SHARE)).is_null())
    if shown.is_empty():
        return f"{lead}: no {what} has a share that can be shown (suppressed or too few graduates)."
    top = shown.sort(SHARE, descending=True).row(0, named=True)
    gaps = frame.height - shown.height
    sentence = f"{lead}: the largest share was {charts.plain_text(str(top[name]))} ({top[SHARE]:.1f}%)."
    if gaps:
        plural = {"industry": "industries", "subject": "subjects"}.get(what, what + "s")
        sentence += f" {gaps} {what if gaps == 1 else plural} cannot be shown (suppressed or too few graduates)."
    return sentence


def _footnotes(entry: TableEntry, spec: IndustrySpec) -> list[str]:
    notes = [
        "Shares are of graduates in rows with a published count; they are worked out by LEO Explorer (not "
        "published) and hidden where the numerator is under 3 or the total under 6 graduates.",
    ]
    if spec.region == ENGLAND:
        notes.append(
            "England figures add up the regions' published counts (rounded to the nearest "
            f"{entry.disclosure.count_base}); median earnings are published for one region at a time and are never "
            "combined across regions, so they are shown for a single region only."
        )
    return notes


def _share_view(
    entry: TableEntry,
    spec: IndustrySpec,
    *,
    key: str,
    by: str,
    frame: pl.DataFrame,
    what: str,
    chosen: tuple[str, str],
    axis: str,
    notes: Sequence[str],
    data_dir: Path | None,
) -> View:
    """A ranked share-of-graduates view: `what` describes the graduates ('of Computing', 'working in education'),
    `chosen` is the filter row naming them."""
    year = period_label(options(entry, data_dir=data_dir).period)
    who = f"{spec.years_after} years after graduation {_who(spec)} {_where(spec)}"
    heading = "Industries of" if by == INDUSTRY else "Subjects studied by"
    return make_view(
        key=key,
        entry=entry,
        # 'of Computing 5 years after ...' reads on; 'working in education, 5 years after ...' needs the comma.
        title=f"{heading} first-degree graduates {what}{',' if by == SUBJECT else ''} {spec.years_after} years after "
        f"graduation, graduates {_who(spec)} {_where(spec)}, tax year {year}",
        frame=frame,
        columns=_share_columns(entry, spec, by, "Industry (SIC section)" if by == INDUSTRY else "Subject studied"),
        summary=_top_sentence(frame, by, f"Of graduates {what} {who}", by),
        filters=[
            ("Tax year", year),
            ("Years after graduation", spec.years_after),
            chosen,
            ("Region", spec.region),
            ("Basis", BASES[spec.basis]),
        ],
        build_figure=_bar_figure(by, axis),
        notes=notes,
        extra_footnotes=_footnotes(entry, spec),
        charted=[SHARE],
    )


def industries_view(
    entry: TableEntry, spec: IndustrySpec, *, notes: Sequence[str] = (), data_dir: Path | None = None
) -> View:
    subject = "all subjects" if spec.subject == options(entry, data_dir=data_dir).all_subjects else spec.subject
    frame = industries_frame(entry, spec, data_dir=data_dir)
    return _share_view(
        entry, spec, key=VIEW_INDUSTRIES, by=INDUSTRY, frame=frame, what=f"of {subject}",
        chosen=("Subject", spec.subject), axis="Share of graduates (%)", notes=notes, data_dir=data_dir,
    )  # fmt: skip


def subjects_view(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> View:
    industry = industry_name(spec.industry)
    frame = subjects_frame(entry, spec, data_dir=data_dir)
    return _share_view(
        entry, spec, key=VIEW_SUBJECTS, by=SUBJECT, frame=frame, what=f"working in {industry.lower()}",
        chosen=("Industry", industry), axis="Share of the industry's graduates (%)", notes=(), data_dir=data_dir,
    )  # fmt: skip

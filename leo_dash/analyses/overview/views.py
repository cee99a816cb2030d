"""Headline figures: the figures behind the headlines as one view per source table (frame, chart, summary)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from leo_dash.analyses import benefits
from leo_dash.analyses.overview.headline import Headline
from leo_dash.analyses.overview.spec import BASIS, FIGURE, HEADLINE, KEY, PERIOD, PERIOD_LABEL, VALUE
from leo_dash.core import query
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.sentences import in_sentence, join_words, years_after_phrase
from leo_dash.present.views import Column, View, format_number, gap_note, make_view, python_column


def _by_table(headlines: Sequence[Headline]) -> list[list[Headline]]:
    groups: dict[str, list[Headline]] = {}
    for h in headlines:
        groups.setdefault(h.entry.id, []).append(h)
    return list(groups.values())


def _figure_text(value: float | None, status: str | None, unit: str, dp: int) -> str:
    if status is not None or value is None:
        return SYMBOL_LABELS.get(status or "x", status or "x")
    return format_number(value, unit, dp)


def headlines_frame(headlines: Sequence[Headline]) -> pl.DataFrame:
    """One row per headline and year; the figure as the table shows it (text: units differ between rows)."""
    frames = []
    for n, h in enumerate(headlines):
        frames.append(
            h.series.with_columns(
                pl.lit(n).alias(KEY),
                pl.lit(h.title).alias(HEADLINE),
                python_column(h.series, PERIOD_LABEL, period_label, PERIOD),
                python_column(
                    h.series,
                    FIGURE,
                    lambda value, status, h=h: _figure_text(value, status, h.unit, h.dp),
                    VALUE,
                    status_column(VALUE),
                ),
                pl.lit(h.basis).alias(BASIS),
            )
        )
    return pl.concat(frames, how="vertical_relaxed").select(
        KEY, HEADLINE, PERIOD, PERIOD_LABEL, FIGURE, BASIS, VALUE, status_column(VALUE)
    )


def _panels(headlines: Sequence[Headline]) -> list[list[int]]:
    """Headlines sharing a measure share a panel (median earnings one, three and five years after)."""
    panels: dict[tuple[str, str], list[int]] = {}
    for n, h in enumerate(headlines):
        panels.setdefault((h.spec.kind, h.indicator.column), []).append(n)
    return list(panels.values())


def _panel_title(headlines: Sequence[Headline], members: Sequence[int]) -> str:
    first = headlines[members[0]]
    if first.spec.kind == "earnings":
        return "Median earnings (£)"
    name = (
        benefits.measure_title(first.indicator)
        if first.spec.kind == "benefits"
        else benefits.measure_name(first.indicator)
    )
    return f"{name} (%)"


def _line_label(h: Headline) -> str:
    """Direct label of a line in a shared panel: '5 years' (the panel title says of what)."""
    years = h.spec.years_after
    if years is None:
        return h.label
    return f"{years} {'year' if years == '1' else 'years'} after"


def _wrap(text: str, width: int = 42) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


def build_headlines_figure(headlines: Sequence[Headline], frame: pl.DataFrame) -> go.Figure:
    """Small multiples: one panel per measure, one line per headline over every year; a symbol is a gap. Lines
    sharing a panel are labelled at their end instead of in a legend (GOV.UK guidance: label lines directly)."""
    panels = _panels(headlines)
    figure = make_subplots(
        rows=1,
        cols=len(panels),
        subplot_titles=[_wrap(charts.plain_text(_panel_title(headlines, p))) for p in panels],
        horizontal_spacing=0.14 if len(panels) > 1 else 0.08,
    )
    colour = 0
    for col, members in enumerate(panels, start=1):
        for n in members:
            h = headlines[n]
            rows = frame.filter(pl.col(KEY) == n).sort(PERIOD)
            ys = [
                v if s is None else None
                for v, s in zip(rows[VALUE].to_list(), rows[status_column(VALUE)].to_list(), strict=True)
            ]
            xs = [charts.plain_text(x) for x in rows[PERIOD_LABEL].to_list()]
            name = charts.plain_text(h.label)
            hover = [f"{name}<br>{x}: {charts.plain_text(t)}" for x, t in zip(xs, rows[FIGURE].to_list(), strict=True)]
            meta = {
                "role": "headline",
                "key": h.spec.key,
                "indicator": h.indicator.column,
                "years_after": h.spec.years_after,
            }
            figure.add_trace(
                charts.line_trace(xs, ys, name, charts.colour(colour), hover, showlegend=False, meta=meta),
                row=1,
                col=col,
            )
            last = next(((x, y) for x, y in zip(reversed(xs), reversed(ys), strict=True) if y is not None), None)
            if len(members) > 1 and last is not None:
                figure.add_annotation(
                    x=last[0],
                    y=last[1],
                    text=charts.plain_text(_line_label(h)),
                    showarrow=False,
                    xanchor="left",
                    xshift=8,
                    # Dark text: the palette's lighter colours fail WCAG text contrast; the label sits at its line's end.
                    font={"size": 12, "color": charts.REFERENCE},
                    row=1,
                    col=col,
                )
            colour += 1
        unit = headlines[members[0]].unit
        figure.update_yaxes(rangemode="tozero", **charts.axis_format(unit), row=1, col=col)
        figure.update_xaxes(type="category", tickangle=-45, row=1, col=col)
    figure.update_layout(height=520, showlegend=False)
    return figure


def fit_title(figure: go.Figure) -> None:
    """Room above the panels for the wrapped chart title and the panel titles under it."""
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    panel_lines = max(
        (str(a.text).count("<br>") + 1 for a in figure.layout.annotations if a.yref == "paper" and a.y == 1), default=1
    )
    top = 12 + 24 * title_lines + 16 + 18 * panel_lines
    bottom = int(figure.layout.margin.b or 80)
    figure.update_layout(
        title=charts.title_at_top(figure.layout.title.text),
        margin={"t": top, "r": 110},
        height=380 + top + bottom,
    )


def _short_clause(h: Headline) -> str:
    label = in_sentence(h.label)
    when = period_label(h.period)
    if h.value is None:
        return f"{label}: {SYMBOL_MEANINGS.get(h.status or 'x', h.status or 'x')} in {when}"
    change = f" ({h.change_text})" if h.change_text else ""
    return f"{label} {h.value_text} in {when}{change}"


def headlines_summary(headlines: Sequence[Headline]) -> str:
    """One sentence: every headline's latest figure and change; a suppressed figure is named, never cited."""
    return "Latest figures: " + "; ".join(_short_clause(h) for h in headlines) + "."


def headlines_title(headlines: Sequence[Headline]) -> str:
    """'Median earnings one, three and five years after graduation, sustained employment …, all providers, tax
    years 2019-20 to 2023-24'."""
    parts: list[str] = []
    for members in _panels(headlines):
        first = headlines[members[0]]
        if first.spec.kind == "earnings" and len(members) > 1:
            years = [headlines[n].spec.years_after for n in members]
            event = benefits.after_event(first.entry, query.column_labels(first.entry)) or "graduation"
            words = join_words([years_after_phrase(y, event).split(" ")[0] for y in years if y])
            parts.append(f"Median earnings {words} years after {event}")
        else:
            parts.append(first.label)
    entry = headlines[0].entry
    periods = headlines[0].series[PERIOD].to_list()
    span = benefits.years_phrase(entry, periods)
    context = f" ({headlines[0].context})" if headlines[0].context else ""
    scope = headlines[0].area or "all providers"
    return join_words([parts[0]] + [in_sentence(p) for p in parts[1:]]) + f"{context}, {scope}, {span}"


def headlines_view(headlines: Sequence[Headline]) -> View:
    """The figures behind one table's headlines, every year: chart, table and download."""
    entry = headlines[0].entry
    frame = headlines_frame(headlines)
    notes: list[str] = []
    gap = gap_note(frame, [VALUE])
    if gap:
        notes.append(gap)
    if any(h.derived for h in headlines):
        notes.append(
            "This table has no national rows: the all-provider figures are derived from the providers' published "
            "figures, weighted by their bases and leaving out figures that are suppressed or not available, and "
            "shown only when they pass the disclosure rules."
        )
    columns = [
        Column(HEADLINE, "Headline"),
        Column(PERIOD_LABEL, entry.time_label),
        Column(FIGURE, "Figure"),
        Column(BASIS, "Source of the figure"),
    ]
    view = make_view(
        key=f"overview-{entry.id}",
        entry=entry,
        title=headlines_title(headlines),
        frame=frame,
        columns=columns,
        summary=headlines_summary(headlines),
        filters=[("Headlines", "; ".join(h.label for h in headlines)), ("Providers", "All providers")],
        build_figure=lambda f: build_headlines_figure(headlines, f),
        notes=notes,
    )
    if view.figure is not None:
        fit_title(view.figure)
    return view

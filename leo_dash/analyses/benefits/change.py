"""Benefits change between two years: rows, summary, frame, chart and view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses.benefits.change_text import change_words, points_text, rate_change
from leo_dash.analyses.benefits.data import BenefitData, Series, everyone_label
from leo_dash.analyses.benefits.measures import (
    CHANGE,
    END_TEXT,
    GROUP,
    PERIOD_LABEL,
    PROVIDER_LABEL,
    SERIES,
    SERIES_INDEX,
    START_TEXT,
    measure_name,
    measure_title,
)
from leo_dash.analyses.benefits.trend import _dimension_columns, view_filters
from leo_dash.analyses.benefits.wording import (
    _filters_phrase,
    _series_phrase,
    _shown,
    _value,
    measure_phrase,
    scope_phrase,
    series_points,
    split_phrase,
)
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.sentences import in_sentence, join_words
from leo_dash.present.views import Column, View, format_number, make_view

# ---------------------------------------------------------------------------------------------------------------
# Change between two years


@dataclass(frozen=True)
class ChangeRow:
    """One line's change between two years, or why there is none."""

    series: Series
    start: float | None  # shown value (None where a symbol stands)
    end: float | None
    start_status: str | None
    end_status: str | None
    change: float | None  # percentage points
    status: str | None  # the symbol that stops a change being given


def _missing_symbol(*statuses: str | None) -> str:
    """The symbol a change inherits from its missing end points: suppression first (it says most)."""
    present = [s for s in statuses if s is not None]
    return sdc.SUPPRESSED if sdc.SUPPRESSED in present else (present[0] if present else sdc.NOT_AVAILABLE)


def change_rows(data: BenefitData, start: int, end: int) -> list[ChangeRow]:
    """Each line's change from `start` to `end` in percentage points; none where either end carries a symbol."""
    out: list[ChangeRow] = []
    for s, pts in series_points(data):
        at = {p: (v, st) for p, v, st in pts}
        (v0, s0), (v1, s1) = at.get(start, (None, "x")), at.get(end, (None, "x"))
        if v0 is not None and v1 is not None:
            out.append(ChangeRow(s, v0, v1, None, None, rate_change(v1, v0, data.dp), None))
        else:
            out.append(
                ChangeRow(
                    s, v0, v1, s0, s1, None, _missing_symbol(s0 if v0 is None else None, s1 if v1 is None else None)
                )
            )
    return out


def _symbol_text(symbol: str) -> str:
    return f"{SYMBOL_MEANINGS.get(symbol, symbol)} ('{symbol}')"


def missing_ends_note(rows: Sequence[ChangeRow], start: int, end: int) -> str | None:
    """'No change is given for X: its 2019-20 figure is suppressed to protect confidentiality ('c').'"""
    parts: list[str] = []
    for row in rows:
        if row.change is not None:
            continue
        ends = []
        if row.start is None:
            ends.append((period_label(start), row.start_status or "x"))
        if row.end is None:
            ends.append((period_label(end), row.end_status or "x"))
        if len(ends) == 2 and ends[0][1] == ends[1][1]:
            text = f"its {ends[0][0]} and {ends[1][0]} figures are {_symbol_text(ends[0][1])}"
        else:
            text = " and ".join(f"its {year} figure is {_symbol_text(symbol)}" for year, symbol in ends)
        parts.append(f"{row.series.label} ({text})")
    if not parts:
        return None
    return "No change is given from a suppressed or missing figure: " + "; ".join(parts) + "."


def change_summary(data: BenefitData, rows: Sequence[ChangeRow], start: int, end: int) -> str:
    """One sentence on the changes; the end points are cited only where both are published."""
    measure = in_sentence(measure_title(data.indicator))
    a, b = period_label(start), period_label(end)
    known = [r for r in rows if r.change is not None]
    unknown = [r.series.label for r in rows if r.change is None]
    if not known:
        return f"No change in the {measure} between {a} and {b} can be given: for every line a figure is suppressed or not available."
    if len(rows) == 1:
        r = rows[0]
        who = _series_phrase(r.series, data)
        assert r.change is not None and r.start is not None and r.end is not None
        if r.change == 0:
            return f"The {measure} for {who} was unchanged between {a} and {b}, at {_value(r.end, data.dp)}."
        return (
            f"The {measure} for {who} {'rose' if r.change > 0 else 'fell'} by {points_text(r.change, data.dp)} "
            f"between {a} and {b}, from {_value(r.start, data.dp)} to {_value(r.end, data.dp)}."
        )
    groups: list[str] = []
    for verb, test in (("rose", lambda c: c > 0), ("fell", lambda c: c < 0), ("did not change", lambda c: c == 0)):
        chosen = [r for r in known if r.change is not None and test(r.change)]
        if not chosen:
            continue
        if verb == "did not change":
            groups.append(f"{verb} for {join_words([r.series.label for r in chosen])}")
        else:
            groups.append(
                f"{verb} for "
                + join_words([f"{r.series.label} ({change_words(r.change or 0, 'pp', data.dp)})" for r in chosen])
            )
    text = f"Between {a} and {b} the {measure} " + "; it ".join(groups)
    if unknown:
        text += f"; no change is given for {join_words(unknown)} because a figure is suppressed or not available"
    return text + "."


def change_frame(data: BenefitData, rows: Sequence[ChangeRow], start: int, end: int) -> pl.DataFrame:
    def text(value: float | None, status: str | None) -> str:
        if value is not None:
            return _value(value, data.dp)
        return SYMBOL_LABELS.get(status or "x", status or "x")

    return pl.DataFrame(
        {
            SERIES_INDEX: [r.series.index for r in rows],
            SERIES: [r.series.label for r in rows],
            GROUP: [r.series.group for r in rows],
            PROVIDER_LABEL: [
                (data.provider_name or r.series.provider)
                if r.series.provider
                else everyone_label(data.options, data.spec)
                for r in rows
            ],
            START_TEXT: [text(r.start, r.start_status) for r in rows],
            END_TEXT: [text(r.end, r.end_status) for r in rows],
            CHANGE: [r.change for r in rows],
            status_column(CHANGE): [r.status for r in rows],
        },
        schema_overrides={
            GROUP: pl.String,
            PROVIDER_LABEL: pl.String,
            CHANGE: pl.Float64,
            status_column(CHANGE): pl.String,
        },
    )


def build_change_figure(data: BenefitData, frame: pl.DataFrame, start: int, end: int) -> go.Figure:
    """Horizontal bars of the change in percentage points; a line without a change has no bar (x = null) and says
    why at the zero line."""
    figure = go.Figure()
    labels = [charts.plain_text(s) for s in frame[SERIES].to_list()]
    changes = _shown(frame, CHANGE)
    statuses = frame[status_column(CHANGE)].to_list()
    series = {s.index: s for s in data.series}
    colours, outlines = [], []
    for index in frame[SERIES_INDEX].to_list():
        s = series[index]
        colour = charts.colour(s.colour_index)
        light = s.all_providers and bool(data.spec.provider)
        colours.append(charts.rgba(colour, 0.45) if light else colour)
        outlines.append(colour)
    figure.add_trace(
        go.Bar(
            x=changes,
            y=labels,
            orientation="h",
            marker={"color": colours, "line": {"color": outlines, "width": 2}},
            text=[
                "" if c is None else ("0" if c == 0 else f"{'+' if c > 0 else '−'}{format_number(abs(c), '', data.dp)}")
                for c in changes
            ],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"{label}<br>{change_words(c, 'pp', data.dp) if c is not None else 'No change given: ' + SYMBOL_LABELS.get(st or 'x', st or 'x').lower()}"
                for label, c, st in zip(labels, changes, statuses, strict=True)
            ],
            hoverinfo="text",
            showlegend=False,
            meta={"role": "change", "start": period_label(start), "end": period_label(end)},
        )
    )
    for label, c, st in zip(labels, changes, statuses, strict=True):
        if c is None:
            figure.add_annotation(
                x=0,
                y=label,
                text=f"No change given: a figure is {SYMBOL_LABELS.get(st or 'x', st or 'x').lower()} ('{st or 'x'}')",
                showarrow=False,
                xanchor="left",
                xshift=6,
                font={"size": 12, "color": "#505A5F"},
            )
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=labels[::-1], title=None)
    spread = max([abs(c) for c in changes if c is not None] or [1.0])
    figure.update_xaxes(
        title=f"Change from {period_label(start)} to {period_label(end)} (percentage points)",
        zeroline=True,
        zerolinecolor=charts.REFERENCE,
        range=[-spread * 1.4, spread * 1.4],
        ticksuffix="pp",
    )
    figure.update_layout(bargap=0.35)
    return figure


def change_title(data: BenefitData, start: int, end: int) -> str:
    """'Change in the out-of-work benefit claim rate one year after graduation by FSM from 2019-20 to 2023-24 tax
    year, all providers (percentage points)'."""
    head = f"Change in the {in_sentence(measure_phrase(data))}{split_phrase(data)}"
    parts = [
        head,
        *_filters_phrase(data),
        f"{period_label(start)} to {period_label(end)} {data.entry.time_label.lower()}s",
        scope_phrase(data),
    ]
    return ", ".join(parts) + " (percentage points)"


def change_view(data: BenefitData, start: int, end: int, *, notes: Sequence[str] = ()) -> View:
    start, end = min(start, end), max(start, end)
    rows = change_rows(data, start, end)
    frame = change_frame(data, rows, start, end)
    columns = [c for c in _dimension_columns(data) if c.name != PERIOD_LABEL]  # one row per line, not per year
    columns += [
        Column(START_TEXT, f"{measure_name(data.indicator)}, {period_label(start)}"),
        Column(END_TEXT, f"{measure_name(data.indicator)}, {period_label(end)}"),
        Column(CHANGE, "Change in percentage points", "value", "", data.dp),
    ]
    all_notes = list(notes)
    note = missing_ends_note(rows, start, end)
    if note:
        all_notes.append(note)
    all_notes += [n for n in data.notes if n.startswith("This table ")]  # how all-provider figures were made
    view = make_view(
        key="benefits-change",
        entry=data.entry,
        title=change_title(data, start, end),
        frame=frame,
        columns=columns,
        summary=change_summary(data, rows, start, end),
        filters=[*view_filters(data), ("Change", f"{period_label(start)} to {period_label(end)}")],
        build_figure=lambda f: build_change_figure(data, f, start, end),
        notes=all_notes,
    )
    if view.figure is not None:
        # The notes under the chart take their room from the figure's height: keep the bars' own room on top of it.
        margin = view.figure.layout.margin
        bars_px = max(160, 64 * frame.height)
        view.figure.update_layout(height=bars_px + int(margin.t or 90) + int(margin.b or 80))
    return view

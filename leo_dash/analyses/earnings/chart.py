"""Earnings chart: lines with quartile bands, small multiples, and room for the header."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from leo_dash.analyses.earnings.data import SERIES_INDEX, EarningsData, Series
from leo_dash.core.model import status_column
from leo_dash.present import charts
from leo_dash.present.views import format_number

# ---------------------------------------------------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------------------------------------------------


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, end) index pairs of consecutive True values, end inclusive."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _shown(frame: pl.DataFrame, column: str | None) -> list[float | None]:
    if column is None or column not in frame.columns:
        return [None] * frame.height
    ok = frame[status_column(column)].is_null().to_list()
    return [v if flag else None for v, flag in zip(frame[column].to_list(), ok, strict=True)]


SMALL_MULTIPLES_FROM = 3  # banded lines from which each gets its own panel
PANEL_COLUMNS = 2
PANEL_PX = 240  # plot height of one row of panels
PANEL_TITLE_PX = 28  # room for a panel's title above it


def _panel_name(s: Series) -> str:
    """A panel per subject (and group): a provider's line and the national line for it share the panel."""
    return " – ".join([s.subject] + ([s.group] if s.group is not None else []))


def _panels(data: EarningsData) -> list[str]:
    return list(dict.fromkeys(_panel_name(s) for s in data.series))


def _series_traces(
    data: EarningsData, s: Series, rows: pl.DataFrame, *, x_title: str, band_alpha: float
) -> list[go.Scatter]:
    """One line's traces: its quartile band (areas, or a dotted bar for a lone point) and its median line."""
    median = data.measure.median.column
    lower = data.measure.lower_quartile.column if data.measure.lower_quartile else None
    upper = data.measure.upper_quartile.column if data.measure.upper_quartile else None
    xs = [charts.plain_text(x) for x in rows[data.x_column].to_list()]  # tick labels render HTML
    mids, lows, highs = _shown(rows, median), _shown(rows, lower), _shown(rows, upper)
    colour = charts.colour(s.colour_index)
    name = charts.plain_text(s.label)
    traces: list[go.Scatter] = []
    if data.measure.has_band and not s.national:
        both = [lo is not None and hi is not None for lo, hi in zip(lows, highs, strict=True)]
        for start, end in _runs(both):
            run_x = xs[start : end + 1]
            run_low, run_high = lows[start : end + 1], highs[start : end + 1]
            if start == end:  # a lone point: a short vertical bar, since an area needs two points
                traces.append(
                    go.Scatter(
                        x=[run_x[0], run_x[0]],
                        y=[run_low[0], run_high[0]],
                        mode="lines",
                        # The line's own colour, dotted: a pale band alone is under 3:1 against white.
                        line={"color": colour, "width": 2, "dash": "dot"},
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=name,
                        name=f"{name}: lower to upper quartile",
                        meta={"role": "band", "series": s.label},
                    )
                )
                continue
            traces.append(
                go.Scatter(
                    x=run_x + run_x[::-1],
                    y=run_high + run_low[::-1],
                    mode="lines",
                    fill="toself",
                    fillcolor=charts.rgba(colour, band_alpha),
                    # Dotted edges in the line's colour mark the quartiles: the pale fill alone is under 3:1
                    # against white (WCAG 1.4.11) and runs together when bands overlap.
                    line={"width": 1, "color": colour, "dash": "dot"},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=name,
                    name=f"{name}: lower to upper quartile",
                    meta={"role": "band", "series": s.label},
                )
            )
    hover = []
    for x, mid, lo, hi in zip(xs, mids, lows, highs, strict=True):
        quartiles = (
            f"<br>Lower to upper quartile: {format_number(lo, '£')} to {format_number(hi, '£')}"
            if lo is not None and hi is not None
            else ("<br>Quartiles: not published" if data.measure.has_band else "")
        )
        hover.append(
            f"{name}<br>{charts.plain_text(x_title)}: {x}<br>{charts.plain_text(data.measure.label)}: "
            f"{format_number(mid, '£')}{quartiles}"
        )
    meta = {"role": "median", "series": s.label}
    dash = "dash" if s.national else "solid"
    traces.append(charts.line_trace(xs, mids, name, colour, hover, dash=dash, legendgroup=name, meta=meta))
    return traces


def build_figure(data: EarningsData, *, x_title: str, y_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """A figure builder for make_view: one median line per series, its quartile band as shaded areas; small
    multiples (a panel per subject, one scale) when three or more lines carry a band."""
    # Overlapping bands darken each other: the more lines with a band, the lighter each band; from
    # SMALL_MULTIPLES_FROM banded lines on, each gets its own panel instead (bands drawn over each other become a
    # grey wash in which no band can be read).
    banded = sum(1 for s in data.series if not s.national) if data.measure.has_band else 0
    panels = _panels(data) if banded >= SMALL_MULTIPLES_FROM else []
    band_alpha = 0.2 if panels else max(0.07, 0.2 - 0.025 * banded)

    def draw(frame: pl.DataFrame) -> go.Figure:
        if panels:
            rows = math.ceil(len(panels) / PANEL_COLUMNS)
            figure = make_subplots(
                rows=rows,
                cols=PANEL_COLUMNS,
                subplot_titles=[charts.plain_text(p) for p in panels],
                horizontal_spacing=0.1,
                vertical_spacing=min(0.3, 0.5 / rows),
            )
        else:
            figure = go.Figure()
        for s in data.series:
            rows_of = frame.filter(pl.col(SERIES_INDEX) == s.index).sort("x_position")
            cell: dict[str, int] = {}
            if panels:
                position = panels.index(_panel_name(s))
                cell = {"row": position // PANEL_COLUMNS + 1, "col": position % PANEL_COLUMNS + 1}
            for trace in _series_traces(data, s, rows_of, x_title=x_title, band_alpha=band_alpha):
                figure.add_trace(trace, **cell)
        x_axis = {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [charts.plain_text(x) for x in data.x_order],
        }
        y_axis = {"rangemode": "tozero", **charts.axis_format("£")}
        if panels:
            # One scale for every panel, so panels compare; axis titles once, at the bottom and on the left.
            figure.update_xaxes(**x_axis)
            figure.update_yaxes(matches="y", **y_axis)
            rows = math.ceil(len(panels) / PANEL_COLUMNS)
            for col in range(1, PANEL_COLUMNS + 1):
                figure.update_xaxes(title=charts.plain_text(x_title), row=rows, col=col)
            figure.update_yaxes(title=charts.plain_text(y_title), col=1)
            figure.update_annotations(font={"size": 14}, xanchor="left", selector={"xref": "x domain"})
            figure.update_layout(meta={"panels": len(panels), "panel_rows": rows})
        else:
            figure.update_xaxes(title=charts.plain_text(x_title), **x_axis)
            figure.update_yaxes(title=charts.plain_text(y_title), **y_axis)
        return figure

    return draw


# The line chart's header sizes, shared with the benefit trend (present/charts.fit_header).
TITLE_LINE_PX = charts.TITLE_LINE_PX
LEGEND_ROW_PX = charts.LEGEND_ROW_PX
PLOT_AREA_PX = charts.PLOT_AREA_PX
ASSUMED_LEGEND_WIDTH_PX = charts.ASSUMED_LEGEND_WIDTH_PX
fit_header = charts.fit_header


# ---------------------------------------------------------------------------------------------------------------
# Subject dot plots (Subject ranking, Provider profile): a row per subject, its £ figures as markers
# ---------------------------------------------------------------------------------------------------------------


def subject_dots(
    x: Sequence[float | None],
    y: Sequence[str],
    *,
    name: str,
    role: str,
    colour: str,
    symbol: str,
    size: int,
    hover_name: str | None = None,
) -> go.Scatter:
    """A marker at each subject's £ figure (none where the figure is missing: a gap, never zero); the hover gives the
    subject, the figure and `hover_name` (by default the legend's `name`)."""
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=name,
        marker={"color": colour, "size": size, "symbol": symbol},
        hovertemplate="%{y}: £%{x:,.0f}<extra>" + (hover_name or name) + "</extra>",
        meta={"role": role},
    )


def subject_spans(
    labels: Sequence[str],
    starts: Sequence[float | None],
    ends: Sequence[float | None],
    *,
    role: str,
    colour: str,
    name: str | None = None,
) -> go.Scatter:
    """A line on each subject's row from its `start` to its `end` figure (none where either is missing); one without
    a `name` stays out of the legend."""
    xs: list[float | None] = []
    ys: list[str | None] = []
    for label, start, end in zip(labels, starts, ends, strict=True):
        if start is not None and end is not None:
            xs += [start, end, None]  # None: no line on to the next subject's row
            ys += [label, label, None]
    trace = go.Scatter(
        x=xs, y=ys, mode="lines", name=name, line={"color": colour, "width": 2}, hoverinfo="skip", meta={"role": role}
    )
    if name is None:
        trace.update(showlegend=False)
    return trace


def subject_dot_axes(figure: go.Figure, labels: Sequence[str], x_title: str) -> None:
    """A subject dot plot's axes: subjects from the top down, earnings in £ from zero along the bottom."""
    figure.update_layout(
        yaxis={**charts.top_down_axis(labels), "showgrid": False},
        xaxis={
            "title": charts.plain_text(x_title),  # labels come from the table's metadata: inert text
            "tickprefix": "£",
            "tickformat": ",.0f",
            "showgrid": True,
            "gridcolor": "#E5E5E5",
            "rangemode": "tozero",
        },
        showlegend=True,
    )


def fit_subject_rows(figure: go.Figure, n_subjects: int, row_px: int) -> None:
    """A dot plot's height: room for the wrapped title and the legend above the plot, then `row_px` a subject so
    none is squeezed."""
    fit_header(figure, [t.name for t in figure.data if t.name])
    header = int(figure.layout.margin.t) + int(figure.layout.margin.b or 80)
    figure.update_layout(height=header + max(PLOT_AREA_PX, 40 + row_px * n_subjects))

"""Plotly house style following the GOV.UK Analysis Function charts guidance.

Accessible categorical palette (in this order), titles that say what is shown, source and footnotes under the
chart, suppressed values drawn as gaps (never zero), no chart junk.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from typing import Protocol

import plotly.graph_objects as go
import plotly.io as pio


class NotedView(Protocol):
    """What a chart's title and the notes under it are written from (a `views.View`; charts does not import views,
    which draws its figures with this module)."""

    @property
    def title(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def notes(self) -> Sequence[str]: ...
    @property
    def demo(self) -> bool: ...


# Analysis Function categorical palette: dark blue, turquoise, dark pink, orange, dark grey, light purple.
PALETTE: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE = PALETTE
# Non-highlighted providers: a grey that lets the highlighted ones stand out yet keeps 3:1 against white (WCAG 1.4.11;
# the #BFBFBF used before was 1.84:1).
MUTED = "#8E8E8E"
REFERENCE = "#0B0C0C"
FONT_FAMILY = "Arial, Helvetica, sans-serif"
MAX_SERIES = len(PALETTE)  # the guidance: no more than six colours in one chart


def plain_text(text: object) -> str:
    """Text from data made inert for Plotly, which renders a subset of HTML in titles, labels and hovers."""
    return html.escape(str(text), quote=False)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def line_trace(
    x: Sequence[object],
    y: Sequence[object],
    name: str,
    colour: str,
    hover: Sequence[str],
    *,
    dash: str | None = None,
    **more: object,
) -> go.Scatter:
    """One series as the house line: a 3 px line (`dash`ed if given) with 8 px markers, both in `colour`, hovering
    its own text (one a point); `more` sets the rest of the trace (its meta, its legend)."""
    line = {"color": colour, "width": 3} | ({"dash": dash} if dash else {})
    marker = {"size": 8, "color": colour}
    return go.Scatter(
        x=x, y=y, mode="lines+markers", name=name, line=line, marker=marker, hovertext=hover, hoverinfo="text", **more
    )


def rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _house_template() -> go.layout.Template:
    """Plotly's simple_white layout with the house font, palette, legend and axes, and trace defaults only for the
    trace types LEO Explorer draws. Built once: Plotly validates a template on every figure it is set on, and the
    full simple_white (defaults for 24 trace types) costs ~10 ms a figure, the slimmed one ~3 ms."""
    simple_white = pio.templates["simple_white"]
    template = go.layout.Template(
        layout=simple_white.layout, data={kind: getattr(simple_white.data, kind) for kind in ("scatter", "bar")}
    )
    template.layout.update(
        font={"family": FONT_FAMILY, "size": 14, "color": "#0B0C0C"},
        colorway=list(PALETTE),
        hoverlabel={"font": {"family": FONT_FAMILY}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None},
        margin={"l": 70, "r": 30, "t": 90, "b": 80},
    )
    template.layout.xaxis.update(showgrid=False, ticks="outside")
    template.layout.yaxis.update(showgrid=True, gridcolor="#E5E5E5", zeroline=True, zerolinecolor=MUTED)
    return template


HOUSE_TEMPLATE = _house_template()


def base_layout(figure: go.Figure) -> go.Figure:
    """The house style: GOV.UK Analysis Function palette, Arial, light grid on the value axis only."""
    figure.update_layout(template=HOUSE_TEMPLATE)
    return figure


def _wrap(text: str, width: int = 110) -> str:
    return "<br>".join(textwrap.wrap(text, width)) if text else ""


HOUSE_TOP, HOUSE_BOTTOM = 90, 80  # the margins base_layout's template gives; builders size heights against them
TITLE_LINE_PX = 24  # one line of the 18 px chart title
TITLE_TOP_PX = 12  # space above the title's first line
# Plotly anchors a title of several lines about 13 px too high (measured on kaleido's PNGs for 2 to 5 lines), which
# cut the top off the first line; its padding makes up the difference.
MULTILINE_TITLE_SHIFT_PX = 14


LEGEND_ROW_PX = 26  # one row of a horizontal legend
PLOT_AREA_PX = 380  # the plot area of a line chart with its legend above it
ASSUMED_LEGEND_WIDTH_PX = 900  # a typical chart width on a laptop; a narrower chart wraps one more row, at worst


def fit_header(figure: go.Figure, legend_names: Sequence[str]) -> None:
    """Room above the plot for the wrapped title and, under it, the legend rows, so neither covers the other.

    The house layout leaves a fixed top margin (one title line, one legend row); titles that name every line
    often wrap, and the legend can wrap too."""
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    rows, used = 1, 0
    for name in legend_names:
        width = 50 + 7 * len(name)  # swatch + gap + text at ~7px a character
        if used and used + width > ASSUMED_LEGEND_WIDTH_PX:
            rows, used = rows + 1, 0
        used += width
    top = TITLE_TOP_PX + TITLE_LINE_PX * title_lines + 10 + LEGEND_ROW_PX * rows
    bottom = int(figure.layout.margin.b or HOUSE_BOTTOM)
    figure.update_layout(
        title=title_at_top(figure.layout.title.text),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom", "yref": "paper"},
        margin={"t": top},
        height=PLOT_AREA_PX + top + bottom,
    )


def title_at_top(title: str | None) -> dict[str, object]:
    """Title position: its first line TITLE_TOP_PX below the top of the image, however many lines it has."""
    lines = str(title or "").count("<br>") + 1
    pad = TITLE_TOP_PX + (MULTILINE_TITLE_SHIFT_PX if lines > 1 else 0)
    return {"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": pad}}


NOTE_WIDTH = 110  # characters per line of the source and notes under a chart


# Marker shapes, in order: series are told apart by shape as well as colour (WCAG 1.4.1), in the legend too.
SERIES_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "star", "hexagon", "cross")


def distinguish_by_shape(figure: go.Figure) -> go.Figure:
    """Give each series (a colour of marked line or point group) its own marker shape, so no line or group is told
    apart by colour alone. The crowd of other providers keeps plain dots; a trace with its own shape keeps it."""
    symbols: dict[str, str] = {}
    for trace in figure.data:
        if trace.type != "scatter" or "markers" not in str(trace.mode or ""):
            continue
        meta = trace.meta if isinstance(trace.meta, dict) else {}
        if meta.get("role") == "providers" or trace.marker.symbol is not None:
            continue
        colour = trace.marker.color if isinstance(trace.marker.color, str) else trace.line.color
        if not isinstance(colour, str):
            continue
        trace.marker.symbol = symbols.setdefault(colour, SERIES_SYMBOLS[len(symbols) % len(SERIES_SYMBOLS)])
    return figure


def finish_figure(figure: go.Figure, view: NotedView, *, note_width: int = NOTE_WIDTH) -> go.Figure:
    """Title from the view; source, gap notes and demo warning written under the plot area, `note_width`
    characters to a line (narrower where long axis labels push the plot area right)."""
    base_layout(figure)
    title = _wrap(plain_text(view.title), 80)
    # The title sits at the top of the image with room for every line (a long title must not run into the plot
    # or off the top of a PNG); builders with a legend above the plot make more room after this.
    lines = title.count("<br>") + 1
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}, **title_at_top(title)},
        margin={"t": max(HOUSE_TOP, TITLE_TOP_PX + TITLE_LINE_PX * lines + 16)},
    )
    write_notes(figure, view, note_width)
    distinguish_by_shape(figure)
    # Gaps stay gaps: lines never bridge a missing (suppressed) point.
    figure.update_traces(connectgaps=False, selector={"type": "scatter"})
    return figure


def keep_plot_area(figure: go.Figure) -> go.Figure:
    """After the margins grew (a title over several lines, a legend in rows, the notes block under the chart),
    grow the figure by as much, so its plot area keeps the height the builder gave it against the house margins.
    Call once, after the last margin change; a figure without an explicit height is left alone."""
    if figure.layout.height is None:
        return figure
    plot_area = int(figure.layout.height) - HOUSE_TOP - HOUSE_BOTTOM
    top = int(figure.layout.margin.t if figure.layout.margin.t is not None else HOUSE_TOP)
    bottom = int(figure.layout.margin.b if figure.layout.margin.b is not None else HOUSE_BOTTOM)
    figure.update_layout(height=plot_area + top + bottom)
    return figure


_NOTES_NAME = "source-and-notes"
DEMO_NOTE = "SYNTHETIC DEMO DATA – not official statistics."  # names the annotation so it can be found and re-written


def write_notes(figure: go.Figure, view: NotedView, width: int = NOTE_WIDTH) -> go.Figure:
    """Write (or re-write) the source, demo warning and notes block under the plot, wrapped at `width`."""
    under = ([DEMO_NOTE] if view.demo else []) + [view.source, *view.notes]
    text = "<br>".join(_wrap(plain_text(line), width) for line in under if line)
    figure.update_layout(margin={"b": 80 + 18 * (text.count("<br>") + 1)})
    existing = next((a for a in figure.layout.annotations if a.name == _NOTES_NAME), None)
    if existing is not None:
        existing.text = text
        return figure
    _add_notes_block(figure, text)
    return figure


def _add_notes_block(figure: go.Figure, text: str) -> None:
    """The source-and-notes block under the plot: one annotation, found again by its name."""
    figure.add_annotation(
        name=_NOTES_NAME,
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-60,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 12, "color": "#505A5F"},
    )


SCREEN_TOP_MIN_PX = 24  # top margin left on screen once the title is gone (a legend above the plot keeps its room)


def screen_figure(figure: go.Figure) -> go.Figure:
    """The figure as drawn on a page, under its view's heading: without the title (the heading above says it: one
    title per chart) and without the source-and-notes block, bar the synthetic-data label (the page writes it as text under the chart, where it
    wraps at any width and zoom instead of running off a narrow screen). Exports keep both. The title stays in
    `layout.meta["title"]` for anyone reading the drawn figure. The plot area keeps its height."""
    shown = go.Figure(figure)
    title = str(shown.layout.title.text or "")
    lines = title.count("<br>") + 1 if title else 0
    top = int(shown.layout.margin.t if shown.layout.margin.t is not None else HOUSE_TOP)
    bottom = int(shown.layout.margin.b if shown.layout.margin.b is not None else HOUSE_BOTTOM)
    new_top = max(SCREEN_TOP_MIN_PX, top - TITLE_TOP_PX - TITLE_LINE_PX * lines) if lines else top
    notes = [a for a in shown.layout.annotations if a.name == _NOTES_NAME]
    demo = any(str(a.text or "").startswith(DEMO_NOTE) for a in notes)
    # Room for the axis title, and for the synthetic-data label a screenshot of a demo chart must still carry.
    new_bottom = (HOUSE_BOTTOM + (18 if demo else 0)) if notes else bottom
    meta = dict(shown.layout.meta) if isinstance(shown.layout.meta, dict) else {}
    meta["title"] = title
    shown.layout.annotations = tuple(a for a in shown.layout.annotations if a.name != _NOTES_NAME)
    if demo:
        _add_notes_block(shown, DEMO_NOTE)
    shown.update_layout(title={"text": ""}, meta=meta, margin={"t": new_top, "b": new_bottom})
    if shown.layout.height is not None:
        shown.update_layout(height=int(shown.layout.height) - (top - new_top) - (bottom - new_bottom))
    return shown


def top_down_axis(labels: Sequence[str]) -> dict[str, object]:
    """A horizontal chart's category axis listing `labels` from the top down (Plotly lists categories from the bottom
    up), with room for long labels and no axis title (the labels say what they are)."""
    return {"categoryorder": "array", "categoryarray": list(reversed(labels)), "automargin": True, "title": None}


def axis_format(unit: str) -> dict[str, str]:
    """Tick formatting per unit: £ with thousands separators, % with one decimal where needed."""
    if unit == "£":
        return {"tickprefix": "£", "tickformat": ",.0f"}
    if unit == "%":
        return {"ticksuffix": "%", "tickformat": ",.0f"}
    if unit == "pp":
        return {"ticksuffix": "pp"}
    return {"tickformat": ",.0f"}

"""Plotly house style following the GOV.UK Analysis Function charts guidance.

Accessible categorical palette (in this order), titles that say what is shown, source and footnotes under the
chart, suppressed values drawn as gaps (never zero), no chart junk.
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

import plotly.graph_objects as go

if TYPE_CHECKING:
    from leo_dash.views import View

# Analysis Function categorical palette: dark blue, turquoise, dark pink, orange, dark grey, light purple.
PALETTE: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE = PALETTE
HIGHLIGHT = DARK_PINK
MUTED = "#BFBFBF"  # non-highlighted bars: grey lets the highlighted providers stand out
REFERENCE = "#0B0C0C"
FONT_FAMILY = "Arial, Helvetica, sans-serif"
MAX_SERIES = len(PALETTE)  # the guidance: no more than six colours in one chart


def plain_text(text: object) -> str:
    """Text from data made inert for Plotly, which renders a subset of HTML in titles, labels and hovers."""
    return html.escape(str(text), quote=False)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def base_layout(figure: go.Figure) -> go.Figure:
    figure.update_layout(
        template="simple_white",
        font={"family": FONT_FAMILY, "size": 14, "color": "#0B0C0C"},
        colorway=list(PALETTE),
        hoverlabel={"font": {"family": FONT_FAMILY}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None},
        margin={"l": 70, "r": 30, "t": 90, "b": 80},
    )
    figure.update_xaxes(showgrid=False, ticks="outside")
    figure.update_yaxes(showgrid=True, gridcolor="#E5E5E5", zeroline=True, zerolinecolor="#BFBFBF")
    return figure


def _wrap(text: str, width: int = 110) -> str:
    return "<br>".join(textwrap.wrap(text, width)) if text else ""


def finish_figure(figure: go.Figure, view: View) -> go.Figure:
    """Title from the view; source, gap notes and demo warning written under the plot area."""
    base_layout(figure)
    figure.update_layout(title={"text": _wrap(plain_text(view.title), 80), "x": 0, "xanchor": "left", "font": {"size": 18}})
    under = [view.source]
    if view.demo:
        under.insert(0, "SYNTHETIC DEMO DATA – not official statistics.")
    under.extend(view.notes)
    lines = [_wrap(plain_text(line)) for line in under if line]
    text = "<br>".join(lines)
    n_lines = text.count("<br>") + 1
    figure.update_layout(margin={"b": 80 + 18 * n_lines})
    figure.add_annotation(
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
    # Gaps stay gaps: lines never bridge a missing (suppressed) point.
    figure.update_traces(connectgaps=False, selector={"type": "scatter"})
    return figure


def axis_format(unit: str) -> dict[str, str]:
    """Tick formatting per unit: £ with thousands separators, % with one decimal where needed."""
    if unit == "£":
        return {"tickprefix": "£", "tickformat": ",.0f"}
    if unit == "%":
        return {"ticksuffix": "%", "tickformat": ",.0f"}
    if unit == "pp":
        return {"ticksuffix": "pp"}
    return {"tickformat": ",.0f"}

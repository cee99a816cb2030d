"""Impact page series view: group figures by year, as a table and a figure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from leo_dash.analyses.impact_views.analysis import ImpactAnalysis, _base_indicator
from leo_dash.analyses.impact_views.options import VIEW_SERIES
from leo_dash.analyses.impact_views.wording import (
    _context_text,
    _difference_text,
    _disclosure_footnotes,
    _filters,
    _value_text,
    _years_text,
    outcome_phrase,
)
from leo_dash.core.model import status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, counts_of_cells, make_view


def _series_columns(analysis: ImpactAnalysis) -> tuple[Column, ...]:
    spec = analysis.spec
    profile = spec.entry.disclosure
    base_label = _base_indicator(spec.entry, str(spec.outcome.base)).label
    if spec.kind == "rate":
        value_label, unit, dp = re.sub(r"\s*\(%\)\s*$", "", spec.outcome.label), "%", profile.rate_dp
        gap_unit = "pp"
    else:
        value_label, unit, dp = "Average of published medians (analytical, not a published median)", "£", 0
        gap_unit = "£"
    columns = [Column("year", spec.entry.time_label)]
    for group, label in (("treated", analysis.treated_label), ("comparison", analysis.comparison_label)):
        columns += [
            Column(f"{group}_value", f"{label}: {value_label}", "value", unit, dp),
            Column(f"{group}_base", f"{label}: {base_label}", "value", "", 0),
            Column(f"{group}_cells", f"{label}: published cells", "value", "", 0),
        ]
    columns += [
        Column("gap", f"Gap ({analysis.treated_label} minus {analysis.comparison_label})", "value", gap_unit, dp),
        Column("in_estimate", "Used in the estimate"),
    ]
    return tuple(columns)


def _latest_shown(series: pl.DataFrame) -> dict[str, object] | None:
    shown = series.filter(
        pl.col(status_column("treated_value")).is_null()
        & pl.col(status_column("comparison_value")).is_null()
        & pl.col(status_column("gap")).is_null()
    )
    return shown.row(-1, named=True) if shown.height else None


def _series_summary(analysis: ImpactAnalysis) -> str:
    spec, series = analysis.spec, analysis.series
    latest = _latest_shown(series)
    if latest is None:
        return "No year has figures that can be shown for both groups, so the gap cannot be shown."
    subject = outcome_phrase(spec)
    qualifier = "" if latest["period"] == series["period"].max() else " (the latest year with both figures shown)"
    return (
        f"In {latest['year']}{qualifier}, the figure for {subject} was {_value_text(spec, float(latest['treated_value']))} for "  # type: ignore[arg-type]
        f"{analysis.treated_label} and {_value_text(spec, float(latest['comparison_value']))} for "  # type: ignore[arg-type]
        f"{analysis.comparison_label}, a gap of {_difference_text(spec, float(latest['gap']))}."  # type: ignore[arg-type]
    )


def _start_position(periods: Sequence[int], start: int) -> float:
    """x position of the intervention line on a category axis: between the last year before and the start."""
    return sum(1 for p in periods if p < start) - 0.5


def _series_figure(analysis: ImpactAnalysis) -> Callable[[pl.DataFrame], go.Figure]:
    spec = analysis.spec
    unit = "%" if spec.kind == "rate" else "£"
    gap_unit = "pp" if spec.kind == "rate" else "£"

    def build(frame: pl.DataFrame) -> go.Figure:
        years = frame["year"].to_list()
        figure = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.12,
            row_heights=[0.62, 0.38],
            subplot_titles=("", charts.plain_text(f"Gap ({analysis.treated_label} minus {analysis.comparison_label})")),
        )
        for index, (group, label) in enumerate(
            (("treated", analysis.treated_label), ("comparison", analysis.comparison_label))
        ):
            figure.add_trace(
                go.Scatter(
                    x=years,
                    y=frame[f"{group}_value"].to_list(),
                    name=charts.plain_text(label),
                    mode="lines+markers",
                    line={"color": charts.colour(index), "width": 3},
                    marker={"size": 8},
                    hovertemplate="%{x}: %{y}<extra>" + charts.plain_text(label) + "</extra>",
                ),
                row=1,
                col=1,
            )
        figure.add_trace(
            go.Scatter(
                x=years,
                y=frame["gap"].to_list(),
                name="Gap",
                mode="lines+markers",
                line={"color": charts.DARK_PINK, "width": 3, "dash": "dot"},
                marker={"size": 8},
                hovertemplate="%{x}: %{y}<extra>Gap</extra>",
            ),
            row=2,
            col=1,
        )
        position = _start_position(frame["period"].to_list(), spec.start)
        for row in (1, 2):
            figure.add_vline(x=position, line={"color": charts.DARK_GREY, "dash": "dash", "width": 1}, row=row, col=1)
        figure.add_annotation(x=position, y=1.0, xref="x", yref="y domain", **start_label(spec.start))
        figure.update_yaxes(**charts.axis_format(unit), row=1, col=1)
        figure.update_yaxes(**charts.axis_format(gap_unit), row=2, col=1)
        figure.update_xaxes(type="category")
        figure.update_layout(height=620)
        return figure

    return build


def _series_view(analysis: ImpactAnalysis) -> View:
    spec = analysis.spec
    if spec.kind == "rate":
        what = spec.outcome.label
    else:
        what = f"{spec.outcome.label}, average of published medians (analytical, not a published median)"
    title = (
        f"{what}: {analysis.treated_label} and {analysis.comparison_label}, and the gap between them"
        f"{_context_text(spec)}{_years_text(spec, analysis.series)}"
    )
    view = make_view(
        key=VIEW_SERIES,
        entry=spec.entry,
        title=title,
        frame=counts_of_cells(analysis.series, ["treated_cells", "comparison_cells"]),
        columns=_series_columns(analysis),
        summary=_series_summary(analysis),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        build_figure=_series_figure(analysis),
        notes=analysis.result.notes,
        extra_footnotes=_disclosure_footnotes(spec),
    )
    return _room_for_title(view, legend=True)


def start_label(start: int) -> dict[str, object]:
    """The words beside the dashed line where the intervention starts (an annotation's text and style)."""
    return {
        "text": f"Intervention starts {period_label(start)}",
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "top",
        "xshift": 4,
        "font": {"size": 12, "color": charts.DARK_GREY},
    }


def _room_for_title(view: View, *, legend: bool) -> View:
    """Long titles wrap: pin the title to the top and grow the top margin so it never runs into the legend; the
    figure grows with it."""
    if view.figure is None:
        return view
    title = view.figure.layout.title.text or ""
    lines = title.count("<br>") + 1
    view.figure.update_layout(
        title=charts.title_at_top(view.figure.layout.title.text),
        margin={"t": 24 + 24 * lines + (34 if legend else 12)},
    )
    charts.keep_plot_area(view.figure)  # the title and the notes under the chart do not squeeze the plot
    return view

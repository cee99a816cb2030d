"""Impact page event-study view: the gap by year relative to the start, as a table and a figure."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from leo_dash.analyses.impact_views.analysis import ImpactAnalysis
from leo_dash.analyses.impact_views.options import VIEW_EVENT_STUDY
from leo_dash.analyses.impact_views.series import _room_for_title, start_label
from leo_dash.analyses.impact_views.wording import (
    _difference_text,
    _disclosure_footnotes,
    _filters,
    _interval_text,
    _placebo_text,
    outcome_phrase,
)
from leo_dash.core.model import status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, make_view


def _event_study_summary(analysis: ImpactAnalysis) -> str:
    spec, frame, result = analysis.spec, analysis.event_study, analysis.result
    reference = frame.filter(pl.col(status_column("ci_low")) == "z")
    if reference.is_empty():
        reason = result.unavailable_reason or "there is no year before the intervention with both groups shown"
        return f"The event study cannot be drawn: {reason}."
    ref_year = reference["year"][0]
    post = frame.filter((pl.col("period") >= spec.start) & pl.col(status_column("change")).is_null())
    if post.is_empty():
        return (
            f"No year from {period_label(spec.start)} has both groups shown, so there is no change to compare with "
            f"{ref_year}."
        )
    last = post.row(-1, named=True)
    change = float(last["change"])
    direction = "higher" if change > 0 else "lower" if change < 0 else "no different"
    amount = _difference_text(spec, abs(change))
    interval = _interval_text(spec, float(last["ci_low"]), float(last["ci_high"]))
    size = f"{amount} {direction}" if change else direction
    return (
        f"In {last['year']} the gap ({analysis.treated_label} minus {analysis.comparison_label}) was {size} than in "
        f"{ref_year}, the last year before the intervention ({result.confidence * 100:g}% CI {interval}); points "
        "before the intervention show whether the gap was already moving."
    )


def _event_study_figure(analysis: ImpactAnalysis) -> Callable[[pl.DataFrame], go.Figure]:
    spec = analysis.spec
    gap_unit = "pp" if spec.kind == "rate" else "£"

    def build(frame: pl.DataFrame) -> go.Figure:
        relative = frame["relative_period"].to_list()
        change = frame["change"].to_list()
        low, high = frame["ci_low"].to_list(), frame["ci_high"].to_list()
        above = [None if h is None or c is None else h - c for c, h in zip(change, high, strict=True)]
        below = [None if lo is None or c is None else c - lo for c, lo in zip(change, low, strict=True)]
        reference = [s == "z" for s in frame[status_column("ci_low")].to_list()]
        figure = go.Figure(
            go.Scatter(
                x=relative,
                y=change,
                mode="markers",
                name="Change in the gap",
                marker={
                    "size": 11,
                    "color": charts.DARK_BLUE,
                    "symbol": ["circle-open" if r else "circle" for r in reference],
                    "line": {"width": 2, "color": charts.DARK_BLUE},
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": above,
                    "arrayminus": below,
                    "color": charts.DARK_BLUE,
                    "thickness": 2,
                    "width": 6,
                },
                customdata=frame["year"].to_list(),
                hovertemplate="%{customdata}: %{y}<extra></extra>",
            )
        )
        figure.add_hline(y=0, line={"color": charts.REFERENCE, "width": 1})
        figure.add_vline(x=-0.5, line={"color": charts.DARK_GREY, "dash": "dash", "width": 1})
        figure.add_annotation(x=-0.5, y=1.0, yref="paper", **start_label(spec.start))
        ticks = [f"{r:+d}<br>{y}" if r else f"0<br>{y}" for r, y in zip(relative, frame["year"].to_list(), strict=True)]
        figure.update_xaxes(
            tickmode="array",
            tickvals=relative,
            ticktext=ticks,
            zeroline=False,
        )
        figure.update_yaxes(**charts.axis_format(gap_unit), title_text="Change in the gap since the reference year")
        figure.update_layout(showlegend=False, height=520)
        return figure

    return build


def _event_study_view(analysis: ImpactAnalysis) -> View:
    spec = analysis.spec
    unit = "pp" if spec.kind == "rate" else "£"
    dp = spec.entry.disclosure.rate_dp if spec.kind == "rate" else 0
    reference = analysis.event_study.filter(pl.col(status_column("ci_low")) == "z")
    ref_year = reference["year"][0] if reference.height else "the last year before the intervention"
    level = f"{analysis.result.confidence * 100:g}%"
    title = (
        f"Event study: change in the gap in {outcome_phrase(spec)} ({analysis.treated_label} minus "
        f"{analysis.comparison_label}) compared with {ref_year}, with {level} confidence intervals"
    )
    columns = (
        Column("year", spec.entry.time_label),
        Column("years_from_start", "Years from the start"),
        Column("change", f"Change in the gap since {ref_year}", "value", unit, dp),
        Column("ci_low", f"{level} CI from", "value", unit, dp),
        Column("ci_high", f"{level} CI to", "value", unit, dp),
    )
    notes = (
        [
            f"The reference year ({ref_year}) is 0 by construction, so it has no interval ('z', not applicable). "
            f"Bars show {level} confidence intervals from sampling and rounding error only."
        ]
        if reference.height
        else []
    )
    view = make_view(
        key=VIEW_EVENT_STUDY,
        entry=spec.entry,
        title=title,
        frame=analysis.event_study,
        columns=columns,
        summary=_event_study_summary(analysis),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        build_figure=_event_study_figure(analysis),
        notes=notes,
        extra_footnotes=[
            analysis.result.pre_trend.note,
            *(
                ["Placebo (fake start, before years only): " + _placebo_text(spec, analysis.result.placebo)]
                if analysis.result.placebo is not None
                else []
            ),
            *_disclosure_footnotes(spec),
        ],
    )
    return _room_for_title(view, legend=False)

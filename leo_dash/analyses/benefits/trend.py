"""Benefits trend chart and view."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from leo_dash.analyses.benefits.data import BenefitData
from leo_dash.analyses.benefits.measures import (
    ALL_PROVIDERS_LABEL,
    BASE_TEXT,
    BASIS,
    BY_CHARACTERISTIC,
    BY_YEARS_AFTER,
    GROUP,
    PERIOD,
    PERIOD_LABEL,
    PROVIDER_LABEL,
    SERIES_INDEX,
    measure_name,
)
from leo_dash.analyses.benefits.wording import (
    _shown,
    _value,
    trend_summary,
    trend_title,
)
from leo_dash.core import geography
from leo_dash.core.model import SYMBOL_LABELS, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, format_number, make_view, python_column

fit_header = charts.fit_header  # the line chart's header, as on Subject earnings


def _text_column(frame: pl.DataFrame, column: str, name: str, dp: int, unit: str = "") -> pl.Series:
    """A value column as the table shows it: GSS number, or the symbol's label (never blank, never 0)."""

    def text(value: float | None, status: str | None) -> str:
        return SYMBOL_LABELS.get(status, status) if status is not None else format_number(value, unit, dp)

    return python_column(frame, name, text, column, status_column(column))


def _hover_value(value: float | None, status: str | None, dp: int) -> str:
    if status is not None:
        return f"{SYMBOL_LABELS.get(status, status)} ({status})"
    return _value(value, dp)


def build_trend_figure(data: BenefitData) -> go.Figure:
    """One line per series across every year of the table; a symbol is a gap (y = null), never a zero."""
    value = data.indicator.column
    figure = go.Figure()
    for s in data.series:
        rows = data.frame.filter(pl.col(SERIES_INDEX) == s.index).sort(PERIOD)
        ys = _shown(rows, value)
        statuses = rows[status_column(value)].to_list()
        name = charts.plain_text(s.label)
        colour = charts.colour(s.colour_index)
        dashed = s.all_providers and bool(data.spec.provider)
        figure.add_trace(
            go.Scatter(
                x=[charts.plain_text(x) for x in rows[PERIOD_LABEL].to_list()],
                y=ys,
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 2 if dashed else 3, "dash": "dash" if dashed else "solid"},
                marker={"size": 7 if dashed else 9, "color": colour},
                hovertext=[
                    f"{name}<br>{x}: {_hover_value(v, st, data.dp)}"
                    for x, v, st in zip(rows[PERIOD_LABEL].to_list(), ys, statuses, strict=True)
                ],
                hoverinfo="text",
                meta={"role": "rate", "series": s.label, "group": s.group, "provider": s.provider},
            )
        )
    figure.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[period_label(p) for p in data.periods],
        title=charts.plain_text(data.entry.time_label),
    )
    figure.update_yaxes(
        title=charts.plain_text(measure_name(data.indicator) + " (%)"), rangemode="tozero", **charts.axis_format("%")
    )
    return figure


def _dimension_columns(data: BenefitData) -> list[Column]:
    columns = [Column(PERIOD_LABEL, data.entry.time_label)]
    if not data.split.is_overall:
        label = (
            data.spec.characteristic
            if data.split.key == BY_CHARACTERISTIC and data.spec.characteristic
            else data.split.label
        )
        columns.append(Column(GROUP, label))
    if data.spec.provider or data.split.is_overall:
        columns.append(Column(PROVIDER_LABEL, "Provider"))
    return columns


def view_filters(data: BenefitData) -> list[tuple[str, str]]:
    spec, options = data.spec, data.options
    filters: list[tuple[str, str]] = [("Measure", data.indicator.label), ("Compare by", data.split.label)]
    if spec.characteristic:
        filters.append(("Characteristic", spec.characteristic))
    if spec.items:
        filters.append(("Lines", ", ".join(spec.items)))
    if spec.years_after is not None and data.split.key != BY_YEARS_AFTER:
        filters.append((options.label(str(data.entry.role("years_after"))), spec.years_after))
    filters += [(options.label(c), v) for c, v in spec.filters]
    area = geography.area_by_code(options.areas, spec.area)
    if geography.below_national(area):
        return [*filters, *geography.area_filter(options.areas, area)]
    provider = f"{data.provider_name} ({spec.provider}) against all providers" if spec.provider else ALL_PROVIDERS_LABEL
    filters.append(("Provider", provider))
    return [*filters, *geography.area_filter(options.areas, area)]


def trend_view(data: BenefitData, *, notes: Sequence[str] = ()) -> View:
    value_column = Column.for_indicator(data.indicator, dp=data.dp, label=measure_name(data.indicator))
    columns = [*_dimension_columns(data), value_column]
    frame = data.frame
    if data.base is not None:
        # The base is shown as text: it is context for the rate, and the gap note should count only drawn points.
        frame = frame.with_columns(_text_column(frame, data.base.column, BASE_TEXT, 0))
        columns.append(Column(BASE_TEXT, data.base.label))
    if data.derived:
        columns.append(Column(BASIS, "Figure"))
    view = make_view(
        key="benefits-trend",
        entry=data.entry,
        title=trend_title(data),
        frame=frame,
        columns=columns,
        summary=trend_summary(data),
        filters=[
            *view_filters(data),
            ("Years", f"{period_label(data.periods[0])} to {period_label(data.periods[-1])}"),
        ],
        build_figure=lambda _frame: build_trend_figure(data),
        notes=[*notes, *data.notes],
    )
    if view.figure is not None:
        fit_header(view.figure, [s.label for s in data.series])
    return view

"""Institutions trend view: highlighted providers and the benchmark over time."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses.institutions import view_parts
from leo_dash.analyses.institutions.compare import Comparison
from leo_dash.analyses.institutions.options import BENCHMARK_KEY, MEMBER, PERIOD_LABEL, SERIES, id_label
from leo_dash.analyses.institutions.spec import benchmark_name, peer_label, view_title
from leo_dash.core.model import SYMBOL_LABELS, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, make_view, python_column

# ---------------------------------------------------------------- trend


def trend_frame(result: Comparison) -> pl.DataFrame:
    """Benchmark and highlighted providers (in the peer group) for every year; a provider with no row in a year
    gets an `x` row there so the line shows a gap, never a made-up value."""
    entry, indicator = result.entry, result.indicator
    time, name_column, pid = str(entry.role("time")), str(entry.role("provider_name")), str(entry.role("provider_id"))
    members = [BENCHMARK_KEY, *[p for p in result.spec.providers if p in set(result.frame[MEMBER].to_list())]]
    rows = result.frame.filter(pl.col(MEMBER).is_in(members))
    names = {BENCHMARK_KEY: benchmark_name(result.spec)}
    for row in rows.sort(time).iter_rows(named=True):
        if row[MEMBER] != BENCHMARK_KEY:
            names[row[MEMBER]] = row[name_column]
    grid = pl.DataFrame(
        [(p, m) for m in members if m in names for p in result.periods],
        schema={time: rows.schema[time], MEMBER: pl.String},
        orient="row",
    )
    value, status = indicator.column, status_column(indicator.column)
    frame = grid.join(rows.select(time, MEMBER, value, status), on=[time, MEMBER], how="left").with_columns(
        sdc.missing_as_not_available(value),
        pl.col(MEMBER).replace_strict(names, return_dtype=pl.String).alias(SERIES),
        pl.when(pl.col(MEMBER) == BENCHMARK_KEY).then(pl.lit("")).otherwise(pl.col(MEMBER)).alias(pid),
    )
    frame = frame.with_columns(python_column(frame, PERIOD_LABEL, period_label, time))
    order = {m: i for i, m in enumerate(members)}
    return (
        frame.with_columns(pl.col(MEMBER).replace_strict(order, return_dtype=pl.Int64).alias("__order"))
        .sort(["__order", time])
        .drop("__order")
    )


def trend_summary(result: Comparison, frame: pl.DataFrame) -> str:
    indicator, spec = result.indicator, result.spec
    dp = view_parts.display_dp(indicator)
    time = str(result.entry.role("time"))
    year = period_label(spec.period)
    status = status_column(indicator.column)
    this_year = frame.filter(pl.col(time) == spec.period)
    bench_rows = this_year.filter(pl.col(MEMBER) == BENCHMARK_KEY)
    bench_value = bench_rows[indicator.column][0] if bench_rows.height and bench_rows[status][0] is None else None
    label = f"the figure for {peer_label(spec)}"
    lead = (
        f"In {year} {label} was {view_parts.value_text(bench_value, indicator, dp)}"
        if bench_value is not None
        else f"In {year} {label} is not available"
    )
    parts: list[str] = []
    for row in this_year.filter(pl.col(MEMBER) != BENCHMARK_KEY).iter_rows(named=True):
        name = row[SERIES]
        if row[status] is not None:
            parts.append(f"{name}'s figure is {'suppressed' if row[status] == 'c' else 'not available'}")
        elif bench_value is None or row[indicator.column] == bench_value:
            parts.append(f"{name} was at {view_parts.value_text(row[indicator.column], indicator, dp)}")
        else:
            side = "above" if row[indicator.column] > bench_value else "below"
            parts.append(f"{name} was {side} it ({view_parts.value_text(row[indicator.column], indicator, dp)})")
    if not parts:
        return lead + "; choose up to six providers in the sidebar to compare them over time."
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{lead}; {joined}."


def _trend_figure(result: Comparison, frame: pl.DataFrame) -> go.Figure:
    indicator, dp = result.indicator, view_parts.display_dp(result.indicator)
    status = status_column(indicator.column)
    colours = view_parts.highlight_colours(result.spec)
    labels = [period_label(p) for p in result.periods]
    figure = go.Figure()
    for member, rows in frame.group_by(MEMBER, maintain_order=True):
        key = str(member[0])
        ys = [v if s is None else None for v, s in zip(rows[indicator.column], rows[status], strict=True)]
        texts = [
            view_parts.value_text(v, indicator, dp) if s is None else SYMBOL_LABELS.get(s, s)
            for v, s in zip(rows[indicator.column], rows[status], strict=True)
        ]
        is_bench = key == BENCHMARK_KEY
        figure.add_scatter(
            x=rows[PERIOD_LABEL].to_list(),
            y=ys,
            mode="lines+markers",
            name=charts.plain_text(rows[SERIES][0]),
            line={
                "color": charts.REFERENCE if is_bench else colours.get(key, charts.DARK_GREY),
                "dash": "dash" if is_bench else "solid",
                "width": 2 if is_bench else 3,
            },
            marker={"size": 7 if is_bench else 9},
            text=texts,
            hovertemplate="%{fullData.name}<br>%{x}: %{text}<extra></extra>",
            meta={"role": "benchmark" if is_bench else "highlight", "provider": None if is_bench else key},
        )
    figure.update_xaxes(
        type="category", categoryorder="array", categoryarray=labels, title_text=result.entry.time_label
    )
    figure.update_yaxes(title_text=charts.plain_text(indicator.label), **view_parts.value_axis(indicator.unit))
    figure.update_layout(height=520)
    return figure


def trend_view(result: Comparison) -> View:
    entry, spec, indicator = result.entry, result.spec, result.indicator
    frame = trend_frame(result)
    span = (
        f"{period_label(result.periods[0])} to {period_label(result.periods[-1])} {entry.time_label.lower()}s"
        if len(result.periods) > 1
        else f"{period_label(spec.period)} {entry.time_label.lower()}"
    )
    notes = []
    used = {b.source for b in result.benchmarks.values()}
    if used == {"published"}:
        notes.append(f"The benchmark is the published figure for {peer_label(spec)} in each year.")
    elif used:
        notes.append(view_parts.benchmark_note(result, spec.period).replace(" is derived", " is derived in each year"))
    return make_view(
        key="institutions-trend",
        entry=entry,
        title=f"{view_title(entry, spec, indicator, periods=span)}",
        frame=frame,
        columns=[
            Column(PERIOD_LABEL, entry.time_label),
            Column(SERIES, "Provider or benchmark"),
            Column(str(entry.role("provider_id")), id_label(entry)),
            Column.for_indicator(indicator),
        ],
        summary=trend_summary(result, frame),
        filters=view_parts.filter_lines(entry, spec, indicator),
        build_figure=lambda f: _trend_figure(result, f),
        notes=notes,
    )

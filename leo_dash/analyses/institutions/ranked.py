"""Institutions ranked view: providers in order of the measure, as a table and a bar chart."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from leo_dash.analyses.institutions.compare import Comparison, chart_selection, rank_providers
from leo_dash.analyses.institutions.options import BENCHMARK_KEY, MEMBER, PEER_ALL, RANK, VALUE_COLUMN_AT
from leo_dash.analyses.institutions.spec import (
    _names_phrase,
    _providers_word,
    _symbols_phrase,
    benchmark_name,
    measure_title,
    peer_label,
    view_title,
)
from leo_dash.analyses.institutions.view_parts import (
    bench_phrase,
    benchmark_note,
    dimension_columns,
    display_dp,
    filter_lines,
    highlight_colours,
    short_name,
    value_axis,
    value_text,
)
from leo_dash.core.model import SYMBOL_LABELS, status_column
from leo_dash.present import charts
from leo_dash.present.sentences import in_sentence
from leo_dash.present.views import Column, View, make_view


def ranked_summary(result: Comparison, ranked: pl.DataFrame) -> str:
    """One sentence from published figures only, e.g. 'Of 182 providers with published figures, X had the highest
    sustained employment rate (91%) and Y the lowest (52%), against the all providers figure of 78%; 24 providers'
    figures are suppressed.'"""
    indicator, dp = result.indicator, display_dp(result.indicator)
    name_column = str(result.entry.role("provider_name"))
    measure = in_sentence(measure_title(indicator))
    published = ranked.filter(pl.col(RANK).is_not_null())
    symbols = ranked.filter(pl.col(RANK).is_null())[status_column(indicator.column)].value_counts()
    symbol_counts = {str(s): int(n) for s, n in symbols.iter_rows()}
    tail = _symbols_phrase(symbol_counts)
    bench = bench_phrase(result, result.spec.period, dp)
    against = f", against {bench}" if bench else ""
    if published.height == 0:
        among = "" if result.spec.peer == PEER_ALL else f" among {peer_label(result.spec)}"
        lead = f"No provider{among} has a published {measure} for this selection"
        return lead + (f"; {tail}." if tail else ".")
    top_value = published[indicator.column].max()
    bottom_value = published[indicator.column].min()
    top = sorted(published.filter(pl.col(indicator.column) == top_value)[name_column].to_list())
    bottom = sorted(published.filter(pl.col(indicator.column) == bottom_value)[name_column].to_list())
    if published.height == 1:
        sentence = (
            f"{top[0]} is the only provider with a published {measure} for this selection "
            f"({value_text(top_value, indicator, dp)}){against}"
        )
    else:
        shared = "shared" if len(top) > 1 else "had"
        sentence = (
            f"Of {_providers_word(published.height)} with published figures, {_names_phrase(top)} {shared} the "
            f"highest {measure} ({value_text(top_value, indicator, dp)})"
        )
        if top_value != bottom_value:
            sentence += f" and {_names_phrase(bottom)} the lowest ({value_text(bottom_value, indicator, dp)})"
        sentence += against
    return sentence + (f"; {tail}." if tail else ".")


def _bar_rows(
    result: Comparison, items: list, colours: dict[str, str]
) -> tuple[list[str], dict[str, dict[str, list]], list[str], list[tuple[str, str]]]:
    """One bar a chosen provider (highlighted ones in their own series), a labelled gap for each run left out, and
    the bars whose figure is a symbol: (labels, traces, gaps, (label, symbol) pairs)."""
    entry, indicator = result.entry, result.indicator
    name_column, dp = str(entry.role("provider_name")), display_dp(indicator)
    status = status_column(indicator.column)
    labels: list[str] = []
    seen: set[str] = set()
    traces: dict[str, dict[str, list]] = {}
    gaps: list[str] = []
    suppressed_labels: list[tuple[str, str]] = []
    for kind, item in items:
        if kind == "gap":
            first, last, count = item  # type: ignore[misc]
            label = f"⋯ {count:,} more ranked {first:,}–{last:,} (see the Table tab) ⋯"
            labels.append(label)
            gaps.append(label)
            continue
        row: dict = item  # type: ignore[assignment]
        label = short_name(charts.plain_text(row[name_column] or row[MEMBER]))
        if label in seen:
            label = f"{label} ({charts.plain_text(row[MEMBER])})"
        seen.add(label)
        labels.append(label)
        series = row[MEMBER] if row[MEMBER] in colours else "__others"
        trace = traces.setdefault(series, {"x": [], "y": [], "customdata": [], "text": []})
        trace["x"].append(row[indicator.column] if row[status] is None else None)
        trace["y"].append(label)
        rank = f"Rank {row[RANK]:,}" if row[RANK] is not None else SYMBOL_LABELS.get(row[status], row[status])
        shown = value_text(row[indicator.column], indicator, dp) if row[status] is None else ""
        trace["customdata"].append([row[MEMBER], rank, charts.plain_text(row[name_column] or ""), shown])
        trace["text"].append(shown)
        if row[status] is not None:
            suppressed_labels.append((label, row[status]))
    return labels, traces, gaps, suppressed_labels


def _bars(traces: dict[str, dict[str, list]], colours: dict[str, str], gaps: list[str]) -> go.Figure:
    """The bars: other providers, each highlighted provider in its colour, and the grey gap rows."""
    figure = go.Figure()
    others_colour = charts.MUTED if colours else charts.DARK_BLUE
    hover = "%{customdata[2]} (%{customdata[0]})<br>%{customdata[1]}<br>%{customdata[3]}<extra></extra>"
    if "__others" in traces:
        t = traces["__others"]
        figure.add_bar(
            x=t["x"],
            y=t["y"],
            orientation="h",
            name="Other providers" if colours else "Providers",
            marker_color=others_colour,
            customdata=t["customdata"],
            hovertemplate=hover,
            meta={"role": "providers"},
            showlegend=bool(colours),
        )
    for pid, colour in colours.items():
        if pid not in traces:
            continue
        t = traces[pid]
        figure.add_bar(
            x=t["x"],
            y=t["y"],
            orientation="h",
            name=t["customdata"][0][2] or pid,
            marker_color=colour,
            customdata=t["customdata"],
            hovertemplate=hover,
            meta={"role": "highlight", "provider": pid},
        )
    if gaps:
        figure.add_bar(
            x=[None] * len(gaps),
            y=gaps,
            orientation="h",
            showlegend=False,
            hoverinfo="skip",
            marker_color=charts.MUTED,
            meta={"role": "gap"},
        )
    return figure


def _add_value_column(figure: go.Figure, traces: dict[str, dict[str, list]], largest: float) -> None:
    """Values written in a column at the right of the plot, past every bar and the benchmark line, so the line
    never strikes through a value (issue 14, item 6)."""
    value_x = (largest or 1) * VALUE_COLUMN_AT
    valued = [(y, text) for t in traces.values() for y, text in zip(t["y"], t["text"], strict=True) if text]
    if valued:
        figure.add_scatter(
            x=[value_x] * len(valued),
            y=[y for y, _ in valued],
            text=[text for _, text in valued],
            mode="text",
            textposition="middle left",
            textfont={"color": charts.REFERENCE},
            showlegend=False,
            hoverinfo="skip",
            meta={"role": "values"},
        )


def _ranked_figure(result: Comparison, frame: pl.DataFrame) -> go.Figure:
    spec, indicator = result.spec, result.indicator
    dp = display_dp(indicator)
    ranked = frame.filter(pl.col(MEMBER) != BENCHMARK_KEY)
    colours = highlight_colours(spec)
    items = chart_selection(ranked, spec.top_n, spec.providers)
    labels, traces, gaps, suppressed_labels = _bar_rows(result, items, colours)
    figure = _bars(traces, colours, gaps)
    # One layout update for every symbol label: add_annotation validates the whole list on each call, which cost
    # seconds with tens of thousands of providers ("Top: All" on the 20M-row benchmark table).
    figure.update_layout(
        annotations=[
            {
                "x": 0,
                "y": label,
                "xref": "x",
                "yref": "y",
                "xanchor": "left",
                "showarrow": False,
                "text": f"{SYMBOL_LABELS.get(symbol, symbol)} ('{symbol}')",
                "font": {"size": 12, "color": "#505A5F"},
            }
            for label, symbol in suppressed_labels
        ]
    )
    bench = result.benchmark(spec.period)
    largest = max([v for t in traces.values() for v in t["x"] if v is not None], default=0.0)
    if bench is not None and bench.status is None and bench.value is not None and labels:
        # A line across every bar, named in the legend: the reference the bars are read against.
        figure.add_scatter(
            x=[bench.value, bench.value],
            y=[labels[0], labels[-1]],
            mode="lines",
            name=f"{charts.plain_text(benchmark_name(spec))}: {value_text(bench.value, indicator, dp)}",
            line={"color": charts.REFERENCE, "dash": "dash", "width": 2},
            hoverinfo="skip",
            meta={"role": "benchmark"},
        )
        largest = max(largest, bench.value)
    _add_value_column(figure, traces, largest)
    if not labels:
        figure.add_annotation(
            text="No provider has a row for this selection.",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
        )
    figure.update_layout(height=max(420, 26 * len(labels) + 300), barmode="overlay", bargap=0.25, showlegend=True)
    figure.update_traces(cliponaxis=False, selector={"type": "bar"})
    figure.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        autorange="reversed",
        showgrid=False,
        zeroline=False,
        automargin=True,
    )
    figure.update_xaxes(
        title_text=charts.plain_text(indicator.label),
        showgrid=True,
        gridcolor="#E5E5E5",
        range=[0, (largest or 1) * VALUE_COLUMN_AT],  # the value column ends at the plot's right edge
        **value_axis(indicator.unit),
    )
    return figure


def ranked_view(result: Comparison) -> View:
    entry, spec, indicator = result.entry, result.spec, result.indicator
    year = result.year(spec.period)
    name_column = str(entry.role("provider_name"))
    ranked = rank_providers(year, indicator.column, name_column)
    bench = year.filter(pl.col(MEMBER) == BENCHMARK_KEY).with_columns(pl.lit(None, dtype=pl.Int64).alias(RANK))
    frame = pl.concat([bench, ranked], how="vertical_relaxed").with_columns(
        pl.col(RANK).cast(pl.String).fill_null("").alias(RANK)
    )
    columns = [Column(RANK, "Rank"), *dimension_columns(entry), Column.for_indicator(indicator)]
    notes = [benchmark_note(result, spec.period)]
    if spec.top_n is not None and ranked.filter(pl.col(RANK).is_not_null()).height > 2 * spec.top_n:
        notes.append(
            f"The chart shows the top and bottom {spec.top_n} providers and any you highlighted; the Table tab and "
            "the downloads list every provider."
        )
    return make_view(
        key="institutions-ranked",
        entry=entry,
        title=view_title(entry, spec, indicator),
        frame=frame,
        columns=columns,
        summary=ranked_summary(result, ranked),
        filters=filter_lines(entry, spec, indicator),
        build_figure=lambda f: _ranked_figure(result, f.with_columns(pl.col(RANK).cast(pl.Int64, strict=False))),
        notes=notes,
    )

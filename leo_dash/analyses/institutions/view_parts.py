"""Institutions page pieces the ranked, funnel and trend views share: value text, filters, benchmark note, colours, axes, columns."""

from __future__ import annotations

from leo_dash.analyses.institutions.compare import Comparison
from leo_dash.analyses.institutions.options import _MAX_CHART_NAME, MAX_HIGHLIGHT, filter_label, id_label
from leo_dash.analyses.institutions.spec import InstitutionSpec, _providers_word, measure_title, peer_label
from leo_dash.core.model import SYMBOL_MEANINGS, Indicator, TableEntry
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.sentences import in_sentence
from leo_dash.present.views import Column, View, format_number


def value_text(value: float | None, indicator: Indicator, dp: int) -> str:
    return format_number(value, indicator.unit, dp)


def display_dp(indicator: Indicator) -> int:
    return indicator.dp if indicator.dp is not None else (1 if indicator.unit in ("%", "pp") else 0)


def filter_lines(entry: TableEntry, spec: InstitutionSpec, indicator: Indicator) -> list[tuple[str, str]]:
    out = [("Outcome", indicator.label), (entry.time_label, period_label(spec.period))]
    if spec.years_after is not None:
        out.append(("Years after graduation", spec.years_after))
    if spec.subject is not None:
        out.append(("Subject", spec.subject))
    if spec.characteristic_type is not None:
        out.append(("Characteristic", spec.characteristic_type))
    if spec.characteristic_value is not None:
        out.append(("Characteristic group", spec.characteristic_value))
    out += [(filter_label(entry, c), v) for c, v in spec.filters]
    out.append(("Compared with", peer_label(spec)))
    return out


def benchmark_note(result: Comparison, period: int) -> str:
    """How the benchmark of `period` was obtained, for the notes under a chart."""
    bench = result.benchmark(period)
    name = peer_label(result.spec)
    measure = in_sentence(measure_title(result.indicator))
    if bench is None:
        return f"There is no benchmark for {name} in {period_label(period)}: no provider has a row for this selection."
    if bench.source == "published":
        text = f"The benchmark is the published figure for {name}"
    elif result.indicator.kind == "earnings":
        return (
            f"The benchmark for {name} is not available: the table publishes no figure for this group, and "
            f"{measure} cannot be combined across providers (only published earnings are shown)."
        )
    else:
        base = in_sentence(result.base.label) if result.base else "their bases"
        text = (
            f"The benchmark for {name} is derived from the published figures of "
            f"{_providers_word(bench.providers_used or 0)}, weighted by {base}"
        )
        if bench.providers_left_out:
            text += f"; {_providers_word(bench.providers_left_out)} with suppressed or unavailable figures are left out"
    if bench.status is not None:
        text += f"; it is shown as '{bench.status}' ({SYMBOL_MEANINGS.get(bench.status, bench.status)})"
    return text + "."


def bench_phrase(result: Comparison, period: int, dp: int) -> str | None:
    bench = result.benchmark(period)
    if bench is None or bench.status is not None or bench.value is None:
        return None
    return f"the figure for {peer_label(result.spec)} ({value_text(bench.value, result.indicator, dp)})"


def short_name(text: str) -> str:
    return text if len(text) <= _MAX_CHART_NAME else text[: _MAX_CHART_NAME - 1].rstrip() + "…"


def highlight_colours(spec: InstitutionSpec) -> dict[str, str]:
    return {pid: charts.colour(i) for i, pid in enumerate(spec.providers[:MAX_HIGHLIGHT])}


def narrow_notes(view: View, width: int = 75) -> View:
    """Re-wrap the source and notes under the ranked chart more narrowly: they start at the plot area's left
    edge, which long provider names push right, so the house width would run off the chart."""
    if view.figure is not None:
        charts.write_notes(view.figure, view, width)
    return view


def fit_header(view: View) -> View:
    """Make room above the plot for a title wrapped over several lines and a legend over several rows (the house
    layout leaves room for one of each), and grow the figure by that and by the notes written under it, so the plot
    area keeps the height its builder gave it."""
    figure = view.figure
    if figure is None:
        return view
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    legend_entries = sum(1 for t in figure.data if t.showlegend is not False and t.name)
    legend_rows = 0 if not legend_entries else 1 + (legend_entries - 1) // 4
    figure.update_layout(margin={"t": 50 + 26 * title_lines + 24 * legend_rows})
    charts.keep_plot_area(figure)
    return view


def value_axis(unit: str) -> dict[str, str]:
    """House tick format, except that percentages get as many decimals as the range needs (a narrow range of
    rates would otherwise show '4%' twice)."""
    fmt = charts.axis_format(unit)
    return fmt | {"tickformat": ""} if unit == "%" else fmt


def dimension_columns(entry: TableEntry) -> list[Column]:
    columns = [
        Column(str(entry.role("provider_name")), "Provider"),
        Column(str(entry.role("provider_id")), id_label(entry)),
    ]
    if entry.role("provider_type"):
        columns.append(Column(str(entry.role("provider_type")), "Provider type"))
    if entry.role("region"):
        columns.append(Column(str(entry.role("region")), "Region"))
    return columns

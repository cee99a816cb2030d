"""Benefits page words: titles, phrases and the trend summary."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from leo_dash.analyses.benefits.data import BenefitData, Series, after_event, everyone_label
from leo_dash.analyses.benefits.measures import (
    ALL_PROVIDERS_LABEL,
    BY_CHARACTERISTIC,
    BY_YEARS_AFTER,
    PERIOD,
    SERIES_INDEX,
    measure_title,
)
from leo_dash.core import query
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present.sentences import in_sentence, join_words, number_word, years_after_phrase
from leo_dash.present.views import format_number

# ---------------------------------------------------------------------------------------------------------------
# Words: titles and summaries


def _value(value: float | None, dp: int) -> str:
    return format_number(value, "%", dp)


def scope_phrase(data: BenefitData) -> str:
    if data.spec.provider:
        return f"{data.provider_name or data.spec.provider} against all providers"
    everyone = everyone_label(data.options, data.spec)
    return everyone if everyone != ALL_PROVIDERS_LABEL else "all providers"


def _filters_phrase(data: BenefitData) -> list[str]:
    parts: list[str] = []
    for column, item in data.spec.filters:
        if item == data.options.filter_defaults.get(column) and item in query.TOTAL_ITEMS:
            continue
        parts.append(f"{in_sentence(data.options.label(column))}: {item}")
    return parts


def measure_phrase(data: BenefitData) -> str:
    """'Out-of-work benefit claim rate one year after graduation'."""
    head = measure_title(data.indicator)
    if data.spec.years_after is not None and data.split.key != BY_YEARS_AFTER:
        event = after_event(data.entry, data.options.labels)
        try:
            head += f" {years_after_phrase(data.spec.years_after, event or 'graduation')}"
        except ValueError:
            head += f", {data.spec.years_after} years after"
    return head


def split_phrase(data: BenefitData) -> str:
    if data.split.is_overall:
        return ""
    if data.split.key == BY_CHARACTERISTIC and data.spec.characteristic:
        return f" by {in_sentence(data.spec.characteristic)}"
    return f" by {in_sentence(data.split.label)}"


def years_phrase(entry: TableEntry, periods: Sequence[int]) -> str:
    kind = entry.time_label.lower()
    if len(periods) == 1:
        return f"{period_label(periods[0])} {kind}"
    return f"{kind}s {period_label(periods[0])} to {period_label(periods[-1])}"


def trend_title(data: BenefitData) -> str:
    """'Out-of-work benefit claim rate one year after graduation by FSM, tax years 2019-20 to 2023-24, all
    providers'."""
    parts = [
        measure_phrase(data) + split_phrase(data),
        *_filters_phrase(data),
        years_phrase(data.entry, data.periods),
        scope_phrase(data),
    ]
    return ", ".join(parts)


def _shown(frame: pl.DataFrame, column: str) -> list[float | None]:
    status = frame[status_column(column)].to_list()
    return [v if s is None else None for v, s in zip(frame[column].to_list(), status, strict=True)]


def series_points(data: BenefitData) -> list[tuple[Series, list[tuple[int, float | None, str | None]]]]:
    """(series, [(period, shown value or None, symbol)]) for every line."""
    value = data.indicator.column
    out = []
    for s in data.series:
        rows = data.frame.filter(pl.col(SERIES_INDEX) == s.index).sort(PERIOD)
        shown = _shown(rows, value)
        out.append((s, list(zip(rows[PERIOD].to_list(), shown, rows[status_column(value)].to_list(), strict=True))))
    return out


def _series_phrase(s: Series, data: BenefitData) -> str:
    if s.group is None:
        return (data.provider_name or s.provider or "") if s.provider else "all providers"
    return s.label


def trend_summary(data: BenefitData) -> str:
    """One sentence on what the chart shows; a suppressed or unavailable figure is never cited."""
    measure = in_sentence(measure_title(data.indicator))
    points = series_points(data)
    published = [(s, [(p, v) for p, v, _ in pts if v is not None]) for s, pts in points]
    if not any(pub for _, pub in published):
        return f"No {measure} figures can be shown for this selection: every figure is suppressed or not available."
    if len(points) == 1:
        s, pub = published[0]
        who = _series_phrase(s, data)
        if len(pub) == 1:
            p, v = pub[0]
            return (
                f"The {measure} for {who} was {_value(v, data.dp)} in {period_label(p)}; the figures for the other "
                "years are suppressed or not available."
            )
        (p0, v0), (p1, v1) = pub[0], pub[-1]
        gaps = sum(1 for _, v, _ in points[0][1] if v is None)
        gap_text = f"; {gaps} {'figure is' if gaps == 1 else 'figures are'} suppressed or not available" if gaps else ""
        if v1 == v0:
            return f"The {measure} for {who} was {_value(v0, data.dp)} in both {period_label(p0)} and {period_label(p1)}{gap_text}."
        verb = "rose" if v1 > v0 else "fell"
        return (
            f"The {measure} for {who} {verb} from {_value(v0, data.dp)} in {period_label(p0)} to "
            f"{_value(v1, data.dp)} in {period_label(p1)}{gap_text}."
        )
    year = max(p for _, pub in published for p, _ in pub)
    at_year = [(s, v) for s, pts in points for p, v, _ in pts if p == year and v is not None]
    absent = [s.label for s, pts in points for p, v, _ in pts if p == year and v is None]
    when = period_label(year)
    if len(at_year) == 1:
        s, v = at_year[0]
        lead = f"In {when} the {measure} was {_value(v, data.dp)} for {s.label}"
    else:
        high = max(at_year, key=lambda sv: sv[1])
        low = min(at_year, key=lambda sv: sv[1])
        if high[1] == low[1]:
            lead = f"In {when} the {measure} was {_value(high[1], data.dp)} for all {number_word(len(at_year))} lines with a figure"
        else:
            lead = (
                f"In {when} the {measure} was highest for {high[0].label} ({_value(high[1], data.dp)}) and lowest "
                f"for {low[0].label} ({_value(low[1], data.dp)})"
            )
    if absent:
        lead += f"; the {when} {'figure' if len(absent) == 1 else 'figures'} for {join_words(absent)} {'is' if len(absent) == 1 else 'are'} suppressed or not available"
    return lead + "."


# ---------------------------------------------------------------------------------------------------------------
# Trend chart and view


TITLE_LINE_PX, LEGEND_ROW_PX, PLOT_AREA_PX, LEGEND_WIDTH_PX = 24, 26, 380, 900

"""Earnings page words: titles, footnotes and the summary sentence."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from leo_dash.analyses.earnings.data import SERIES_INDEX, EarningsData, Series, _years_after_int
from leo_dash.analyses.earnings.measures import NATIONAL_LABEL, Basis, Mode
from leo_dash.analyses.earnings.spec import EarningsSpec
from leo_dash.core import geography, prices, query
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present.sentences import join_words, number_word, upper_first, years_after_phrase
from leo_dash.present.views import format_number

# ---------------------------------------------------------------------------------------------------------------
# Words: titles, footnotes, summary
# ---------------------------------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def in_sentence(name: str) -> str:
    """'Sex' -> 'sex' inside a sentence; acronyms such as 'FSM' or 'POLAR4' keep their capitals."""
    return name if len(name) > 1 and name[1].isupper() else _lower_first(name)


def filter_label(entry: TableEntry, column: str) -> str:
    """A filter column's name on screen: the publisher's label, never the column id."""
    return query.column_label(entry, column)


def nice_name(column_or_type: str) -> str:
    """'prior_attainment_code' → 'Prior attainment code'; 'POLAR4' stays 'POLAR4'."""
    return upper_first(column_or_type.replace("_", " "))


def basis_phrase(basis: Basis, base_period: int) -> str:
    """How figures are priced, for titles and sentences: 'real terms (2022-23 prices)' / 'nominal (cash) terms'."""
    return f"real terms ({prices.prices_label(base_period)})" if basis == "real" else "nominal (cash) terms"


def _sentence_basis(basis: Basis, base_period: int) -> str:
    return f"in {prices.prices_label(base_period)}" if basis == "real" else "in cash terms"


def yag_long(value: str) -> str:
    n = _years_after_int(value)
    return years_after_phrase(n) if n is not None else f"{value} years after graduation"


def yag_short(value: str) -> str:
    n = _years_after_int(value)
    if n is None:
        return f"{value} years after"
    return f"{number_word(n)} {'year' if n == 1 else 'years'} after"


def _yags_phrase(values: Sequence[str]) -> str:
    if len(values) == 1:
        n = _years_after_int(values[0])
        return f"{values[0]} {'year' if n == 1 else 'years'} after graduation"
    return f"{join_words(list(values))} years after graduation"


def view_title(
    spec: EarningsSpec,
    data: EarningsData,
    entry: TableEntry,
    provider_label: str | None,
    area: geography.Area | None = None,
) -> str:
    """What is shown, exactly: measure, YAGs or years, split, subjects, provider or area, year, price basis."""
    measure = data.measure.label
    split_name = in_sentence(nice_name(spec.characteristic)) if spec.characteristic else ""
    by_split = f" by {split_name}" if split_name else ""
    and_split = f" and {split_name}" if split_name else ""
    subjects = join_words(list(dict.fromkeys(s.subject for s in data.series)))
    who = (
        f", {provider_label} and {NATIONAL_LABEL.lower()}"
        if provider_label and any(s.national for s in data.series)
        else (f", {provider_label}" if provider_label else "")
    ) + geography.in_area(area)
    basis = basis_phrase(data.basis, data.base_period)
    if spec.mode == "trajectory":
        year = period_label(spec.period or data.base_period)
        return f"{measure} {_yags_phrase(data.x_order)}{by_split}, {subjects}{who}, {year} {entry.time_label.lower()}, {basis}"
    yag = list(spec.years_after[:1])
    years = (
        f"{data.x_order[0]} to {data.x_order[-1]}"
        if len(data.x_order) > 1
        else (data.x_order[0] if data.x_order else "")
    )
    return f"{measure} {_yags_phrase(yag)} by {entry.time_label.lower()}{and_split}, {subjects}{who}, {years}, {basis}"


def view_footnotes(
    spec: EarningsSpec, data: EarningsData, entry: TableEntry, price_index: prices.PriceIndex | None
) -> list[str]:
    notes: list[str] = []
    if data.measure.has_band:
        band = (
            "Shaded bands run from the published lower quartile (25th percentile) to the published upper quartile "
            "(75th percentile) of earnings; quartiles are never estimated, so a band has a gap where either is "
            "suppressed or not available."
        )
        if any(s.national for s in data.series):
            band += " Bands are drawn for the chosen provider; the national figures (dashed lines) are in the table."
        notes.append(band)
    if data.basis == "real" and price_index is not None:
        notes.append(
            prices.method_footnote(
                price_index, data.base_period, rounding_base=entry.disclosure.earnings_base, year_type=entry.time_label
            )
        )
    else:
        notes.append("Figures are in cash terms as published (nominal): they are not adjusted for inflation.")
    if spec.mode == "trajectory":
        notes.append(
            "Figures for different years after graduation in one tax year come from different graduating cohorts: "
            "they are not one group of graduates followed over time."
        )
    else:
        notes.append(
            "Each tax year's figure is for a different graduating cohort, observed the same number of years after graduation."
        )
    if spec.provider and any(s.national for s in data.series):
        notes.append(f"{NATIONAL_LABEL}: the published national figures (not derived from the provider rows).")
    return notes


@dataclass(frozen=True)
class SeriesValues:
    """One line's published values for the summary sentence (None where suppressed or not available)."""

    label: str
    phrase: str  # 'Computing graduates' / 'Computing graduates (F, Fenwick University)'
    points: tuple[tuple[str, float | None], ...]  # (x, value) in x order


def summary_sentence(
    series: Sequence[SeriesValues],
    *,
    mode: Mode,
    measure_label: str,
    basis: Basis,
    base_period: int,
    yag: str | None = None,
) -> str:
    """One sentence from the published figures; a suppressed or missing figure is never cited."""
    measure = upper_first(measure_label)
    how = _sentence_basis(basis, base_period)
    if mode == "trajectory":
        long_x, short_x = yag_long, yag_short
        context = ""
    else:

        def long_x(x: str) -> str:
            return f"in {x}"

        short_x = long_x
        context = f" {yag_long(yag)}" if yag else ""
    with_data = [s for s in series if any(v is not None for _, v in s.points)]
    if not with_data:
        return f"No {_lower_first(measure_label)} figure can be shown for this selection: every figure is suppressed or not available."
    money = functools.partial(format_number, unit="£", dp=0)

    counts: dict[str, int] = {}
    for s in with_data:
        for x, v in s.points:
            if v is not None:
                counts[x] = counts.get(x, 0) + 1
    best = max(counts.values())
    if len(with_data) >= 2 and best >= 2:
        order = [x for x, _ in with_data[0].points]
        chosen = [x for x in order if counts.get(x) == best][-1]
        values = [(s, dict(s.points)[chosen]) for s in with_data if dict(s.points).get(chosen) is not None]
        high = max(values, key=lambda p: p[1])  # first of equals
        low = min(values, key=lambda p: p[1])
        trend = _trend_clause(with_data, len(series), mode=mode, measure=measure, context=context)
        # The trend clause already says when it covers only the lines with published figures.
        said = trend is not None and best == len(with_data)
        among = (
            f" among the {best} of {len(series)} lines with a published figure"
            if best < len(series) and not said
            else ""
        )
        if trend:
            lead = f"{trend}; {long_x(chosen)} they"
        else:
            lead = f"{upper_first(long_x(chosen))}, {_lower_first(measure_label)}{context}"
        if high[1] == low[1]:
            return f"{lead} were {money(high[1])} for each of the {best} lines with a published figure, {how}."
        return (
            f"{lead} were highest for {high[0].label} ({money(high[1])}) and lowest for {low[0].label} "
            f"({money(low[1])}){among}, {how}."
        )
    only = with_data[0]
    published = [(x, v) for x, v in only.points if v is not None]
    subject = f"{measure} of {only.phrase}{context}"
    if len(published) == 1:
        x, v = published[0]
        rest = "" if len(only.points) == 1 else "; the other figures for them are suppressed or not available"
        return f"{subject} were {money(v)} {long_x(x)}{rest}, {how}."
    (x0, v0), (x1, v1) = published[0], published[-1]
    if v1 > v0:
        return f"{subject} rose from {money(v0)} {long_x(x0)} to {money(v1)} {short_x(x1)}, {how}."
    if v1 < v0:
        return f"{subject} fell from {money(v0)} {long_x(x0)} to {money(v1)} {short_x(x1)}, {how}."
    return f"{subject} were {money(v0)} both {long_x(x0)} and {short_x(x1)}, {how}."


def _trend_clause(
    with_data: Sequence[SeriesValues], n_series: int, *, mode: Mode, measure: str, context: str
) -> str | None:
    """'Median earnings rose from one to ten years after graduation for all three lines shown' — only when every line
    with data has its first and last published figure at the same two points (else the words would mislead)."""
    ends = []
    for s in with_data:
        published = [(x, v) for x, v in s.points if v is not None]
        if len(published) < 2:
            return None
        ends.append((published[0], published[-1]))
    starts, finishes = {a[0] for a, _ in ends}, {b[0] for _, b in ends}
    if len(starts) != 1 or len(finishes) != 1:
        return None
    x0, x1 = starts.pop(), finishes.pop()
    rose = sum(1 for (_, a), (_, b) in ends if b > a)
    fell = sum(1 for (_, a), (_, b) in ends if b < a)
    same = len(ends) - rose - fell
    if mode == "trajectory":
        n0 = _years_after_int(x0)
        start = number_word(n0) if n0 is not None else x0
        span_from, span_between = f"from {start} to {yag_long(x1)}", f"between {start} and {yag_long(x1)}"
    else:
        span_from, span_between = f"from {x0} to {x1}", f"between {x0} and {x1}"
    lines = "both lines" if len(ends) == 2 else f"all {number_word(len(ends))} lines"  # GSS: numbers under 10 in words
    lines += " shown" if len(ends) == n_series else " with published figures"
    for count, verb in ((rose, "rose"), (fell, "fell")):
        if count == len(ends):
            return f"{measure}{context} {verb} {span_from} for {lines}"
    if same == len(ends):
        return f"{measure}{context} did not change {span_between} for {lines}"
    parts = [
        p
        for p, n in (
            (f"rose for {number_word(rose)}", rose),
            (f"fell for {number_word(fell)}", fell),
            (f"did not change for {number_word(same)}", same),
        )
        if n
    ]
    return f"{measure}{context} {join_words(parts)} of the {number_word(len(ends))} lines {span_between}"


def _series_phrase(s: Series, provider_label: str | None) -> str:
    extra = [
        p for p in (s.group, (provider_label if s.provider else (NATIONAL_LABEL.lower() if s.national else None))) if p
    ]
    return f"{s.subject} graduates" + (f" ({', '.join(extra)})" if extra else "")


def series_values(data: EarningsData, provider_label: str | None) -> list[SeriesValues]:
    median = data.measure.median.column
    out: list[SeriesValues] = []
    for s in data.series:
        rows = data.frame.filter(pl.col(SERIES_INDEX) == s.index)
        shown = rows[status_column(median)].is_null()
        values = [v if ok else None for v, ok in zip(rows[median].to_list(), shown.to_list(), strict=True)]
        out.append(
            SeriesValues(
                s.label,
                _series_phrase(s, provider_label),
                tuple(zip(rows[data.x_column].to_list(), values, strict=True)),
            )
        )
    return out

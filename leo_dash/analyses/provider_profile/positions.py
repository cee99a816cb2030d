"""Provider profile: where the provider sits on each outcome (rank, funnel position) and the outcomes view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from leo_dash import sdc
from leo_dash.analyses import funnel, institutions
from leo_dash.analyses.provider_profile.spec import OUTCOMES_KEY, Outcome
from leo_dash.core.model import SYMBOL_LABELS, status_column
from leo_dash.present.views import Column, View, format_number, make_view

# Frame columns of the outcomes view (one row per outcome).
OUTCOME, TABLE, SELECTION, VALUE, BENCHMARK = "outcome", "table", "selection", "provider_value", "benchmark_value"
RANK_TEXT, FUNNEL_TEXT = "rank_text", "funnel_text"


FUNNEL_WORDS: dict[str, str] = {
    funnel.ABOVE_998: "above the 99.8% limits (well above what chance alone gives)",
    funnel.ABOVE_95: "above the 95% limits",
    funnel.BELOW_95: "below the 95% limits",
    funnel.BELOW_998: "below the 99.8% limits (well below what chance alone gives)",
}


@dataclass(frozen=True)
class Position:
    """The provider on one outcome, in the latest year, among all providers (as Institution performance shows it)."""

    outcome: Outcome
    spec: institutions.InstitutionSpec
    selection: str
    value: float | None
    status: str | None  # the provider's symbol (c, x, ...) when no figure may be shown
    rank: int | None
    ranked: int  # providers with a published figure
    benchmark: float | None
    benchmark_status: str | None
    funnel_position: str | None  # funnel.ABOVE_998 ... NOT_PLACED; None when there is no funnel plot


def outcome_spec(outcome: Outcome, provider: str, *, data_dir: Path | None = None) -> institutions.InstitutionSpec:
    """Institution performance's default selection for this outcome, with the provider highlighted."""
    return institutions.spec_from_params(
        outcome.entry, {"measure": [outcome.indicator.column], "provider": [provider]}, data_dir=data_dir
    )


def position(outcome: Outcome, provider: str, *, data_dir: Path | None = None) -> Position:
    entry, indicator = outcome.entry, outcome.indicator
    spec = outcome_spec(outcome, provider, data_dir=data_dir)
    result = institutions.comparison(entry, spec, data_dir=data_dir)
    year = result.year(spec.period)
    name_column = str(entry.role("provider_name"))
    ranked = institutions.rank_providers(year, indicator.column, name_column)
    mine = ranked.filter(pl.col(institutions.MEMBER) == provider)
    value = status = rank = None
    if mine.is_empty():
        status = sdc.NOT_AVAILABLE
    else:
        status = mine[status_column(indicator.column)][0]
        value = mine[indicator.column][0] if status is None else None
        rank = mine[institutions.RANK][0]
    bench = result.benchmark(spec.period)
    funnel_position = None
    if institutions.funnel_reason(result) is None:
        placed = institutions.funnel_frame(result).filter(pl.col(institutions.MEMBER) == provider)
        funnel_position = placed[institutions.POSITION][0] if not placed.is_empty() else funnel.NOT_PLACED
    return Position(
        outcome=outcome,
        spec=spec,
        selection=institutions.selection_words(entry, spec),
        value=value,
        status=status,
        rank=rank,
        ranked=ranked.filter(pl.col(institutions.RANK).is_not_null()).height,
        benchmark=bench.value if bench is not None and bench.status is None else None,
        benchmark_status=(bench.status if bench is not None else sdc.NOT_AVAILABLE),
        funnel_position=funnel_position,
    )


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def rank_text(p: Position) -> str:
    if p.rank is None:
        return ""
    return f"{ordinal(p.rank)} highest of {p.ranked:,}"


def funnel_text(p: Position) -> str:
    if p.funnel_position is None:
        return "No funnel plot for this outcome"
    if p.funnel_position == funnel.NOT_PLACED:
        return "Not placed (its figure or base is not shown)"
    return p.funnel_position


def _symbol_words(symbol: str | None) -> str:
    if symbol == "c":
        return "suppressed"
    return SYMBOL_LABELS.get(symbol or "", "not available").lower()


def position_sentence(p: Position, name: str) -> str:
    """'Sustained employment rate, five years after graduation, all subjects, 2023-24 tax year, from ‘<table>’: X
    ranks 5th highest of 25 providers (72.0%, against 70.1% for all providers), within the funnel plot's 95%
    limits.' Never cites a figure that carries a symbol."""
    measure = institutions.measure_title(p.outcome.indicator)
    dp = 1 if p.outcome.indicator.dp is None else p.outcome.indicator.dp
    lead = f"{measure}, {p.selection}, from ‘{p.outcome.entry.title}’: {name}"
    if p.rank is None:
        return f"{lead} has no published figure ({_symbol_words(p.status)}), so it has no rank."
    sentence = f"{lead} ranks {ordinal(p.rank)} highest of {p.ranked:,} providers ({format_number(p.value, '%', dp)}"
    if p.benchmark is not None:
        sentence += f", against {format_number(p.benchmark, '%', dp)} for all providers"
    sentence += ")"
    if p.funnel_position in FUNNEL_WORDS:
        sentence += f", {FUNNEL_WORDS[p.funnel_position]} on the funnel plot"
    elif p.funnel_position == funnel.WITHIN:
        sentence += ", within the funnel plot's 95% limits"
    return sentence + "."


def outcomes_summary(positions: Sequence[Position], name: str) -> str:
    if not positions:
        return f"No approved table you may see compares {name} with other providers."
    return " ".join(position_sentence(p, name) for p in positions)


def outcomes_view(positions: Sequence[Position], name: str, provider: str) -> View | None:
    """One row per outcome: the provider's figure, the all-providers figure, its rank and its funnel position."""
    if not positions:
        return None
    dp = max((1 if p.outcome.indicator.dp is None else p.outcome.indicator.dp) for p in positions)
    frame = pl.DataFrame(
        {
            OUTCOME: [institutions.measure_title(p.outcome.indicator) for p in positions],
            TABLE: [p.outcome.entry.title for p in positions],
            SELECTION: [p.selection for p in positions],
            VALUE: [p.value for p in positions],
            status_column(VALUE): [p.status for p in positions],
            BENCHMARK: [p.benchmark for p in positions],
            status_column(BENCHMARK): [p.benchmark_status for p in positions],
            RANK_TEXT: [rank_text(p) for p in positions],
            FUNNEL_TEXT: [funnel_text(p) for p in positions],
        },
        schema={
            OUTCOME: pl.String,
            TABLE: pl.String,
            SELECTION: pl.String,
            VALUE: pl.Float64,
            status_column(VALUE): pl.String,
            BENCHMARK: pl.Float64,
            status_column(BENCHMARK): pl.String,
            RANK_TEXT: pl.String,
            FUNNEL_TEXT: pl.String,
        },
    )
    columns = [
        Column(OUTCOME, "Outcome"),
        Column(TABLE, "Table"),
        Column(SELECTION, "Selection"),
        Column(VALUE, name, "value", "%", dp),
        Column(BENCHMARK, "All providers", "value", "%", dp),
        Column(RANK_TEXT, "Rank among providers"),
        Column(FUNNEL_TEXT, "Funnel plot position"),
    ]
    # The view's source, demo flag and footnotes come from the first table; the Table column names each row's own.
    entry = positions[0].outcome.entry
    footnotes = [
        "Each outcome is for the table's default selection (all subjects and groups where the table has them) in its "
        "latest year, compared with all providers, exactly as Institution performance shows it.",
        "Rank 1 is the highest figure, whatever the outcome: for out-of-work benefit rates a lower figure is better.",
        "Funnel plot position: whether the figure lies outside the limits chance alone would give a provider of its "
        "size (binomial limits around the all-providers figure).",
    ]
    tables = {p.outcome.entry.id: p.outcome.entry for p in positions}
    if len(tables) > 1:
        footnotes.append("Sources: " + "; ".join(f"{e.title} ({e.publication})" for e in tables.values()) + ".")
    return make_view(
        key=OUTCOMES_KEY,
        entry=entry,
        title=f"Where {name} sits among all providers, outcome by outcome",
        frame=frame,
        columns=columns,
        summary=outcomes_summary(positions, name),
        filters=[("Provider", f"{name} ({provider})")],
        extra_footnotes=footnotes,
    )

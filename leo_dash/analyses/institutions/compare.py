"""Institutions comparison: provider rows with their benchmark (published or derived), disclosure-checked, ranked, and the providers with no figure."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from leo_dash import sdc
from leo_dash.analyses.institutions.options import (
    BENCHMARK_KEY,
    MEMBER,
    RANK,
    SOURCE,
    MissingReason,
    Source,
    base_indicator,
    measures,
)
from leo_dash.analyses.institutions.spec import (
    InstitutionSpec,
    benchmark_name,
    measure_indicator,
    measure_title,
    peer_label,
)
from leo_dash.core import query
from leo_dash.core.model import SYMBOL_MEANINGS, Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present.sentences import in_sentence

# ---------------------------------------------------------------------------------------------------------------
# The comparison frame: peer providers and the benchmark, for one selection, protected


@dataclass(frozen=True)
class Benchmark:
    """The benchmark of one year."""

    period: int
    value: float | None
    status: str | None
    source: Source  # "published" or "derived"
    providers_used: int | None = None  # derived only: providers whose published figures were combined
    providers_left_out: int | None = None  # derived only: providers left out for carrying a symbol


@dataclass(frozen=True)
class Comparison:
    """Protected rows of one selection: `frame` holds the peer providers and one benchmark row per year (MEMBER =
    BENCHMARK_KEY); `selected` holds every provider row of the selection (any peer group, protected), for
    explaining missing figures."""

    entry: TableEntry
    spec: InstitutionSpec
    indicator: Indicator
    base: Indicator | None
    frame: pl.DataFrame
    selected: pl.DataFrame
    benchmarks: dict[int, Benchmark]
    periods: tuple[int, ...]
    # Figures computed from this comparison (e.g. funnel positions), shared by every copy `comparison()` hands out
    # for other highlighted providers, so they are computed once per version of the table.
    derived: dict[tuple[object, ...], pl.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    @property
    def indicators(self) -> list[Indicator]:
        return [self.indicator] + ([self.base] if self.base else [])

    def year(self, period: int) -> pl.DataFrame:
        return self.frame.filter(pl.col(str(self.entry.role("time"))) == period)

    def benchmark(self, period: int) -> Benchmark | None:
        return self.benchmarks.get(period)


def _where(entry: TableEntry, spec: InstitutionSpec) -> dict[str, list[object]]:
    """The selection (every year): chosen breakdowns and filters; query.select pins the rest to their Total."""
    where: dict[str, list[object]] = {}
    if entry.role("years_after") and spec.years_after is not None:
        where["years_after"] = [spec.years_after]
    if entry.role("subject") and spec.subject is not None:
        where["subject"] = [spec.subject]
    if entry.role("characteristic_type") and spec.characteristic_type is not None:
        where["characteristic_type"] = [spec.characteristic_type]
        if entry.role("characteristic_value"):
            value = spec.characteristic_value
            if value is None and spec.characteristic_type in query.TOTAL_ITEMS:
                value = spec.characteristic_type  # "Total" type goes with its "Total" value
            if value is not None:
                where["characteristic_value"] = [value]
    for column, item in spec.filters:
        where[column] = [item]
    return where


def _matches(column: str | None, wanted: str | None) -> pl.Expr:
    """Rows whose attribute is `wanted`; with no wanted value, rows that stand for everyone (null or a Total)."""
    if column is None:
        return pl.lit(True)
    if wanted is None:
        return pl.col(column).is_null() | pl.col(column).is_in(list(query.TOTAL_ITEMS))
    return (pl.col(column) == wanted).fill_null(False)


def _in_peer(entry: TableEntry, spec: InstitutionSpec) -> pl.Expr:
    expr = pl.lit(True)
    if spec.peer_type is not None and entry.role("provider_type"):
        expr = expr & (pl.col(str(entry.role("provider_type"))) == spec.peer_type).fill_null(False)
    if spec.peer_region is not None and entry.role("region"):
        expr = expr & (pl.col(str(entry.role("region"))) == spec.peer_region).fill_null(False)
    return expr


# Comparisons kept per version of the prepared table (the house cache policy: values read from a table are keyed by
# its parquet and modification time). The highlighted providers, the chart's length and the funnel limits do not
# change a comparison, so a provider profile's four outcomes and a change of highlighted provider reuse one.
_COMPARISONS_KEPT = 32
_comparisons: OrderedDict[tuple[object, ...], Comparison] = OrderedDict()
_comparisons_guard = threading.Lock()


def _comparison_key(entry: TableEntry, spec: InstitutionSpec, data_dir: Path | None) -> tuple[object, ...]:
    parquet, mtime_ns = query.prepared_version(entry, data_dir)
    # Only what comparison() reads: the peer group's type and region (not the focus provider's own when the peer
    # group is everyone), never the highlighted providers, the chart's length, the funnel limits or the year.
    selection = replace(
        spec, providers=(), top="", limits="", period=0, provider_type=spec.peer_type, region=spec.peer_region
    )
    return (repr(entry), parquet, mtime_ns, selection)


def comparison(entry: TableEntry, spec: InstitutionSpec, *, data_dir: Path | None = None) -> Comparison:
    """Peer providers and the benchmark for `spec`'s selection in every year (the trend needs them all)."""
    key = _comparison_key(entry, spec, data_dir)
    with _comparisons_guard:
        found = _comparisons.get(key)
        if found is not None:
            _comparisons.move_to_end(key)
    if found is None:
        found = _compare(entry, spec, data_dir=data_dir)
        with _comparisons_guard:
            _comparisons[key] = found
            while len(_comparisons) > _COMPARISONS_KEPT:
                _comparisons.popitem(last=False)
    return replace(found, spec=spec)


def _compare(entry: TableEntry, spec: InstitutionSpec, *, data_dir: Path | None = None) -> Comparison:
    indicator = measure_indicator(entry, spec)
    mixed = bool(entry.unit_filter) and spec.measure in {m.column for m in measures(entry)}
    if (indicator.kind not in ("rate", "earnings") and not mixed) or indicator.hidden:
        raise ValueError(f"{indicator.column} is not a rate or earnings indicator this page can show.")
    base = base_indicator(entry, indicator)
    indicators = [indicator] + ([base] if base else [])
    time, pid, pname = str(entry.role("time")), str(entry.role("provider_id")), str(entry.role("provider_name"))
    attributes = [c for c in (entry.role("provider_type"), entry.role("region")) if c]
    value_columns = [i.column for i in indicators]
    raw = query.select(
        entry,
        _where(entry, spec),
        vary=[r for r in ("provider_type", "region") if entry.role(r)],
        columns=[time, pid, pname, *attributes, *value_columns],
        data_dir=data_dir,
    ).with_columns(pl.col(pid).cast(pl.String), pl.col(pname).cast(pl.String))
    profile = entry.disclosure

    providers = sdc.protect(raw.filter(pl.col(pid).is_not_null()), indicators, profile).with_columns(
        pl.col(pid).alias(MEMBER), pl.lit("provider").alias(SOURCE)
    )
    peer = providers.filter(_in_peer(entry, spec))
    aggregates = raw.filter(
        pl.col(pid).is_null()
        & _matches(entry.role("provider_type"), spec.peer_type)
        & _matches(entry.role("region"), spec.peer_region)
    )
    published = (
        sdc.protect(aggregates, indicators, profile)
        .unique(subset=[time], keep="first", maintain_order=True)  # one row per year when the catalogue pins all
        .with_columns(
            pl.lit(BENCHMARK_KEY).alias(MEMBER),
            pl.lit("published").alias(SOURCE),
            pl.lit(benchmark_name(spec)).alias(pname),
            *(pl.lit(None, dtype=pl.String).alias(c) for c in attributes),  # "Total" says nothing the name does not
        )
    )
    periods = sorted(set(raw[time].to_list()))
    missing_years = [p for p in periods if p not in set(published[time].to_list())]
    benchmarks: dict[int, Benchmark] = {
        row[time]: Benchmark(row[time], row[indicator.column], row[status_column(indicator.column)], "published")
        for row in published.iter_rows(named=True)
    }
    derived = _derived_benchmark(peer.filter(pl.col(time).is_in(missing_years)), time, indicators, entry, spec)
    for row in derived.iter_rows(named=True):
        benchmarks[row[time]] = Benchmark(
            row[time],
            row[indicator.column],
            row[status_column(indicator.column)],
            "derived",
            providers_used=int(row[sdc.N_ROWS]) - int(row[sdc.N_EXCLUDED]),
            providers_left_out=int(row[sdc.N_EXCLUDED]),
        )
    keep = [time, pid, pname, *attributes, *(c for v in value_columns for c in (v, status_column(v))), MEMBER, SOURCE]
    # n_rows travels with the derived rows so the last guard can tell a one-provider peer group (its published
    # figure passes through, D5) from a figure derived across providers.
    no_rows = pl.lit(None, dtype=pl.UInt32).alias(sdc.N_ROWS)
    combined = pl.concat(
        [
            published.select(keep).with_columns(no_rows),
            derived.select([*keep, sdc.N_ROWS]).with_columns(pl.col(sdc.N_ROWS).cast(pl.UInt32)),
            peer.select(keep).with_columns(no_rows),
        ],
        how="vertical_relaxed",
    )
    _guard(combined, time, indicators, entry)
    return Comparison(
        entry=entry,
        spec=spec,
        indicator=indicator,
        base=base,
        frame=combined,
        selected=providers,
        benchmarks=dict(sorted(benchmarks.items())),
        periods=tuple(periods),
    )


def _derived_benchmark(
    peer: pl.DataFrame, time: str, indicators: Sequence[Indicator], entry: TableEntry, spec: InstitutionSpec
) -> pl.DataFrame:
    """D4: the benchmark from the peer providers' published cells (a lone suppressed cell hides it, D6)."""
    pname = str(entry.role("provider_name"))
    if peer.height == 0:
        columns = {time: peer.schema[time], sdc.N_ROWS: pl.UInt32, sdc.N_EXCLUDED: pl.UInt32}
        frame = pl.DataFrame(schema=columns | {c: peer.schema[c] for c in peer.columns if c not in columns})
        return frame.with_columns(pl.lit(BENCHMARK_KEY).alias(MEMBER), pl.lit("derived").alias(SOURCE))
    grouped = sdc.aggregate(peer, [time], indicators, entry.disclosure, published_cells_only=True)
    grouped = sdc.suppress_derived(grouped, indicators)
    # Earnings are never derived across providers (D5). sdc lets a group of one row pass through, but a peer
    # "benchmark" of one provider's median is that provider under another name, so it is `x` here too.
    grouped = grouped.with_columns(
        x
        for i in indicators
        if i.kind not in ("rate", "count", "base")
        for x in (
            pl.lit(None, dtype=grouped.schema[i.column]).alias(i.column),
            pl.lit(sdc.NOT_AVAILABLE).alias(status_column(i.column)),
        )
    )
    sdc.guard(grouped, indicators, entry.disclosure, derived=True)
    return grouped.with_columns(
        pl.lit(BENCHMARK_KEY).alias(MEMBER),
        pl.lit("derived").alias(SOURCE),
        pl.lit(benchmark_name(spec)).alias(pname),
        pl.lit(None, dtype=pl.String).alias(str(entry.role("provider_id"))),
        *(pl.lit(None, dtype=pl.String).alias(c) for c in (entry.role("provider_type"), entry.role("region")) if c),
    ).sort(time)


def _guard(combined: pl.DataFrame, time: str, indicators: Sequence[Indicator], entry: TableEntry) -> None:
    """The last check before anything leaves: every year's cells (D1-D5) and the derived benchmark rows held to
    the rules for derived figures. (D6 between the benchmark and its providers was settled for the whole table
    by the protection pass, which also allows for the publisher's rounding.)"""
    for part in combined.partition_by(time, maintain_order=True):
        sdc.guard(part, indicators, entry.disclosure, derived=False)
    after = combined.filter(pl.col(SOURCE) == "derived")
    if after.height:
        sdc.guard(after, indicators, entry.disclosure, derived=True)


# ---------------------------------------------------------------------------------------------------------------
# Ranking


def rank_providers(frame: pl.DataFrame, value_column: str, name_column: str) -> pl.DataFrame:
    """Provider rows (benchmark rows dropped) sorted highest first with RANK (1 = highest; ties share a rank);
    rows whose figure carries a symbol come last, by name, with no rank."""
    providers = frame.filter(pl.col(MEMBER) != BENCHMARK_KEY)
    shown = pl.col(status_column(value_column)).is_null()
    ranked = providers.with_columns(
        pl.when(shown).then(pl.col(value_column).rank(method="min", descending=True)).cast(pl.Int64).alias(RANK)
    )
    return ranked.sort([RANK, name_column, MEMBER], descending=[False, False, False], nulls_last=True)


def chart_selection(ranked: pl.DataFrame, top_n: int | None, highlighted: Sequence[str]) -> list[tuple[str, object]]:
    """Rows to draw in the ranked chart, in order, as ("row", row dict) or ("gap", (first rank, last rank, count)):
    the top and bottom `top_n` ranked providers, highlighted ones in between, then rows with a symbol (all of them
    when every ranked provider is shown, else the highlighted ones)."""
    chosen = set(highlighted)
    rows = ranked.to_dicts()
    published = [r for r in rows if r[RANK] is not None]
    symbols = [r for r in rows if r[RANK] is None]
    out: list[tuple[str, object]] = []
    complete = top_n is None or len(published) <= 2 * top_n
    if complete:
        out += [("row", r) for r in published]
    else:
        assert top_n is not None
        out += [("row", r) for r in published[:top_n]]
        middle = published[top_n : len(published) - top_n]
        gap_start: int | None = None
        for position, row in enumerate(middle):
            if row[MEMBER] in chosen:
                if gap_start is not None:
                    out.append(("gap", (middle[gap_start][RANK], middle[position - 1][RANK], position - gap_start)))
                    gap_start = None
                out.append(("row", row))
            elif gap_start is None:
                gap_start = position
        if gap_start is not None:
            out.append(("gap", (middle[gap_start][RANK], middle[-1][RANK], len(middle) - gap_start)))
        out += [("row", r) for r in published[len(published) - top_n :]]
    out += [("row", r) for r in symbols if complete or r[MEMBER] in chosen]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Missing combinations


@dataclass(frozen=True)
class MissingNote:
    provider_id: str
    provider_name: str
    reason: MissingReason
    symbol: str | None
    text: str


def missing_combinations(result: Comparison, names: Mapping[str, str]) -> list[MissingNote]:
    """Why each highlighted provider has no figure in the chosen year: no row at all for this selection, a row
    whose value carries a symbol (the publisher's, or one the protection pass added so that no suppressed figure
    can be worked out by subtraction), or a row outside the peer group."""
    entry, spec, indicator = result.entry, result.spec, result.indicator
    time, pid = str(entry.role("time")), str(entry.role("provider_id"))
    year = period_label(spec.period)
    status = status_column(indicator.column)
    measure = in_sentence(measure_title(indicator))
    selected = result.selected
    this_year = selected.filter(pl.col(time) == spec.period)
    shown = result.year(spec.period)
    notes: list[MissingNote] = []
    for provider in spec.providers:
        name = names.get(provider, provider)
        who = f"{name} ({provider})"
        own = this_year.filter(pl.col(pid) == provider)
        if own.height == 0:
            years = sorted(set(selected.filter(pl.col(pid) == provider)[time].to_list()))
            if years:
                elsewhere = ", ".join(period_label(p) for p in years)
                hint = f" It has rows for this selection in {elsewhere}."
            else:
                hint = " It has no rows for this selection in any year, so the combination is not published for it."
            notes.append(
                MissingNote(provider, name, "no_row", None, f"{who} has no row for this selection in {year}.{hint}")
            )
            continue
        row = shown.filter(pl.col(MEMBER) == provider)
        if row.height == 0:
            attributes = own.row(0, named=True)
            described = " ".join(
                str(attributes[c]) for c in (entry.role("provider_type"), entry.role("region")) if c and attributes[c]
            )
            notes.append(
                MissingNote(
                    provider,
                    name,
                    "outside_peer",
                    None,
                    f"{who} ({described}) is outside the peer group ({peer_label(spec)}), so it is not compared "
                    "here; choose 'All providers' to see it.",
                )
            )
            continue
        symbol = row[status][0]
        if symbol is None:
            continue
        meaning = SYMBOL_MEANINGS.get(symbol, symbol)
        text = f"{who} has a row for {year}, but its {measure} is '{symbol}': {meaning}."
        notes.append(MissingNote(provider, name, "symbol", symbol, text))
    return notes

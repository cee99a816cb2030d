"""Provider profile: one provider across every approved table that holds it.

Answers "How does provider X compare with its peers?" on one page: where it sits on each outcome (rank among all
providers and funnel-plot position, including its out-of-work benefit rates), its median earnings subject by subject
against the national figure, and, for one chosen outcome, the ranking, funnel plot and trend of Institution
performance with the provider highlighted and labelled.

Nothing here computes a figure of its own: positions come from `institutions.comparison` (the protected,
secondarily suppressed frame Institution performance shows) and subject earnings from `subject_ranking.ranking_frame`
(the protected frame Subject ranking shows), so what one of those pages hides, this page hides too. The only
additions are comparisons between two published figures (a rank, "above"/"below"), never made when either figure
carries a symbol.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses import benefits, earnings, funnel, institutions, subject_ranking
from leo_dash.core.model import SYMBOL_LABELS, Indicator, TableEntry, provider_type_help, status_column
from leo_dash.core.periods import period_label, period_value
from leo_dash.present import charts
from leo_dash.present.views import Column, View, format_number, make_view

PAGE = "provider"
OUTCOMES_KEY = "provider-outcomes"
SUBJECTS_KEY = "provider-subjects"
OUTCOME_SEPARATOR = ":"
NO_TABLE_MESSAGE = (
    "No approved table you may see has provider-level figures, so there is no provider to profile. Ask your data "
    "owner for access to a provider table."
)

# Frame columns of the outcomes view (one row per outcome).
OUTCOME = "outcome"
TABLE = "table"
SELECTION = "selection"
VALUE = "provider_value"
BENCHMARK = "benchmark_value"
RANK_TEXT = "rank_text"
FUNNEL_TEXT = "funnel_text"

# Frame columns of the subjects view (one row per subject).
SUBJECT = earnings.SUBJECT
PROVIDER_MEDIAN = "provider_median"
NATIONAL_MEDIAN = "national_median"
COMPARED = "compared"
ABOVE, BELOW, SAME = "Above", "Below", "Same"
ALL_SUBJECTS = subject_ranking.REFERENCE_LABEL

FUNNEL_WORDS: dict[str, str] = {
    funnel.ABOVE_998: "above the 99.8% limits (well above what chance alone gives)",
    funnel.ABOVE_95: "above the 95% limits",
    funnel.BELOW_95: "below the 95% limits",
    funnel.BELOW_998: "below the 99.8% limits (well below what chance alone gives)",
}


# ---------------------------------------------------------------------------------------------------------------
# Which tables, providers and outcomes


def supports(entry: TableEntry) -> bool:
    """A table can feed a profile when Institution performance can rank its providers."""
    return institutions.supports(entry)


def provider_directory(tables: Sequence[TableEntry], *, data_dir: Path | None = None) -> Mapping[str, str]:
    """Every provider of the tables the user may see: id -> name (from the first table listing it), by name.
    Read-only and shared: merged once per set of prepared tables, not on every run of every session."""
    lists = tuple(institutions.provider_list(e, data_dir=data_dir) for e in tables if supports(e))
    return _directory(lists)


@functools.lru_cache(maxsize=16)
def _directory(lists: tuple[tuple[tuple[str, str], ...], ...]) -> Mapping[str, str]:
    # Keyed by the tables' provider lists themselves (shared tuples from store.options): a new release of a table
    # is a new list, so a new key.
    names: dict[str, str] = {}
    for pairs in lists:
        for pid, name in pairs:
            names.setdefault(pid, name)
    return MappingProxyType(dict(sorted(names.items(), key=lambda item: (item[1].lower(), item[0]))))


def default_provider(
    tables: Sequence[TableEntry], directory: Mapping[str, str], *, data_dir: Path | None = None
) -> str:
    """The first provider (by name) of the first demo table, else of the directory: the page always shows a profile."""
    for entry in tables:
        if entry.demo and supports(entry):
            names = institutions.provider_names(entry, data_dir=data_dir)
            if names:
                return next(iter(names))
    return next(iter(directory))


def tables_holding(tables: Sequence[TableEntry], provider: str, *, data_dir: Path | None = None) -> list[TableEntry]:
    return [e for e in tables if supports(e) and provider in institutions.provider_names(e, data_dir=data_dir)]


@dataclass(frozen=True)
class Outcome:
    """One outcome of one table on which the provider is compared with its peers."""

    entry: TableEntry
    indicator: Indicator

    @property
    def key(self) -> str:
        return f"{self.entry.id}{OUTCOME_SEPARATOR}{self.indicator.column}"

    @property
    def label(self) -> str:
        return f"{institutions.measure_title(self.indicator)} ({self.entry.title})"


def outcomes_for(tables: Sequence[TableEntry], provider: str, *, data_dir: Path | None = None) -> list[Outcome]:
    """For each table holding the provider: its headline rate (Institution performance's default outcome) and its
    first out-of-work benefit rate, when it publishes one. Only rates: each has a funnel plot and one unit (%).
    Headline outcomes come first (the first is shown in detail by default), then benefit rates."""
    outcomes: list[Outcome] = []
    for entry in tables_holding(tables, provider, data_dir=data_dir):
        candidates = [entry.indicator(institutions.default_measure(entry))]
        if benefits.supports(entry):
            candidates += list(benefits.benefit_indicators(entry))[:1]
        seen: set[str] = set()
        for indicator in candidates:
            if indicator.kind == "rate" and indicator.column not in seen:
                seen.add(indicator.column)
                outcomes.append(Outcome(entry, indicator))
    return sorted(outcomes, key=lambda o: benefits.is_benefit_rate(o.indicator))


def earnings_entry(tables: Sequence[TableEntry], provider: str, *, data_dir: Path | None = None) -> TableEntry | None:
    """The first table with the provider's subject earnings and national figures to set them against."""
    for entry in tables:
        if not earnings.supports(entry):
            continue
        options = earnings.table_options(entry, data_dir=data_dir)
        if options.has_national and provider in options.provider_names:
            return entry
    return None


def type_help(provider_type: str) -> str | None:
    return provider_type_help([provider_type])


def provider_facts(tables: Sequence[TableEntry], provider: str, *, data_dir: Path | None = None) -> dict[str, str]:
    """The provider's latest type and region, from the first table holding it that publishes them."""
    facts: dict[str, str] = {}
    for entry in tables_holding(tables, provider, data_dir=data_dir):
        for role, value in institutions.provider_attributes(entry, provider, data_dir=data_dir).items():
            if value is not None:
                facts.setdefault(role, str(value))
    return facts


# ---------------------------------------------------------------------------------------------------------------
# Where the provider sits on each outcome


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


# ---------------------------------------------------------------------------------------------------------------
# Subjects against the national figure


@dataclass(frozen=True)
class SubjectChoice:
    period: int
    years_after: str


def subject_choices(entry: TableEntry, *, data_dir: Path | None = None) -> tuple[list[str], list[str], str]:
    """What the page offers for the subject earnings: year labels (latest first), years after graduation, and the
    default years after graduation (five when published)."""
    options = earnings.table_options(entry, data_dir=data_dir)
    labels = [period_label(p) for p in reversed(options.periods)]
    return labels, list(options.years_after), subject_ranking.default_years_after(options)


def subject_choice(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[SubjectChoice, list[str]]:
    """The year and years after graduation a link asks for, with defaults (latest year; five years when published)
    and a note for each value the table does not have."""
    options = earnings.table_options(entry, data_dir=data_dir)
    notes: list[str] = []
    labels = {period_label(p): p for p in options.periods}
    period = options.latest_period
    asked = [str(v) for v in params.get("year", ())]
    if asked:
        if asked[-1] in labels:
            period = labels[asked[-1]]
        else:
            notes.append(f"The link's year '{asked[-1]}' is not in {entry.title}; the latest year is shown.")
    yag = subject_ranking.default_years_after(options)
    asked = [str(v) for v in params.get("yag", ())]
    if asked:
        if asked[-1] in options.years_after:
            yag = asked[-1]
        else:
            notes.append(f"The link's years after graduation '{asked[-1]}' is not in {entry.title}.")
    return SubjectChoice(int(period_value(period_label(period))), yag), notes


def subjects_frame(
    entry: TableEntry, provider: str, choice: SubjectChoice, *, data_dir: Path | None = None
) -> tuple[pl.DataFrame, earnings.EarningsMeasure]:
    """One row per subject of the provider: its published median, the national median for the subject, and how they
    compare (only when both are published); subjects by the provider's median, highest first; all subjects last."""
    options = earnings.table_options(entry, data_dir=data_dir)

    def ranking(who: str | None) -> tuple[pl.DataFrame, earnings.EarningsMeasure]:
        spec = subject_ranking.RankingSpec(
            table_id=entry.id,
            measure=options.measures[0].key,
            period=choice.period,
            years_after=choice.years_after,
            provider=who,
        )
        frame, measure, _total = subject_ranking.ranking_frame(entry, spec, data_dir=data_dir)
        return frame, measure

    own, measure = ranking(provider)
    national, _ = ranking(None)
    median = measure.median.column
    own = own.select(
        SUBJECT,
        pl.col(median).alias(PROVIDER_MEDIAN),
        pl.col(status_column(median)).alias(status_column(PROVIDER_MEDIAN)),
    )
    national = national.select(
        SUBJECT,
        pl.col(median).alias(NATIONAL_MEDIAN),
        pl.col(status_column(median)).alias(status_column(NATIONAL_MEDIAN)),
    )
    frame = own.join(national, on=SUBJECT, how="left").with_columns(
        pl.when(pl.col(NATIONAL_MEDIAN).is_null() & pl.col(status_column(NATIONAL_MEDIAN)).is_null())
        .then(pl.lit(sdc.NOT_AVAILABLE))
        .otherwise(pl.col(status_column(NATIONAL_MEDIAN)))
        .alias(status_column(NATIONAL_MEDIAN))
    )
    both = pl.col(PROVIDER_MEDIAN).is_not_null() & pl.col(NATIONAL_MEDIAN).is_not_null()
    frame = frame.with_columns(
        pl.when(~both)
        .then(pl.lit("Cannot compare"))
        .when(pl.col(PROVIDER_MEDIAN) > pl.col(NATIONAL_MEDIAN))
        .then(pl.lit(ABOVE))
        .when(pl.col(PROVIDER_MEDIAN) < pl.col(NATIONAL_MEDIAN))
        .then(pl.lit(BELOW))
        .otherwise(pl.lit(SAME))
        .alias(COMPARED)
    )
    is_all = pl.col(SUBJECT) == ALL_SUBJECTS
    subjects = frame.filter(~is_all).sort(
        [pl.col(PROVIDER_MEDIAN).is_null(), pl.col(PROVIDER_MEDIAN), pl.col(SUBJECT).str.to_lowercase()],
        descending=[False, True, False],
    )
    return pl.concat([subjects, frame.filter(is_all)], how="vertical_relaxed"), measure


def subjects_summary(frame: pl.DataFrame, name: str, *, yag: str, year: str) -> str:
    """'Five years after graduation (2022-23 tax year, cash terms), the median earnings of X's graduates were above
    the national median for the subject in 7 of 12 subjects, below it in 4 and the same in 1; ...'"""
    subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)
    counts = {k: subjects.filter(pl.col(COMPARED) == k).height for k in (ABOVE, BELOW, SAME)}
    compared = sum(counts.values())
    when = f"{earnings.yag_long(yag)} ({year} tax year, cash terms)"
    when = when[:1].upper() + when[1:]
    if compared == 0:
        sentence = (
            f"{when}, none of {name}'s subjects has both its own and a national median published, so none can be "
            "compared."
        )
    else:
        sentence = (
            f"{when}, the median earnings of {name}'s graduates were above the national median for the subject in "
            f"{counts[ABOVE]:,} of {compared:,} subject{'s' if compared != 1 else ''}"
        )
        rest = [
            f"below it in {counts[BELOW]:,}" if counts[BELOW] else "",
            f"the same in {counts[SAME]:,}" if counts[SAME] else "",
        ]
        rest = [r for r in rest if r]
        if rest:
            sentence += ", " + " and ".join(rest)
        sentence += "."
    uncompared = subjects.height - compared
    if uncompared:
        sentence += (
            f" {uncompared:,} further subject{'s' if uncompared != 1 else ''} cannot be compared because a median is "
            "suppressed or not available."
        )
    overall = frame.filter(pl.col(SUBJECT) == ALL_SUBJECTS)
    if not overall.is_empty() and overall[COMPARED][0] != "Cannot compare":
        sentence += (
            f" Across all its subjects, its median was {format_number(overall[PROVIDER_MEDIAN][0], '£', 0)} against "
            f"{format_number(overall[NATIONAL_MEDIAN][0], '£', 0)} nationally."
        )
    return sentence


def _subjects_figure(name: str, x_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """A dot plot: the provider's median (dark blue circle) and the national median (orange diamond) for each subject,
    joined by a grey line; markers differ in shape as well as colour. Missing figures are gaps."""

    def draw(frame: pl.DataFrame) -> go.Figure:
        subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS)
        labels = [charts.plain_text(s) for s in subjects[SUBJECT].to_list()]
        own = subjects[PROVIDER_MEDIAN].to_list()
        national = subjects[NATIONAL_MEDIAN].to_list()
        xs: list[float | None] = []
        ys: list[str | None] = []
        for label, a, b in zip(labels, own, national, strict=True):
            if a is not None and b is not None:
                xs += [a, b, None]
                ys += [label, label, None]
        figure = go.Figure()
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": charts.MUTED, "width": 2},
                hoverinfo="skip",
                showlegend=False,
                meta={"role": "connector"},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=national,
                y=labels,
                mode="markers",
                name="All providers (national)",
                marker={"color": charts.ORANGE, "size": 11, "symbol": "diamond"},
                hovertemplate="%{y}: £%{x:,.0f}<extra>All providers</extra>",
                meta={"role": "national"},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=own,
                y=labels,
                mode="markers",
                name=charts.plain_text(name),
                marker={"color": charts.DARK_BLUE, "size": 11, "symbol": "circle"},
                hovertemplate="%{y}: £%{x:,.0f}<extra>" + charts.plain_text(name) + "</extra>",
                meta={"role": "provider"},
            )
        )
        figure.update_layout(
            yaxis={
                "categoryorder": "array",
                "categoryarray": list(reversed(labels)),
                "automargin": True,
                "showgrid": False,
                "title": None,
            },
            xaxis={
                "title": charts.plain_text(x_title),
                "tickprefix": "£",
                "tickformat": ",.0f",
                "showgrid": True,
                "gridcolor": "#E5E5E5",
                "rangemode": "tozero",
            },
            showlegend=True,
        )
        return figure

    return draw


def subjects_view(
    entry: TableEntry,
    provider: str,
    name: str,
    choice: SubjectChoice,
    *,
    notes: Sequence[str] = (),
    data_dir: Path | None = None,
) -> View:
    frame, measure = subjects_frame(entry, provider, choice, data_dir=data_dir)
    year = period_label(choice.period)
    money = measure.label
    columns = [
        Column(SUBJECT, "Subject"),
        Column(PROVIDER_MEDIAN, f"{name} (£, cash terms)", "value", "£", 0),
        Column(NATIONAL_MEDIAN, "All providers (£, cash terms)", "value", "£", 0),
        Column(COMPARED, "Compared with all providers"),
    ]
    view = make_view(
        key=SUBJECTS_KEY,
        entry=entry,
        title=(
            f"{money} {earnings.yag_long(choice.years_after)} by subject, {name} against all providers, "
            f"{entry.time_label.lower()} {year} (cash terms)"
        ),
        frame=frame,
        columns=columns,
        summary=subjects_summary(frame, name, yag=choice.years_after, year=year),
        filters=[
            ("Provider", f"{name} ({provider})"),
            (entry.time_label, year),
            ("Years after graduation", choice.years_after),
            ("Basis", "cash terms"),
        ],
        build_figure=_subjects_figure(name, f"{money} (£, cash terms)"),
        notes=notes,
        extra_footnotes=(
            "Each subject's national figure is the published median for all providers in that subject; 'above' and "
            "'below' compare the two published (rounded) figures and are not tests of significance.",
            "Earnings are in cash terms, as published (not adjusted for inflation).",
        ),
        charted=[PROVIDER_MEDIAN, NATIONAL_MEDIAN],
    )
    if view.figure is not None:
        legend = [t.name for t in view.figure.data if t.name]
        earnings.fit_header(view.figure, legend)
        n_subjects = frame.filter(pl.col(SUBJECT) != ALL_SUBJECTS).height
        header = int(view.figure.layout.margin.t) + int(view.figure.layout.margin.b or 80)
        view.figure.update_layout(height=header + max(earnings.PLOT_AREA_PX, 40 + 28 * n_subjects))
    return view


# ---------------------------------------------------------------------------------------------------------------
# The whole profile, from a link's parameters


@dataclass(frozen=True)
class Profile:
    provider: str
    name: str
    facts: dict[str, str]
    outcomes: tuple[Outcome, ...]
    outcome: Outcome | None  # the outcome shown in detail
    choice: SubjectChoice | None  # year and years after graduation of the subject earnings
    overview: View | None
    subjects: View | None
    detail: institutions.InstitutionViews | None
    notes: tuple[str, ...]

    def views(self) -> list[View]:
        """Exactly the views the page draws, in its order (the outliers list is Institution performance's)."""
        detail = (
            [v for v in (self.detail.ranked, self.detail.funnel, self.detail.trend) if v is not None]
            if self.detail
            else []
        )
        return [v for v in (self.overview, self.subjects, *detail) if v is not None]


def build_profile(
    tables: Sequence[TableEntry], params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> Profile:
    """Everything the page shows for a link's parameters (provider, outcome, year, yag) over the visible tables."""
    usable = [e for e in tables if supports(e)]
    directory = provider_directory(usable, data_dir=data_dir)
    if not directory:
        raise LookupError(NO_TABLE_MESSAGE)
    notes: list[str] = []
    asked = [str(v) for v in params.get("provider", ())]
    provider = asked[-1] if asked and asked[-1] in directory else default_provider(usable, directory, data_dir=data_dir)
    if asked and asked[-1] not in directory:
        notes.append(f"The link's provider '{asked[-1]}' is not in any table you may see; another provider is shown.")
    name = directory[provider]
    outcomes = outcomes_for(usable, provider, data_dir=data_dir)
    by_key = {o.key: o for o in outcomes}
    asked = [str(v) for v in params.get("outcome", ())]
    outcome = by_key.get(asked[-1]) if asked else None
    if asked and outcome is None:
        notes.append(f"The link's outcome '{asked[-1]}' is not available for {name}; the first one is shown.")
    outcome = outcome or (outcomes[0] if outcomes else None)
    positions = [position(o, provider, data_dir=data_dir) for o in outcomes]
    overview = outcomes_view(positions, name, provider)
    subjects = choice = None
    source = earnings_entry(usable, provider, data_dir=data_dir)
    if source is not None:
        choice, choice_notes = subject_choice(source, params, data_dir=data_dir)
        notes += choice_notes
        subjects = subjects_view(source, provider, name, choice, data_dir=data_dir)
    detail = None
    if outcome is not None:
        detail = institutions.build_views(
            outcome.entry, outcome_spec(outcome, provider, data_dir=data_dir), data_dir=data_dir
        )
    return Profile(
        provider=provider,
        name=name,
        facts=provider_facts(usable, provider, data_dir=data_dir),
        outcomes=tuple(outcomes),
        outcome=outcome,
        choice=choice,
        overview=overview,
        subjects=subjects,
        detail=detail,
        notes=tuple(notes),
    )


def facts_line(profile: Profile, holding: Sequence[TableEntry]) -> tuple[str, str | None]:
    """'UKPRN 90000019 · Provider type: FEC · Region: London', and the provider type's meaning for a tooltip."""
    facts = [f"{institutions.id_label(holding[0]) if holding else 'ID'} {profile.provider}"]
    provider_type = profile.facts.get("provider_type")
    if provider_type:
        facts.append(f"Provider type: {provider_type}")
    if profile.facts.get("region"):
        facts.append(f"Region: {profile.facts['region']}")
    return " · ".join(facts), type_help(provider_type) if provider_type else None


def tables_read(profile: Profile) -> list[tuple[str, str]]:
    """(table id, view key) of every table the profile reads: the outcomes view reads one table per outcome."""
    pairs = [(o.entry.id, OUTCOMES_KEY) for o in profile.outcomes]
    pairs += [(v.table_id, v.key) for v in profile.views() if v.key != OUTCOMES_KEY]
    return list(dict.fromkeys(pairs))


def profile_params(profile: Profile) -> dict[str, list[str]]:
    """The URL parameters that rebuild this profile (the audit record and the briefing reference)."""
    out: dict[str, list[str]] = {"provider": [profile.provider]}
    if profile.outcome is not None:
        out["outcome"] = [profile.outcome.key]
    if profile.choice is not None:
        out["year"] = [period_label(profile.choice.period)]
        out["yag"] = [profile.choice.years_after]
    return out


def institutions_link(profile: Profile) -> dict[str, list[str]]:
    """Institution performance's link for the outcome shown in detail, with the provider highlighted."""
    if profile.detail is None:
        return {}
    params = institutions.spec_params(profile.detail.comparison.spec)
    return {
        k: [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)] for k, v in params.items() if v is not None
    }


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's views from its URL parameters (for briefings), over the tables the user may see."""
    return build_profile(tables, params, data_dir=data_dir).views()

"""Headline figures: median earnings one, three and five years after graduation, the sustained employment rate and
the out-of-work benefit-claim rate for the latest year, each with the change from the previous year in GSS words
("up 1.2 percentage points from 2021-22"), a source line and links into the pages that explain it.

Indicators are found from the catalogue (an earnings median, a rate labelled sustained employment, a benefit-claim
rate as `leo_dash.analyses.benefits` defines it), never by column name. Figures are the published national rows (provider id
null, D3). Where a table has no national rows (the FE provider files), a rate is derived from the providers'
published cells with `sdc.aggregate(published_cells_only=True)` (D4); earnings are never derived (D5), so such a
table gives no earnings headline. A suppressed figure is never cited and no change is computed from it.

Pipeline: `query.select` → `sdc.protect` / `sdc.aggregate` → `sdc.guard` → headline cards and one
`views.make_view` per source table (the figures behind the headlines over every year).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from leo_dash import sdc
from leo_dash.analyses import benefits, earnings, institutions
from leo_dash.core import geography, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label, period_value, previous_period
from leo_dash.present import charts
from leo_dash.present.sentences import in_sentence, join_words, years_after_phrase
from leo_dash.present.views import Column, View, format_number, gap_note, make_view, source_line

PAGE = "overview"
Kind = Literal["earnings", "employment", "benefits"]
KIND_ORDER: tuple[Kind, ...] = ("earnings", "employment", "benefits")
EARNINGS_YEARS_AFTER: tuple[str, ...] = ("1", "3", "5")
ALL_TABLES = ""  # table option meaning "the best table for each headline"
NO_TABLE_MESSAGE = (
    "No approved table with earnings, sustained employment or out-of-work benefit figures is available to you, so "
    "there are no headlines to show."
)
VALUE, HEADLINE, PERIOD, PERIOD_LABEL, FIGURE, BASIS, KEY = (
    "value", "headline", "period", "period_label", "figure", "basis", "headline_key",
)  # fmt: skip
PUBLISHED = "Published national figure"
DERIVED = "Derived from providers' published figures"


# ---------------------------------------------------------------------------------------------------------------
# Which indicator is which headline


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def earnings_median(entry: TableEntry) -> Indicator | None:
    """The published median earnings (not a region-adjusted one when a plain one exists)."""
    found = [
        i for i in entry.visible_indicators("earnings") if "median" in _words(i.column) or "median" in i.label.lower()
    ]
    found.sort(key=lambda i: "adjust" in f"{i.column} {i.label}".lower())
    return found[0] if found else None


def employment_rate(entry: TableEntry) -> Indicator | None:
    """A rate labelled sustained employment: the plain one first, then 'with or without further study', then any
    other ('only', 'and learning' are narrower)."""

    def rank(indicator: Indicator) -> int:
        rest = benefits.measure_name(indicator).lower().removeprefix("sustained employment").strip(" ,")
        return 0 if not rest else 1 if "with or without" in rest else 2

    found = [
        i
        for i in entry.visible_indicators("rate")
        if benefits.measure_name(i).lower().startswith("sustained employment")
    ]
    found.sort(key=rank)
    return found[0] if found else None


def indicator_for(entry: TableEntry, kind: Kind) -> Indicator | None:
    if kind == "earnings":
        return earnings_median(entry)
    if kind == "employment":
        return employment_rate(entry)
    found = benefits.benefit_indicators(entry)
    return found[0] if found else None


def supports(entry: TableEntry) -> bool:
    """Whether the table gives at least one headline (earnings need published national rows: checked later)."""
    has_measure = bool(entry.role("time")) and any(indicator_for(entry, k) is not None for k in KIND_ORDER)
    return has_measure and geography.shows_any_level(entry)


# ---------------------------------------------------------------------------------------------------------------
# Which headlines, from which tables


@dataclass(frozen=True)
class HeadlineSpec:
    """One headline: a measure of one table, at one number of years after (where the table has that dimension)."""

    key: str
    kind: Kind
    table_id: str
    indicator: str
    years_after: str | None = None


@dataclass(frozen=True)
class TableFacts:
    """What a table offers the headline page."""

    has_national: bool
    years_after: tuple[str, ...]
    default_years_after: str | None
    periods: tuple[int, ...]
    labels: dict[str, str] = field(default_factory=dict)
    filter_defaults: dict[str, str] = field(default_factory=dict)
    areas: tuple[geography.Area, ...] = ()  # England, regions, local authorities the table publishes


def table_facts(entry: TableEntry, *, data_dir: Path | None = None) -> TableFacts:
    schema = query.schema(entry, data_dir=data_dir)
    has_national = query.has_national_rows(entry, data_dir=data_dir)
    yag = entry.role("years_after")
    years: list[str] = []
    default_yag: str | None = None
    if yag and yag in schema:
        items = query.distinct_values(entry, yag, data_dir=data_dir)
        years = sorted((v for v in items if v not in query.TOTAL_ITEMS), key=query.numeric_order)
        default_yag = query.default_item(entry, yag, items)
        if default_yag not in years:
            default_yag = years[0] if years else None
    periods = tuple(sorted(int(v) for v in query.distinct_values(entry, str(entry.role("time")), data_dir=data_dir)))
    defaults: dict[str, str] = {}
    for column in entry.filters:
        if column in schema:
            items = query.distinct_values(entry, column, data_dir=data_dir)
            item = query.default_item(entry, column, items)
            if item is not None:
                defaults[column] = item
    return TableFacts(
        has_national,
        tuple(years),
        default_yag,
        periods,
        query.column_labels(entry),
        defaults,
        geography.areas(entry, data_dir=data_dir),
    )


def table_specs(entry: TableEntry, facts: TableFacts, area: geography.Area | None = None) -> list[HeadlineSpec]:
    """Every headline one table can give (for England, or for the region or local authority chosen)."""
    specs: list[HeadlineSpec] = []
    median = earnings_median(entry)
    published = facts.has_national or geography.below_national(area)
    if median is not None and published:  # earnings are published only, never derived (D5)
        offered = [y for y in EARNINGS_YEARS_AFTER if y in facts.years_after] if facts.years_after else [None]
        for years in offered:
            specs.append(HeadlineSpec(f"earnings-{years or 'all'}", "earnings", entry.id, median.column, years))
    for kind in ("employment", "benefits"):
        indicator = indicator_for(entry, kind)
        if indicator is not None and (published or indicator.base):
            specs.append(HeadlineSpec(kind, kind, entry.id, indicator.column, facts.default_years_after))
    return specs


def candidate_specs(
    tables: Sequence[TableEntry], facts: Mapping[str, TableFacts]
) -> dict[Kind, list[list[HeadlineSpec]]]:
    """For each kind of headline, the specs each table could give, best table first: published national figures
    first (D3), then published statistics before synthetic demo data, then catalogue order."""
    ranked = sorted(tables, key=lambda t: (not facts[t.id].has_national, t.demo))
    out: dict[Kind, list[list[HeadlineSpec]]] = {kind: [] for kind in KIND_ORDER}
    for entry in ranked:
        specs = table_specs(entry, facts[entry.id])
        for kind in KIND_ORDER:
            found = [s for s in specs if s.kind == kind]
            if found:
                out[kind].append(found)
    return out


def choose_specs(
    tables: Sequence[TableEntry],
    facts: Mapping[str, TableFacts],
    table_id: str | None = None,
    area: geography.Area | None = None,
) -> list[HeadlineSpec]:
    """The headlines to show: every headline of one chosen table (for its chosen area), or for each headline the
    best table (England)."""
    if table_id:
        entry = next((t for t in tables if t.id == table_id), None)
        return table_specs(entry, facts[entry.id], area) if entry else []
    return [spec for groups in candidate_specs(tables, facts).values() if groups for spec in groups[0]]


# ---------------------------------------------------------------------------------------------------------------
# One headline


@dataclass(frozen=True)
class PageLink:
    """A link into another page with the matching filters."""

    page: str  # script path for st.page_link, e.g. "pages/earnings.py"
    url_path: str  # e.g. "earnings"
    label: str
    params: dict[str, str]
    icon: str | None = None

    @property
    def href(self) -> str:
        return f"/{self.url_path}" + (f"?{urlencode(self.params)}" if self.params else "")


@dataclass(frozen=True)
class Headline:
    spec: HeadlineSpec
    entry: TableEntry
    indicator: Indicator
    label: str  # 'Median earnings five years after graduation'
    period: int
    value: float | None  # None where a symbol stands
    status: str | None
    previous: int | None  # the previous year, if the table has it
    previous_value: float | None
    previous_status: str | None
    derived: bool
    dp: int
    series: pl.DataFrame  # PERIOD, VALUE, status: every year of the table, for the chart
    links: tuple[PageLink, ...] = ()
    context: str = ""  # pinned filter items that are not a Total, e.g. 'stage left: 16 to 18'
    area: str | None = None  # the name of the region or local authority whose figures these are; None = England

    @property
    def title(self) -> str:
        """The label with the place and what it is narrowed to: 'Sustained employment (London; stage left: 16 to
        18)'."""
        narrowed = "; ".join(p for p in (self.area or "", self.context) if p)
        return self.label + (f" ({narrowed})" if narrowed else "")

    @property
    def unit(self) -> str:
        return self.indicator.unit or ("£" if self.indicator.kind == "earnings" else "")

    @property
    def value_text(self) -> str:
        if self.value is None:
            symbol = self.status or "x"
            return f"{SYMBOL_LABELS.get(symbol, symbol)} ({symbol})"
        return format_number(self.value, self.unit, self.dp)

    @property
    def change_pair(self) -> tuple[str | None, float | None]:
        if self.previous is None:
            return None, None
        return benefits.change_phrase(self.value, self.previous_value, self.unit, self.dp, period_label(self.previous))

    @property
    def change_text(self) -> str | None:
        """'up 1.2 percentage points from 2021-22'; for earnings 'up 7.3% from 2022-23 in cash terms' (published
        earnings are not adjusted for inflation, so a rise may be a fall in real terms). None: nothing to compare."""
        text = self.change_pair[0]
        if text is not None and self.indicator.kind == "earnings":
            return f"{text} in cash terms"
        return text

    @property
    def change(self) -> float | None:
        return self.change_pair[1]

    @property
    def sentence(self) -> str:
        return headline_sentence(self)

    @property
    def source(self) -> str:
        how = self.basis[:1].lower() + self.basis[1:] + (" (the table has no national rows)" if self.derived else "")
        return f"{source_line(self.entry)}. Table: {self.entry.title}; {how}."

    @property
    def basis(self) -> str:
        """Where the figure comes from, as the card's source line and the table's column say it."""
        if self.derived:
            return DERIVED
        return f"Published figure for {self.area}" if self.area else PUBLISHED

    @property
    def help_text(self) -> str:
        scope = self.area or "all providers"
        return f"{self.indicator.label}, {self.entry.time_label.lower()} {period_label(self.period)}, {scope}."


def _plural(label: str) -> bool:
    return label.lower().startswith(("median earnings", "earnings"))


def headline_sentence(h: Headline) -> str:
    """'Median earnings five years after graduation were £33,900 in 2023-24, up 7.3% from 2022-23.' A suppressed
    or missing figure is never cited: the sentence says it is not available and why."""
    subject = h.title
    verb = "were" if _plural(h.label) else "was"
    when = period_label(h.period)
    if h.value is None:
        symbol = h.status or "x"
        return f"The {when} figure for {in_sentence(subject)} is {SYMBOL_MEANINGS.get(symbol, symbol)} ('{symbol}')."
    head = f"{subject} {verb} {h.value_text} in {when}"
    if h.previous is None:
        return head + "; the table has no figure for the year before to compare with."
    change = h.change_text
    if change is not None:
        return f"{head}, {change}."
    if h.previous_value is None:
        symbol = h.previous_status or "x"
        return (
            f"{head}; no change from {period_label(h.previous)} is given because that figure is "
            f"{SYMBOL_MEANINGS.get(symbol, symbol)} ('{symbol}')."
        )
    return head + "."


def _label(entry: TableEntry, spec: HeadlineSpec, indicator: Indicator, facts: TableFacts) -> str:
    if spec.kind == "earnings":
        head = "Median earnings"
    elif spec.kind == "benefits":
        head = benefits.measure_title(indicator)
    else:
        head = benefits.measure_name(indicator)
    if spec.years_after is not None:
        event = benefits.after_event(entry, facts.labels) or "graduation"
        try:
            head += f" {years_after_phrase(spec.years_after, event)}"
        except ValueError:
            head += f", {spec.years_after} years after {event}"
    return head


def _context(entry: TableEntry, facts: TableFacts) -> str:
    """Pinned filter items that are real categories (not a Total): they narrow what the figure covers."""
    parts = [
        f"{in_sentence(facts.labels.get(c) or benefits.nice_name(c))}: {item}"
        for c, item in facts.filter_defaults.items()
        if item not in query.TOTAL_ITEMS
    ]
    return "; ".join(parts)


def links_for(
    h_spec: HeadlineSpec,
    entry: TableEntry,
    period: int,
    *,
    area: geography.Area | None = None,
    data_dir: Path | None = None,
) -> tuple[PageLink, ...]:
    """Links into the other pages with the filters that show where this headline comes from."""
    links: list[PageLink] = []
    year = period_label(period)
    yag = {"yag": h_spec.years_after} if h_spec.years_after is not None else {}
    if geography.below_national(area) and area is not None:
        yag[geography.AREA_PARAM] = area.code  # the pages behind it open on the same place
    if h_spec.kind == "earnings" and earnings.supports(entry):
        params = {"table": entry.id, "compare": "Cohorts", **yag}
        if entry.role("subject"):
            subjects = query.distinct_values(entry, "subject", data_dir=data_dir)
            total = query.default_item(entry, str(entry.role("subject")), subjects)
            if total:
                params["subject"] = total
        links.append(
            PageLink("pages/earnings.py", "earnings", "Earnings by subject and tax year", params, ":material/payments:")
        )
    if h_spec.kind == "benefits" and benefits.supports(entry):
        params = {"table": entry.id, "measure": h_spec.indicator, **yag}
        links.append(
            PageLink("pages/benefits.py", "benefits", "Benefit claims over time", params, ":material/trending_up:")
        )
    if entry.role("provider_id") and not geography.below_national(area) and institutions.supports(entry):
        params = {"table": entry.id, "measure": h_spec.indicator, **yag, "year": year}
        links.append(
            PageLink(
                "pages/institutions.py", "institutions", "How providers compare", params, ":material/account_balance:"
            )
        )
    return tuple(links)


def _headline_series(frame: pl.DataFrame, time: str, indicator: Indicator, facts: TableFacts) -> pl.DataFrame:
    """The protected figure for every year of the table; a year with no row is 'x' (not available), never zero."""
    value, status = indicator.column, status_column(indicator.column)
    series = frame.select(
        pl.col(time).cast(pl.Int64).alias(PERIOD),
        pl.when(pl.col(status).is_null()).then(pl.col(value)).alias(VALUE),
        pl.col(status).alias(status_column(VALUE)),
    ).sort(PERIOD)
    grid = pl.DataFrame({PERIOD: list(facts.periods)}, schema={PERIOD: pl.Int64})
    return grid.join(series, on=PERIOD, how="left").with_columns(
        pl.when(pl.col(VALUE).is_null() & pl.col(status_column(VALUE)).is_null())
        .then(pl.lit(sdc.NOT_AVAILABLE))
        .otherwise(pl.col(status_column(VALUE)))
        .alias(status_column(VALUE))
    )


def build_headline(
    entry: TableEntry,
    spec: HeadlineSpec,
    facts: TableFacts,
    *,
    period: int | None = None,
    area: geography.Area | None = None,
    data_dir: Path | None = None,
) -> Headline | None:
    """The headline for `period` (default: the latest year with a row), or None when the table has no row for it.
    With a region or local authority, its published rows replace the national ones (never derived from providers)."""
    indicator = entry.indicator(spec.indicator)
    base = benefits.base_indicator(entry, indicator)
    indicators = [indicator] + ([base] if base else [])
    time = str(entry.role("time"))
    schema = query.schema(entry, data_dir=data_dir)
    pid = entry.role("provider_id")
    pid = pid if pid and pid in schema else None
    where: dict[str, list[object]] = geography.area_where(entry, area, data_dir=data_dir)
    if geography.below_national(area):
        pid = None  # an area's rows carry no provider: they are its published figures
    if spec.years_after is not None and entry.role("years_after"):
        where[str(entry.role("years_after"))] = [spec.years_after]
    columns = [time, *([pid] if pid else []), *(i.column for i in indicators)]
    rows = query.select(entry, where, columns=columns, data_dir=data_dir)
    national = rows.filter(pl.col(pid).is_null()) if pid else rows
    derived = False
    if national.height:
        frame = sdc.protect(national.drop([pid] if pid else []), indicators, entry.disclosure)
        frame = sdc.guard(frame, indicators, entry.disclosure, derived=False)
    elif pid and base is not None and indicator.kind == "rate":
        grouped = sdc.aggregate(rows.drop(pid), [time], indicators, entry.disclosure, published_cells_only=True)
        grouped = sdc.suppress_derived(grouped, indicators)
        frame = sdc.guard(grouped, indicators, entry.disclosure, derived=True)
        derived = True
    else:
        return None
    if frame.select(pl.col(time).is_duplicated().any()).item():
        raise benefits.BenefitsDataError(
            f"{entry.id} has more than one all-provider row a year for {indicator.label}: it has a breakdown the "
            "headline page does not pin."
        )
    series = _headline_series(frame, time, indicator, facts)
    present = set(frame[time].cast(pl.Int64).to_list())
    if not present:
        return None
    chosen = period if period in present else max(present)
    at = {row[PERIOD]: (row[VALUE], row[status_column(VALUE)]) for row in series.iter_rows(named=True)}
    before = previous_period(chosen)
    previous = before if before in present else None
    v, s = at[chosen]
    pv, ps = at.get(before, (None, None)) if previous is not None else (None, None)
    dp = indicator.dp if indicator.dp is not None else (1 if indicator.unit == "%" else 0)
    if derived:
        dp = max(dp, entry.disclosure.rate_dp)
    return Headline(
        spec=spec,
        entry=entry,
        indicator=indicator,
        label=_label(entry, spec, indicator, facts),
        period=chosen,
        value=v,
        status=s,
        previous=previous,
        previous_value=pv,
        previous_status=ps,
        derived=derived,
        dp=dp,
        series=series,
        links=links_for(spec, entry, chosen, area=area, data_dir=data_dir),
        context=_context(entry, facts),
        area=area.name if area is not None and geography.below_national(area) else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# The page's choices and everything it shows


@dataclass(frozen=True)
class OverviewSpec:
    table_id: str | None = None  # None: the best table for each headline
    period: int | None = None  # only with one table: the year of the headlines (default: latest)
    area: str | None = None  # only with one table: ONS code of its region or local authority (None: default)


@dataclass(frozen=True)
class Overview:
    headlines: tuple[Headline, ...]
    views: tuple[View, ...]
    notes: tuple[str, ...] = ()

    @property
    def demo(self) -> bool:
        return any(h.entry.demo for h in self.headlines)


def build_overview(
    tables: Sequence[TableEntry], spec: OverviewSpec = OverviewSpec(), *, data_dir: Path | None = None
) -> Overview:
    usable = [t for t in tables if supports(t)]
    facts = {t.id: table_facts(t, data_dir=data_dir) for t in usable}
    by_id = {t.id: t for t in usable}
    area = geography.area_by_code(facts[spec.table_id].areas, spec.area) if spec.table_id in facts else None
    if spec.table_id:
        groups = [[[s] for s in choose_specs(usable, facts, spec.table_id, area)]]
    else:
        # Each kind from its best table; a table whose rows cannot give the headline yields to the next one.
        groups = list(candidate_specs(usable, facts).values())
    headlines: list[Headline] = []
    notes: list[str] = []
    for options in groups:
        for group in options:
            built: list[Headline] = []
            for h_spec in group:
                entry = by_id[h_spec.table_id]
                try:
                    headline = build_headline(
                        entry,
                        h_spec,
                        facts[entry.id],
                        period=spec.period,
                        area=area if spec.table_id else None,
                        data_dir=data_dir,
                    )
                except benefits.BenefitsDataError as exc:
                    notes.append(str(exc))  # one unusable headline does not hide the others
                    continue
                if headline is not None:
                    built.append(headline)
            headlines += built
            if built and not spec.table_id:
                break
    if spec.period is not None:
        other = sorted({period_label(h.period) for h in headlines if h.period != spec.period})
        if other:
            notes.append(
                f"Some headlines have no figure for {period_label(spec.period)}; they show {', '.join(other)} instead."
            )
    views = [headlines_view(group) for group in _by_table(headlines)]
    return Overview(tuple(headlines), tuple(views), tuple(notes))


def _by_table(headlines: Sequence[Headline]) -> list[list[Headline]]:
    groups: dict[str, list[Headline]] = {}
    for h in headlines:
        groups.setdefault(h.entry.id, []).append(h)
    return list(groups.values())


def _figure_text(value: float | None, status: str | None, unit: str, dp: int) -> str:
    if status is not None or value is None:
        return SYMBOL_LABELS.get(status or "x", status or "x")
    return format_number(value, unit, dp)


def headlines_frame(headlines: Sequence[Headline]) -> pl.DataFrame:
    """One row per headline and year; the figure as the table shows it (text: units differ between rows)."""
    frames = []
    for n, h in enumerate(headlines):
        frames.append(
            h.series.with_columns(
                pl.lit(n).alias(KEY),
                pl.lit(h.title).alias(HEADLINE),
                pl.col(PERIOD).map_elements(period_label, return_dtype=pl.String).alias(PERIOD_LABEL),
                pl.struct(VALUE, status_column(VALUE))
                .map_elements(
                    lambda row, h=h: _figure_text(row[VALUE], row[status_column(VALUE)], h.unit, h.dp),
                    return_dtype=pl.String,
                )
                .alias(FIGURE),
                pl.lit(h.basis).alias(BASIS),
            )
        )
    return pl.concat(frames, how="vertical_relaxed").select(
        KEY, HEADLINE, PERIOD, PERIOD_LABEL, FIGURE, BASIS, VALUE, status_column(VALUE)
    )


def _panels(headlines: Sequence[Headline]) -> list[list[int]]:
    """Headlines sharing a measure share a panel (median earnings one, three and five years after)."""
    panels: dict[tuple[str, str], list[int]] = {}
    for n, h in enumerate(headlines):
        panels.setdefault((h.spec.kind, h.indicator.column), []).append(n)
    return list(panels.values())


def _panel_title(headlines: Sequence[Headline], members: Sequence[int]) -> str:
    first = headlines[members[0]]
    if first.spec.kind == "earnings":
        return "Median earnings (£)"
    name = (
        benefits.measure_title(first.indicator)
        if first.spec.kind == "benefits"
        else benefits.measure_name(first.indicator)
    )
    return f"{name} (%)"


def _line_label(h: Headline) -> str:
    """Direct label of a line in a shared panel: '5 years' (the panel title says of what)."""
    years = h.spec.years_after
    if years is None:
        return h.label
    return f"{years} {'year' if years == '1' else 'years'} after"


def _wrap(text: str, width: int = 42) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


def build_headlines_figure(headlines: Sequence[Headline], frame: pl.DataFrame) -> go.Figure:
    """Small multiples: one panel per measure, one line per headline over every year; a symbol is a gap. Lines
    sharing a panel are labelled at their end instead of in a legend (GOV.UK guidance: label lines directly)."""
    panels = _panels(headlines)
    figure = make_subplots(
        rows=1,
        cols=len(panels),
        subplot_titles=[_wrap(charts.plain_text(_panel_title(headlines, p))) for p in panels],
        horizontal_spacing=0.14 if len(panels) > 1 else 0.08,
    )
    colour = 0
    for col, members in enumerate(panels, start=1):
        for n in members:
            h = headlines[n]
            rows = frame.filter(pl.col(KEY) == n).sort(PERIOD)
            ys = [
                v if s is None else None
                for v, s in zip(rows[VALUE].to_list(), rows[status_column(VALUE)].to_list(), strict=True)
            ]
            xs = [charts.plain_text(x) for x in rows[PERIOD_LABEL].to_list()]
            name = charts.plain_text(h.label)
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=name,
                    showlegend=False,
                    line={"color": charts.colour(colour), "width": 3},
                    marker={"size": 8, "color": charts.colour(colour)},
                    hovertext=[
                        f"{name}<br>{x}: {charts.plain_text(t)}"
                        for x, t in zip(xs, rows[FIGURE].to_list(), strict=True)
                    ],
                    hoverinfo="text",
                    meta={
                        "role": "headline",
                        "key": h.spec.key,
                        "indicator": h.indicator.column,
                        "years_after": h.spec.years_after,
                    },
                ),
                row=1,
                col=col,
            )
            last = next(((x, y) for x, y in zip(reversed(xs), reversed(ys), strict=True) if y is not None), None)
            if len(members) > 1 and last is not None:
                figure.add_annotation(
                    x=last[0],
                    y=last[1],
                    text=charts.plain_text(_line_label(h)),
                    showarrow=False,
                    xanchor="left",
                    xshift=8,
                    # Dark text: the palette's lighter colours fail WCAG text contrast; the label sits at its line's end.
                    font={"size": 12, "color": charts.REFERENCE},
                    row=1,
                    col=col,
                )
            colour += 1
        unit = headlines[members[0]].unit
        figure.update_yaxes(rangemode="tozero", **charts.axis_format(unit), row=1, col=col)
        figure.update_xaxes(type="category", tickangle=-45, row=1, col=col)
    figure.update_layout(height=520, showlegend=False)
    return figure


def fit_title(figure: go.Figure) -> None:
    """Room above the panels for the wrapped chart title and the panel titles under it."""
    title_lines = str(figure.layout.title.text or "").count("<br>") + 1
    panel_lines = max(
        (str(a.text).count("<br>") + 1 for a in figure.layout.annotations if a.yref == "paper" and a.y == 1), default=1
    )
    top = 12 + 24 * title_lines + 16 + 18 * panel_lines
    bottom = int(figure.layout.margin.b or 80)
    figure.update_layout(
        title=charts.title_at_top(figure.layout.title.text),
        margin={"t": top, "r": 110},
        height=380 + top + bottom,
    )


def _short_clause(h: Headline) -> str:
    label = in_sentence(h.label)
    when = period_label(h.period)
    if h.value is None:
        return f"{label}: {SYMBOL_MEANINGS.get(h.status or 'x', h.status or 'x')} in {when}"
    change = f" ({h.change_text})" if h.change_text else ""
    return f"{label} {h.value_text} in {when}{change}"


def headlines_summary(headlines: Sequence[Headline]) -> str:
    """One sentence: every headline's latest figure and change; a suppressed figure is named, never cited."""
    return "Latest figures: " + "; ".join(_short_clause(h) for h in headlines) + "."


def headlines_title(headlines: Sequence[Headline]) -> str:
    """'Median earnings one, three and five years after graduation, sustained employment …, all providers, tax
    years 2019-20 to 2023-24'."""
    parts: list[str] = []
    for members in _panels(headlines):
        first = headlines[members[0]]
        if first.spec.kind == "earnings" and len(members) > 1:
            years = [headlines[n].spec.years_after for n in members]
            event = benefits.after_event(first.entry, query.column_labels(first.entry)) or "graduation"
            words = join_words([years_after_phrase(y, event).split(" ")[0] for y in years if y])
            parts.append(f"Median earnings {words} years after {event}")
        else:
            parts.append(first.label)
    entry = headlines[0].entry
    periods = headlines[0].series[PERIOD].to_list()
    span = benefits.years_phrase(entry, periods)
    context = f" ({headlines[0].context})" if headlines[0].context else ""
    scope = headlines[0].area or "all providers"
    return join_words([parts[0]] + [in_sentence(p) for p in parts[1:]]) + f"{context}, {scope}, {span}"


def headlines_view(headlines: Sequence[Headline]) -> View:
    """The figures behind one table's headlines, every year: chart, table and download."""
    entry = headlines[0].entry
    frame = headlines_frame(headlines)
    notes: list[str] = []
    gap = gap_note(frame, [VALUE])
    if gap:
        notes.append(gap)
    if any(h.derived for h in headlines):
        notes.append(
            "This table has no national rows: the all-provider figures are derived from the providers' published "
            "figures, weighted by their bases and leaving out figures that are suppressed or not available, and "
            "shown only when they pass the disclosure rules."
        )
    columns = [
        Column(HEADLINE, "Headline"),
        Column(PERIOD_LABEL, entry.time_label),
        Column(FIGURE, "Figure"),
        Column(BASIS, "Source of the figure"),
    ]
    view = make_view(
        key=f"overview-{entry.id}",
        entry=entry,
        title=headlines_title(headlines),
        frame=frame,
        columns=columns,
        summary=headlines_summary(headlines),
        filters=[("Headlines", "; ".join(h.label for h in headlines)), ("Providers", "All providers")],
        build_figure=lambda f: build_headlines_figure(headlines, f),
        notes=notes,
    )
    if view.figure is not None:
        fit_title(view.figure)
    return view


def briefing_views(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry] | None = None, *, data_dir: Path | None = None
) -> list[View]:
    """The page's views for a link's parameters (for rebuilding briefing items)."""

    tables = list(tables) if tables is not None else list(load_catalogue(data_dir))
    ids = {t.id for t in tables if supports(t)}
    asked = [str(v) for v in params.get("table", ())]
    table_id = asked[-1] if asked and asked[-1] in ids else None
    period = None
    years = [str(v) for v in params.get("year", ())]
    if table_id and years:
        try:
            period = period_value(years[-1])
        except ValueError:
            period = None
    area = None
    if table_id:
        entry = next(t for t in tables if t.id == table_id)
        found = geography.areas(entry, data_dir=data_dir)
        area = geography.area_code(found, geography.choose_area(found, [str(v) for v in params.get("area", ())])[0])
    return list(build_overview(tables, OverviewSpec(table_id, period, area), data_dir=data_dir).views)

"""Headline figures: the page's constants, which indicator is which headline, and which headlines come from which tables."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from leo_dash.analyses import benefits
from leo_dash.analyses.table_choices import years_after_choices
from leo_dash.core import geography, query
from leo_dash.core.model import Indicator, TableEntry

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
    years, default_yag = years_after_choices(entry, schema, data_dir=data_dir)
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

"""Provider profile: the page's constants, and which tables, providers and outcomes it covers."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from leo_dash.analyses import benefits, earnings, institutions
from leo_dash.core.model import Indicator, TableEntry, provider_type_help

PAGE = "provider"
OUTCOMES_KEY = "provider-outcomes"
SUBJECTS_KEY = "provider-subjects"
OUTCOME_SEPARATOR = ":"
NO_TABLE_MESSAGE = (
    "No approved table you may see has provider-level figures, so there is no provider to profile. Ask your data "
    "owner for access to a provider table."
)


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

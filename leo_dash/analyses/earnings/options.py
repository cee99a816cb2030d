"""Earnings page options: what a table offers (`table_options`), filters, subjects and defaults."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from leo_dash.analyses.earnings.measures import (
    DEFAULT_SUBJECT_COUNT,
    MAX_SERIES,
    PREFERRED_COHORT_YAG,
    EarningsMeasure,
    earnings_measures,
    supports,
)
from leo_dash.analyses.table_choices import PeriodsAndProviders, extra_filters
from leo_dash.core import geography, query
from leo_dash.core.model import TableEntry

# ---------------------------------------------------------------------------------------------------------------
# What a table offers (widget options)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarningsOptions(PeriodsAndProviders):
    """Everything the page's widgets can offer for one table."""

    measures: tuple[EarningsMeasure, ...]
    subjects: tuple[str, ...]
    years_after: tuple[str, ...]  # in numeric order
    periods: tuple[int, ...]  # ascending
    characteristic_types: tuple[str, ...]  # without the 'everyone' item
    providers: tuple[tuple[str, str], ...]  # (id, latest name), by name
    has_national: bool  # published rows with a null provider id exist
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other filter columns with 2+ items
    filter_defaults: dict[str, str] = field(default_factory=dict)
    areas: tuple[geography.Area, ...] = ()  # England, regions, local authorities the table publishes


def table_options(entry: TableEntry, *, data_dir: Path | None = None) -> EarningsOptions:
    """Widget options from the table's roles and contents."""
    if not supports(entry):
        raise ValueError(f"{entry.id} has no earnings by subject and years after graduation.")
    subject, yag, time = (str(entry.role(r)) for r in ("subject", "years_after", "time"))
    subjects = query.distinct_values(entry, subject, data_dir=data_dir)
    years_after = [v for v in query.distinct_values(entry, yag, data_dir=data_dir) if v not in query.TOTAL_ITEMS]
    periods = sorted(int(v) for v in query.distinct_values(entry, time, data_dir=data_dir))
    characteristic_types: list[str] = []
    type_column = entry.role("characteristic_type")
    if type_column and entry.role("characteristic_value"):
        types = query.distinct_values(entry, type_column, data_dir=data_dir)
        total = query.default_item(entry, type_column, types)
        characteristic_types = [t for t in types if t != total]
    providers = query.provider_names(entry, data_dir=data_dir)
    has_national = query.has_national_rows(entry, data_dir=data_dir)
    role_columns = set(entry.roles.values())
    others = [c for c in entry.filters if c not in role_columns]
    filters, filter_defaults = extra_filters(entry, others, data_dir=data_dir)
    return EarningsOptions(
        measures=tuple(earnings_measures(entry)),
        subjects=tuple(subjects),
        years_after=tuple(sorted(years_after, key=query.numeric_order)),
        periods=tuple(periods),
        characteristic_types=tuple(characteristic_types),
        providers=providers,
        has_national=has_national,
        filters=filters,
        filter_defaults=filter_defaults,
        areas=geography.areas(entry, data_dir=data_dir),
    )


def characteristic_values(entry: TableEntry, characteristic: str, *, data_dir: Path | None = None) -> list[str]:
    """The groups of one characteristic type (e.g. F, M for sex), without the 'everyone' item."""
    type_column, value_column = entry.role("characteristic_type"), entry.role("characteristic_value")
    if not type_column or not value_column:
        return []
    found = query.items_where(entry, value_column, {type_column: characteristic}, data_dir=data_dir)
    values = sorted(found, key=query.numeric_order)
    total = query.default_item(entry, value_column, values)
    return [v for v in values if v != total]


def provider_subjects(entry: TableEntry, provider: str, *, data_dir: Path | None = None) -> list[str]:
    """Subjects with at least one published row for this provider."""
    id_column, subject_column = entry.role("provider_id"), entry.role("subject")
    if not id_column or not subject_column:
        return []
    return query.items_where(entry, subject_column, {id_column: provider}, data_dir=data_dir)


def default_subjects(options: EarningsOptions, available: Sequence[str] | None = None) -> list[str]:
    """The first few subjects (of those `available`, e.g. a provider's), leaving out an 'all subjects' item."""
    pool = [s for s in options.subjects if available is None or s in available] or list(options.subjects)
    named = [s for s in pool if s not in query.TOTAL_ITEMS]
    return (named or pool)[:DEFAULT_SUBJECT_COUNT]


def default_cohort_yag(options: EarningsOptions) -> str:
    return PREFERRED_COHORT_YAG if PREFERRED_COHORT_YAG in options.years_after else options.years_after[0]


def lines_per_series(provider: str | None, options: EarningsOptions) -> int:
    """A chosen provider is drawn beside the national line, so each subject/group takes two lines."""
    return 2 if provider and options.has_national else 1


def default_groups(values: Sequence[str], n_subjects: int, lines_each: int = 1) -> list[str]:
    """As many groups as fit in the six-line chart with the chosen subjects (at least one)."""
    room = max(1, MAX_SERIES // max(1, n_subjects * lines_each))
    return list(values[:room])

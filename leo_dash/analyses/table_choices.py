"""What several analyses offer from a table the same way: its years after, its extra filter columns and the choice
of their items (a filter nested under another offering only its group's), the latest period and the provider names
of their options."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from leo_dash.core import query
from leo_dash.core.model import TableEntry


class PeriodsAndProviders:
    """The latest period and the provider names of a page's options (a frozen dataclass declaring `periods`,
    ascending, and `providers`, (id, latest name) pairs by name)."""

    periods: tuple[int, ...]
    providers: tuple[tuple[str, str], ...]

    @property
    def latest_period(self) -> int:
        return self.periods[-1]

    @property
    def provider_names(self) -> dict[str, str]:
        return dict(self.providers)


def years_after_choices(
    entry: TableEntry, schema: Mapping[str, object], *, data_dir: Path | None = None
) -> tuple[list[str], str | None]:
    """The table's years after (numeric order, without a Total item) and the one shown first: the table's default
    item when it is one of them, else the first; ([], None) for a table without a years-after column."""
    yag = entry.role("years_after")
    if not yag or yag not in schema:
        return [], None
    items = query.distinct_values(entry, yag, data_dir=data_dir)
    years = sorted((v for v in items if v not in query.TOTAL_ITEMS), key=query.numeric_order)
    default = query.default_item(entry, yag, items)
    if default not in years:
        default = years[0] if years else None
    return years, default


def extra_filters(
    entry: TableEntry, columns: Iterable[str], *, data_dir: Path | None = None
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Of `columns`, those with two or more items to choose from (column -> items), and each one's default item
    (the table's 'everyone' item, else the first)."""
    filters: dict[str, tuple[str, ...]] = {}
    defaults: dict[str, str] = {}
    for column in columns:
        items = query.distinct_values(entry, column, data_dir=data_dir)
        if len(items) >= 2:
            filters[column] = tuple(items)
            defaults[column] = query.default_item(entry, column, items) or items[0]
    return filters, defaults


def choose_filters(
    entry: TableEntry,
    offered: Mapping[str, Sequence[str]],
    pick: Callable[[str, Sequence[str], str], str | None],
    *,
    published_with: Callable[[str, Mapping[str, str]], Sequence[str]] | None = None,
    asked: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> tuple[tuple[str, str], ...]:
    """(column, item) of each of the `offered` filters (column -> its items), a grouping column before the filters
    nested under it, which offer only the items published with the chosen group (query.nested_choices; `asked`: a
    link's values, so a child named without its group brings its group).

    `published_with(column, {group: item})` finds those items; by default, the column's offered items that the
    table has rows for with the group."""

    def items_for(column: str, conditions: Mapping[str, str]) -> Sequence[str]:
        if not conditions:
            return offered.get(column, ())
        if published_with is not None:
            return published_with(column, conditions)
        return [i for i in query.items_where(entry, column, conditions, data_dir=data_dir) if i in offered[column]]

    return query.nested_choices(entry, list(offered), items_for, pick, asked=asked)

"""What several analyses offer from a table the same way: its years after, its extra filter columns and the items
of a filter nested under another, the latest period and the provider names of their options."""

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


def nested_items(
    entry: TableEntry, offered: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> Callable[[str, Mapping[str, str]], Sequence[str]]:
    """`query.nested_choices`'s `items_for` over the `offered` filters (column -> its items): a column's items, and
    under a chosen group only those of them published with it."""

    def items_for(column: str, conditions: Mapping[str, str]) -> Sequence[str]:
        if not conditions:
            return offered.get(column, ())
        return [i for i in query.items_where(entry, column, conditions, data_dir=data_dir) if i in offered[column]]

    return items_for

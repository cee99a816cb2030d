"""Shapes a published EES table can have beyond "one measure per column" (issue #13 item 2), read from the meta and
the data so registration can describe them in the catalogue and the screener can check each cell by what it holds:

- a `data_type` filter whose items set the unit of every indicator ("Number of pupils" -> count, "Percentage" -> %);
- a filter item that is a measure (activity = "Out of work benefits": the value column is the benefit rate);
- nested filters (`filter_grouping_column`) and the initial item of a filter (`filter_default`).

Plain functions on meta rows (dicts of stripped strings, as `leo_dash.core.ees.reading._meta_rows` gives) and item lists; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from leo_dash.core.model import MeasureItem

# A filter that says what unit the value columns hold, by name or label.
_UNIT_FILTER_NAME = re.compile(r"^(data|value|measure|unit)_?(type|unit)$")
_COUNT_ITEM = re.compile(r"^(total\s+)?(number|count|no\.?|headcount|numbers)\b|^count$", re.IGNORECASE)
_PERCENT_ITEM = re.compile(r"\b(percent|percentage|per cent|proportion|rate|share)s?\b|%", re.IGNORECASE)
# Items of a filter that stand for the out-of-work benefit rate ("Out of work benefits", "Out-of-work benefit
# claimants"), never the share *not* on benefits.
_BENEFIT_ITEM = re.compile(r"\bout[- ]of[- ]work[- ]benefits?\b|\bbenefit claim", re.IGNORECASE)
_NOT_BENEFIT_ITEM = re.compile(r"\bnot\b|\bno\b|\bwithout\b|\bexcluding\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_")


def unit_of_item(item: str) -> str | None:
    """'count' for an item naming a number of people ("Number of pupils"), '%' for a percentage, else None."""
    if _PERCENT_ITEM.search(item):
        return "%"
    if _COUNT_ITEM.search(item.strip()):
        return "count"
    return None


def looks_like_unit_filter(row: Mapping[str, str]) -> bool:
    """A filter meta row named or labelled like `data_type`."""
    return bool(_UNIT_FILTER_NAME.match(_norm(row["col_name"])) or _UNIT_FILTER_NAME.match(_norm(row.get("label", ""))))


def detect_unit_filter(
    filters: Sequence[Mapping[str, str]], items: Mapping[str, Sequence[str]]
) -> tuple[str, dict[str, str]] | None:
    """(column, item -> unit) for a filter named or labelled like `data_type` whose every item reads as a count
    or a percentage, with at least one percentage; else None. `filters` are meta rows, `items` a filter's items."""
    for row in filters:
        column = row["col_name"]
        if not looks_like_unit_filter(row):
            continue
        units = {item: unit_of_item(item) for item in items.get(column, ())}
        if units and all(units.values()) and "%" in units.values():
            return column, {k: str(v) for k, v in units.items()}
    return None


def is_benefit_item(item: str) -> bool:
    """An item that is the out-of-work benefit rate ("Out of work benefits"), not the share not on benefits."""
    return bool(_BENEFIT_ITEM.search(item)) and not _NOT_BENEFIT_ITEM.search(item)


def detect_measure_items(
    filters: Sequence[str],
    items: Mapping[str, Sequence[str]],
    value_columns: Sequence[str],
    *,
    skip: Sequence[str] = (),
) -> list[MeasureItem]:
    """Filter items that are a measure, found by label: an item such as "Out of work benefits" of a filter whose
    other items are other activities (so the filter is an activity, not a benefit status), with one value column.

    A filter all of whose items are about benefits ("Benefit learners" / "Not on benefits" / "Total") describes
    the people, not their outcome, and is left alone."""
    if len(value_columns) != 1:
        return []
    found: list[MeasureItem] = []
    for column in filters:
        if column in skip:
            continue
        its = list(items.get(column, ()))
        hits = [i for i in its if is_benefit_item(i)]
        others = [i for i in its if i not in hits and "benefit" not in i.lower()]
        if len(hits) == 1 and len(others) >= 2:
            found.append(MeasureItem(column, hits[0], "benefit_rate", value_columns[0]))
    return found


def filter_groups(filters: Sequence[Mapping[str, str]], present: Sequence[str]) -> dict[str, str]:
    """child filter -> grouping column, from the meta's `filter_grouping_column` (where that column is in the
    data and is not the filter itself)."""
    out: dict[str, str] = {}
    for row in filters:
        group = row.get("filter_grouping_column", "")
        if group and group in present and group != row["col_name"]:
            out[row["col_name"]] = group
    return out


def filter_defaults(filters: Sequence[Mapping[str, str]], items: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """filter -> its `filter_default` from the meta, where that item exists in the data."""
    return {
        row["col_name"]: row["filter_default"]
        for row in filters
        if row.get("filter_default") and row["filter_default"] in items.get(row["col_name"], ())
    }


def ordered_filters(filters: Sequence[str], groups: Mapping[str, str]) -> tuple[str, ...]:
    """Filters with every grouping column (added when it has no meta row of its own) just before its first child,
    so a page draws the group first and offers the child's items for the chosen group."""
    out: list[str] = []
    for column in filters:
        chain: list[str] = []
        parent = groups.get(column)
        while parent and parent not in out and parent not in chain:
            chain.append(parent)
            parent = groups.get(parent)
        for parent in reversed(chain):
            if parent not in out:
                out.append(parent)
        if column not in out:
            out.append(column)
    return tuple(out)

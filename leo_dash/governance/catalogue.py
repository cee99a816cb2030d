"""The catalogue page: the approved tables a user may see, each one's controllers, review date, disclosure profile,
what the protection pass hid, and the columns the dashboard uses."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence

import polars as pl

from leo_dash.core import query
from leo_dash.core.model import (
    CONTROLLERS,
    MEASURES,
    UNIT_ITEM_VALUES,
    DisclosureProfile,
    TableEntry,
)
from leo_dash.core.store import PreparedTable

log = logging.getLogger("leo_dash.governance")

OVERDUE_MARK = "overdue"

ROLE_LABELS: dict[str, str] = {
    "time": "Time period",
    "provider_id": "Provider identifier (UKPRN)",
    "provider_name": "Provider name",
    "provider_type": "Provider type",
    "subject": "Subject",
    "years_after": "Years after study",
    "characteristic_type": "Characteristic (type)",
    "characteristic_value": "Characteristic (value)",
    "region": "Region",
    "cohort": "Cohort",
}
KIND_LABELS: dict[str, str] = {
    "count": "Count",
    "base": "Count (base for rates)",
    "rate": "Percentage",
    "earnings": "Earnings",
    "other": "Measure",
}


def controller_names(entry: TableEntry) -> str:
    return ", ".join(CONTROLLERS.get(c, c) for c in entry.controllers)


def review_text(entry: TableEntry, today: dt.date | None = None) -> str:
    """'31 July 2027', or '31 July 2025 (overdue)' once the date has passed."""
    text = f"{entry.next_review:%d %B %Y}".lstrip("0")
    return f"{text} ({OVERDUE_MARK})" if entry.is_overdue(today) else text


def disclosure_summary(profile: DisclosureProfile) -> str:
    """The table's disclosure profile in one sentence a reader can check against a figure."""
    return (
        f"Counts rounded to the nearest {profile.count_base}; a derived count under {profile.min_count} is "
        f"suppressed. A derived percentage needs a numerator of at least {profile.share_min_numerator} and a base of "
        f"at least {profile.share_min_denominator}, and a derived 0% or 100% on a base under "
        f"{profile.class_disclosure_base} is suppressed; derived percentages are shown to {profile.rate_dp} decimal "
        f"place(s). Earnings are published figures only, rounded to the nearest £{profile.earnings_base:,}, and "
        f"suppressed when fewer than {profile.earnings_min_base} people are behind them."
    )


def protection_text(report: Mapping[str, object]) -> str:
    """What the table-level protection pass hid in a table, for readers of the catalogue."""
    hidden = int(str(report.get("cells_hidden", 0)))
    if not hidden:
        return (
            "No further cells needed hiding: no suppressed figure in this table can be worked out from the figures "
            "shown."
        )
    on_base = int(str(report.get("on_hidden_base", 0)))
    subtraction = hidden - on_base
    parts = [f"{subtraction:,} because with the others shown they would reveal a suppressed figure by subtraction"]
    if on_base:
        parts.append(f"{on_base:,} because the number of people they rest on is hidden")
    return (
        f"Besides the publisher's own suppression, LEO Explorer hides {hidden:,} more cells in this table: "
        + "; ".join(parts)
        + ". They are hidden in every view, download and briefing, the same way"
        + (
            ", checked by working through every sum and by a linear program."
            if "linear program" in str(report.get("attackers", ""))
            else ", checked by working through every sum."
        )
    )


def row_count(entry: TableEntry, prepare: Callable[[TableEntry], PreparedTable]) -> int | None:
    """Rows of the screened table, or None when it cannot be loaded here (logged, never raised)."""
    try:
        return int(prepare(entry).rows)
    except Exception:
        log.warning("row count unavailable for %s", entry.id, exc_info=True)
        return None


CATALOGUE_COLUMNS: tuple[str, ...] = (
    "Table",
    "Id",
    "Data",
    "Publication",
    "Controllers",
    "Licence",
    "Released",
    "Next review",
    "Access",
    "Rows",
)


def catalogue_overview(
    tables: Sequence[TableEntry], *, rows: Mapping[str, int | None], today: dt.date | None = None
) -> pl.DataFrame:
    """One row per approved table the user may see."""
    records = [
        {
            "Table": e.title,
            "Id": e.id,
            "Data": "Synthetic demo data" if e.demo else "Published statistics",
            "Publication": e.publication or ("LEO Explorer demo generator" if e.demo else ""),
            "Controllers": controller_names(e),
            "Licence": e.licence,
            "Released": f"{e.release_date:%d %B %Y}".lstrip("0"),
            "Next review": review_text(e, today),
            "Access": "Public" if e.access == "public" else "Restricted",
            "Rows": f"{rows[e.id]:,}" if rows.get(e.id) is not None else "not loaded",
        }
        for e in tables
    ]
    return pl.DataFrame(records, schema=dict.fromkeys(CATALOGUE_COLUMNS, pl.String))


def meta_labels(entry: TableEntry) -> dict[str, str]:
    """Column labels from the tables' .meta.csv files (first file wins); {} for a file that cannot be read."""
    return query.column_labels(entry)


COLUMN_COLUMNS: tuple[str, ...] = ("Column", "Label", "Role", "Details")


def column_rows(entry: TableEntry, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Every column the dashboard uses: its label, the role it plays, and for measures the unit and base."""
    labels = labels or {}
    records: list[dict[str, str]] = []
    seen: set[str] = set()
    for role, column in entry.roles.items():
        records.append(
            {
                "Column": column,
                "Label": labels.get(column, ROLE_LABELS.get(role, role)),
                "Role": ROLE_LABELS.get(role, role),
                "Details": "",
            }
        )
        seen.add(column)
    for column in entry.filters:
        if column in seen:
            continue
        default = entry.filter_defaults.get(column, "Total")
        details = [f"default item: {default}"]
        group = entry.filter_groups.get(column)
        if group:
            details.append(f"nested under {labels.get(group, group)}")
        if column == entry.unit_filter:
            details.append(
                "sets the unit of every measure: "
                + ", ".join(f"{item} = {UNIT_ITEM_VALUES.get(u, u)}" for item, u in entry.unit_items.items())
            )
        details += [
            f"{m.item} = the {MEASURES.get(m.measure, m.measure)} ({labels.get(m.indicator, m.indicator)})"
            for m in entry.measure_items
            if m.filter == column
        ]
        records.append(
            {"Column": column, "Label": labels.get(column, column), "Role": "Filter", "Details": "; ".join(details)}
        )
        seen.add(column)
    for ind in entry.indicators:
        details = [KIND_LABELS.get(ind.kind, ind.kind)]
        if ind.unit:
            details.append(f"unit {ind.unit}")
        if ind.base:
            details.append(f"base: {labels.get(ind.base, ind.base)}")
        if ind.hidden:
            details.append("never shown (single-person values)")
        if ind.counts == "institutions":
            details.append("counts institutions, not people: never rounded or a base")
        records.append({"Column": ind.column, "Label": ind.label, "Role": "Measure", "Details": "; ".join(details)})
    return pl.DataFrame(records, schema=dict.fromkeys(COLUMN_COLUMNS, pl.String))

"""Benefits page constants and measures: which indicators are benefit rates, which tables the page supports."""

from __future__ import annotations

import re

from leo_dash.core import geography
from leo_dash.core.model import Indicator, MeasureItem, TableEntry
from leo_dash.present import charts

PAGE = "benefits"
MAX_SERIES = charts.MAX_SERIES
ALL_PROVIDERS = ""  # provider option value meaning "all providers only"
ALL_PROVIDERS_LABEL = "All providers"
DEFAULT_SUBJECTS = 3
NO_TABLE_MESSAGE = (
    "No approved table with an out-of-work benefit rate is available to you, so this page has nothing to show."
)

# ?compare= values for the splits that come from roles; an extra filter column splits under its own name.
OVERALL, BY_CHARACTERISTIC, BY_SUBJECT = "overall", "characteristic", "subject"
BY_PROVIDER_TYPE, BY_YEARS_AFTER = "provider_type", "years_after"
# URL parameter holding the chosen items of each role split (shared names across pages).
ITEM_PARAMS: dict[str, str] = {
    BY_CHARACTERISTIC: "characteristic_value",
    BY_SUBJECT: "subject",
    BY_PROVIDER_TYPE: "provider_type",
    BY_YEARS_AFTER: "yag",
}

# Frame columns of a view (data columns are renamed to these, so charts never depend on a table's names).
SERIES_INDEX, SERIES, GROUP, PROVIDER, PROVIDER_LABEL = "series_index", "series", "group", "provider", "provider_label"
PERIOD, PERIOD_LABEL, BASIS = "period", "period_label", "basis"
PUBLISHED, DERIVED, NOT_PUBLISHED = "Published", "Derived from providers' published figures", "No figure"
CHANGE, START_TEXT, END_TEXT, BASE_TEXT = "change", "start_text", "end_text", "base_text"

_UNIT_SUFFIX = re.compile(r"\s*\((%|£|£m|pp)\)\s*$")
_NOT_ON_BENEFITS = re.compile(r"\bnot on (out-of-work )?benefits?\b")


class BenefitsDataError(ValueError):
    """The table's rows do not give one figure per line and year (a breakdown this page cannot pin)."""


# ---------------------------------------------------------------------------------------------------------------
# Which indicators, which tables


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def is_benefit_rate(indicator: Indicator) -> bool:
    """A visible rate whose column or label mentions benefits. The share *not* on benefits is no claim rate."""
    if indicator.kind != "rate" or indicator.hidden:
        return False
    label = indicator.label.lower()
    if not any(w.startswith("benefit") for w in _words(indicator.column)) and "benefit" not in label:
        return False
    return not (_NOT_ON_BENEFITS.search(label) or "nb" in _words(indicator.column))


def benefit_indicators(entry: TableEntry) -> tuple[Indicator, ...]:
    """The table's benefit-claim rates, the plain claim rate first ('not sustained, on benefits' is narrower)."""
    found = [i for i in entry.visible_indicators("rate") if is_benefit_rate(i)]
    return tuple(sorted(found, key=lambda i: "not" in _words(i.column) + _words(i.label)))


def measure_item(entry: TableEntry, column: str) -> MeasureItem | None:
    """The catalogue's filter item that makes `column` the out-of-work benefit rate (activity = "Out of work
    benefits"), if the table has one: the rate is then `column` on that item's rows only."""
    return next((m for m in entry.measure_items if m.measure == "benefit_rate" and m.indicator == column), None)


def item_indicator(entry: TableEntry, item: MeasureItem) -> Indicator | None:
    """The benefit rate a filter item stands for, as an indicator: the value column read on the item's rows."""
    try:
        source = entry.indicator(item.indicator)
    except KeyError:
        return None
    if source.hidden:
        return None
    label = item.label or (item.item if "%" in item.item else f"{item.item} (%)")
    return Indicator(item.indicator, label, "rate", "%", source.dp)


def benefit_measures(entry: TableEntry) -> tuple[Indicator, ...]:
    """What this page can show: the benefit-rate columns, then the benefit rates held by a filter item."""
    found = list(benefit_indicators(entry))
    for item in entry.measure_items:
        indicator = item_indicator(entry, item) if item.measure == "benefit_rate" else None
        if indicator is not None and indicator.column not in {i.column for i in found}:
            found.append(indicator)
    return tuple(found)


def measure_indicator(entry: TableEntry, column: str) -> Indicator:
    """The indicator of a measure the page offers (a filter item's rate where the catalogue maps one)."""
    item = measure_item(entry, column)
    indicator = item_indicator(entry, item) if item is not None else None
    return indicator or entry.indicator(column)


def item_filters(entry: TableEntry) -> set[str]:
    """Filters whose items are measures: pinned by the measure, never offered as a breakdown."""
    return {m.filter for m in entry.measure_items if m.measure == "benefit_rate"}


def supports(entry: TableEntry) -> bool:
    """Whether this page can show the table: a time role and at least one benefit-claim rate (a column, or a
    filter item the catalogue maps to the out-of-work benefit rate)."""
    return bool(entry.role("time")) and bool(benefit_measures(entry)) and geography.shows_any_level(entry)


def measure_name(indicator: Indicator) -> str:
    """The label without its unit: 'Sustained out-of-work benefits (%)' -> 'Sustained out-of-work benefits'."""
    return _UNIT_SUFFIX.sub("", indicator.label).strip()


def measure_title(indicator: Indicator) -> str:
    """'Sustained out-of-work benefits rate', 'Out-of-work benefit claim rate'."""
    name = measure_name(indicator)
    return name if "rate" in name.lower() else f"{name} rate"

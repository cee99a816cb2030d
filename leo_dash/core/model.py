"""The shared vocabulary of LEO Explorer: symbols, column roles, indicators, disclosure profiles, table entries.

Every other module speaks in these types, so a loaded table, the catalogue and disclosure control agree on what a
column *is* without knowing its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

# GSS cell symbols (data standard §3): a symbol is a value that is missing *for a reason*.
SYMBOL_LABELS: dict[str, str] = {
    "c": "Suppressed",
    "x": "Not available",
    "z": "Not applicable",
    "low": "Low",
    "k": "Low",
    "u": "Low reliability",
}
# What the provider-type abbreviations in LEO tables stand for: a tooltip wherever a type is shown or chosen, and
# a glossary entry.
PROVIDER_TYPE_MEANINGS: dict[str, str] = {
    "HEI": "higher education institution: a university or college with degree-awarding powers",
    "FEC": "further education college: a college that also teaches higher education courses",
    "AP": "alternative provider: a higher education provider without direct public funding",
    "SFC": "sixth form college",
}


def provider_type_help(types: Sequence[str]) -> str | None:
    """'FEC: further education college: …' for each type of `types` with a known meaning (None: none has)."""
    known = [
        f"{t}: {PROVIDER_TYPE_MEANINGS[t.strip().upper()]}."
        for t in types
        if t.strip().upper() in PROVIDER_TYPE_MEANINGS
    ]
    return "  \n".join(known) if known else None


SYMBOL_MEANINGS: dict[str, str] = {
    "c": "suppressed to protect confidentiality",
    "x": "not available",
    "z": "not applicable",
    "low": "rounds to zero but is not zero",
    "k": "rounds to zero but is not zero",
    "u": "low reliability",
}
# Every numeric indicator column `col` travels with `col + STATUS_SUFFIX`: null where a number is published, else
# the symbol that explains the null. Numbers are Float64; a symbol never becomes 0.
STATUS_SUFFIX = "__status"


def status_column(column: str) -> str:
    """Name of the status column that explains nulls in `column`."""
    return f"{column}{STATUS_SUFFIX}"


IndicatorKind = Literal["count", "base", "rate", "earnings", "other"]
AccessLevel = Literal["public", "restricted"]

# The five joint data controllers of LEO.
CONTROLLERS: dict[str, str] = {
    "DfE": "Department for Education",
    "WG": "Welsh Government (Education and Skills Department)",
    "DWP": "Department for Work and Pensions",
    "HMRC": "HM Revenue and Customs",
    "SG": "Scottish Government",
}

# Roles a column can play. Pages filter and group by role, never by a hard-coded column name.
ROLE_NAMES: tuple[str, ...] = (
    "time",
    "provider_id",
    "provider_name",
    "provider_type",
    "subject",
    "years_after",
    "characteristic_type",
    "characteristic_value",
    "region",
    "cohort",
    "industry",
)


@dataclass(frozen=True)
class Indicator:
    """One measure column and how disclosure control must treat it."""

    column: str
    label: str
    kind: IndicatorKind
    unit: str = ""  # "", "%", "pp", "£", "£m", "numberstring" (EES meta units)
    dp: int | None = None
    base: str | None = None  # column holding the count this rate / earnings figure rests on
    hidden: bool = False  # e.g. min/max earnings: single-person values (D5), never shown
    # What a count counts: "people" (a head count, may be a base) or "institutions" (organisations such as
    # `number_of_providers`: never rounded for disclosure, never a base); "" for figures that are not counts.
    counts: str = ""

    @property
    def counts_of(self) -> str:
        """'people', 'institutions' or '' (not a count): a count or base with no `counts` set counts people."""
        return self.counts or ("people" if self.kind in ("count", "base") else "")


COUNTS_OF: tuple[str, ...] = ("people", "institutions")

# (a) Units a `data_type`-style filter item can give an indicator: a count of people, or a published percentage.
UNIT_ITEM_VALUES: dict[str, str] = {"count": "count of people", "%": "percent"}

# (b) Measures a filter item can stand for (the value column then holds that measure on the item's rows).
MEASURES: dict[str, str] = {"benefit_rate": "out-of-work benefit rate"}


@dataclass(frozen=True)
class MeasureItem:
    """A filter item that *is* a measure: on rows where `filter` = `item`, the value column `indicator` holds
    `measure` (e.g. activity = "Out of work benefits" -> the out-of-work benefit rate)."""

    filter: str
    item: str
    measure: str  # a key of MEASURES
    indicator: str  # the value column
    label: str = ""  # shown name; else the item


@dataclass(frozen=True)
class DisclosureProfile:
    """Thresholds and rounding for one source (data standard §4). Defaults are the strictest common rules."""

    count_base: int = 5  # derived counts are rounded half-up to this (5 HE LEO, 10 FE/post-16)
    earnings_base: int = 100  # earnings rounded to the nearest £100
    min_count: int = 10  # a derived count below this shows `c` (D3)
    share_min_numerator: int = 3  # D4
    share_min_denominator: int = 6  # D4
    earnings_min_base: int = 11  # D5: earnings `c` when the earnings base is under this
    class_disclosure_base: int = 10  # D9: derived 0% / 100% on a base under this shows `c`
    rate_dp: int = 1  # derived shares shown to 1 dp
    # --- the publisher's declared convention (leo_dash.core.disclosure_profiles; checked by the loader's L24) ---
    publication_profile: tuple[str, ...] = ()  # e.g. ("counts rounded to 10", "percentages whole"); () = defaults
    no_base_reason: str = ""  # why an earnings or rate indicator may have no base column (else registration refuses)


@dataclass(frozen=True)
class TableEntry:
    """One approved table in the catalogue."""

    id: str
    title: str
    files: tuple[str, ...]  # EES data CSVs (each with its .meta.csv), paths relative to the project root
    publication: str
    controllers: tuple[str, ...]
    licence: str
    release_date: dt.date
    next_review: dt.date
    access: AccessLevel = "public"
    demo: bool = False  # synthetic demo data: the app must say so wherever it is shown
    optional: bool = False  # registered only when its files exist (the real reference data)
    source_url: str = ""
    description: str = ""
    time_label: str = "Year"  # e.g. "Tax year", "Academic year"
    roles: dict[str, str] = field(default_factory=dict)  # role name -> column
    filters: tuple[str, ...] = ()  # other filter columns the user may choose (each has a Total / default item)
    filter_defaults: dict[str, str] = field(default_factory=dict)  # column -> default item (else "Total")
    indicators: tuple[Indicator, ...] = ()
    disclosure: DisclosureProfile = field(default_factory=DisclosureProfile)
    footnotes: tuple[str, ...] = ()
    # --- shapes a published table can have beyond one measure per column (issue #13 item 2) ---
    filter_groups: dict[str, str] = field(default_factory=dict)  # child filter -> its grouping column (meta)
    unit_filter: str | None = None  # filter whose item sets every indicator's unit (`data_type`)
    unit_items: dict[str, str] = field(default_factory=dict)  # unit filter item -> "count" or "%"
    measure_items: tuple[MeasureItem, ...] = ()

    def unit_indicator(self, indicator: Indicator, item: str | None) -> Indicator:
        """`indicator` as it reads on rows whose unit filter holds `item`: a percentage (published, with no base
        column on its row) is never summed, derived or used as a base ("other" with unit %: disclosure control only
        passes a published cell through); a count is a count of people (summed, rounded, may be a base). Tables
        without a unit filter: unchanged."""
        if not self.unit_filter or item is None or item not in self.unit_items:
            return indicator
        from dataclasses import replace

        if self.unit_items[item] == "%":
            return replace(indicator, kind="other", unit="%", base=None, counts="")
        return replace(indicator, kind="count", unit="", base=None, counts="")

    def role(self, name: str) -> str | None:
        """Column playing `name`, or None when the table has no such role."""
        return self.roles.get(name)

    def indicator(self, column: str) -> Indicator:
        for ind in self.indicators:
            if ind.column == column:
                return ind
        raise KeyError(f"{self.id} has no indicator {column!r}")

    def visible_indicators(self, *kinds: IndicatorKind) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if not i.hidden and (not kinds or i.kind in kinds))

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.next_review < (today or dt.date.today())

"""Earnings page types and constants, and which indicators are the median and quartiles (`earnings_measures`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from leo_dash.core import geography
from leo_dash.core.model import Indicator, TableEntry
from leo_dash.present import charts

Mode = Literal["trajectory", "cohorts"]
Basis = Literal["nominal", "real"]
QuartileKind = Literal["median", "lower_quartile", "upper_quartile"]

MAX_SUBJECTS = 6
MAX_SERIES = charts.MAX_SERIES
# Widget option strings, which are also the URL values (?compare=Cohorts&basis=Real+terms).
MODE_OPTIONS: dict[str, Mode] = {"Trajectory": "trajectory", "Cohorts": "cohorts"}
BASIS_OPTIONS: dict[str, Basis] = {"Nominal": "nominal", "Real terms": "real"}
NO_SPLIT = "None"
ALL_PROVIDERS = ""  # provider option meaning "national figures only"
NATIONAL_LABEL = "All providers"
DEFAULT_SUBJECT_COUNT = 3
PREFERRED_COHORT_YAG = "5"
NO_TABLE_MESSAGE = (
    "No approved table with earnings by subject and years after graduation is available to you, so this page has "
    "nothing to show. The further education outcome tables have no earnings or years-after-graduation breakdown; "
    "they are on the other pages."
)

# ---------------------------------------------------------------------------------------------------------------
# Which earnings indicator is the median, the lower quartile or the upper quartile
#
# Identified from the column name's words and the label, case-insensitively:
#   median          word "median" in the column, or "median" in the label
#   lower quartile  word "lq" or "p25" in the column, "lower_quartile" in the column, or "lower quartile" /
#                   "25th percentile" in the label
#   upper quartile  word "uq" or "p75" in the column, "upper_quartile" in the column, or "upper quartile" /
#                   "75th percentile" in the label
# "lower"/"upper" alone are not enough: LEO's earnings_lower / earnings_upper are minimum / maximum (hidden, D5).
# An indicator matching more than one kind is ignored rather than guessed. Indicators sharing the rest of their
# column name (earnings_median, earnings_LQ, earnings_UQ -> "earnings") form one measure, so a table with region-
# adjusted earnings as well offers two measures.
# ---------------------------------------------------------------------------------------------------------------

_STAT_WORDS = frozenset({"median", "lq", "uq", "p25", "p75", "lower", "upper", "quartile"})


def _words(column: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", column.lower()) if w]


def quartile_kind(indicator: Indicator) -> QuartileKind | None:
    """Whether an earnings indicator is the median, lower quartile or upper quartile (None: neither, or unclear)."""
    words, column, label = set(_words(indicator.column)), indicator.column.lower(), indicator.label.lower()
    kinds: set[QuartileKind] = set()
    if words & {"lq", "p25"} or "lower_quartile" in column or "lower quartile" in label or "25th percentile" in label:
        kinds.add("lower_quartile")
    if words & {"uq", "p75"} or "upper_quartile" in column or "upper quartile" in label or "75th percentile" in label:
        kinds.add("upper_quartile")
    if "median" in words or "median" in label:
        kinds.add("median")
    return kinds.pop() if len(kinds) == 1 else None


def _family(column: str) -> str:
    return "_".join(w for w in _words(column) if w not in _STAT_WORDS)


@dataclass(frozen=True)
class EarningsMeasure:
    """A published median with its published quartiles (either may be absent)."""

    median: Indicator
    lower_quartile: Indicator | None = None
    upper_quartile: Indicator | None = None

    @property
    def key(self) -> str:
        """URL value of the measure: the median's column."""
        return self.median.column

    @property
    def label(self) -> str:
        return self.median.label

    @property
    def has_band(self) -> bool:
        return self.lower_quartile is not None and self.upper_quartile is not None

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in (self.median, self.lower_quartile, self.upper_quartile) if i is not None)


def earnings_measures(entry: TableEntry) -> list[EarningsMeasure]:
    """The table's earnings measures (visible `earnings` indicators grouped into median + quartiles)."""
    by_family: dict[str, dict[QuartileKind, Indicator]] = {}
    for indicator in entry.visible_indicators("earnings"):
        kind = quartile_kind(indicator)
        if kind is not None:
            by_family.setdefault(_family(indicator.column), {}).setdefault(kind, indicator)
    return [
        EarningsMeasure(found["median"], found.get("lower_quartile"), found.get("upper_quartile"))
        for found in by_family.values()
        if "median" in found
    ]


def supports(entry: TableEntry) -> bool:
    """Whether this page can show the table: subject, years-after and time roles plus a published median."""
    has_roles = all(entry.role(r) for r in ("subject", "years_after", "time"))
    return has_roles and bool(earnings_measures(entry)) and geography.shows_any_level(entry)

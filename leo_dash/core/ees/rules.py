"""The data standard's vocabulary (§1-§3, §6): symbols, required columns, limits, time identifiers, geographic
levels and the ONS lookups, and the name rules: personal columns (A1), record-level values (A2) and indicator kinds."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from leo_dash.core.disclosure_profiles import is_institution_count
from leo_dash.core.model import SYMBOL_LABELS, IndicatorKind
from leo_dash.core.paths import PROJECT_ROOT

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary of the data standard
# ---------------------------------------------------------------------------------------------------------------

SYMBOLS: tuple[str, ...] = tuple(SYMBOL_LABELS)  # c, x, z, low, k, u
REFUSED_INDICATOR_SYMBOLS: tuple[str, ...] = ("~", ":")  # legacy 'low' and 'not available'
NULL_SYMBOLS: tuple[str, ...] = ("NULL", "Null", "null", "NA", "na")  # refused in any cell of either file
WARNED_SYMBOLS: tuple[str, ...] = ("N/A", "n/a", ".", "..", "-")  # legacy no-data marks: loaded as status "x"
WARNED_SYMBOL_STATUS = "x"

MANDATORY_COLUMNS: tuple[str, ...] = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
)
META_REQUIRED_COLUMNS: tuple[str, ...] = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
)
META_OPTIONAL_COLUMNS: tuple[str, ...] = ("filter_default", "parent_filter")
INDICATOR_UNITS: tuple[str, ...] = ("%", "pp", "£", "£m", "numberstring")
FILTER_ITEM_LIMIT = 25_000
# API character limits (eesyscreener data-raw/char_limits.R).
LOCATION_CODE_LIMIT = 30
COLUMN_NAME_LIMIT = 50
LABEL_LIMIT = 100
ITEM_LIMIT = 120
SMALL_BASE_THRESHOLD = 6  # L25: a rate on fewer matched people than this is hidden
DEFAULT_COUNT_BASE = 5  # L24: counts must be multiples of this (10-rounded counts pass too)
DEFAULT_EARNINGS_BASE = 100  # L24: £ figures to the nearest £100
LOADER_RULES = "2026-12-loader-hardening"  # changes when screening rules change, so cached parquet is re-screened
VIEW_RATE_DP = 1  # L24: a rate with no indicator_dp is loaded to the dp views show it to (never more to the browser)

# --- time (§1) --------------------------------------------------------------------------------------------------
TERMS: tuple[str, ...] = ("Autumn term", "Spring term", "Summer term")
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKS: tuple[str, ...] = tuple(f"Week {n}" for n in range(1, 53))
FINANCIAL_QUARTERS: tuple[str, ...] = tuple(f"Financial year Q{n}" for n in range(1, 5))
FINANCIAL_HALVES: tuple[str, ...] = ("Part 1 (April to September)", "Part 2 (October to March)")
# Identifiers may share a file only within one group; each stand-alone identifier is a group of its own.
TIME_GROUPS: dict[str, tuple[str, ...]] = {
    "Calendar year": ("Calendar year",),
    "Reporting year": ("Reporting year",),
    "Academic year": ("Academic year",),
    "Financial year": ("Financial year",),
    "Tax year": ("Tax year",),
    "Autumn and spring term": ("Autumn and spring term",),
    "terms": TERMS,
    "months": MONTHS,
    "weeks": WEEKS,
    "financial quarters": FINANCIAL_QUARTERS,
    "financial halves": FINANCIAL_HALVES,
}
TIME_IDENTIFIER_GROUP: dict[str, str] = {ident: group for group, idents in TIME_GROUPS.items() for ident in idents}
FOUR_DIGIT_IDENTIFIERS: frozenset[str] = frozenset(("Calendar year", "Reporting year", *MONTHS, *WEEKS))
SIX_DIGIT_IDENTIFIERS: frozenset[str] = frozenset(
    (
        "Academic year",
        "Financial year",
        "Tax year",
        "Autumn and spring term",
        *TERMS,
        *FINANCIAL_QUARTERS,
        *FINANCIAL_HALVES,
    )
)


# --- geography (§1) ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GeographicLevel:
    """Columns a `geographic_level` value needs (eesyscreener data-raw/geography_df.R)."""

    level: str
    code: str | None
    name: str
    secondary: str | None = None
    recommended_only: bool = False  # Institution columns are recommended, not required

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.code, self.name, self.secondary) if c)


GEOGRAPHIC_LEVELS: dict[str, GeographicLevel] = {
    g.level: g
    for g in (
        GeographicLevel("National", "country_code", "country_name"),
        GeographicLevel("Regional", "region_code", "region_name"),
        GeographicLevel("Local authority", "new_la_code", "la_name", "old_la_code"),
        GeographicLevel("Local authority district", "lad_code", "lad_name"),
        GeographicLevel("RSC region", None, "rsc_region_lead_name"),
        GeographicLevel("Parliamentary constituency", "pcon_code", "pcon_name"),
        GeographicLevel("Local skills improvement plan area", "lsip_code", "lsip_name"),
        GeographicLevel(
            "Local enterprise partnership", "local_enterprise_partnership_code", "local_enterprise_partnership_name"
        ),
        GeographicLevel("English devolved area", "english_devolved_area_code", "english_devolved_area_name"),
        GeographicLevel("Opportunity area", "opportunity_area_code", "opportunity_area_name"),
        GeographicLevel("Ward", "ward_code", "ward_name"),
        GeographicLevel("MAT", "trust_id", "trust_name"),
        GeographicLevel("Sponsor", "sponsor_id", "sponsor_name"),
        GeographicLevel("School", "school_urn", "school_name", "school_laestab"),
        GeographicLevel("Provider", "provider_ukprn", "provider_name"),
        GeographicLevel("Institution", "institution_id", "institution_name", recommended_only=True),
        GeographicLevel("Planning area", "planning_area_code", "planning_area_name"),
        GeographicLevel("Police force area", "pfa_code", "pfa_name"),
    )
}
GEOGRAPHY_COLUMNS: frozenset[str] = frozenset(c for g in GEOGRAPHIC_LEVELS.values() for c in g.columns)
GEOGRAPHY_CODE_COLUMNS: frozenset[str] = frozenset(
    c for g in GEOGRAPHIC_LEVELS.values() for c in (g.code, g.secondary) if c
)
GEOGRAPHY_NAME_COLUMNS: frozenset[str] = frozenset(g.name for g in GEOGRAPHIC_LEVELS.values())
OBSERVATIONAL_COLUMNS: frozenset[str] = (
    frozenset(("time_period", "time_identifier", "geographic_level")) | GEOGRAPHY_COLUMNS
)

_LOW_LEVELS = ("School", "Provider", "Institution")
# Rows of which levels may carry a level's columns: its own, and levels nested inside it (a Local authority row
# carries its region). National columns are filled on every row and are checked separately.
COMPATIBLE_LEVELS: dict[str, tuple[str, ...]] = {
    "Regional": (
        "Regional", "Local authority", "Local authority district", "Parliamentary constituency",
        "Local skills improvement plan area", "Local enterprise partnership", "English devolved area",
        "Opportunity area", "Ward", "Planning area", "Police force area", *_LOW_LEVELS,
    ),
    "Local authority": (
        "Local authority", "Local authority district", "Parliamentary constituency", "Ward", "Planning area",
        "Police force area", *_LOW_LEVELS,
    ),
    "Local authority district": ("Local authority district", "Ward", "Police force area", *_LOW_LEVELS),
    "Local skills improvement plan area": (
        "Local skills improvement plan area", "Local authority district", "Planning area", *_LOW_LEVELS,
    ),
    "School": ("School",),
    "Provider": ("Provider",),
    "Institution": ("Institution",),
}  # fmt: skip
# EES's table tool ignores rows at these levels when they sit beside other levels.
EES_IGNORED_LEVELS: tuple[str, ...] = ("School", "Provider", "Institution", "Planning area")
# Organisations are renamed over the years under one id, so code/name consistency is judged per time period there.
ORGANISATION_LEVELS: frozenset[str] = frozenset(("MAT", "Sponsor", "School", "Provider", "Institution"))

COUNTRIES: dict[str, str] = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
    "K02000001": "United Kingdom",
    "K03000001": "Great Britain",
    "K04000001": "England and Wales",
}
REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
ONS_LOOKUP = PROJECT_ROOT / "data" / "ons_geography_codes.csv"  # ONS codes + names (OGL; see its .md)


@functools.lru_cache(maxsize=8)
def ons_names(level: str) -> dict[str, frozenset[str]]:
    """Code -> the names (case-folded) it has carried, for one level of the shipped ONS lookup ("Country",
    "Region", "Local authority", "Local authority district"). A renamed district keeps both names."""
    lookup = pl.read_csv(ONS_LOOKUP, infer_schema=False)
    out: dict[str, set[str]] = {}
    for code, name in lookup.filter(pl.col("level") == level).select("code", "name").iter_rows():
        out.setdefault(code, set()).add(name.casefold())
    return {code: frozenset(names) for code, names in out.items()}


@functools.lru_cache(maxsize=1)
def la_regions() -> dict[str, str]:
    """Local authority code -> the code of the region it lies in (from the shipped ONS lookup)."""
    rows = pl.read_csv(ONS_LOOKUP, infer_schema=False).filter(
        (pl.col("level") == "Local authority") & pl.col("region_code").is_not_null()
    )
    return dict(rows.select("code", "region_code").iter_rows())


@functools.lru_cache(maxsize=1)
def old_la_names() -> dict[str, frozenset[str]]:
    """DfE three-digit LA number -> the names it has carried (a number can outlive a code change)."""
    rows = pl.read_csv(ONS_LOOKUP, infer_schema=False).filter(
        (pl.col("level") == "Local authority") & pl.col("old_la_code").is_not_null()
    )
    out: dict[str, set[str]] = {}
    for old, name in rows.select("old_la_code", "name").iter_rows():
        out.setdefault(old, set()).add(name.casefold())
    return {k: frozenset(v) for k, v in out.items()}


NOT_AVAILABLE_CODE, NOT_AVAILABLE_NAME = "x", "Not available"
NOT_APPLICABLE_CODE = "z"
# Names allowed with code `z` (dfe-published-data-qa universal_geog_options.csv and country.csv).
NOT_APPLICABLE_NAMES: frozenset[str] = frozenset(
    (
        "Not applicable",
        "Unknown",
        "Outside of England",
        "Outside of the United Kingdom",
        "Outside of England and unknown",
        "Outside of the United Kingdom and unknown",
        "England, Wales and Northern Ireland",
    )
)

_FILE_NAME = re.compile(r"^[a-z0-9_-]+$")
_SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
# Any 8-digit id: real UKPRNs start with 1, and synthetic demo providers use 9xxxxxxx so they cannot be mistaken for real ones.
_UKPRN = r"^\d{8}$"

# --- A1: columns that identify people, matched on normalised names ---------------------------------------------
_PEOPLE = (
    r"(pupil|learner|student|child|children|person|people|individual|candidate|applicant|graduate|claimant|employee"
    r"|participant|respondent|patient|apprentice|trainee|parent|guardian|customer|user|teacher|staff|tutor)"
)
_PERSONAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(rx))
    for what, rx in (
        (
            "a person's name",
            r"(^|_)(forenames?|surnames?|(first|last|given|family|full|middle|maiden|christian|preferred|legal)_?names?)($|_)",
        ),
        ("a person's name", rf"(^|_){_PEOPLE}_?(full_?)?names?$"),
        ("a date of birth", r"(^|_)(dob|d_o_b|date_?of_?birth|birth_?date|birth_?dt)($|_)"),
        (
            "an address",
            r"(^|_)(address(_?line)?(_?\d+)?|addr(_?line)?(_?\d+)?|street(_?name)?|house_?(number|name|no))($|_)",
        ),
        ("a postcode", r"(^|_)(post_?code|postal_?code|zip_?code)($|_)"),
        ("a pupil number", r"(^|_)(upn|former_upn|unique_pupil_(number|no|num|ref)|pupil_?matching_?ref\w*|pmr)($|_)"),
        ("a learner number", r"(^|_)(uln|unique_learner_(number|no|num))($|_)"),
        (
            "a national insurance number",
            r"(^|_)(nino|ni_?(number|no|num)|national_?insurance(_?(number|no|num))?)($|_)",
        ),
        ("a candidate number", r"(^|_)candidate_?(number|no|num|id|ref|reference)($|_)"),
        ("a student identifier", r"(^|_)(husid|hesa_?student_?id)($|_)"),
        ("a person identifier", rf"(^|_){_PEOPLE}_?(id|ids|ref|reference|identifier|key)$"),
        ("an email address", r"(^|_)(e_?mail(_?address)?)($|_)"),
        (
            "a phone number",
            r"(^|_)(phone|telephone|tel|mobile_?(number|no|phone)|phone_?(number|no)|contact_?number)($|_)",
        ),
    )
)
# "learner_number" may be a person's number or a head count: refuse it unless the metadata says it is an indicator.
_AMBIGUOUS_PERSONAL = re.compile(rf"(^|_){_PEOPLE}_?(number|no|num)$")
# An organisation's address or postcode is public (e.g. GIAS) and not personal; nor are postcode areas.
_ORGANISATION_PREFIX = re.compile(
    r"^(provider|school|institution|establishment|estab|trust|sponsor|college|employer|organisation|organization"
    r"|academy|la|local_authority|setting|centre|campus|site)_"
)
_POSTCODE_AREA = re.compile(r"post_?code_?(area|district|sector)")
# A2: values that look like record identifiers (UPN: letter + 12 digits; ULN: 10 digits; long numeric ids).
_IDENTIFIER_VALUE = r"^[A-Za-z]{0,3}\d{6,}[A-Za-z]?$"
_IDENTIFIER_NAME = re.compile(r"(^|_)(id|ids|ref|reference|identifier|key|number|no|num)$")
# Indicator names that suggest a base (the people a rate or average rests on).
# Only names that say "the people a rate rests on": a plain head count (`number_of_learners`) is never guessed as a
# base (declare it with --base if it is one); a count of institutions (`number_of_providers`) is never a base at all.
_BASE_NAME = re.compile(r"matched|grads|graduates|cohort|denominator|eligible")
# Blank-unit indicators that are not counts of people: averages, ratios, scores.
_NOT_A_COUNT = re.compile(r"(^|_)(average|avg|mean|median|ratio|score|index|per)($|_)")
# A2: values of a filter that look like random record keys (letters and digits, no spaces), not category names.
_KEY_LIKE_VALUE = r"^[A-Za-z0-9_-]{6,}$"
# Codes that are legitimately letters + digits and may be one row each in a small table (ONS codes, CAH subjects).
_KNOWN_CODE_VALUE = r"^([A-Z]\d{8}|CAH\d{2}(-\d{2}){0,2}|\d+)$"


# ---------------------------------------------------------------------------------------------------------------
# Name rules
# ---------------------------------------------------------------------------------------------------------------


def _guess_kind(column: str, unit: str, label: str = "") -> IndicatorKind:
    if unit == "%":
        return "rate"
    if unit == "£":
        return "earnings"
    if unit == "":
        if is_institution_count(column, label) or _NOT_A_COUNT.search(_normalise_name(column)):
            return "other"  # counts institutions (or is a mean): not people, never rounded for disclosure, never a base
        return "base" if _BASE_NAME.search(column.lower()) else "count"
    return "other"


def _natural_base(column: str, candidates: Sequence[str]) -> str | None:
    """The base a rate most likely rests on: matched people first, then graduates/cohort, then any head count."""
    ranked = [
        (score, i, c)
        for i, c in enumerate(candidates)
        if c != column
        for score in [3 if "matched" in c.lower() else 2 if re.search("grads|cohort", c.lower()) else 1]
    ]
    return min(ranked, key=lambda t: (-t[0], t[1]))[2] if ranked else None


def _normalise_name(name: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", name.lower())).strip("_")


def _personal_reason(column: str, *, is_indicator: bool) -> str | None:
    """Why a column name identifies people, or None. Geography columns (provider_name, la_name...) never do."""
    if column in GEOGRAPHY_COLUMNS:
        return None
    norm = _normalise_name(column)
    for what, pattern in _PERSONAL_PATTERNS:
        if pattern.search(norm):
            if what in ("an address", "a postcode") and (
                _ORGANISATION_PREFIX.match(norm) or _POSTCODE_AREA.search(norm)
            ):
                continue
            return what
    if not is_indicator and _AMBIGUOUS_PERSONAL.search(norm):
        return "a person identifier"
    return None

"""Screen and load EES tidy data files: `name.csv` + `name.meta.csv` (data standard §1-§3, loader checks §6).

A file is read once, every cell as a string, and every check runs as a vectorised Polars query over those cells
(never a Python loop over rows). Checks that point at a row find the first offending row as the smallest row number
where the check fails (`_first`). Small files are held in memory; large ones are staged out of core by DuckDB
(leo_dash.staging) and the same queries run on Polars' streaming engine, so screening takes bounded memory.
Only when no check refuses the file are columns cast in place: `time_period` to Int64, each numeric indicator to
Float64 beside a status column holding the published symbol. A symbol never becomes 0.

Rule ids follow §6 (L1-L26) plus A1/A2, which refuse files that are not approved aggregates (columns that identify
people; record-level shape: near-unique identifiers, random record keys or free text as filter items).

L24 checks the publication's own disclosure convention, declared per table (`profile`, see
leo_dash.disclosure_profiles), never guessed; without one it assumes counts to 5 and earnings to £100. Every count
must be a whole number, counts and rates never negative; counts of institutions are never rounded. A rate with more
decimals than its indicator_dp is loaded rounded to it (warning), so nothing downstream holds more precision than
the table shows. Printed findings escape control characters (`printable`): a file cannot drive a terminal.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import polars as pl

from leo_dash import staging
from leo_dash.disclosure_profiles import (
    Convention,
    PublicationProfile,
    default_profile,
    is_institution_count,
    parse_profile,
)
from leo_dash.model import SYMBOL_LABELS, Indicator, IndicatorKind, status_column
from leo_dash.paths import COMPRESSED_SUFFIX, PROJECT_ROOT, data_stem
from leo_dash.sdc import is_single_person_extreme, round_half_up_expr
from leo_dash.staging import StagedText

Severity = Literal["error", "warning"]

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
# Results
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One check result: a rule id, how bad it is, and a message a person can act on."""

    rule: str  # "L1".."L26", "A1", "A2"
    severity: Severity
    message: str  # the spec's message filled in
    file: str  # file name, not the full path
    row: int | None = None  # spreadsheet row: header = 1, first data row = 2
    column: str | None = None

    def __str__(self) -> str:
        # Cell contents and names come from the file: escaped, so a file cannot drive the operator's terminal.
        parts = [f"{self.severity} {self.rule}", printable(self.file)]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {printable(self.column)}")
        return f"{' · '.join(parts)}: {printable(self.message)}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def printable(text: str) -> str:
    """`text` with control and bidi/format characters shown as escapes (\\x1b, \\u202e), safe to print."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass
class ScreenResult:
    path: Path
    findings: list[Finding]
    # The parsed table when there is no error, else None. Out of core it is not materialised: see `scan`.
    frame: pl.DataFrame | None
    meta: pl.DataFrame | None  # the meta file as strings
    # Out of core: the parsed table as a streaming query over the staged cells, which live as long as `staged`.
    lazy: pl.LazyFrame | None = None
    staged: StagedText | None = None

    @property
    def out_of_core(self) -> bool:
        return self.lazy is not None

    def scan(self) -> pl.LazyFrame:
        """The parsed table as a lazy query, whichever path screened it (keep this result alive while using it)."""
        if self.lazy is not None:
            return self.lazy
        if self.frame is None:
            raise EESLoadError(self.findings, self.path)
        return self.frame.lazy()

    def close(self) -> None:
        """Delete the staged cells now rather than when this result is collected."""
        if self.staged is not None:
            self.staged.close()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class EESLoadError(Exception):
    """A file failed at least one refusing check. str() lists the errors, for people (no traceback needed)."""

    def __init__(self, findings: Sequence[Finding], path: Path | None = None) -> None:
        self.findings: list[Finding] = list(findings)
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [f for f in self.findings if f.severity == "error"]
        name = self.path.name if self.path else (errors[0].file if errors else "file")
        lines = [f"{printable(name)} was refused ({len(errors)} error{'s' if len(errors) != 1 else ''}):"]
        lines += [f"  {f}" for f in errors]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------


def screen(
    path: str | Path,
    *,
    count_base: int | None = None,
    earnings_base: int | None = None,
    bases: Mapping[str, str] | None = None,
    small_base_threshold: int = SMALL_BASE_THRESHOLD,
    profile: Sequence[str] = (),
    out_of_core: bool | None = None,
) -> ScreenResult:
    """Run every check on an EES data file and its `.meta.csv`; parse it when nothing refuses it. Never raises
    for a bad file: problems come back as findings (a bad `profile` name raises ProfileError, a ValueError).

    count_base / earnings_base tighten L24 (e.g. 10 for FE counts); bases maps a rate (or earnings) column to the
    column holding its base for L25 (key "*" applies to every rate); other rates use the base their names suggest.
    profile names the publication's disclosure conventions (leo_dash.disclosure_profiles), which L24 checks
    instead of the defaults, e.g. ("counts unrounded, suppressed below 6", "percentages whole").
    out_of_core stages the cells on disk (DuckDB) and streams every check over them, in bounded memory; None
    decides by file size (leo_dash.staging.OUT_OF_CORE_BYTES). The result then holds a lazy table (`scan()`).
    """
    screener = _Screener(
        Path(path),
        count_base=count_base,
        earnings_base=earnings_base,
        bases=dict(bases or {}),
        small_base_threshold=small_base_threshold,
        profile=parse_profile(profile),
        out_of_core=out_of_core,
    )
    return screener.run()


def load(
    path: str | Path,
    *,
    count_base: int | None = None,
    earnings_base: int | None = None,
    bases: Mapping[str, str] | None = None,
    small_base_threshold: int = SMALL_BASE_THRESHOLD,
    profile: Sequence[str] = (),
    out_of_core: bool | None = None,
) -> ScreenResult:
    """screen(), raising EESLoadError when any check refuses the file."""
    result = screen(
        path,
        count_base=count_base,
        earnings_base=earnings_base,
        bases=bases,
        small_base_threshold=small_base_threshold,
        profile=profile,
        out_of_core=out_of_core,
    )
    if not result.ok:
        raise EESLoadError(result.findings, result.path)
    return result


def indicators_from_meta(meta: pl.DataFrame) -> list[Indicator]:
    """Indicators declared in a meta file, with kind guessed from unit and name, and a base guessed for rates."""
    rows = _meta_rows(meta)
    declared = [r for r in rows if r["col_type"] == "Indicator" and r["col_name"]]
    base_candidates = [
        r["col_name"] for r in declared if _guess_kind(r["col_name"], r["indicator_unit"], r["label"]) == "base"
    ]
    out: list[Indicator] = []
    for r in declared:
        column, unit = r["col_name"], r["indicator_unit"]
        kind = _guess_kind(column, unit, r["label"])
        dp_text = r["indicator_dp"]
        dp = int(dp_text) if dp_text.isdigit() else None
        base = _natural_base(column, base_candidates) if kind == "rate" else None
        # D5: single-person values (minimum/maximum), judged from the name and the meta label.
        hidden = unit in ("£", "£m") and is_single_person_extreme(column, r["label"])
        # A count of organisations is marked (never a base, never rounded); other counts count people.
        counts = "institutions" if unit == "" and is_institution_count(column, r["label"]) else ""
        out.append(Indicator(column, r["label"] or column, kind, unit, dp, base, hidden, counts))
    return out


def run_check(paths: Sequence[str], profile: Sequence[str] = ()) -> int:
    """The `python -m leo_dash check PATH...` command: print every finding per file; 1 on any error, else 0.
    `profile` declares the publication's disclosure conventions (the same for every file)."""
    any_error = False
    for raw in paths:
        result = screen(raw, profile=profile)
        name = printable(result.path.name)
        for finding in result.errors + result.warnings:
            print(finding)
        n_err, n_warn = len(result.errors), len(result.warnings)
        verdict = "refused" if n_err else "loads"
        rows = f", {result.frame.height:,} rows" if result.frame is not None else ""
        print(
            f"{name}: {verdict} — {n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}{rows}."
        )
        any_error = any_error or bool(n_err)
    return 1 if any_error else 0


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _meta_rows(meta: pl.DataFrame) -> list[dict[str, str]]:
    """Meta rows as dicts of stripped strings ('' for blanks and absent columns). The meta file is small."""
    wanted = (*META_REQUIRED_COLUMNS, *META_OPTIONAL_COLUMNS)
    rows: list[dict[str, str]] = []
    for raw in meta.iter_rows(named=True):
        rows.append({c: (str(raw.get(c)) if raw.get(c) is not None else "").strip() for c in wanted})
    return rows


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


def _blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column) == "")


ROW = "__leo_screen_row"  # 0-based row number of a data row (spreadsheet row = ROW + 2); no EES column is named so


def _time_group(identifier: pl.Expr) -> pl.Expr:
    """Each time_identifier's group (null when unknown), element by element so it streams (replace_strict
    gathers the whole column first)."""
    group: Any = pl
    for name, identifiers in TIME_GROUPS.items():
        group = group.when(identifier.is_in(list(identifiers))).then(pl.lit(name))
    return group.otherwise(pl.lit(None, dtype=pl.String))


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first(mask: pl.Expr) -> pl.Expr:
    """The first row where `mask` holds (None when none does): a min, so the streaming engine can compute it."""
    first = pl.col(ROW).filter(mask.fill_null(False)).min()
    name = mask.meta.output_name(raise_if_undetermined=False)  # as arg_true().first() would be named
    return first.alias(name) if name else first


class _Cells:
    """The data file's cells as text, in memory or staged on disk. Checks ask it small questions (`select` returns
    one aggregated row; `cells[column][row]` one cell), so the out-of-core path never holds a column in memory."""

    def __init__(self, source: pl.LazyFrame, height: int, columns: list[str], *, streaming: bool) -> None:
        self._source = source  # without the row number
        self._lazy = source.with_row_index(ROW)
        self.height = height
        self.columns = columns
        self.engine: Literal["streaming", "auto"] = "streaming" if streaming else "auto"

    def lazy(self) -> pl.LazyFrame:
        """The cells with the ROW column."""
        return self._lazy

    def collect(self, query: pl.LazyFrame) -> pl.DataFrame:
        return query.collect(engine=self.engine)

    def select(self, *exprs: pl.Expr | Iterator[pl.Expr] | Sequence[pl.Expr]) -> pl.DataFrame:
        """One row of aggregates. Out of core, expressions over the same columns are computed together and each
        group of columns in its own pass: one pass feeding dozens of aggregates buffers the columns for the
        slowest of them, which grows with the file; reading each column once per group costs about the same."""
        flat: list[pl.Expr] = []
        for item in exprs:
            flat.extend([item] if isinstance(item, pl.Expr) else item)
        if self.engine != "streaming" or len(flat) <= 1:
            return self.collect(self._lazy.select(flat))
        groups: dict[frozenset[str], list[int]] = {}
        for i, expr in enumerate(flat):
            groups.setdefault(frozenset(expr.meta.root_names()) - {ROW}, []).append(i)
        parts: dict[int, pl.Series] = {}
        for members in groups.values():
            got = self.collect(self._lazy.select(flat[i] for i in members))
            for i, series in zip(members, got.get_columns(), strict=True):
                parts[i] = series
        return pl.DataFrame([parts[i] for i in range(len(flat))])

    def cell(self, column: str, row: int) -> str | None:
        value = self._source.slice(row, 1).select(column).collect().item()
        return None if value is None else str(value)

    def __getitem__(self, column: str) -> _ColumnCells:
        return _ColumnCells(self, column)

    def distinct(self, column: str) -> list[str]:
        """Distinct non-null values of a column, in order of first appearance."""
        query = (
            self._lazy.select(ROW, column)
            .drop_nulls(column)
            .group_by(column)
            .agg(pl.col(ROW).min())
            .sort(ROW)
            .select(column)
        )
        return [str(v) for v in self.collect(query).to_series().to_list()]


@dataclass(frozen=True)
class _ColumnCells:
    cells: _Cells
    column: str

    def __getitem__(self, row: int) -> str | None:
        return self.cells.cell(self.column, row)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _quote_list(items: Sequence[str]) -> str:
    return ", ".join(items)


def _decoded_lines(handle: BinaryIO, position: list[int]) -> Iterator[str]:
    """Lines of a file decoded strictly as UTF-8 (a BOM allowed on the first); position[0] counts lines read."""
    for raw in handle:
        text = raw.decode("utf-8-sig" if position[0] == 0 else "utf-8")
        position[0] += 1
        yield text


# A compressed file must not expand without limit (a few kilobytes of gzip can hold gigabytes of text).
MAX_DECOMPRESSED_BYTES = 2 * 1024**3


def _open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed on the fly when it is stored as name.csv.gz."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _decompressed_size_problem(path: Path) -> str | None:
    """Why a .csv.gz cannot be read whole (damaged, or expands past the limit), or None."""
    total = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
                if total > MAX_DECOMPRESSED_BYTES:
                    return f"expands to more than {MAX_DECOMPRESSED_BYTES // 1024**3} GiB"
    except (OSError, EOFError, gzip.BadGzipFile):
        return "is not a readable gzip file"
    return None


def _locate_bad_row(path: Path, expected_fields: int | None) -> int | None:
    """Spreadsheet row of the first record with bad UTF-8 or the wrong field count. Streams the file: only ever
    called on the error path, after Polars has refused (or padded) a row."""
    position = [0]
    record = 0
    try:
        with _open_binary(path) as handle:
            reader = csv.reader(_decoded_lines(handle, position), strict=True)
            for record, fields in enumerate(reader, start=1):
                if expected_fields is None:
                    expected_fields = len(fields)
                elif len(fields) != expected_fields:
                    return record
    except (UnicodeDecodeError, csv.Error, OSError, EOFError):
        return record + 1
    return None


def _read_header(path: Path) -> tuple[list[str] | None, str | None]:
    """Column names from the first line, or a reason it could not be read. Polars replaces bad bytes in a header
    silently, so the header is decoded here strictly."""
    try:
        with _open_binary(path) as handle:
            first = handle.readline()
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "encoding"
    except (OSError, EOFError) as exc:
        return None, str(exc)
    if not text.strip():
        return None, "empty"
    try:
        return next(csv.reader([text], strict=True)), None
    except (csv.Error, StopIteration):
        return None, "format"


# ---------------------------------------------------------------------------------------------------------------
# The screener
# ---------------------------------------------------------------------------------------------------------------


class _Screener:
    """State of one screening run: paths, findings so far, the string frame and what the metadata declares."""

    def __init__(
        self,
        path: Path,
        *,
        count_base: int | None,
        earnings_base: int | None,
        bases: dict[str, str],
        small_base_threshold: int,
        profile: PublicationProfile | None = None,
        out_of_core: bool | None = None,
    ) -> None:
        name = path.name
        if name.endswith(".meta.csv"):  # pointed at the metadata: screen its data file (stored compressed or not)
            stem = name[: -len(".meta.csv")]
            compressed = path.with_name(stem + COMPRESSED_SUFFIX)
            path = (
                compressed
                if compressed.is_file() and not path.with_name(stem + ".csv").is_file()
                else (path.with_name(stem + ".csv"))
            )
        self.path = path
        self.file = path.name
        self.stem = data_stem(path)
        self.meta_path = path.with_name(f"{self.stem}.meta.csv")
        self.meta_file = self.meta_path.name
        self.count_base = count_base or DEFAULT_COUNT_BASE
        self.earnings_base = earnings_base or DEFAULT_EARNINGS_BASE
        self.bases = bases
        self.small_base_threshold = small_base_threshold
        # L24: the declared conventions, each kind falling back to the defaults (percentages: each column's dp).
        declared = profile or PublicationProfile()
        defaults = default_profile(self.count_base, self.earnings_base)
        self.count_rule: Convention = declared.counts or defaults.counts  # type: ignore[assignment]
        self.earnings_rule: Convention = declared.earnings or defaults.earnings  # type: ignore[assignment]
        self.percentage_rule: Convention | None = declared.percentages
        self.declared_kinds = {c.kind for c in (declared.counts, declared.earnings, declared.percentages) if c}
        self.labels: dict[str, str] = {}  # indicator -> meta label
        self.dps: dict[str, int] = {}  # indicator -> indicator_dp, where given
        self.rates_to_round: dict[str, int] = {}  # rate column -> dp its extra decimals are rounded to (L24 warning)
        self.findings: list[Finding] = []
        self.meta: pl.DataFrame | None = None
        self.meta_rows: list[dict[str, str]] = []
        self.df = _Cells(pl.LazyFrame(), 0, [], streaming=False)
        self.out_of_core = out_of_core  # None: by file size (staging.OUT_OF_CORE_BYTES)
        self._eager: pl.DataFrame | None = None  # the cells, when held in memory
        self._staged: StagedText | None = None  # the cells, when staged on disk
        self.columns: list[str] = []
        # What the metadata declares, restricted to columns that exist in the data.
        self.filters: list[str] = []
        self.filter_groups: list[str] = []
        self.indicators: list[str] = []  # every declared indicator in the data
        self.numeric_indicators: list[str] = []  # those cast to Float64 (not numberstring)
        self.units: dict[str, str] = {}
        self.filter_defaults: dict[str, str] = {}
        self.hidden_by_small_base: dict[str, str] = {}  # rate column -> base column whose small values hide it

    # --- recording ----------------------------------------------------------------------------------------------
    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        file: str | None = None,
    ) -> None:
        self.findings.append(Finding(rule, severity, message, file or self.file, row, column))

    def error(
        self, rule: str, message: str, *, row: int | None = None, column: str | None = None, file: str | None = None
    ) -> None:
        self.add(rule, "error", message, row=row, column=column, file=file)

    def warn(
        self, rule: str, message: str, *, row: int | None = None, column: str | None = None, file: str | None = None
    ) -> None:
        self.add(rule, "warning", message, row=row, column=column, file=file)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    # --- flow ---------------------------------------------------------------------------------------------------
    def run(self) -> ScreenResult:
        frame: pl.DataFrame | None = None
        lazy: pl.LazyFrame | None = None
        try:
            if self._check_files() and self._read_data():
                self._run_checks()
                if not self.has_errors:
                    if self._staged is not None:
                        lazy = self._parse_lazy()
                    else:
                        frame = self._parse()
        except Exception as exc:
            # A bad file must come back as findings, never as a traceback; the type names a loader bug if it is one.
            self.error("L2", f"{self.file} could not be screened: {type(exc).__name__}: {exc}")
            frame = lazy = None
        if lazy is None and self._staged is not None:
            self._staged.close()  # refused: nothing will read the staged cells
            self._staged = None
        order = {"error": 0, "warning": 1}
        findings = sorted(self.findings, key=lambda f: order[f.severity])  # stable: checks keep their order
        return ScreenResult(self.path, findings, frame, self.meta, lazy, self._staged)

    def _run_checks(self) -> None:
        self._check_columns()
        self._check_meta()
        self._check_personal_columns()
        df_cols = set(self.columns)
        if {"time_period", "time_identifier"} <= df_cols:
            self._check_time()
        if "geographic_level" in df_cols:
            self._check_geography()
        self._check_filters()
        if {"time_period", "time_identifier", "geographic_level"} <= df_cols:
            self._check_duplicates()
        self._check_symbols()
        self._check_indicator_values()
        self._check_record_level()
        self._check_rounding()
        self._check_small_bases()
        self._check_api_lengths()

    # --- L1, L2: files ------------------------------------------------------------------------------------------
    def _check_files(self) -> bool:
        if not self.path.name.endswith((".csv", COMPRESSED_SUFFIX)):
            self.error("L1", f"{self.file} is not a .csv file; EES data files are name.csv + name.meta.csv.")
            return False
        if not self.path.is_file():
            self.error("L1", f"{self.file} was not found.")
            return False
        if not _FILE_NAME.match(self.stem):
            self.warn("L1", f"{self.file}: file names should use only lower case letters, digits, '_' and '-'.")
        if not self.meta_path.is_file():
            self.error("L1", f"{self.file} needs a matching {self.meta_file}.")
        else:
            self._read_meta()
        return True

    def _read_csv(self, path: Path, file: str) -> pl.DataFrame | None:
        """The whole file as strings, or None after recording L2 with the row that broke it."""
        header, problem = _read_header(path)
        if header is None:
            if problem == "empty":
                self.error("L2", f"{file} is empty; a header row is needed.", row=1, file=file)
            else:
                self.error("L2", f"{file} row 1: bad encoding or field count.", row=1, file=file)
            return None
        if path.name.endswith(".gz") and (problem := _decompressed_size_problem(path)) is not None:
            self.error("L2", f"{file} {problem}; it cannot be read.", row=None, file=file)
            return None
        try:
            df = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
        except (pl.exceptions.PolarsError, OSError):
            row = _locate_bad_row(path, len(header))
            self.error("L2", f"{file} row {row if row else '?'}: bad encoding or field count.", row=row, file=file)
            return None
        # Polars pads short rows with nulls instead of failing: a null in the last column may be a short row.
        if df.width and df.height and df.get_column(df.columns[-1]).null_count():
            row = _locate_bad_row(path, len(header))
            if row is not None:
                self.error("L2", f"{file} row {row}: bad encoding or field count.", row=row, file=file)
                return None
        return df

    def _read_meta(self) -> None:
        meta = self._read_csv(self.meta_path, self.meta_file)
        if meta is None:
            return
        self.meta = meta
        self.meta_rows = _meta_rows(meta)

    def _read_data(self) -> bool:
        header, problem = _read_header(self.path)
        out_of_core = self.out_of_core if self.out_of_core is not None else staging.out_of_core_by_size(self.path)
        if header is not None and out_of_core:
            return self._stage(header)
        df = self._read_csv(self.path, self.file)
        if df is None or header is None:
            return False
        if df.height == 0:
            self.error("L2", f"{self.file} has a header but no data rows.", row=2)
            return False
        if self._repeated_columns(header):
            return False
        if len(header) == df.width and list(df.columns) != header:
            # Polars unescapes some quoted header names differently ('""""' -> '""'); the strict reading wins.
            df = df.rename(dict(zip(df.columns, header, strict=True)))
        self._eager = df
        self.df = _Cells(df.lazy(), df.height, list(df.columns), streaming=False)
        self.columns = list(df.columns)
        self._classify_columns()
        return True

    def _repeated_columns(self, header: list[str]) -> bool:
        # Duplicate names: Polars renames the second copy, so judge names from the raw header.
        duplicates = sorted({c for c in header if header.count(c) > 1})
        if duplicates:
            self.error("L3", f"{self.file} repeats column(s): {_quote_list(duplicates)}.", row=1, column=duplicates[0])
        return bool(duplicates)

    def _stage(self, header: list[str]) -> bool:
        """Out of core: DuckDB stages the cells as text on disk; checks then stream over them."""
        if self.path.name.endswith(".gz") and (problem := _decompressed_size_problem(self.path)) is not None:
            self.error("L2", f"{self.file} {problem}; it cannot be read.")
            return False
        if self._repeated_columns(header):
            return False
        try:
            staged = staging.stage_as_text(self.path, len(header))
        except staging.StagingError:
            row = _locate_bad_row(self.path, len(header))
            self.error("L2", f"{self.file} row {row if row else '?'}: bad encoding or field count.", row=row)
            return False
        self._staged = staged
        source = pl.scan_parquet(staged.parquet).rename({f"c{i}": name for i, name in enumerate(header)})
        height = source.select(pl.len()).collect().item()
        if height == 0:
            self.error("L2", f"{self.file} has a header but no data rows.", row=2)
            return False
        self.df = _Cells(source, height, list(header), streaming=True)
        self.columns = list(header)
        self._classify_columns()
        return True

    def _classify_columns(self) -> None:
        present = set(self.columns)
        seen: set[str] = set()
        for r in self.meta_rows:
            name = r["col_name"]
            if not name or name in seen or name not in present:
                continue
            seen.add(name)
            if r["col_type"] == "Filter" and name not in OBSERVATIONAL_COLUMNS:
                self.filters.append(name)
                group = r["filter_grouping_column"]
                if group and group in present and group not in self.filter_groups:
                    self.filter_groups.append(group)
                if r["filter_default"]:
                    self.filter_defaults[name] = r["filter_default"]
            elif r["col_type"] == "Indicator" and name not in OBSERVATIONAL_COLUMNS:
                self.indicators.append(name)
                self.units[name] = r["indicator_unit"]
                self.labels[name] = r["label"]
                if r["indicator_dp"].isdigit():
                    self.dps[name] = int(r["indicator_dp"])
                if r["indicator_unit"] != "numberstring":
                    self.numeric_indicators.append(name)
        self.filter_groups = [g for g in self.filter_groups if g not in self.filters]

    # --- L3: columns --------------------------------------------------------------------------------------------
    def _check_columns(self) -> None:
        missing = [c for c in MANDATORY_COLUMNS if c not in self.columns]
        if missing:
            self.error("L3", f"{self.file} is missing: {_quote_list(missing)}.", row=1, column=missing[0])
        for c in self.columns:
            if not c.strip():
                self.error("L3", f"{self.file} has a column with no name.", row=1)
            elif re.search(r"\s", c):
                self.error("L3", f"Column name '{c}' has spaces; EES refuses it.", row=1, column=c)
            elif not _SNAKE_CASE.match(c):
                self.warn("L3", f"Column name '{c}' is not snake_case.", row=1, column=c)

    # --- L4-L11: metadata ---------------------------------------------------------------------------------------
    def _check_meta(self) -> None:
        if self.meta is None:
            return
        mf = self.meta_file
        present = list(self.meta.columns)
        lacks = [c for c in META_REQUIRED_COLUMNS if c not in present]
        extra = [c for c in present if c not in META_REQUIRED_COLUMNS + META_OPTIONAL_COLUMNS]
        if lacks:
            self.error("L4", f"{mf} lacks column(s): {_quote_list(lacks)}.", row=1, column=lacks[0], file=mf)
        if extra:
            self.error("L4", f"{mf} has unexpected column(s): {_quote_list(extra)}.", row=1, column=extra[0], file=mf)
        # NULL-like symbols anywhere in the metadata (L21, as in the data).
        for c in present:
            hits = self.meta.select(pl.col(c).is_in(NULL_SYMBOLS).arg_true().first()).item()
            if hits is not None:
                value = self.meta.get_column(c)[hits]
                self.error(
                    "L21",
                    f"{mf} uses '{value}' in {c}; use GSS symbols or leave it blank.",
                    row=hits + 2,
                    column=c,
                    file=mf,
                )

        data_columns = set(self.columns)
        names_seen: dict[str, int] = {}
        labels_seen: dict[str, int] = {}
        for i, r in enumerate(self.meta_rows):
            row = i + 2
            name, col_type, label = r["col_name"], r["col_type"], r["label"]
            where: dict[str, Any] = {"row": row, "column": name or None, "file": mf}
            # L5: col_type and col_name
            bad = []
            if col_type not in ("Filter", "Indicator"):
                bad.append(f"col_type '{col_type}'")
            if not name:
                bad.append("no col_name")
            elif re.search(r"\s", name):
                bad.append(f"col_name '{name}' has spaces")
            elif name in names_seen:
                bad.append(f"col_name '{name}' repeats row {names_seen[name]}")
            if bad:
                self.error("L5", f"Meta row {row}: bad col_type or col_name ({'; '.join(bad)}).", **where)
            # Names must be unique as written; like the EES screener, punctuation is stripped only when comparing
            # filter items and grouping columns (L17), never column names (`l2by16` beside `l2_by16` is fine).
            if name and name not in names_seen:
                names_seen[name] = row
            display = name or f"Meta row {row}"
            # L6: labels
            if not label:
                self.error("L6", f"{display} has a missing or duplicate label (label is blank).", **where)
            elif label in labels_seen:
                self.error(
                    "L6",
                    f"{display} has a missing or duplicate label ('{label}' is also on row {labels_seen[label]}).",
                    **where,
                )
            else:
                labels_seen[label] = row
            if not name:
                continue
            # L8: time and geography have no metadata rows
            if name in OBSERVATIONAL_COLUMNS:
                self.error("L8", f"{name} is time/geography; not allowed in metadata.", **where)
                continue
            # L7: metadata names columns that the data lacks
            if name not in data_columns:
                self.error("L7", f"{name} is in the metadata but not the data.", **where)
            group = r["filter_grouping_column"]
            if group and group not in data_columns:
                self.error(
                    "L7", f"{group} is in the metadata but not the data (filter_grouping_column of {name}).", **where
                )
            # L9: fields that belong to the other col_type
            if col_type == "Filter":
                wrong = [f for f in ("indicator_unit", "indicator_dp", "indicator_grouping") if r[f]]
                if wrong:
                    self.error(
                        "L9", f"Filter {name} has unit/dp/grouping ({_quote_list(wrong)} should be blank).", **where
                    )
                if group and group == name:
                    self.error("L9", f"Filter {name} names itself as its filter_grouping_column.", **where)
            elif col_type == "Indicator":
                wrong = [
                    f for f in ("filter_hint", "filter_grouping_column", "filter_default", "parent_filter") if r[f]
                ]
                if wrong:
                    self.error(
                        "L9",
                        f"Indicator {name} has a hint or other filter field ({_quote_list(wrong)} should be blank).",
                        **where,
                    )
                unit, dp = r["indicator_unit"], r["indicator_dp"]
                # L10: units
                if unit and unit not in INDICATOR_UNITS:
                    self.error("L10", f"Unit {unit} on {name} is not %, pp, £, £m or numberstring.", **where)
                # L11: decimal places
                if dp and not dp.isdigit():
                    self.error(
                        "L11", f"indicator_dp for {name} must be blank or a whole number (it is '{dp}').", **where
                    )
                elif not dp:
                    self.warn("L11", f"indicator_dp for {name} is blank; EES will show 2 decimal places.", **where)
            if len(label) > LABEL_LIMIT:
                self.warn("L26", f"label value over {LABEL_LIMIT} characters.", **where)

        # L7 (warning): data columns that are not observational, vary, and have no metadata row.
        declared = set(names_seen) | {
            r["filter_grouping_column"] for r in self.meta_rows if r["filter_grouping_column"]
        }
        undeclared = [c for c in self.columns if c not in OBSERVATIONAL_COLUMNS and c not in declared]
        if undeclared:
            counts = self.df.select(pl.col(c).n_unique() for c in undeclared).row(0)
            for c, n in zip(undeclared, counts, strict=True):
                if n > 1:
                    self.warn(
                        "L7", f"{c} is in the data but not the metadata; it will not be offered as a filter.", column=c
                    )

    # --- A1: people -----------------------------------------------------------------------------------------------
    def _check_personal_columns(self) -> None:
        found = [
            (c, reason)
            for c in self.columns
            if (reason := _personal_reason(c, is_indicator=c in self.indicators)) is not None
        ]
        if found:
            names = _quote_list([c for c, _ in found])
            self.error(
                "A1",
                f"{self.file} has column(s) that identify people ({names}); only approved summary tables may be loaded.",
                row=1,
                column=found[0][0],
            )

    # --- L12, L13: time ---------------------------------------------------------------------------------------------
    def _check_time(self) -> None:
        tp, ti = pl.col("time_period"), pl.col("time_identifier")
        group = _time_group(ti)
        digits = tp.str.contains(r"^\d+$").fill_null(False)
        length = tp.str.len_bytes()
        start = tp.str.slice(2, 2).cast(pl.Int32, strict=False)
        end = tp.str.slice(4, 2).cast(pl.Int32, strict=False)
        consecutive = ((start + 1) % 100) == end  # 199900 is fine
        four = ti.is_in(FOUR_DIGIT_IDENTIFIERS)
        six = ti.is_in(SIX_DIGIT_IDENTIFIERS)
        bad_period = (
            _blank("time_period")
            | ~digits
            | (four & (length != 4))
            | (six & ~((length == 6) & consecutive.fill_null(False)))
        )
        found = self.df.select(
            bad_period.pipe(_first).alias("bad_period"),
            bad_period.sum().alias("n_bad"),
            group.is_null().pipe(_first).alias("unknown"),
            group.drop_nulls().unique(maintain_order=True).implode().alias("groups"),
        ).row(0, named=True)
        if found["bad_period"] is not None:
            i = found["bad_period"]
            value, ident = self.df["time_period"][i] or "(blank)", self.df["time_identifier"][i]
            example = "2022" if ident in FOUR_DIGIT_IDENTIFIERS else "202122"
            more = f" ({_plural(found['n_bad'], 'row')} in all)" if found["n_bad"] > 1 else ""
            self.error(
                "L12",
                f"time_period {value} does not fit {ident} (e.g. {example}){more}.",
                row=i + 2,
                column="time_period",
            )
        if found["unknown"] is not None:
            i = found["unknown"]
            self.error(
                "L13",
                f"time_identifier {self.df['time_identifier'][i] or '(blank)'} unknown or mixed.",
                row=i + 2,
                column="time_identifier",
            )
        groups = found["groups"]
        if len(groups) > 1:
            first_other = self.df.select(((group != groups[0]) & group.is_not_null()).pipe(_first)).item()
            ident = self.df["time_identifier"][first_other]
            base = self.df.select(ti.filter(group == groups[0]).first()).item()
            self.error(
                "L13",
                f"time_identifier {ident} unknown or mixed (it cannot share a file with {base}).",
                row=first_other + 2,
                column="time_identifier",
            )

    # --- L14-L16, L22, L23: geography ------------------------------------------------------------------------------
    def _check_geography(self) -> None:
        df, cols = self.df, set(self.columns)
        level = pl.col("geographic_level")
        levels_found = df.select(
            level.unique(maintain_order=True).implode().alias("levels"),
        ).row(0, named=True)["levels"]
        levels = [lv for lv in levels_found if lv is not None]
        unknown = [lv for lv in levels_found if lv not in GEOGRAPHIC_LEVELS]
        for lv in unknown:
            i = df.select((level.is_null() if lv is None else level == lv).pipe(_first)).item()
            self.error(
                "L14",
                f"Level {lv or '(blank)'} is not a geographic level EES knows.",
                row=i + 2,
                column="geographic_level",
            )
        known = [lv for lv in levels if lv in GEOGRAPHIC_LEVELS]

        # L22: School and Provider rows cannot share a file; other ignored levels beside normal levels warn.
        if {"School", "Provider"} <= set(known):
            firsts = df.select((level == lv).pipe(_first).alias(lv) for lv in ("School", "Provider")).row(0)
            self.error("L22", "File mixes School and Provider rows.", row=max(firsts) + 2, column="geographic_level")
        elif len(known) > 1 and set(known) & set(EES_IGNORED_LEVELS):
            ignored = [lv for lv in known if lv in EES_IGNORED_LEVELS]
            self.warn(
                "L22",
                f"File mixes {_quote_list(ignored)} rows with other levels; EES ignores those rows in its table tool.",
                column="geographic_level",
            )

        # L23: providers
        if "Provider" in known:
            self._check_providers()

        # L14: columns each level needs. Provider is L23's.
        for lv in known:
            spec = GEOGRAPHIC_LEVELS[lv]
            if lv == "Provider":
                continue
            missing = [c for c in spec.columns if c not in cols]
            if missing:
                if spec.recommended_only:
                    self.warn("L14", f"Level {lv} should have column(s): {_quote_list(missing)}.", column=missing[0])
                else:
                    self.error("L14", f"Level {lv} needs column(s): {_quote_list(missing)}.", column=missing[0])
            if lv in ("Local authority", "Local authority district"):
                region_missing = [c for c in ("region_code", "region_name") if c not in cols]
                if region_missing:
                    self.warn(
                        "L14",
                        f"Level {lv} rows should carry region: add {_quote_list(region_missing)}.",
                        column=region_missing[0],
                    )

        # L15: level columns filled on their rows, blank elsewhere.
        checks: dict[str, tuple[pl.Expr, str, Severity, str]] = {}
        for c in ("country_code", "country_name"):
            if c in cols:
                checks[f"nat_{c}"] = (_blank(c), c, "error", f"Level {{level}} rows: missing values in {c}.")
        for lv in known:
            spec = GEOGRAPHIC_LEVELS[lv]
            if lv in ("National", "Provider", "Planning area"):
                continue  # National: above; Provider: L23; Planning area: ignored by EES
            for c in spec.columns:
                if c in cols and c != "new_la_code":  # new_la_code is blank for old authorities
                    sev: Severity = "warning" if spec.recommended_only else "error"
                    checks[f"fill_{lv}_{c}"] = (
                        (level == lv) & _blank(c),
                        c,
                        sev,
                        f"Level {lv} rows: missing values in {c}.",
                    )
            if lv in ("Local authority", "Local authority district"):
                for c in ("region_code", "region_name"):
                    if c in cols:
                        checks[f"reg_{lv}_{c}"] = (
                            (level == lv) & _blank(c),
                            c,
                            "warning",
                            f"Level {lv} rows: missing values in {c} (region should be given).",
                        )
        for owner, compatible in COMPATIBLE_LEVELS.items():
            spec = GEOGRAPHIC_LEVELS[owner]
            incompatible = [lv for lv in levels if lv not in compatible]
            if not incompatible:
                continue
            for c in spec.columns:
                if c not in cols:
                    continue
                checks[f"over_{owner}_{c}"] = (
                    level.is_in(incompatible) & ~_blank(c),
                    c,
                    "error",
                    "Level {level} rows: extra values in " + c + ".",
                )
        for owner, spec in GEOGRAPHIC_LEVELS.items():
            if owner in COMPATIBLE_LEVELS or owner == "National":
                continue
            incompatible = [lv for lv in levels if lv not in (owner, *_LOW_LEVELS)]
            for c in spec.columns:
                if c in cols and incompatible:
                    checks[f"over_{owner}_{c}"] = (
                        level.is_in(incompatible) & ~_blank(c),
                        c,
                        "error",
                        "Level {level} rows: extra values in " + c + ".",
                    )
        if checks:
            hits = df.select(mask.pipe(_first).alias(key) for key, (mask, *_rest) in checks.items()).row(0, named=True)
            for key, (_mask, column, severity, template) in checks.items():
                i = hits[key]
                if i is not None:
                    self.add(
                        "L15", severity, template.format(level=df["geographic_level"][i]), row=i + 2, column=column
                    )

        # L16: codes match names.
        self._check_codes_and_names()

    def _check_providers(self) -> None:
        df, cols = self.df, set(self.columns)
        level = pl.col("geographic_level")
        missing = [c for c in ("provider_ukprn", "provider_name") if c not in cols]
        if missing:
            i = df.select((level == "Provider").pipe(_first)).item()
            self.error(
                "L23",
                f"Provider rows need provider_ukprn and provider_name (missing column(s): {_quote_list(missing)}).",
                row=i + 2,
                column=missing[0],
            )
            return
        is_provider = level == "Provider"
        ukprn = pl.col("provider_ukprn")
        found = df.select(
            (is_provider & (_blank("provider_ukprn") | _blank("provider_name"))).pipe(_first).alias("blank"),
            (is_provider & ~_blank("provider_ukprn") & ~ukprn.str.contains(_UKPRN)).pipe(_first).alias("format"),
        ).row(0, named=True)
        if found["blank"] is not None:
            i = found["blank"]
            column = "provider_ukprn" if df["provider_ukprn"][i] in (None, "") else "provider_name"
            self.error("L23", "Provider rows need provider_ukprn and provider_name.", row=i + 2, column=column)
        if found["format"] is not None:
            i = found["format"]
            self.error(
                "L23",
                f"Provider rows need provider_ukprn and provider_name; '{df['provider_ukprn'][i]}' is not an 8-digit UKPRN.",
                row=i + 2,
                column="provider_ukprn",
            )

    def _code_name_pairs(self, code: str, name: str) -> pl.DataFrame:
        """Distinct (code, name) pairs with the first row each appears on: small even for big files."""
        return self.df.collect(
            self.df.lazy()
            .select(code, name, ROW)
            .filter(~(pl.col(code).is_null() & pl.col(name).is_null()))
            .group_by(code, name)
            .agg(pl.col(ROW).min())
            .sort(ROW)
        )

    def _check_la_regions(self) -> None:
        """A local authority row's region is the region ONS places it in (a code-name pair can be right and the
        row still filed under the wrong region)."""
        regions = la_regions()
        pairs = self.df.collect(
            self.df.lazy()
            .select("new_la_code", "region_code", ROW)
            .filter(pl.col("new_la_code").is_in(list(regions)) & ~_blank("region_code"))
            .group_by("new_la_code", "region_code")
            .agg(pl.col(ROW).min())
            .sort(ROW)
        )
        for la, region, row in pairs.iter_rows():
            if regions[la] != region:
                self.error(
                    "L16",
                    f"Code {la} does not match region {region} (ONS places it in {regions[la]}).",
                    row=row + 2,
                    column="region_code",
                )
                return

    def _check_codes_and_names(self) -> None:
        cols = set(self.columns)

        def lookup_problem(
            code: str | None, name: str | None, table: Mapping[str, frozenset[str]], complete: str
        ) -> str | None:
            """Why the pair fails (None when it passes). `complete`: the code prefix the lookup covers in full."""
            if not code or not name:
                return None  # blanks are L15's
            if code == NOT_AVAILABLE_CODE or name == NOT_AVAILABLE_NAME:
                return None if (code == NOT_AVAILABLE_CODE and name == NOT_AVAILABLE_NAME) else ""
            if code == NOT_APPLICABLE_CODE:
                return None if name in NOT_APPLICABLE_NAMES else ""
            # Case is forgiven: ONS itself writes "Yorkshire and The Humber" and "Yorkshire and the Humber".
            if code in table:
                return None if name.casefold() in table[code] else ""
            owner = next((known for known, names in table.items() if name.casefold() in names), None)
            if owner is not None:
                return f" (ONS gives {name} the code {owner})"  # a known place under the wrong code
            if code.startswith(complete):
                return f" ({code} is not in the ONS lookup of these codes, data/ons_geography_codes.csv)"
            return None  # e.g. a Welsh authority in an English lookup: not ours to judge

        flagged: set[str] = set()
        for code, name, table, complete in (
            ("country_code", "country_name", {c: frozenset({n.casefold()}) for c, n in COUNTRIES.items()}, ""),
            ("region_code", "region_name", {c: frozenset({n.casefold()}) for c, n in REGIONS.items()}, "E12"),
            ("new_la_code", "la_name", ons_names("Local authority"), "E"),
            ("lad_code", "lad_name", ons_names("Local authority district"), "E"),
        ):
            if code in cols and name in cols:
                for c, n, row in self._code_name_pairs(code, name).iter_rows():
                    why = lookup_problem(c, n, table, complete)
                    if why is not None:
                        self.error("L16", f"Code {c} does not match name {n}{why}.", row=row + 2, column=code)
                        flagged.add(code)
                        break
        if "new_la_code" in cols and "region_code" in cols and not flagged & {"new_la_code", "region_code"}:
            self._check_la_regions()
        if "old_la_code" in cols and "la_name" in cols and "new_la_code" not in flagged:
            known = old_la_names()
            for old, name, row in self._code_name_pairs("old_la_code", "la_name").iter_rows():
                if old in known and name and name.casefold() not in known[old]:
                    self.error("L16", f"Code {old} does not match name {name}.", row=row + 2, column="old_la_code")
                    flagged.add("old_la_code")
                    break

        # The same code never carries two names (organisations: within one time period, as they get renamed).
        for spec in GEOGRAPHIC_LEVELS.values():
            for code in (spec.code, spec.secondary):
                if not code or code not in cols or spec.name not in cols or code in flagged:
                    continue
                per_period = spec.level in ORGANISATION_LEVELS and "time_period" in cols
                keys = [code, "time_period"] if per_period else [code]
                has_code = ~_blank(code) & ~pl.col(code).is_in([NOT_AVAILABLE_CODE, NOT_APPLICABLE_CODE])
                # Distinct (code, [period,] name) with the first row of each: small whatever the file's size.
                named = self.df.collect(
                    self.df.lazy().filter(has_code).group_by(*keys, spec.name).agg(pl.col(ROW).min())
                )
                first_name = pl.col(spec.name).sort_by(ROW).first().over(keys)
                frame = (
                    named.filter(pl.len().over(keys) > 1)
                    .with_columns(first_name.alias("__first"))
                    .filter(pl.col(spec.name) != pl.col("__first"))
                    .sort(ROW)
                    .select(ROW, code, spec.name, "__first")
                    .head(1)
                )
                if frame.height:
                    row, c, n, first = frame.row(0)
                    period = " in one time period" if per_period else ""
                    self.error(
                        "L16",
                        f"Code {c} does not match name {n} (the same code is also named {first}{period}).",
                        row=row + 2,
                        column=spec.name,
                    )
            # 'Not available' places must carry code x (all code/name pairs).
            if spec.code and spec.code in cols and spec.name in cols and spec.level not in ("National", "Regional"):
                i = self.df.select(
                    ((pl.col(spec.name) == NOT_AVAILABLE_NAME) != (pl.col(spec.code) == NOT_AVAILABLE_CODE))
                    .fill_null(False)
                    .pipe(_first)
                ).item()
                if i is not None:
                    self.error(
                        "L16",
                        f"Code {self.df[spec.code][i]} does not match name {self.df[spec.name][i]} (unknown places are x + Not available).",
                        row=i + 2,
                        column=spec.code,
                    )

    # --- L17, L18: filters -----------------------------------------------------------------------------------------
    def _check_filters(self) -> None:
        df = self.df
        hygiene = [*self.filters, *self.filter_groups]
        if hygiene:
            stats = df.select(
                *(_blank(c).pipe(_first).alias(f"blank_{c}") for c in hygiene),
                *((pl.col(c) != pl.col(c).str.strip_chars()).pipe(_first).alias(f"pad_{c}") for c in hygiene),
                *(pl.col(c).n_unique().alias(f"n_{c}") for c in hygiene),
                *((pl.col(c) == "Total").any().alias(f"total_{c}") for c in self.filters),
                *(
                    (pl.col(c) == self.filter_defaults[c]).any().alias(f"default_{c}")
                    for c in self.filters
                    if c in self.filter_defaults
                ),
                *(
                    pl.col(c).str.replace_all(r"[^A-Za-z0-9]", "").n_unique().alias(f"stripped_{c}")
                    for c in self.filter_groups
                ),
            ).row(0, named=True)
            for c in hygiene:
                kind = "Filter" if c in self.filters else "Filter group"
                if stats[f"blank_{c}"] is not None:
                    self.error(
                        "L17",
                        f"{kind} {c} has blank/padded values or one item (a blank value).",
                        row=stats[f"blank_{c}"] + 2,
                        column=c,
                    )
                if stats[f"pad_{c}"] is not None:
                    i = stats[f"pad_{c}"]
                    self.error(
                        "L17",
                        f"{kind} {c} has blank/padded values or one item ('{df[c][i]}' has spaces at an end).",
                        row=i + 2,
                        column=c,
                    )
                n = stats[f"n_{c}"]
                if c in self.filters and n < 2:
                    self.error("L17", f"{kind} {c} has blank/padded values or one item (only one item).", column=c)
                if n > FILTER_ITEM_LIMIT:
                    self.error(
                        "L17", f"{kind} {c} has {n:,} items; EES allows at most {FILTER_ITEM_LIMIT:,}.", column=c
                    )
                if c in self.filter_groups and stats[f"stripped_{c}"] != n:
                    self.error("L17", f"{kind} {c} has items that differ only in punctuation or spaces.", column=c)
            for r in self.meta_rows:
                f, g = r["col_name"], r["filter_grouping_column"]
                if (
                    r["col_type"] == "Filter"
                    and f in self.filters
                    and g in self.filter_groups
                    and stats[f"n_{g}"] > stats[f"n_{f}"]
                ):
                    self.error(
                        "L17",
                        f"Filter {f} has fewer items than its grouping column {g}; the hierarchy looks reversed.",
                        column=g,
                    )
            for c in self.filters:
                has_default = stats.get(f"default_{c}", False)
                if not stats[f"total_{c}"] and not has_default:
                    self.warn("L18", f"Filter {c} has no Total.", column=c)

        # Total/All are never places or periods.
        ob_cols = [c for c in self.columns if c in OBSERVATIONAL_COLUMNS and c != "geographic_level"]
        if ob_cols:
            hits = df.select(pl.col(c).is_in(["Total", "All"]).pipe(_first) for c in ob_cols).row(0)
            for c, i in zip(ob_cols, hits, strict=True):
                if i is not None:
                    self.error(
                        "L17",
                        f"{c} holds '{df[c][i]}'; Total/All belong in filters, never in time or geography columns.",
                        row=i + 2,
                        column=c,
                    )

    # --- L19: duplicates ------------------------------------------------------------------------------------------
    def _check_duplicates(self) -> None:
        if self.meta is None:
            return  # without metadata the filters, and so the key, are unknown
        # Columns the metadata declares with a bad col_type may be filters: keep them in the key, so a typo there
        # is reported once (L5) rather than as duplicate rows too.
        undecided = [
            r["col_name"]
            for r in self.meta_rows
            if r["col_type"] not in ("Filter", "Indicator") and r["col_name"] in self.columns
        ]
        keys = [c for c in self.columns if c in OBSERVATIONAL_COLUMNS] + self.filters + self.filter_groups
        keys += [c for c in dict.fromkeys(undecided) if c not in keys]
        levels = self.df.select(pl.col("geographic_level").unique().implode()).item().to_list()
        if len(levels) == 1 and levels[0] in ("School", "Provider"):
            excluded = ["Institution", "Planning area"]
        else:
            excluded = list(EES_IGNORED_LEVELS)
        suspects = self._rows_sharing_a_key_hash(keys, excluded)
        n, first = 0, None
        if suspects.height:
            repeat = ~pl.struct(keys).is_first_distinct()
            n, first = suspects.select(repeat.sum(), pl.col(ROW).filter(repeat).first()).row(0)
        if n:
            self.error("L19", f"{_plural(n, 'duplicate row')} (same time, place, filters).", row=first + 2)

    def _rows_sharing_a_key_hash(self, keys: list[str], excluded: list[str]) -> pl.DataFrame:
        """Rows (ROW and keys, in file order) whose key hashes to the same value as another row's: a superset of
        the duplicates, found by DuckDB in one pass that spills to disk rather than growing with the file (a hash
        table of every row's key does not fit a bounded budget at tens of millions of rows). In memory the same
        query runs over the frame."""
        position = {name: i for i, name in enumerate(self.columns)}
        key_sql = ", ".join(f"c{position[k]}" for k in keys)
        level = f"c{position['geographic_level']}"
        not_excluded = f"NOT coalesce({level} IN ({', '.join(_sql_text(v) for v in excluded)}), false)"
        with staging.connection() as con:
            if self._staged is not None:
                source = f"read_parquet({_sql_text(str(self._staged.parquet))}, file_row_number = true)"
                row = "file_row_number"
            else:
                assert self._eager is not None
                cells = self._eager.select(
                    pl.col(c).alias(f"c{position[c]}") for c in dict.fromkeys([*keys, "geographic_level"])
                )
                con.register("cells", cells.with_row_index("file_row_number").to_arrow())
                source, row = "cells", "file_row_number"
            query = (
                f"WITH keyed AS (SELECT {row} AS r, hash({key_sql}) AS h FROM {source} WHERE {not_excluded}), "
                "repeated AS (SELECT h FROM keyed GROUP BY h HAVING count(*) > 1) "
                "SELECT r FROM keyed SEMI JOIN repeated USING (h) ORDER BY r"
            )
            rows = con.sql(query).pl()["r"].cast(pl.UInt32 if self.df.height < 2**32 else pl.UInt64)
        if rows.is_empty():
            return pl.DataFrame()
        return self.df.collect(self.df.lazy().filter(pl.col(ROW).is_in(rows.implode())).select(ROW, *keys))

    # --- L20, L21: cells ------------------------------------------------------------------------------------------
    def _check_symbols(self) -> None:
        df = self.df
        exprs: list[pl.Expr] = []
        for c in self.columns:
            exprs.append(pl.col(c).is_in(NULL_SYMBOLS).pipe(_first).alias(f"null_{c}"))
            exprs.append(pl.col(c).is_in(WARNED_SYMBOLS).pipe(_first).alias(f"warned_{c}"))
            exprs.append(pl.col(c).is_in(WARNED_SYMBOLS).sum().alias(f"n_warned_{c}"))
        for c in self.indicators:
            exprs.append(pl.col(c).is_in(REFUSED_INDICATOR_SYMBOLS).pipe(_first).alias(f"legacy_{c}"))
        hits = df.select(exprs).row(0, named=True)
        for c in self.columns:
            i = hits[f"null_{c}"]
            if i is not None:
                self.error(
                    "L21",
                    f"{c} uses '~', ':' or NULL; use GSS symbols (row {i + 2} holds '{df[c][i]}').",
                    row=i + 2,
                    column=c,
                )
            elif c in self.indicators and hits[f"legacy_{c}"] is not None:
                i = hits[f"legacy_{c}"]
                self.error(
                    "L21",
                    f"{c} uses '~', ':' or NULL; use GSS symbols (row {i + 2} holds '{df[c][i]}').",
                    row=i + 2,
                    column=c,
                )
            j = hits[f"warned_{c}"]
            if j is not None:
                loaded = " It is loaded as x (not available)." if c in self.numeric_indicators else ""
                self.warn(
                    "L21",
                    f"{c} uses legacy no-data mark '{df[c][j]}' ({_plural(hits[f'n_warned_{c}'], 'cell')}); use GSS symbols.{loaded}",
                    row=j + 2,
                    column=c,
                )

    def _check_indicator_values(self) -> None:
        if not self.numeric_indicators:
            return
        df = self.df
        known = (*SYMBOLS, *REFUSED_INDICATOR_SYMBOLS, *NULL_SYMBOLS, *WARNED_SYMBOLS)
        exprs: list[pl.Expr] = []
        for c in self.numeric_indicators:
            value = pl.col(c)
            number = value.cast(pl.Float64, strict=False)
            is_number = number.is_finite().fill_null(False)  # 'nan' and 'inf' cast to floats but are not numbers
            invalid = ~(value.is_in(known).fill_null(False) | is_number)  # blanks are invalid too
            exprs += [invalid.pipe(_first).alias(f"bad_{c}"), invalid.sum().alias(f"n_bad_{c}")]
            if self.units.get(c) in ("", "%"):  # a count of people or a share cannot be below zero
                negative = is_number & (number < 0)
                exprs += [negative.pipe(_first).alias(f"neg_{c}"), negative.sum().alias(f"n_neg_{c}")]
            if self.units.get(c) == "%":
                finite = number.is_finite().fill_null(False)
                over = finite & (number > 100)  # NaN compares above every number in Polars
                exprs += [over.pipe(_first).alias(f"over_{c}"), number.filter(finite).max().alias(f"max_{c}")]
        hits = df.select(exprs).row(0, named=True)
        for c in self.numeric_indicators:
            i = hits[f"bad_{c}"]
            if i is not None:
                shown = df[c][i] if df[c][i] is not None else ""
                more = f" ({_plural(hits[f'n_bad_{c}'], 'cell')} in all)" if hits[f"n_bad_{c}"] > 1 else ""
                self.error(
                    "L20", f"{c} row {i + 2} holds '{shown}', not a number or c/x/z/low/u{more}.", row=i + 2, column=c
                )
            if hits.get(f"neg_{c}") is not None:
                i = hits[f"neg_{c}"]
                what = "rate" if self.units.get(c) == "%" else "count"
                more = f" ({_plural(hits[f'n_neg_{c}'], 'cell')} in all)" if hits[f"n_neg_{c}"] > 1 else ""
                self.error(
                    "L20",
                    f"{c} row {i + 2} holds '{df[c][i]}': a {what} cannot be negative{more}.",
                    row=i + 2,
                    column=c,
                )
            if hits.get(f"over_{c}") is not None:
                i = hits[f"over_{c}"]
                self.warn(
                    "L20",
                    f"{c} has values over 100% (up to {hits[f'max_{c}']:g}); it is not a share of one base.",
                    row=i + 2,
                    column=c,
                )

    # --- A2: record-level shape ---------------------------------------------------------------------------------
    def _check_record_level(self) -> None:
        df = self.df
        counts = [c for c in self.numeric_indicators if self.units.get(c) == ""]
        candidates = [*self.filters, *self.filter_groups]
        declared = {r["col_name"] for r in self.meta_rows}
        candidates += [
            c for c in self.columns if c not in OBSERVATIONAL_COLUMNS and c not in declared and c not in candidates
        ]
        if not counts and not candidates:
            return
        exprs: list[pl.Expr] = []
        for c in counts:
            number = pl.col(c).cast(pl.Float64, strict=False)
            exprs += [
                number.is_not_null().sum().alias(f"pub_{c}"),
                (number == 1).sum().alias(f"ones_{c}"),
                (number == 1).pipe(_first).alias(f"first_one_{c}"),
            ]
        for c in candidates:
            items = pl.col(c).drop_nulls().unique()
            key_like = (
                items.str.contains(_KEY_LIKE_VALUE)
                & items.str.contains(r"\d")
                & items.str.contains(r"[A-Za-z]")
                & ~items.str.contains(_KNOWN_CODE_VALUE)
            )
            words = items.str.count_matches(r"\S+")
            exprs += [
                pl.col(c).n_unique().alias(f"n_{c}"),
                pl.col(c).str.contains(_IDENTIFIER_VALUE).fill_null(False).mean().alias(f"idlike_{c}"),
                key_like.mean().alias(f"keylike_{c}"),
                ((words >= 5) & (items.str.len_chars() >= 30)).mean().alias(f"freetext_{c}"),
            ]
        stats = df.select(exprs).row(0, named=True)
        for c in counts:
            published, ones = stats[f"pub_{c}"], stats[f"ones_{c}"]
            if published >= 10 and ones > published / 2:
                i = stats[f"first_one_{c}"]
                self.error(
                    "A2",
                    f"{c} is 1 on {ones:,} of {published:,} rows: this looks like one row per person, not an approved aggregate.",
                    row=i + 2,
                    column=c,
                )
        for c in candidates:
            n = stats[f"n_{c}"]
            looks_like_id = bool(_IDENTIFIER_NAME.search(_normalise_name(c))) or stats[f"idlike_{c}"] >= 0.9
            rows_per_item = df.height / max(n, 1)
            # A category is shared by many rows (every year, place and other breakdown); record keys are not. Items
            # that look like random keys, or free text, on about one row each are people, however the column is named.
            key_like = (stats[f"keylike_{c}"] or 0) >= 0.9 and n >= 20 and rows_per_item <= 5
            free_text = (stats[f"freetext_{c}"] or 0) >= 0.9 and n >= 20 and rows_per_item <= 2
            near_unique = df.height >= 20 and n >= 0.9 * df.height
            huge = n > 1_000 and rows_per_item < 2  # thousands of items, each on about one row
            if (near_unique and looks_like_id) or key_like or free_text or huge:
                what = (
                    "like record identifiers"
                    if key_like or looks_like_id
                    else "of free text"
                    if free_text
                    else "each on about one row"
                )
                self.error(
                    "A2",
                    f"{c} has {n:,} different values in {df.height:,} rows ({rows_per_item:.1f} rows per item), {what}: this looks like record-level data, not an approved aggregate.",
                    column=c,
                )

    # --- L24: the publication's disclosure convention --------------------------------------------------------------
    def _profile_words(self, rule: Convention) -> str:
        return f"the {'declared' if rule.kind in self.declared_kinds else 'default'} profile '{rule.name}'"

    def _profile_hint(self, rule: Convention) -> str:
        if rule.kind in self.declared_kinds:
            return ""
        return " If the publication follows another convention, declare it with --profile (e.g. 'counts unrounded, suppressed below 6')."

    def unit_filter(self) -> tuple[str, dict[str, str]] | None:
        """The table's `data_type`-style filter and the unit of each of its items, if it has one."""
        from leo_dash.shapes import detect_unit_filter, looks_like_unit_filter

        rows = [r for r in self.meta_rows if r["col_type"] == "Filter" and r["col_name"] in self.df.columns]
        rows = [r for r in rows if looks_like_unit_filter(r)]
        items = {r["col_name"]: self.df.distinct(r["col_name"]) for r in rows}
        return detect_unit_filter(rows, items)

    def _check_rounding(self) -> None:
        df = self.df
        counts = [c for c in self.numeric_indicators if self.units.get(c) == ""]
        people = [c for c in counts if _guess_kind(c, "", self.labels.get(c, "")) != "other"]
        counts = [c for c in counts if not _NOT_A_COUNT.search(_normalise_name(c))]  # means may hold fractions
        earnings = [c for c in self.numeric_indicators if self.units.get(c) == "£"]
        rates = [c for c in self.numeric_indicators if self.units.get(c) in ("%", "pp")]
        exprs: list[pl.Expr] = []
        # A `data_type` filter (shapes.detect_unit_filter): its percentage rows hold percentages in the same columns
        # as its count rows, so the count rules apply to count rows only.
        count_rows = pl.lit(True)
        unit_filter = self.unit_filter()
        if unit_filter is not None:
            column, units = unit_filter
            count_rows = pl.col(column).is_in([item for item, unit in units.items() if unit == "count"])

        def first_and_count(name: str, mask: pl.Expr) -> None:
            exprs.extend((mask.pipe(_first).alias(f"{name}_first"), mask.sum().alias(f"{name}_n")))

        def not_multiple(number: pl.Expr, step: float) -> pl.Expr:
            # Counted in steps, so a decimal such as 0.3 is a multiple of 0.1 despite float error: scaling by a
            # power of ten (exact) leaves an error of about 1e-16 of the value, far inside the 1e-9-step tolerance
            # (the tolerance grows with the value where float precision runs out). Plain float arithmetic keeps
            # this a streaming expression; half-up rounding runs Python per batch and was most of the screening
            # time of a 20M-row file.
            steps = number * float(round(1.0 / step)) if step < 1 else number / step
            off = (steps - steps.round()).abs()
            return (off > pl.max_horizontal(pl.lit(1e-9), steps.abs() * 4e-16)).fill_null(False)

        for c in counts:  # every count, of people or institutions, is a whole number
            first_and_count(
                f"fraction_{c}", (count_rows & (pl.col(c).cast(pl.Float64, strict=False) % 1 != 0)).fill_null(False)
            )
        for c in people:
            number = pl.col(c).cast(pl.Float64, strict=False)
            rule = self.count_rule
            if rule.multiple is not None:
                first_and_count(f"count_{c}", (count_rows & (number % rule.multiple != 0)).fill_null(False))
            elif rule.suppressed_below is not None:
                first_and_count(
                    f"count_{c}", (count_rows & (number > 0) & (number < rule.suppressed_below)).fill_null(False)
                )
        if self.earnings_rule.multiple is not None:
            for c in earnings:
                number = pl.col(c).cast(pl.Float64, strict=False)
                first_and_count(f"earnings_{c}", (number % self.earnings_rule.multiple != 0).fill_null(False))
        rate_steps: dict[str, tuple[int, bool]] = {}  # rate -> (dp, declared by the profile)
        for c in rates:
            if self.units[c] == "%" and self.percentage_rule is not None and self.percentage_rule.dp is not None:
                rate_steps[c] = (self.percentage_rule.dp, True)
            else:  # its indicator_dp, else the 1 dp every view shows a rate to (views.Column.for_indicator)
                rate_steps[c] = (self.dps.get(c, VIEW_RATE_DP), False)
        for c, (dp, _declared) in rate_steps.items():
            number = pl.col(c).cast(pl.Float64, strict=False)
            first_and_count(f"rate_{c}", not_multiple(number, 10.0**-dp))
        if not exprs:
            return
        hits = df.select(exprs).row(0, named=True)

        def report(name: str, c: str, message: str, rule: Convention | None = None) -> bool:
            i = hits[f"{name}_first"]
            if i is None:
                return False
            more = f" ({_plural(hits[f'{name}_n'], 'cell')} in all)" if hits[f"{name}_n"] > 1 else ""
            hint = self._profile_hint(rule) if rule is not None else ""
            self.error("L24", message.format(value=df[c][i], row=i + 2) + more + "." + hint, row=i + 2, column=c)
            return True

        for c in counts:
            if report(
                f"fraction_{c}",
                c,
                f"{c} is a count but holds fractions: value {{value}} on row {{row}} is not a whole number",
            ):
                continue
            if c not in people:
                continue  # a count of institutions: organisations, not people, so never rounded for disclosure
            rule = self.count_rule
            if rule.multiple is not None:
                report(
                    f"count_{c}",
                    c,
                    f"{c} breaks {self._profile_words(rule)}: value {{value}} on row {{row}} is not rounded to {rule.multiple:g}",
                    rule,
                )
            elif rule.suppressed_below is not None:
                report(
                    f"count_{c}",
                    c,
                    f"{c} breaks {self._profile_words(rule)}: value {{value}} on row {{row}} is under {rule.suppressed_below} but not suppressed",
                )
        for c in earnings:
            if self.earnings_rule.multiple is not None:
                report(
                    f"earnings_{c}",
                    c,
                    f"{c} breaks {self._profile_words(self.earnings_rule)}: value {{value}} on row {{row}} is not rounded to £{self.earnings_rule.multiple:g}",
                    self.earnings_rule,
                )
        for c, (dp, declared) in rate_steps.items():
            i = hits[f"rate_{c}_first"]
            if i is None:
                continue
            if declared:
                assert self.percentage_rule is not None
                report(
                    f"rate_{c}",
                    c,
                    f"{c} breaks the declared profile '{self.percentage_rule.name}': value {{value}} on row {{row}} is not rounded to {dp} dp",
                )
            else:
                # The data standard: a rate published with more decimals than its indicator_dp is rounded (half-up)
                # to that dp and loaded with a warning, so no view can show (or send the browser) more precision.
                self.rates_to_round[c] = dp
                limit = (
                    f"its indicator_dp of {dp}"
                    if c in self.dps
                    else f"the {dp} dp a rate with no indicator_dp is shown to"
                )
                self.warn(
                    "L24",
                    f"{c} has more decimals than {limit}: value {df[c][i]} on row {i + 2} "
                    f"({_plural(hits[f'rate_{c}_n'], 'cell')} in all); loaded rounded half-up to {dp} dp.",
                    row=i + 2,
                    column=c,
                )

    # --- L25: small bases -----------------------------------------------------------------------------------------
    def _rate_bases(self) -> dict[str, str]:
        """Rate (or earnings) column -> base column: explicit first, else the base its name suggests."""
        numeric = set(self.numeric_indicators)
        pairs: dict[str, str] = {}
        candidates = [
            c
            for c in self.numeric_indicators
            if _guess_kind(c, self.units.get(c, ""), self.labels.get(c, "")) == "base"
        ]
        for c in self.numeric_indicators:
            explicit = self.bases.get(c) or (self.bases.get("*") if self.units.get(c) == "%" else None)
            if explicit:
                if explicit in numeric:
                    pairs[c] = explicit
                else:
                    self.warn(
                        "L25",
                        f"Base column {explicit} for {c} is not a numeric indicator of this file; small bases were not checked.",
                        column=c,
                    )
            elif self.units.get(c) == "%":
                base = _natural_base(c, candidates)
                if base:
                    pairs[c] = base
        return pairs

    def _check_small_bases(self) -> None:
        pairs = self._rate_bases()
        if not pairs:
            return
        threshold = self.small_base_threshold
        exprs: list[pl.Expr] = []
        for c, base in pairs.items():
            small = self._small_base_mask(c, base, threshold)
            exprs += [small.pipe(_first).alias(f"first_{c}"), small.sum().alias(f"n_{c}")]
        hits = self.df.select(exprs).row(0, named=True)
        for c, base in pairs.items():
            i = hits[f"first_{c}"]
            if i is not None:
                self.hidden_by_small_base[c] = base
                self.warn(
                    "L25",
                    f"{c} values on bases under the threshold are hidden ({_plural(hits[f'n_{c}'], 'cell')} where {base} is under {threshold}; shown as c).",
                    row=i + 2,
                    column=c,
                )

    @staticmethod
    def _small_base_mask(column: str, base: str, threshold: int) -> pl.Expr:
        """Cells where the value is published but its base is under the threshold (works on strings or floats)."""
        value = pl.col(column).cast(pl.Float64, strict=False)
        base_value = pl.col(base).cast(pl.Float64, strict=False)
        return (value.is_not_null() & (base_value < threshold)).fill_null(False)

    # --- L26: API lengths -----------------------------------------------------------------------------------------
    def _check_api_lengths(self) -> None:
        df = self.df
        for c in self.columns:
            if len(c) > COLUMN_NAME_LIMIT:
                self.warn("L26", f"Column name {c} over {COLUMN_NAME_LIMIT} characters.", row=1, column=c)
        limits = {c: LOCATION_CODE_LIMIT for c in self.columns if c in GEOGRAPHY_CODE_COLUMNS}
        limits |= {c: ITEM_LIMIT for c in self.columns if c in GEOGRAPHY_NAME_COLUMNS}
        limits |= {c: ITEM_LIMIT for c in (*self.filters, *self.filter_groups)}
        if not limits:
            return
        hits = df.select((pl.col(c).str.len_chars() > n).pipe(_first).alias(c) for c, n in limits.items()).row(
            0, named=True
        )
        for c, n in limits.items():
            if hits[c] is not None:
                self.warn("L26", f"{c} value over {n} characters.", row=hits[c] + 2, column=c)

    # --- parsing --------------------------------------------------------------------------------------------------
    def _typed(self, text: pl.Expr, c: str) -> tuple[pl.Expr, pl.Expr]:
        """A numeric indicator's number and status columns, from its text."""
        number = text.cast(pl.Float64, strict=False)
        status = (
            pl.when(text.is_in(SYMBOLS))
            .then(text)
            .when(text.is_in(WARNED_SYMBOLS))
            .then(pl.lit(WARNED_SYMBOL_STATUS))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        if c in self.rates_to_round:  # L24 warning: extra decimals rounded half-up to indicator_dp
            number = round_half_up_expr(number, 10.0 ** -self.rates_to_round[c])
        base = self.hidden_by_small_base.get(c)
        if base:
            hide = self._small_base_mask(c, base, self.small_base_threshold)
            number = pl.when(hide).then(pl.lit(None, dtype=pl.Float64)).otherwise(number)
            status = pl.when(hide).then(pl.lit("c")).otherwise(status)
        return number.alias(c), status.alias(status_column(c))

    def _parse_lazy(self) -> pl.LazyFrame:
        """The typed table as a query over the staged cells (out of core: nothing is read until it is sunk)."""
        exprs = [pl.col("time_period").cast(pl.Int64)]
        for c in self.numeric_indicators:
            exprs.extend(self._typed(pl.col(c), c))
        return self.df.lazy().drop(ROW).with_columns(exprs)

    def _parse(self) -> pl.DataFrame:
        """Cast in place: time_period to Int64; each numeric indicator to Float64 plus its status column. Columns
        are replaced a few at a time so the strings of a column are freed as its numbers arrive."""
        df = self._eager
        assert df is not None
        self._eager = None  # drop our references so replaced string columns can be freed
        self.df = _Cells(pl.LazyFrame(), 0, [], streaming=False)
        df = df.with_columns(pl.col("time_period").cast(pl.Int64))
        batch = 4
        for start in range(0, len(self.numeric_indicators), batch):
            exprs: list[pl.Expr] = []
            for c in self.numeric_indicators[start : start + batch]:
                exprs.extend(self._typed(pl.col(c), c))
            df = df.with_columns(exprs)
        return df

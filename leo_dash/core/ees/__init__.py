"""Screen and load EES tidy data files: `name.csv` + `name.meta.csv` (data standard §1-§3, loader checks §6).

A file is read once, every cell as a string, and every check runs as a vectorised Polars query over those cells
(never a Python loop over rows). Checks that point at a row find the first offending row as the smallest row number
where the check fails (`_first`). Small files are held in memory; large ones are staged out of core by DuckDB
(leo_dash.core.staging) and the same queries run on Polars' streaming engine, so screening takes bounded memory.
Only when no check refuses the file are columns cast in place: `time_period` to Int64, each numeric indicator to
Float64 beside a status column holding the published symbol. A symbol never becomes 0.

Rule ids follow §6 (L1-L26) plus A1/A2, which refuse files that are not approved aggregates (columns that identify
people; record-level shape: near-unique identifiers, random record keys or free text as filter items).

L24 checks the publication's own disclosure convention, declared per table (`profile`, see
leo_dash.core.disclosure_profiles), never guessed; without one it assumes counts to 5 and earnings to £100. Every count
must be a whole number, counts and rates never negative; counts of institutions are never rounded. A rate with more
decimals than its indicator_dp is loaded rounded to it (warning), so nothing downstream holds more precision than
the table shows. Printed findings escape control characters (`printable`): a file cannot drive a terminal.

Modules: `rules` (the standard's vocabulary: symbols, columns, limits, time identifiers, geographic levels, ONS
lookups, and the name rules for A1/A2 and indicator kinds), `findings` (Finding, printable, ScreenResult,
EESLoadError, and the findings recorder), `reading` (decoding, opening and the size limit of .csv.gz files, the
header, bad rows, meta rows, and `_Cells`, the queries over in-memory or staged cells), `screener` (`_Screener`:
files, reading, staging, classifying, running the checks, parsing), the checks it inherits by group -
`checks_structure` (L3-L11, A1, L26), `checks_time_geography` (L12-L16, L22, L23), `checks_values` (L17-L21, A2),
`checks_rounding` (L24, L25) - and `api` (`screen`, `load`, `indicators_from_meta`, `run_check`).
Private helpers are imported from their submodule; a test that patches a constant patches the submodule that reads
it (e.g. `leo_dash.core.ees.reading.MAX_DECOMPRESSED_BYTES`).
"""

from __future__ import annotations

from leo_dash.core.ees.api import (
    indicators_from_meta,
    load,
    run_check,
    screen,
)
from leo_dash.core.ees.findings import (
    EESLoadError,
    Finding,
    ScreenResult,
    Severity,
    printable,
)
from leo_dash.core.ees.reading import (
    MAX_DECOMPRESSED_BYTES,
)
from leo_dash.core.ees.rules import (
    COLUMN_NAME_LIMIT,
    COMPATIBLE_LEVELS,
    COUNTRIES,
    DEFAULT_COUNT_BASE,
    DEFAULT_EARNINGS_BASE,
    EES_IGNORED_LEVELS,
    FILTER_ITEM_LIMIT,
    FINANCIAL_HALVES,
    FINANCIAL_QUARTERS,
    FOUR_DIGIT_IDENTIFIERS,
    GEOGRAPHIC_LEVELS,
    GEOGRAPHY_CODE_COLUMNS,
    GEOGRAPHY_COLUMNS,
    GEOGRAPHY_NAME_COLUMNS,
    INDICATOR_UNITS,
    ITEM_LIMIT,
    LABEL_LIMIT,
    LOADER_RULES,
    LOCATION_CODE_LIMIT,
    MANDATORY_COLUMNS,
    META_OPTIONAL_COLUMNS,
    META_REQUIRED_COLUMNS,
    MONTHS,
    NOT_APPLICABLE_CODE,
    NOT_APPLICABLE_NAMES,
    NOT_AVAILABLE_CODE,
    NOT_AVAILABLE_NAME,
    NULL_SYMBOLS,
    OBSERVATIONAL_COLUMNS,
    ONS_LOOKUP,
    ORGANISATION_LEVELS,
    REFUSED_INDICATOR_SYMBOLS,
    REGIONS,
    SIX_DIGIT_IDENTIFIERS,
    SMALL_BASE_THRESHOLD,
    SYMBOLS,
    TERMS,
    TIME_GROUPS,
    TIME_IDENTIFIER_GROUP,
    VIEW_RATE_DP,
    WARNED_SYMBOL_STATUS,
    WARNED_SYMBOLS,
    WEEKS,
    GeographicLevel,
    la_regions,
    old_la_names,
    ons_names,
)

__all__: list[str] = [
    "COLUMN_NAME_LIMIT",
    "COMPATIBLE_LEVELS",
    "COUNTRIES",
    "DEFAULT_COUNT_BASE",
    "DEFAULT_EARNINGS_BASE",
    "EESLoadError",
    "EES_IGNORED_LEVELS",
    "FILTER_ITEM_LIMIT",
    "FINANCIAL_HALVES",
    "FINANCIAL_QUARTERS",
    "FOUR_DIGIT_IDENTIFIERS",
    "Finding",
    "GEOGRAPHIC_LEVELS",
    "GEOGRAPHY_CODE_COLUMNS",
    "GEOGRAPHY_COLUMNS",
    "GEOGRAPHY_NAME_COLUMNS",
    "GeographicLevel",
    "INDICATOR_UNITS",
    "ITEM_LIMIT",
    "LABEL_LIMIT",
    "LOADER_RULES",
    "LOCATION_CODE_LIMIT",
    "MANDATORY_COLUMNS",
    "MAX_DECOMPRESSED_BYTES",
    "META_OPTIONAL_COLUMNS",
    "META_REQUIRED_COLUMNS",
    "MONTHS",
    "NOT_APPLICABLE_CODE",
    "NOT_APPLICABLE_NAMES",
    "NOT_AVAILABLE_CODE",
    "NOT_AVAILABLE_NAME",
    "NULL_SYMBOLS",
    "OBSERVATIONAL_COLUMNS",
    "ONS_LOOKUP",
    "ORGANISATION_LEVELS",
    "REFUSED_INDICATOR_SYMBOLS",
    "REGIONS",
    "SIX_DIGIT_IDENTIFIERS",
    "SMALL_BASE_THRESHOLD",
    "SYMBOLS",
    "ScreenResult",
    "Severity",
    "TERMS",
    "TIME_GROUPS",
    "TIME_IDENTIFIER_GROUP",
    "VIEW_RATE_DP",
    "WARNED_SYMBOLS",
    "WARNED_SYMBOL_STATUS",
    "WEEKS",
    "indicators_from_meta",
    "la_regions",
    "load",
    "old_la_names",
    "ons_names",
    "printable",
    "run_check",
    "screen",
]

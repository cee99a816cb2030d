"""A small provider table for the institution-performance tests (provider file, optionally a national file), and a
check that it loads.

Sustained employment rate (%), its base (matched graduates), median earnings and their base, by provider, tax year,
subject and YAG. Known cells:
- 2022-23, all subjects, 5 YAG: Delta's and Theta's rates and bases are `c`: two `c` cells, so no secondary
  suppression, and a benchmark derived from the others may be shown; among HEIs only Delta is `c` (so a derived HEI
  benchmark is `c`, D6); Eta has no row (it has one in 2021-22); Gamma's earnings rest on a base of 5
  (published as a number: disclosure control must make it `c`, D5); Iota (Wales) has a numerator of 2 (rate 20%
  of 10), so a Wales-only benchmark fails D4.
- 2021-22, all subjects, 5 YAG: only Gamma's rate is `c`: with a published national figure, secondary suppression
  must hide the smallest other rate (Beta, 58%); with no national figure, the derived benchmark is `c` (D6).
- Computing has rows for Alpha and Gamma only.
- The national file (when written) has the all-providers row and an HEI row for every cell above.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from leo_dash.core import catalogue, query
from leo_dash.core.model import DisclosureProfile, Indicator, TableEntry
from tests.conftest import write_ees

TABLE_WITH_NATIONAL = "test_inst_national"
TABLE_PROVIDERS_ONLY = "test_inst_providers"
YEARS = (202122, 202223)
C = "c"

# ukprn: (name, type, region code, region name)
PROVIDERS: dict[str, tuple[str, str, str, str]] = {
    "10000001": ("Alpha University", "HEI", "E12000007", "London"),
    "10000002": ("Beta College", "FEC", "E12000007", "London"),
    "10000003": ("Gamma University", "HEI", "E12000001", "North East"),
    "10000004": ("Delta Institute", "HEI", "E12000001", "North East"),
    "10000005": ("Epsilon College", "FEC", "E12000001", "North East"),
    "10000006": ("Zeta University", "HEI", "E12000007", "London"),
    "10000007": ("Eta College", "FEC", "E12000007", "London"),
    "10000008": ("Theta College", "FEC", "E12000001", "North East"),
    "10000009": ("Iota Centre", "AP", "W92000004", "Wales"),
}
ALPHA, BETA, GAMMA, DELTA, EPSILON, ZETA, ETA, THETA, IOTA = PROVIDERS

# (year, subject, yag) -> ukprn -> (rate, matched base, median earnings, earnings base); a missing ukprn has no row.
Cells = dict[str, tuple[object, object, object, object]]
PROVIDER_CELLS: dict[tuple[int, str, str], Cells] = {
    (202223, "Total", "5"): {
        ALPHA: (80.0, 1000, 30000, 500),
        BETA: (60.0, 200, 22000, 100),
        GAMMA: (70.0, 500, 26000, 5),
        DELTA: (C, C, C, C),
        EPSILON: (90.0, 20, 24000, 15),
        ZETA: (95.0, 2000, 35000, 900),
        THETA: (C, C, C, C),
        IOTA: (20.0, 10, C, C),
    },
    (202122, "Total", "5"): {
        ALPHA: (78.0, 950, 29000, 450),
        BETA: (58.0, 210, 21000, 100),
        GAMMA: (C, 480, 25000, 200),
        EPSILON: (88.0, 25, 23000, 15),
        ZETA: (93.0, 1900, 34000, 850),
        ETA: (65.0, 120, 20000, 60),
    },
    (202223, "Computing", "5"): {ALPHA: (85.0, 100, 38000, 60), GAMMA: (65.0, 50, 31000, 20)},
    (202122, "Computing", "5"): {ALPHA: (83.0, 90, 37000, 55), GAMMA: (64.0, 45, 30000, 20)},
    (202223, "Total", "1"): {ALPHA: (60.0, 1000, 24000, 500), BETA: (50.0, 200, 19000, 100)},
    (202122, "Total", "1"): {ALPHA: (59.0, 950, 23000, 450), BETA: (49.0, 210, 18000, 100)},
}
# (year, subject, yag, provider type) -> national figures (rate, base, median, earnings base)
NATIONAL_CELLS: dict[tuple[int, str, str, str], tuple[object, object, object, object]] = {
    (202223, "Total", "5", "Total"): (75.0, 4000, 28000, 2000),
    (202223, "Total", "5", "HEI"): (82.0, 3500, 31000, 1500),
    (202122, "Total", "5", "Total"): (72.0, 3800, 27000, 1900),
    (202122, "Total", "5", "HEI"): (80.0, 3300, 30000, 1400),
    (202223, "Computing", "5", "Total"): (76.0, 400, 36000, 200),
    (202122, "Computing", "5", "Total"): (75.0, 380, 35000, 190),
    (202223, "Total", "1", "Total"): (55.0, 4000, 22000, 2000),
    (202122, "Total", "1", "Total"): (54.0, 3800, 21000, 1900),
}

META = [
    ["provider_type", "Filter", "Provider type", "", "", "", "", ""],
    ["subject_name", "Filter", "Subject studied", "", "", "", "", ""],
    ["yag", "Filter", "Years after graduation", "", "", "", "", ""],
    ["grads_matched", "Indicator", "Matched graduates", "", "", "0", "", ""],
    ["sust_emp", "Indicator", "Sustained employment", "", "%", "1", "", ""],
    ["grads_earn", "Indicator", "Graduates with earnings", "", "", "0", "", ""],
    ["earnings_median", "Indicator", "Median earnings", "", "£", "0", "", ""],
]
INDICATORS = (
    Indicator("grads_matched", "Matched graduates", "base", dp=0),
    Indicator("sust_emp", "Sustained employment", "rate", "%", 1, base="grads_matched"),
    Indicator("grads_earn", "Graduates with earnings", "base", dp=0),
    Indicator("earnings_median", "Median earnings", "earnings", "£", 0, base="grads_earn"),
)
OBSERVATIONAL = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
COMMON = ["provider_type", "subject_name", "yag", "grads_matched", "sust_emp", "grads_earn", "earnings_median"]


def _provider_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for (year, subject, yag), cells in PROVIDER_CELLS.items():
        for ukprn, (rate, base, earnings, earnings_base) in cells.items():
            name, kind, region_code, region_name = PROVIDERS[ukprn]
            rows.append(
                [
                    year,
                    "Tax year",
                    "Provider",
                    "E92000001",
                    "England",
                    region_code,
                    region_name,
                    ukprn,
                    name,
                    kind,
                    subject,
                    yag,
                    base,
                    rate,
                    earnings_base,
                    earnings,
                ]
            )
    return rows


def _national_rows() -> list[list[object]]:
    return [
        [year, "Tax year", "National", "E92000001", "England", kind, subject, yag, base, rate, earnings_base, earnings]
        for (year, subject, yag, kind), (rate, base, earnings, earnings_base) in NATIONAL_CELLS.items()
    ]


def make_table(data_dir: Path, *, national: bool = True) -> TableEntry:
    """Write the EES files and catalogue entry under `data_dir` (with or without the national file)."""
    provider_header = [*OBSERVATIONAL, "region_code", "region_name", "provider_ukprn", "provider_name", *COMMON]
    files = [write_ees(data_dir / "src", "inst_provider", provider_header, _provider_rows(), META)]
    if national:
        files.append(write_ees(data_dir / "src", "inst_national", [*OBSERVATIONAL, *COMMON], _national_rows(), META))
    entry = TableEntry(
        id=TABLE_WITH_NATIONAL if national else TABLE_PROVIDERS_ONLY,
        title="Test provider outcomes" + (" with national figures" if national else ""),
        files=tuple(str(f) for f in files),
        publication="Test publication",
        controllers=("DfE",),
        licence="Open Government Licence v3.0",
        release_date=dt.date(2026, 1, 1),
        next_review=dt.date(2099, 1, 1),
        time_label="Tax year",
        roles={
            "time": "time_period",
            "provider_id": "provider_ukprn",
            "provider_name": "provider_name",
            "provider_type": "provider_type",
            "region": "region_name",
            "subject": "subject_name",
            "years_after": "yag",
        },
        filter_defaults={"yag": "5"},
        indicators=INDICATORS,
        disclosure=DisclosureProfile(),
    )
    catalogue.write_entry(entry, data_dir)
    return entry


def test_fixture_tables_load(data_dir: Path) -> None:
    with_national = make_table(data_dir)
    providers_only = make_table(data_dir, national=False)
    loaded = catalogue.load_catalogue(data_dir)
    assert loaded.get(TABLE_WITH_NATIONAL) == with_national and loaded.get(TABLE_PROVIDERS_ONLY) == providers_only
    frame = query.select(
        with_national, {"time": [202223], "subject": ["Total"], "years_after": ["5"]}, vary=["provider_type"]
    )
    assert frame.filter(pl.col("provider_ukprn").is_null()).height == 2  # all providers + HEI
    assert frame.filter(pl.col("provider_ukprn") == DELTA)["sust_emp__status"].to_list() == ["c"]
    assert frame.filter(pl.col("provider_ukprn") == IOTA)["grads_matched"].to_list() == [10.0]
    only = query.select(providers_only, {"time": [202223], "subject": ["Total"], "years_after": ["5"]})
    assert only["provider_ukprn"].null_count() == 0 and only.height == 8

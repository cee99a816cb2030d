"""A small graduate-earnings table (national + provider files) for the earnings tests, and a check that it loads.

Earnings follow a known formula so tests can name exact figures; a few cells are published as symbols:
- national Law, 3 YAG, 2022-23, all graduates: median, LQ and UQ all `c`;
- national Computing, 5 YAG, 2022-23, all graduates: LQ `c` (median and UQ published: the band has a gap there);
- national History, 10 YAG, 2021-22, all graduates: earnings base 5, figures published as numbers (protect must
  turn them into `c` under D5);
- provider rows have no 10 YAG (as in the real provider-level data).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from leo_dash.core import catalogue
from leo_dash.core.model import DisclosureProfile, Indicator, TableEntry
from tests.conftest import write_ees

TABLE_ID = "test_grad_earnings"
YEARS = (202021, 202122, 202223)
YAGS = ("1", "3", "5", "10")
SUBJECTS = {"Computing": 24000, "History": 20000, "Law": 22000, "Medicine": 30000}
PROVIDERS = {"10000001": ("Fenwick Vale University", 1000), "10000002": ("Northmere College of Art", -2000)}
GROUPS = (("All graduates", "All graduates"), ("Sex", "Female"), ("Sex", "Male"))
QUALIFICATIONS = ("Total", "First degree")
YAG_GROWTH = {"1": 0, "3": 4000, "5": 8000, "10": 15000}
YEAR_GROWTH = {202021: 0, 202122: 500, 202223: 1500}
GROUP_SHIFT = {"All graduates": 0, "Female": -1000, "Male": 1000}
SUPPRESS_ALL = {("national", "Law", "3", 202223, "All graduates", "Total")}
SUPPRESS_LQ = {("national", "Computing", "5", 202223, "All graduates", "Total")}
SMALL_BASE = {("national", "History", "10", 202122, "All graduates", "Total")}

META = [
    ["subject_name", "Filter", "Subject studied", "", "", "", "", ""],
    ["yag", "Filter", "Years after graduation", "", "", "", "", ""],
    ["characteristic_type", "Filter", "Graduate characteristic", "", "", "", "", ""],
    ["characteristic_value", "Filter", "Characteristic value", "", "", "", "", ""],
    ["qualification", "Filter", "Qualification", "", "", "", "", ""],
    ["grads_earnings_include", "Indicator", "Graduates included in earnings figures", "", "", "0", "", ""],
    ["earnings_lower", "Indicator", "Minimum earnings", "", "£", "0", "", ""],
    ["earnings_LQ", "Indicator", "Lower quartile earnings", "", "£", "0", "", ""],
    ["earnings_median", "Indicator", "Median earnings", "", "£", "0", "", ""],
    ["earnings_UQ", "Indicator", "Upper quartile earnings", "", "£", "0", "", ""],
]


def median_for(subject: str, yag: str, year: int, group: str = "All graduates", provider: str | None = None) -> int:
    """The published median of a cell (before any suppression)."""
    shift = PROVIDERS[provider][1] if provider else 0
    return SUBJECTS[subject] + YAG_GROWTH[yag] + YEAR_GROWTH[year] + GROUP_SHIFT[group] + shift


def _rows(level: str) -> list[list[object]]:
    rows: list[list[object]] = []
    providers = list(PROVIDERS.items()) if level == "provider" else [(None, ("", 0))]
    for provider, (name, _) in providers:
        for year in YEARS:
            for subject in SUBJECTS:
                for yag in YAGS:
                    if provider and yag == "10":
                        continue
                    for ctype, cvalue in GROUPS:
                        for qualification in QUALIFICATIONS:
                            key = (level, subject, yag, year, cvalue, qualification)
                            median = median_for(subject, yag, year, cvalue, provider)
                            lq, uq, low = median - 5000, median + 7000, 1000
                            base: object = 5 if key in SMALL_BASE else 100
                            cells: list[object] = [base, low, lq, median, uq]
                            if key in SUPPRESS_ALL:
                                cells = [base, "c", "c", "c", "c"]
                            if key in SUPPRESS_LQ:
                                cells[2] = "c"
                            geo = (
                                ["Provider", "E92000001", "England", provider, name]
                                if provider
                                else ["National", "E92000001", "England"]
                            )
                            rows.append([year, "Tax year", *geo, subject, yag, ctype, cvalue, qualification, *cells])
    return rows


INDICATORS = (
    Indicator("grads_earnings_include", "Graduates included in earnings figures", "base", dp=0),
    Indicator("earnings_lower", "Minimum earnings", "earnings", "£", 0, base="grads_earnings_include", hidden=True),
    Indicator("earnings_LQ", "Lower quartile earnings", "earnings", "£", 0, base="grads_earnings_include"),
    Indicator("earnings_median", "Median earnings", "earnings", "£", 0, base="grads_earnings_include"),
    Indicator("earnings_UQ", "Upper quartile earnings", "earnings", "£", 0, base="grads_earnings_include"),
)


def make_table(data_dir: Path) -> TableEntry:
    """Write the EES files and the catalogue entry under `data_dir`; return the entry."""
    common = [
        "subject_name",
        "yag",
        "characteristic_type",
        "characteristic_value",
        "qualification",
        "grads_earnings_include",
        "earnings_lower",
        "earnings_LQ",
        "earnings_median",
        "earnings_UQ",
    ]
    observational = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
    national = write_ees(data_dir / "src", "grad_earnings_national", observational + common, _rows("national"), META)
    provider = write_ees(
        data_dir / "src",
        "grad_earnings_provider",
        observational + ["provider_ukprn", "provider_name"] + common,
        _rows("provider"),
        META,
    )
    entry = TableEntry(
        id=TABLE_ID,
        title="Test graduate earnings by subject",
        files=(str(national), str(provider)),
        publication="Test publication",
        controllers=("DfE",),
        licence="Open Government Licence v3.0",
        release_date=dt.date(2026, 1, 1),
        next_review=dt.date(2099, 1, 1),
        demo=True,
        time_label="Tax year",
        roles={
            "time": "time_period",
            "provider_id": "provider_ukprn",
            "provider_name": "provider_name",
            "subject": "subject_name",
            "years_after": "yag",
            "characteristic_type": "characteristic_type",
            "characteristic_value": "characteristic_value",
        },
        filters=("qualification",),
        indicators=INDICATORS,
        disclosure=DisclosureProfile(),
    )
    catalogue.write_entry(entry, data_dir)
    return entry


def test_fixture_table_loads(data_dir: Path) -> None:
    entry = make_table(data_dir)
    loaded = catalogue.load_catalogue(data_dir).get(TABLE_ID)
    assert loaded == entry
    from leo_dash.core import query

    assert query.distinct_values(entry, "subject") == sorted(SUBJECTS)
    frame = query.select(entry, {"subject": ["Law"], "years_after": ["3"], "time": [202223]})
    # One national row (null provider id) and one row per provider: every other breakdown pinned to its total.
    assert frame.height == 3 and frame["provider_ukprn"].null_count() == 1
    assert frame["qualification"].unique().to_list() == ["Total"]

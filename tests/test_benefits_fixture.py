"""Two small benefit tables for the benefits and headline tests, with known figures and known symbols, and a check
that they load.

Table A (`test_benefit_rates`, tax years, national + provider files, like the graduate LEO tables):
- national rows: everyone; FSM eligible / not eligible; subjects Law and History; provider types HEI and FEC;
  provider rows for two fictional providers (everyone and FSM);
- claim rate = group rate + year step + years-after step (+ a provider shift), one decimal place;
- symbols: national FSM eligible 1 YAG 2021-22 `c`; national Law 1 YAG 2020-21 `c`; Northmere College FSM eligible
  1 YAG 2022-23 `c`; no row at all for national History 3 YAG 2022-23;
- also a median earnings and a sustained employment rate for the headline tests: median earnings 3 YAG 2022-23 `c`
  (latest year suppressed) and sustained employment 1 YAG 2021-22 `c` (previous year suppressed).

Table B (`test_fe_benefits`, academic years, provider file only, like the real FE outcomes file):
- three fictional providers × type of provision × benefit status; whole-percent rates, counts rounded to 10;
- symbols: Alpha benefit learners (all provision) 2020-21 `c` (a lone `c`: the derived all-provider figure must be
  `c` too, D6); Alpha and Beta not on benefits (all provision) 2019-20 `c` (two left out: derived from Gamma only).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from leo_dash.core import catalogue
from leo_dash.core.model import DisclosureProfile, Indicator, TableEntry
from tests.conftest import write_ees

TABLE_A = "test_benefit_rates"
TABLE_B = "test_fe_benefits"
OBSERVATIONAL = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]

# ------------------------------------------------------------------------------------------------ table A

A_YEARS = (202021, 202122, 202223)
A_YAGS = ("1", "3")
A_PROVIDERS = {"90000101": ("Fenwick Vale University", "HEI", -0.5), "90000102": ("Northmere College", "FEC", 1.5)}
A_GROUP_RATE = {
    ("Total", "Total", "Total", "Total"): 4.0,
    ("Total", "Total", "FSM", "FSM eligible"): 7.0,
    ("Total", "Total", "FSM", "Not FSM eligible"): 3.0,
    ("Total", "Law", "Total", "Total"): 2.0,
    ("Total", "History", "Total", "Total"): 5.0,
    ("HEI", "Total", "Total", "Total"): 3.5,
    ("FEC", "Total", "Total", "Total"): 6.0,
}
A_YEAR_STEP = {202021: 0.0, 202122: 0.5, 202223: 1.2}
A_YAG_STEP = {"1": 0.0, "3": -1.0}
A_SUPPRESSED = {
    (None, "Total", "Total", "FSM eligible", "1", 202122),
    (None, "Total", "Law", "Total", "1", 202021),
    ("90000102", "FEC", "Total", "FSM eligible", "1", 202223),
}
A_ABSENT = {(None, "Total", "History", "Total", "3", 202223)}
A_EARNINGS_SUPPRESSED = {(None, "3", 202223)}
A_EMPLOYMENT_SUPPRESSED = {(None, "1", 202122)}

A_META = [
    ["provider_type", "Filter", "Provider type", "", "", "", "", ""],
    ["subject_name", "Filter", "Subject studied", "", "", "", "", ""],
    ["yag", "Filter", "Years after graduation", "", "", "", "", ""],
    ["characteristic_type", "Filter", "Graduate characteristic", "", "", "", "", ""],
    ["characteristic_value", "Filter", "Characteristic value", "", "", "", "", ""],
    ["cohort_size", "Indicator", "Graduates in the cohort", "", "", "0", "", ""],
    ["number_claiming", "Indicator", "Graduates claiming out-of-work benefits", "", "", "0", "", ""],
    ["claim_rate", "Indicator", "Out-of-work benefit claim rate", "", "%", "1", "", ""],
    ["sust_emp", "Indicator", "Sustained employment (%)", "", "%", "1", "", ""],
    ["earnings_median", "Indicator", "Median earnings", "", "£", "0", "", ""],
]
A_INDICATORS = (
    Indicator("cohort_size", "Graduates in the cohort", "base", dp=0),
    Indicator("number_claiming", "Graduates claiming out-of-work benefits", "count", dp=0),
    Indicator("claim_rate", "Out-of-work benefit claim rate", "rate", "%", 1, base="cohort_size"),
    Indicator("sust_emp", "Sustained employment (%)", "rate", "%", 1, base="cohort_size"),
    Indicator("earnings_median", "Median earnings", "earnings", "£", 0, base="cohort_size"),
)


def half_up(value: float, step: str = "0.1") -> float:
    return float(Decimal(str(value)).quantize(Decimal(step), rounding=ROUND_HALF_UP))


def a_rate(provider: str | None, ptype: str, subject: str, ctype: str, cvalue: str, yag: str, year: int) -> float:
    """The claim rate of a table-A cell as published (before any symbol)."""
    group = (ptype if provider is None else "Total", subject, ctype, cvalue)
    shift = A_PROVIDERS[provider][2] if provider else 0.0
    return half_up(A_GROUP_RATE[group] + A_YEAR_STEP[year] + A_YAG_STEP[yag] + shift)


def a_earnings(yag: str, year: int) -> int:
    return 20000 + (8000 if yag == "3" else 0) + {202021: 0, 202122: 600, 202223: 1500}[year]


def a_employment(yag: str, year: int) -> float:
    return half_up(70.0 + (5.0 if yag == "3" else 0.0) + {202021: 0.0, 202122: -1.5, 202223: 2.3}[year])


def _a_rows(level: str) -> list[list[object]]:
    rows: list[list[object]] = []
    if level == "national":
        cells = [(None, *group) for group in A_GROUP_RATE]
    else:
        cells = [
            (pid, ptype, "Total", ctype, cvalue)
            for pid, (_, ptype, _) in A_PROVIDERS.items()
            for ctype, cvalue in (("Total", "Total"), ("FSM", "FSM eligible"), ("FSM", "Not FSM eligible"))
        ]
    for year in A_YEARS:
        for yag in A_YAGS:
            for pid, ptype, subject, ctype, cvalue in cells:
                key = (pid, ptype, subject, cvalue, yag, year)
                if key in A_ABSENT:
                    continue
                size = 200 if pid else 1000
                rate = a_rate(pid, ptype, subject, ctype, cvalue, yag, year)
                claiming = 5 * round(rate * size / 100 / 5)
                rate_cell: object = f"{rate:.1f}"
                claiming_cell: object = claiming
                if key in A_SUPPRESSED:
                    rate_cell, claiming_cell = "c", "c"
                everyone = subject == "Total" and ctype == "Total" and ptype == ("Total" if pid is None else ptype)
                earnings: object = a_earnings(yag, year) if everyone and pid is None else "z"
                employment: object = f"{a_employment(yag, year):.1f}" if everyone and pid is None else "z"
                if (None, yag, year) in A_EARNINGS_SUPPRESSED and earnings != "z":
                    earnings = "c"
                if (None, yag, year) in A_EMPLOYMENT_SUPPRESSED and employment != "z":
                    employment = "c"
                geo = (
                    ["Provider", "E92000001", "England", pid, A_PROVIDERS[pid][0]]
                    if pid
                    else ["National", "E92000001", "England"]
                )
                rows.append(
                    [
                        year,
                        "Tax year",
                        *geo,
                        ptype,
                        subject,
                        yag,
                        ctype,
                        cvalue,
                        size,
                        claiming_cell,
                        rate_cell,
                        employment,
                        earnings,
                    ]
                )
    return rows


def make_table_a(data_dir: Path) -> TableEntry:
    """Write table A's EES files and catalogue entry under `data_dir`; return the entry."""
    common = [
        "provider_type",
        "subject_name",
        "yag",
        "characteristic_type",
        "characteristic_value",
        "cohort_size",
        "number_claiming",
        "claim_rate",
        "sust_emp",
        "earnings_median",
    ]
    national = write_ees(
        data_dir / "src", "benefit_rates_national", OBSERVATIONAL + common, _a_rows("national"), A_META
    )
    provider = write_ees(
        data_dir / "src",
        "benefit_rates_provider",
        OBSERVATIONAL + ["provider_ukprn", "provider_name"] + common,
        _a_rows("provider"),
        [m for m in A_META if m[0] != "subject_name"],  # provider rows are all subjects only: one item (L17)
    )
    entry = TableEntry(
        id=TABLE_A,
        title="Test graduate benefit claims",
        files=(str(national), str(provider)),
        publication="Test publication",
        controllers=("DfE", "DWP"),
        licence="Open Government Licence v3.0",
        release_date=dt.date(2026, 1, 1),
        next_review=dt.date(2099, 1, 1),
        demo=True,
        time_label="Tax year",
        roles={
            "time": "time_period",
            "provider_id": "provider_ukprn",
            "provider_name": "provider_name",
            "provider_type": "provider_type",
            "subject": "subject_name",
            "years_after": "yag",
            "characteristic_type": "characteristic_type",
            "characteristic_value": "characteristic_value",
        },
        filter_defaults={"yag": "1"},
        indicators=A_INDICATORS,
        disclosure=DisclosureProfile(),
    )
    catalogue.write_entry(entry, data_dir)
    return entry


# ------------------------------------------------------------------------------------------------ table B

B_YEARS = (201920, 202021, 202122)
B_PROVIDERS = {
    "10000001": ("ALPHA COLLEGE", 1000, 10),
    "10000002": ("BETA TRAINING LTD", 2000, 20),
    "10000003": ("GAMMA COLLEGE", 3000, 30),
}
B_PROVISION = {"Total": (1.0, 0), "Apprenticeship": (0.4, -3), "Education & Training": (0.6, 2)}
B_STATUS = {"Total": (1.0, 0), "Benefit learners": (0.3, 10), "Not on benefits": (0.7, -5)}
B_YEAR_STEP = {201920: 0, 202021: 1, 202122: 2}
B_SUPPRESSED = {
    ("10000001", "Total", "Benefit learners", 202021),
    ("10000001", "Total", "Not on benefits", 201920),
    ("10000002", "Total", "Not on benefits", 201920),
}
B_META = [
    ["provision", "Filter", "Type of provision", "", "", "", "", ""],
    ["benefit_learner", "Filter", "Benefit status at start of learning", "", "", "", "", ""],
    ["number_of_matched_learners", "Indicator", "Number of matched learners", "", "", "0", "", ""],
    ["emp_percent", "Indicator", "Sustained employment (%)", "", "%", "0", "", ""],
    # write_ees joins fields with commas as they are: a label holding a comma is quoted here.
    ["not_sustained_nb_percent", "Indicator", '"Not sustained, not on benefits (%)"', "", "%", "0", "", ""],
    [
        "not_sustained_benefit_percent",
        "Indicator",
        '"Not sustained, on out-of-work benefits (%)"',
        "",
        "%",
        "0",
        "",
        "",
    ],
    ["benefit_percent", "Indicator", "Sustained out-of-work benefits (%)", "", "%", "0", "", ""],
]
B_INDICATORS = (
    Indicator("number_of_matched_learners", "Number of matched learners", "base", dp=0),
    Indicator("emp_percent", "Sustained employment (%)", "rate", "%", 0, base="number_of_matched_learners"),
    Indicator(
        "not_sustained_nb_percent",
        "Not sustained, not on benefits (%)",
        "rate",
        "%",
        0,
        base="number_of_matched_learners",
    ),
    Indicator(
        "not_sustained_benefit_percent",
        "Not sustained, on out-of-work benefits (%)",
        "rate",
        "%",
        0,
        base="number_of_matched_learners",
    ),
    Indicator(
        "benefit_percent", "Sustained out-of-work benefits (%)", "rate", "%", 0, base="number_of_matched_learners"
    ),
)


def b_base(provider: str, provision: str, status: str) -> int:
    return int(B_PROVIDERS[provider][1] * B_PROVISION[provision][0] * B_STATUS[status][0])


def b_rate(provider: str, provision: str, status: str, year: int) -> int:
    return max(0, B_PROVIDERS[provider][2] + B_PROVISION[provision][1] + B_STATUS[status][1] + B_YEAR_STEP[year])


def b_all_providers(provision: str, status: str, year: int) -> float | None:
    """The derived all-provider rate: published cells weighted by their bases, to 1 dp (None: suppressed)."""
    published = [p for p in B_PROVIDERS if (p, provision, status, year) not in B_SUPPRESSED]
    if len(B_PROVIDERS) - len(published) == 1:
        return None  # a lone suppressed cell left out could be recovered by subtraction (D6)
    numerator = sum(b_rate(p, provision, status, year) / 100 * b_base(p, provision, status) for p in published)
    denominator = sum(b_base(p, provision, status) for p in published)
    return half_up(numerator / denominator * 100)


def _b_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for year in B_YEARS:
        for pid, (name, _, _) in B_PROVIDERS.items():
            for provision in B_PROVISION:
                for status in B_STATUS:
                    rate: object = b_rate(pid, provision, status, year)
                    if (pid, provision, status, year) in B_SUPPRESSED:
                        rate = "c"
                    rows.append(
                        [
                            year, "Academic year", "Provider", "E92000001", "England", pid, name, provision, status,
                            b_base(pid, provision, status), 60, 20, 3, rate,
                        ]
                    )  # fmt: skip
    return rows


def make_table_b(data_dir: Path) -> TableEntry:
    """Write table B's EES file and catalogue entry under `data_dir`; return the entry."""
    header = OBSERVATIONAL + [
        "provider_ukprn",
        "provider_name",
        "provision",
        "benefit_learner",
        "number_of_matched_learners",
        "emp_percent",
        "not_sustained_nb_percent",
        "not_sustained_benefit_percent",
        "benefit_percent",
    ]
    data = write_ees(data_dir / "src", "fe_benefits_provider", header, _b_rows(), B_META)
    entry = TableEntry(
        id=TABLE_B,
        title="Test FE outcomes by provider and benefit status",
        files=(str(data),),
        publication="Test FE publication",
        controllers=("DfE",),
        licence="Open Government Licence v3.0",
        release_date=dt.date(2026, 1, 1),
        next_review=dt.date(2099, 1, 1),
        demo=False,
        time_label="Academic year",
        roles={"time": "time_period", "provider_id": "provider_ukprn", "provider_name": "provider_name"},
        filters=("provision", "benefit_learner"),
        indicators=B_INDICATORS,
        disclosure=DisclosureProfile(count_base=10),
    )
    catalogue.write_entry(entry, data_dir)
    return entry


def make_tables(data_dir: Path) -> tuple[TableEntry, TableEntry]:
    return make_table_a(data_dir), make_table_b(data_dir)


def test_fixture_tables_load(data_dir: Path) -> None:
    a, b = make_tables(data_dir)
    loaded = catalogue.load_catalogue(data_dir)
    assert loaded.get(TABLE_A) == a and loaded.get(TABLE_B) == b
    from leo_dash.core import query

    frame = query.select(a, {"characteristic_type": ["FSM"], "time": [202122]}, vary=["characteristic_value"])
    national = frame.filter(frame["provider_ukprn"].is_null())
    # Pinned: all subjects, provider type Total on the national rows, one year after graduation.
    assert sorted(national["characteristic_value"].to_list()) == ["FSM eligible", "Not FSM eligible"]
    assert national.filter(national["characteristic_value"] == "FSM eligible")["claim_rate__status"].to_list() == ["c"]
    rows = query.select(b, {"time": [202021]})
    assert rows.height == 3 and rows["benefit_learner"].unique().to_list() == ["Total"]

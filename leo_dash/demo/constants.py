"""The demo generator's fixed inputs: table ids, release details, years, sector sizes, disclosure rules,
regions, subjects, characteristic groups and the national outcome rates the simulation is built on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DEFAULT_SEED = 20261129
RELEASE_DATE = dt.date(2026, 11, 29)
NEXT_REVIEW = dt.date(2027, 11, 29)
LICENCE = "Synthetic demo data – not official statistics"
PUBLICATION = "LEO Explorer synthetic demo data (not official statistics)"

GRADUATE_TABLE = "demo_graduate_outcomes"
BENEFIT_TABLE = "demo_benefit_claims"
SCHOOL_TABLE = "demo_school_college_destinations"
AREA_TABLE = "demo_graduate_outcomes_by_area"

COUNTRY_CODE, COUNTRY_NAME = "E92000001", "England"
TAX_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)  # start years: 2019/20 .. 2023/24
FIRST_COHORT = 2009  # graduates of 2009/10 onwards
PROVIDER_YAGS: tuple[int, ...] = (1, 3, 5)  # provider-level LEO has no 10 YAG
NATIONAL_YAGS: tuple[int, ...] = (1, 3, 5, 10)
BENEFIT_YEARS_AFTER: tuple[int, ...] = (1, 2, 3, 4, 5)
SCHOOL_COHORTS: tuple[int, ...] = (2017, 2018, 2019, 2020, 2021)  # academic years left: 2017/18 .. 2021/22
LATEST_TAX_YEAR = TAX_YEARS[-1]

# Base sizes at scale 1.0 (scale multiplies these).
N_HEI, N_FEC, N_AP, N_SIXTH_FORM_COLLEGES, N_SCHOOLS = 14, 7, 4, 3, 40

# HE rules (graduate LEO) and post-16 rules (career pathways / FE outcomes), data standard §4.
HE_COUNT_BASE, POST16_COUNT_BASE = 5, 10
HE_MIN_COUNT = 3  # HE counts of 1-2 are `c`
POST16_LOW_BELOW = 5  # post-16 counts of 1-4 are `low`
MIN_NUMERATOR = 3
HE_MIN_DENOMINATOR = 10  # stricter than 6 so that no published rate sits on a published base under 10
POST16_MIN_DENOMINATOR = 6
CLASS_DISCLOSURE_BASE = 10  # 100% on a base under this is `c`
EARNINGS_MIN_BASE = 11
EARNINGS_BASE = 100

# Symbol codes used internally before formatting (never confused with values, which are >= 0).
_C, _LOW, _X = -1, -2, -3
_SYMBOL_TEXT = {_C: "c", _LOW: "low", _X: "x"}

REGIONS: tuple[tuple[str, str, float, float], ...] = (
    # code, name, share of providers, earnings effect (log)
    ("E12000001", "North East", 0.05, -0.06),
    ("E12000002", "North West", 0.12, -0.03),
    ("E12000003", "Yorkshire and The Humber", 0.10, -0.04),
    ("E12000004", "East Midlands", 0.09, -0.03),
    ("E12000005", "West Midlands", 0.10, -0.02),
    ("E12000006", "East of England", 0.10, 0.01),
    ("E12000007", "London", 0.19, 0.10),
    ("E12000008", "South East", 0.15, 0.03),
    ("E12000009", "South West", 0.10, -0.03),
)
LONDON = 6

# Effect dimensions: log-earnings level, log-earnings growth per ln(YAG), then logits of sustained employment,
# further study, no sustained destination, activity not captured and out-of-work benefits.
E0, E1, EMP, FS, NSD, NC, BEN = range(7)
N_EFFECTS = 7


@dataclass(frozen=True)
class Subject:
    """A CAH2 subject's synthetic profile (effects on the log / logit scale)."""

    name: str
    popularity: float  # relative share of graduates
    earnings: float  # log-earnings effect at 1 YAG
    growth: float  # extra log-earnings per ln(YAG)
    employment: float
    further_study: float
    female: float  # logit of the female share
    selectivity: float  # prior attainment of entrants
    at_fec: bool  # taught at further education colleges
    at_ap: bool  # taught at alternative providers


# Real CAH2 subject names (subjects are not providers); the numbers are invented to look like LEO.
SUBJECTS: tuple[Subject, ...] = tuple(
    Subject(*row)
    for row in (
        ("Agriculture, food and related studies", 1.0, -0.04, 0.00, 0.05, -0.2, 0.3, -0.4, True, False),
        ("Allied health", 4.0, 0.10, -0.04, 0.35, -0.3, 1.3, -0.1, True, False),
        ("Architecture, building and planning", 2.0, 0.02, 0.04, 0.10, -0.1, -0.6, 0.0, True, False),
        ("Biosciences", 4.5, -0.08, 0.03, -0.20, 0.4, 0.6, 0.2, False, False),
        ("Business and management", 12.0, 0.02, 0.03, 0.05, -0.3, -0.1, -0.2, True, True),
        ("Celtic studies", 0.05, -0.06, 0.00, -0.10, 0.3, 0.4, 0.2, False, False),
        ("Chemistry", 1.3, 0.00, 0.05, -0.20, 0.8, -0.2, 0.6, False, False),
        ("Combined and general studies", 1.0, -0.04, 0.00, -0.10, 0.0, 0.4, -0.3, True, False),
        ("Computing", 5.5, 0.04, 0.06, -0.10, -0.2, -1.6, 0.0, True, True),
        ("Creative arts and design", 8.0, -0.14, -0.03, -0.25, -0.2, 0.9, -0.3, True, True),
        ("Economics", 2.5, 0.16, 0.09, 0.00, 0.2, -0.8, 1.1, False, False),
        ("Education and teaching", 4.0, 0.04, -0.04, 0.30, -0.1, 1.6, -0.4, True, True),
        ("Engineering", 5.0, 0.14, 0.05, 0.05, 0.1, -1.7, 0.5, True, False),
        ("English studies", 3.0, -0.10, 0.01, -0.20, 0.4, 1.0, 0.5, False, False),
        ("General, applied and forensic sciences", 1.2, -0.10, 0.00, -0.15, 0.1, 0.5, -0.3, True, False),
        ("Geography, earth and environmental studies", 1.8, -0.04, 0.03, -0.10, 0.4, 0.1, 0.6, False, False),
        ("Health and social care", 2.0, -0.10, -0.03, 0.05, -0.3, 1.6, -0.7, True, True),
        ("History and archaeology", 2.2, -0.06, 0.03, -0.20, 0.5, 0.2, 0.8, False, False),
        ("Languages and area studies", 2.0, -0.03, 0.03, -0.20, 0.4, 1.0, 0.7, False, False),
        ("Law", 4.0, 0.00, 0.06, -0.15, 0.9, 0.8, 0.5, False, True),
        ("Materials and technology", 0.3, 0.04, 0.03, 0.00, 0.0, -1.0, 0.0, True, False),
        ("Mathematical sciences", 2.0, 0.10, 0.08, -0.10, 0.6, -0.5, 1.2, False, False),
        ("Media, journalism and communications", 2.2, -0.10, -0.01, -0.15, -0.2, 0.7, -0.4, True, True),
        ("Medical sciences", 0.5, 0.00, 0.03, -0.10, 0.9, 0.7, 0.7, False, False),
        ("Medicine and dentistry", 1.6, 0.30, 0.03, 0.80, -0.6, 0.5, 1.8, False, False),
        ("Nursing and midwifery", 4.5, 0.18, -0.06, 0.90, -0.5, 2.3, -0.3, False, False),
        ("Performing arts", 2.5, -0.18, -0.02, -0.30, 0.0, 0.6, -0.2, True, True),
        ("Pharmacology, toxicology and pharmacy", 1.0, 0.12, -0.01, 0.20, 0.4, 0.9, 0.5, False, False),
        ("Philosophy and religious studies", 1.0, -0.08, 0.04, -0.25, 0.6, 0.0, 0.8, False, True),
        ("Physics and astronomy", 0.9, 0.04, 0.07, -0.30, 1.0, -1.2, 1.1, False, False),
        ("Politics", 1.8, -0.02, 0.06, -0.15, 0.5, 0.0, 1.0, False, False),
        ("Psychology", 5.0, -0.10, 0.00, -0.10, 0.5, 1.6, 0.2, False, True),
        ("Sociology, social policy and anthropology", 3.0, -0.08, 0.00, -0.10, 0.1, 1.3, -0.1, False, False),
        ("Sport and exercise sciences", 3.0, -0.08, 0.00, 0.00, 0.0, -0.8, -0.3, True, False),
        ("Veterinary sciences", 0.3, 0.16, 0.01, 0.70, -0.3, 1.4, 1.6, False, False),
    )
)
# Subjects only selective universities teach: (name, minimum provider selectivity).
RESTRICTED_SUBJECTS: dict[str, float] = {
    "Medicine and dentistry": 0.5,
    "Veterinary sciences": 1.0,
    "Celtic studies": 0.8,
}


@dataclass(frozen=True)
class Group:
    """One characteristic value and its effects (E0, E1, EMP, FS, NSD, NC, BEN)."""

    type: str
    value: str
    effects: tuple[float, float, float, float, float, float, float]


TOTAL = "Total"
SEX, ETHNICITY, FSM, POLAR4, PRIOR, SEN = "Sex", "Ethnicity", "FSM", "POLAR4", "Prior attainment", "SEN"
# Flat list of characteristic values; index 0 is the whole population.
GROUPS: tuple[Group, ...] = tuple(
    Group(t, v, e)
    for t, v, e in (
        (TOTAL, TOTAL, (0, 0, 0, 0, 0, 0, 0)),
        (SEX, "Female", (-0.025, -0.02, 0.02, 0.0, -0.05, 0.0, -0.12)),
        (SEX, "Male", (0.035, 0.03, -0.03, 0.0, 0.08, 0.0, 0.18)),
        (ETHNICITY, "Asian", (-0.02, 0.0, -0.15, 0.15, 0.05, 0.05, 0.05)),
        (ETHNICITY, "Black", (-0.07, -0.01, -0.20, 0.10, 0.20, 0.05, 0.30)),
        (ETHNICITY, "Mixed", (-0.02, 0.0, -0.05, 0.05, 0.08, 0.05, 0.15)),
        (ETHNICITY, "White", (0.01, 0.0, 0.03, -0.03, -0.02, -0.02, -0.03)),
        (ETHNICITY, "Other", (-0.04, 0.0, -0.15, 0.10, 0.10, 0.30, 0.10)),
        (FSM, "FSM eligible", (-0.06, -0.02, -0.15, -0.10, 0.25, 0.05, 0.75)),
        (FSM, "Not FSM eligible", (0.01, 0.005, 0.02, 0.02, -0.03, 0.0, -0.08)),
        (POLAR4, "Quintile 1 (lowest)", (-0.05, -0.01, -0.05, -0.15, 0.12, 0.0, 0.30)),
        (POLAR4, "Quintile 2", (-0.03, -0.005, -0.03, -0.08, 0.06, 0.0, 0.15)),
        (POLAR4, "Quintile 3", (-0.01, 0.0, 0.0, -0.02, 0.0, 0.0, 0.0)),
        (POLAR4, "Quintile 4", (0.01, 0.005, 0.02, 0.03, -0.04, 0.0, -0.10)),
        (POLAR4, "Quintile 5 (highest)", (0.05, 0.015, 0.03, 0.10, -0.08, 0.0, -0.25)),
        (PRIOR, "360+ points", (0.12, 0.02, 0.05, 0.20, -0.10, 0.05, -0.40)),
        (PRIOR, "300-359 points", (0.07, 0.01, 0.04, 0.10, -0.06, 0.0, -0.20)),
        (PRIOR, "240-299 points", (0.02, 0.0, 0.02, 0.0, -0.02, 0.0, 0.0)),
        (PRIOR, "180-239 points", (-0.03, -0.01, -0.02, -0.10, 0.05, 0.0, 0.15)),
        (PRIOR, "Below 180 points", (-0.07, -0.02, -0.05, -0.15, 0.12, 0.0, 0.35)),
        (PRIOR, "BTEC", (-0.06, -0.01, 0.02, -0.30, 0.08, 0.0, 0.30)),
        (PRIOR, "Other or unknown", (-0.04, 0.0, -0.05, -0.10, 0.08, 0.15, 0.20)),
        (SEN, "SEN", (-0.08, -0.02, -0.35, -0.10, 0.35, 0.10, 0.80)),
        (SEN, "No SEN", (0.01, 0.0, 0.03, 0.01, -0.03, 0.0, -0.07)),
    )
)
GROUP_TYPES: tuple[str, ...] = (SEX, ETHNICITY, FSM, POLAR4, PRIOR, SEN)
GRADUATE_TYPES: tuple[str, ...] = (SEX, ETHNICITY, FSM, POLAR4, PRIOR)
BENEFIT_NATIONAL_TYPES: tuple[str, ...] = (SEX, ETHNICITY, FSM, SEN, PRIOR)
BENEFIT_PROVIDER_TYPES: tuple[str, ...] = (SEX, FSM, SEN)

PROVIDER_TYPES: tuple[str, ...] = ("HEI", "FEC", "AP")
HEI, FEC, AP = range(3)

# National mix of destinations among matched graduates, by YAG:
# sustained employment only, employment and further study, further study only, no sustained destination, not captured.
DESTINATION_MIX: dict[int, tuple[float, float, float, float, float]] = {
    1: (0.57, 0.09, 0.13, 0.12, 0.09),
    3: (0.68, 0.07, 0.06, 0.09, 0.10),
    5: (0.71, 0.06, 0.04, 0.08, 0.11),
    10: (0.70, 0.05, 0.02, 0.09, 0.14),
}
MATCH_RATE = 0.955
EARNINGS_INCLUDED = 0.96  # share of the sustained employed with usable earnings
MEDIAN_EARNINGS_2019: dict[int, float] = {1: 21_500.0, 3: 25_000.0, 5: 28_000.0, 10: 32_500.0}
WAGE_INDEX: dict[int, float] = {2019: 1.00, 2020: 1.005, 2021: 1.05, 2022: 1.11, 2023: 1.18}
# Tax-year shocks: 2020/21 (pandemic) lowered employment and raised claims.
EMPLOYMENT_SHOCK: dict[int, float] = {2020: -0.30, 2021: -0.08}
BENEFIT_SHOCK: dict[int, float] = {2019: 0.0, 2020: 0.35, 2021: 0.15, 2022: 0.05, 2023: 0.10}
BENEFIT_BASE_RATE: dict[int, float] = {1: 0.032, 2: 0.028, 3: 0.025, 4: 0.024, 5: 0.023}


def _group_slices() -> dict[str, slice]:
    out: dict[str, slice] = {}
    for kind in GROUP_TYPES:
        idx = [i for i, g in enumerate(GROUPS) if g.type == kind]
        out[kind] = slice(idx[0], idx[-1] + 1)
    return out


GROUP_SLICES = _group_slices()
GROUP_EFFECTS = np.array([g.effects for g in GROUPS], dtype=float)  # (G, N_EFFECTS)

"""Synthetic LEO demo data: the tables the dashboard starts on, and the large files benchmarks use.

`generate()` simulates a fictional sector and writes three approved-style EES tables (tidy CSV + `.meta.csv`,
data standard §1-§3) after disclosure control (§4):

1. ``demo_graduate_outcomes`` - graduate destinations and earnings by provider x CAH2 subject x years after
   graduation (YAG 1/3/5) x tax year x characteristic, plus the national figures (YAG 1/3/5/10) for the same breakdowns.
2. ``demo_benefit_claims`` - out-of-work benefit claim rates of the same graduates, 1-5 years after graduating, by
   provider type, subject and characteristic (national file) and by provider (provider file).
3. ``demo_school_college_destinations`` - KS4 and 16-18 destinations with benefit outcomes for fictional schools
   (School level), colleges (Provider level) and England (National level).

How the numbers are made. Cohorts are simulated as cells, not people: graduates of each provider x subject x
cohort are drawn from Poisson sizes and split by every characteristic with multinomial draws whose shares depend on
the provider (selectivity, region) and subject. Each published cell's outcome probabilities and log-earnings come
from additive effects (YAG, tax year, subject, provider, characteristic) averaged over the people in the cell, so a
national figure carries the mix of providers behind it. Counts are then drawn from binomial / multinomial
distributions and earnings quartiles from a lognormal with sampling noise. School and college cells are simulated
at the joint FSM x SEN x sex level and summed, so their breakdowns add up exactly. Everything is vectorised
numpy; the only Python loops run over cohorts, tables and unique values.

Disclosure control (HE rules for tables 1-2, post-16 rules for table 3) is applied to true values before writing:
counts rounded half-up to 5 (HE) or 10 (post-16) with `leo_dash.sdc.round_half_up`; `c` for HE counts under 3, `low`
for post-16 counts of 1-4; percentages `c` when the numerator is under 3 or the denominator is under 10 (HE) / 6
(post-16), and 100% on a base under 10 `c`; earnings `c` when the earnings base is under 11, else nearest £100.

Names and ids are fictional: UKPRNs from 90000001, URNs 9xxxxx, LAESTABs 99xxxxx, and generated names that are checked
against every real provider name in the reference data. Output is byte-identical for a given seed and scale.

Scale: ``scale`` multiplies the number of providers, schools and colleges (national files keep their shape). The
default (1.0: 25 providers, 40 schools, 10 colleges; 13,382 provider rows; 5.9 MB in all) is small enough to commit.
``python -m leo_dash demo --scale 151 --out /tmp/leo_demo_bench`` gives about 2 million rows in the graduate outcomes
provider file (measured on the 2-core dev machine: 2,005,778 rows, 426 MB, in 30 s with a 2.9 GB peak). Write such
output under /tmp, never into the repository.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from leo_dash import paths
from leo_dash.catalogue import write_entry
from leo_dash.model import DisclosureProfile, Indicator, IndicatorKind, TableEntry
from leo_dash.sdc import round_half_up

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


# ---------------------------------------------------------------------------------------------------------------
# Names and ids
# ---------------------------------------------------------------------------------------------------------------

_NAME_PREFIXES: tuple[str, ...] = (
    "North", "Fen", "Ash", "Bram", "Calder", "Corr", "Dun", "Elder", "Fair", "Glen", "Hollin", "Ivy", "Kel",
    "Lark", "Lyn", "Mar", "Mill", "Oak", "Pen", "Raven", "Rook", "Sil", "Stone", "Thorn", "Tarn", "Wex", "Wyn",
    "Yew", "Heron", "Kestrel", "Linden", "Marl", "Orch", "Pebble", "Brack", "Cress", "Alder", "Bly", "Hazel",
    "Quill",
)  # fmt: skip
_NAME_SUFFIXES: tuple[str, ...] = (
    "mere", "wick", "holt", "combe", "stead", "gate", "haven", "moor", "brook", "dale", "cliffe", "hithe",
    "thorpe", "wold", "croft", "mead", "well", "by", "ridge", "water",
)  # fmt: skip
# Real places, or words inside real provider names (Calderdale, ...), that a generated stem could spell: never used.
# The list is fixed here rather than read from the reference data, so output does not depend on that data being
# present; tests check every generated name against the 436 real provider names.
_BLOCKED_STEMS: frozenset[str] = frozenset(
    (
        "alderdale", "ashwell", "ashby", "fairwater", "millbrook", "stonehaven", "thornby", "marlbrook", "oakdale",
        "ashcombe", "ashmoor", "glendale", "lynmouth", "millwater", "stonebrook", "northwick", "fairmead", "oakwell",
        "pendale", "penwell", "thorncliffe", "ravensworth", "silverdale", "thornwell", "ashbrook", "northmoor",
        "oakridge", "stonegate", "millgate", "marlgate", "hollingwell", "fenby", "elderby", "corby", "dunwell",
        "calderdale", "northgate", "ashgate", "millmead", "oakmere", "ashridge", "glenmoor", "margate", "milldale",
        "yewdale",
    )
)  # fmt: skip
_HEI_PATTERNS: tuple[str, ...] = ("{} University", "University of {}", "{} Metropolitan University")
_FEC_PATTERNS: tuple[str, ...] = ("{} College", "{} Vale College", "{} College of Further Education")
_AP_PATTERNS: tuple[str, ...] = ("{} School of Art", "{} Business School", "{} Conservatoire", "{} Institute")
_SIXTH_FORM_PATTERNS: tuple[str, ...] = ("{} Sixth Form College",)
_SCHOOL_PATTERNS: tuple[str, ...] = ("{} Academy", "{} High School", "{} School", "{} Community School")
FIRST_UKPRN = 90_000_001
FIRST_URN = 900_001
FICTIONAL_LA_CODES: tuple[int, ...] = tuple(range(990, 1000))


def real_provider_names(reference_dir: Path | None = None) -> set[str]:
    """The 436 real provider names in the LEO provider tool's metadata, lower case (for checks)."""
    file = (reference_dir or paths.REFERENCE_DIR) / "leo-provider-tool" / "metadata.csv"
    with file.open(encoding="utf-8", newline="") as handle:
        return {row[2].strip().lower() for row in csv.reader(handle) if len(row) >= 3 and row[1] == "provider_name"}


def _name_stems(rng: np.random.Generator) -> list[str]:
    """Invented place names, shuffled."""
    stems = [p + s for p in _NAME_PREFIXES for s in _NAME_SUFFIXES if (p + s).lower() not in _BLOCKED_STEMS]
    order = rng.permutation(len(stems))
    return [stems[i] for i in order]


class _NameMaker:
    """Hands out unique fictional names, one invented place per institution while they last, then pairs of places
    ("Fenmere and Oakholt College")."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._stems = _name_stems(rng)
        self._used: set[str] = set()
        self._next_stem = 0

    def _accept(self, name: str) -> bool:
        if name in self._used:
            return False
        self._used.add(name)
        return True

    def make(self, patterns: Sequence[str], count: int) -> list[str]:
        out: list[str] = []
        stems = self._stems
        while len(out) < count and self._next_stem < len(stems):
            name = patterns[len(out) % len(patterns)].format(stems[self._next_stem])
            self._next_stem += 1
            if self._accept(name):
                out.append(name)
        while len(out) < count:  # large scales only
            a, b = self._rng.integers(0, len(stems), size=2)
            pattern = patterns[int(self._rng.integers(0, len(patterns)))]
            if a != b and self._accept(pattern.format(f"{stems[a]} and {stems[b]}")):
                out.append(pattern.format(f"{stems[a]} and {stems[b]}"))
        return out


# ---------------------------------------------------------------------------------------------------------------
# The simulated sector
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Providers:
    """Fictional HE providers (universities, FE colleges teaching HE, alternative providers)."""

    ukprn: np.ndarray  # int64
    name: list[str]
    type: np.ndarray  # 0 HEI, 1 FEC, 2 AP
    region: np.ndarray  # index into REGIONS
    selectivity: np.ndarray
    effects: np.ndarray  # (P, N_EFFECTS)

    def __len__(self) -> int:
        return len(self.name)


@dataclass
class Population:
    """Graduates of every provider x subject x cohort, split by every characteristic."""

    providers: Providers
    pair_provider: np.ndarray  # (I,) provider index of each provider x subject pair
    pair_subject: np.ndarray  # (I,) subject index
    cohorts: np.ndarray  # (K,) start year of the graduating academic year
    counts: np.ndarray  # (I, K, G) graduates; [..., 0] is the whole cell
    pair_effects: np.ndarray  # (I, N_EFFECTS) provider + subject effects


def _scaled(base: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, int(round(base * scale)))


def _make_providers(rng: np.random.Generator, names: _NameMaker, scale: float) -> Providers:
    n_by_type = (_scaled(N_HEI, scale, 2), _scaled(N_FEC, scale), _scaled(N_AP, scale))
    types = np.repeat(np.arange(3), n_by_type)
    n = len(types)
    weights = np.array([r[2] for r in REGIONS])
    region = rng.choice(len(REGIONS), size=n, p=weights / weights.sum())
    mean_sel = np.array([0.2, -1.0, -0.8])[types]
    sd_sel = np.array([0.9, 0.35, 0.5])[types]
    selectivity = mean_sel + sd_sel * rng.standard_normal(n)
    region_earnings = np.array([r[3] for r in REGIONS])[region]
    effects = np.zeros((n, N_EFFECTS))
    effects[:, E0] = 0.07 * selectivity + region_earnings + rng.normal(0, 0.04, n)
    effects[:, E1] = 0.03 * selectivity + rng.normal(0, 0.02, n)
    effects[:, EMP] = 0.15 * selectivity + rng.normal(0, 0.12, n)
    effects[:, FS] = 0.20 * selectivity + rng.normal(0, 0.15, n)
    effects[:, NSD] = -0.10 * selectivity + rng.normal(0, 0.10, n)
    effects[:, NC] = rng.normal(0, 0.10, n) + np.where(region == LONDON, 0.15, 0.0)
    effects[:, BEN] = -0.25 * selectivity + rng.normal(0, 0.15, n)
    provider_names = (
        names.make(_HEI_PATTERNS, n_by_type[0])
        + names.make(_FEC_PATTERNS, n_by_type[1])
        + names.make(_AP_PATTERNS, n_by_type[2])
    )
    return Providers(
        ukprn=FIRST_UKPRN + np.arange(n, dtype=np.int64),
        name=provider_names,
        type=types,
        region=region,
        selectivity=selectivity,
        effects=effects,
    )


def _subject_arrays() -> dict[str, np.ndarray]:
    def col(attr: str) -> np.ndarray:
        return np.array([getattr(s, attr) for s in SUBJECTS], dtype=float)

    effects = np.zeros((len(SUBJECTS), N_EFFECTS))
    effects[:, E0] = col("earnings")
    effects[:, E1] = col("growth")
    effects[:, EMP] = col("employment")
    effects[:, FS] = col("further_study")
    # Subjects with weaker labour-market attachment also see more unsettled outcomes and more benefit claims.
    effects[:, NSD] = -0.8 * col("employment")
    effects[:, BEN] = -1.2 * col("employment") - 0.8 * col("earnings")
    return {
        "popularity": col("popularity"),
        "selectivity": col("selectivity"),
        "female": col("female"),
        "at_fec": col("at_fec").astype(bool),
        "at_ap": col("at_ap").astype(bool),
        "effects": effects,
    }


def _offerings(rng: np.random.Generator, providers: Providers) -> tuple[np.ndarray, np.ndarray]:
    """Which subjects each provider teaches: (pair_provider, pair_subject), sorted by provider then subject."""
    subj = _subject_arrays()
    n_p, n_s = len(providers), len(SUBJECTS)
    sel = providers.selectivity[:, None]
    log_pop = np.log(subj["popularity"] / 3.0)[None, :]
    gap = np.maximum(0.0, subj["selectivity"][None, :] - sel)
    prob_hei = 1.0 / (1.0 + np.exp(-(1.4 + 0.8 * log_pop - 1.2 * gap)))
    restricted = np.ones((n_p, n_s), dtype=bool)
    for name, minimum in RESTRICTED_SUBJECTS.items():
        j = next(i for i, s in enumerate(SUBJECTS) if s.name == name)
        restricted[:, j] = providers.selectivity >= minimum
    prob = np.where(providers.type[:, None] == HEI, prob_hei * restricted, 0.0)
    prob = np.where(providers.type[:, None] == FEC, 0.3 * subj["at_fec"][None, :], prob)
    prob = np.where(providers.type[:, None] == AP, 0.35 * subj["at_ap"][None, :], prob)
    offered = rng.random((n_p, n_s)) < prob
    # Every provider teaches a few subjects: top up with its most likely ones.
    minimum = np.array([8, 2, 2])[providers.type]
    ranked = np.argsort(-(prob + 1e-3 * rng.random((n_p, n_s))), axis=1, kind="stable")
    for rank in range(8):
        short = offered.sum(axis=1) < minimum
        if not short.any():
            break
        rows = np.nonzero(short)[0]
        offered[rows, ranked[rows, rank]] = True
    pair_provider, pair_subject = np.nonzero(offered)
    return pair_provider.astype(np.int64), pair_subject.astype(np.int64)


def _lookup(
    table: dict[int, float] | dict[int, tuple[float, ...]], keys: np.ndarray, default: float | None = None
) -> np.ndarray:
    """Vectorised dict lookup: table[key] for every key (rows of a 2-D array for tuple values)."""
    known = np.array(sorted(table))
    values = np.array([table[k] for k in known], dtype=float)
    position = np.clip(np.searchsorted(known, keys), 0, len(known) - 1)
    found = known[position] == keys
    if not found.all():
        if default is None:
            raise KeyError(f"no entry for {sorted(set(np.asarray(keys)[~found].tolist()))}")
        out = values[position].copy()
        out[~found] = default
        return out
    return values[position]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _composition(kind: str, providers: Providers, pair_provider: np.ndarray, pair_subject: np.ndarray) -> np.ndarray:
    """Shares of each value of a characteristic in every provider x subject pair: (I, n_values)."""
    subj = _subject_arrays()
    sel = providers.selectivity[pair_provider]
    ptype = providers.type[pair_provider]
    london = providers.region[pair_provider] == LONDON
    n = len(pair_provider)
    if kind == SEX:
        p_female = 1.0 / (1.0 + np.exp(-(subj["female"][pair_subject] + 0.15)))
        return np.stack([p_female, 1.0 - p_female], axis=1)
    if kind == ETHNICITY:  # Asian, Black, Mixed, White, Other
        base = np.log(np.array([0.12, 0.07, 0.05, 0.72, 0.04]))
        logits = np.tile(base, (n, 1))
        logits[:, [0, 1, 2, 4]] += np.where(london, 1.0, 0.0)[:, None] + np.where(ptype == AP, 0.4, 0.0)[:, None]
        return _softmax(logits)
    if kind == FSM:
        p = 1.0 / (1.0 + np.exp(-(math.log(0.15 / 0.85) - 0.35 * sel)))
        return np.stack([p, 1.0 - p], axis=1)
    if kind == SEN:
        p = 1.0 / (1.0 + np.exp(-(math.log(0.08 / 0.92) - 0.30 * sel)))
        return np.stack([p, 1.0 - p], axis=1)
    if kind == POLAR4:
        base = np.log(np.array([0.11, 0.15, 0.19, 0.23, 0.32]))
        tilt = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])[None, :] * (0.18 * sel)[:, None]
        return _softmax(base[None, :] + tilt)
    if kind == PRIOR:  # five tariff bands (best first), BTEC, other
        shift = 0.8 * sel + 0.5 * subj["selectivity"][pair_subject]
        base = np.log(np.array([0.12, 0.20, 0.25, 0.20, 0.10, 0.08, 0.05]))
        logits = np.tile(base, (n, 1))
        logits[:, :5] += np.array([2.0, 1.0, 0.0, -1.0, -2.0])[None, :] * (0.45 * shift)[:, None]
        logits[:, 5] += -0.5 * sel + np.where(ptype == FEC, 0.9, 0.0)
        logits[:, 6] += np.where(ptype != HEI, 0.8, 0.0)
        return _softmax(logits)
    raise ValueError(f"unknown characteristic {kind!r}")


def _group_slices() -> dict[str, slice]:
    out: dict[str, slice] = {}
    for kind in GROUP_TYPES:
        idx = [i for i, g in enumerate(GROUPS) if g.type == kind]
        out[kind] = slice(idx[0], idx[-1] + 1)
    return out


GROUP_SLICES = _group_slices()
GROUP_EFFECTS = np.array([g.effects for g in GROUPS], dtype=float)  # (G, N_EFFECTS)


def _simulate_population(rng: np.random.Generator, providers: Providers) -> Population:
    pair_provider, pair_subject = _offerings(rng, providers)
    subj = _subject_arrays()
    n_pairs = len(pair_provider)
    cohorts = np.arange(FIRST_COHORT, TAX_YEARS[-1] - 1, dtype=np.int64)  # the latest 1 YAG cohort is 2021/22
    # Yearly graduates per provider, shared among its subjects by popularity.
    mean_total = np.array([2500.0, 140.0, 220.0])[providers.type] * np.exp(
        rng.normal(0, np.array([0.5, 0.5, 0.7])[providers.type])
    )
    weight = subj["popularity"][pair_subject] * np.exp(rng.normal(0, 0.5, n_pairs))
    share = weight / np.bincount(pair_provider, weights=weight, minlength=len(providers))[pair_provider]
    growth = np.exp(0.02 * (cohorts - cohorts[-1]))[None, :] * np.exp(rng.normal(0, 0.08, (n_pairs, len(cohorts))))
    mean = (mean_total[pair_provider] * share)[:, None] * growth
    totals = rng.poisson(mean).astype(np.int64)
    counts = np.zeros((n_pairs, len(cohorts), len(GROUPS)), dtype=np.int64)
    counts[:, :, 0] = totals
    flat_totals = totals.reshape(-1)
    for kind in GROUP_TYPES:
        shares = _composition(kind, providers, pair_provider, pair_subject)
        pvals = np.repeat(shares, len(cohorts), axis=0)
        split = rng.multinomial(flat_totals, pvals)
        counts[:, :, GROUP_SLICES[kind]] = split.reshape(n_pairs, len(cohorts), -1)
    pair_effects = providers.effects[pair_provider] + subj["effects"][pair_subject]
    return Population(providers, pair_provider, pair_subject, cohorts, counts, pair_effects)


@dataclass
class Cells:
    """Published cells before outcomes are drawn: one row per key x cohort x characteristic value x year after."""

    key: np.ndarray
    group: np.ndarray
    cohort: np.ndarray  # start year
    years_after: np.ndarray
    tax_year: np.ndarray  # start year
    n: np.ndarray
    effects: np.ndarray  # (rows, N_EFFECTS) mean effects of the people in the cell
    earnings_var: np.ndarray  # between-person variance of log-earnings from the cell's mix


def _concat_cells(*parts: Cells) -> Cells:
    return Cells(*(np.concatenate([getattr(p, f) for p in parts]) for f in Cells.__dataclass_fields__))


def _take(cells: Cells, order: np.ndarray) -> Cells:
    return Cells(*(getattr(cells, f)[order] for f in Cells.__dataclass_fields__))


def _suppress_rows(columns: dict[str, pl.Series], rows: np.ndarray) -> dict[str, pl.Series]:
    """Every indicator `c` on the given rows (a row on fewer than 3 people shows no figure at all)."""
    if not rows.any():
        return columns
    mask = pl.Series(rows)
    return {c: pl.select(pl.when(mask).then(pl.lit("c")).otherwise(s)).to_series().alias(c) for c, s in columns.items()}


def _aggregate(pop: Population, key_of_pair: np.ndarray, n_keys: int, groups: Sequence[int]) -> dict[str, np.ndarray]:
    """Graduates and their mean effects in published cells (key x cohort x group)."""
    return _mean_cells(_aggregate_sums(pop, key_of_pair, n_keys, groups))


def _aggregate_sums(
    pop: Population, key_of_pair: np.ndarray, n_keys: int, groups: Sequence[int]
) -> dict[str, np.ndarray]:
    """Sum graduates and their effects into published cells (key x cohort x group), cohort by cohort.

    Each person's effect is provider + subject + their own characteristic value + the average of the *other*
    characteristics in their provider x subject cell, so a cell's mean reflects who is in it. The sums add up
    across populations (the chunked generator sums national cells over blocks of providers).
    """
    groups = np.asarray(groups, dtype=np.int64)
    n_k, n_g = len(pop.cohorts), len(groups)
    sums = np.zeros((n_keys, n_k, n_g))
    eff_sums = np.zeros((n_keys, n_k, n_g, N_EFFECTS))
    moments = np.zeros((n_keys, n_k, n_g, 3))  # E0^2, E0*E1, E1^2
    type_of_group = np.full(len(GROUPS), -1)
    for t, kind in enumerate(GROUP_TYPES):
        type_of_group[GROUP_SLICES[kind]] = t
    flat_key = (key_of_pair[:, None] * n_g + np.arange(n_g)[None, :]).reshape(-1)
    size = n_keys * n_g
    for k in range(n_k):
        w_all = pop.counts[:, k, :].astype(float)  # (I, G)
        total = np.maximum(w_all[:, 0], 1.0)
        comp_by_type = np.zeros((len(GROUP_TYPES), len(w_all), N_EFFECTS))
        for t, kind in enumerate(GROUP_TYPES):
            s = GROUP_SLICES[kind]
            # An explicit sum, not a BLAS matmul, so results do not depend on the machine's BLAS kernel.
            comp_by_type[t] = ((w_all[:, s] / total[:, None])[:, :, None] * GROUP_EFFECTS[s][None, :, :]).sum(axis=1)
        comp = comp_by_type.sum(axis=0)
        w = w_all[:, groups]
        own_type = type_of_group[groups]
        other = comp[:, None, :] - np.where(
            own_type[None, :, None] >= 0, comp_by_type[np.maximum(own_type, 0)].transpose(1, 0, 2), 0.0
        )
        eff = pop.pair_effects[:, None, :] + GROUP_EFFECTS[groups][None, :, :] + other  # (I, g, D)
        wf = w.reshape(-1)
        sums[:, k, :] = np.bincount(flat_key, weights=wf, minlength=size).reshape(n_keys, n_g)
        for d in range(N_EFFECTS):
            eff_sums[:, k, :, d] = np.bincount(flat_key, weights=wf * eff[:, :, d].reshape(-1), minlength=size).reshape(
                n_keys, n_g
            )
        e0, e1 = eff[:, :, E0].reshape(-1), eff[:, :, E1].reshape(-1)
        for m, values in enumerate((e0 * e0, e0 * e1, e1 * e1)):
            moments[:, k, :, m] = np.bincount(flat_key, weights=wf * values, minlength=size).reshape(n_keys, n_g)
    return {"sums": sums, "effect_sums": eff_sums, "moment_sums": moments, "groups": groups}


def _add_sums(total: dict[str, np.ndarray] | None, part: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Cell sums of two populations together (the groups must match)."""
    if total is None:
        return part
    return {key: (value if key == "groups" else value + part[key]) for key, value in total.items()}


def _mean_cells(summed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Counts and mean effects per cell from `_aggregate_sums`."""
    sums = summed["sums"]
    safe = np.maximum(sums, 1.0)
    return {
        "n": sums.round().astype(np.int64),
        "effects": summed["effect_sums"] / safe[..., None],
        "moments": summed["moment_sums"] / safe[..., None],
        "groups": summed["groups"],
    }


def _observe(
    agg: dict[str, np.ndarray], cohorts: np.ndarray, years_after: Sequence[int], tax_years: Sequence[int]
) -> Cells:
    """Expand aggregated cells to every (tax year, years after) at which their cohort is observed; drop empty cells."""
    n = agg["n"]
    n_keys, n_k, n_g = n.shape
    parts: list[tuple[np.ndarray, ...]] = []
    for t in tax_years:
        for y in years_after:
            c = t - y - 1
            hit = np.nonzero(cohorts == c)[0]
            if c < FIRST_COHORT or not len(hit):
                continue
            k = int(hit[0])
            keys, gs = np.nonzero(n[:, k, :] > 0)
            if not len(keys):
                continue
            eff = agg["effects"][keys, k, gs]
            mom = agg["moments"][keys, k, gs]
            ly = math.log(y)
            mean_mu = eff[:, E0] + ly * eff[:, E1]
            second = mom[:, 0] + 2 * ly * mom[:, 1] + ly * ly * mom[:, 2]
            var = np.maximum(second - mean_mu**2, 0.0)
            m = len(keys)
            parts.append(
                (
                    keys,
                    agg["groups"][gs],
                    np.full(m, c),
                    np.full(m, y),
                    np.full(m, t),
                    n[keys, k, gs],
                    eff,
                    var,
                )
            )
    cols = list(zip(*parts, strict=True))
    return Cells(*(np.concatenate(c) for c in cols))


# ---------------------------------------------------------------------------------------------------------------
# Disclosure control and formatting
# ---------------------------------------------------------------------------------------------------------------


def rounded_half_up(values: np.ndarray, base: float) -> np.ndarray:
    """`sdc.round_half_up` over an array, computed once per distinct value (arrays repeat values a lot)."""
    if values.size == 0:
        return values.astype(float)
    unique, inverse = np.unique(values, return_inverse=True)
    rounded = np.array([round_half_up(float(v), base) for v in unique])
    return rounded[inverse.reshape(values.shape)]


def count_codes(true: np.ndarray, base: int, *, post16: bool) -> np.ndarray:
    """Published count codes: the rounded count, or `c` (HE: 1-2) / `low` (post-16: 1-4). True zeros stay 0."""
    out = rounded_half_up(true, base).astype(np.int64)
    if post16:
        out = np.where((true > 0) & (true < POST16_LOW_BELOW), _LOW, out)
    else:
        out = np.where(true < HE_MIN_COUNT, _C, out)
    return out


def rate_codes(numerator: np.ndarray, denominator: np.ndarray, *, dp: int, min_denominator: int) -> np.ndarray:
    """Percentages in units of 10^-dp, or `c` (numerator < 3, small denominator, or 100% on a base under 10)."""
    out = np.full(numerator.shape, _C, dtype=np.int64)
    ok = (numerator >= MIN_NUMERATOR) & (denominator >= min_denominator)
    ok &= ~((numerator == denominator) & (denominator < CLASS_DISCLOSURE_BASE))
    pct = 100.0 * numerator[ok] / denominator[ok]
    out[ok] = np.rint(rounded_half_up(pct, 10.0**-dp) * 10**dp).astype(np.int64)
    return out


def earnings_codes(value: np.ndarray, earnings_base: np.ndarray) -> np.ndarray:
    """Earnings to the nearest £100, `c` where fewer than 11 people's earnings lie behind them."""
    out = np.full(value.shape, _C, dtype=np.int64)
    ok = earnings_base >= EARNINGS_MIN_BASE
    out[ok] = rounded_half_up(value[ok], EARNINGS_BASE).astype(np.int64)
    return out


def _code_text(codes: np.ndarray, dp: int = 0) -> pl.Series:
    """Codes to CSV text: numbers with fixed decimals, symbols as their letters (never 0)."""
    unique, inverse = np.unique(codes, return_inverse=True)
    scale = 10**dp
    texts = [
        _SYMBOL_TEXT[int(u)] if u < 0 else (f"{u // scale}.{u % scale:0{dp}d}" if dp else str(int(u))) for u in unique
    ]
    return pl.Series(texts, dtype=pl.String).gather(pl.Series(inverse.reshape(-1).astype(np.int64)))


def _labels(names: Sequence[str], index: np.ndarray) -> pl.Series:
    return pl.Series(list(names), dtype=pl.String).gather(pl.Series(np.asarray(index, dtype=np.int64)))


def _period(start_years: np.ndarray) -> pl.Series:
    """Six-digit EES time_period (202223) from start years."""
    return pl.Series((start_years * 100 + (start_years + 1) % 100).astype(np.int64)).cast(pl.String)


def _academic_label(start_years: np.ndarray) -> pl.Series:
    """'2016/17' labels for cohorts."""
    unique, inverse = np.unique(start_years, return_inverse=True)
    return _labels([f"{y}/{(y + 1) % 100:02d}" for y in unique], inverse)


def _order(*keys: np.ndarray) -> np.ndarray:
    """Row order for output: by the first key, then the second, ... (stable, so output is deterministic)."""
    return np.lexsort(tuple(reversed(keys)))


@dataclass(frozen=True)
class MetaRow:
    col_name: str
    col_type: str  # Filter | Indicator
    label: str
    indicator_grouping: str = ""
    indicator_unit: str = ""
    indicator_dp: str = ""
    filter_hint: str = ""
    filter_grouping_column: str = ""
    filter_default: str = ""


FIRST_ITEM = "<first item>"
META_HEADER: tuple[str, ...] = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
    "filter_default",
)


def _write_pair(frame: pl.DataFrame, meta: Sequence[MetaRow], path: Path) -> list[Path]:
    """Write name.csv and name.meta.csv, LF line endings, UTF-8.

    The meta file lists only columns the file has, and no filter that has a single item in this file (EES refuses a
    one-item filter; a single-valued column without a meta row is fine). A filter_default of FIRST_ITEM becomes the
    column's first item in this file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, line_terminator="\n", quote_style="necessary")
    return [path, _write_meta(frame, meta, path)]


def _write_meta(frame: pl.DataFrame, meta: Sequence[MetaRow], path: Path) -> Path:
    """Write the meta file of the data file at `path`, from `frame`: the file's rows, or its distinct filter rows
    with the file's first row first (all that the rules in `_write_pair` read)."""
    meta_path = path.with_suffix(".meta.csv")
    with meta_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(META_HEADER)
        for row in meta:
            if row.col_name not in frame.columns:
                continue
            if row.col_type == "Filter" and frame[row.col_name].n_unique() < 2:
                continue
            values = [getattr(row, c) for c in META_HEADER]
            if row.filter_default == FIRST_ITEM:
                values[META_HEADER.index("filter_default")] = str(frame[row.col_name][0])
            writer.writerow(values)
    return meta_path


def _national_columns(n: int) -> dict[str, pl.Series]:
    return {
        "geographic_level": pl.Series(["National"] * n, dtype=pl.String),
        "country_code": pl.Series([COUNTRY_CODE] * n, dtype=pl.String),
        "country_name": pl.Series([COUNTRY_NAME] * n, dtype=pl.String),
    }


def _group_columns(groups: np.ndarray) -> dict[str, pl.Series]:
    return {
        "characteristic_type": _labels([g.type for g in GROUPS], groups),
        "characteristic_value": _labels([g.value for g in GROUPS], groups),
    }


def _subject_labels(index: np.ndarray) -> pl.Series:
    """Subject names; index -1 is the Total row."""
    return _labels([TOTAL, *(s.name for s in SUBJECTS)], index + 1)


def _provider_columns(providers: Providers, index: np.ndarray) -> dict[str, pl.Series]:
    return {
        "geographic_level": pl.Series(["Provider"] * len(index), dtype=pl.String),
        "country_code": pl.Series([COUNTRY_CODE] * len(index), dtype=pl.String),
        "country_name": pl.Series([COUNTRY_NAME] * len(index), dtype=pl.String),
        "region_code": _labels([r[0] for r in REGIONS], providers.region[index]),
        "region_name": _labels([r[1] for r in REGIONS], providers.region[index]),
        "provider_ukprn": pl.Series(providers.ukprn[index]).cast(pl.String),
        "provider_name": _labels(providers.name, index),
        "provider_type": _labels(PROVIDER_TYPES, providers.type[index]),
    }


# ---------------------------------------------------------------------------------------------------------------
# Table 1: graduate outcomes
# ---------------------------------------------------------------------------------------------------------------

GRADUATE_INDICATORS: tuple[tuple[str, str, str, str, str], ...] = (
    # column, label, grouping, unit, dp
    ("grads", "Graduates", "Graduates", "", "0"),
    ("grads_matched", "Matched graduates", "Graduates", "", "0"),
    ("grads_earnings_include", "Graduates included in earnings figures", "Graduates", "", "0"),
    ("sust_emp_only", "Sustained employment only", "Destinations", "%", "1"),
    ("sust_emp_with_or_without_fs", "Sustained employment with or without further study", "Destinations", "%", "1"),
    ("fs_only", "Further study only", "Destinations", "%", "1"),
    ("fs_with_or_without_sust_emp", "Further study with or without sustained employment", "Destinations", "%", "1"),
    ("sust_emp_fs_or_both", "Sustained employment, further study or both", "Destinations", "%", "1"),
    ("no_sust_dest", "No sustained destination", "Destinations", "%", "1"),
    ("activity_not_captured", "Activity not captured", "Destinations", "%", "1"),
    ("earnings_lq", "Lower quartile of earnings", "Earnings", "£", "0"),
    ("earnings_median", "Median earnings", "Earnings", "£", "0"),
    ("earnings_uq", "Upper quartile of earnings", "Earnings", "£", "0"),
)


def _graduate_outcomes(rng: np.random.Generator, cells: Cells) -> dict[str, pl.Series]:
    """Draw destinations and earnings for graduate cells and return the published indicator columns."""
    n = cells.n
    rows = len(n)
    yag = cells.years_after
    eff = cells.effects
    matched = rng.binomial(n, MATCH_RATE - 0.003 * yag)
    mix = _lookup(DESTINATION_MIX, yag)
    emp = eff[:, EMP] + _lookup(EMPLOYMENT_SHOCK, cells.tax_year, default=0.0)
    nsd_shift = np.where(cells.tax_year == 2020, 0.2, 0.0)
    logits = np.log(mix)
    logits[:, 0] += emp
    logits[:, 1] += emp + eff[:, FS]
    logits[:, 2] += eff[:, FS]
    logits[:, 3] += eff[:, NSD] + nsd_shift
    logits[:, 4] += eff[:, NC]
    destinations = rng.multinomial(matched, _softmax(logits))
    emp_only, both, fs_only, nsd, not_captured = destinations.T
    employed = emp_only + both
    earners = rng.binomial(employed, EARNINGS_INCLUDED)

    wage = _lookup(WAGE_INDEX, cells.tax_year)
    base_median = _lookup(MEDIAN_EARNINGS_2019, yag)
    log_y = np.log(yag)
    mu = np.log(base_median * wage) + eff[:, E0] + log_y * eff[:, E1] - np.where(cells.tax_year == 2020, 0.03, 0.0)
    sigma = np.sqrt((0.37 + 0.05 * log_y) ** 2 + cells.earnings_var)
    root_n = np.sqrt(np.maximum(earners, 1))
    mu_hat = mu + 1.25 * sigma / root_n * rng.standard_normal(rows)
    sigma_hat = sigma * np.exp(0.9 / root_n * rng.standard_normal(rows))
    spread = 0.6745 * sigma_hat
    lq, median, uq = (np.rint(np.exp(mu_hat + k * spread)).astype(np.int64) for k in (-1.0, 0.0, 1.0))

    out: dict[str, pl.Series] = {}
    out["grads"] = _code_text(count_codes(n, HE_COUNT_BASE, post16=False))
    out["grads_matched"] = _code_text(count_codes(matched, HE_COUNT_BASE, post16=False))
    out["grads_earnings_include"] = _code_text(count_codes(earners, HE_COUNT_BASE, post16=False))
    numerators = {
        "sust_emp_only": emp_only,
        "sust_emp_with_or_without_fs": employed,
        "fs_only": fs_only,
        "fs_with_or_without_sust_emp": fs_only + both,
        "sust_emp_fs_or_both": employed + fs_only,
        "no_sust_dest": nsd,
        "activity_not_captured": not_captured,
    }
    for column, numerator in numerators.items():
        out[column] = _code_text(rate_codes(numerator, matched, dp=1, min_denominator=HE_MIN_DENOMINATOR), dp=1)
    for column, value in (("earnings_lq", lq), ("earnings_median", median), ("earnings_uq", uq)):
        out[column] = _code_text(earnings_codes(value, earners))
    return _suppress_rows(out, n < HE_MIN_COUNT)


def _graduate_meta(*, provider: bool) -> list[MetaRow]:
    latest_cohort = LATEST_TAX_YEAR - 2
    rows = []
    if provider:
        rows.append(
            MetaRow("provider_type", "Filter", "Provider type", filter_hint="HEI, FEC or AP", filter_default="HEI")
        )
    rows += [
        MetaRow("cah2_subject_name", "Filter", "Subject studied (CAH2)"),
        MetaRow("yag", "Filter", "Years after graduation", filter_default="5"),
        MetaRow(
            "graduation_year",
            "Filter",
            "Academic year of graduation",
            filter_hint="Cohort: tax year minus years after graduation, less one year",
            filter_default=f"{latest_cohort}/{(latest_cohort + 1) % 100:02d}",
        ),
        MetaRow("characteristic_type", "Filter", "Graduate characteristic"),
        MetaRow("characteristic_value", "Filter", "Characteristic value", filter_grouping_column="characteristic_type"),
    ]
    rows += [MetaRow(c, "Indicator", label, grouping, unit, dp) for c, label, grouping, unit, dp in GRADUATE_INDICATORS]
    return rows


def _graduate_frame(
    rng: np.random.Generator, cells: Cells, lead: dict[str, pl.Series], subject: np.ndarray, sort_keys: list[np.ndarray]
) -> pl.DataFrame:
    order = _order(cells.tax_year, *sort_keys, subject, cells.years_after, cells.group)
    cells = _take(cells, order)
    lead = {k: v.gather(pl.Series(order)) for k, v in lead.items()}
    subject = subject[order]
    columns: dict[str, pl.Series] = {
        "time_period": _period(cells.tax_year),
        "time_identifier": pl.Series(["Tax year"] * len(order), dtype=pl.String),
        **lead,
        "cah2_subject_name": _subject_labels(subject),
        "yag": pl.Series(cells.years_after).cast(pl.String),
        "graduation_year": _academic_label(cells.cohort),
        **_group_columns(cells.group),
        **_graduate_outcomes(rng, cells),
    }
    return pl.DataFrame(columns)


def _groups_of(kinds: Sequence[str]) -> list[int]:
    return [0] + [i for i, g in enumerate(GROUPS) if g.type in kinds]


def _graduate_tables(rng: np.random.Generator, pop: Population, out_dir: Path) -> list[Path]:
    provider_frame = _graduate_provider_frame(rng, pop)
    national_frame = _graduate_national_frame(rng, _graduate_national_sums(pop))
    written = _write_pair(provider_frame, _graduate_meta(provider=True), out_dir / f"{GRADUATE_TABLE}_provider.csv")
    written += _write_pair(national_frame, _graduate_meta(provider=False), out_dir / f"{GRADUATE_TABLE}_national.csv")
    return written


def _graduate_provider_frame(rng: np.random.Generator, pop: Population) -> pl.DataFrame:
    """Provider rows: provider x subject (all graduates) and provider x all subjects x characteristic."""
    providers = pop.providers
    n_pairs = len(pop.pair_provider)
    groups = _groups_of(GRADUATE_TYPES)
    by_pair = _observe(_aggregate(pop, np.arange(n_pairs), n_pairs, [0]), pop.cohorts, PROVIDER_YAGS, TAX_YEARS)
    by_provider = _observe(
        _aggregate(pop, pop.pair_provider, len(providers), groups), pop.cohorts, PROVIDER_YAGS, TAX_YEARS
    )
    pair_cells_provider = pop.pair_provider[by_pair.key]
    cells = _concat_cells(by_pair, by_provider)
    provider_index = np.concatenate([pair_cells_provider, by_provider.key])
    subject = np.concatenate([pop.pair_subject[by_pair.key], np.full(len(by_provider.key), -1)])
    return _graduate_frame(
        rng, cells, _provider_columns(providers, provider_index), subject, [providers.ukprn[provider_index]]
    )


@dataclass
class NationalSums:
    """Cell sums behind the national graduate file; they add up over blocks of providers."""

    cohorts: np.ndarray
    by_subject: dict[str, np.ndarray]
    by_subject_all: dict[str, np.ndarray]  # all graduates only (the 10-year rows)
    overall: dict[str, np.ndarray]

    def __add__(self, other: NationalSums) -> NationalSums:
        return NationalSums(
            self.cohorts,
            _add_sums(self.by_subject, other.by_subject),
            _add_sums(self.by_subject_all, other.by_subject_all),
            _add_sums(self.overall, other.overall),
        )


def _graduate_national_sums(pop: Population) -> NationalSums:
    groups = _groups_of(GRADUATE_TYPES)
    everyone = np.zeros(len(pop.pair_provider), dtype=np.int64)
    return NationalSums(
        pop.cohorts,
        _aggregate_sums(pop, pop.pair_subject, len(SUBJECTS), groups),
        _aggregate_sums(pop, pop.pair_subject, len(SUBJECTS), [0]),
        _aggregate_sums(pop, everyone, 1, groups),
    )


def _graduate_national_frame(rng: np.random.Generator, sums: NationalSums) -> pl.DataFrame:
    """National rows: subject x characteristic (YAG 1/3/5 and, for all graduates, 10) and all subjects x
    characteristic."""
    by_subject = _observe(_mean_cells(sums.by_subject), sums.cohorts, PROVIDER_YAGS, TAX_YEARS)
    by_subject_10 = _observe(_mean_cells(sums.by_subject_all), sums.cohorts, (10,), TAX_YEARS)
    overall = _observe(_mean_cells(sums.overall), sums.cohorts, NATIONAL_YAGS, TAX_YEARS)
    national = _concat_cells(by_subject, by_subject_10, overall)
    subject = np.concatenate([by_subject.key, by_subject_10.key, np.full(len(overall.key), -1)])
    return _graduate_frame(rng, national, _national_columns(len(subject)), subject, [])


# ---------------------------------------------------------------------------------------------------------------
# Table 4: graduate outcomes by area (England, region and local authority of the provider)
# ---------------------------------------------------------------------------------------------------------------

# Three real local authorities in each region (ONS codes, names and DfE numbers as in data/ons_geography_codes.csv);
# each fictional provider is placed in one of its region's three. The places are real; every figure is synthetic.
DEMO_LOCAL_AUTHORITIES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("E06000047", "County Durham", "840"), ("E08000021", "Newcastle upon Tyne", "391"), ("E06000001", "Hartlepool", "805")),
    (("E08000003", "Manchester", "352"), ("E08000012", "Liverpool", "341"), ("E10000017", "Lancashire", "888")),
    (("E08000035", "Leeds", "383"), ("E08000019", "Sheffield", "373"), ("E06000014", "York", "816")),
    (("E06000018", "Nottingham", "892"), ("E06000016", "Leicester", "856"), ("E10000007", "Derbyshire", "830")),
    (("E08000025", "Birmingham", "330"), ("E08000026", "Coventry", "331"), ("E06000021", "Stoke-on-Trent", "861")),
    (("E10000003", "Cambridgeshire", "873"), ("E10000020", "Norfolk", "926"), ("E06000032", "Luton", "821")),
    (("E09000033", "Westminster", "213"), ("E09000007", "Camden", "202"), ("E09000030", "Tower Hamlets", "211")),
    (("E10000025", "Oxfordshire", "931"), ("E06000045", "Southampton", "852"), ("E06000043", "Brighton and Hove", "846")),
    (("E06000023", "Bristol, City of", "801"), ("E10000008", "Devon", "878"), ("E06000026", "Plymouth", "879")),
)  # fmt: skip
_LAS_PER_REGION = 3


def _area_columns(level: str, area: np.ndarray) -> dict[str, pl.Series]:
    """Geography columns of rows for `area` (a region index, or a local authority index = region x 3 + k)."""
    n = len(area)
    columns = {
        "geographic_level": pl.Series([level] * n, dtype=pl.String),
        "country_code": pl.Series([COUNTRY_CODE] * n, dtype=pl.String),
        "country_name": pl.Series([COUNTRY_NAME] * n, dtype=pl.String),
    }
    if level == "National":
        return columns
    region = area if level == "Regional" else area // _LAS_PER_REGION
    columns["region_code"] = _labels([r[0] for r in REGIONS], region)
    columns["region_name"] = _labels([r[1] for r in REGIONS], region)
    if level == "Local authority":
        flat = [la for region_las in DEMO_LOCAL_AUTHORITIES for la in region_las]
        columns["new_la_code"] = _labels([la[0] for la in flat], area)
        columns["la_name"] = _labels([la[1] for la in flat], area)
        columns["old_la_code"] = _labels([la[2] for la in flat], area)
    return columns


def _area_tables(rng: np.random.Generator, pop: Population, out_dir: Path) -> list[Path]:
    """All graduates by subject (and all subjects) for England, each region and each local authority of the
    provider, 1, 3 and 5 years after graduation: the shape of an area table, on the same synthetic graduates."""
    providers = pop.providers
    # In turn within each region (in random order), so each of its three authorities has providers.
    turn = np.zeros(len(providers), dtype=np.int64)
    for region in range(len(REGIONS)):
        members = rng.permutation(np.nonzero(providers.region == region)[0])
        turn[members] = np.arange(len(members)) % _LAS_PER_REGION
    la_of_provider = providers.region * _LAS_PER_REGION + turn
    n_subjects = len(SUBJECTS)
    frames: list[pl.DataFrame] = []
    levels = (
        ("National", np.zeros(len(pop.pair_provider), dtype=np.int64), 1),
        ("Regional", providers.region[pop.pair_provider], len(REGIONS)),
        ("Local authority", la_of_provider[pop.pair_provider], len(REGIONS) * _LAS_PER_REGION),
    )
    for level, area_of_pair, n_areas in levels:
        key = area_of_pair * n_subjects + pop.pair_subject
        by_subject = _observe(_aggregate(pop, key, n_areas * n_subjects, [0]), pop.cohorts, PROVIDER_YAGS, TAX_YEARS)
        overall = _observe(_aggregate(pop, area_of_pair, n_areas, [0]), pop.cohorts, PROVIDER_YAGS, TAX_YEARS)
        cells = _concat_cells(by_subject, overall)
        area = np.concatenate([by_subject.key // n_subjects, overall.key])
        subject = np.concatenate([by_subject.key % n_subjects, np.full(len(overall.key), -1)])
        frames.append(_graduate_frame(rng, cells, _area_columns(level, area), subject, [area]))
    frame = pl.concat(frames, how="diagonal")
    lead = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
            "region_name", "new_la_code", "la_name", "old_la_code"]  # fmt: skip
    frame = frame.select([*lead, *(c for c in frame.columns if c not in lead)]).drop(
        "characteristic_type", "characteristic_value"
    )
    return _write_pair(frame, _graduate_meta(provider=False), out_dir / f"{AREA_TABLE}.csv")


# ---------------------------------------------------------------------------------------------------------------
# Table 2: out-of-work benefit claims
# ---------------------------------------------------------------------------------------------------------------

BENEFIT_INDICATORS: tuple[tuple[str, str, str, str, str], ...] = (
    ("cohort_size", "Graduates in the cohort", "Cohort", "", "0"),
    ("number_claiming", "Graduates claiming out-of-work benefits", "Out-of-work benefits", "", "0"),
    ("claim_rate", "Out-of-work benefit claim rate", "Out-of-work benefits", "%", "1"),
)


def _benefit_outcomes(rng: np.random.Generator, cells: Cells) -> dict[str, pl.Series]:
    base = _lookup(BENEFIT_BASE_RATE, cells.years_after)
    shock = _lookup(BENEFIT_SHOCK, cells.tax_year)
    logit = np.log(base / (1 - base)) + shock + cells.effects[:, BEN]
    claiming = rng.binomial(cells.n, 1.0 / (1.0 + np.exp(-logit)))
    out: dict[str, pl.Series] = {
        "cohort_size": _code_text(count_codes(cells.n, HE_COUNT_BASE, post16=False)),
        "number_claiming": _code_text(count_codes(claiming, HE_COUNT_BASE, post16=False)),
        "claim_rate": _code_text(rate_codes(claiming, cells.n, dp=1, min_denominator=HE_MIN_DENOMINATOR), dp=1),
    }
    return _suppress_rows(out, cells.n < HE_MIN_COUNT)


def _benefit_meta(*, provider: bool) -> list[MetaRow]:
    latest_cohort = LATEST_TAX_YEAR - 2
    rows = [
        MetaRow(
            "provider_type",
            "Filter",
            "Provider type",
            filter_hint="HEI, FEC or AP",
            filter_default="HEI" if provider else "",
        ),
        MetaRow("cah2_subject_name", "Filter", "Subject studied (CAH2)"),
        MetaRow("years_after", "Filter", "Years after graduation", filter_default="1"),
        MetaRow(
            "graduation_year",
            "Filter",
            "Academic year of graduation",
            filter_hint="Cohort: tax year minus years after graduation, less one year",
            filter_default=f"{latest_cohort}/{(latest_cohort + 1) % 100:02d}",
        ),
        MetaRow("characteristic_type", "Filter", "Graduate characteristic"),
        MetaRow("characteristic_value", "Filter", "Characteristic value", filter_grouping_column="characteristic_type"),
    ]
    rows += [MetaRow(c, "Indicator", label, grouping, unit, dp) for c, label, grouping, unit, dp in BENEFIT_INDICATORS]
    return rows


def _benefit_frame(
    rng: np.random.Generator,
    cells: Cells,
    lead: dict[str, pl.Series],
    subject: np.ndarray,
    ptype: np.ndarray,
    sort_keys: list[np.ndarray],
) -> pl.DataFrame:
    order = _order(cells.tax_year, *sort_keys, ptype, subject, cells.years_after, cells.group)
    cells = _take(cells, order)
    lead = {k: v.gather(pl.Series(order)) for k, v in lead.items()}
    columns: dict[str, pl.Series] = {
        "time_period": _period(cells.tax_year),
        "time_identifier": pl.Series(["Tax year"] * len(order), dtype=pl.String),
        **lead,
    }
    if "provider_type" not in columns:
        columns["provider_type"] = _labels([TOTAL, *PROVIDER_TYPES], ptype[order] + 1)
    columns |= {
        "cah2_subject_name": _subject_labels(subject[order]),
        "years_after": pl.Series(cells.years_after).cast(pl.String),
        "graduation_year": _academic_label(cells.cohort),
        **_group_columns(cells.group),
        **_benefit_outcomes(rng, cells),
    }
    return pl.DataFrame(columns)


def _benefit_tables(rng: np.random.Generator, pop: Population, out_dir: Path) -> list[Path]:
    providers = pop.providers
    n_pairs = len(pop.pair_provider)
    # Provider file: provider x all subjects x a few characteristics.
    by_provider = _observe(
        _aggregate(pop, pop.pair_provider, len(providers), _groups_of(BENEFIT_PROVIDER_TYPES)),
        pop.cohorts,
        BENEFIT_YEARS_AFTER,
        TAX_YEARS,
    )
    index = by_provider.key
    provider_frame = _benefit_frame(
        rng,
        by_provider,
        _provider_columns(providers, index),
        np.full(len(index), -1),
        providers.type[index],
        [providers.ukprn[index]],
    )
    # National file: provider type (incl. Total) x characteristic, and subject x all graduates.
    groups = _groups_of(BENEFIT_NATIONAL_TYPES)
    by_type = _observe(
        _aggregate(pop, providers.type[pop.pair_provider], len(PROVIDER_TYPES), groups),
        pop.cohorts,
        BENEFIT_YEARS_AFTER,
        TAX_YEARS,
    )
    overall = _observe(
        _aggregate(pop, np.zeros(n_pairs, dtype=np.int64), 1, groups), pop.cohorts, BENEFIT_YEARS_AFTER, TAX_YEARS
    )
    by_subject = _observe(
        _aggregate(pop, pop.pair_subject, len(SUBJECTS), [0]), pop.cohorts, BENEFIT_YEARS_AFTER, TAX_YEARS
    )
    national = _concat_cells(by_type, overall, by_subject)
    ptype = np.concatenate([by_type.key, np.full(len(overall.key) + len(by_subject.key), -1)])
    subject = np.concatenate([np.full(len(by_type.key) + len(overall.key), -1), by_subject.key])
    national_frame = _benefit_frame(rng, national, _national_columns(len(ptype)), subject, ptype, [])
    written = _write_pair(provider_frame, _benefit_meta(provider=True), out_dir / f"{BENEFIT_TABLE}_provider.csv")
    written += _write_pair(national_frame, _benefit_meta(provider=False), out_dir / f"{BENEFIT_TABLE}_national.csv")
    return written


# ---------------------------------------------------------------------------------------------------------------
# Table 3: school and college destinations with benefit outcomes
# ---------------------------------------------------------------------------------------------------------------

KS4, POST16 = 0, 1
LEAVER_STAGES: tuple[str, ...] = ("Key stage 4", "16 to 18")
ESTABLISHMENT_TYPES: tuple[str, ...] = ("School", "Sixth form college", "Further education college")
SCHOOL, SIXTH_FORM_COLLEGE, FE_COLLEGE = range(3)
# Destinations in the year after leaving: education, apprenticeship, employment, not sustained, not captured.
STAGE_MIX: dict[int, tuple[float, float, float, float, float]] = {
    KS4: (0.865, 0.04, 0.025, 0.05, 0.02),
    POST16: (0.56, 0.10, 0.22, 0.09, 0.03),
}
# Out-of-work benefit claim rates 1 and 3 years after leaving, by stage.
STAGE_BENEFIT_RATE: dict[int, tuple[float, float]] = {KS4: (0.015, 0.045), POST16: (0.04, 0.05)}
# Joint cells: (FSM eligible, SEN, male) for every combination.
JOINT_CELLS: tuple[tuple[int, int, int], ...] = tuple((f, s, m) for f in (1, 0) for s in (1, 0) for m in (0, 1))
SCHOOL_GROUPS: tuple[tuple[str, str], ...] = (
    (TOTAL, TOTAL),
    (FSM, "FSM eligible"),
    (FSM, "Not FSM eligible"),
    (SEN, "SEN"),
    (SEN, "No SEN"),
    (SEX, "Female"),
    (SEX, "Male"),
)
SCHOOL_INDICATORS: tuple[tuple[str, str, str, str, str], ...] = (
    ("cohort_size", "Leavers in the cohort", "Cohort", "", "0"),
    ("sustained_destination", "Sustained education, apprenticeship or employment", "Destinations", "%", "0"),
    ("education", "Sustained education", "Destinations", "%", "0"),
    ("apprenticeship", "Sustained apprenticeship", "Destinations", "%", "0"),
    ("employment", "Sustained employment", "Destinations", "%", "0"),
    ("not_sustained", "Destination not sustained", "Destinations", "%", "0"),
    ("activity_not_captured", "Activity not captured", "Destinations", "%", "0"),
    ("benefit_claimants_1ya", "Claiming out-of-work benefits 1 year after leaving", "Out-of-work benefits", "", "0"),
    ("benefit_rate_1ya", "Out-of-work benefit rate 1 year after leaving", "Out-of-work benefits", "%", "0"),
    ("benefit_claimants_3ya", "Claiming out-of-work benefits 3 years after leaving", "Out-of-work benefits", "", "0"),
    ("benefit_rate_3ya", "Out-of-work benefit rate 3 years after leaving", "Out-of-work benefits", "%", "0"),
)


@dataclass
class Establishments:
    """Schools and colleges with 16-18 (and, for schools, KS4) leavers."""

    kind: np.ndarray  # SCHOOL / SIXTH_FORM_COLLEGE / FE_COLLEGE
    id: np.ndarray  # URN for schools, UKPRN for colleges
    name: list[str]
    laestab: np.ndarray  # schools only (0 for colleges)
    region: np.ndarray
    has_ks4: np.ndarray
    has_post16: np.ndarray
    ks4_size: np.ndarray
    post16_size: np.ndarray
    fsm_logit: np.ndarray
    sen_logit: np.ndarray
    effect: np.ndarray  # school effect: higher means better outcomes


def _make_establishments(
    rng: np.random.Generator, names: _NameMaker, providers: Providers, scale: float
) -> Establishments:
    n_schools = _scaled(N_SCHOOLS, scale, 2)
    n_sfc = _scaled(N_SIXTH_FORM_COLLEGES, scale)
    fec = np.nonzero(providers.type == FEC)[0]
    weights = np.array([r[2] for r in REGIONS])
    school_region = rng.choice(len(REGIONS), size=n_schools, p=weights / weights.sum())
    sfc_region = rng.choice(len(REGIONS), size=n_sfc, p=weights / weights.sum())
    sixth = rng.random(n_schools) < 0.45
    sixth[0], sixth[1] = True, False  # the school file always has both stages
    kind = np.concatenate(
        [np.full(n_schools, SCHOOL), np.full(n_sfc, SIXTH_FORM_COLLEGE), np.full(len(fec), FE_COLLEGE)]
    )
    n = len(kind)
    ids = np.concatenate(
        [
            FIRST_URN + np.arange(n_schools, dtype=np.int64),
            FIRST_UKPRN + len(providers) + np.arange(n_sfc, dtype=np.int64),
            providers.ukprn[fec],
        ]
    )
    la = np.array(FICTIONAL_LA_CODES)[np.arange(n_schools) % len(FICTIONAL_LA_CODES)]
    laestab = np.concatenate(
        [la * 10_000 + 4000 + np.arange(n_schools) // len(FICTIONAL_LA_CODES), np.zeros(n - n_schools, dtype=np.int64)]
    )
    name_list = (
        names.make(_SCHOOL_PATTERNS, n_schools)
        + names.make(_SIXTH_FORM_PATTERNS, n_sfc)
        + [providers.name[i] for i in fec]
    )
    ks4_size = np.where(kind == SCHOOL, rng.lognormal(math.log(170), 0.35, n), 0.0)
    post16_mean = np.select(
        [kind == SCHOOL, kind == SIXTH_FORM_COLLEGE],
        [rng.lognormal(math.log(110), 0.45, n), rng.lognormal(math.log(700), 0.4, n)],
        rng.lognormal(math.log(900), 0.5, n),
    )
    has_post16 = np.concatenate([sixth, np.ones(n - n_schools, dtype=bool)])
    fsm = math.log(0.22 / 0.78) + rng.normal(0, 0.6, n) + np.where(kind == FE_COLLEGE, 0.4, 0.0)
    sen = math.log(0.13 / 0.87) + rng.normal(0, 0.3, n) + np.where(kind == FE_COLLEGE, 0.3, 0.0)
    return Establishments(
        kind=kind,
        id=ids,
        name=name_list,
        laestab=laestab,
        region=np.concatenate([school_region, sfc_region, providers.region[fec]]),
        has_ks4=kind == SCHOOL,
        has_post16=has_post16,
        ks4_size=ks4_size,
        post16_size=np.where(has_post16, post16_mean, 0.0),
        fsm_logit=fsm,
        sen_logit=sen,
        effect=rng.normal(0, 0.35, n) - 0.3 * (fsm - fsm.mean()),
    )


def _simulate_leavers(
    rng: np.random.Generator, est: Establishments
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simulate joint FSM x SEN x sex cells, draw destinations and claims, then sum to published breakdowns.

    Returns (establishment rows, national rows): key arrays (est, cohort, stage, group) plus true counts.
    """
    # Fine rows: establishment x cohort x stage (only stages the establishment has).
    e_idx, c_idx, s_idx = (
        a.reshape(-1)
        for a in np.meshgrid(np.arange(len(est.kind)), np.arange(len(SCHOOL_COHORTS)), (KS4, POST16), indexing="ij")
    )
    keep = np.where(s_idx == KS4, est.has_ks4[e_idx], est.has_post16[e_idx])
    e_idx, c_idx, s_idx = e_idx[keep], c_idx[keep], s_idx[keep]
    size = np.where(s_idx == KS4, est.ks4_size[e_idx], est.post16_size[e_idx])
    cohort = np.array(SCHOOL_COHORTS)[c_idx]
    leavers = rng.poisson(size * np.exp(rng.normal(0, 0.06, len(size))))
    p_fsm = 1 / (1 + np.exp(-est.fsm_logit[e_idx]))
    p_sen_base = 1 / (1 + np.exp(-est.sen_logit[e_idx]))
    p_cells = []
    for f, s, m in JOINT_CELLS:
        p_f = p_fsm if f else 1 - p_fsm
        p_s_given_f = np.minimum(p_sen_base * (1.5 if f else 0.9), 0.9)
        p_s = p_s_given_f if s else 1 - p_s_given_f
        p_m = np.full(len(p_f), 0.51)
        p_cells.append(p_f * p_s * (p_m if m else 1 - p_m))
    pvals = np.stack(p_cells, axis=1)
    joint = rng.multinomial(leavers, pvals / pvals.sum(axis=1, keepdims=True))  # (rows, 8)
    n_rows, n_joint = joint.shape
    fsm_flag = np.array([c[0] for c in JOINT_CELLS])[None, :]
    sen_flag = np.array([c[1] for c in JOINT_CELLS])[None, :]
    male_flag = np.array([c[2] for c in JOINT_CELLS])[None, :]
    eff = est.effect[e_idx][:, None]
    kind = est.kind[e_idx][:, None]
    mix = _lookup(STAGE_MIX, s_idx)[:, None, :]
    logits = np.broadcast_to(np.log(mix), (n_rows, n_joint, 5)).copy()
    fe = (kind == FE_COLLEGE).astype(float)
    logits[..., 1] += 0.3 * male_flag + 0.3 * fe
    logits[..., 2] += 0.2 * male_flag + 0.5 * fe - 0.1 * fsm_flag
    logits[..., 3] += 0.7 * fsm_flag + 0.6 * sen_flag - eff + 0.4 * fe
    logits[..., 4] += 0.2 * fsm_flag + 0.1 * sen_flag
    dest = rng.multinomial(joint.reshape(-1), _softmax(logits).reshape(-1, 5)).reshape(n_rows, n_joint, 5)
    claims = []
    for j, years in enumerate((1, 3)):
        base = _lookup(STAGE_BENEFIT_RATE, s_idx)[:, j, None]
        shock = _lookup(BENEFIT_SHOCK, cohort + years + 1, default=0.0)[:, None]
        logit = np.log(base / (1 - base)) + shock + 0.95 * fsm_flag + 0.85 * sen_flag + 0.2 * male_flag - 0.5 * eff
        claims.append(rng.binomial(joint, 1 / (1 + np.exp(-logit))))
    # Published breakdowns are sums of joint cells.
    members = np.array(
        [
            [
                g_type == TOTAL
                or (g_type == FSM and bool(f) == (value == "FSM eligible"))
                or (g_type == SEN and bool(s) == (value == "SEN"))
                or (g_type == SEX and bool(m) == (value == "Male"))
                for (f, s, m) in JOINT_CELLS
            ]
            for g_type, value in SCHOOL_GROUPS
        ],
        dtype=np.int64,
    )  # (groups, 8)
    measures = {
        "n": joint,
        **{f"dest{d}": dest[..., d] for d in range(5)},
        "claims1": claims[0],
        "claims3": claims[1],
    }
    by_group = {k: v @ members.T for k, v in measures.items()}  # (rows, groups)
    n_groups = len(SCHOOL_GROUPS)
    rows = {
        "est": np.repeat(e_idx, n_groups),
        "cohort": np.repeat(cohort, n_groups),
        "stage": np.repeat(s_idx, n_groups),
        "group": np.tile(np.arange(n_groups), n_rows),
        **{k: v.reshape(-1) for k, v in by_group.items()},
    }
    # National: sums over establishments.
    nat_key = np.searchsorted(SCHOOL_COHORTS, cohort) * 2 + s_idx
    n_nat = len(SCHOOL_COHORTS) * 2
    national = {
        k: np.stack([np.bincount(nat_key, weights=v[:, g], minlength=n_nat) for g in range(n_groups)], axis=1)
        .round()
        .astype(np.int64)
        for k, v in by_group.items()
    }
    nat_rows = {
        "cohort": np.repeat(np.array(SCHOOL_COHORTS).repeat(2), n_groups),
        "stage": np.repeat(np.tile([KS4, POST16], len(SCHOOL_COHORTS)), n_groups),
        "group": np.tile(np.arange(n_groups), n_nat),
        **{k: v.reshape(-1) for k, v in national.items()},
    }
    order = _order(nat_rows["cohort"], nat_rows["stage"], nat_rows["group"])
    return rows, {k: v[order] for k, v in nat_rows.items()}


def _school_tables(rng: np.random.Generator, est: Establishments, out_dir: Path) -> list[Path]:
    rows, nat_rows = _simulate_leavers(rng, est)
    written: list[Path] = []
    is_school = est.kind[rows["est"]] == SCHOOL
    for file_kind, mask in (("school", is_school), ("college", ~is_school)):
        part = {k: v[mask] for k, v in rows.items()}
        part = {k: v[part["n"] > 0] for k, v in part.items()}
        order = _order(part["cohort"], est.id[part["est"]], part["stage"], part["group"])
        part = {k: v[order] for k, v in part.items()}
        idx = part["est"]
        lead: dict[str, pl.Series] = {
            "geographic_level": pl.Series(
                ["School" if file_kind == "school" else "Provider"] * len(idx), dtype=pl.String
            ),
            "country_code": pl.Series([COUNTRY_CODE] * len(idx), dtype=pl.String),
            "country_name": pl.Series([COUNTRY_NAME] * len(idx), dtype=pl.String),
            "region_code": _labels([r[0] for r in REGIONS], est.region[idx]),
            "region_name": _labels([r[1] for r in REGIONS], est.region[idx]),
        }
        if file_kind == "school":
            lead |= {
                "school_urn": pl.Series(est.id[idx]).cast(pl.String),
                "school_name": _labels(est.name, idx),
                "school_laestab": pl.Series(est.laestab[idx]).cast(pl.String),
            }
        else:
            lead |= {"provider_ukprn": pl.Series(est.id[idx]).cast(pl.String), "provider_name": _labels(est.name, idx)}
        # The same id and name under one column name in both files, so schools and colleges can be compared.
        lead |= {
            "establishment_id": pl.Series(est.id[idx]).cast(pl.String),
            "establishment_name": _labels(est.name, idx),
            "establishment_type": _labels(ESTABLISHMENT_TYPES, est.kind[idx]),
        }
        frame = _school_frame(part, lead)
        written += _write_pair(frame, _school_meta(), out_dir / f"{SCHOOL_TABLE}_{file_kind}.csv")
    frame = _school_frame(nat_rows, _national_columns(len(nat_rows["n"])))
    written += _write_pair(frame, _school_meta(), out_dir / f"{SCHOOL_TABLE}_national.csv")
    return written


def _school_frame(part: dict[str, np.ndarray], lead: dict[str, pl.Series]) -> pl.DataFrame:
    n = part["n"]
    n_rows = len(n)

    def rate(numerator: np.ndarray) -> pl.Series:
        return _code_text(rate_codes(numerator, n, dp=0, min_denominator=POST16_MIN_DENOMINATOR))

    def not_yet(years: int, codes: np.ndarray) -> np.ndarray:
        # Claims in a tax year later than the latest one are not available yet.
        return np.where(part["cohort"] + years + 1 > LATEST_TAX_YEAR, _X, codes)

    columns: dict[str, pl.Series] = {
        "time_period": _period(part["cohort"]),
        "time_identifier": pl.Series(["Academic year"] * n_rows, dtype=pl.String),
        **lead,
        "leaver_stage": _labels(LEAVER_STAGES, part["stage"]),
        "characteristic_type": _labels([g[0] for g in SCHOOL_GROUPS], part["group"]),
        "characteristic_value": _labels([g[1] for g in SCHOOL_GROUPS], part["group"]),
        "cohort_size": _code_text(count_codes(n, POST16_COUNT_BASE, post16=True)),
        "sustained_destination": rate(part["dest0"] + part["dest1"] + part["dest2"]),
        "education": rate(part["dest0"]),
        "apprenticeship": rate(part["dest1"]),
        "employment": rate(part["dest2"]),
        "not_sustained": rate(part["dest3"]),
        "activity_not_captured": rate(part["dest4"]),
    }
    for years, key in ((1, "claims1"), (3, "claims3")):
        counts = count_codes(part[key], POST16_COUNT_BASE, post16=True)
        rates = rate_codes(part[key], n, dp=0, min_denominator=POST16_MIN_DENOMINATOR)
        columns[f"benefit_claimants_{years}ya"] = _code_text(not_yet(years, counts))
        columns[f"benefit_rate_{years}ya"] = _code_text(not_yet(years, rates))
    return pl.DataFrame(columns)


def _school_meta() -> list[MetaRow]:
    # The establishment columns have no Total: a default item (the file's first) satisfies EES's rule. It is not a
    # catalogue default, so pages never pin these columns.
    rows = [
        MetaRow("establishment_id", "Filter", "Establishment (URN or UKPRN)", filter_default=FIRST_ITEM),
        MetaRow("establishment_name", "Filter", "Establishment", filter_default=FIRST_ITEM),
        MetaRow("establishment_type", "Filter", "Type of establishment", filter_default=FIRST_ITEM),
        MetaRow("leaver_stage", "Filter", "Stage left", filter_default="16 to 18"),
        MetaRow("characteristic_type", "Filter", "Pupil characteristic"),
        MetaRow("characteristic_value", "Filter", "Characteristic value", filter_grouping_column="characteristic_type"),
    ]
    rows += [MetaRow(c, "Indicator", label, grouping, unit, dp) for c, label, grouping, unit, dp in SCHOOL_INDICATORS]
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Catalogue entries
# ---------------------------------------------------------------------------------------------------------------

SYNTHETIC_NOTE = (
    "These are synthetic demo data made up by LEO Explorer's generator: they are not official statistics and "
    "describe no real provider, school or person. Provider and school names and ids are fictional."
)


def _indicators(
    spec: Sequence[tuple[str, str, str, str, str]], kinds: dict[str, str], bases: dict[str, str]
) -> tuple[Indicator, ...]:
    return tuple(
        Indicator(
            column=c,
            label=label,
            kind=cast(IndicatorKind, kinds.get(c, "rate" if unit == "%" else "earnings" if unit == "£" else "count")),
            unit=unit,
            dp=int(dp),
            base=bases.get(c)
            or (bases.get("*rate") if unit == "%" else bases.get("*earnings") if unit == "£" else None),
        )
        for c, label, _grouping, unit, dp in spec
    )


def _file_ref(path: Path) -> str:
    """Catalogue path: relative to the project root when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def catalogue_entries(out_dir: Path) -> list[TableEntry]:
    """The three demo tables as catalogue entries pointing at files in out_dir."""
    he_profile = DisclosureProfile(count_base=HE_COUNT_BASE)
    post16_profile = DisclosureProfile(count_base=POST16_COUNT_BASE)
    common: dict[str, Any] = {
        "publication": PUBLICATION,
        "licence": LICENCE,
        "release_date": RELEASE_DATE,
        "next_review": NEXT_REVIEW,
        "access": "public",
        "demo": True,
        "source_url": "",
    }
    he_rules = (
        "Disclosure control as for graduate LEO: counts rounded to the nearest 5; c where a count is under 3; "
        "percentages c where the numerator is under 3 or the matched base is under 10; earnings rounded to the "
        "nearest £100 and c where fewer than 11 graduates' earnings lie behind them."
    )
    graduate = TableEntry(
        id=GRADUATE_TABLE,
        title="Graduate outcomes by provider, subject and characteristic (synthetic demo)",
        description=(
            "Synthetic LEO graduate outcomes: sustained employment, further study and earnings 1, 3 and 5 years after "
            "graduation (10 years nationally) by fictional provider, CAH2 subject and graduate characteristic, tax "
            "years 2019/20 to 2023/24. Provider rows and national rows are in separate files of this table."
        ),
        files=(
            _file_ref(out_dir / f"{GRADUATE_TABLE}_provider.csv"),
            _file_ref(out_dir / f"{GRADUATE_TABLE}_national.csv"),
        ),
        controllers=("DfE", "HMRC", "DWP"),
        time_label="Tax year",
        roles={
            "time": "time_period",
            "provider_id": "provider_ukprn",
            "provider_name": "provider_name",
            "provider_type": "provider_type",
            "region": "region_name",
            "subject": "cah2_subject_name",
            "years_after": "yag",
            "cohort": "graduation_year",
            "characteristic_type": "characteristic_type",
            "characteristic_value": "characteristic_value",
        },
        filter_defaults={"yag": "5"},
        indicators=_indicators(
            GRADUATE_INDICATORS,
            {"grads": "count", "grads_matched": "base", "grads_earnings_include": "base"},
            {"*rate": "grads_matched", "*earnings": "grads_earnings_include"},
        ),
        disclosure=he_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "Years after graduation (YAG) count full tax years after the academic year of graduation; the tax year "
            "that overlaps graduation is skipped, so 1 YAG in 2023/24 describes graduates of 2021/22.",
            "Percentages are shares of matched graduates. Earnings are annualised, for graduates in sustained "
            "employment, and not adjusted for inflation.",
            "Provider-level figures cover 1, 3 and 5 YAG; 10 YAG figures are national only.",
            "Characteristic breakdowns are given for each provider across all its subjects, and nationally by subject.",
            he_rules,
            "c: suppressed to protect confidentiality.",
        ),
        **common,
    )
    benefits = TableEntry(
        id=BENEFIT_TABLE,
        title="Graduates claiming out-of-work benefits (synthetic demo)",
        description=(
            "Synthetic LEO out-of-work benefit claims of graduates 1 to 5 years after graduation, tax years 2019/20 to "
            "2023/24: nationally by provider type, subject and characteristic (including FSM and SEN), and for each "
            "fictional provider by sex, FSM and SEN."
        ),
        files=(
            _file_ref(out_dir / f"{BENEFIT_TABLE}_provider.csv"),
            _file_ref(out_dir / f"{BENEFIT_TABLE}_national.csv"),
        ),
        controllers=("DfE", "DWP"),
        time_label="Tax year",
        roles={
            "time": "time_period",
            "provider_id": "provider_ukprn",
            "provider_name": "provider_name",
            "provider_type": "provider_type",
            "region": "region_name",
            "subject": "cah2_subject_name",
            "years_after": "years_after",
            "cohort": "graduation_year",
            "characteristic_type": "characteristic_type",
            "characteristic_value": "characteristic_value",
        },
        filter_defaults={"years_after": "1"},
        indicators=_indicators(
            BENEFIT_INDICATORS, {"cohort_size": "base", "number_claiming": "count"}, {"*rate": "cohort_size"}
        ),
        disclosure=he_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "A graduate counts as claiming when they received out-of-work benefits on at least one day in each of six "
            "or more consecutive months of the tax year.",
            "Years after graduation count full tax years after the academic year of graduation.",
            "FSM: eligible for free school meals at school; SEN: special educational needs at school.",
            he_rules,
            "c: suppressed to protect confidentiality.",
        ),
        **common,
    )
    schools = TableEntry(
        id=SCHOOL_TABLE,
        title="School and college leavers: destinations and out-of-work benefits (synthetic demo)",
        description=(
            "Synthetic destinations of key stage 4 and 16-18 leavers in the year after leaving, with out-of-work "
            "benefit claims 1 and 3 years later, for fictional schools (School level), sixth form and further "
            "education colleges (Provider level) and England, leavers of 2017/18 to 2021/22."
        ),
        files=(
            _file_ref(out_dir / f"{SCHOOL_TABLE}_school.csv"),
            _file_ref(out_dir / f"{SCHOOL_TABLE}_college.csv"),
            _file_ref(out_dir / f"{SCHOOL_TABLE}_national.csv"),
        ),
        controllers=("DfE", "DWP", "HMRC"),
        time_label="Academic year",
        roles={
            "time": "time_period",
            "provider_id": "establishment_id",
            "provider_name": "establishment_name",
            "provider_type": "establishment_type",
            "region": "region_name",
            "characteristic_type": "characteristic_type",
            "characteristic_value": "characteristic_value",
        },
        filters=("leaver_stage",),
        filter_defaults={"leaver_stage": "16 to 18"},
        indicators=_indicators(
            SCHOOL_INDICATORS,
            {"cohort_size": "base", "benefit_claimants_1ya": "count", "benefit_claimants_3ya": "count"},
            {"*rate": "cohort_size"},
        ),
        disclosure=post16_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "The time period is the academic year the cohort left key stage 4 or 16-18 study; destinations are "
            "measured in the following academic year.",
            "Benefit claims are counted in the first and third full tax year after leaving; x marks years not yet "
            "available.",
            "Schools are identified by URN and colleges by UKPRN, both in the establishment column.",
            "Disclosure control as for post-16 LEO: counts rounded to the nearest 10, low for 1 to 4; percentages "
            "c where the numerator is under 3 or the cohort under 6, and 100% on a cohort under 10.",
            "c: suppressed. low: rounds to zero but is not zero. x: not available.",
        ),
        **common,
    )
    areas = TableEntry(
        id=AREA_TABLE,
        title="Graduate outcomes by region and local authority of the provider (synthetic demo)",
        description=(
            "Synthetic LEO graduate outcomes 1, 3 and 5 years after graduation by CAH2 subject, for England, each "
            "region and up to three local authorities in each region, by where the fictional provider is, tax years "
            "2019/20 to 2023/24: the shape of a table published for areas rather than providers."
        ),
        files=(_file_ref(out_dir / f"{AREA_TABLE}.csv"),),
        controllers=("DfE", "HMRC", "DWP"),
        time_label="Tax year",
        roles={
            "time": "time_period",
            "subject": "cah2_subject_name",
            "years_after": "yag",
            "cohort": "graduation_year",
        },
        filter_defaults={"yag": "5"},
        indicators=graduate.indicators,
        disclosure=he_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "Areas are where the provider is: England, its nine regions and up to three local authorities in each "
            "region (real places, synthetic figures). An area's graduates are those of the providers in it (in this "
            "demo every provider of a region sits in one of its local authorities).",
            "Years after graduation (YAG) count full tax years after the academic year of graduation.",
            "Percentages are shares of matched graduates. Earnings are annualised, for graduates in sustained "
            "employment, and not adjusted for inflation.",
            he_rules,
            "c: suppressed to protect confidentiality.",
        ),
        **common,
    )
    return [graduate, benefits, schools, areas]


# ---------------------------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------------------------


def generate(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    register: bool = True,
    data_dir: Path | None = None,
) -> list[Path]:
    """Simulate the sector and write every demo file (data + meta) into out_dir; return the paths written.

    The same seed and scale always give byte-identical files. With register=True each table is written to the
    catalogue (data_dir/catalogue, default the project's data folder) with paths to the files in out_dir.
    """
    if scale <= 0 or not math.isfinite(scale):
        raise ValueError(f"scale must be a positive number, not {scale!r}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = np.random.default_rng(seed)
    # Separate streams, so a change to one table leaves the others' numbers alone.
    # A new table takes a new stream at the end (spawn keys are numbered), so earlier tables' bytes never change.
    names_rng, sector_rng, population_rng, graduate_rng, benefit_rng, school_rng, area_rng = root.spawn(7)
    names = _NameMaker(names_rng)
    providers = _make_providers(sector_rng, names, scale)
    establishments = _make_establishments(sector_rng, names, providers, scale)
    population = _simulate_population(population_rng, providers)
    written = _graduate_tables(graduate_rng, population, out_dir)
    written += _benefit_tables(benefit_rng, population, out_dir)
    written += _school_tables(school_rng, establishments, out_dir)
    written += _area_tables(area_rng, population, out_dir)
    if register:
        for entry in catalogue_entries(out_dir):
            written.append(write_entry(entry, data_dir))
    return written


def run_demo(scale: float = 1.0, out: Path | None = None) -> int:
    """`python -m leo_dash demo [--scale N] [--out DIR]`: without --out, rewrite data/demo and register it."""
    target = out if out is not None else paths.DEMO_DIR
    started = time.perf_counter()
    written = generate(target, scale=scale, register=out is None)
    elapsed = time.perf_counter() - started
    for path in written:
        if path.suffix == ".csv" and not path.name.endswith(".meta.csv"):
            rows = _count_rows(path)
            print(f"{path}: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
        elif path.suffix == ".toml":
            print(f"registered {path.stem} in {path}")
    print(f"Synthetic demo data (scale {scale:g}) written in {elapsed:.1f} s.", file=sys.stderr)
    return 0


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1


__all__: list[str] = ["AREA_TABLE", "DEFAULT_SEED", "catalogue_entries", "generate", "real_provider_names", "run_demo"]

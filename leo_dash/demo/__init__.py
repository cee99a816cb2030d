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

Modules: `constants` (ids, sizes, subjects, groups, regions, disclosure rules), `sector` (names, providers, the
simulated population), `cells` (aggregation, observation, disclosure codes and formatting), `files` (data and meta
files), one module per table (`graduates`, `benefits`, `schools`, `areas`), `catalogue` (catalogue entries),
`generate` (`generate`, `run_demo`) and `chunked` (the graduate table in blocks of providers, at any size).
The dashboard never imports this package: only the `demo` command, benchmarks and tests do.
"""

from __future__ import annotations

from leo_dash.demo.catalogue import SYNTHETIC_NOTE, catalogue_entries
from leo_dash.demo.cells import count_codes, earnings_codes, rate_codes, rounded_half_up
from leo_dash.demo.constants import (
    AREA_TABLE,
    BENEFIT_TABLE,
    DEFAULT_SEED,
    GRADUATE_TABLE,
    LICENCE,
    NEXT_REVIEW,
    PUBLICATION,
    RELEASE_DATE,
    SCHOOL_TABLE,
    TOTAL,
)
from leo_dash.demo.files import MetaRow
from leo_dash.demo.generate import generate, run_demo
from leo_dash.demo.sector import real_provider_names

__all__: list[str] = [
    "AREA_TABLE",
    "BENEFIT_TABLE",
    "DEFAULT_SEED",
    "GRADUATE_TABLE",
    "LICENCE",
    "NEXT_REVIEW",
    "PUBLICATION",
    "RELEASE_DATE",
    "SCHOOL_TABLE",
    "SYNTHETIC_NOTE",
    "TOTAL",
    "MetaRow",
    "catalogue_entries",
    "count_codes",
    "earnings_codes",
    "generate",
    "rate_codes",
    "real_provider_names",
    "rounded_half_up",
    "run_demo",
]

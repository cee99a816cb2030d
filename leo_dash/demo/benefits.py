"""Table 2: out-of-work benefit claims of graduates, by provider and nationally."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from leo_dash.demo.cells import (
    Cells,
    _aggregate,
    _code_text,
    _concat_cells,
    _labels,
    _national_columns,
    _observe,
    _provider_columns,
    _suppress_rows,
    count_codes,
    rate_codes,
)
from leo_dash.demo.constants import (
    BEN,
    BENEFIT_BASE_RATE,
    BENEFIT_NATIONAL_TYPES,
    BENEFIT_PROVIDER_TYPES,
    BENEFIT_SHOCK,
    BENEFIT_TABLE,
    BENEFIT_YEARS_AFTER,
    HE_COUNT_BASE,
    HE_MIN_COUNT,
    HE_MIN_DENOMINATOR,
    PROVIDER_TYPES,
    SUBJECTS,
    TAX_YEARS,
    TOTAL,
)
from leo_dash.demo.files import MetaRow, _write_pair
from leo_dash.demo.graduates import _groups_of, graduate_breakdown_meta, graduate_breakdowns
from leo_dash.demo.sector import Population, _lookup

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
    rows = [
        MetaRow(
            "provider_type",
            "Filter",
            "Provider type",
            filter_hint="HEI, FEC or AP",
            filter_default="HEI" if provider else "",
        ),
        *graduate_breakdown_meta("years_after", default_years_after="1"),
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
    if "provider_type" not in lead:  # national rows: the provider type (or Total) each row is for
        lead = {**lead, "provider_type": _labels([TOTAL, *PROVIDER_TYPES], ptype + 1)}
    cells, columns = graduate_breakdowns(cells, lead, subject, [*sort_keys, ptype], "years_after")
    return pl.DataFrame({**columns, **_benefit_outcomes(rng, cells)})


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

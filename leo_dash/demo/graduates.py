"""Table 1: graduate outcomes (destinations and earnings) by provider and nationally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from leo_dash.demo.cells import (
    Cells,
    _academic_label,
    _add_sums,
    _aggregate,
    _aggregate_sums,
    _code_text,
    _concat_cells,
    _group_columns,
    _mean_cells,
    _national_columns,
    _observe,
    _order,
    _period,
    _provider_columns,
    _subject_labels,
    _suppress_rows,
    _take,
    count_codes,
    earnings_codes,
    rate_codes,
)
from leo_dash.demo.constants import (
    DESTINATION_MIX,
    E0,
    E1,
    EARNINGS_INCLUDED,
    EMP,
    EMPLOYMENT_SHOCK,
    FS,
    GRADUATE_TABLE,
    GRADUATE_TYPES,
    GROUPS,
    HE_COUNT_BASE,
    HE_MIN_COUNT,
    HE_MIN_DENOMINATOR,
    LATEST_TAX_YEAR,
    MATCH_RATE,
    MEDIAN_EARNINGS_2019,
    NATIONAL_YAGS,
    NC,
    NSD,
    PROVIDER_YAGS,
    SUBJECTS,
    TAX_YEARS,
    WAGE_INDEX,
)
from leo_dash.demo.files import MetaRow, _write_pair
from leo_dash.demo.sector import Population, _lookup, _softmax

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


def graduate_breakdown_meta(years_after_column: str, *, default_years_after: str) -> list[MetaRow]:
    """The graduate tables' shared breakdowns: subject, years after graduation, cohort and characteristic."""
    latest_cohort = LATEST_TAX_YEAR - 2
    return [
        MetaRow("cah2_subject_name", "Filter", "Subject studied (CAH2)"),
        MetaRow(years_after_column, "Filter", "Years after graduation", filter_default=default_years_after),
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


def _graduate_meta(*, provider: bool) -> list[MetaRow]:
    rows = []
    if provider:
        rows.append(
            MetaRow("provider_type", "Filter", "Provider type", filter_hint="HEI, FEC or AP", filter_default="HEI")
        )
    rows += graduate_breakdown_meta("yag", default_years_after="5")
    rows += [MetaRow(c, "Indicator", label, grouping, unit, dp) for c, label, grouping, unit, dp in GRADUATE_INDICATORS]
    return rows


def graduate_breakdowns(
    cells: Cells, lead: dict[str, pl.Series], subject: np.ndarray, sort_keys: list[np.ndarray], years_after_column: str
) -> tuple[Cells, dict[str, pl.Series]]:
    """The graduate tables' rows in file order (by time, `sort_keys`, subject, years after, characteristic): the
    cells in that order and the columns before the indicators (time, `lead`, subject, years after, cohort,
    characteristic)."""
    order = _order(cells.tax_year, *sort_keys, subject, cells.years_after, cells.group)
    cells = _take(cells, order)
    columns: dict[str, pl.Series] = {
        "time_period": _period(cells.tax_year),
        "time_identifier": pl.Series(["Tax year"] * len(order), dtype=pl.String),
        **{k: v.gather(pl.Series(order)) for k, v in lead.items()},
        "cah2_subject_name": _subject_labels(subject[order]),
        years_after_column: pl.Series(cells.years_after).cast(pl.String),
        "graduation_year": _academic_label(cells.cohort),
        **_group_columns(cells.group),
    }
    return cells, columns


def _graduate_frame(
    rng: np.random.Generator, cells: Cells, lead: dict[str, pl.Series], subject: np.ndarray, sort_keys: list[np.ndarray]
) -> pl.DataFrame:
    cells, columns = graduate_breakdowns(cells, lead, subject, sort_keys, "yag")
    return pl.DataFrame({**columns, **_graduate_outcomes(rng, cells)})


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

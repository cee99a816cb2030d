"""Published cells: graduates aggregated into cells and observed in tax years, then disclosure control
(rounding and suppression codes) and formatting into CSV columns."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from leo_dash.demo.constants import (
    _C,
    _LOW,
    _SYMBOL_TEXT,
    CLASS_DISCLOSURE_BASE,
    COUNTRY_CODE,
    COUNTRY_NAME,
    E0,
    E1,
    EARNINGS_BASE,
    EARNINGS_MIN_BASE,
    FIRST_COHORT,
    GROUP_EFFECTS,
    GROUP_SLICES,
    GROUP_TYPES,
    GROUPS,
    HE_MIN_COUNT,
    MIN_NUMERATOR,
    N_EFFECTS,
    POST16_LOW_BELOW,
    PROVIDER_TYPES,
    REGIONS,
    SUBJECTS,
    TOTAL,
)
from leo_dash.demo.sector import Population, Providers
from leo_dash.sdc import round_half_up


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

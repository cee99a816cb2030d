"""Table 3: school and college destinations with benefit outcomes (fictional schools, colleges and England)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from leo_dash.demo.cells import _code_text, _labels, _national_columns, _order, _period, count_codes, rate_codes
from leo_dash.demo.constants import (
    _X,
    BENEFIT_SHOCK,
    COUNTRY_CODE,
    COUNTRY_NAME,
    FEC,
    FSM,
    LATEST_TAX_YEAR,
    N_SCHOOLS,
    N_SIXTH_FORM_COLLEGES,
    POST16_COUNT_BASE,
    POST16_MIN_DENOMINATOR,
    REGIONS,
    SCHOOL_COHORTS,
    SCHOOL_TABLE,
    SEN,
    SEX,
    TOTAL,
)
from leo_dash.demo.files import FIRST_ITEM, MetaRow, _write_pair
from leo_dash.demo.sector import (
    _SCHOOL_PATTERNS,
    _SIXTH_FORM_PATTERNS,
    FICTIONAL_LA_CODES,
    FIRST_UKPRN,
    FIRST_URN,
    Providers,
    _lookup,
    _NameMaker,
    _scaled,
    _softmax,
)

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
    e_idx, s_idx, cohort, joint = _joint_cells(rng, est)
    measures = _destinations_and_claims(rng, est, e_idx, s_idx, cohort, joint)
    by_group = _published_groups(measures)
    n_groups = len(SCHOOL_GROUPS)
    rows = {
        "est": np.repeat(e_idx, n_groups),
        "cohort": np.repeat(cohort, n_groups),
        "stage": np.repeat(s_idx, n_groups),
        "group": np.tile(np.arange(n_groups), len(e_idx)),
        **{k: v.reshape(-1) for k, v in by_group.items()},
    }
    return rows, _national_rows(by_group, cohort, s_idx)


def _joint_cells(
    rng: np.random.Generator, est: Establishments
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fine rows (establishment x cohort x stage, only the stages it has) and their leavers in the eight joint
    FSM x SEN x sex cells: (establishment index, stage, cohort, joint counts of shape (rows, 8))."""
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
    return e_idx, s_idx, cohort, joint


def _destinations_and_claims(
    rng: np.random.Generator,
    est: Establishments,
    e_idx: np.ndarray,
    s_idx: np.ndarray,
    cohort: np.ndarray,
    joint: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each joint cell's leavers by destination (five) and benefit claims one and three years on."""
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
    return {
        "n": joint,
        **{f"dest{d}": dest[..., d] for d in range(5)},
        "claims1": claims[0],
        "claims3": claims[1],
    }


def _published_groups(measures: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each measure by published breakdown (rows, groups): a breakdown is a sum of joint cells."""
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
    return {k: v @ members.T for k, v in measures.items()}


def _national_rows(by_group: dict[str, np.ndarray], cohort: np.ndarray, s_idx: np.ndarray) -> dict[str, np.ndarray]:
    """National rows: sums over establishments by cohort, stage and group, in published order."""
    n_groups = len(SCHOOL_GROUPS)
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
    return {k: v[order] for k, v in nat_rows.items()}


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

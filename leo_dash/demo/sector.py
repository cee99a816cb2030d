"""The simulated sector: fictional names and ids, the providers, what they teach, who their graduates are
(a population of provider x subject x cohort cells split by every characteristic)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leo_dash.core import paths
from leo_dash.demo.constants import (
    AP,
    BEN,
    E0,
    E1,
    EMP,
    ETHNICITY,
    FEC,
    FIRST_COHORT,
    FS,
    FSM,
    GROUP_SLICES,
    GROUP_TYPES,
    GROUPS,
    HEI,
    LONDON,
    N_AP,
    N_EFFECTS,
    N_FEC,
    N_HEI,
    NC,
    NSD,
    POLAR4,
    PRIOR,
    REGIONS,
    RESTRICTED_SUBJECTS,
    SEN,
    SEX,
    SUBJECTS,
    TAX_YEARS,
)

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

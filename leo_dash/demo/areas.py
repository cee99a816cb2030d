"""Table 4: graduate outcomes by area (England, region and local authority of the provider)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from leo_dash.demo.cells import _aggregate, _concat_cells, _labels, _observe
from leo_dash.demo.constants import AREA_TABLE, COUNTRY_CODE, COUNTRY_NAME, PROVIDER_YAGS, REGIONS, SUBJECTS, TAX_YEARS
from leo_dash.demo.files import _write_pair
from leo_dash.demo.graduates import _graduate_frame, _graduate_meta
from leo_dash.demo.sector import Population

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

"""Entry points: `generate` writes every demo table; `run_demo` is `python -m leo_dash demo`."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from leo_dash.core import paths
from leo_dash.core.catalogue import write_entry
from leo_dash.demo.areas import _area_tables
from leo_dash.demo.benefits import _benefit_tables
from leo_dash.demo.catalogue import catalogue_entries
from leo_dash.demo.constants import DEFAULT_SEED
from leo_dash.demo.graduates import _graduate_tables
from leo_dash.demo.schools import _make_establishments, _school_tables
from leo_dash.demo.sector import _make_providers, _NameMaker, _simulate_population


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

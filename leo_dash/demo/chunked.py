"""The synthetic graduate outcomes table at any size, generated in blocks of providers so memory stays flat.

`demo.generate` simulates the whole sector at once: right for the committed demo data (byte-identical for a seed
and scale), but its peak memory grows with the table (about 28 GB for 20M provider rows). This module writes the
same graduate outcomes table (same columns, meta file, disclosure control and simulation model) one block of
providers at a time:

* the providers (ids, names, types, regions, effects) are drawn for the whole sector first, exactly as
  `demo.generate` draws them, so names and ids are unique across the file;
* each block simulates its own graduates and appends its provider rows to the CSV, with random streams spawned
  per block (so the output is deterministic for a seed, scale and block size, and a block's numbers do not
  depend on how many blocks came before); a single block is exactly `demo.generate`'s draw, byte for byte;
* national cells are *sums* that add up across blocks, so the national file is drawn once at the end from the
  whole population, consistent with the provider rows.

The provider file is ordered block by block (within a block by tax year, provider, subject, years after and
characteristic). Only the graduate table is written; it is what the loader benchmarks screen and prepare
(`benchmarks/datasets.py`, `python -m leo_dash demo --chunked`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from leo_dash.core.model import TableEntry
from leo_dash.demo.catalogue import catalogue_entries
from leo_dash.demo.constants import DEFAULT_SEED, GRADUATE_TABLE
from leo_dash.demo.files import MetaRow, _write_meta, _write_pair
from leo_dash.demo.graduates import (
    NationalSums,
    _graduate_meta,
    _graduate_national_frame,
    _graduate_national_sums,
    _graduate_provider_frame,
)
from leo_dash.demo.sector import Providers, _make_providers, _NameMaker, _simulate_population

DEFAULT_BLOCK_PROVIDERS = 1_000  # about 0.55M provider rows per block: ~1 GB peak whatever the scale


@dataclass(frozen=True)
class ChunkedResult:
    """What `generate_graduate_table` wrote."""

    files: list[Path]
    provider_rows: int
    national_rows: int
    blocks: int


def _block(providers: Providers, start: int, stop: int) -> Providers:
    """Providers start..stop-1 as a sector of their own (their ids, names and effects unchanged)."""
    return Providers(
        ukprn=providers.ukprn[start:stop],
        name=providers.name[start:stop],
        type=providers.type[start:stop],
        region=providers.region[start:stop],
        selectivity=providers.selectivity[start:stop],
        effects=providers.effects[start:stop],
    )


def _block_bounds(count: int, block_providers: int) -> Iterator[tuple[int, int]]:
    for start in range(0, count, block_providers):
        yield start, min(count, start + block_providers)


def _filter_columns(meta: list[MetaRow]) -> list[str]:
    return [row.col_name for row in meta if row.col_type == "Filter"]


def generate_graduate_table(
    out_dir: Path,
    *,
    scale: float,
    seed: int = DEFAULT_SEED,
    block_providers: int = DEFAULT_BLOCK_PROVIDERS,
) -> ChunkedResult:
    """Write the graduate outcomes table's provider and national files (each with its meta file) into out_dir."""
    if block_providers < 1:
        raise ValueError(f"block_providers must be at least 1, not {block_providers!r}.")
    if scale <= 0 or not np.isfinite(scale):
        raise ValueError(f"scale must be a positive number, not {scale!r}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The same streams as demo.generate, so the sector (providers and their names) is the one it would draw.
    names_rng, sector_rng, population_rng, graduate_rng, *_ = np.random.default_rng(seed).spawn(7)
    providers = _make_providers(sector_rng, _NameMaker(names_rng), scale)
    bounds = list(_block_bounds(len(providers), block_providers))
    if len(bounds) == 1:  # one block is demo.generate's own draw: the same bytes as its graduate files
        population_streams, graduate_streams = [population_rng], [graduate_rng, graduate_rng]
    else:
        population_streams = population_rng.spawn(len(bounds))
        graduate_streams = graduate_rng.spawn(len(bounds) + 1)  # the last one draws the national file

    provider_path = out_dir / f"{GRADUATE_TABLE}_provider.csv"
    provider_meta = _graduate_meta(provider=True)
    filters = _filter_columns(provider_meta)
    national: NationalSums | None = None
    meta_sample: pl.DataFrame | None = None
    provider_rows = 0
    with provider_path.open("wb") as handle:
        for index, (start, stop) in enumerate(bounds):
            population = _simulate_population(population_streams[index], _block(providers, start, stop))
            frame = _graduate_provider_frame(graduate_streams[index], population)
            frame.write_csv(handle, include_header=index == 0, line_terminator="\n", quote_style="necessary")
            provider_rows += frame.height
            # The meta file needs only the file's columns, first row and each filter's distinct values.
            distinct = frame.select([c for c in filters if c in frame.columns]).unique(maintain_order=True)
            first = frame.head(1) if meta_sample is None else meta_sample
            meta_sample = pl.concat([first, distinct], how="diagonal").unique(maintain_order=True)
            sums = _graduate_national_sums(population)
            national = sums if national is None else national + sums
            del population, frame
    assert meta_sample is not None and national is not None  # at least one block: a sector has providers
    written = [provider_path, _write_meta(meta_sample, provider_meta, provider_path)]
    national_frame = _graduate_national_frame(graduate_streams[-1], national)
    national_path = out_dir / f"{GRADUATE_TABLE}_national.csv"
    written += _write_pair(national_frame, _graduate_meta(provider=False), national_path)
    return ChunkedResult(written, provider_rows, national_frame.height, len(bounds))


def graduate_entry(out_dir: Path) -> TableEntry:
    """The graduate table's catalogue entry, pointing at the files in out_dir."""
    return next(entry for entry in catalogue_entries(out_dir) if entry.id == GRADUATE_TABLE)


def run(*, scale: float, out: Path, block_providers: int = DEFAULT_BLOCK_PROVIDERS) -> int:
    """`python -m leo_dash demo --chunked --scale N --out DIR`."""
    started = time.perf_counter()
    result = generate_graduate_table(out, scale=scale, block_providers=block_providers)
    for path, rows in zip(result.files[::2], (result.provider_rows, result.national_rows), strict=True):
        print(f"{path}: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
    print(
        f"Synthetic demo graduate table (scale {scale:g}, {result.blocks} blocks) written in "
        f"{time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    return 0

"""Benchmark data sets: the committed demo data, generated large tables, and a 10× table built by replication.

Each data set is a *data dir* (catalogue/ + parquet/ + the small governance files the app reads) so the app and the
page logic can be pointed at it with LEO_DATA_DIR, exactly as a deployment would be. Large data lives under the
work dir (default /tmp/leo_bench), never in the repository.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from leo_dash import catalogue, demo, paths, store
from leo_dash.model import TableEntry

DEFAULT_WORK_DIR = Path("/tmp/leo_bench")
GRADUATE_TABLE = demo.GRADUATE_TABLE
# Files at the top of the project's data dir that the app reads besides the catalogue (access, roles, prices).
GOVERNANCE_FILES: tuple[str, ...] = ("roles.toml", "access_register.csv", "access_register.md", "cpih.csv", "cpih.md")
# Scale 151 gives ~2.0M rows in the graduate provider file (see leo_dash.demo).
REAL_SCALE = 151
# Provider ids of replica k are shifted by this much times k (generated UKPRNs start at 90000001 and stay far below).
REPLICA_ID_STEP = 1_000_000


@dataclass(frozen=True)
class Dataset:
    """A data dir the app can run on, and the graduate table's files in it."""

    name: str
    data_dir: Path
    graduate_csv: Path  # the provider-level EES CSV of the graduate table (what an analyst would download)
    rows: int | None = None  # rows in graduate_csv, when known

    def entry(self, table_id: str = GRADUATE_TABLE) -> TableEntry:
        return catalogue.load_catalogue(self.data_dir).get(table_id)

    def parquet(self, table_id: str = GRADUATE_TABLE) -> Path:
        return store.parquet_dir(self.data_dir) / f"{table_id}.parquet"

    def parquet_built(self, table_id: str = GRADUATE_TABLE) -> bool:
        return self.parquet(table_id).exists() and self.parquet(table_id).with_suffix(".json").exists()

    def drop_parquet(self) -> None:
        """Forget every prepared table, so the next start screens the CSVs again (a first-ever start)."""
        shutil.rmtree(store.parquet_dir(self.data_dir), ignore_errors=True)


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 22), b"")) - 1


def _copy_governance_files(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in GOVERNANCE_FILES:
        source = paths.PROJECT_ROOT / "data" / name
        if source.exists():
            shutil.copy2(source, data_dir / name)


def demo_dataset() -> Dataset:
    """The committed demo data, in the project's own data dir (its parquet is built on first use)."""
    data_dir = paths.PROJECT_ROOT / "data"
    csv = paths.DEMO_DIR / f"{GRADUATE_TABLE}_provider.csv"
    return Dataset("demo", data_dir, csv, count_rows(csv))


def isolated_demo_dataset(work_dir: Path) -> Dataset:
    """A copy of the demo catalogue in its own data dir (pointing at the committed CSVs), so a cold start can drop
    its parquet without touching the project's data dir."""
    data_dir = work_dir / "demo" / "data"
    _copy_governance_files(data_dir)
    for entry in demo.catalogue_entries(paths.DEMO_DIR):
        catalogue.write_entry(entry, data_dir)
    csv = paths.DEMO_DIR / f"{GRADUATE_TABLE}_provider.csv"
    return Dataset("demo", data_dir, csv, count_rows(csv))


def isolated_committed_dataset(work_dir: Path) -> Dataset:
    """Every table of the committed catalogue (the demo tables and the published reference tables, pointing at the
    committed files) in its own data dir: what the app shows out of the box, so every analysis page has a table to
    draw in the per-page browser steps. The project's own data dir is not touched."""
    data_dir = work_dir / "committed" / "data"
    _copy_governance_files(data_dir)
    for entry in catalogue.load_catalogue(paths.PROJECT_ROOT / "data"):
        catalogue.write_entry(entry, data_dir)
    csv = paths.DEMO_DIR / f"{GRADUATE_TABLE}_provider.csv"
    return Dataset("committed", data_dir, csv, count_rows(csv))


def generated_dataset(work_dir: Path, scale: float, name: str | None = None, *, log: bool = True) -> Dataset:
    """Demo tables at `scale`, generated once into work_dir/<name>/ and registered in their own catalogue."""
    name = name or f"scale{scale:g}"
    root = work_dir / name
    files_dir, data_dir = root / "files", root / "data"
    done = root / "generated.json"
    csv = files_dir / f"{GRADUATE_TABLE}_provider.csv"
    if not (done.exists() and csv.exists()):
        started = time.perf_counter()
        if log:
            print(f"[datasets] generating demo tables at scale {scale:g} into {files_dir} …", flush=True)
        demo.generate(files_dir, scale=scale, register=False)
        rows = count_rows(csv)
        done.parent.mkdir(parents=True, exist_ok=True)
        done.write_text(json.dumps({"scale": scale, "rows": rows, "seconds": time.perf_counter() - started}))
        if log:
            print(f"[datasets] {rows:,} graduate provider rows in {time.perf_counter() - started:.0f} s", flush=True)
    _copy_governance_files(data_dir)
    for entry in demo.catalogue_entries(files_dir):
        catalogue.write_entry(entry, data_dir)
    return Dataset(name, data_dir, csv, int(json.loads(done.read_text())["rows"]))


def _replica(frame: pl.LazyFrame, k: int, id_column: str, name_column: str | None) -> pl.LazyFrame:
    """Copy k of the provider rows: ids shifted by k * REPLICA_ID_STEP, names marked, so no two copies collide."""
    if k == 0:
        return frame
    shifted = [(pl.col(id_column).cast(pl.Int64) + k * REPLICA_ID_STEP).cast(pl.String).alias(id_column)]
    if name_column:
        shifted.append((pl.col(name_column) + pl.lit(f" {k + 1}")).alias(name_column))
    return frame.with_columns(shifted)


def replicated_dataset(work_dir: Path, base: Dataset, factor: int, *, log: bool = True) -> Dataset:
    """The graduate table at `factor` times the base data set's size, without the loader.

    Screening holds the whole file in memory (measured: 3.5 GB peak for 2.0M rows, 6.9 GB for 4.0M, so ~34 GB for
    20M on a 24 GB machine), and the generator peaks at a similar size (~28 GB), so neither can make 20M rows here. Instead the provider
    CSV is replicated `factor` times with shifted fictional UKPRNs (streamed, for the analyst's path), and the
    parquet is written straight from the base parquet the same way — same columns, same sort order, same row-group
    size as `store.prepare` writes — with a manifest matching the replicated CSVs, so the app uses it as prepared.
    National rows (null provider id) are kept once, as in a real file.
    """
    entry = base.entry()
    id_column, name_column = str(entry.role("provider_id")), entry.role("provider_name")
    root = work_dir / f"x{factor}"
    files_dir, data_dir = root / "files", root / "data"
    done = root / "replicated.json"
    provider_csv = files_dir / base.graduate_csv.name
    if not (done.exists() and provider_csv.exists()):
        started = time.perf_counter()
        files_dir.mkdir(parents=True, exist_ok=True)
        if log:
            print(f"[datasets] replicating {base.name} x{factor} into {root} …", flush=True)
        # 1. CSV files: provider file replicated as text (every column read as text, so symbols stay as written).
        source = pl.scan_csv(base.graduate_csv, infer_schema=False)
        pl.concat([_replica(source, k, id_column, name_column) for k in range(factor)]).sink_csv(provider_csv)
        for file in entry.files:
            data = paths.resolve(file)
            for path in (data, data.with_suffix(".meta.csv")):
                if path.name != provider_csv.name:
                    shutil.copy2(path, files_dir / path.name)
        # 2. Parquet, one (time, years after) slice at a time so memory stays at one slice.
        base_parquet = store.prepare(entry, data_dir=base.data_dir).parquet
        sort_columns = [c for c in (entry.role("subject"), id_column) if c]
        slice_columns = [c for c in (entry.role("time"), entry.role("years_after")) if c]
        scan = pl.scan_parquet(base_parquet)
        keys = scan.select(slice_columns).unique().sort(slice_columns).collect().rows()
        target_dir = store.parquet_dir(data_dir)
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{entry.id}.parquet"
        rows = 0
        writer: pq.ParquetWriter | None = None
        try:
            for key in keys:
                part = scan.filter(pl.all_horizontal([pl.col(c) == v for c, v in zip(slice_columns, key, strict=True)]))
                national = part.filter(pl.col(id_column).is_null())
                providers = part.filter(pl.col(id_column).is_not_null())
                copies = [_replica(providers, k, id_column, name_column) for k in range(factor)]
                frame = pl.concat([national, *copies]).sort(sort_columns, nulls_last=False).collect()
                table = frame.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(target, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=100_000)
                rows += frame.height
        finally:
            if writer is not None:
                writer.close()
        csv_rows = (base.rows or count_rows(base.graduate_csv)) * factor
        done.write_text(
            json.dumps({"factor": factor, "rows": rows, "csv_rows": csv_rows, "seconds": time.perf_counter() - started})
        )
        if log:
            print(f"[datasets] {rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    # 3. Catalogue entry (the graduate table only) and a manifest telling store.prepare the parquet is current.
    _copy_governance_files(data_dir)
    files = tuple(str(files_dir / Path(f).name) for f in entry.files)
    big_entry = replace(entry, files=files)
    catalogue.write_entry(big_entry, data_dir)
    facts = json.loads(done.read_text())
    rows = int(facts["rows"])
    manifest = {"fingerprint": store._fingerprint(big_entry), "rows": rows, "warnings": []}
    (store.parquet_dir(data_dir) / f"{entry.id}.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return Dataset(f"x{factor}", data_dir, provider_csv, int(facts["csv_rows"]))

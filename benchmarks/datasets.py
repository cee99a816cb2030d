"""Benchmark data sets: the committed demo data, generated tables, and large graduate tables generated in blocks.

Each data set is a *data dir* (catalogue/ + parquet/ + the small governance files the app reads) so the app and the
page logic can be pointed at it with LEO_DATA_DIR, exactly as a deployment would be. Large data lives under the
work dir (default /tmp/leo_bench), never in the repository.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import measure
from leo_dash import demo
from leo_dash.core import catalogue, paths, store
from leo_dash.core.model import TableEntry
from leo_dash.demo import chunked

DEFAULT_WORK_DIR = Path("/tmp/leo_bench")
GRADUATE_TABLE = demo.GRADUATE_TABLE
# Files at the top of the project's data dir that the app reads besides the catalogue (access, roles, prices).
GOVERNANCE_FILES: tuple[str, ...] = ("roles.toml", "access_register.csv", "access_register.md", "cpih.csv", "cpih.md")
# Scale 151 gives ~2.0M rows in the graduate provider file (see leo_dash.demo).
REAL_SCALE = 151


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


_CHUNKED_CHILD = """
import sys, time
from pathlib import Path
from benchmarks.measure import report_from_child
from leo_dash.demo import chunked
started = time.perf_counter()
chunked.generate_graduate_table(Path(sys.argv[2]), scale=float(sys.argv[1]))
report_from_child({"seconds": time.perf_counter() - started})
"""


def chunked_dataset(work_dir: Path, scale: float, name: str, *, log: bool = True) -> Dataset:
    """The graduate table alone at `scale`, written by the chunked demo generator (`demo --chunked`) into
    work_dir/<name>/ and registered in its own catalogue, with no parquet: the app's loader screens and prepares it.

    The generator runs in its own process, so generated.json records its time and peak resident memory.
    """
    root = work_dir / name
    files_dir, data_dir = root / "files", root / "data"
    done = root / "generated.json"
    csv = files_dir / f"{GRADUATE_TABLE}_provider.csv"
    if not (done.exists() and csv.exists()):
        if log:
            print(
                f"[datasets] generating the graduate table at scale {scale:g} in blocks into {files_dir} …", flush=True
            )
        # The generator runs in its own process so its peak (VmHWM) is its own, not this process's.
        facts = measure.run_child(_CHUNKED_CHILD, f"{scale!r}", str(files_dir))
        if "failed" in facts:
            raise RuntimeError(f"generating {name} failed: {facts['failed']}")
        seconds, peak_gb = facts["seconds"], facts["peak_gb"]
        rows = count_rows(csv)
        done.write_text(json.dumps({"scale": scale, "rows": rows, "seconds": seconds, "peak_gb": peak_gb}))
        if log:
            print(f"[datasets] {rows:,} rows in {seconds:.0f} s, peak {peak_gb:.2f} GB", flush=True)
    _copy_governance_files(data_dir)
    catalogue.write_entry(chunked.graduate_entry(files_dir), data_dir)
    return Dataset(name, data_dir, csv, int(json.loads(done.read_text())["rows"]))

"""Approved tables as parquet under data/parquet/, screened and protected once, then queried lazily.

Each table's EES files are screened (leo_dash.ees) and written to one parquet file the first time they are needed;
the protection pass (leo_dash.protection, D6) runs on the screened table before it is written, so the parquet is
the table as every view may show it. Later calls reuse it while the source files are unchanged (size +
modification time fingerprint, plus the loader and protection rules). Queries scan the parquet lazily with Polars,
which is safe to share across Streamlit sessions (threads): nothing holds a per-session copy of the data and there
is no connection object to share.

Several servers may share one data folder (README, Deployment). Preparation then belongs to a release step
(`python -m leo_dash prepare`), and each server runs with LEO_PREPARED_ONLY=1: it reads the prepared parquet and
never screens a table itself. Without that setting, a process preparing a table holds a lock file beside it, so a
second process waits and then reuses the result instead of screening the same table again; the parquet and its
manifest are each replaced whole (write to a temporary file, then rename), so a reader never sees half of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from leo_dash import ees, paths, protection, staging
from leo_dash.model import TableEntry

log = logging.getLogger("leo_dash.store")

PARQUET_DIR_NAME = "parquet"
ROW_GROUP_ROWS = 100_000
PREPARED_ONLY_ENV = "LEO_PREPARED_ONLY"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class NotPrepared(RuntimeError):
    """The server reads prepared tables only, and this one is missing or out of date (its message is for users)."""


def prepared_only() -> bool:
    """Whether this process may only read prepared tables (LEO_PREPARED_ONLY=1: the release step prepares them)."""
    return os.environ.get(PREPARED_ONLY_ENV, "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class PreparedTable:
    """A screened table ready to query."""

    table_id: str
    parquet: Path
    rows: int
    warnings: tuple[str, ...]  # loader warnings, as user messages
    protection: dict = field(default_factory=dict)  # what the protection pass hid (ProtectionReport.as_dict)


def parquet_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or paths.DATA_DIR) / PARQUET_DIR_NAME


def _fingerprint(entry: TableEntry) -> list[list[object]]:
    out: list[list[object]] = []
    for file in entry.files:
        for p in (paths.resolve(file), paths.meta_path(file)):
            stat = p.stat()
            out.append([str(p), stat.st_size, stat.st_mtime_ns])
    # A parquet screened under other loader rules or another declared convention is screened again.
    out.append([ees.LOADER_RULES, *entry.disclosure.publication_profile])
    # ... and a table protected under other rules or thresholds is protected again.
    out.append([protection.PROTECTION_RULES, entry.disclosure.share_min_numerator, entry.disclosure.count_base])
    return out


def _lock_for(table_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(table_id, threading.Lock())


def _screen_results(entry: TableEntry) -> tuple[list[ees.ScreenResult], list[str]]:
    """Screen every file of the table; raise EESLoadError naming the file on any error. Large files come back
    out of core (a lazy table over their staged cells), small ones parsed in memory."""
    results: list[ees.ScreenResult] = []
    warnings: list[str] = []
    bases = {i.column: i.base for i in entry.indicators if i.base}
    try:
        for file in entry.files:
            result = ees.load(
                paths.resolve(file),
                count_base=entry.disclosure.count_base,
                earnings_base=entry.disclosure.earnings_base,
                bases=bases,
                profile=entry.disclosure.publication_profile,  # the publisher's declared convention (L24)
            )
            results.append(result)
            warnings.extend(str(f) for f in result.warnings)
    except ees.EESLoadError:
        for result in results:
            result.close()
        raise
    return results, warnings


def _union(tables: list[pl.LazyFrame]) -> pl.LazyFrame:
    # Files of one table differ only in geography columns (e.g. provider rows and national rows): union them,
    # leaving a column null on rows of a level that does not have it.
    return tables[0] if len(tables) == 1 else pl.concat(tables, how="diagonal_relaxed")


def _screen_files(entry: TableEntry) -> tuple[pl.DataFrame, list[str]]:
    """Screen and parse every file of the table into one frame in memory (see _build for large tables)."""
    results, warnings = _screen_results(entry)
    try:
        frames = [r.frame if r.frame is not None else r.scan().collect(engine="streaming") for r in results]
    finally:
        for result in results:
            result.close()
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    return frame, warnings


def _sort_columns(entry: TableEntry, columns: list[str]) -> list[str]:
    # Sorting by the columns most often filtered on lets parquet row-group statistics skip data.
    wanted = [entry.role("time"), entry.role("years_after"), entry.role("subject"), entry.role("provider_id")]
    return [c for c in wanted if c and c in columns]


def _reuse(
    entry: TableEntry, target: Path, manifest_path: Path, fingerprint: list[list[object]]
) -> PreparedTable | None:
    """The prepared table, when its parquet and manifest exist and were made from these very files and rules."""
    if not (target.exists() and manifest_path.exists()):
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable: prepare again (the rename makes a half-written manifest impossible here)
    if manifest.get("fingerprint") != json.loads(json.dumps(fingerprint)):
        return None
    return PreparedTable(
        entry.id, target, int(manifest["rows"]), tuple(manifest["warnings"]), dict(manifest.get("protection", {}))
    )


@contextlib.contextmanager
def _process_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` across processes (servers sharing the data folder) while preparing."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def prepare(entry: TableEntry, *, data_dir: Path | None = None, force: bool = False) -> PreparedTable:
    """Screen the table's files and write its parquet once; reuse it while the sources are unchanged.

    Raises NotPrepared when this process may only read prepared tables and the table is missing or stale."""
    directory = parquet_dir(data_dir)
    target = directory / f"{entry.id}.parquet"
    manifest_path = directory / f"{entry.id}.json"
    with _lock_for(entry.id):
        fingerprint = _fingerprint(entry)
        if not force and (found := _reuse(entry, target, manifest_path, fingerprint)):
            return found
        if prepared_only():
            raise NotPrepared(
                f"The table {entry.id} has not been prepared for this release, or its files have changed since. "
                "This server only reads prepared tables: an operator prepares them once per release with "
                "`python -m leo_dash prepare`."
            )
        directory.mkdir(parents=True, exist_ok=True)
        with _process_lock(directory / f".{entry.id}.lock"):
            # Another process may have prepared it while this one waited for the lock.
            if not force and (found := _reuse(entry, target, manifest_path, fingerprint)):
                return found
            return _build(entry, target, manifest_path, fingerprint)


def _build(entry: TableEntry, target: Path, manifest_path: Path, fingerprint: list[list[object]]) -> PreparedTable:
    started = time.perf_counter()
    directory = target.parent
    results, warnings = _screen_results(entry)
    # Write to a temp file and rename, so a reader never sees a half-written parquet.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{entry.id}.", suffix=".parquet")
    os.close(fd)
    try:
        if any(r.out_of_core for r in results):
            rows, report = _write_out_of_core(entry, results, Path(tmp))
        else:
            rows, report = _write_in_memory(entry, results, Path(tmp))
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
        for result in results:
            result.close()
    manifest = {
        "fingerprint": fingerprint,
        "rows": rows,
        "warnings": warnings,
        "protection": report.as_dict(),
        "prepared_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "prepared_by": f"{socket.gethostname()}:{os.getpid()}",
    }
    _write_atomic(manifest_path, json.dumps(manifest, indent=1))
    log.info("prepared %s: %s rows in %.1f s", entry.id, f"{rows:,}", time.perf_counter() - started)
    return PreparedTable(entry.id, target, rows, tuple(warnings), report.as_dict())


def _write_in_memory(
    entry: TableEntry, results: list[ees.ScreenResult], tmp: Path
) -> tuple[int, protection.ProtectionReport]:
    frames = [r.frame for r in results if r.frame is not None]
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    del frames
    for result in results:
        result.frame = None  # the concatenated frame is the only copy from here
    # D6, once per table: the parquet holds the table as every view may show it, so no view can show a cell
    # another view hides, and none can recover a hidden cell by subtraction.
    frame, report = protection.protect_table(entry, frame)
    sort_by = _sort_columns(entry, frame.columns)
    # Sorting inside the streaming sink avoids holding a second, sorted copy of the whole table.
    plan = frame.lazy().sort(sort_by, nulls_last=False, maintain_order=True) if sort_by else frame.lazy()
    plan.sink_parquet(tmp, statistics=True, row_group_size=ROW_GROUP_ROWS)
    return frame.height, report


def _write_out_of_core(
    entry: TableEntry, results: list[ees.ScreenResult], tmp: Path
) -> tuple[int, protection.ProtectionReport]:
    """A large table in bounded memory: the parsed table is streamed to a typed parquet beside the staged cells,
    then protected and written one slice (time period x years after graduation) at a time. Rows of different
    slices are never linked (protection.slice_columns), so the result is the pass over the whole table; memory
    grows with the largest slice, not with the table."""
    with tempfile.TemporaryDirectory(prefix="leo_prepare_", dir=staging.staging_parent()) as folder:
        typed = Path(folder) / "typed.parquet"
        _union([r.scan() for r in results]).sink_parquet(typed, row_group_size=ROW_GROUP_ROWS)
        for result in results:
            result.close()  # the staged text is no longer needed
        table = pl.scan_parquet(typed)
        columns = table.collect_schema().names()
        sort_by = _sort_columns(entry, columns)
        keys = protection.slice_columns(entry, table)
        # Slices in sort order, each sorted within, give the table sorted as the in-memory path sorts it, as long
        # as the slice columns lead the sort; otherwise the table is protected whole.
        if not keys or sort_by[: len(keys)] != keys:
            keys = []
        slices = table.select(keys).unique().sort(keys).collect().iter_rows() if keys else iter([()])
        report = protection.ProtectionReport(solver=True)
        rows = 0
        writer: pq.ParquetWriter | None = None
        try:
            for values in slices:
                part = table.filter(*(pl.col(k) == v for k, v in zip(keys, values, strict=True))) if keys else table
                frame, part_report = protection.protect_table(entry, part.collect())
                report.solver = report.solver and part_report.solver
                protection.add_reports(report, part_report)
                if sort_by:
                    frame = frame.sort(sort_by, nulls_last=False, maintain_order=True)
                arrow = frame.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(tmp, arrow.schema, compression="zstd")
                writer.write_table(arrow.cast(writer.schema), row_group_size=ROW_GROUP_ROWS)
                rows += frame.height
                del frame, arrow
        finally:
            if writer is not None:
                writer.close()
    return rows, report


def scan(entry: TableEntry, *, data_dir: Path | None = None) -> pl.LazyFrame:
    """A lazy scan of the approved table (prepared on first use)."""
    return pl.scan_parquet(prepare(entry, data_dir=data_dir).parquet)

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

from leo_dash import ees, paths, protection
from leo_dash.model import TableEntry

log = logging.getLogger("leo_dash.store")

PARQUET_DIR_NAME = "parquet"
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


def _screen_files(entry: TableEntry) -> tuple[pl.DataFrame, list[str]]:
    """Screen and parse every file of the table; raise EESLoadError naming the file on any error."""
    frames: list[pl.DataFrame] = []
    warnings: list[str] = []
    bases = {i.column: i.base for i in entry.indicators if i.base}
    for file in entry.files:
        result = ees.load(
            paths.resolve(file),
            count_base=entry.disclosure.count_base,
            earnings_base=entry.disclosure.earnings_base,
            bases=bases,
            profile=entry.disclosure.publication_profile,  # the publisher's declared convention (L24)
        )
        assert result.frame is not None  # load() raises when there is no frame
        frames.append(result.frame)
        warnings.extend(str(f) for f in result.warnings)
    # Files of one table differ only in geography columns (e.g. provider rows and national rows): union them,
    # leaving a column null on rows of a level that does not have it.
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    return frame, warnings


def _sort_columns(entry: TableEntry, frame: pl.DataFrame) -> list[str]:
    # Sorting by the columns most often filtered on lets parquet row-group statistics skip data.
    wanted = [entry.role("time"), entry.role("years_after"), entry.role("subject"), entry.role("provider_id")]
    return [c for c in wanted if c and c in frame.columns]


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
    frame, warnings = _screen_files(entry)
    # D6, once per table: the parquet holds the table as every view may show it, so no view can show a cell
    # another view hides, and none can recover a hidden cell by subtraction.
    frame, report = protection.protect_table(entry, frame)
    sort_by = _sort_columns(entry, frame)
    rows = frame.height
    # Write to a temp file and rename, so a reader never sees a half-written parquet. Sorting inside the
    # streaming sink avoids holding a second, sorted copy of the whole table (~300 MB less at 2M rows).
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{entry.id}.", suffix=".parquet")
    os.close(fd)
    try:
        plan = frame.lazy().sort(sort_by, nulls_last=False, maintain_order=True) if sort_by else frame.lazy()
        plan.sink_parquet(tmp, statistics=True, row_group_size=100_000)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    del frame
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


def scan(entry: TableEntry, *, data_dir: Path | None = None) -> pl.LazyFrame:
    """A lazy scan of the approved table (prepared on first use)."""
    return pl.scan_parquet(prepare(entry, data_dir=data_dir).parquet)

"""Approved tables as parquet under data/parquet/, screened and protected once, then queried lazily.

Each table's EES files are screened (leo_dash.core.ees) and written to one parquet file when first needed; the
protection pass (leo_dash.sdc.protection, D6) runs on the screened table before it is written, so the parquet is the
table as every view may show it. Later calls reuse it while the source files are unchanged (size + mtime, loader
and protection rules). Queries scan the parquet lazily with Polars, safe to share across Streamlit sessions
(threads): no session holds its own copy of the data and there is no connection object to share.

Several servers may share one data folder (README, Deployment). Preparation then belongs to a release step
(`python -m leo_dash prepare`), and each server runs with LEO_PREPARED_ONLY=1: it reads the prepared parquet and
never screens a table itself. Without that setting, a process preparing a table holds a lock file beside it, so a
second process waits and then reuses the result instead of screening the same table again; the parquet and its
manifest are each replaced whole (write to a temporary file, then rename), so a reader never sees half of one.

The manifest also holds the table's widget options (`TableOptions`: distinct values of its filter and breakdown
columns, its providers with their latest name, type and region, the range of its time and years-after columns),
computed once from the protected frame here, so a page's first view reads them instead of scanning the table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import functools
import json
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from leo_dash.core import ees, paths, staging
from leo_dash.core.model import TableEntry, status_column
from leo_dash.sdc import protection

log = logging.getLogger("leo_dash.core.store")

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
    frame = _union([r.scan() for r in results]).collect(engine="streaming")
    for result in results:
        result.close()
    return frame, warnings


def _sort_columns(entry: TableEntry, columns: list[str]) -> list[str]:
    # Sorting by the columns most often filtered on lets parquet row-group statistics skip data.
    wanted = [entry.role("time"), entry.role("years_after"), entry.role("subject"), entry.role("provider_id")]
    return [c for c in wanted if c and c in columns]


def _read_manifest(path: Path) -> dict | None:
    """The parsed manifest, or None when it cannot be read. Parsed once per version of the file: `prepare` runs on
    every page run, and a manifest with a large table's provider list is a few MB of JSON."""
    version = paths.file_version(path)
    return None if version is None else _parsed_manifest(path, *version)


@functools.lru_cache(maxsize=64)
def _parsed_manifest(path: Path, mtime_ns: int, size: int) -> dict | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _reuse(
    entry: TableEntry, target: Path, manifest_path: Path, fingerprint: list[list[object]]
) -> PreparedTable | None:
    """The prepared table, when its parquet and manifest exist and were made from these very files and rules."""
    if not (target.exists() and manifest_path.exists()):
        return None
    manifest = _read_manifest(manifest_path)
    if manifest is None:
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
    # Written to a temp file and renamed, so a reader never sees half a parquet.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{entry.id}.", suffix=".parquet")
    os.close(fd)
    try:
        if any(r.out_of_core for r in results):
            rows, report = _write_out_of_core(entry, results, Path(tmp))
        else:
            rows, report = _write_in_memory(entry, results, Path(tmp))
        # Widget options, read once from the table as written (either path): a page's first view reads them
        # instead of scanning a column per widget on every server.
        table_options = _compute_options(entry, pl.scan_parquet(tmp))
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
        OPTIONS_KEY: table_options.as_json(),
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
    return _protect_and_write(entry, frame.lazy(), tmp, sliced=False)


def _write_out_of_core(
    entry: TableEntry, results: list[ees.ScreenResult], tmp: Path
) -> tuple[int, protection.ProtectionReport]:
    """A large table in bounded memory: the parsed table is streamed to a typed parquet beside the staged cells,
    then protected and written slice by slice like any table."""
    with tempfile.TemporaryDirectory(prefix="leo_prepare_", dir=staging.staging_parent()) as folder:
        typed = Path(folder) / "typed.parquet"
        _union([r.scan() for r in results]).sink_parquet(typed, row_group_size=ROW_GROUP_ROWS)
        for result in results:
            result.close()  # the staged text is no longer needed
        return _protect_and_write(entry, pl.scan_parquet(typed), tmp, sliced=True)


class _SlicesNotProven(Exception):
    """The linear program ran on a slice: the table is protected whole (below)."""


def _protect_and_write(
    entry: TableEntry, table: pl.LazyFrame, tmp: Path, *, sliced: bool
) -> tuple[int, protection.ProtectionReport]:
    """D6, once per table: the parquet holds the table as every view may show it, so no view shows a cell another
    hides, and none can recover a hidden cell by subtraction. With `sliced` (large tables) the pass runs one time
    period x years-after slice at a time, written in sort order: rows of different slices are never linked
    (protection.slice_columns), so interval arithmetic over the slices is interval arithmetic over the table, in
    memory that grows with the largest slice. Where the linear program joins the pass, slices of the real FE
    table were still open to the program over the whole table (15 cells pinned), so such a table is done whole."""
    columns = table.collect_schema().names()
    sort_by = _sort_columns(entry, columns)
    keys = protection.slice_columns(entry, table) if sliced else []
    if not keys or sort_by[: len(keys)] != keys:
        keys = []  # the slice columns must lead the sort; otherwise the table is protected whole
    try:
        return _write_slices(entry, table, tmp, keys, sort_by)
    except _SlicesNotProven:
        log.info("%s: the linear program runs on this table, so it is protected whole", entry.id)
        return _write_slices(entry, table, tmp, [], sort_by)


def _write_slices(
    entry: TableEntry, table: pl.LazyFrame, tmp: Path, keys: list[str], sort_by: list[str]
) -> tuple[int, protection.ProtectionReport]:
    slices = table.select(keys).unique().sort(keys).collect().iter_rows() if keys else iter([()])
    report = protection.ProtectionReport(solver=True)
    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for values in slices:
            part = table.filter(*(pl.col(k) == v for k, v in zip(keys, values, strict=True))) if keys else table
            frame, part_report = protection.protect_table(entry, part.collect())
            if keys and part_report.solver:
                raise _SlicesNotProven
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
    if writer is None:  # no rows (the loader refuses such files; kept valid all the same)
        table.head(0).collect().write_parquet(tmp)
    return rows, report


def scan(entry: TableEntry, *, data_dir: Path | None = None) -> pl.LazyFrame:
    """A lazy scan of the approved table (prepared on first use)."""
    return pl.scan_parquet(prepare(entry, data_dir=data_dir).parquet)


# ---------------------------------------------------------------------------------------------------------------
# Widget options, computed once at prepare time and kept in the manifest

OPTIONS_KEY = "options"
OPTIONS_VERSION = 1  # bump when what `_compute_options` writes changes: older manifests then fall back to a scan
LEVEL_COLUMN = "geographic_level"
# Roles whose columns hold many distinct values that no single widget lists (the provider list has its own field).
_NOT_OPTION_ROLES: tuple[str, ...] = ("provider_id", "provider_name")
# The roles the provider list was read with: a catalogue entry edited since (roles are not in the fingerprint)
# makes the kept list stale, so it is read from the parquet again.
_PROVIDER_ROLES: tuple[str, ...] = ("provider_id", "provider_name", "time", "provider_type", "region")


def _provider_roles(entry: TableEntry) -> dict[str, str | None]:
    return {r: entry.role(r) for r in _PROVIDER_ROLES}


@dataclass(frozen=True)
class ProviderOption:
    """One provider as the widgets offer it: its latest name (its id when it never has one), and its latest type and
    region (from its latest row that has all the attributes the table carries; None when the table lacks one)."""

    id: str
    name: str
    provider_type: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class TableOptions:
    """What a table's widgets can offer, whatever else is chosen.

    `distinct`: column -> its distinct non-null values as text, in the column's own order (numbers numerically);
    `on_providers`: the same on provider rows only (rows with a provider id); `providers`: sorted by name, then id;
    `ranges`: column -> (min, max) of its numeric values, for the time and years-after columns.
    `from_manifest` is False when the manifest predates these options and they were read from the parquet."""

    distinct: Mapping[str, tuple[str, ...]]
    on_providers: Mapping[str, tuple[str, ...]]
    providers: tuple[ProviderOption, ...]
    ranges: Mapping[str, tuple[float, float]]
    from_manifest: bool = True
    roles: Mapping[str, str | None] = field(default_factory=dict)  # the roles the provider list was read with
    # Whether the table has national rows (query.has_national_rows); None when the manifest does not say.
    has_national: bool | None = None

    def values(self, column: str) -> tuple[str, ...] | None:
        """The column's distinct values, or None when the options do not cover it (the caller scans)."""
        return self.distinct.get(column)

    def provider_values(self, column: str) -> tuple[str, ...] | None:
        return self.on_providers.get(column)

    @functools.cached_property
    def provider_names(self) -> dict[str, str]:
        """id -> name, in the providers' order (built once per options object, shared by every session)."""
        return {p.id: p.name for p in self.providers}

    @functools.cached_property
    def provider_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple((p.id, p.name) for p in self.providers)

    @functools.cached_property
    def provider_by_id(self) -> dict[str, ProviderOption]:
        return {p.id: p for p in self.providers}

    def as_json(self) -> dict:
        return {
            "version": OPTIONS_VERSION,
            "distinct": {c: list(v) for c, v in self.distinct.items()},
            "on_providers": {c: list(v) for c, v in self.on_providers.items()},
            # Rows, not objects: ~40,000 providers stay a compact list.
            "providers": [[p.id, p.name, p.provider_type, p.region] for p in self.providers],
            "ranges": {c: list(r) for c, r in self.ranges.items()},
            "roles": dict(self.roles),
            "has_national": self.has_national,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> TableOptions:
        distinct = data["distinct"]
        on_providers = data["on_providers"]
        providers = data["providers"]
        ranges = data["ranges"]
        assert isinstance(distinct, dict) and isinstance(on_providers, dict)
        assert isinstance(providers, list) and isinstance(ranges, dict)
        has_national = data.get("has_national")
        return cls(
            distinct={str(c): tuple(str(v) for v in vs) for c, vs in distinct.items()},
            on_providers={str(c): tuple(str(v) for v in vs) for c, vs in on_providers.items()},
            providers=tuple(ProviderOption(str(i), str(n), t, r) for i, n, t, r in providers),
            ranges={str(c): (float(lo), float(hi)) for c, (lo, hi) in ranges.items()},
            roles=dict(data.get("roles") or {}),  # type: ignore[call-overload]
            has_national=has_national if isinstance(has_national, bool) else None,
        )


def option_columns(entry: TableEntry, columns: Sequence[str]) -> list[str]:
    """The columns whose distinct values the options hold: every column of the table except its indicators, their
    status columns and the provider id and name (those are the provider list)."""
    skip = {i.column for i in entry.indicators}
    skip |= {status_column(c) for c in skip}
    skip |= {c for r in _NOT_OPTION_ROLES if (c := entry.role(r))}
    return [c for c in columns if c not in skip and not c.endswith(status_column(""))]


def _sorted_text(values: pl.Series) -> tuple[str, ...]:
    # The order query.distinct_values has always given: the column's own sort, then as text.
    return tuple(str(v) for v in values.drop_nulls().unique().sort().to_list())


def _numeric_range(values: Sequence[str]) -> tuple[float, float] | None:
    numbers: list[float] = []
    for value in values:
        try:
            numbers.append(float(value))
        except ValueError:
            continue  # 'Total' and other items that are not a number
    return (min(numbers), max(numbers)) if numbers else None


def _compute_options(entry: TableEntry, lazy: pl.LazyFrame) -> TableOptions:
    """The options of a table from its protected rows (the frame at prepare time, or the parquet for an old
    manifest)."""
    table_schema = lazy.collect_schema()
    columns = option_columns(entry, list(table_schema))
    id_column = entry.role("provider_id")
    has_ids = bool(id_column) and id_column in table_schema
    distinct: dict[str, tuple[str, ...]] = {}
    on_providers: dict[str, tuple[str, ...]] = {}
    if columns:
        # One pass for every column: each distinct list is a small frame of its own.
        found = lazy.select([pl.col(c).drop_nulls().unique().implode().alias(c) for c in columns]).collect(
            engine="streaming"
        )
        distinct = {c: _sorted_text(found[c][0]) for c in columns}
        if has_ids:
            rows = lazy.filter(pl.col(str(id_column)).is_not_null())
            found = rows.select([pl.col(c).drop_nulls().unique().implode().alias(c) for c in columns]).collect(
                engine="streaming"
            )
            on_providers = {c: _sorted_text(found[c][0]) for c in columns}
    ranges = {
        column: found_range
        for role in ("time", "years_after")
        if (column := entry.role(role)) in distinct and (found_range := _numeric_range(distinct[column]))
    }
    return TableOptions(
        distinct,
        on_providers,
        _providers(entry, lazy, table_schema),
        ranges,
        roles=_provider_roles(entry),
        has_national=_has_national(lazy, str(id_column) if has_ids else None, LEVEL_COLUMN in table_schema),
    )


def _has_national(lazy: pl.LazyFrame, id_column: str | None, has_levels: bool) -> bool:
    """Rows without a provider, at National level when the table says its level (a regional row has no provider
    either); a table with neither providers nor levels counts as national. The rule of query.has_national_rows."""
    if not has_levels:
        return (
            True
            if id_column is None
            else bool(lazy.select(pl.col(id_column).is_null().any()).collect(engine="streaming").item())
        )
    national = pl.col(LEVEL_COLUMN) == "National"
    if id_column is not None:
        national = pl.col(id_column).is_null() & (pl.col(LEVEL_COLUMN).is_null() | national)
    return bool(lazy.select(national.any()).collect(engine="streaming").item())


def _providers(entry: TableEntry, lazy: pl.LazyFrame, table_schema: Mapping[str, object]) -> tuple[ProviderOption, ...]:
    id_column = entry.role("provider_id")
    if not id_column or id_column not in table_schema:
        return ()
    name_column = entry.role("provider_name")
    time_column = entry.role("time")
    # role -> column, for the attributes the table carries (aliased by role: two roles may share a column)
    attributes = {r: c for r in ("provider_type", "region") if (c := entry.role(r)) and c in table_schema}
    ids = pl.col(id_column).cast(pl.String)
    names = pl.col(name_column).cast(pl.String) if name_column and name_column in table_schema else ids
    rows = lazy.filter(pl.col(id_column).is_not_null())
    if time_column and time_column in table_schema:
        rows = rows.sort(time_column, maintain_order=True)
    # The latest name of each provider (one UKPRN can carry several names over the years), and its latest type and
    # region from its latest row that has them all (what institutions.provider_attributes has always read).
    complete = pl.all_horizontal([pl.col(c).is_not_null() for c in attributes.values()]) if attributes else pl.lit(True)
    grouped = (
        rows.select(
            ids.alias("id"),
            names.alias("name"),
            *[pl.col(c).cast(pl.String).alias(r) for r, c in attributes.items()],
            complete.alias("_complete"),
        )
        .group_by("id", maintain_order=True)
        .agg(pl.col("name").drop_nulls().last(), *[pl.col(r).filter(pl.col("_complete")).last() for r in attributes])
        .collect(engine="streaming")
    )
    out = [
        ProviderOption(str(row["id"]), row["name"] or str(row["id"]), row.get("provider_type"), row.get("region"))
        for row in grouped.iter_rows(named=True)
    ]
    return tuple(sorted(out, key=lambda p: (p.name.lower(), p.id)))


def options(entry: TableEntry, *, data_dir: Path | None = None) -> TableOptions:
    """The table's widget options from its manifest (prepared on first use). A manifest written before the options
    were kept there (or with another OPTIONS_VERSION) still works: they are computed from the parquet instead, once
    per version of it, and `from_manifest` says so."""
    prepared = prepare(entry, data_dir=data_dir)
    found = manifest_options(prepared.parquet)
    if found is not None and dict(found.roles) == _provider_roles(entry):
        return found
    return _scanned_options(entry, prepared.parquet, prepared.parquet.stat().st_mtime_ns)


def manifest_options(parquet: Path) -> TableOptions | None:
    """The options kept in the manifest beside a prepared parquet, or None (no manifest, or one written before the
    options were kept there: the caller scans the parquet, as it always did)."""
    manifest_path = parquet.with_suffix(".json")
    version = paths.file_version(manifest_path)
    return None if version is None else _manifest_options(manifest_path, *version)


@functools.lru_cache(maxsize=64)
def _manifest_options(path: Path, mtime_ns: int, size: int) -> TableOptions | None:
    manifest = _parsed_manifest(path, mtime_ns, size)
    data = manifest.get(OPTIONS_KEY) if manifest else None
    if not isinstance(data, dict) or data.get("version") != OPTIONS_VERSION:
        return None
    try:
        return TableOptions.from_json(data)
    except (KeyError, TypeError, ValueError, AssertionError):
        log.warning("%s: options in the manifest are malformed; reading them from the parquet", path.name)
        return None


_scanned: dict[tuple[str, Path, int], TableOptions] = {}
_scanned_guard = threading.Lock()


def _scanned_options(entry: TableEntry, parquet: Path, mtime_ns: int) -> TableOptions:
    # Fallback for a manifest without options: a scan of the parquet, kept per version of it (the entry is not
    # hashable, so this is a small dict rather than lru_cache; a new version replaces the old one).
    key = (entry.id, parquet, mtime_ns)
    with _scanned_guard:
        cached = _scanned.get(key)
    if cached is not None:
        return cached
    computed = _compute_options(entry, pl.scan_parquet(parquet))
    found = dataclasses.replace(computed, from_manifest=False)
    with _scanned_guard:
        for old in [k for k in _scanned if k[0] == entry.id]:
            del _scanned[old]
        _scanned[key] = found
    return found

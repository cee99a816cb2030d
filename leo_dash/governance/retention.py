"""Annual review and retirement of approved tables.

Every table has a next review date. `python -m leo_dash review` lists the tables past it and what to do;
`--apply` retires them: the catalogue entry moves to `data/archive/catalogue/` and a JSON line in
`data/archive/retirements.jsonl` says what was moved, from where, and which source files remain for the data owner
to delete once the controller confirms. Nothing is deleted silently: the only files removed are the derived parquet
caches under `data/parquet/` (rebuilt from the sources if a table is restored), and the log names them.

The audit trail is personal data too (who viewed and exported what), so it has its own retention period:
LEO_AUDIT_RETENTION_MONTHS full months (default 24) after the month it records. `review` lists the monthly audit
files past it; `--apply` deletes them and logs each deletion (file, records, time, who) in the same log.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leo_dash.core import paths
from leo_dash.core.catalogue import CatalogueError, catalogue_dir, entry_from_dict
from leo_dash.core.model import CONTROLLERS, TableEntry
from leo_dash.core.store import parquet_dir
from leo_dash.governance import audit
from leo_dash.governance.audit import append_line

ARCHIVE_DIR_NAME = "archive"
RETIREMENT_LOG_NAME = "retirements.jsonl"
AUDIT_RETENTION_ENV = "LEO_AUDIT_RETENTION_MONTHS"
DEFAULT_AUDIT_RETENTION_MONTHS = 24
_AUDIT_FILE = re.compile(r"^audit-(\d{4})-(\d{2})(?:\.[A-Za-z0-9_-]{1,40})?\.jsonl$")  # shared or one server's


@dataclass(frozen=True)
class ExpiredAuditFile:
    path: Path
    month: dt.date  # first day of the month it records
    records: int


def audit_retention_months(environ: Mapping[str, str] | None = None) -> int:
    """Months the audit trail is kept after the month it records (LEO_AUDIT_RETENTION_MONTHS, default 24)."""
    raw = (os.environ if environ is None else environ).get(AUDIT_RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_AUDIT_RETENTION_MONTHS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{AUDIT_RETENTION_ENV} must be a whole number of months, at least 1, not {raw!r}.")
    return int(raw)


def expired_audit_files(
    directory: Path | None = None, *, today: dt.date | None = None, months: int | None = None
) -> list[ExpiredAuditFile]:
    """Monthly audit files whose month ended more than `months` full months before this month, oldest first."""
    directory = directory or audit.audit_dir()
    today = today or dt.date.today()
    months = audit_retention_months() if months is None else months
    current = today.year * 12 + today.month - 1
    found: list[ExpiredAuditFile] = []
    for file in sorted(directory.glob("audit-*.jsonl")) if directory.exists() else []:
        match = _AUDIT_FILE.match(file.name)
        if not match:
            continue
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or current - (year * 12 + month - 1) <= months:
            continue
        records, _damaged = audit.parse_lines(file.read_bytes())
        found.append(ExpiredAuditFile(file, dt.date(year, month, 1), len(records)))
    return found


def delete_audit_file(item: ExpiredAuditFile, data_dir: Path | None = None) -> dict[str, Any]:
    """Log, then delete, one expired audit file (a deletion that cannot be logged does not happen)."""
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "event": "audit_deleted",
        "file": str(item.path),
        "month": f"{item.month:%Y-%m}",
        "records": item.records,
        "retention_months": audit_retention_months(),
        "by": _who(),
    }
    append_line(retirement_log(data_dir), (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
    item.path.unlink()
    return entry


@dataclass(frozen=True)
class ReviewItem:
    """A table past its review date, and what to do about it."""

    entry: TableEntry
    catalogue_file: Path
    days_overdue: int
    action: str


def archive_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or paths.DATA_DIR) / ARCHIVE_DIR_NAME


def retirement_log(data_dir: Path | None = None) -> Path:
    return archive_dir(data_dir) / RETIREMENT_LOG_NAME


def _read_entries(data_dir: Path | None) -> list[tuple[TableEntry, Path]]:
    """Every catalogue entry, including optional ones whose files are absent here (they still need review)."""
    out: list[tuple[TableEntry, Path]] = []
    for file in sorted(catalogue_dir(data_dir).glob("*.toml")):
        with file.open("rb") as handle:
            try:
                raw = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"{file.name}: not valid TOML ({exc}).") from exc
        out.append((entry_from_dict(raw, file), file))
    return out


def action_for(entry: TableEntry, file: Path) -> str:
    controllers = ", ".join(CONTROLLERS.get(c, c) for c in entry.controllers)
    return (
        f"Confirm with {controllers} that the table is still needed and its approval stands; if so set next_review "
        f"in {file.name} to a date within a year, otherwise retire it with `python -m leo_dash review --apply`."
    )


def overdue(data_dir: Path | None = None, *, today: dt.date | None = None) -> list[ReviewItem]:
    """Tables whose next review date has passed, most overdue first."""
    today = today or dt.date.today()
    items = [
        ReviewItem(entry, file, (today - entry.next_review).days, action_for(entry, file))
        for entry, file in _read_entries(data_dir)
        if entry.is_overdue(today)
    ]
    return sorted(items, key=lambda i: (-i.days_overdue, i.entry.id))


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "unknown"


def retire(item: ReviewItem, data_dir: Path | None = None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Move the table's catalogue entry into the archive and log it; return the log record."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    target_dir = archive_dir(data_dir) / "catalogue"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{item.entry.id}.{now:%Y%m%dT%H%M%SZ}.toml"
    # Same folder tree, so the rename is atomic: the entry is either in the catalogue or in the archive.
    os.replace(item.catalogue_file, target)
    caches = [parquet_dir(data_dir) / f"{item.entry.id}{suffix}" for suffix in (".parquet", ".json")]
    entry = {
        "time": now.isoformat(timespec="seconds"),
        "event": "retired",
        "table": item.entry.id,
        "title": item.entry.title,
        "review_due": item.entry.next_review.isoformat(),
        "controllers": list(item.entry.controllers),
        "by": _who(),
        "catalogue_file": str(item.catalogue_file),
        "archived_to": str(target),
        "source_files_kept": [str(p) for f in item.entry.files for p in (paths.resolve(f), paths.meta_path(f))],
        "derived_cache_removed": [str(c) for c in caches if c.exists()],
    }
    try:
        append_line(retirement_log(data_dir), (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError:
        os.replace(target, item.catalogue_file)  # no log, no retirement
        raise
    for cache in caches:
        cache.unlink(missing_ok=True)
    return entry


def run_review(
    apply: bool, data_dir: Path | None, *, today: dt.date | None = None, audit_directory: Path | None = None
) -> int:
    """`python -m leo_dash review [--apply]`. Exit 0 when nothing is due (or everything due was dealt with), 1 when
    tables remain overdue or audit files past their retention remain, so a scheduled job can alert on it."""
    items = overdue(data_dir, today=today)
    try:
        expired = expired_audit_files(audit_directory, today=today)
    except ValueError as exc:
        print(str(exc))
        return 1
    if not items:
        print("No table is past its review date.")
    else:
        print(f"{len(items)} table(s) past their review date:")
        for item in items:
            e = item.entry
            print(f"- {e.id}: {e.title} — review was due {e.next_review.isoformat()} ({item.days_overdue} days ago)")
            print(f"  {item.action}")
    if expired:
        print(f"{len(expired)} audit file(s) past the {audit_retention_months()}-month retention period:")
        for old in expired:
            print(f"- {old.path.name}: {old.records:,} record(s) from {old.month:%B %Y}")
    if not items and not expired:
        return 0
    if not apply:
        print(
            "Nothing changed. Run with --apply to retire the tables and delete the expired audit files; the app "
            "shows each overdue table with a warning until then."
        )
        return 1
    print()
    for item in items:
        record = retire(item, data_dir)
        print(f"Retired {item.entry.id}: catalogue entry moved to {record['archived_to']}.")
        for source in record["source_files_kept"]:
            print(f"  Source file kept (delete it once the controller confirms): {source}")
        for cache in record["derived_cache_removed"]:
            print(f"  Derived cache removed: {cache}")
    for old in expired:
        delete_audit_file(old, data_dir)
        print(f"Deleted {old.path} ({old.records:,} audit record(s) from {old.month:%B %Y}).")
    print(f"Logged in {retirement_log(data_dir)}.")
    return 0

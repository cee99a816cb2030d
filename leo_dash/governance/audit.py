"""The audit trail: who viewed what, with which filters, and who exported what.

Append-only JSON lines under `data/audit/` (one file per UTC month; LEO_AUDIT_DIR overrides the folder). Each
record is written with a single `os.write` on an `O_APPEND` descriptor and then flushed to disk, so:
- concurrent writers (Streamlit sessions are threads; several app processes may share the folder) never interleave
  inside a line: the kernel appends each write whole;
- a process killed mid-stream loses at most the record it was writing; every earlier line is complete and on disk.
The reader tolerates a torn line (power cut, full disk): it skips and counts it. The next writer starts a new line
if it finds the file not ending in a newline, so one torn record never swallows the next.

Several servers (README, Deployment) may share the folder over a network file system, where appends from
different machines are not atomic. Each server then sets LEO_AUDIT_WRITER to its own name and writes only its own
files (`audit-2026-12.web-1.jsonl`); the reader merges every file of the folder in time order.

Recording a page view must never break or slow a page: `record_safely` logs any failure and returns. An export is
different: nothing leaves the app unrecorded. Downloads are offered only while `check_writable` passes, and
`record_export` raises `AuditUnavailable` (after logging an error for the operator) when the record cannot be written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Required, TypedDict, Unpack

from leo_dash.core import paths

log = logging.getLogger("leo_dash.governance.audit")

AUDIT_DIR_ENV = "LEO_AUDIT_DIR"
AUDIT_WRITER_ENV = "LEO_AUDIT_WRITER"
_WRITER = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
EVENTS: tuple[str, ...] = ("page_view", "export", "access_denied")
Event = Literal["page_view", "export", "access_denied"]
SCHEMA_VERSION = 1
# Bounds keep every record small (one write, well under a page) whatever a URL throws at the filters.
MAX_TEXT = 200
MAX_ITEMS = 50


def audit_dir() -> Path:
    """Folder holding the audit files: LEO_AUDIT_DIR, else data/audit under the data folder."""
    override = os.environ.get(AUDIT_DIR_ENV)
    return Path(override) if override else paths.DATA_DIR / "audit"


def audit_writer() -> str | None:
    """This server's name in its audit file names (LEO_AUDIT_WRITER), None for the shared monthly file."""
    writer = os.environ.get(AUDIT_WRITER_ENV, "").strip()
    if not writer:
        return None
    if not _WRITER.match(writer):
        raise ValueError(f"{AUDIT_WRITER_ENV} must be 1-40 letters, digits, '-' or '_', not {writer!r}.")
    return writer


def audit_file(directory: Path, when: dt.datetime) -> Path:
    """The file this process appends to for `when`'s month: its own when LEO_AUDIT_WRITER names it."""
    writer = audit_writer()
    return directory / (f"audit-{when:%Y-%m}.{writer}.jsonl" if writer else f"audit-{when:%Y-%m}.jsonl")


def _text(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _clean_filters(filters: Mapping[str, object] | Sequence[tuple[str, object]] | None) -> dict[str, Any]:
    if not filters:
        return {}
    items = list(filters.items()) if isinstance(filters, Mapping) else list(filters)
    out: dict[str, Any] = {}
    for key, value in items[:MAX_ITEMS]:
        if isinstance(value, list | tuple | set | frozenset):
            out[_text(key)] = [_text(v) for v in list(value)[:MAX_ITEMS]]
        elif value is None:
            out[_text(key)] = None
        else:
            out[_text(key)] = _text(value)
    return out


def build_record(
    event: str,
    *,
    user: str,
    page: str | None = None,
    table: str | None = None,
    filters: Mapping[str, object] | Sequence[tuple[str, object]] | None = None,
    export_type: str | None = None,
    rows: int | None = None,
    detail: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """One audit record as a dict (time in UTC ISO 8601)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown audit event {event!r}; use one of {', '.join(EVENTS)}.")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return {
        "v": SCHEMA_VERSION,
        "time": when.isoformat(timespec="milliseconds"),
        "user": _text(user or "anonymous"),
        "event": event,
        "page": _text(page) if page else None,
        "table": _text(table) if table else None,
        "filters": _clean_filters(filters),
        "export_type": _text(export_type) if export_type else None,
        "rows": int(rows) if rows is not None else None,
        "detail": _text(detail) if detail else None,
    }


def encode(record: Mapping[str, Any]) -> bytes:
    """One JSON line. json escapes newlines and control characters, so a value can never start a new record."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


def append_line(path: Path, line: bytes) -> None:
    """Append one complete line with a single write on an O_APPEND descriptor, then flush it to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o640)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # A torn last line (a writer died or the disk filled mid-write): start ours on a fresh line.
            line = b"\n" + line
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"short write to {path.name}: {written} of {len(line)} bytes")
        (os.fdatasync if hasattr(os, "fdatasync") else os.fsync)(fd)
    finally:
        os.close(fd)


class RecordFields(TypedDict, total=False):
    """build_record()'s keyword fields, for the functions that pass them on (documented and defaulted there)."""

    user: Required[str]
    page: str | None
    table: str | None
    filters: Mapping[str, object] | Sequence[tuple[str, object]] | None
    export_type: str | None
    rows: int | None
    detail: str | None
    now: dt.datetime | None


def record(event: str, *, directory: Path | None = None, **fields: Unpack[RecordFields]) -> dict[str, Any]:
    """Write one audit record durably; raises OSError / ValueError on failure (see `record_safely`)."""
    entry = build_record(event, **fields)
    when = dt.datetime.fromisoformat(entry["time"])
    append_line(audit_file(directory or audit_dir(), when), encode(entry))
    return entry


class AuditUnavailable(RuntimeError):
    """The audit trail cannot be written, so exports must stop (views may continue)."""


EXPORTS_STOPPED = (
    "Downloads are switched off because the audit trail cannot be written just now. The figures on screen are "
    "unaffected. Please tell the LEO Explorer team; downloads return as soon as the audit trail works again."
)


def check_writable(directory: Path | None = None, *, now: dt.datetime | None = None) -> None:
    """Raise AuditUnavailable (and log an error for the operator) unless this month's audit file can be appended to.

    Opens the file for appending without writing, so a full disk may still fail later: `record_export` catches that."""
    directory = directory or audit_dir()
    path = audit_file(directory, (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o640)
        os.close(fd)
    except OSError as exc:
        log.error("AUDIT TRAIL NOT WRITABLE, exports stopped: %s (%s)", path, exc)
        raise AuditUnavailable(EXPORTS_STOPPED) from exc


def record_export(**fields: Any) -> dict[str, Any]:
    """`record("export", ...)`; a failure is logged as an error for the operator and raised as AuditUnavailable."""
    try:
        return record("export", **fields)
    except Exception as exc:
        log.error(
            "AUDIT TRAIL NOT WRITABLE, export not recorded (user %s, table %s, type %s)",
            fields.get("user"),
            fields.get("table"),
            fields.get("export_type"),
            exc_info=True,
        )
        raise AuditUnavailable(EXPORTS_STOPPED) from exc


def record_safely(event: str, **fields: Any) -> bool:
    """`record`, but a failure is logged instead of raised: auditing must never break a page."""
    try:
        record(event, **fields)
    except Exception:
        log.exception("audit record could not be written (event %s, page %s)", event, fields.get("page"))
        return False
    return True


# ---------------------------------------------------------------------------------------------------- reading


@dataclass
class AuditLog:
    records: list[dict[str, Any]] = field(default_factory=list)
    damaged: int = 0  # lines that were not a complete record (e.g. torn by a crash) and were skipped
    files: list[Path] = field(default_factory=list)


def parse_lines(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """Records in a JSON-lines byte string; lines that are not a whole record are counted, not raised."""
    records: list[dict[str, Any]] = []
    damaged = 0
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            damaged += 1
            continue
        if isinstance(value, dict) and value.get("event") in EVENTS and isinstance(value.get("time"), str):
            records.append(value)
        else:
            damaged += 1
    return records, damaged


def read_records(directory: Path | None = None) -> AuditLog:
    """Every record in the audit folder (the shared monthly files and every server's own), in time order."""
    directory = directory or audit_dir()
    result = AuditLog()
    if not directory.is_dir():
        return result
    for file in sorted(directory.glob("audit-*.jsonl")):
        records, damaged = parse_lines(file.read_bytes())
        result.records.extend(records)
        result.damaged += damaged
        result.files.append(file)
    result.records.sort(key=_sort_time)  # stable: records of one file keep their order
    return result


def _sort_time(entry: Mapping[str, Any]) -> dt.datetime:
    try:
        return record_time(entry)
    except (TypeError, ValueError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)


def record_time(entry: Mapping[str, Any]) -> dt.datetime:
    when = dt.datetime.fromisoformat(str(entry["time"]))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def select_records(
    records: Iterable[Mapping[str, Any]], *, since: dt.date | None = None, user: str | None = None
) -> list[Mapping[str, Any]]:
    """Records on or after `since` (a UTC date) and, if given, of one user (case-insensitive)."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
    wanted = user.strip().lower() if user else None
    out = []
    for entry in records:
        try:
            when = record_time(entry)
        except (KeyError, ValueError):
            continue
        if start and when < start:
            continue
        if wanted is not None and str(entry.get("user", "")).lower() != wanted:
            continue
        out.append(entry)
    return out


# ---------------------------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class ExportLine:
    user: str
    table: str
    export_type: str
    count: int
    rows: int


@dataclass(frozen=True)
class AuditSummary:
    total: int
    events: dict[str, int]
    users: int
    first: str | None
    last: str | None
    tables: list[tuple[str, int]]  # most viewed tables (page views), most first
    pages: list[tuple[str, int]]
    exports: list[ExportLine]  # who exported what
    denials: list[Mapping[str, Any]]  # access_denied records, newest last


def summarise(records: Sequence[Mapping[str, Any]], *, top: int = 10) -> AuditSummary:
    events = Counter(str(r.get("event")) for r in records)
    tables = Counter(str(r["table"]) for r in records if r.get("event") == "page_view" and r.get("table"))
    pages = Counter(str(r["page"]) for r in records if r.get("event") == "page_view" and r.get("page"))
    export_counts: Counter[tuple[str, str, str]] = Counter()
    export_rows: Counter[tuple[str, str, str]] = Counter()
    for r in records:
        if r.get("event") != "export":
            continue
        key = (str(r.get("user", "anonymous")), str(r.get("table") or "-"), str(r.get("export_type") or "-"))
        export_counts[key] += 1
        export_rows[key] += int(r.get("rows") or 0)
    exports = [
        ExportLine(user, table, kind, n, export_rows[(user, table, kind)])
        for (user, table, kind), n in sorted(export_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    times = sorted(str(r["time"]) for r in records if r.get("time"))
    return AuditSummary(
        total=len(records),
        events={e: events.get(e, 0) for e in EVENTS},
        users=len({r.get("user") for r in records}),
        first=times[0] if times else None,
        last=times[-1] if times else None,
        tables=tables.most_common(top),
        pages=pages.most_common(top),
        exports=exports,
        denials=[r for r in records if r.get("event") == "access_denied"],
    )


def format_summary(summary: AuditSummary, *, source: str, damaged: int = 0, scope: str = "") -> str:
    lines = [f"Audit trail: {source}{scope}"]
    if damaged:
        lines.append(f"{damaged:,} damaged line(s) skipped (a record cut short by a crash or a full disk).")
    if not summary.total:
        lines.append("No records.")
        return "\n".join(lines)
    ev = summary.events
    lines.append(
        f"{summary.total:,} record{'s' if summary.total != 1 else ''} from {summary.users:,} user(s), "
        f"{summary.first} to {summary.last}: "
        f"{ev['page_view']:,} page views, {ev['export']:,} exports, {ev['access_denied']:,} access denials."
    )
    lines.append("")
    lines.append("Most used tables (page views):")
    lines += [f"  {table:<40} {n:>8,}" for table, n in summary.tables] or ["  none"]
    lines.append("")
    lines.append("Most used pages:")
    lines += [f"  {page:<40} {n:>8,}" for page, n in summary.pages] or ["  none"]
    lines.append("")
    lines.append("Who exported what:")
    if summary.exports:
        lines.append(f"  {'user':<32} {'table':<32} {'type':<6} {'exports':>8} {'rows':>10}")
        lines += [
            f"  {e.user:<32} {e.table:<32} {e.export_type:<6} {e.count:>8,} {e.rows:>10,}" for e in summary.exports
        ]
    else:
        lines.append("  none")
    lines.append("")
    lines.append("Access denials:")
    if summary.denials:
        lines += [
            f"  {d.get('time')}  {d.get('user')}  {d.get('table') or '-'}  {d.get('detail') or ''}".rstrip()
            for d in summary.denials
        ]
    else:
        lines.append("  none")
    return "\n".join(lines)


def run_audit_summary(since: str | None, user: str | None) -> int:
    """`python -m leo_dash audit [--since DATE] [--user U]`: print the summary; 0, or 1 for a bad --since."""
    since_date: dt.date | None = None
    if since:
        try:
            since_date = dt.date.fromisoformat(since)
        except ValueError as exc:
            raise ValueError(f"--since must be a date like 2026-01-31, not {since!r}.") from exc
    directory = audit_dir()
    log_ = read_records(directory)
    if not log_.files:
        print(f"No audit records yet in {directory}.")
        return 0
    chosen = select_records(log_.records, since=since_date, user=user)
    scope = "".join([f", since {since_date.isoformat()}" if since_date else "", f", user {user}" if user else ""])
    print(format_summary(summarise(chosen), source=str(directory), damaged=log_.damaged, scope=scope))
    return 0

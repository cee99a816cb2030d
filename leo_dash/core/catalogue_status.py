"""Status of each catalogue table: ok, overdue for review, failed checks, or unavailable here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from leo_dash.core import ees, store
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry


@dataclass(frozen=True)
class TableStatus:
    table_id: str
    title: str
    status: str  # "ok" | "overdue for review" | "failed checks" | "unavailable"
    detail: str
    rows: int | None
    access: str
    demo: bool
    next_review: dt.date | None
    hidden_by_protection: int | None = None  # cells the protection pass hid beyond the publisher's own `c`


def table_status(entry: TableEntry, *, data_dir: Path | None = None, today: dt.date | None = None) -> TableStatus:
    """Screen (or reuse the screened parquet of) one table and say whether it can be shown."""
    try:
        prepared = store.prepare(entry, data_dir=data_dir)
    except store.NotPrepared:
        return TableStatus(
            entry.id,
            entry.title,
            "not prepared",
            "run `python -m leo_dash prepare` (this process reads prepared tables only)",
            None,
            entry.access,
            entry.demo,
            entry.next_review,
        )
    except ees.EESLoadError as exc:
        first = exc.findings[0] if exc.findings else None
        detail = f"{len(exc.findings)} error(s); first: {first}" if first else str(exc)
        return TableStatus(
            entry.id, entry.title, "failed checks", detail, None, entry.access, entry.demo, entry.next_review
        )
    if entry.is_overdue(today):
        status, detail = "overdue for review", f"review was due {entry.next_review.isoformat()}"
    else:
        status, detail = "ok", f"next review {entry.next_review.isoformat()}"
    if prepared.warnings:
        detail += f"; {len(prepared.warnings)} loader warning(s)"
    hidden = protection_summary(prepared.protection)
    if hidden:
        detail += f"; {hidden}"
    return TableStatus(
        entry.id,
        entry.title,
        status,
        detail,
        prepared.rows,
        entry.access,
        entry.demo,
        entry.next_review,
        int(prepared.protection.get("cells_hidden", 0)),
    )


def protection_summary(report: dict) -> str:
    """What the protection pass hid beyond the publisher's suppression, and why, in one phrase ("" if nothing)."""
    hidden = int(report.get("cells_hidden", 0))
    if not hidden:
        return "protection hid no further cells"
    subtraction = int(report.get("by_subtraction", hidden))
    on_base = int(report.get("on_hidden_base", 0))
    reasons = [f"{subtraction:,} would reveal a suppressed cell by subtraction"]
    if on_base:
        reasons.append(f"{on_base:,} rest on a hidden base")
    return f"protection hid {hidden:,} more cells ({'; '.join(reasons)})"


def catalogue_statuses(*, data_dir: Path | None = None, today: dt.date | None = None) -> list[TableStatus]:
    catalogue = load_catalogue(data_dir)
    statuses = [table_status(e, data_dir=data_dir, today=today) for e in catalogue]
    statuses += [
        TableStatus(tid, tid, "unavailable", reason, None, "", False, None)
        for tid, reason in catalogue.unavailable.items()
    ]
    return statuses


def print_catalogue(*, data_dir: Path | None = None) -> int:
    statuses = catalogue_statuses(data_dir=data_dir)
    width = max((len(s.table_id) for s in statuses), default=10)
    print(f"{'table':<{width}}  {'status':<18}  {'rows':>10}  {'access':<10}  detail")
    for s in statuses:
        rows = f"{s.rows:,}" if s.rows is not None else "-"
        label = s.title + (" [synthetic demo data]" if s.demo else "")
        print(f"{s.table_id:<{width}}  {s.status:<18}  {rows:>10}  {s.access:<10}  {label} — {s.detail}")
    failed = sum(s.status == "failed checks" for s in statuses)
    print(f"{len(statuses)} table(s); {failed} failed checks.")
    return 1 if failed else 0


def prepare_tables(table_ids: list[str], *, force: bool = False, data_dir: Path | None = None) -> int:
    """The release step: screen and protect every approved table (or those named) once, before any server reads
    them; one line per table. Exit 1 when a table fails its checks or an id is unknown (the others are prepared)."""
    import time

    catalogue = load_catalogue(data_dir)
    known = {entry.id for entry in catalogue}
    unknown = [t for t in table_ids if t not in known]
    failed = 0
    for table_id in unknown:
        print(f"{table_id}: no such table in the catalogue")
        failed += 1
    for entry in catalogue:
        if table_ids and entry.id not in table_ids:
            continue
        started = time.perf_counter()
        try:
            prepared = store.prepare(entry, data_dir=data_dir, force=force)
        except ees.EESLoadError as exc:
            first = exc.findings[0] if exc.findings else exc
            print(f"{entry.id}: FAILED checks ({first})")
            failed += 1
            continue
        hidden = protection_summary(prepared.protection)
        seconds = time.perf_counter() - started
        print(f"{entry.id}: {prepared.rows:,} rows ready in {seconds:.1f} s" + (f"; {hidden}" if hidden else ""))
    return 1 if failed else 0

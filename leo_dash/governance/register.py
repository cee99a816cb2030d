"""The approved access register: each project's status, panel outcome and the tables granted, in sections by real
status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl

from leo_dash.governance.access import ApprovedProject

# Decision, status and expiry come straight after the project, so they are visible without scrolling sideways.
REGISTER_COLUMNS_SHOWN: tuple[str, ...] = (
    "Project",
    "Status",
    "Panel outcome",
    "Expires",
    "Organisation",
    "Project title",
    "Approved",
    "Tables granted",
)

# The register's sections, in order: a project is listed under its real status, never under approvals it lacks.
REGISTER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("current", "Organisations approved now"),
    ("upcoming", "Approved, access not yet started"),
    ("expired", "Approvals that have expired"),
    ("refused", "Applications not approved or withdrawn"),
)


def register_section(project: ApprovedProject, today: dt.date) -> str:
    """Which section of the register a project belongs in, from its panel outcome and dates."""
    if not project.grants_access:
        return "refused"
    if today < project.approval_date:
        return "upcoming"
    return "expired" if project.is_expired(today) else "current"


def tables_granted_text(project: ApprovedProject, titles: Mapping[str, str]) -> str:
    """Titles of the granted tables this user may see; the rest only counted, so the register never reveals a
    restricted table to someone who may not see it."""
    shown = [titles[t] for t in project.tables if t in titles]
    hidden = sum(1 for t in project.tables if t not in titles)
    if hidden:
        shown.append(f"{hidden} restricted table{'s' if hidden != 1 else ''}")
    return "; ".join(shown)


def newest_first(projects: Sequence[ApprovedProject]) -> list[ApprovedProject]:
    return sorted(projects, key=lambda p: (-p.approval_date.toordinal(), p.project_id))


def register_rows(
    projects: Sequence[ApprovedProject], titles: Mapping[str, str], today: dt.date | None = None
) -> pl.DataFrame:
    """Register rows as shown: one row per project, newest approval first."""
    today = today or dt.date.today()
    records = [
        {
            "Project": p.project_id + (" (illustrative)" if p.illustrative else ""),
            "Status": p.status(today),
            "Panel outcome": p.panel_outcome,
            "Expires": p.expiry.isoformat(),
            "Organisation": p.organisation,
            "Project title": p.title,
            "Approved": p.approval_date.isoformat(),
            "Tables granted": tables_granted_text(p, titles),
        }
        for p in newest_first(projects)
    ]
    return pl.DataFrame(records, schema=dict.fromkeys(REGISTER_COLUMNS_SHOWN, pl.String))


def register_sections(
    projects: Sequence[ApprovedProject], titles: Mapping[str, str], today: dt.date | None = None
) -> list[tuple[str, pl.DataFrame]]:
    """(heading, rows) for each section of the register that has projects, in REGISTER_SECTIONS order."""
    today = today or dt.date.today()
    out: list[tuple[str, pl.DataFrame]] = []
    for key, heading in REGISTER_SECTIONS:
        members = [p for p in projects if register_section(p, today) == key]
        if members:
            out.append((heading, register_rows(members, titles, today)))
    return out

"""`python -m leo_dash add`: screen a file and register it as an approved table, or refuse and change nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from leo_dash import ees, paths
from leo_dash.catalogue import catalogue_dir, load_catalogue, write_entry
from leo_dash.model import CONTROLLERS, ROLE_NAMES, DisclosureProfile, Indicator, TableEntry

TABLE_ID = re.compile(r"^[a-z][a-z0-9_]{1,60}$")


@dataclass(frozen=True)
class RegistrationRequest:
    path: Path
    table_id: str
    title: str
    publication: str = ""
    controllers: tuple[str, ...] = ("DfE",)
    licence: str = "Open Government Licence v3.0"
    release_date: dt.date = field(default_factory=dt.date.today)
    next_review: dt.date | None = None
    access: str = "public"
    roles: dict[str, str] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)  # indicator -> base column; "*" applies to every rate
    filters: tuple[str, ...] = ()
    count_base: int = 5
    time_label: str = "Year"
    footnotes: tuple[str, ...] = ()


class RegistrationError(ValueError):
    """The request or the file cannot be registered; nothing was written."""


def _project_relative(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(paths.PROJECT_ROOT))
    except ValueError:
        try:
            return str(Path("..") / resolved.relative_to(paths.PROJECT_ROOT.parent))
        except ValueError:
            return str(resolved)


def build_entry(request: RegistrationRequest, result: ees.ScreenResult) -> TableEntry:
    """Turn a screened file and the request into a catalogue entry (validating roles and controllers)."""
    if not TABLE_ID.match(request.table_id):
        raise RegistrationError(f"Table id {request.table_id!r} must be lower case letters, digits and _.")
    bad_controllers = [c for c in request.controllers if c not in CONTROLLERS]
    if bad_controllers:
        raise RegistrationError(f"Unknown controller(s) {bad_controllers}; use {', '.join(CONTROLLERS)}.")
    assert result.frame is not None and result.meta is not None
    columns = set(result.frame.columns)
    unknown_roles = sorted(set(request.roles) - set(ROLE_NAMES))
    if unknown_roles:
        raise RegistrationError(f"Unknown role(s) {unknown_roles}; roles are {', '.join(ROLE_NAMES)}.")
    roles = {"time": "time_period"} | dict(request.roles)
    # EES provider files always name these columns, so their roles need not be spelt out.
    for column, role in (("provider_ukprn", "provider_id"), ("provider_name", "provider_name")):
        if column in columns:
            roles.setdefault(role, column)
    missing = sorted(c for c in list(roles.values()) + list(request.filters) if c not in columns)
    if missing:
        raise RegistrationError(f"{request.path.name} has no column(s) {', '.join(missing)}.")
    indicators: list[Indicator] = []
    for ind in ees.indicators_from_meta(result.meta):
        base = request.bases.get(ind.column) or (request.bases.get("*") if ind.kind in ("rate", "earnings") else None)
        if base and base not in columns:
            raise RegistrationError(f"Base column {base!r} for {ind.column} is not in {request.path.name}.")
        indicators.append(Indicator(ind.column, ind.label, ind.kind, ind.unit, ind.dp, base or ind.base, ind.hidden))
    filters = tuple(request.filters) or tuple(
        c
        for c in result.meta.filter(result.meta["col_type"] == "Filter")["col_name"].to_list()
        if c not in roles.values()
    )
    next_review = request.next_review or request.release_date.replace(year=request.release_date.year + 1)
    return TableEntry(
        id=request.table_id,
        title=request.title,
        files=(_project_relative(request.path),),
        publication=request.publication,
        controllers=request.controllers,
        licence=request.licence,
        release_date=request.release_date,
        next_review=next_review,
        access="restricted" if request.access == "restricted" else "public",
        roles=roles,
        filters=filters,
        indicators=tuple(indicators),
        disclosure=DisclosureProfile(count_base=request.count_base),
        time_label=request.time_label,
        footnotes=request.footnotes,
    )


def register(request: RegistrationRequest, *, data_dir: Path | None = None) -> int:
    """Screen, print findings, and register only when there is no error. Returns a process exit code."""
    existing = load_catalogue(data_dir)
    if request.table_id in existing or (catalogue_dir(data_dir) / f"{request.table_id}.toml").exists():
        print(f"Refused: a table with id {request.table_id!r} is already registered; nothing was changed.")
        return 1
    result = ees.screen(request.path, count_base=request.count_base)
    for finding in result.errors + result.warnings:
        print(finding)
    if not result.ok:
        print(f"Refused: {request.path.name} failed {len(result.errors)} check(s); the catalogue was not changed.")
        return 1
    try:
        entry = build_entry(request, result)
    except RegistrationError as exc:
        print(f"Refused: {exc} The catalogue was not changed.")
        return 1
    target = write_entry(entry, data_dir)
    print(f"Registered {entry.id} ({result.frame.height if result.frame is not None else 0:,} rows) in {target}.")
    return 0

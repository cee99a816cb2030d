"""`python -m leo_dash add`: screen a file and register it as an approved table, or refuse and change nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from leo_dash.analyses.registry import describe
from leo_dash.core import ees, model, paths, shapes
from leo_dash.core.catalogue import catalogue_dir, load_catalogue, write_entry
from leo_dash.core.disclosure_profiles import ProfileError, parse_profile
from leo_dash.core.ees.reading import _meta_rows
from leo_dash.core.model import DisclosureProfile, Indicator, MeasureItem, TableEntry

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
    count_base: int | None = None  # rounding of derived counts; default: the declared count convention's, else 5
    time_label: str = "Year"
    footnotes: tuple[str, ...] = ()
    profile: tuple[str, ...] = ()  # the publication's disclosure conventions (leo_dash.core.disclosure_profiles)
    no_base_reason: str = ""  # why earnings/rates may have no base column (else registration refuses them)
    registered: dt.date = field(default_factory=dt.date.today)  # the review date counts from this
    # Shapes (leo_dash.core.shapes): detected from the meta and the data unless given here.
    unit_filter: str | None = None  # the `data_type` filter; "none": the table has none (turns detection off)
    unit_items: dict[str, str] = field(default_factory=dict)  # item -> "count" or "%" (else read from the labels)
    measure_items: tuple[MeasureItem, ...] | None = None  # None: detected by item label; (): none

    def derived_count_base(self) -> int:
        """The base derived counts are rounded to: as asked, else the publisher's rounding, else 5 (D3)."""
        if self.count_base:
            return self.count_base
        counts = parse_profile(self.profile).counts
        return int(counts.multiple) if counts is not None and counts.multiple else 5


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


def _items(table: pl.LazyFrame, column: str) -> list[str]:
    """A column's distinct values as sorted text."""
    found = table.select(pl.col(column).drop_nulls().unique().sort()).collect(engine="streaming")
    return [str(v) for v in found.to_series().to_list()]


def _roles(request: RegistrationRequest, columns: set[str]) -> dict[str, str]:
    """Column roles: the request's, plus those EES provider files always name; each must name a column."""
    unknown_roles = sorted(set(request.roles) - set(model.ROLE_NAMES))
    if unknown_roles:
        raise RegistrationError(f"Unknown role(s) {unknown_roles}; roles are {', '.join(model.ROLE_NAMES)}.")
    roles = {"time": "time_period"} | dict(request.roles)
    # EES provider files always name these columns, so their roles need not be spelt out.
    for column, role in (("provider_ukprn", "provider_id"), ("provider_name", "provider_name")):
        if column in columns:
            roles.setdefault(role, column)
    missing = sorted(c for c in list(roles.values()) + list(request.filters) if c not in columns)
    if missing:
        raise RegistrationError(f"{request.path.name} has no column(s) {', '.join(missing)}.")
    return roles


def _indicators(
    request: RegistrationRequest, meta_indicators: list[Indicator], columns: set[str], unit_filter: str | None
) -> list[Indicator]:
    """The meta's indicators with their bases; a rate or earnings figure needs a base or a reason it has none."""
    institutions = {i.column for i in meta_indicators if i.counts == "institutions"}
    indicators: list[Indicator] = []
    for ind in meta_indicators:
        base = request.bases.get(ind.column) or (request.bases.get("*") if ind.kind in ("rate", "earnings") else None)
        if base and base not in columns:
            raise RegistrationError(f"Base column {base!r} for {ind.column} is not in {request.path.name}.")
        if base in institutions:
            raise RegistrationError(
                f"{base} counts institutions, not people, so it cannot be the base of {ind.column}; "
                "give a count of people (e.g. number_of_learners)."
            )
        if unit_filter and not ind.hidden and ind.unit in ("", "%"):
            # Counts and percentages share this column, told apart by the unit filter: as stored it is neither,
            # so nothing sums it or takes it as a base; a page reads it through TableEntry.unit_indicator.
            indicators.append(Indicator(ind.column, ind.label, "other", "", ind.dp, None, ind.hidden, ""))
            continue
        indicators.append(
            Indicator(ind.column, ind.label, ind.kind, ind.unit, ind.dp, base or ind.base, ind.hidden, ind.counts)
        )
    unprotected = [i for i in indicators if i.kind in ("rate", "earnings") and not i.hidden and not i.base]
    if unprotected and not request.no_base_reason.strip():
        names = ", ".join(f"{i.column} ({i.kind})" for i in unprotected)
        raise RegistrationError(
            f"{names} {'has' if len(unprotected) == 1 else 'have'} no base column, so the small-base rules (D4, D5) "
            f"could not run. Give one with --base {unprotected[0].column}=COLUMN (or --base '*=COLUMN' for every rate and "
            "earnings figure), or say in the disclosure profile why none is needed with --no-base-reason TEXT."
        )
    return indicators


def _measure_items(
    request: RegistrationRequest,
    filters: tuple[str, ...],
    filter_items: dict[str, list[str]],
    value_columns: list[str],
    unit_filter: str | None,
    columns: set[str],
) -> tuple[MeasureItem, ...]:
    """Filter items that are measures (detected, or as the request gives them), each checked against the file."""
    if request.measure_items is None:
        measure_items = tuple(
            shapes.detect_measure_items(filters, filter_items, value_columns, skip=[unit_filter or ""])
        )
    else:
        measure_items = tuple(_with_value_column(m, value_columns) for m in request.measure_items)
    for m in measure_items:
        if m.filter not in columns or m.indicator not in columns or m.item not in filter_items.get(m.filter, ()):
            raise RegistrationError(
                f"Measure item {m.filter} = {m.item!r} ({m.indicator}) is not in {request.path.name}."
            )
        if m.measure not in model.MEASURES:
            raise RegistrationError(f"Unknown measure {m.measure!r}; use {', '.join(model.MEASURES)}.")
    return measure_items


def build_entry(request: RegistrationRequest, result: ees.ScreenResult) -> TableEntry:
    """Turn a screened file and the request into a catalogue entry (validating roles and controllers)."""
    if not TABLE_ID.match(request.table_id):
        raise RegistrationError(f"Table id {request.table_id!r} must be lower case letters, digits and _.")
    bad_controllers = [c for c in request.controllers if c not in model.CONTROLLERS]
    if bad_controllers:
        raise RegistrationError(f"Unknown controller(s) {bad_controllers}; use {', '.join(model.CONTROLLERS)}.")
    assert result.ok and result.meta is not None
    table = result.scan()  # in memory, or streaming over the staged cells of a large file
    columns = set(table.collect_schema().names())
    roles = _roles(request, columns)
    meta_indicators = ees.indicators_from_meta(result.meta)
    filter_rows = [r for r in _meta_rows(result.meta) if r["col_type"] == "Filter" and r["col_name"] in columns]
    filter_items = {r["col_name"]: _items(table, r["col_name"]) for r in filter_rows}
    unit_filter, unit_items = _unit_filter(request, filter_rows, filter_items)
    indicators = _indicators(request, meta_indicators, columns, unit_filter)
    groups = {c: g for c, g in shapes.filter_groups(filter_rows, list(columns)).items() if g not in roles.values()}
    filters = tuple(request.filters) or tuple(
        c
        for c in result.meta.filter(result.meta["col_type"] == "Filter")["col_name"].to_list()
        if c not in roles.values()
    )
    filters = shapes.ordered_filters(filters, {c: g for c, g in groups.items() if c in filters})
    groups = {c: g for c, g in groups.items() if c in filters}
    for group in set(groups.values()) - set(filter_items):  # a grouping column without a meta row of its own
        filter_items[group] = _items(table, group)
    defaults = shapes.filter_defaults(filter_rows, filter_items)
    if unit_filter and unit_filter not in defaults:
        # a selection always pins one unit: counts first (the base a reader needs), unless the meta says otherwise
        defaults[unit_filter] = next((i for i, u in unit_items.items() if u == "count"), next(iter(unit_items)))
    value_columns = [i.column for i in indicators if not i.hidden and i.counts != "institutions"]
    measure_items = _measure_items(request, filters, filter_items, value_columns, unit_filter, columns)
    next_review = request.next_review or _one_year_after(request.registered)  # from registration, not release
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
        disclosure=DisclosureProfile(
            count_base=request.derived_count_base(),
            publication_profile=parse_profile(request.profile).names,
            no_base_reason=request.no_base_reason.strip(),
        ),
        time_label=request.time_label,
        footnotes=request.footnotes,
        filter_defaults=defaults,
        filter_groups=groups,
        unit_filter=unit_filter,
        unit_items=unit_items,
        measure_items=measure_items,
    )


def _with_value_column(item: MeasureItem, value_columns: list[str]) -> MeasureItem:
    """A declared measure item that names no value column takes the table's only one."""
    if item.indicator:
        return item
    if len(value_columns) != 1:
        raise RegistrationError(
            f"Say which column holds {item.filter} = {item.item!r}: --measure-item '{item.filter}={item.item}:COLUMN'."
        )
    return MeasureItem(item.filter, item.item, item.measure, value_columns[0], item.label)


def _unit_filter(
    request: RegistrationRequest, filter_rows: list[dict[str, str]], items: dict[str, list[str]]
) -> tuple[str | None, dict[str, str]]:
    """The `data_type` filter and its item units: as the request says, else detected from the meta and items."""
    if request.unit_filter == "none":
        return None, {}
    if request.unit_filter:
        if request.unit_filter not in items:
            raise RegistrationError(f"Unit filter {request.unit_filter!r} is not a filter of {request.path.name}.")
        units = {i: request.unit_items.get(i) or shapes.unit_of_item(i) for i in items[request.unit_filter]}
        unknown = sorted(i for i, u in units.items() if u not in model.UNIT_ITEM_VALUES)
        if unknown:
            raise RegistrationError(
                f"Say the unit of {request.unit_filter} item(s) {', '.join(repr(i) for i in unknown)} with "
                f"--unit-item 'ITEM=count' or 'ITEM=%'."
            )
        return request.unit_filter, {k: str(v) for k, v in units.items()}
    found = shapes.detect_unit_filter(filter_rows, items)
    return (found[0], found[1]) if found else (None, {})


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def register(request: RegistrationRequest, *, data_dir: Path | None = None) -> int:
    """Screen, print findings, and register only when there is no error. Returns a process exit code."""
    existing = load_catalogue(data_dir)
    if request.table_id in existing or (catalogue_dir(data_dir) / f"{request.table_id}.toml").exists():
        print(f"Refused: a table with id {request.table_id!r} is already registered; nothing was changed.")
        return 1
    try:
        result = ees.screen(
            request.path, count_base=request.derived_count_base(), bases=request.bases, profile=request.profile
        )
    except ProfileError as exc:
        print(f"Refused: {exc} The catalogue was not changed.")
        return 1
    for finding in result.errors + result.warnings:
        print(finding)  # Finding escapes control characters from the file
    if not result.ok:
        print(
            f"Refused: {ees.printable(request.path.name)} failed {len(result.errors)} check(s); the catalogue was not changed."
        )
        return 1
    try:
        entry = build_entry(request, result)
    except RegistrationError as exc:
        print(f"Refused: {ees.printable(str(exc))} The catalogue was not changed.")
        return 1
    target = write_entry(entry, data_dir)
    rows = result.scan().select(pl.len()).collect(engine="streaming").item() if result.ok else 0
    print(f"Registered {entry.id} ({rows:,} rows) in {target}.")
    if entry.disclosure.publication_profile:
        print(f"Disclosure profile: {'; '.join(entry.disclosure.publication_profile)}.")
    for line in shape_lines(entry):
        print(line)
    print(f"Next review: {entry.next_review.isoformat()}.")
    for line in describe(entry):
        print(line)
    return 0


def shape_lines(entry: TableEntry) -> list[str]:
    """What registration read from the meta beyond one measure per column, for the person registering."""
    lines: list[str] = []
    if entry.unit_filter:
        units = ", ".join(f"{i!r} = {u}" for i, u in entry.unit_items.items())
        lines.append(f"Unit set by {entry.unit_filter}: {units} (every selection pins one).")
    for m in entry.measure_items:
        lines.append(f"{m.filter} = {m.item!r} is the {model.MEASURES[m.measure]} ({m.indicator}).")
    for child, group in entry.filter_groups.items():
        lines.append(f"{child} is nested under {group}.")
    if entry.filter_defaults:
        lines.append("Defaults: " + ", ".join(f"{c} = {v!r}" for c, v in entry.filter_defaults.items()) + ".")
    return lines

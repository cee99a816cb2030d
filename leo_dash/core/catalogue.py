"""The catalogue of approved tables: one TOML file per table under data/catalogue/.

One file per table means registering or retiring a table touches nothing else, and a write is atomic (temp file +
rename), so a refused registration leaves the catalogue exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from leo_dash.core import paths
from leo_dash.core.disclosure_profiles import ProfileError, is_institution_count, parse_profile
from leo_dash.core.model import (
    CONTROLLERS,
    COUNTS_OF,
    MEASURES,
    ROLE_NAMES,
    UNIT_ITEM_VALUES,
    DisclosureProfile,
    Indicator,
    MeasureItem,
    TableEntry,
)
from leo_dash.sdc import is_single_person_extreme

CATALOGUE_DIR_NAME = "catalogue"


class CatalogueError(ValueError):
    """A catalogue file that cannot be read; names the file and the field."""


def catalogue_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or paths.DATA_DIR) / CATALOGUE_DIR_NAME


def _as_date(value: Any, file: Path, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogueError(f"{file.name}: {name} must be a date (YYYY-MM-DD), not {value!r}.") from exc


def _check_source_url(url: str, file: Path) -> None:
    """The source link becomes a button on the catalogue page: only a plain https address may get there (never
    javascript:, data: or a relative path that a browser would resolve against the dashboard)."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise CatalogueError(f"{file.name}: source_url must be an https:// address, not {url[:80]!r}.")


def entry_from_dict(raw: Mapping[str, Any], file: Path) -> TableEntry:
    """Build a TableEntry from parsed TOML, refusing unknown roles or controllers with a clear message."""
    try:
        roles = dict(raw.get("roles", {}))
        unknown_roles = sorted(set(roles) - set(ROLE_NAMES))
        if unknown_roles:
            raise CatalogueError(f"{file.name}: unknown role(s) {', '.join(unknown_roles)}.")
        controllers = tuple(raw.get("controllers", ()))
        unknown = sorted(set(controllers) - set(CONTROLLERS))
        if unknown or not controllers:
            raise CatalogueError(
                f"{file.name}: controllers must be among {', '.join(CONTROLLERS)}; got {list(controllers)}."
            )
        _check_source_url(str(raw.get("source_url", "")), file)
        access = raw.get("access", "public")
        if access not in ("public", "restricted"):
            raise CatalogueError(f"{file.name}: access must be 'public' or 'restricted', not {access!r}.")
        indicators = tuple(
            Indicator(
                column=i["column"],
                label=i.get("label", i["column"]),
                kind=i.get("kind", "other"),
                unit=i.get("unit", ""),
                dp=i.get("dp"),
                base=i.get("base"),
                hidden=bool(i.get("hidden", False)),
                counts=str(i.get("counts", "")),
            )
            for i in raw.get("indicators", ())
        )
        indicators = checked_counts(indicators, file)
        profile_fields = {f.name for f in fields(DisclosureProfile)}
        disclosure_raw = dict(raw.get("disclosure", {}))
        bad_profile = sorted(set(disclosure_raw) - profile_fields)
        if bad_profile:
            raise CatalogueError(f"{file.name}: unknown disclosure setting(s) {', '.join(bad_profile)}.")
        shape = shape_fields(raw, file)
        if shape["unit_filter"]:
            indicators = mixed_unit_indicators(indicators)
        return TableEntry(
            id=str(raw["id"]),
            title=str(raw["title"]),
            files=tuple(raw["files"]),
            publication=str(raw.get("publication", "")),
            controllers=controllers,
            licence=str(raw.get("licence", "")),
            release_date=_as_date(raw["release_date"], file, "release_date"),
            next_review=_as_date(raw["next_review"], file, "next_review"),
            access=access,
            demo=bool(raw.get("demo", False)),
            optional=bool(raw.get("optional", False)),
            source_url=str(raw.get("source_url", "")),
            description=str(raw.get("description", "")),
            time_label=str(raw.get("time_label", "Year")),
            roles=roles,
            filters=tuple(raw.get("filters", ())),
            filter_defaults=dict(raw.get("filter_defaults", {})),
            indicators=hide_single_person_extremes(indicators),
            disclosure=DisclosureProfile(**checked_publication_profile(disclosure_raw, file)),
            footnotes=tuple(raw.get("footnotes", ())),
            **shape,
        )
    except KeyError as exc:
        raise CatalogueError(f"{file.name}: missing required field {exc.args[0]!r}.") from exc


def entry_to_dict(entry: TableEntry) -> dict[str, Any]:
    """The TOML form of an entry (inverse of entry_from_dict)."""
    out: dict[str, Any] = {
        "id": entry.id,
        "title": entry.title,
        "description": entry.description,
        "files": list(entry.files),
        "publication": entry.publication,
        "source_url": entry.source_url,
        "controllers": list(entry.controllers),
        "licence": entry.licence,
        "release_date": entry.release_date,
        "next_review": entry.next_review,
        "access": entry.access,
        "demo": entry.demo,
        "optional": entry.optional,
        "time_label": entry.time_label,
        "filters": list(entry.filters),
        "footnotes": list(entry.footnotes),
        "roles": dict(entry.roles),
        "filter_defaults": dict(entry.filter_defaults),
        "disclosure": disclosure_to_dict(entry.disclosure),
        "indicators": [
            {k: v for k, v in vars(i).items() if v is not None and v != "" and not (k == "hidden" and v is False)}
            for i in entry.indicators
        ],
    }
    out.update(shape_to_dict(entry))
    return out


def write_entry(entry: TableEntry, data_dir: Path | None = None) -> Path:
    """Write one entry atomically; an existing entry with the same id is replaced."""
    directory = catalogue_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{entry.id}.toml"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{entry.id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            tomli_w.dump(entry_to_dict(entry), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes owner-only files; the catalogue is read by the app's service user
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


@dataclass
class Catalogue:
    """Approved tables that are available here, plus those registered but not available (and why)."""

    entries: dict[str, TableEntry] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # id -> reason (e.g. optional files absent)
    sources: dict[str, Path] = field(default_factory=dict)  # id -> catalogue file

    def __iter__(self) -> Iterator[TableEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, table_id: object) -> bool:
        return table_id in self.entries

    def get(self, table_id: str) -> TableEntry:
        try:
            return self.entries[table_id]
        except KeyError:
            raise KeyError(f"No approved table with id {table_id!r}.") from None

    def ids(self) -> list[str]:
        return list(self.entries)


def load_catalogue(data_dir: Path | None = None) -> Catalogue:
    """Read every catalogue file. Optional tables whose files are missing are listed as unavailable, not errors."""
    catalogue = Catalogue()
    directory = catalogue_dir(data_dir)
    for file in sorted(directory.glob("*.toml")):
        with file.open("rb") as handle:
            try:
                raw = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"{file.name}: not valid TOML ({exc}).") from exc
        entry = entry_from_dict(raw, file)
        if entry.id in catalogue.entries:
            raise CatalogueError(
                f"{file.name}: table id {entry.id!r} is already used by {catalogue.sources[entry.id].name}."
            )
        missing = [f for f in entry.files if not paths.resolve(f).exists()]
        if missing:
            reason = f"file(s) not present here: {', '.join(missing)}"
            if entry.optional:
                catalogue.unavailable[entry.id] = reason
                continue
            raise CatalogueError(f"{file.name}: {reason}.")
        catalogue.entries[entry.id] = entry
        catalogue.sources[entry.id] = file
    return catalogue


# --------------------------------------------------------------------------------------------------------------
# Loader block (issues #12, #13): the publication's declared disclosure profile and single-person extremes.
# Kept apart from the fields above so the catalogue's other additions merge cleanly.


def checked_publication_profile(disclosure: Mapping[str, Any], file: Path) -> dict[str, Any]:
    """The [disclosure] table with `publication_profile` checked (every name a known convention, one per kind of
    column) and held as a tuple; a bad name is a CatalogueError naming the file."""

    out = dict(disclosure)
    names = out.get("publication_profile", ())
    if isinstance(names, str):
        names = (names,)
    try:
        out["publication_profile"] = parse_profile(tuple(str(n) for n in names)).names
    except ProfileError as exc:
        raise CatalogueError(f"{file.name}: {exc}") from exc
    out["no_base_reason"] = str(out.get("no_base_reason", ""))
    return out


def hide_single_person_extremes(indicators: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    """Minimum/maximum earnings (by name or label) are hidden whatever the file says (D5): never offered, ranked
    or exported, even from a hand-written catalogue entry."""
    from dataclasses import replace

    return tuple(
        replace(i, hidden=True)
        if not i.hidden and i.unit in ("£", "£m") and is_single_person_extreme(i.column, i.label)
        else i
        for i in indicators
    )


_PUBLICATION_FIELDS = ("publication_profile", "no_base_reason")


def disclosure_to_dict(profile: DisclosureProfile) -> dict[str, Any]:
    """The [disclosure] table; the publication's profile fields only when set, so older entries stay byte-identical."""
    out = {f.name: getattr(profile, f.name) for f in fields(DisclosureProfile)}
    for name in _PUBLICATION_FIELDS:
        if not out.get(name):
            out.pop(name, None)
        elif isinstance(out[name], tuple):
            out[name] = list(out[name])
    return out


# --------------------------------------------------------------------------------------------------------------
# Shapes a published table can have (issue #13 item 2): nested filters, a unit set by a `data_type` item, a filter
# item that is a measure, counts of institutions. Each is written only when set, so older entries stay identical.


def checked_counts(indicators: tuple[Indicator, ...], file: Path) -> tuple[Indicator, ...]:
    """Every count says what it counts. A count of institutions (`number_of_providers`, by name, label or the
    entry's own `counts = "institutions"`) is never a base: an entry saying otherwise is refused."""
    from dataclasses import replace

    out: list[Indicator] = []
    for i in indicators:
        counts = i.counts
        if counts and counts not in COUNTS_OF:
            raise CatalogueError(f"{file.name}: {i.column} counts {counts!r}; use one of {', '.join(COUNTS_OF)}.")
        if not counts and i.unit == "" and is_institution_count(i.column, i.label):
            counts = "institutions"  # a count or base with no `counts` counts people (Indicator.counts_of)
        if counts == "institutions" and i.kind in ("count", "base"):
            raise CatalogueError(
                f"{file.name}: {i.column} counts institutions, not people, so it cannot be a {i.kind}; "
                'give it kind = "other".'
            )
        out.append(replace(i, counts=counts) if counts != i.counts else i)
    institutions = {i.column for i in out if i.counts == "institutions"}
    for i in out:
        if i.base in institutions:
            raise CatalogueError(
                f"{file.name}: {i.column} rests on {i.base}, which counts institutions, not people; "
                "a base must be a count of people."
            )
    return tuple(out)


def shape_fields(raw: Mapping[str, Any], file: Path) -> dict[str, Any]:
    """filter_groups, unit_filter + unit_items and measure_items of an entry, checked."""
    groups = {str(k): str(v) for k, v in dict(raw.get("filter_groups", {})).items()}
    if any(child == group for child, group in groups.items()):
        raise CatalogueError(f"{file.name}: a filter cannot be grouped under itself.")
    unit_filter = raw.get("unit_filter") or None
    unit_items = {str(k): str(v) for k, v in dict(raw.get("unit_items", {})).items()}
    if unit_filter and not unit_items:
        raise CatalogueError(f"{file.name}: unit_filter {unit_filter!r} needs [unit_items] (item = unit).")
    bad_units = sorted({v for v in unit_items.values() if v not in UNIT_ITEM_VALUES})
    if bad_units:
        raise CatalogueError(
            f"{file.name}: unit_items unit(s) {', '.join(bad_units)} unknown; use {', '.join(UNIT_ITEM_VALUES)}."
        )
    measure_items: list[MeasureItem] = []
    for m in raw.get("measure_items", ()):
        try:
            item = MeasureItem(
                filter=str(m["filter"]),
                item=str(m["item"]),
                measure=str(m["measure"]),
                indicator=str(m["indicator"]),
                label=str(m.get("label", "")),
            )
        except KeyError as exc:
            raise CatalogueError(f"{file.name}: measure_items entry lacks {exc.args[0]!r}.") from exc
        if item.measure not in MEASURES:
            raise CatalogueError(f"{file.name}: measure {item.measure!r} unknown; use {', '.join(MEASURES)}.")
        measure_items.append(item)
    return {
        "filter_groups": groups,
        "unit_filter": str(unit_filter) if unit_filter else None,
        "unit_items": unit_items,
        "measure_items": tuple(measure_items),
    }


def mixed_unit_indicators(indicators: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    """In a table whose unit is set by a `data_type` item, a column holding counts on some rows and percentages on
    others is neither as stored: never summed, derived or taken as a base, whatever the entry says. Pages read it
    through TableEntry.unit_indicator for the item they pinned."""
    from dataclasses import replace

    return tuple(
        replace(i, kind="other", unit="", base=None, counts="") if not i.hidden and i.unit in ("", "%") else i
        for i in indicators
    )


def shape_to_dict(entry: TableEntry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if entry.filter_groups:
        out["filter_groups"] = dict(entry.filter_groups)
    if entry.unit_filter:
        out["unit_filter"] = entry.unit_filter
        out["unit_items"] = dict(entry.unit_items)
    if entry.measure_items:
        out["measure_items"] = [{k: v for k, v in vars(m).items() if v != ""} for m in entry.measure_items]
    return out

"""What every analysis page does the same way with a link: pick the table it names, read a choice from it, write
its choices into one, rebuild its views from one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from leo_dash.core.model import TableEntry
from leo_dash.present.views import View

Spec = TypeVar("Spec")
PREFERRED_YAG = "5"  # the years after graduation a page shows first, where the table publishes it


def table_for_params(
    params: Mapping[str, Sequence[str]],
    tables: Sequence[TableEntry],
    supports: Callable[[TableEntry], bool],
    *,
    strict: bool = False,
) -> TableEntry | None:
    """The table a page's link names (?table=), if the page can show it and it is among `tables` (those the user
    may see); else the first demo table, else the first such table; None when there is none. `strict`: a link
    naming a table that is not available raises LookupError instead of showing another."""
    usable = [e for e in tables if supports(e)]
    wanted = [str(v) for v in params.get("table", ())]
    named = next((e for e in usable if e.id == wanted[-1]), None) if wanted else None
    if named is None and wanted and strict:
        raise LookupError(f"The table {wanted[-1]!r} is not available to you.")
    return named or next((e for e in usable if e.demo), usable[0] if usable else None)


def link_choice(
    params: Mapping[str, Sequence[str]],
    key: str,
    allowed: Sequence[str],
    default: str,
    notes: list[str],
    *,
    what: str,
    shown: str | None = None,
    reason: str = "is not in this table",
) -> str:
    """A page's choice from its link: the last `?key=` value when `allowed` holds it, else `default`; a value that
    cannot be used adds a note saying what is shown instead (`shown`, default the default itself)."""
    values = [str(v) for v in params.get(key, ())]
    if not values:
        return default
    if values[-1] in allowed:
        return values[-1]
    notes.append(f"The link's {what} '{values[-1]}' {reason}; {shown or default} is shown.")
    return default


def default_years_after(years_after: Sequence[str]) -> str:
    """A page's first years after graduation: five where the table publishes it, else the latest (`years_after` in
    order)."""
    return PREFERRED_YAG if PREFERRED_YAG in years_after else years_after[-1]


def link_params(**values: str) -> dict[str, list[str]]:
    """URL parameters with one value each (`table=..., yag=...`), as a page's link writes them."""
    return {key: [value] for key, value in values.items()}


class LinkReader:
    """A link's parameters as a spec reader reads them: each value as text, and the notes on values that could not
    be used (said on the page and kept with a briefing item)."""

    def __init__(self, params: Mapping[str, Sequence[str]]) -> None:
        self.params = params
        self.notes: list[str] = []

    def get(self, key: str) -> list[str]:
        return [str(v) for v in self.params.get(key, ())]

    def fallback(self, key: str, raw: Sequence[str], shown: str) -> None:
        self.notes.append(
            f"The link asked for {key} '{', '.join(raw)}', which is not available; showing {shown} instead."
        )


def views_from_link(
    params: Mapping[str, Sequence[str]],
    tables: Sequence[TableEntry],
    supports: Callable[[TableEntry], bool],
    spec_from_params: Callable[..., tuple[Spec, list[str]]],
    build: Callable[[TableEntry, Spec, list[str], Path | None], list[View]],
    *,
    data_dir: Path | None = None,
) -> list[View]:
    """An analysis's views for a link, over the tables the user may see: the table it names
    (`table_for_params`), its spec with the notes on what could not be used, then `build(entry, spec, notes,
    data_dir)`. No table the analysis can show: no views."""
    entry = table_for_params(params, tables, supports)
    if entry is None:
        return []
    spec, notes = spec_from_params(entry, params, data_dir=data_dir)
    return build(entry, spec, notes, data_dir)


def one_view_from_link(
    params: Mapping[str, Sequence[str]],
    tables: Sequence[TableEntry],
    supports: Callable[[TableEntry], bool],
    spec_from_params: Callable[..., tuple[Spec, list[str]]],
    make: Callable[..., View],
    *,
    data_dir: Path | None = None,
) -> list[View]:
    """`views_from_link` for an analysis with one view, made as `make(entry, spec, notes=, data_dir=)`."""

    def build(entry: TableEntry, spec: Spec, notes: list[str], data_dir: Path | None) -> list[View]:
        return [make(entry, spec, notes=notes, data_dir=data_dir)]

    return views_from_link(params, tables, supports, spec_from_params, build, data_dir=data_dir)

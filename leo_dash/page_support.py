"""Which pages can show a table, and for each that cannot, why (said by `add` when a table is registered).

The verdict is always the page's own `supports()`-style function, so this can never disagree with what the page
lists; the reason names the roles the page needs that the table lacks, else the kind of measure it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from leo_dash import query
from leo_dash.model import TableEntry


@dataclass(frozen=True)
class PageNeeds:
    """One page: where its verdict comes from, the roles it needs and the measure it needs, in words."""

    title: str
    module: str  # leo_dash module holding the verdict function
    function: str
    roles: tuple[str, ...]
    measure: str  # what the page needs beyond roles, for the reason when the roles are all there


PAGES: tuple[PageNeeds, ...] = (
    PageNeeds(
        "Headlines",
        "overview",
        "supports",
        ("time",),
        "median earnings, sustained employment or benefit-claim rate indicator",
    ),
    PageNeeds(
        "Earnings by subject",
        "earnings",
        "supports",
        ("subject", "years_after", "time"),
        "median earnings indicator (£)",
    ),
    PageNeeds(
        "Subject ranking",
        "subject_ranking",
        "supports",
        ("subject", "years_after", "time"),
        "median earnings indicator (£)",
    ),
    PageNeeds(
        "Provider profile",
        "provider_profile",
        "supports",
        ("time", "provider_id", "provider_name"),
        "rate or earnings indicator",
    ),
    PageNeeds(
        "Graduate industry",
        "industry",
        "supports",
        ("time", "subject", "years_after", "region", "industry"),
        "count of graduates living or studying in the region",
    ),
    PageNeeds(
        "Regional mobility and earnings",
        "regional",
        "supports",
        ("time", "subject", "years_after", "region", "industry"),
        "counts of graduates living in and studying in the region",
    ),
    PageNeeds(
        "Benefit claims over time", "benefits", "supports", ("time",), "out-of-work benefit-claim rate indicator (%)"
    ),
    PageNeeds(
        "How providers compare",
        "institutions",
        "supports",
        ("time", "provider_id", "provider_name"),
        "rate or earnings indicator",
    ),
    PageNeeds(
        "Impact estimate", "impact_views", "is_eligible", ("time",), "rate or earnings indicator with a base column"
    ),
)


@dataclass(frozen=True)
class PageVerdict:
    title: str
    shows: bool
    reason: str  # empty when the page can show the table


def page_verdicts(entry: TableEntry) -> list[PageVerdict]:
    """Every page's verdict on `entry`, in menu order."""
    verdicts: list[PageVerdict] = []
    for page in PAGES:
        try:
            shows = bool(getattr(importlib.import_module(f"leo_dash.{page.module}"), page.function)(entry))
        except Exception as exc:  # a page that cannot judge says so rather than failing the registration
            verdicts.append(PageVerdict(page.title, False, f"could not be checked ({type(exc).__name__})"))
            continue
        if shows:
            verdicts.append(PageVerdict(page.title, True, ""))
            continue
        missing = [r for r in page.roles if not entry.role(r)]
        if missing:
            roles = ", ".join(missing)
            reason = f"no column has the role {roles} (give it with --role {missing[0]}=COLUMN)"
        elif split := query.breakdown_reason(entry):
            reason = split
        elif level := query.level_reason(entry):
            reason = level
        else:
            reason = f"the table has no {page.measure}"
        verdicts.append(PageVerdict(page.title, False, reason))
    return verdicts


def describe(entry: TableEntry) -> list[str]:
    """Lines for people: which pages can show the table, then each that cannot, with why."""
    verdicts = page_verdicts(entry)
    shown = [v.title for v in verdicts if v.shows]
    lines = [f"Pages that can show {entry.id}: {', '.join(shown) if shown else 'none'}."]
    lines += [f"  {v.title} cannot: {v.reason}." for v in verdicts if not v.shows]
    return lines


def table_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], supports: Callable[[TableEntry], bool]
) -> TableEntry | None:
    """The table a page's link names (?table=), if the page can show it and it is among `tables` (those the user
    may see), else the first such table; None when there is none."""
    usable = [e for e in tables if supports(e)]
    wanted = [str(v) for v in params.get("table", ())]
    by_id = {e.id: e for e in usable}
    return (by_id.get(wanted[-1]) if wanted else None) or (usable[0] if usable else None)


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

"""The page's state and choices: its constants, which tables it supports, the graduate counts by basis, the
options a table offers, and the spec read from (and written to) URL parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses import page_support
from leo_dash.core import query
from leo_dash.core.model import Indicator, TableEntry
from leo_dash.present.sentences import upper_first

PAGE = "industry"
VIEW_INDUSTRIES = "industry-shares"
VIEW_SUBJECTS = "industry-subjects"
VIEW_FLOWS = "industry-flows"
ENGLAND = "England"
REGIONAL = "Regional"  # the geographic level of the rows this page reads
SHARE = "share"
INDUSTRY = "industry"
SUBJECT = "subject"
LABEL_CHARS = 60  # longest axis label before it is shortened
BASES: dict[str, str] = {"living": "Where graduates live", "trained": "Where graduates studied"}
_BASE_COLUMN_HINTS = {"living": "living", "trained": "trained"}


@dataclass(frozen=True)
class IndustrySpec:
    """One page state: the URL parameters and a briefing item."""

    table_id: str
    years_after: str
    subject: str
    region: str  # ENGLAND or a region name
    basis: str  # key of BASES
    industry: str  # the industry whose subjects the second view ranks


def supports(entry: TableEntry) -> bool:
    """A regional table with subject, years after graduation, region and industry roles and graduate counts."""
    roles = all(entry.role(r) for r in ("time", "subject", "years_after", "region", "industry"))
    return roles and bool(count_columns(entry)) and REGIONAL in query.levels(entry)


def count_columns(entry: TableEntry) -> dict[str, Indicator]:
    """The graduate counts the page can use, by basis ('living', 'trained')."""
    out: dict[str, Indicator] = {}
    for key, hint in _BASE_COLUMN_HINTS.items():
        for indicator in entry.visible_indicators("count", "base"):
            if hint in indicator.column.lower():
                out[key] = indicator
                break
    return out


def earnings_indicator(entry: TableEntry) -> Indicator | None:
    return next(iter(entry.visible_indicators("earnings")), None)


@dataclass(frozen=True)
class Options:
    years_after: tuple[str, ...]
    subjects: tuple[str, ...]
    regions: tuple[str, ...]
    industries: tuple[str, ...]
    bases: tuple[str, ...]
    all_subjects: str | None
    period: int


def options(entry: TableEntry, *, data_dir: Path | None = None) -> Options:
    def values(role: str) -> list[str]:
        return query.distinct_values(entry, role, data_dir=data_dir)

    years = sorted(values("years_after"), key=query.numeric_order)
    subjects = values("subject")
    total = query.default_item(entry, str(entry.role("subject")), subjects)
    ordered = ([total] if total else []) + sorted(s for s in subjects if s != total)
    periods = sorted(int(p) for p in values("time"))
    return Options(
        years_after=tuple(years),
        subjects=tuple(ordered),
        regions=(ENGLAND, *sorted(values("region"))),
        industries=tuple(sorted(values("industry"))),
        bases=tuple(k for k in BASES if k in count_columns(entry)),
        all_subjects=total,
        period=periods[-1],
    )


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[IndustrySpec, list[str]]:
    """A spec from URL parameters with the page's defaults, and notes on values that could not be used."""
    found = options(entry, data_dir=data_dir)
    notes: list[str] = []

    def pick(key: str, allowed: Sequence[str], default: str, what: str) -> str:
        return page_support.link_choice(params, key, allowed, default, notes, what=what)

    yag_default = page_support.default_years_after(found.years_after)
    subject_default = found.all_subjects or found.subjects[0]
    spec = IndustrySpec(
        table_id=entry.id,
        years_after=pick("yag", found.years_after, yag_default, "years after graduation"),
        subject=pick("subject", found.subjects, subject_default, "subject"),
        region=pick("region", found.regions, ENGLAND, "region"),
        basis=pick("basis", found.bases, found.bases[0], "basis"),
        industry=pick("industry", found.industries, found.industries[0], "industry"),
    )
    return spec, notes


def spec_params(spec: IndustrySpec) -> dict[str, list[str]]:
    return page_support.link_params(
        table=spec.table_id, yag=spec.years_after, subject=spec.subject, region=spec.region, basis=spec.basis,
        industry=spec.industry,
    )  # fmt: skip


def industry_name(item: str) -> str:
    """SIC section names are published in capitals: 'INFORMATION AND COMMUNICATION' -> 'Information and
    communication'."""
    return upper_first(item.lower()) if item.isupper() else item


def _where(spec: IndustrySpec) -> str:
    return "in England (all regions)" if spec.region == ENGLAND else f"in {spec.region}"


def _who(spec: IndustrySpec) -> str:
    return "living" if spec.basis == "living" else "who studied"

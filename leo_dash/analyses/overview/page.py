"""Headline figures: the page's choices and everything it shows, and its views for briefings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses import benefits
from leo_dash.analyses.overview.headline import Headline, build_headline
from leo_dash.analyses.overview.spec import candidate_specs, choose_specs, supports, table_facts
from leo_dash.analyses.overview.views import _by_table, headlines_view
from leo_dash.core import geography
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label, period_value
from leo_dash.present.views import View


@dataclass(frozen=True)
class OverviewSpec:
    table_id: str | None = None  # None: the best table for each headline
    period: int | None = None  # only with one table: the year of the headlines (default: latest)
    area: str | None = None  # only with one table: ONS code of its region or local authority (None: default)


@dataclass(frozen=True)
class Overview:
    headlines: tuple[Headline, ...]
    views: tuple[View, ...]
    notes: tuple[str, ...] = ()

    @property
    def demo(self) -> bool:
        return any(h.entry.demo for h in self.headlines)


def build_overview(
    tables: Sequence[TableEntry], spec: OverviewSpec = OverviewSpec(), *, data_dir: Path | None = None
) -> Overview:
    usable = [t for t in tables if supports(t)]
    facts = {t.id: table_facts(t, data_dir=data_dir) for t in usable}
    by_id = {t.id: t for t in usable}
    area = geography.area_by_code(facts[spec.table_id].areas, spec.area) if spec.table_id in facts else None
    if spec.table_id:
        groups = [[[s] for s in choose_specs(usable, facts, spec.table_id, area)]]
    else:
        # Each kind from its best table; a table whose rows cannot give the headline yields to the next one.
        groups = list(candidate_specs(usable, facts).values())
    headlines: list[Headline] = []
    notes: list[str] = []
    for options in groups:
        for group in options:
            built: list[Headline] = []
            for h_spec in group:
                entry = by_id[h_spec.table_id]
                try:
                    headline = build_headline(
                        entry,
                        h_spec,
                        facts[entry.id],
                        period=spec.period,
                        area=area if spec.table_id else None,
                        data_dir=data_dir,
                    )
                except benefits.BenefitsDataError as exc:
                    notes.append(str(exc))  # one unusable headline does not hide the others
                    continue
                if headline is not None:
                    built.append(headline)
            headlines += built
            if built and not spec.table_id:
                break
    if spec.period is not None:
        other = sorted({period_label(h.period) for h in headlines if h.period != spec.period})
        if other:
            notes.append(
                f"Some headlines have no figure for {period_label(spec.period)}; they show {', '.join(other)} instead."
            )
    views = [headlines_view(group) for group in _by_table(headlines)]
    return Overview(tuple(headlines), tuple(views), tuple(notes))


def briefing_views(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry] | None = None, *, data_dir: Path | None = None
) -> list[View]:
    """The page's views for a link's parameters (for rebuilding briefing items)."""
    tables = list(tables) if tables is not None else list(load_catalogue(data_dir))
    return list(build_overview(tables, spec_from_params(params, tables, data_dir=data_dir), data_dir=data_dir).views)


def spec_from_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> OverviewSpec:
    """The headlines a link asks for: one table (with its year and area) or the best table for each headline."""
    ids = {t.id for t in tables if supports(t)}
    asked = [str(v) for v in params.get("table", ())]
    table_id = asked[-1] if asked and asked[-1] in ids else None
    period = None
    years = [str(v) for v in params.get("year", ())]
    if table_id and years:
        try:
            period = period_value(years[-1])
        except ValueError:
            period = None
    area = None
    if table_id:
        entry = next(t for t in tables if t.id == table_id)
        found = geography.areas(entry, data_dir=data_dir)
        area = geography.area_code(found, geography.choose_area(found, [str(v) for v in params.get("area", ())])[0])
    return OverviewSpec(table_id, period, area)

"""Per-page workloads: a page's view builder (URL parameters -> views) and a fixed list of filter sets.

Filter sets are derived deterministically from the table's own options (subjects, years, providers…), so the same
list works on the demo data and on any generated scale. Each page's views are built through the analysis registry
(`leo_dash.analyses.registry`), exactly as the briefing rebuilds them; `available_workloads` says which pages have a
table to be measured on.

"Figure ready" = the page-logic builder returned its views (query -> disclosure control -> view -> Plotly figure)
and every figure has been serialised to JSON, which is what `st.plotly_chart` sends to the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leo_dash.analyses import benefits, earnings, impact_views, institutions, overview, registry
from leo_dash.core.model import TableEntry
from leo_dash.demo import BENEFIT_TABLE, GRADUATE_TABLE
from leo_dash.present.views import View

Params = dict[str, list[str]]
Builder = Callable[[Mapping[str, Sequence[str]]], list[View]]
MIN_FILTER_SETS = 20


@dataclass(frozen=True)
class PageWorkload:
    """One page: how to build its views and the filter sets to time."""

    page: str  # the page's url_path
    module: str  # page-logic module measured
    table_id: str  # the table its filter sets are about ("" when the page uses several)
    build: Builder
    param_sets: tuple[Params, ...]
    # Errors the page shows as a plain message (a user choice that cannot give a view): counted, not fatal.
    message_errors: tuple[type[Exception], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def figure_ready(views: Sequence[View]) -> int:
    """Serialise every figure as Streamlit does; returns the JSON size (so the work cannot be optimised away)."""
    return sum(len(v.figure.to_json()) for v in views if v.figure is not None)


def _pick(tables: Sequence[TableEntry], supports: Callable[[TableEntry], bool], prefer: str) -> TableEntry | None:
    """The table a page is measured on: `prefer` (by id) when the page supports it, else the first it supports."""
    usable = [t for t in tables if supports(t)]
    return next((t for t in usable if t.id == prefer), usable[0] if usable else None)


def _rotate(items: Sequence[Any], start: int, count: int) -> list[Any]:
    if not items:
        return []
    return [items[(start + k) % len(items)] for k in range(min(count, len(items)))]


# ---------------------------------------------------------------------------------------------------- earnings


def earnings_workload(tables: Sequence[TableEntry], n_sets: int = 24) -> PageWorkload | None:
    analysis = registry.BY_KEY["earnings"]
    entry = _pick(tables, analysis.supports, GRADUATE_TABLE)
    if entry is None:
        return None
    from leo_dash.core.periods import period_label

    options = earnings.table_options(entry)
    subjects = [s for s in options.subjects if s != "Total"] or list(options.subjects)
    periods = [period_label(p) for p in options.periods]
    providers = [pid for pid, _ in options.providers]
    trajectory, cohorts = (
        next(k for k, v in earnings.MODE_OPTIONS.items() if v == m) for m in ("trajectory", "cohorts")
    )
    nominal, real = (next(k for k, v in earnings.BASIS_OPTIONS.items() if v == b) for b in ("nominal", "real"))
    sets: list[Params] = []
    for i in range(n_sets):
        params: Params = {
            "table": [entry.id],
            "compare": [cohorts if i % 6 == 5 else trajectory],
            "subject": _rotate(subjects, 3 * i, 1 + i % 3),
            "basis": [real if i % 5 == 4 else nominal],
        }
        if params["compare"] == [trajectory]:
            params["year"] = [periods[-1 - (i % len(periods))]]
            params["yag"] = list(options.years_after)
        else:
            params["yag"] = [options.years_after[i % len(options.years_after)]]
        if providers and i % 3 == 1:
            params["provider"] = [providers[(i * 7919) % len(providers)]]
        if options.characteristic_types and i % 4 == 2:
            params["characteristic"] = [options.characteristic_types[(i // 4) % len(options.characteristic_types)]]
        sets.append(params)
    return PageWorkload(
        page="earnings",
        table_id=entry.id,
        module="leo_dash.analyses.earnings",
        build=lambda params: analysis.build_views(params, tables),
        param_sets=tuple(sets),
        message_errors=(earnings.EarningsDataError,),
    )


# ---------------------------------------------------------------------------------------------------- impact


def impact_workload(tables: Sequence[TableEntry], n_sets: int = 24) -> PageWorkload | None:
    analysis = registry.BY_KEY["impact"]
    entry = _pick(tables, analysis.supports, GRADUATE_TABLE)
    if entry is None:
        return None
    outcomes = impact_views.outcome_labels(entry)
    starts = impact_views.start_options(entry)
    # Provider-made groups are left to the last few sets: they list every provider, the heaviest options query.
    wanted = ["subject", "characteristic", "provider_type", "region", "provider"]
    keys = [k for k in wanted if k in impact_views.dimension_keys(entry)] or impact_views.dimension_keys(entry)
    items_of: dict[str, list[str]] = {}
    for key in keys:
        dimension = impact_views.dimension_for(entry, key)
        context = {c.key: c.default for c in impact_views.context_controls(entry, dimension)}
        items_of[key] = impact_views.group_options(entry, dimension, context)
    sets: list[Params] = []
    for i in range(n_sets):
        key = keys[i % len(keys)]
        items = items_of[key]
        params: Params = {
            "table": [entry.id],
            "outcome": [outcomes[i % len(outcomes)]],
            "treat_by": [key],
            "start": [starts[i % len(starts)]],
        }
        if items and key == "characteristic":
            # Groups must be items of one characteristic ("Sex: Female" against "Sex: Male"), never "All others".
            treated = items[(i * 31) % len(items)]
            kind = treated.split(": ")[0]
            same_kind = [item for item in items if item.split(": ")[0] == kind and item != treated]
            params["treated"] = [treated]
            params["comparison"] = same_kind[:1] or [impact_views.ALL_OTHERS]
        elif items:
            params["treated"] = [items[(i * 31) % len(items)]]
            params["comparison"] = [impact_views.ALL_OTHERS]
        sets.append(params)
    return PageWorkload(
        page="impact",
        table_id=entry.id,
        module="leo_dash.analyses.impact_views",
        build=lambda params: analysis.build_views(params, tables),
        param_sets=tuple(sets),
        message_errors=(impact_views.ImpactInputError,),
    )


# ---------------------------------------------------------------------------------------------------- institutions


def institutions_workload(tables: Sequence[TableEntry], n_sets: int = 24) -> PageWorkload | None:
    analysis = registry.BY_KEY["institutions"]
    entry = _pick(tables, analysis.supports, GRADUATE_TABLE)
    if entry is None:
        return None
    from leo_dash.core.periods import period_label

    options = institutions.page_options(entry)
    measures = [m.column for m in options.measures]
    years = [period_label(p) for p in options.periods]
    yags = list(options.years_after)
    providers = list(options.providers)
    subjects_of = {yag: institutions.subjects(entry, yag) for yag in (yags or [None])}
    sets: list[Params] = []
    for i in range(n_sets):
        params: Params = {
            "table": [entry.id],
            "measure": [measures[i % len(measures)]],
            "year": [years[-1 - (i % len(years))]],
            "peer": [options.peers[i % len(options.peers)]],
            "top": [institutions.DEFAULT_TOP if i % 4 else institutions.SHOW_ALL],
        }
        yag = yags[i % len(yags)] if yags else None
        if yag is not None:
            params["yag"] = [yag]
        subject_options = subjects_of[yag]
        if subject_options and i % 2:
            params["subject"] = [subject_options[(i * 5) % len(subject_options)]]
        if providers:
            params["provider"] = _rotate(providers, (i * 7919) % len(providers), 1 + i % 3)
        sets.append(params)
    return PageWorkload(
        page="institutions",
        table_id=entry.id,
        module="leo_dash.analyses.institutions",
        build=lambda params: analysis.build_views(params, tables),
        param_sets=tuple(sets),
        message_errors=(LookupError,),
    )


# ---------------------------------------------------------------------------------------------------- benefits


def benefits_workload(tables: Sequence[TableEntry], n_sets: int = 24) -> PageWorkload | None:
    analysis = registry.BY_KEY["benefits"]
    entry = _pick(tables, analysis.supports, BENEFIT_TABLE)
    if entry is None:
        return None
    from leo_dash.core.periods import period_label

    options = benefits.table_options(entry)
    splits = [s.key for s in benefits.available_splits(entry, options, None)]
    years = [period_label(p) for p in options.periods]
    providers = [pid for pid, _ in options.providers]
    sets: list[Params] = []
    for i in range(n_sets):
        params: Params = {
            "table": [entry.id],
            "measure": [options.measures[i % len(options.measures)].column],
            "compare": [splits[i % len(splits)]],
            "from_year": [years[(i // 2) % max(1, len(years) - 1)]],
            "year": [years[-1 - (i % 2)]],
        }
        if options.years_after:
            params["yag"] = [options.years_after[i % len(options.years_after)]]
        if providers and i % 3 == 1:
            params["provider"] = [providers[(i * 7919) % len(providers)]]
        sets.append(params)
    return PageWorkload(
        page="benefits",
        table_id=entry.id,
        module="leo_dash.analyses.benefits",
        build=lambda params: analysis.build_views(params, tables),
        param_sets=tuple(sets),
        message_errors=(benefits.BenefitsDataError, LookupError),
    )


# ---------------------------------------------------------------------------------------------------- overview


def overview_workload(tables: Sequence[TableEntry], n_sets: int = 24) -> PageWorkload | None:
    analysis = registry.BY_KEY["overview"]
    usable = [t for t in tables if analysis.supports(t)]
    if not usable:
        return None
    from leo_dash.core.periods import period_label

    # The page's only choices: all tables (the best table for each headline) or one table, and its year.
    choices: list[Params] = [{}]
    for entry in usable:
        periods = overview.table_facts(entry).periods
        choices.append({"table": [entry.id]})
        choices += [{"table": [entry.id], "year": [period_label(p)]} for p in periods]
    sets = [choices[i % len(choices)] for i in range(n_sets)]
    return PageWorkload(
        page="overview",
        table_id="",
        module="leo_dash.analyses.overview",
        build=lambda params: analysis.build_views(params, tables),
        param_sets=tuple(sets),
        message_errors=(LookupError,),
        notes=(f"{len(choices)} distinct choices on this data (all tables, or one table and year), cycled",),
    )


# ---------------------------------------------------------------------------------------------------- registry

# Page-logic modules colleagues are writing; each gets a workload function here once its builder exists.
WORKLOADS: tuple[Callable[[Sequence[TableEntry], int], PageWorkload | None], ...] = (
    overview_workload,
    earnings_workload,
    institutions_workload,
    benefits_workload,
    impact_workload,
)
EXPECTED_PAGE_MODULES: tuple[str, ...] = (
    "leo_dash.analyses.earnings",
    "leo_dash.analyses.impact_views",
    "leo_dash.analyses.institutions",
    "leo_dash.analyses.benefits",
    "leo_dash.analyses.overview",
)


def available_workloads(tables: Sequence[TableEntry], n_sets: int = 24) -> list[PageWorkload]:
    """Workloads of the pages present in this tree; n_sets below MIN_FILTER_SETS is for smoke tests only."""
    found = [w for w in (make(tables, n_sets) for make in WORKLOADS) if w is not None]
    for workload in found:
        if len(workload.param_sets) < min(n_sets, MIN_FILTER_SETS):
            raise ValueError(f"{workload.page}: only {len(workload.param_sets)} filter sets")
    return found


def missing_page_modules(workloads: Sequence[PageWorkload]) -> list[str]:
    """Page-logic modules expected by the issue that were not measured (absent, or no table they can show)."""
    measured = {w.module for w in workloads}
    return [m for m in EXPECTED_PAGE_MODULES if m not in measured]

"""Earnings page choices: `EarningsSpec` and its URL parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses import page_support
from leo_dash.analyses.earnings import options as choices
from leo_dash.analyses.earnings.measures import ALL_PROVIDERS, BASIS_OPTIONS, MAX_SUBJECTS, MODE_OPTIONS, Basis, Mode
from leo_dash.analyses.table_choices import choose_filters
from leo_dash.core import geography, query
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label, period_value

# ---------------------------------------------------------------------------------------------------------------
# The user's choices
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarningsSpec:
    """One earnings view: the cache key, the URL state and the briefing item."""

    table_id: str
    measure: str  # the median indicator's column
    subjects: tuple[str, ...]
    mode: Mode = "trajectory"
    years_after: tuple[str, ...] = ()  # trajectory: YAGs shown; cohorts: exactly one
    period: int | None = None  # trajectory: the tax year
    characteristic: str | None = None  # characteristic type to split by
    characteristic_values: tuple[str, ...] = ()
    provider: str | None = None  # provider id drawn beside the national figures
    filters: tuple[tuple[str, str], ...] = ()  # other filter column -> item
    basis: Basis = "nominal"
    area: str | None = None  # ONS code of a region or local authority; None = the table's default (England)


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[EarningsSpec, list[str]]:
    """A spec from URL parameters with the page's defaults and fallbacks, plus notes on what could not be used.

    The page reads the same parameters through its widgets; this is for rebuilding a view outside the page
    (briefings, tests).
    """
    options = choices.table_options(entry, data_dir=data_dir)
    link = page_support.LinkReader(params)
    get, fallback, notes = link.get, link.fallback, link.notes

    measures = {m.key: m for m in options.measures}
    measure = query.last_valid(get("measure"), list(measures)) or options.measures[0].key
    mode = MODE_OPTIONS.get(query.last_valid(get("compare"), list(MODE_OPTIONS)) or "Trajectory", "trajectory")
    basis = BASIS_OPTIONS.get(query.last_valid(get("basis"), list(BASIS_OPTIONS)) or "Nominal", "nominal")
    for key, allowed in (("compare", MODE_OPTIONS), ("basis", BASIS_OPTIONS), ("measure", measures)):
        raw = get(key)
        if raw and raw[-1] not in allowed:
            fallback(key, raw, "the default")
    area, area_notes = geography.choose_area(options.areas, get(geography.AREA_PARAM))
    notes += area_notes
    provider_ids = [p for p, _ in options.providers] if area is None or area.national else []
    provider = query.last_valid(get("provider"), provider_ids)
    if get("provider") and provider is None and get("provider") != [ALL_PROVIDERS] and provider_ids:
        fallback("provider", get("provider"), "all providers")
    if provider is None and not options.has_national and provider_ids:
        provider = provider_ids[0]
    subjects = [s for s in get("subject") if s in options.subjects][:MAX_SUBJECTS]
    if [s for s in get("subject") if s not in options.subjects]:
        fallback("subject", [s for s in get("subject") if s not in options.subjects], "the other subjects")
    available = choices.provider_subjects(entry, provider, data_dir=data_dir) if provider else None
    subjects = list(dict.fromkeys(subjects)) or choices.default_subjects(options, available)
    period = options.latest_period
    if mode == "trajectory":
        labels = [period_label(p) for p in options.periods]
        chosen = query.last_valid(get("year"), labels)
        if get("year") and chosen is None:
            fallback("year", get("year"), period_label(period))
        period = period_value(chosen) if chosen else period
        yags = [y for y in options.years_after if y in get("yag")] or list(options.years_after)
    else:
        yags = [query.last_valid(get("yag"), options.years_after) or choices.default_cohort_yag(options)]
    if [y for y in get("yag") if y not in options.years_after]:
        fallback("yag", [y for y in get("yag") if y not in options.years_after], "the available years")
    characteristic = query.last_valid(get("characteristic"), options.characteristic_types)
    groups: tuple[str, ...] = ()
    if characteristic:
        values = choices.characteristic_values(entry, characteristic, data_dir=data_dir)
        groups = tuple(v for v in values if v in get("characteristic_value")) or tuple(
            choices.default_groups(values, len(subjects), choices.lines_per_series(provider, options))
        )
    filters = choose_filters(
        entry,
        options.filters,
        lambda column, items, default: query.last_valid(get(column), list(items)) or default,
        asked={c: get(c)[-1] for c in options.filters if get(c)},
        data_dir=data_dir,
    )
    spec = EarningsSpec(
        table_id=entry.id,
        measure=measure,
        subjects=tuple(subjects),
        mode=mode,
        years_after=tuple(yags),
        period=period if mode == "trajectory" else None,
        characteristic=characteristic,
        characteristic_values=groups,
        provider=provider,
        filters=filters,
        basis=basis,
        area=geography.area_code(options.areas, area),
    )
    return spec, notes


def spec_params(spec: EarningsSpec) -> dict[str, list[str]]:
    """The URL parameters that reproduce `spec` (inverse of `spec_from_params`): for links, briefings, the audit."""
    mode_label = next(k for k, v in MODE_OPTIONS.items() if v == spec.mode)
    basis_label = next(k for k, v in BASIS_OPTIONS.items() if v == spec.basis)
    params: dict[str, list[str]] = {
        "table": [spec.table_id],
        "measure": [spec.measure],
        "compare": [mode_label],
        "subject": list(spec.subjects),
        "yag": list(spec.years_after),
        "basis": [basis_label],
    }
    if spec.mode == "trajectory" and spec.period is not None:
        params["year"] = [period_label(spec.period)]
    if spec.characteristic:
        params["characteristic"] = [spec.characteristic]
        params["characteristic_value"] = list(spec.characteristic_values)
    if spec.provider:
        params["provider"] = [spec.provider]
    for column, item in spec.filters:
        params[column] = [item]
    if spec.area:
        params[geography.AREA_PARAM] = [spec.area]
    return params

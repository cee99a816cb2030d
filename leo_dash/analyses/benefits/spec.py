"""Benefits page choices: `BenefitSpec` and its URL parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses import page_support
from leo_dash.analyses.benefits.measures import ALL_PROVIDERS, BY_CHARACTERISTIC, BY_YEARS_AFTER, ITEM_PARAMS, OVERALL
from leo_dash.analyses.benefits.options import (
    OVERALL_SPLIT,
    available_splits,
    characteristic_types,
    default_items,
    default_split,
    filter_controls,
    max_items,
    split_by_key,
    split_items,
    table_options,
)
from leo_dash.analyses.table_choices import choose_filters
from leo_dash.core import geography, query
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label, period_value

# ---------------------------------------------------------------------------------------------------------------
# The user's choices


@dataclass(frozen=True)
class BenefitSpec:
    """One benefits view: the cache key, the URL state and the briefing item."""

    table_id: str
    measure: str
    split: str = OVERALL
    characteristic: str | None = None
    items: tuple[str, ...] = ()
    provider: str | None = None
    years_after: str | None = None  # when the lines are not split by years after
    filters: tuple[tuple[str, str], ...] = ()  # extra filter column -> item
    start: int | None = None  # change from this year
    end: int | None = None  # to this year
    area: str | None = None  # ONS code of a region or local authority; None = the table's default (England)


def items_param(split_key: str) -> str | None:
    """URL parameter of a split's chosen items: a shared name for role splits, the column's own name otherwise."""
    return None if split_key == OVERALL else ITEM_PARAMS.get(split_key, split_key)


def spec_params(spec: BenefitSpec) -> dict[str, list[str]]:
    """The URL parameters that reproduce `spec` (for links, briefings and the audit trail)."""
    params: dict[str, list[str]] = {"table": [spec.table_id], "measure": [spec.measure], "compare": [spec.split]}
    param = items_param(spec.split)
    if spec.characteristic:
        params["characteristic"] = [spec.characteristic]
    if param and spec.items:
        params[param] = list(spec.items)
    if spec.provider:
        params["provider"] = [spec.provider]
    if spec.years_after is not None:
        params["yag"] = [spec.years_after]
    for column, item in spec.filters:
        params[column] = [item]
    if spec.start is not None:
        params["from_year"] = [period_label(spec.start)]
    if spec.end is not None:
        params["year"] = [period_label(spec.end)]
    if spec.area:
        params[geography.AREA_PARAM] = [spec.area]
    return params


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[BenefitSpec, list[str]]:
    """A spec from URL parameters with the page's defaults and fallbacks, plus notes on what could not be used.
    The page reads the same parameters through its widgets; this rebuilds a view outside it (briefings, tests)."""
    options = table_options(entry, data_dir=data_dir)
    link = page_support.LinkReader(params)
    get, fallback, notes = link.get, link.fallback, link.notes

    measures = [m.column for m in options.measures]
    measure = query.last_valid(get("measure"), measures) or measures[0]
    if get("measure") and get("measure")[-1] not in measures:
        fallback("measure", get("measure"), options.measures[0].label)
    area, area_notes = geography.choose_area(options.areas, get(geography.AREA_PARAM))
    notes += area_notes
    provider_ids = [] if geography.below_national(area) else [p for p, _ in options.providers]
    provider = query.last_valid(get("provider"), provider_ids)
    if get("provider") and provider is None and get("provider") != [ALL_PROVIDERS] and provider_ids:
        fallback("provider", get("provider"), "all providers")
    splits = available_splits(entry, options, provider, data_dir=data_dir)
    asked_split = split_by_key(splits, (get("compare") or [None])[-1])
    split = asked_split or split_by_key(splits, default_split(splits, options)) or OVERALL_SPLIT
    if get("compare") and split.key != get("compare")[-1]:
        fallback("compare", get("compare"), split.label.lower())
    characteristic = None
    if split.key == BY_CHARACTERISTIC:
        types = characteristic_types(entry, provider, data_dir=data_dir)
        characteristic = query.last_valid(get("characteristic"), types) or types[0]
        if get("characteristic") and get("characteristic")[-1] not in types:
            fallback("characteristic", get("characteristic"), characteristic)
    items: list[str] = []
    if not split.is_overall and split.param:
        offered = split_items(entry, split, provider, characteristic=characteristic, data_dir=data_dir)
        asked = list(dict.fromkeys(get(split.param)))
        items = [i for i in asked if i in offered][: max_items(provider)]
        if [i for i in asked if i not in offered]:
            fallback(split.param, [i for i in asked if i not in offered], "the other items")
        items = items or default_items(split, offered, provider)
    years_after = None
    if options.years_after and split.key != BY_YEARS_AFTER:
        years_after = query.last_valid(get("yag"), options.years_after) or options.default_years_after
        if get("yag") and get("yag")[-1] not in options.years_after:
            fallback("yag", get("yag"), str(years_after))
    filters = choose_filters(
        entry,
        filter_controls(entry, options, split, data_dir=data_dir),
        lambda column, items, default: query.last_valid(get(column), list(items)) or default,
        asked={c: get(c)[-1] for c in options.filters if get(c)},
        data_dir=data_dir,
    )
    labels = [period_label(p) for p in options.periods]
    start_label = query.last_valid(get("from_year"), labels)
    end_label = query.last_valid(get("year"), labels)
    for key, value in (("from_year", start_label), ("year", end_label)):
        if get(key) and value is None:
            fallback(key, get(key), "the default")
    spec = BenefitSpec(
        table_id=entry.id,
        measure=measure,
        split=split.key,
        characteristic=characteristic,
        items=tuple(items),
        provider=provider,
        years_after=years_after,
        filters=filters,
        start=period_value(start_label) if start_label else options.periods[0],
        end=period_value(end_label) if end_label else options.latest_period,
        area=geography.area_code(options.areas, area),
    )
    return spec, notes

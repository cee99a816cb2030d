"""Impact page URL parameters -> a validated `ImpactSpec` (`resolve_spec`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from leo_dash.analyses.impact_views import options
from leo_dash.analyses.impact_views.options import (
    _CHARACTERISTIC_SEPARATOR,
    _PROVIDER_ITEM,
    _SE_OLD_NAMES,
    ALL_OTHERS,
    SE_ALL,
    SE_OPTIONS,
    SE_SAMPLING,
    Dimension,
    ImpactInputError,
    ImpactSpec,
)
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label, period_value


# --------------------------------------------------------------------------------------------------------------
# Resolving URL parameters
# --------------------------------------------------------------------------------------------------------------
def _values(params: Mapping[str, Sequence[str] | str], key: str) -> list[str] | None:
    if key not in params:
        return None
    raw = params[key]
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def _one(params: Mapping[str, Sequence[str] | str], key: str) -> str | None:
    values = _values(params, key)
    return values[-1] if values else None


def resolve_spec(
    params: Mapping[str, Sequence[str] | str], *, tables: Sequence[TableEntry] | None = None
) -> ImpactSpec:
    """Turn URL parameters into a spec. Missing parameters take the page's defaults; values the table does not
    have raise ImpactInputError with a plain message."""
    candidates = [t for t in (options.default_tables() if tables is None else tables) if options.is_eligible(t)]
    if not candidates:
        raise ImpactInputError("No approved table with a time series and a rate or earnings measure is available.")
    by_id = {t.id: t for t in candidates}
    table_id = _one(params, "table")
    if table_id is not None and table_id not in by_id:
        raise ImpactInputError(f"There is no approved table '{table_id}' that this page can show.")
    entry = by_id[table_id] if table_id else options.default_table(candidates)

    outcomes = {i.label: i for i in options.outcome_indicators(entry)}
    outcome_label = _one(params, "outcome")
    if outcome_label is not None and outcome_label not in outcomes:
        raise ImpactInputError(f"The table has no outcome '{outcome_label}'.")
    outcome = outcomes[outcome_label] if outcome_label else next(iter(outcomes.values()))

    keys = options.dimension_keys(entry)
    if not keys:
        raise ImpactInputError("This table has no breakdown from which two groups can be formed.")
    dimension = options.dimension_for(entry, _one(params, "treat_by") or keys[0])

    context: dict[str, str] = {}
    labels: dict[str, str] = {}
    for control in options.context_controls(entry, dimension):
        chosen = _one(params, control.key)
        if chosen is not None and chosen not in control.options:
            raise ImpactInputError(f"{control.label} '{chosen}' is not in this table.")
        context[control.key] = chosen or control.default
        labels[control.key] = control.label

    items = options.group_options(entry, dimension, context)
    default_treated, default_comparison = options.default_groups(dimension, items)
    treated = _resolve_items(entry, dimension, items, _values(params, "treated"), default_treated, "treated")
    comparison_raw = _values(params, "comparison")
    if comparison_raw is None:
        comparison_raw = default_comparison
    comparison_is_rest = ALL_OTHERS in comparison_raw
    if comparison_is_rest:
        comparison = tuple(i for i in items if i not in treated)
    else:
        comparison = _resolve_items(entry, dimension, items, comparison_raw, [], "comparison")

    periods = options.table_periods(entry)
    if len(periods) < 2:
        raise ImpactInputError(
            "This table has only one year of data: an estimate needs at least one year before the intervention "
            "and one from its start."
        )
    se = _one(params, "se") or SE_ALL
    se = _SE_OLD_NAMES.get(se, se)
    if se not in SE_OPTIONS:
        raise ImpactInputError(f"Standard errors '{se}' is not an option: choose {' or '.join(SE_OPTIONS)}.")
    start_text = _one(params, "start") or options.default_start(entry)
    if start_text not in options.start_options(entry):
        raise ImpactInputError(
            f"The intervention start '{start_text}' must be one of the years after the first year of data "
            f"({period_label(periods[1])} to {period_label(periods[-1])})."
        )
    spec = ImpactSpec(
        entry=entry, outcome=outcome, dimension=dimension,
        treated=treated, comparison=comparison, comparison_is_rest=comparison_is_rest,
        start=period_value(start_text),
        context=tuple((key, labels[key], value) for key, value in context.items()),
        sampling_only=se == SE_SAMPLING,
    )  # fmt: skip
    _validate_groups(spec)
    return spec


def _resolve_items(
    entry: TableEntry,
    dimension: Dimension,
    items: Sequence[str],
    raw: Sequence[str] | None,
    default: Sequence[str],
    which: str,
) -> tuple[str, ...]:
    chosen = list(default if raw is None else raw)
    if dimension.key == "provider":  # a bare UKPRN is accepted too (hand-written briefing specs)
        by_id = {_provider_id(i): i for i in items}
        chosen = [by_id.get(c, c) for c in chosen]
    unknown = [c for c in chosen if c not in items]
    if unknown:
        raise ImpactInputError(
            f"The {which} group asks for {', '.join(repr(u) for u in unknown)}, which is not among the "
            f"{dimension.label.lower()} with figures for this selection."
        )
    return tuple(dict.fromkeys(chosen))


def _provider_id(item: str) -> str:
    match = _PROVIDER_ITEM.search(item)
    return match.group(1) if match else item


def _validate_groups(spec: ImpactSpec) -> None:
    what = spec.dimension.label.lower()
    if not spec.treated:
        raise ImpactInputError(f"Choose at least one item for the treated group ({what}).")
    if not spec.comparison:
        if spec.comparison_is_rest:
            raise ImpactInputError(
                f"There is nothing left to compare with: the treated group holds every item ({what})."
            )
        raise ImpactInputError(f"Choose at least one item for the comparison group ({what}).")
    overlap = [i for i in spec.treated if i in spec.comparison]
    if overlap:
        raise ImpactInputError(
            f"The groups overlap: {', '.join(overlap)} cannot be in both the treated and the comparison group."
        )
    if spec.dimension.key == "characteristic":
        kinds = {i.partition(_CHARACTERISTIC_SEPARATOR)[0] for i in (*spec.treated, *spec.comparison)}
        if len(kinds) > 1:
            raise ImpactInputError(
                "Choose groups of one characteristic (for example Sex: Female against Sex: Male): groups from "
                f"different characteristics ({', '.join(sorted(kinds))}) share people, so they would be counted twice."
            )

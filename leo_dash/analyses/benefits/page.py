"""The Benefit claims page: its words and its sidebar controls (drawn by `leo_dash.ui.choose_in_sidebar`)."""

from __future__ import annotations

from leo_dash.analyses.benefits import options as choices
from leo_dash.analyses.benefits.measures import (
    ALL_PROVIDERS,
    BY_CHARACTERISTIC,
    BY_YEARS_AFTER,
    NO_TABLE_MESSAGE,
)
from leo_dash.analyses.benefits.spec import spec_from_params, spec_params
from leo_dash.analyses.controls import (
    Ask,
    Incomplete,
    LabelledSelect,
    MultiSelect,
    PageText,
    Params,
    ProviderSelect,
    Select,
    StartAfresh,
    ask_area,
    ask_measure,
)
from leo_dash.analyses.institutions.options import id_label
from leo_dash.analyses.table_choices import choose_filters
from leo_dash.core import geography
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label

TEXT = PageText(
    intro=(
        "How many learners claim out-of-work benefits after their education, year by year: for everyone, by a "
        "characteristic, provider type, subject or benefit status, and for one provider against all providers. "
        "Suppressed figures are gaps, never zeros."
    ),
    no_table=NO_TABLE_MESSAGE,
)


def choose(entry: TableEntry, ask: Ask) -> Params | Incomplete:
    """The page's controls, top to bottom, and the URL parameters of what they choose."""
    options = choices.table_options(entry)
    ask_measure(ask, "Measure", {m.column: m.label for m in options.measures})
    area = ask_area(ask, options.areas)
    provider = _provider(entry, options, ask) if options.providers and not geography.below_national(area) else None
    split = _split(entry, options, provider, ask)
    characteristic = None
    if split.key == BY_CHARACTERISTIC:
        characteristic = ask(Select("Characteristic", "characteristic", choices.characteristic_types(entry, provider)))
        ask(StartAfresh("characteristic", characteristic, ["characteristic_value"]))
    items = _lines(entry, split, provider, characteristic, ask)
    if options.years_after and split.key != BY_YEARS_AFTER:
        label = options.label(str(entry.role("years_after")))
        ask(Select(label, "yag", options.years_after, options.default_years_after))
    choose_filters(
        entry,
        choices.filter_controls(entry, options, split),
        lambda column, values, default: ask(Select(options.label(column), column, values, default)),
        asked=ask.arrived_with(list(options.filters)),
    )
    labels = [period_label(p) for p in options.periods]
    # Another table: the change runs over its own first and last years (a year both tables have is not a choice).
    ask(StartAfresh("years_table", entry.id, ["from_year", "year"]))
    ask(Select("Change from", "from_year", labels, labels[0]))
    ask(Select("Change to", "year", labels, labels[-1]))
    if not split.is_overall and not items:
        return Incomplete("Choose at least one line in the sidebar to see the chart.")
    # The link's parameters of what was asked, through the one reader of links (its defaults and fallbacks).
    spec, _ = spec_from_params(entry, ask.chosen())
    return spec_params(spec)


def _provider(entry: TableEntry, options: choices.BenefitOptions, ask: Ask) -> str | None:
    picker = ProviderSelect(
        "Provider",
        "provider",
        options.providers,
        fixed={ALL_PROVIDERS: "All providers"},
        id_label=id_label(entry),
        help="Show one provider's figures beside all providers. Search above, then choose.",
    )
    return ask(picker) or None


def _split(entry: TableEntry, options: choices.BenefitOptions, provider: str | None, ask: Ask) -> choices.Split:
    """What the lines compare (a breakdown, or nothing); another table or split starts its lines afresh."""
    splits = choices.available_splits(entry, options, provider)
    key = ask(
        LabelledSelect(
            "Compare by", "compare", {s.key: s.label for s in splits}, choices.default_split(splits, options)
        )
    )
    split = choices.split_by_key(splits, key) or choices.OVERALL_SPLIT
    ask(StartAfresh("split", (entry.id, split.key), [k for k in (split.param, "characteristic_value") if k]))
    # A years-after split draws the years as lines, the others as one select: that key changes shape.
    ask(StartAfresh("years_shape", (entry.id, split.key) if split.key == BY_YEARS_AFTER else None, ["yag"]))
    return split


def _lines(
    entry: TableEntry, split: choices.Split, provider: str | None, characteristic: str | None, ask: Ask
) -> list[str]:
    """The split's items drawn as lines (at most what fits in the chart)."""
    if split.is_overall or not split.param:
        return []
    offered = choices.split_items(entry, split, provider, characteristic=characteristic)
    limit = choices.max_items(provider)
    label = characteristic if split.key == BY_CHARACTERISTIC and characteristic else split.label
    return ask(
        MultiSelect(
            f"{label}: lines to show",
            split.param,
            offered,
            choices.default_items(split, offered, provider),
            max_selections=limit,
            help=f"Up to {limit} lines"
            + (" (each drawn for the provider and for all providers)." if provider else "."),
            noun="lines",
            from_select="drop",
        )
    )

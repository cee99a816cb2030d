"""The Institution performance page: its words and its sidebar controls (drawn by `leo_dash.ui.choose_in_sidebar`)."""

from __future__ import annotations

from leo_dash.analyses.controls import (
    Ask,
    Caption,
    Follow,
    LabelledSelect,
    PageText,
    Params,
    ProviderMultiSelect,
    Radio,
    Select,
)
from leo_dash.analyses.institutions.options import (
    DEFAULT_TOP,
    LIMIT_OPTIONS,
    MAX_HIGHLIGHT,
    NO_TABLE_MESSAGE,
    PEER_ALL,
    TOP_OPTIONS,
    PageOptions,
    characteristic_types,
    characteristic_values,
    default_item,
    filter_label,
    is_total,
    page_options,
    peer_uses,
    provider_attributes,
    provider_items,
    provider_option_label,
    provider_types_help,
    subjects,
)
from leo_dash.analyses.institutions.spec import spec_from_params, spec_params
from leo_dash.analyses.table_choices import choose_filters
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label

TEXT = PageText(
    intro=(
        "How providers compare on one outcome: ranked against the national or peer-group figure, on a funnel plot "
        "that allows for the size of each provider, and over time. Highlight up to six providers to follow them."
    ),
    no_table=NO_TABLE_MESSAGE,
)


def choose(entry: TableEntry, ask: Ask) -> Params:
    """The page's controls, top to bottom, and the URL parameters of what they choose."""
    options = page_options(entry)
    ask(LabelledSelect("Outcome", "measure", {m.column: m.label for m in options.measures}, options.default_measure))
    labels = [period_label(p) for p in reversed(options.periods)]
    ask(Select(entry.time_label, "year", labels, labels[0]))
    yag = None
    if options.years_after:
        yag = ask(_if_choice("Years after graduation", "yag", options.years_after, options.default_years_after))
    _breakdown(entry, yag, ask)
    choose_filters(
        entry,
        options.filters,
        lambda column, items, default: ask(_if_choice(filter_label(entry, column), column, items, default)),
        published_with=provider_items(entry),
        asked=ask.arrived_with(list(options.filters)),
    )
    providers = ask(_highlight(options))
    _peer_group(entry, options, providers, ask)
    ask(
        Select(
            "Providers in the ranked chart",
            "top",
            TOP_OPTIONS,
            DEFAULT_TOP,
            help="The top and bottom N providers, plus any you highlight. The Table tab lists every provider.",
        )
    )
    ask(Radio("Funnel plot limits", "limits", LIMIT_OPTIONS))
    ask(
        Caption(
            "'Chance only': binomial limits. 'Allow for over-dispersion' widens them when providers differ by more "
            "than chance (the funnel plot's notes give the factor)."
        )
    )
    # The link's parameters of what was asked, through the one reader of links (its defaults and fallbacks).
    return spec_params(spec_from_params(entry, ask.chosen()))


def _if_choice(label: str, key: str, options: list[str] | tuple[str, ...], default: str | None = None) -> Select:
    """A select drawn only when the table offers a choice (a control the table cannot vary is hidden)."""
    return Select(label, key, options, default, only_if_choice=True)


def _breakdown(entry: TableEntry, yag: str | None, ask: Ask) -> None:
    """Ask the subject, characteristic type and characteristic group, each offered only what the one before allows
    (the answers reach the spec through `ask.chosen()`)."""
    subject = characteristic = None
    offered = subjects(entry, yag)
    if offered:
        subject = ask(_if_choice("Subject", "subject", offered, default_item(entry, "subject", offered)))
    types = characteristic_types(entry, subject)
    if types:
        default = default_item(entry, "characteristic_type", types)
        characteristic = ask(_if_choice("Characteristic", "characteristic", types, default))
        if not is_total(characteristic):
            groups = characteristic_values(entry, subject, characteristic)
            if groups:
                ask(_if_choice(f"{characteristic} group", "characteristic_value", groups))


def _highlight(options: PageOptions) -> ProviderMultiSelect:
    return ProviderMultiSelect(
        f"Highlight providers (up to {MAX_HIGHLIGHT})",
        "provider",
        options.provider_list,
        options.providers,
        max_selections=MAX_HIGHLIGHT,
        id_label=options.id_label,
        help=f"Type part of a provider's name or the start of its {options.id_label}, then choose from the "
        "matches below. Highlighted providers are coloured in every chart and followed over time.",
        format_label=provider_option_label,
    )


def _peer_group(entry: TableEntry, options: PageOptions, providers: list[str], ask: Ask) -> None:
    """Ask who the providers are compared with: all providers, or those of a type and/or region (which start from
    the first highlighted provider's own, and follow it when it changes)."""
    if len(options.peers) < 2:
        return
    peer = ask(Radio("Compare with", "peer", options.peers)) or PEER_ALL
    uses_type, uses_region = peer_uses(peer)
    focus = providers[0] if providers else None
    own = provider_attributes(entry, focus) if focus else {}
    ask(Follow("focus", (focus, peer), {role: value for role, value in own.items() if value is not None}))
    if uses_type and options.provider_types:
        ask(
            Select(
                "Provider type",
                "provider_type",
                options.provider_types,
                own.get("provider_type"),
                help=provider_types_help(options.provider_types),
            )
        )
    if uses_region and options.regions:
        ask(Select("Region", "region", options.regions, own.get("region")))
    ask(Caption("'Same type' and 'Same region' start from the first highlighted provider's own."))

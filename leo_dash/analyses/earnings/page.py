"""The Subject earnings page: its words and its sidebar controls (drawn by `leo_dash.ui.analysis_page`)."""

from __future__ import annotations

from leo_dash.analyses.controls import (
    Ask,
    Caption,
    Follow,
    Incomplete,
    MultiSelect,
    PageText,
    Params,
    ProviderSelect,
    Radio,
    Select,
    ask_area,
    ask_measure,
)
from leo_dash.analyses.earnings import options as choices
from leo_dash.analyses.earnings.measures import (
    ALL_PROVIDERS,
    BASIS_OPTIONS,
    MAX_SUBJECTS,
    MODE_OPTIONS,
    NO_SPLIT,
    NO_TABLE_MESSAGE,
)
from leo_dash.analyses.earnings.spec import spec_from_params, spec_params
from leo_dash.analyses.earnings.wording import filter_label, in_sentence, nice_name
from leo_dash.analyses.institutions.options import id_label
from leo_dash.analyses.table_choices import choose_filters
from leo_dash.core import prices
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label

TEXT = PageText(
    intro=(
        "What graduates of each subject earn one, three, five and ten years after graduation: the median, with the "
        "range from the lower to the upper quartile shaded, exactly as published."
    ),
    no_table=NO_TABLE_MESSAGE,
)


def choose(entry: TableEntry, ask: Ask) -> Params | Incomplete:
    """The page's controls, top to bottom, and the URL parameters of what they choose."""
    options = choices.table_options(entry)
    ask_measure(ask, "Earnings measure", {m.key: m.label for m in options.measures})
    mode = MODE_OPTIONS[ask(Radio("Compare", "compare", list(MODE_OPTIONS))) or "Trajectory"]
    ask(
        Caption(
            "Trajectory: years after graduation within one tax year. Cohorts: one point after graduation across "
            "tax years."
        )
    )
    area = ask_area(ask, options.areas)
    provider = _provider(entry, options, ask) if options.providers and (area is None or area.national) else None
    subjects = _subjects(entry, options, provider, ask)
    yags = _years_after(entry, options, mode, ask)
    characteristic, groups = _groups(entry, options, provider, len(subjects), ask)
    choose_filters(
        entry,
        options.filters,
        lambda column, items, default: ask(Select(filter_label(entry, column), column, items, default)),
        asked=ask.arrived_with(list(options.filters)),
    )
    ask(Radio("Earnings basis", "basis", list(BASIS_OPTIONS)))
    ask(
        Caption(
            f"Real terms are in {prices.prices_label(options.latest_period)} (the latest tax year in this table), "
            "adjusted with CPIH."
        )
    )
    if missing := _missing(subjects, yags, characteristic, groups):
        return Incomplete(f"Choose at least {missing} in the sidebar to see the chart.")
    # The link's parameters of what was asked, through the one reader of links (its defaults and fallbacks).
    spec, _ = spec_from_params(entry, ask.chosen())
    return spec_params(spec)


def provider_picker(entry: TableEntry, options: choices.EarningsOptions, help: str) -> ProviderSelect:
    """A graduate earnings table's provider control: the national figures (where published) or one provider."""
    fixed = {ALL_PROVIDERS: "All providers (national figures)"} if options.has_national else {}
    return ProviderSelect("Provider", "provider", options.providers, fixed=fixed, id_label=id_label(entry), help=help)


def _provider(entry: TableEntry, options: choices.EarningsOptions, ask: Ask) -> str | None:
    help = "Show one provider's figures beside the published national figures. Search above, then choose."
    return ask(provider_picker(entry, options, help)) or None


def _subjects(entry: TableEntry, options: choices.EarningsOptions, provider: str | None, ask: Ask) -> list[str]:
    offered_here = choices.provider_subjects(entry, provider) if provider else None
    defaults = choices.default_subjects(options, offered_here)
    # Another provider with none of the chosen subjects: its own subjects instead, so the chart is not all gaps.
    ask(
        Follow(
            "provider",
            provider,
            {"subject": defaults},
            unless_any_of=offered_here or [],
            note="The provider you chose has no figures for the subjects that were selected, so its own subjects "
            "are shown.",
        )
    )
    return ask(
        MultiSelect(
            "Subjects",
            "subject",
            options.subjects,
            defaults,
            max_selections=MAX_SUBJECTS,
            help=f"Up to {MAX_SUBJECTS} subjects: one line each (two with a provider chosen).",
            noun="subjects",
        )
    )


def _years_after(entry: TableEntry, options: choices.EarningsOptions, mode: str, ask: Ask) -> list[str]:
    """Trajectory: the tax year, then the years after graduation shown; cohorts: the one year after graduation."""
    if mode != "trajectory":
        yag = ask(Select("Years after graduation", "yag", options.years_after, choices.default_cohort_yag(options)))
        return [yag] if yag else []
    labels = [period_label(p) for p in reversed(options.periods)]
    ask(Select(entry.time_label, "year", labels, labels[0]))
    return ask(MultiSelect("Years after graduation", "yag", options.years_after, list(options.years_after)))


def _groups(
    entry: TableEntry, options: choices.EarningsOptions, provider: str | None, subject_count: int, ask: Ask
) -> tuple[str | None, list[str]]:
    """The characteristic to split by (if any) and its groups shown."""
    if not options.characteristic_types:
        return None, []
    choice = ask(Select("Split by characteristic", "characteristic", [NO_SPLIT, *options.characteristic_types]))
    if choice is None or choice == NO_SPLIT:
        return None, []
    values = choices.characteristic_values(entry, choice)
    defaults = choices.default_groups(values, max(1, subject_count), choices.lines_per_series(provider, options))
    return choice, ask(MultiSelect(f"{nice_name(choice)} groups", "characteristic_value", values, defaults))


def _missing(subjects: list[str], yags: list[str], characteristic: str | None, groups: list[str]) -> str | None:
    if not subjects:
        return "a subject"
    if not yags:
        return "a year after graduation"
    if characteristic and not groups:
        return f"a {in_sentence(nice_name(characteristic))} group"
    return None

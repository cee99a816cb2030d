"""The Provider profile page: its words and its sidebar controls (drawn by `leo_dash.ui.choose_in_sidebar`). It
has no table picker: a provider's profile reads every table the user may see that holds it."""

from __future__ import annotations

from collections.abc import Sequence

from leo_dash.analyses.controls import Ask, Incomplete, LabelledSelect, PageText, Params, ProviderSelect, Select
from leo_dash.analyses.provider_profile.spec import (
    NO_TABLE_MESSAGE,
    default_provider,
    earnings_entry,
    outcomes_for,
    provider_directory,
)
from leo_dash.analyses.provider_profile.subjects import subject_choices
from leo_dash.core.model import TableEntry

TEXT = PageText(
    intro=(
        "How one provider compares with its peers: where it sits among all providers on every outcome published "
        "for it (out-of-work benefit rates included), its graduates' earnings subject by subject against the "
        "national figure, and one outcome in detail. Search for a provider by name or UKPRN in the sidebar."
    ),
    no_table=NO_TABLE_MESSAGE,
)


def choose(tables: Sequence[TableEntry], ask: Ask) -> Params | Incomplete:
    """The page's controls, top to bottom (what is offered follows the provider), and their URL parameters."""
    directory = provider_directory(tables)
    if not directory:
        return Incomplete(NO_TABLE_MESSAGE, icon=":material/info:")
    fallback = default_provider(tables, directory)
    provider = ask(
        ProviderSelect(
            "Provider",
            "provider",
            tuple(directory.items()),
            id_label="UKPRN",
            help="Search above by part of the provider's name or the start of its UKPRN, then choose it here.",
            default=fallback,
        )
    )
    provider = provider or fallback
    params: Params = {"provider": [provider]}
    if outcomes := outcomes_for(tables, provider):
        outcome = LabelledSelect(
            "Outcome in detail",
            "outcome",
            {o.key: o.label for o in outcomes},
            follow_default=True,
            help="The outcome whose ranking, funnel plot and trend are shown below the summary.",
        )
        params["outcome"] = [ask(outcome) or outcomes[0].key]
    source = earnings_entry(tables, provider)
    if source is not None:
        labels, years_after, default_yag = subject_choices(source)
        params["year"] = [ask(Select(f"Earnings: {source.time_label.lower()}", "year", labels, labels[0])) or labels[0]]
        yag = ask(Select("Earnings: years after graduation", "yag", years_after, default_yag))
        params["yag"] = [yag or default_yag]
    return params

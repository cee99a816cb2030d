"""The Graduate industry page: its words and its sidebar controls (drawn by `leo_dash.ui.analysis_page`)."""

from __future__ import annotations

from leo_dash.analyses.controls import Ask, LabelledSelect, PageText, Params, Select
from leo_dash.analyses.industry.spec import BASES, industry_name, options, spec_from_params, spec_params
from leo_dash.core.model import TableEntry

TEXT = PageText(
    intro=(
        "Which industries first-degree graduates work in, by subject studied and years after graduation, for "
        "England or one region, and which subjects the graduates in an industry studied. Shares are of graduates "
        "with a published count; median earnings are shown for one region at a time, as published. A flow chart "
        "shows how graduates of the largest subjects spread across the largest industries, where it reads well."
    ),
    no_table=(
        "No approved table gives graduates by industry and region. An administrator can register one with "
        "`python -m leo_dash add` (roles subject, years_after, region and industry)."
    ),
)


def choose(entry: TableEntry, ask: Ask) -> Params:
    """The page's controls, top to bottom, and the URL parameters of what they choose."""
    found = options(entry)
    defaults, _ = spec_from_params(entry, {})  # the defaults, written once, in spec_from_params
    ask(Select("Years after graduation", "yag", found.years_after, defaults.years_after))
    ask(Select("Subject studied", "subject", found.subjects, defaults.subject))
    ask(Select("Region", "region", found.regions, defaults.region))
    ask(LabelledSelect("Count graduates by", "basis", {k: BASES[k] for k in found.bases}, defaults.basis))
    ask(
        LabelledSelect(
            "Industry (for the subjects chart)",
            "industry",
            {i: industry_name(i) for i in found.industries},
            defaults.industry,
        )
    )
    # The link's parameters of what was asked, through the one reader of links (its defaults and fallbacks).
    spec, _ = spec_from_params(entry, ask.chosen())
    return spec_params(spec)

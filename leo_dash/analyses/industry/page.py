"""The Graduate industry page: its words and its sidebar controls (drawn by `leo_dash.ui.analysis_page`)."""

from __future__ import annotations

from leo_dash.analyses.controls import Ask, LabelledSelect, PageText, Params, Select
from leo_dash.analyses.industry.spec import BASES, IndustrySpec, industry_name, options, spec_from_params, spec_params
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
    yag = ask(Select("Years after graduation", "yag", found.years_after, defaults.years_after))
    subject = ask(Select("Subject studied", "subject", found.subjects, defaults.subject))
    region = ask(Select("Region", "region", found.regions, defaults.region))
    basis = ask(LabelledSelect("Count graduates by", "basis", {k: BASES[k] for k in found.bases}, defaults.basis))
    chosen_industry = ask(
        LabelledSelect(
            "Industry (for the subjects chart)",
            "industry",
            {i: industry_name(i) for i in found.industries},
            defaults.industry,
        )
    )
    spec = IndustrySpec(
        table_id=entry.id,
        years_after=yag or defaults.years_after,
        subject=subject or defaults.subject,
        region=region or defaults.region,
        basis=basis or defaults.basis,
        industry=chosen_industry or defaults.industry,
    )
    return spec_params(spec)

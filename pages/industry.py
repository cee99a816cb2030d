"""Graduate industry: the industries a subject's graduates work in, and the subjects that feed an industry."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import industry
from leo_dash.analyses import registry as analyses
from leo_dash.briefing import ItemRef

NO_TABLE = (
    "No approved table gives graduates by industry and region. An administrator can register one with "
    "`python -m leo_dash add` (roles subject, years_after, region and industry)."
)


def main() -> None:
    st.title("Graduate industry")
    st.markdown(
        "Which industries first-degree graduates work in, by subject studied and years after graduation, for "
        "England or one region, and which subjects the graduates in an industry studied. Shares are of graduates "
        "with a published count; median earnings are shown for one region at a time, as published. A flow chart "
        "shows how graduates of the largest subjects spread across the largest industries, where it reads well."
    )
    tables = ui.visible_tables(industry.supports)
    if not tables:
        st.info(NO_TABLE, icon=":material/info:")
        return
    entry = ui.url_table_select(tables)
    found = industry.options(entry)
    defaults, _ = industry.spec_from_params(entry, {})  # the analysis's defaults, written once, in its package
    yag = ui.url_select("Years after graduation", found.years_after, key="yag", default=defaults.years_after)
    subject = ui.url_select("Subject studied", found.subjects, key="subject", default=defaults.subject)
    region = ui.url_select("Region", found.regions, key="region", default=defaults.region)
    basis = ui.url_labelled_select(
        "Count graduates by", {k: industry.BASES[k] for k in found.bases}, key="basis", default=defaults.basis
    )
    chosen_industry = ui.url_labelled_select(
        "Industry (for the subjects chart)",
        {i: industry.industry_name(i) for i in found.industries},
        key="industry",
        default=defaults.industry,
    )
    ui.overdue_warning(entry)
    ui.show_url_notes()
    spec = industry.IndustrySpec(
        table_id=entry.id,
        years_after=yag,
        subject=subject,
        region=region,
        basis=basis or defaults.basis,
        industry=chosen_industry or defaults.industry,
    )
    params = industry.spec_params(spec)
    ui.record_page_view(industry.PAGE, params, table=entry.id)
    for view in analyses.BY_KEY[industry.PAGE].build_views(params, tables):
        ui.render_view(view, briefing=ItemRef.make(industry.PAGE, params, view.key))


ui.run_page(main)

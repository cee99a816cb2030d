"""Regional mobility and earnings: where graduates studied and where they live, region by region, on a map."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import regional
from leo_dash.analyses import registry as analyses
from leo_dash.briefing import ItemRef

NO_TABLE = (
    "No approved table gives graduates by region of study and region of residence. An administrator can register "
    "one with `python -m leo_dash add` (roles subject, years_after, region and industry, with counts of graduates "
    "living in and trained in each region)."
)


def main() -> None:
    st.title("Regional mobility and earnings")
    st.markdown(
        "How many first-degree graduates studied in each of England's regions and how many live there, the net "
        "gain or loss, and (for one industry) the median earnings of those living there, by subject and years "
        "after graduation. Choose what the map shows; every figure is also in the table."
    )
    tables = ui.visible_tables(regional.supports)
    if not tables:
        st.info(NO_TABLE, icon=":material/info:")
        return
    entry = ui.url_table_select(tables)
    found = regional.options(entry)
    defaults, _ = regional.spec_from_params(entry, {})  # the analysis's defaults, written once, in its package
    yag = ui.url_select(
        "Years after graduation",
        found.years_after,
        key="yag",
        default=defaults.years_after,
    )
    subject = ui.url_select("Subject studied", found.subjects, key="subject", default=defaults.subject)
    sector = ui.url_labelled_select(
        "Industry",
        {i: regional.industry_label(i) for i in found.industries},
        key="industry",
        default=defaults.industry,
    )
    measure = ui.url_labelled_select(
        "Map shows",
        {m: regional.MEASURES[m] for m in regional.measures(entry, sector)},
        key="measure",
        default=defaults.measure,
        follow_default=True,
    )
    ui.overdue_warning(entry)
    ui.show_url_notes()
    spec = regional.RegionalSpec(table_id=entry.id, years_after=yag, subject=subject, industry=sector, measure=measure)
    params = regional.spec_params(spec)
    ui.record_page_view(regional.PAGE, params, table=entry.id)
    for view in analyses.BY_KEY[regional.PAGE].build_views(params, tables):
        ui.render_view(view, briefing=ItemRef.make(regional.PAGE, params, view.key))


ui.run_page(main)

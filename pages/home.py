"""Home: what LEO Explorer is, and the approved tables it can show."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses.home import catalogue_rows


def main() -> None:
    st.title("LEO Explorer")
    st.markdown(
        "Explore Longitudinal Education Outcomes (LEO) statistics: how learners from schools, colleges and "
        "universities fare in employment, earnings and out-of-work benefits. Every figure comes from an approved "
        "summary table and passes disclosure control before it is shown or downloaded."
    )
    tables = ui.visible_tables()
    if any(t.demo for t in tables):
        ui.demo_banner(force=True)
    st.header("Start with a question")
    st.page_link(
        "pages/subject_ranking.py",
        label="Which subjects have the highest earnings five years after graduation?",
        icon=":material/leaderboard:",
    )
    st.page_link(
        "pages/provider.py", label="How does a provider compare with its peers?", icon=":material/person_search:"
    )
    st.page_link(
        "pages/industry.py",
        label="Which industries do graduates of a subject work in, and where?",
        icon=":material/factory:",
    )
    st.page_link(
        "pages/regional.py",
        label="Which regions gain graduates after they finish studying, and what do they earn there?",
        icon=":material/map:",
    )
    st.page_link("pages/impact.py", label="Did an intervention change an outcome?", icon=":material/science:")
    st.page_link(
        "pages/benefits.py",
        label="How many learners claim out-of-work benefits, year by year?",
        icon=":material/trending_up:",
    )
    st.header("Approved tables")
    rows = catalogue_rows(tables, prepare=ui.prepare)
    st.dataframe(rows, hide_index=True, key="home-catalogue")
    for entry in tables:
        if entry.is_overdue():
            ui.overdue_warning(entry)


ui.run_page(main)

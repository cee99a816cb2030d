"""LEO Explorer: router and page frame. Run with `streamlit run app.py`."""

import logging

# Plotly looks pandas up in sys.modules without importing it: while one session's thread is still importing pandas
# (for a table or statsmodels), another drawing a chart finds the half-made module and fails. Imported here, before
# any page runs, every session finds it whole (two sessions opening at once on a fresh server showed the error).
import pandas  # noqa: F401
import streamlit as st

from leo_dash import ui

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="LEO Explorer", page_icon=":material/school:", layout="wide")

ANALYSES = ui.analysis_menu()  # the registry's analysis pages by menu section, in menu order
PAGES = {
    "Explore": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),  # served at the root
        *ANALYSES["Explore"],
    ],
    "Evaluate": ANALYSES["Evaluate"],
    "Brief": [st.Page("pages/briefing.py", title="Briefing pack", icon=":material/summarize:", url_path="briefing")],
    "About the data": [
        st.Page("pages/catalogue.py", title="Catalogue", icon=":material/table_view:", url_path="catalogue"),
        st.Page(
            "pages/methodology.py",
            title="Methodology and glossary",
            icon=":material/menu_book:",
            url_path="methodology",
        ),
        st.Page(
            "pages/data_use.py", title="How your data is used", icon=":material/shield_person:", url_path="data-use"
        ),
        st.Page(
            "pages/access_register.py",
            title="Approved access register",
            icon=":material/verified:",
            url_path="access-register",
        ),
        st.Page(
            "pages/accessibility.py",
            title="Accessibility statement",
            icon=":material/accessibility_new:",
            url_path="accessibility",
        ),
    ],
}

ui.refuse_unsafe_identity_setup()  # trusted-header mode without a proxy secret or address: refuse to start

# Every page listed, none behind "View more": a collapsed list hides pages from keyboard and screen-reader users.
page = st.navigation(PAGES, position="sidebar", expanded=True)
# Each page gets its own browser tab title (screen readers and tab lists tell pages apart by it).
st.set_page_config(page_title=ui.browser_title(page.title))
ui.page_chrome()
ui.forget_other_pages_links(page.url_path)
st.sidebar.caption(
    "LEO Explorer shows approved summary statistics from Longitudinal Education Outcomes data. "
    "No individual can be identified from anything shown."
)
ui.entered_frame()
page.run()

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

ui.refuse_unsafe_identity_setup()  # trusted-header mode without a proxy secret or address: refuse to start

# Every page listed, none behind "View more": a collapsed list hides pages from keyboard and screen-reader users.
page = st.navigation(ui.navigation_pages(), position="sidebar", expanded=True)
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

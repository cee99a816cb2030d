"""LEO Explorer: router and page frame. Run with `streamlit run app.py`."""

import logging

import streamlit as st

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="LEO Explorer", page_icon=":material/school:", layout="wide")

PAGES = {
    "Explore": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    ],
}

page = st.navigation(PAGES, position="sidebar")
st.sidebar.caption(
    "LEO Explorer shows approved summary statistics from Longitudinal Education Outcomes data. "
    "No individual can be identified from anything shown."
)
page.run()

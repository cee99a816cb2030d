"""Briefing pack: the collected charts and tables, reordered, titled and exported."""

import streamlit as st

from leo_dash import ui
from leo_dash.ui.briefing import render_briefing_page


def main() -> None:
    st.title("Briefing pack")
    st.markdown(
        "Charts added with **Add to briefing** are collected here with their tables, summary sentences, footnotes "
        "and sources. Every item is rebuilt from the data through disclosure control when you open or export it."
    )
    render_briefing_page()


ui.run_page(main)

"""Accessibility statement: how accessible LEO Explorer is, the known issues, how to report a problem and how the
service was tested. The text lives in leo_dash.present.accessibility, which the browser tests check against."""

import os

import streamlit as st

from leo_dash import ui
from leo_dash.present import accessibility


def main() -> None:
    st.title(f"Accessibility statement for {accessibility.SERVICE_NAME}")
    for section in accessibility.statement_sections(accessibility.contact_from_env(os.environ)):
        st.header(section.heading)
        st.markdown(accessibility.section_markdown(section))


ui.run_page(main)

"""How your data is used: the LEO purposes and coverage, and where a person can ask about their own data."""

import streamlit as st

from leo_dash import governance, ui
from leo_dash.core.model import CONTROLLERS
from leo_dash.ui.governance import titled_sections


def main() -> None:
    titled_sections("How your data is used", governance.DATA_USE)
    st.header("The LEO privacy notice")
    st.markdown(governance.PRIVACY_NOTICE_TEXT)
    st.header("Asking about your own data")
    st.markdown(governance.DASHBOARD_TEXT)
    st.markdown(governance.RIGHTS_TEXT)
    for route in governance.CONTROLLER_ROUTES:
        st.markdown(route.markdown(CONTROLLERS[route.code]))
    st.header("Raising a concern")
    st.markdown(governance.CONCERN_TEXT)


ui.run_page(main)

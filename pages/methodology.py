"""Methodology and glossary: how figures reach the screen, and what the terms and symbols mean."""

import streamlit as st

from leo_dash import governance, ui
from leo_dash.ui.governance import titled_sections


def main() -> None:
    titled_sections("Methodology and glossary", governance.METHODOLOGY)
    st.header("Glossary")
    for term in governance.GLOSSARY:
        st.markdown(f"**{term.term}**  \n{term.definition}")
    st.header("Symbols")
    st.markdown("Published tables use these symbols in place of a number. None of them means zero.")
    st.dataframe(governance.symbol_rows(), hide_index=True, key="methodology-symbols")


ui.run_page(main)

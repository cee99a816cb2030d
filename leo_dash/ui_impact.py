"""Streamlit helpers for the intervention-impact page (kept out of ui.py, which other pages edit)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st


def forget_stale_selection(key: str, options: Sequence[str]) -> None:
    """Forget a multiselect's remembered values when none of them is an option any more.

    When the user changes what the groups are made of (e.g. from type of provision to providers), the old items
    cannot be kept; forgetting them lets the widget start from its default instead of an empty group. An
    explicitly emptied selection is kept empty: the page then asks for a choice.
    """
    remembered = st.session_state.get(key)
    if remembered and not any(value in options for value in remembered):
        del st.session_state[key]

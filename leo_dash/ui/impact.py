"""Streamlit helpers for the intervention-impact page."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from leo_dash.ui.markup import plain
from leo_dash.ui.widgets import drop_pending_resets, start_afresh

_TABLE_SEEN = "_impact_table_seen"
_KEYS_USED = "_impact_keys_used"
_SWITCH_NOTE = "_impact_switch_note"


def reset_choices_on_table_switch(table_id: str, table_title: str) -> None:
    """After the user switches table, every other choice on this page starts again from the new table's defaults
    (widgets and link alike), and the page says so. A value that happens to exist in both tables is not kept: the
    outcome, groups and start year of one table mean something else in another. Never on a session's first run, so
    a link's own choices stand."""
    previous = st.session_state.get(_TABLE_SEEN)
    st.session_state[_TABLE_SEEN] = table_id
    if previous is None or previous == table_id:
        return
    start_afresh(st.session_state.get(_KEYS_USED, ()))
    st.session_state[_SWITCH_NOTE] = (
        f"You switched to {table_title}: its outcome, groups, start year and other choices start from its own defaults."
    )


def remember_choice_keys(keys: Sequence[str]) -> None:
    """The widget keys this run used, so a table switch can reset exactly those."""
    st.session_state[_KEYS_USED] = [k for k in keys if k != "table"]
    drop_pending_resets()


def show_switch_note() -> None:
    note = st.session_state.pop(_SWITCH_NOTE, None)
    if note:
        st.info(plain(note), icon=":material/swap_horiz:")

"""Sidebar widgets the Subject earnings page needs beyond leo_dash.ui.

Select boxes that show names while the URL keeps the stable value are `leo_dash.ui.url_labelled_select`. The
normalisers repair widget state that
another page left under a shared URL key with a different shape (one value vs a list).
"""

from __future__ import annotations

import streamlit as st

from leo_dash.ui.markup import plain

_NOTES_KEY = "_leo_earnings_url_notes"


def single_value_as_list(key: str) -> None:
    """Widget state under `key` as a list (another page may have left one value there)."""
    value = st.session_state.get(key)
    if isinstance(value, str):
        st.session_state[key] = [value]


def show_url_notes() -> None:
    for note in st.session_state.pop(_NOTES_KEY, []):
        st.info(plain(note), icon=":material/link_off:")


def follow_provider(
    provider: str | None, *, subjects_key: str, provider_subjects: list[str], defaults: list[str]
) -> None:
    """When the user picks another provider and none of the chosen subjects has figures there, choose the
    provider's own subjects instead (with a note), so the chart is not all gaps. Call before the subject widget."""
    seen_key = "_leo_earnings_provider_seen"
    first_run = seen_key not in st.session_state  # the link's own subjects stand on arrival
    previous = st.session_state.get(seen_key)
    st.session_state[seen_key] = provider
    if first_run or not provider or previous == provider or not provider_subjects:
        return
    chosen = st.session_state.get(subjects_key)
    if isinstance(chosen, list) and chosen and not set(chosen) & set(provider_subjects):
        st.session_state[subjects_key] = defaults
        st.session_state.setdefault(_NOTES_KEY, []).append(
            "The provider you chose has no figures for the subjects that were selected, so its own subjects are shown."
        )


def note_too_many(key: str, label: str, options: list[str], limit: int) -> None:
    """Say so when a link asks for more valid values than a multiselect allows (Streamlit keeps the first ones)."""
    asked = [v for v in st.query_params.get_all(key) if v in options]
    if len(asked) > limit and key not in st.session_state:
        st.session_state.setdefault(_NOTES_KEY, []).append(
            f"The link asked for {len(asked)} {label}; at most {limit} can be shown, so the first {limit} are."
        )

"""Streamlit pieces the Benefit claims and Headlines pages need beyond leo_dash.ui.

Select boxes that show names while the URL keeps the stable value are `leo_dash.ui.url_labelled_select`. The
list-state helpers repair
widget state that another page (or another split on this page) left under a shared URL key in a different shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from leo_dash.analyses.overview import Headline, PageLink
from leo_dash.ui.markup import plain
from leo_dash.ui.widgets import start_afresh

_NOTES_KEY = "_leo_benefits_url_notes"


def _note(text: str) -> None:
    st.session_state.setdefault(_NOTES_KEY, []).append(text)


def drop_single_value(key: str) -> None:
    """Drop a single value left under `key` by a select box (here or on another page): the multiselect drawn
    under that key then starts from the link or its defaults. (Wrapping the value in a list and passing a default
    as well would make Streamlit warn that the value was set twice.)"""
    if isinstance(st.session_state.get(key), str):
        del st.session_state[key]


def changed(marker: str, value: object) -> tuple[bool, object]:
    """(whether `value` differs from the last run's, the last run's value). Never 'changed' on the first run of a
    session, so a link's own values stand."""
    seen = f"_ben_seen_{marker}"
    first = seen not in st.session_state
    previous = st.session_state.get(seen)
    st.session_state[seen] = value
    return (not first and previous != value), previous


def forget(keys: Sequence[str]) -> None:
    """The controls under `keys` start again from their defaults, in the widgets and in the link."""
    start_afresh(keys)


def as_value_state(key: str) -> None:
    """Widget state under `key` as one value (a multiselect elsewhere may have left a list there)."""
    if isinstance(st.session_state.get(key), list):
        del st.session_state[key]


def cap_list(key: str, limit: int, noun: str, options: Sequence[str]) -> None:
    """Keep at most `limit` values in a multiselect's state or link (the limit shrinks when a provider is chosen),
    with a note saying what was cut."""
    state = st.session_state.get(key)
    if isinstance(state, list) and len(state) > limit:
        st.session_state[key] = state[:limit]
        _note(f"At most {limit} {noun} fit in the chart with this choice, so the first {limit} are kept.")
        return
    if key not in st.session_state:
        asked = [v for v in dict.fromkeys(st.query_params.get_all(key)) if v in options]
        if len(asked) > limit:
            st.query_params[key] = asked[:limit]
            _note(
                f"The link asked for {len(asked)} {noun}; at most {limit} fit in the chart, so the first {limit} are shown."
            )


def note(text: str) -> None:
    """A note for the top of the page (shown by `show_url_notes`)."""
    _note(text)


def show_url_notes() -> None:
    for text in st.session_state.pop(_NOTES_KEY, []):
        st.info(plain(text), icon=":material/link_off:")


# ---------------------------------------------------------------- headline cards


def _page_link(link: PageLink) -> None:
    try:
        st.page_link(link.page, label=plain(link.label), icon=link.icon, query_params=link.params)
    except Exception:  # a page not in this app's navigation (e.g. run outside the router): a plain link instead
        st.markdown(f"[{plain(link.label)}]({link.href})")


def render_headline(headline: Headline) -> None:
    """One headline: the figure (st.metric) with its change in GSS words, the sentence, source and links."""
    with st.container(border=True):
        arrow = "off" if headline.change is None or headline.change == 0 else ("up" if headline.change > 0 else "down")
        # The label goes above the figure as text: st.metric cuts a long label short.
        st.markdown(f"**{plain(headline.title)}**", help=headline.help_text)
        st.metric(
            plain(headline.title),
            headline.value_text,
            label_visibility="collapsed",
            delta=headline.change_text,
            delta_color="off",  # neutral grey: official statistics do not colour a change as good or bad
            delta_arrow=arrow,
        )
        st.markdown(plain(headline.sentence))
        st.caption(plain(headline.source))
        for link in headline.links:
            _page_link(link)

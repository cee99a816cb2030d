"""Sidebar widgets the Institution performance page needs beyond leo_dash.ui.

Streamlit's `bind="query-params"` writes a widget's *shown* label into the URL when it has a format_func, so a
picker showing "Name (UKPRN)" would put names in the link. These widgets show labels but keep the stable value in
the URL themselves (?provider=10000020&provider=10007851, ?measure=emp_percent), reading it once when the widget is
first drawn and writing it back after every change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from leo_dash.analyses import provider_search
from leo_dash.ui.markup import plain
from leo_dash.ui.widgets import url_select, write_link

_NOTES_KEY = "_leo_institutions_url_notes"
_FOCUS_KEY = "_leo_institutions_focus"


def _note(text: str) -> None:
    st.session_state.setdefault(_NOTES_KEY, []).append(text)


def _sync_url(key: str, values: Sequence[str], default: Sequence[str]) -> None:
    """Write `values` to ?key=…, or remove the parameter when the values are the default (a clean link)."""
    write_link(key, [] if list(values) == list(default) else list(values))


def provider_search_multiselect(
    label: str,
    providers: Sequence[tuple[str, str]],
    names: Mapping[str, str],
    *,
    key: str,
    max_selections: int,
    id_label: str = "ID",
    noun: str = "providers",
    help: str | None = None,
    format_label: Callable[[str, str], str] = lambda pid, name: f"{name} ({pid})",
) -> list[str]:
    """A search box and a multiselect of its matches (at most provider_search.DEFAULT_LIMIT, plus the providers
    already chosen), whose values live in the URL as ?key=a&key=b. A large table's full list of providers
    (`providers`: (id, name) by name; `names`: the same as a mapping, shared by every session) stays on the server:
    the browser gets only the matches. Unknown link values are dropped and extras cut, each with a note."""
    widget_key = f"_inst_{key}"
    search_key = f"_inst_{key}_search"
    if widget_key in st.session_state:
        chosen_before = [v for v in st.session_state[widget_key] if v in names]  # values of another table dropped
    else:
        raw = list(dict.fromkeys(st.query_params.get_all(key)))
        unknown = [v for v in raw if v not in names]
        if unknown:
            _note(
                f"The link asked for {noun} {', '.join(repr(v) for v in unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not in this table; "
                f"{'they are' if len(unknown) > 1 else 'it is'} left out."
            )
        known = [v for v in raw if v in names]
        if len(known) > max_selections:
            _note(
                f"The link asked for {len(known)} {noun}; at most {max_selections} can be highlighted, so the first {max_selections} are."
            )
        chosen_before = known[:max_selections]
    text = st.sidebar.text_input(
        f"Search {noun} by name or {id_label}",
        key=search_key,
        placeholder=f"Part of a name, or the start of a {id_label}",
        help=help,
    )
    found = provider_search.search(providers, text, keep=chosen_before)
    # Assigned on every run: the options change with every search, and the chosen ones must stay chosen.
    st.session_state[widget_key] = chosen_before
    values = st.sidebar.multiselect(
        label,
        [pid for pid, _ in found.offered],
        format_func=lambda v: format_label(v, names.get(v, v)),
        key=widget_key,
        max_selections=max_selections,
        placeholder=f"Choose from the {noun} found" if text.strip() else f"Choose {noun}, or search above",
    )
    if summary := found.summary(text, noun):
        st.sidebar.caption(plain(summary))  # it repeats what the user typed
    chosen = [str(v) for v in values]
    _sync_url(key, chosen, [])
    return chosen


def follow_focus(focus: str | None, peer: str, attributes: Mapping[str, str | None], keys: Mapping[str, str]) -> None:
    """When the user highlights a different first provider or picks another peer group, point the peer-group
    selects (session keys in `keys`, by role) at that provider's own type and region ("same type"). Call before
    those selects are drawn, with the provider's type and region as their defaults: on arrival the default does
    the same, so a link without ?provider_type= means "the first provider's own type" and reproduces the view."""
    first_run = _FOCUS_KEY not in st.session_state
    previous = st.session_state.get(_FOCUS_KEY)
    st.session_state[_FOCUS_KEY] = (focus, peer)
    if first_run or focus is None or previous == (focus, peer):
        return
    for role, key in keys.items():
        value = attributes.get(role)
        if value is not None:
            st.session_state[key] = value


def select_if_choice(
    label: str, options: Sequence[str], *, key: str, default: str | None = None, help: str | None = None
) -> str:
    """A URL-bound select (leo_dash.ui.url_select) when there is a choice to make; with one option nothing is drawn
    (a control the table cannot vary is hidden) and a link asking for another value gets a note."""
    if len(options) > 1:
        return url_select(label, options, key=key, default=default, help=help)
    only = options[0]
    asked = st.query_params.get_all(key)
    if asked and asked[-1] != only:
        _note(
            f"The link asked for {label.lower()} '{asked[-1]}', which this table does not break down; showing {only}."
        )
    return only


def show_url_notes() -> None:
    for note in st.session_state.pop(_NOTES_KEY, []):
        st.info(plain(note), icon=":material/link_off:")

"""Draw an analysis's declared controls (`leo_dash.analyses.controls`) as URL-bound sidebar widgets: the one
`Ask` every analysis page's `choose` is run with. The session bookkeeping a page needs between runs lives here
once: a choice that starts afresh when another changes, a control that follows another, a selection cut to fit, a
single value left by another page's select box under a multiselect's key (and the reverse)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import streamlit as st

from leo_dash.analyses import controls, provider_search
from leo_dash.ui import widgets
from leo_dash.ui.markup import plain

_SEEN = "_leo_seen_"  # + marker: the token a StartAfresh or Follow saw on the last run
_KEYS_DRAWN = "_leo_keys_drawn_"  # + page: the control keys the page drew on its last run
_SWITCH_NOTES = "_leo_switch_notes"


def changed(marker: str, token: Hashable) -> bool:
    """Whether `token` differs from the last run's under `marker`. Never on a session's first run (nothing seen
    yet), so a link's own values stand."""
    seen = _SEEN + marker
    first = seen not in st.session_state
    previous = st.session_state.get(seen)
    st.session_state[seen] = token
    return not first and previous != token


class SidebarAsk:
    """`controls.Ask` for one page run: each control drawn in the sidebar, its answer returned; remembers which
    keys the page drew (for a StartAfresh of "every control")."""

    def __init__(self, page: str) -> None:
        self.page = page
        self.drawn: list[str] = []
        self._chosen: controls.Params = {}
        self._previous_keys: list[str] = list(st.session_state.get(_KEYS_DRAWN + page, ()))

    def __call__(self, control: controls.Control) -> str | list[str] | None:
        if isinstance(control, controls.Caption):
            st.sidebar.caption(plain(control.text))
            return None
        if isinstance(control, controls.StartAfresh):
            self._start_afresh(control)
            return None
        if isinstance(control, controls.Follow):
            _follow(self.page, control)
            return None
        if isinstance(control, controls.DropFromLink):
            if widgets.drop_link_value(control.key):
                widgets.note(control.note)
            return None
        self.drawn.append(controls.url_key(control))
        answer = (
            _many(control)
            if isinstance(control, controls.MultiSelect | controls.ProviderMultiSelect)
            else _one(control)
        )
        controls.record_answer(self._chosen, control, answer)
        return answer

    def arrived_with(self, keys: Sequence[str]) -> dict[str, str]:
        return widgets.link_values(list(keys))

    def chosen(self) -> controls.Params:
        return dict(self._chosen)

    def finish(self) -> None:
        """After the last control: remember what was drawn; resets of controls this run did not draw are dropped."""
        st.session_state[_KEYS_DRAWN + self.page] = [k for k in self.drawn if k != "table"]

    def _start_afresh(self, control: controls.StartAfresh) -> None:
        if not changed(f"{self.page}:{control.marker}", control.token):
            return
        widgets.start_afresh(list(control.keys) if control.keys is not None else self._previous_keys)
        if control.note:
            st.session_state.setdefault(_SWITCH_NOTES, []).append(control.note)


def show_switch_notes() -> None:
    """The notes of choices that started afresh this run."""
    for text in st.session_state.pop(_SWITCH_NOTES, []):
        st.info(plain(text), icon=":material/swap_horiz:")


def _follow(page: str, control: controls.Follow) -> None:
    if not changed(f"{page}:{control.marker}", control.token):
        return
    if control.unless_any_of is not None:
        current = [st.session_state.get(key) for key in control.values]
        chosen = {v for value in current if isinstance(value, list) for v in value}
        if not control.unless_any_of or not any(isinstance(v, list) and v for v in current):
            return
        if chosen & set(control.unless_any_of):
            return
    for key, value in control.values.items():
        st.session_state[key] = value if isinstance(value, str) else list(value)
    if control.note:
        widgets.note(control.note)


def _one(control: controls.OneValue) -> str | None:
    if isinstance(control, controls.AreaSelect):
        area = widgets.url_area_select(control.areas)
        return area.code if area is not None else None
    if isinstance(control, controls.ProviderSelect):
        return widgets.url_provider_select(
            control.label,
            control.providers,
            key=control.key,
            fixed=control.fixed,
            default=control.default,
            id_label=control.id_label,
            help=control.help,
        )
    if isinstance(control, controls.LabelledSelect):
        return widgets.url_labelled_select(
            control.label,
            control.options,
            key=control.key,
            default=control.default,
            help=control.help,
            follow_default=control.follow_default,
        )
    if isinstance(st.session_state.get(control.key), list):
        del st.session_state[control.key]  # a multiselect's values under the same key: the link or default instead
    if isinstance(control, controls.Radio):
        return widgets.url_radio(control.label, control.options, key=control.key, default=control.default)
    if control.only_if_choice and len(control.options) == 1:
        return _only_option(control)
    return widgets.url_select(
        control.label, control.options, key=control.key, default=control.default, help=control.help
    )


def _only_option(control: controls.Select) -> str:
    only = control.options[0]
    asked = st.query_params.get_all(control.key)
    if asked and asked[-1] != only:
        widgets.note(
            f"The link asked for {control.label.lower()} '{asked[-1]}', which this table does not break down; "
            f"showing {only}."
        )
    return only


def _many(control: controls.ManyValues) -> list[str]:
    if isinstance(control, controls.ProviderMultiSelect):
        return provider_search_multiselect(control)
    if control.from_select == "drop" and isinstance(st.session_state.get(control.key), str):
        # Dropped rather than wrapped: the multiselect starts from the link or its defaults.
        del st.session_state[control.key]
    if control.max_selections is not None:
        _cap(control.key, control.max_selections, control.noun, control.options)
    return widgets.url_multiselect(
        control.label,
        control.options,
        key=control.key,
        default=control.default,
        max_selections=control.max_selections,
        help=control.help,
    )


def _cap(key: str, limit: int, noun: str, options: Sequence[str]) -> None:
    """At most `limit` values in a multiselect's state or link (a limit can shrink with another choice), with a
    note saying what was cut."""
    state = st.session_state.get(key)
    if isinstance(state, list) and len(state) > limit:
        st.session_state[key] = state[:limit]
        widgets.note(f"At most {limit} {noun} fit in the chart with this choice, so the first {limit} are kept.")
        return
    if key not in st.session_state:
        asked = [v for v in dict.fromkeys(st.query_params.get_all(key)) if v in options]
        if len(asked) > limit:
            widgets.write_link(key, asked[:limit])
            widgets.note(
                f"The link asked for {len(asked)} {noun}; at most {limit} fit in the chart, so the first {limit} "
                "are shown."
            )


def provider_search_multiselect(control: controls.ProviderMultiSelect) -> list[str]:
    """A search box and a multiselect of its matches (at most provider_search.DEFAULT_LIMIT, plus the providers
    already chosen), values in the URL as ?key=a&key=b. Streamlit's query-param binding would write a widget's shown
    label ("Name (UKPRN)") into the link, so this widget keeps the ids in the link itself. Unknown link values are
    dropped and extras cut, each with a note."""
    key, names, limit, noun = control.key, control.names, control.max_selections, control.noun
    widget_key = f"_inst_{key}"
    if widget_key in st.session_state:
        chosen_before = [v for v in st.session_state[widget_key] if v in names]  # values of another table dropped
    else:
        raw = list(dict.fromkeys(st.query_params.get_all(key)))
        unknown = [v for v in raw if v not in names]
        if unknown:
            one = len(unknown) == 1
            widgets.note(
                f"The link asked for {noun} {', '.join(repr(v) for v in unknown)}, which {'is' if one else 'are'} "
                f"not in this table; {'it is' if one else 'they are'} left out."
            )
        known = [v for v in raw if v in names]
        if len(known) > limit:
            widgets.note(
                f"The link asked for {len(known)} {noun}; at most {limit} can be highlighted, so the first {limit} are."
            )
        chosen_before = known[:limit]
    text = st.sidebar.text_input(
        f"Search {noun} by name or {control.id_label}",
        key=f"_inst_{key}_search",
        placeholder=f"Part of a name, or the start of a {control.id_label}",
        help=control.help,
    )
    found = provider_search.search(control.providers, text, keep=chosen_before)
    # Assigned on every run: the options change with every search, and the chosen ones must stay chosen.
    st.session_state[widget_key] = chosen_before
    label: Callable[[str, str], str] = control.format_label
    values = st.sidebar.multiselect(
        control.label,
        [pid for pid, _ in found.offered],
        format_func=lambda v: label(v, names.get(v, v)),
        key=widget_key,
        max_selections=limit,
        placeholder=f"Choose from the {noun} found" if text.strip() else f"Choose {noun}, or search above",
    )
    if summary := found.summary(text, noun):
        st.sidebar.caption(plain(summary))  # it repeats what the user typed
    chosen = [str(v) for v in values]
    widgets.write_link(key, chosen)
    return chosen

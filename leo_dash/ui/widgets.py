"""URL-bound widgets: sidebar choices whose values live in the link (`url_*`), the notes about link values that
could not be used, and the link bookkeeping (write_link, resets, forgetting another page's values)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import streamlit as st
from streamlit.errors import StreamlitAPIException

from leo_dash.analyses import provider_search
from leo_dash.core import geography
from leo_dash.core.model import TableEntry
from leo_dash.ui.audit_trail import _note_filter, _record_hidden_table_request
from leo_dash.ui.markup import plain

_NOTES_KEY = "_leo_url_notes"


def note(text: str) -> None:
    """A note for the top of the page, shown (once) by `show_url_notes`: the one queue of notes about choices."""
    st.session_state.setdefault(_NOTES_KEY, []).append(text)


def _note_bad_param(key: str, label: str, raw: Sequence[str], fallback: str) -> None:
    shown = ", ".join(raw)
    st.session_state.setdefault(_NOTES_KEY, []).append(
        f"The link asked for {label.lower()} '{shown}', which is not available for this selection; showing {fallback} instead."
    )


_RESET_PENDING = "_leo_reset_to_default"


def start_afresh(keys: Sequence[str]) -> None:
    """Make the URL-bound widgets `keys` start from their defaults the next time they are drawn, in the widget and
    in the link alike. (Dropping their state is not enough: Streamlit would seed them again from the link, and it
    refuses direct edits of a widget-bound URL key; assigning the widget's value is its supported reset.)"""
    pending = set(st.session_state.get(_RESET_PENDING, ()))
    st.session_state[_RESET_PENDING] = pending | set(keys)


def drop_link_value(key: str) -> bool:
    """Remove ?key= from the link when it came with the link itself. False when a widget of this page drew it on an
    earlier run (Streamlit refuses direct edits of a widget-bound value and clears it when that widget is not drawn),
    so the caller can tell a link's own value from one the user left behind by changing another choice."""
    if key not in st.query_params:
        return False
    try:
        del st.query_params[key]
    except StreamlitAPIException:
        return False
    return True


def drop_pending_resets() -> None:
    """Forget resets for widgets this run did not draw (the new table lacks them), so they cannot surprise a later
    page that happens to use the same key."""
    st.session_state.pop(_RESET_PENDING, None)


def _reset_if_pending(key: str, default: object) -> bool:
    pending = st.session_state.get(_RESET_PENDING)
    if not pending or key not in pending:
        return False
    pending.discard(key)
    st.session_state[key] = default
    return True


def link_values(keys: Sequence[str]) -> dict[str, str]:
    """The link's value of each URL-bound widget in `keys` not drawn yet this session (what a link arrived with),
    e.g. to let a nested filter named in a link bring its group (query.nested_choices)."""
    out: dict[str, str] = {}
    for key in keys:
        values = st.query_params.get_all(key)
        if values and key not in st.session_state:
            out[key] = values[-1]
    return out


def url_select(
    label: str, options: Sequence[str], *, key: str, default: str | None = None, help: str | None = None
) -> str:
    """A sidebar select box whose value lives in the URL (?key=value). Unknown URL values fall back with a note."""
    options = list(options)
    if not options:
        raise ValueError(f"No options for {label}.")
    chosen_default = _bound_default(key, label, options, default)
    if key in st.session_state and st.session_state[key] not in options:
        # A value of a previous table that this table lacks: assigned, not deleted, so the widget on screen
        # changes with it.
        st.session_state[key] = chosen_default
    _reset_if_pending(key, chosen_default)
    value = st.sidebar.selectbox(
        label, options, index=options.index(chosen_default), key=key, bind="query-params", help=help
    )
    return _bound_answer(key, value, chosen_default)


def _bound_default(key: str, label: str, options: list[str], default: str | None) -> str:
    """The default of a widget bound to ?key= (`default` when offered, else the first option). A link value the
    options lack falls back to it, with a note, and leaves the widget's state so the widget starts from it."""
    chosen_default = default if default in options else options[0]
    raw = st.query_params.get_all(key)
    if raw and raw[-1] not in options:
        _note_bad_param(key, label, raw, chosen_default)
        st.session_state.pop(key, None)
    return chosen_default


def _bound_answer(key: str, value: object, default: str) -> str:
    """What a widget bound to ?key= returned (its default when nothing), noted for the page-view audit record."""
    chosen = str(value if value is not None else default)
    _note_filter(key, chosen)
    return chosen


def url_area_select(areas: Sequence[geography.Area]) -> geography.Area | None:
    """The area selector (England, a region, a local authority), shown when the table publishes more than one area;
    returns the chosen area, or the table's only one."""
    default = geography.default_area(areas)
    if len(areas) < 2 or default is None:
        return default
    code = url_labelled_select(
        "Area",
        {a.code: a.label for a in areas},
        key=geography.AREA_PARAM,
        default=default.code,
        help="Figures for one place at a time: England, or a region or local authority the table publishes. "
        "Type to search.",
    )
    return next((a for a in areas if a.code == code), default)


def url_labelled_select(
    label: str,
    options: Mapping[str, str],
    *,
    key: str,
    default: str | None = None,
    help: str | None = None,
    widget_key: str | None = None,
    follow_default: bool = False,
) -> str:
    """A sidebar select box of `options` (value -> shown label) whose value lives in the URL as ?key=value, so
    the screen shows names (providers, measures) while the link keeps the stable value (a UKPRN, a column).

    With `follow_default`, a value chosen earlier that the options no longer offer (another choice changed what is
    on offer, e.g. a new provider has other outcomes) quietly becomes the default: the user changed nothing here.

    The URL is read when the widget is first drawn; an unknown value falls back to the default with a note (and,
    for ?table=, a request for a table this user may not see is audited). The value is written back after every
    change and removed when it is the default, so links stay short."""
    values = list(options)
    if not values:
        raise ValueError(f"No options for {label}.")
    chosen_default = default if default in options else values[0]
    widget_key = widget_key or f"_labelled_{key}"
    if follow_default and widget_key in st.session_state and st.session_state[widget_key] not in options:
        st.session_state[widget_key] = chosen_default
    if widget_key in st.session_state and st.session_state[widget_key] not in options:
        del st.session_state[widget_key]  # a value that this table (or scope) does not offer: said below
    if widget_key not in st.session_state:
        raw = st.query_params.get_all(key)
        wanted = raw[-1] if raw else None
        if wanted is not None and wanted not in options:
            if key == "table":
                _record_hidden_table_request(wanted)
            _note_bad_param(key, label, [wanted], options[chosen_default])
            wanted = None
        st.session_state[widget_key] = wanted if wanted is not None else chosen_default
    value = str(st.sidebar.selectbox(label, values, format_func=lambda v: options.get(v, v), key=widget_key, help=help))
    write_link(key, [] if value == chosen_default else [value])
    return value


def url_provider_select(
    label: str,
    providers: Sequence[tuple[str, str]],
    *,
    key: str,
    fixed: Mapping[str, str] | None = None,
    default: str | None = None,
    id_label: str = "ID",
    help: str | None = None,
) -> str:
    """A provider picker that searches on demand: a search box, then a select box (url_labelled_select, value in
    the URL as ?key=id) holding `fixed` choices ("All providers"), the chosen and default providers, and at most
    provider_search.DEFAULT_LIMIT matches of the search. A large table's full list (`providers`: (id, name) by
    name) stays on the server instead of being sent to every session. The default is `default`, else the first
    fixed choice, else the first provider: the same whatever is searched, so the link's meaning never moves."""
    widget_key = f"_labelled_{key}"
    stable_default = default
    if stable_default is None:  # not `or`: a fixed choice's value may be '' ("All providers")
        stable_default = next(iter(fixed), None) if fixed else (providers[0][0] if providers else None)
    current = st.session_state.get(widget_key)
    if current is None:
        raw = st.query_params.get_all(key)
        current = raw[-1] if raw else None
    text = st.sidebar.text_input(
        f"Search {label.lower()} by name or {id_label}",
        key=f"_search_{key}",
        placeholder=f"Part of a name, or the start of a {id_label}",
    )
    found = provider_search.search(providers, text, keep=[str(v) for v in (stable_default, current) if v is not None])
    choices = dict(fixed or {}) | {pid: f"{name} ({pid})" for pid, name in found.offered}
    value = url_labelled_select(label, choices, key=key, default=stable_default, help=help, widget_key=widget_key)
    if summary := found.summary(text, "providers"):
        st.sidebar.caption(plain(summary))
    return value


def url_multiselect(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    default: Sequence[str] = (),
    max_selections: int | None = None,
    help: str | None = None,
) -> list[str]:
    """A sidebar multiselect whose values live in the URL (?key=a&key=b). Unknown values are dropped with a note.

    Not a Streamlit-bound widget: Streamlit leaves a bound value out of the link when it equals the default the
    widget was first drawn with, but these defaults move with other choices (a provider's own subjects, the groups
    of a grouping), so the link lost selections that differed from the current default (issue 14, item 3). Here the
    link is written after every run against the current default, and state is assigned, never deleted, so the
    widget on screen always shows the values the page used."""
    options = list(options)
    limit = max_selections or None
    default_values = [d for d in default if d in options][:limit]
    raw = list(dict.fromkeys(st.query_params.get_all(key)))
    pending = st.session_state.get(_RESET_PENDING)
    if pending and key in pending:
        pending.discard(key)
        value = default_values
    elif key not in st.session_state:
        unknown = [r for r in raw if r not in options]
        if unknown:
            _note_bad_param(key, label, unknown, "the rest of the selection")
        known = [r for r in raw if r in options][:limit]
        value = known if known else default_values
    else:
        remembered = st.session_state[key] if isinstance(st.session_state[key], list) else [st.session_state[key]]
        kept = [v for v in remembered if v in options][:limit]
        # Values of another table or grouping: keep what still applies, else start from the default.
        value = kept if kept or not remembered else default_values
    # Assigned on every run: when the widget's options or help change, Streamlit makes it a new widget, which
    # would otherwise start empty.
    st.session_state[key] = value
    values = st.sidebar.multiselect(label, options, key=key, max_selections=max_selections, help=help)
    chosen = [str(v) for v in values]
    write_link(key, [] if chosen == default_values else chosen)
    _note_filter(key, chosen)
    return chosen


_LINK_WRITES = "_leo_link_writes"  # {key: values} this page wrote into the link itself (not widget-bound)
_LINK_PAGE = "_leo_link_page"


def write_link(key: str, values: Sequence[str]) -> None:
    """?key=… holds `values` (none: the parameter is left out, meaning the default). When a select box drew the
    same key on the previous run (one page can offer one value or several under one name), Streamlit still holds
    it bound and refuses the edit for this run; it releases it at the end of the run, and the next run writes."""
    st.session_state.setdefault(_LINK_WRITES, {})[key] = list(values)
    if list(st.query_params.get_all(key)) == list(values):
        return
    try:
        if values:
            st.query_params[key] = list(values)
        elif key in st.query_params:
            del st.query_params[key]
    except StreamlitAPIException:
        pass


def url_radio(label: str, options: Sequence[str], *, key: str, default: str | None = None) -> str:
    options = list(options)
    chosen_default = _bound_default(key, label, options, default)
    _reset_if_pending(key, chosen_default)
    value = st.sidebar.radio(
        label, options, index=options.index(chosen_default), key=key, bind="query-params", horizontal=True
    )
    return _bound_answer(key, value, chosen_default)


def url_table_select(tables: Sequence[TableEntry], *, key: str = "table") -> TableEntry:
    """Choose a table (?table=id). Tables the user may not see are not offered and an id for one falls back."""
    if not tables:
        raise NoTablesError("No approved table that this page can show is available to you.")
    by_id = {t.id: t for t in tables}
    ids = list(by_id)
    default = next((t.id for t in tables if t.demo), ids[0])
    # The list shows each table's catalogue title, the link keeps its id (issue 14, item 6).
    chosen = url_labelled_select(
        "Table", {table_id: by_id[table_id].title for table_id in ids}, key=key, default=default, widget_key=key
    )
    _note_filter(key, chosen, table=True)
    st.sidebar.caption(plain(f"Table id: {chosen}"))
    return by_id[chosen]


def show_url_notes() -> None:
    """Render (once) the notes about link parameters that could not be used."""
    for note in st.session_state.pop(_NOTES_KEY, []):
        st.info(plain(note), icon=":material/link_off:")


class NoTablesError(RuntimeError):
    """No table this page can show is visible to the user."""


def forget_other_pages_links(page_id: str) -> None:
    """On moving to another page, drop the link values the previous page wrote itself (Streamlit clears the values
    of its bound widgets but carries these over), so one page's table or selection never leaks into the next
    page's link. A value a page link set on purpose differs from what was written, and stays."""
    previous = st.session_state.get(_LINK_PAGE)
    st.session_state[_LINK_PAGE] = page_id
    if previous is None or previous == page_id:
        return
    for key, values in st.session_state.pop(_LINK_WRITES, {}).items():
        if values and list(st.query_params.get_all(key)) == values:
            with contextlib.suppress(StreamlitAPIException):
                del st.query_params[key]

"""The Streamlit layer: the only package of leo_dash that imports streamlit (tests/test_architecture.py checks it).

This module holds what every page uses: URL-bound widgets, cached data access, the page frame, the audit of page
views, and the Chart/Table/Download component every view is rendered with. Its submodules hold one page's widgets
each (`benefits`, `earnings`, `institutions`, `impact`, `briefing`, `governance`). Pages call these; the logic they
render lives in plain leo_dash modules on Polars frames, testable without Streamlit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from leo_dash import access, audit, charts, export, geography, provider_search, store
from leo_dash.briefing import Basket, ItemRef
from leo_dash.catalogue import Catalogue, load_catalogue
from leo_dash.model import TableEntry
from leo_dash.views import DEMO_WARNING, View

log = logging.getLogger("leo_dash.ui")
_NOTES_KEY = "_leo_url_notes"
# Markdown, HTML, Streamlit directives (:red[..], :material/..:), maths ($) and entities (&lt;), plus '@' so that
# neither an e-mail address nor a bare URL (www. / https: need '.' or ':') becomes a link.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:@&=])")
# GFM autolinks bare URLs and e-mail addresses *after* escapes are resolved, so escaping cannot stop them: a
# zero-width space after the scheme or "www" and before "@" breaks the pattern and changes nothing visible.
_AUTOLINK_START = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp|www)(?=[:.])")
_ZERO_WIDTH_SPACE = "\u200b"
# Line breaks would let a value start a heading, list or quote of its own; control characters have no place on screen.
_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def plain(text: object) -> str:
    """Show text from data, a link or a file literally in any Streamlit markdown (st.markdown, info, warning, error,
    caption, labels): names like '<script>', '**x**', '![](http://x/img)', 'www.evil.example' or 'a@b.example' show
    as typed, never as markup, an image or a link. Every value echoed into markdown goes through here."""
    text = _BREAKS_AND_CONTROLS.sub(" ", str(text))
    text = _AUTOLINK_START.sub(rf"\1{_ZERO_WIDTH_SPACE}", text).replace("@", f"{_ZERO_WIDTH_SPACE}@")
    return _MD_SPECIAL.sub(r"\\\1", text)


# ---------------------------------------------------------------- data access (shared across sessions)


@st.cache_resource(ttl=60, show_spinner=False)
def _catalogue() -> Catalogue:
    return load_catalogue()


@st.cache_resource(show_spinner="Preparing and protecting the table (first start only; a large table takes a minute)…")
def _prepared(table_id: str, files: tuple[str, ...]) -> store.PreparedTable:
    # Keyed by id and files: the parquet is written once per process and then scanned lazily by every session.
    return store.prepare(_catalogue().get(table_id))


def _user_claims() -> dict[str, Any]:
    """st.user as a plain dict ({} when Streamlit has no user information)."""
    try:
        return dict(st.user.to_dict())
    except Exception:  # no script context, or a host without st.user
        return {}


def _request_headers() -> Mapping[str, str]:
    """Headers of the request that opened this session (set by an authenticating proxy, if any)."""
    try:
        return st.context.headers
    except Exception:
        return {}


def _client_address() -> str | None:
    """Source address of the connection that opened this session (the proxy's, behind one)."""
    try:
        return st.context.ip_address
    except Exception:
        return None


def current_identity() -> access.Identity:
    """Who this session is: the Streamlit OIDC user when logged in (st.login, configured in
    .streamlit/secrets.toml), else the user named by the trusted proxy header when data/roles.toml configures one,
    else anonymous. Roles come from the role mapping in data/roles.toml (LEO_ROLES_FILE overrides)."""
    return access.resolve_identity(_user_claims(), _request_headers(), access.current_role_config(), _client_address())


def refuse_unsafe_identity_setup() -> None:
    """Stop the app (every page) when trusted-header mode is configured with no proxy check."""
    problem = access.identity_setup_problem()
    if problem:
        st.error(f"LEO Explorer cannot start: {plain(problem)}", icon=":material/gpp_bad:")
        st.stop()


def visible_tables(predicate: Callable[[TableEntry], bool] | None = None) -> list[TableEntry]:
    """Tables this user may see (access level and approved projects), optionally only those a page can show."""
    identity = current_identity()
    today = dt.date.today()
    register = access.current_register()
    catalogue = list(_catalogue())
    tables = [e for e in catalogue if access.can_see(e, identity, today=today, register=register)]
    # Tables that vanished because a project expired (or was refused) are denials the audit trail must show.
    for entry, decision in access.lapsed_grants(catalogue, identity, today=today, register=register):
        _record_denial_once(identity, entry.id, decision.reason)
    return [e for e in tables if predicate is None or predicate(e)]


def prepare(entry: TableEntry) -> store.PreparedTable:
    return _prepared(entry.id, entry.files)


# ---------------------------------------------------------------- URL-bound widgets


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
    chosen_default = default if default in options else options[0]
    raw = st.query_params.get_all(key)
    if raw and raw[-1] not in options:
        _note_bad_param(key, label, raw, chosen_default)
        st.session_state.pop(key, None)
    if key in st.session_state and st.session_state[key] not in options:
        # A value of a previous table that this table lacks: assigned, not deleted, so the widget on screen
        # changes with it.
        st.session_state[key] = chosen_default
    _reset_if_pending(key, chosen_default)
    value = st.sidebar.selectbox(
        label, options, index=options.index(chosen_default), key=key, bind="query-params", help=help
    )
    chosen = str(value if value is not None else chosen_default)
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
    chosen_default = default if default in options else options[0]
    raw = st.query_params.get_all(key)
    if raw and raw[-1] not in options:
        _note_bad_param(key, label, raw, chosen_default)
        st.session_state.pop(key, None)
    _reset_if_pending(key, chosen_default)
    value = st.sidebar.radio(
        label, options, index=options.index(chosen_default), key=key, bind="query-params", horizontal=True
    )
    chosen = str(value if value is not None else chosen_default)
    _note_filter(key, chosen)
    return chosen


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


# ---------------------------------------------------------------- frame and rendering


def demo_banner(entry: TableEntry | None = None, *, force: bool = False) -> None:
    if force or (entry is not None and entry.demo):
        st.warning(DEMO_WARNING, icon=":material/science:")


def overdue_warning(entry: TableEntry) -> None:
    if entry.is_overdue():
        st.warning(
            f"This table was due for its annual review on {entry.next_review:%d %B %Y}. "
            "Figures are shown until it is reviewed or retired.",
            icon=":material/event_busy:",
        )


# The chart toolbar's own "Download plot as png" would be an export outside the audit trail: it is removed (the
# briefing pack's PNGs are the audited route).
CHART_CONFIG: dict[str, Any] = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "toImage"]}


def basket() -> Basket:
    """This session's briefing basket (created empty on first use)."""
    if "_leo_basket" not in st.session_state:
        st.session_state["_leo_basket"] = Basket()
    return st.session_state["_leo_basket"]


def _add_to_basket(ref: ItemRef) -> None:
    added = basket().add(ref)
    st.toast("Added to the briefing." if added else "Already in the briefing (or the briefing is full).")


# A collapsed sidebar slides off screen but Streamlit leaves its links and filters in the Tab order: at 200% zoom or
# 320 px wide, keyboard users walked 12-27 invisible stops (WCAG 2.4.7, 2.4.11). Hidden, it is out of the Tab order
# and the accessibility tree until opened again.
_PAGE_STYLE = """<style>
section[data-testid="stSidebar"][data-collapsed="true"],
section[data-testid="stSidebar"][data-collapsed="true"] * { visibility: hidden !important; }
</style>"""

# Plotly draws its text as SVG in drawing order, so a screen reader heard values top to bottom and names bottom to
# top, then the summary again. Each chart is named by its figure role and described by the summary under it, so
# its drawing is hidden from assistive technology (its toolbar stays reachable).
_HIDE_CHART_DRAWINGS = """<script>
(() => {
  const root = window.parent && window.parent.document ? window.parent.document : document;
  const hide = () => root.querySelectorAll('[data-testid="stPlotlyChart"] svg:not([aria-hidden])')
    .forEach(svg => { if (!svg.closest('.modebar')) svg.setAttribute('aria-hidden', 'true'); });
  hide();
  if (!root.body.dataset.leoChartObserver) {
    root.body.dataset.leoChartObserver = '1';
    new MutationObserver(hide).observe(root.body, {childList: true, subtree: true});
  }
})();
</script>"""


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


def page_chrome() -> None:
    """Styles and behaviour every page needs for keyboard and screen-reader users (see the notes above)."""
    # In the sidebar: the script's empty block would push every page's heading down.
    st.sidebar.html(_PAGE_STYLE)
    st.sidebar.html(_HIDE_CHART_DRAWINGS, unsafe_allow_javascript=True)


def chart_name(view: View, *, summary_is: str = "below") -> str:
    """The chart's accessible name: what it shows. Its summary sentence is the text beside the chart, read once."""
    # An attribute, not Markdown: escaping here would have screen readers read out backslashes.
    title = " ".join(str(view.title).split())
    return f"Chart: {title}. Summary {summary_is}; every value is in the table."


def render_view(
    view: View, *, show_title: bool = True, briefing: ItemRef | None = None, heading_level: int = 2
) -> None:
    """Chart, Table and Download tabs of one view, with its summary and footnotes under it.

    With `briefing` (the page, its parameters and this view's key) an "Add to briefing" button is shown.
    `heading_level` is the title's level: one below the heading the view sits under, so none is skipped (WCAG 1.3.1).
    """
    if not 2 <= heading_level <= 6:
        raise ValueError(f"heading_level must be 2 to 6, not {heading_level}")
    if show_title:
        st.markdown(f"{'#' * heading_level} {plain(view.title)}")
    if view.demo:
        st.caption("Synthetic demo data")
    labels = ["Chart", "Table", "Download"] if view.figure is not None else ["Table", "Download"]
    tabs = dict(zip(labels, st.tabs(labels, key=f"tabs-{view.key}"), strict=True))
    if view.figure is not None:
        with tabs["Chart"]:
            st.plotly_chart(
                charts.screen_figure(view.figure),
                key=f"chart-{view.key}",
                config=CHART_CONFIG,
                alt=chart_name(view),
                # Our house template, not Streamlit's: its grey axis text (#808495) fails WCAG 1.4.3 contrast.
                theme=None,
            )
    with tabs["Table"]:
        st.dataframe(view.table(), hide_index=True, key=f"table-{view.key}")
    with tabs["Download"]:
        render_downloads(view)
    # The source and notes the chart image carries in exports, as text under the chart on screen (it reflows).
    notes_under_chart(view)
    st.markdown(plain(view.summary))
    with st.expander("Source and notes"):
        st.text(view.source)
        for note in view.all_footnotes:
            st.text(note)
    if briefing is not None:
        st.button(
            "Add to briefing",
            key=f"brief-{view.key}",
            icon=":material/playlist_add:",
            on_click=_add_to_basket,
            args=(briefing,),
            help="Collect this chart, its table, summary and footnotes into the briefing pack.",
        )


def source_and_notes(view: View) -> list[str]:
    """The lines an exported chart carries under it, as text under the chart on screen: the source, then the view's
    notes (gaps explained, caveats). (The synthetic-data label is already under the view's heading.)"""
    return [line for line in (view.source, *view.notes) if line]


def notes_under_chart(view: View) -> None:
    for line in source_and_notes(view):
        st.caption(plain(line))


def exports_allowed() -> bool:
    """Whether downloads may be offered: only while the audit trail can be written (otherwise a clear message is
    shown instead, and the operator gets an error in the log). Views are shown either way."""
    try:
        audit.check_writable()
    except audit.AuditUnavailable as exc:
        st.warning(plain(exc), icon=":material/file_download_off:")
        return False
    return True


def render_downloads(view: View) -> None:
    if not exports_allowed():
        return
    csv_data = export.csv_bytes(view)
    xlsx_data = export.xlsx_bytes(view)
    name = f"{view.key}-{view.created:%Y%m%d-%H%M}"
    rows = view.frame.height
    st.download_button(
        f"Download CSV ({export.size_label(csv_data)}, {rows:,} rows)",
        csv_data,
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv-{view.key}",
        on_click=_record_export,
        args=(view.table_id, "csv", view.filters, rows),
    )
    st.download_button(
        f"Download Excel XLSX ({export.size_label(xlsx_data)}, {rows:,} rows)",
        xlsx_data,
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx-{view.key}",
        on_click=_record_export,
        args=(view.table_id, "xlsx", view.filters, rows),
    )
    guidance = export.guidance_bytes(view)
    st.download_button(
        "Download data guidance (TXT)",
        guidance,
        file_name=f"{name}-data-guidance.txt",
        mime="text/plain",
        key=f"guidance-{view.key}",
        on_click=_record_export,
        args=(view.table_id, "guidance", view.filters, rows),  # it quotes the summary sentence's figures
    )
    st.caption(
        "Downloads hold exactly the rows and columns of the table tab as data: plain numbers, with a status column "
        "beside each value giving the symbol (c, x, z, low, u) where no number may be shown. Title, source, filters "
        "and notes are in the data guidance file and on the Excel file's 'About this data' sheet."
    )


_FRAMED_KEY = "_leo_framed_run"


def entered_frame() -> None:
    """Called by app.py just before it runs the page: this run is inside the navigation frame."""
    st.session_state[_FRAMED_KEY] = True


def _ensure_router() -> None:
    """Make sure the page runs inside app.py's navigation frame.

    Streamlit treats a `pages/` folder as an old-style multipage app until the entry file has called
    st.navigation once in the process, so a deep link arriving before that (e.g. /earnings?yag=3 as the server's
    first request, or several sessions opening at once on a fresh server) runs the page without app.py's frame.
    Such a run is told apart by app.py's mark, not by Streamlit's process-wide mode: another session may already
    have switched the mode off while this run was dispatched the old way. Switching it off and rerunning routes the
    session through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    framed = st.session_state.pop(_FRAMED_KEY, False)
    # Once per session: a rerun drops pending widget events (a click), so it must not repeat.
    if not framed and not st.session_state.get("_leo_routed"):
        st.session_state["_leo_routed"] = True
        PagesManager.uses_pages_directory = False
        st.rerun()


def run_page(body: Callable[[], None]) -> None:
    """Run a page body; an unexpected error becomes a short message with a reference id (detail in the log).

    The page view is then recorded in the audit trail with the filters the URL-bound widgets chose, unless the page
    recorded it itself with `record_page_view`.
    """
    _ensure_router()
    code = getattr(body, "__code__", None)
    page = Path(code.co_filename).stem if code is not None else "unknown"
    st.session_state[_AUDIT_RUN_KEY] = {"page": page, "filters": {}, "table": None}
    # A rerun (st.rerun, st.switch_page) escapes as a BaseException: the next run records the view instead.
    _run_body(body)
    run = _audit_run()
    if not run.get("recorded"):
        record_page_view(run["page"], run["filters"], table=run["table"])


def _run_body(body: Callable[[], None]) -> None:
    try:
        body()
    except NoTablesError as exc:
        st.info(plain(exc))
    except store.NotPrepared as exc:  # a server that only reads prepared tables, before the release step ran
        log.error("table not prepared: %s", exc)
        st.warning(plain(exc), icon=":material/hourglass_empty:")
    except Exception:
        reference = uuid.uuid4().hex[:8].upper()
        log.exception("page error, reference %s", reference)
        st.error(
            f"Sorry, this view could not be shown. If it keeps happening, report reference {reference} to the LEO "
            "Explorer team."
        )


# ---------------------------------------------------------------- audit trail (view records: failures are logged, never raised)

_AUDIT_RUN_KEY = "_leo_audit_run"  # this run: page, filters chosen by the URL widgets, table
_AUDIT_LAST_KEY = "_leo_audit_last"  # last page view recorded in this session (reruns of the same view are not new)
_AUDIT_DENIED_KEY = "_leo_audit_denied"  # denials already recorded in this session
_AUDIT_PAGE_KEY = "_leo_audit_page"  # page of the last view, for exports (their callback runs before the page)
_AUDIT_SHOWN_KEY = "_leo_audit_shown"  # last set of briefing tables recorded as shown in this session


def _audit_run() -> dict[str, Any]:
    return st.session_state.setdefault(_AUDIT_RUN_KEY, {"page": "unknown", "filters": {}, "table": None})


def _note_filter(key: str, value: object, *, table: bool = False) -> None:
    """Remember a widget's value (and the chosen table) for this run's page-view record."""
    try:
        run = _audit_run()
        run["filters"][key] = value
        if table:
            run["table"] = value
    except Exception:  # auditing never breaks a widget
        log.warning("could not note filter %s for the audit trail", key, exc_info=True)


def record_page_view(page: str, filters: Mapping[str, object] | None = None, *, table: str | None = None) -> None:
    """Record that this user viewed `page` with `filters` (and `table`). A rerun showing the same view (e.g. after
    a download) is not recorded twice. Never raises: a failure is logged."""
    try:
        run = _audit_run()
        run["recorded"] = True
        clean = {str(k): (list(v) if isinstance(v, list | tuple) else v) for k, v in (filters or {}).items()}
        user = current_identity().label
        fingerprint = json.dumps([user, page, table, clean], sort_keys=True, default=str)
        st.session_state[_AUDIT_PAGE_KEY] = page
        if st.session_state.get(_AUDIT_LAST_KEY) == fingerprint:
            return
        st.session_state[_AUDIT_LAST_KEY] = fingerprint
        audit.record_safely("page_view", user=user, page=page, table=table, filters=clean)
    except Exception:
        log.warning("page view of %s not recorded", page, exc_info=True)


def record_export(
    table_id: str | None,
    export_type: str,
    filters: Sequence[tuple[str, str]] | Mapping[str, object],
    rows: int,
    *,
    page: str | None = None,
    detail: str | None = None,
) -> bool:
    """Record one download (on_click of every download button): who, which table, format, filters and rows.

    A record that cannot be written is an error in the log (audit.record_export); the rerun after the click then
    finds the audit trail unwritable and shows the message instead of the buttons. Returns whether it was recorded."""
    try:
        audit.record_export(
            user=current_identity().label,
            page=page or st.session_state.get(_AUDIT_PAGE_KEY),
            table=table_id,
            filters=filters if isinstance(filters, Mapping) else list(filters),
            export_type=export_type,
            rows=rows,
            detail=detail,
        )
    except audit.AuditUnavailable:
        return False
    return True


def _record_export(table_id: str, export_type: str, filters: Sequence[tuple[str, str]], rows: int) -> None:
    record_export(table_id, export_type, filters, rows)


def record_tables_shown(page: str, shown: Sequence[tuple[str | None, Mapping[str, object], str]]) -> None:
    """Record the tables a page showed that its URL widgets do not name (a briefing link's items): one page-view
    record per (table, filters, view key). The same set shown again in this session is not recorded twice.
    Never raises: a failure is logged (views continue)."""
    try:
        user = current_identity().label
        fingerprint = json.dumps([user, page, [list(s) for s in shown]], sort_keys=True, default=str)
        if st.session_state.get(_AUDIT_SHOWN_KEY) == fingerprint:
            return
        st.session_state[_AUDIT_SHOWN_KEY] = fingerprint
        for table, filters, view_key in shown:
            audit.record_safely("page_view", user=user, page=page, table=table, filters=filters, detail=view_key)
    except Exception:
        log.warning("tables shown on %s not recorded", page, exc_info=True)


def _record_denial_once(identity: access.Identity, table_id: str, reason: str) -> None:
    try:
        done: set[tuple[str, str]] = st.session_state.setdefault(_AUDIT_DENIED_KEY, set())
        if (table_id, reason) in done:
            return
        done.add((table_id, reason))
        audit.record_safely(
            "access_denied",
            user=identity.label,
            page=_audit_run().get("page"),
            table=table_id,
            detail=reason,
        )
    except Exception:
        log.warning("access denial for %s not recorded", table_id, exc_info=True)


def _record_hidden_table_request(table_id: str) -> None:
    """A link asked for a table: if it exists but this user may not see it, record the denial. The user gets the
    same note as for any unknown table, so the answer does not reveal that the table exists."""
    try:
        catalogue = _catalogue()
        if table_id not in catalogue:
            return
        identity = current_identity()
        decision = access.decide(catalogue.get(table_id), identity)
        if not decision.allowed:
            _record_denial_once(identity, table_id, f"asked for by URL: {decision.reason}")
    except Exception:
        log.warning("access denial for %s not recorded", table_id, exc_info=True)


def browser_title(page_title: str) -> str:
    """The browser tab title of a page: 'Subject earnings – LEO Explorer' (the home page is just 'LEO Explorer')."""
    return "LEO Explorer" if page_title in ("", "Home") else f"{page_title} – LEO Explorer"

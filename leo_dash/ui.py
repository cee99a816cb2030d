"""The one module that talks to Streamlit: URL-bound widgets, cached data access, and the Chart/Table/Download
component every view is rendered with. Pages call these; the logic they render lives in plain leo_dash modules.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence

import streamlit as st

from leo_dash import access, export, store
from leo_dash.catalogue import Catalogue, load_catalogue
from leo_dash.model import TableEntry
from leo_dash.views import DEMO_WARNING, View

log = logging.getLogger("leo_dash.ui")
_NOTES_KEY = "_leo_url_notes"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:])")


def plain(text: object) -> str:
    """Markdown-escape text that comes from data, so names like '<script>' or '**x**' show literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


# ---------------------------------------------------------------- data access (shared across sessions)


@st.cache_resource(ttl=60, show_spinner=False)
def _catalogue() -> Catalogue:
    return load_catalogue()


@st.cache_resource(show_spinner="Preparing table…")
def _prepared(table_id: str, files: tuple[str, ...]) -> store.PreparedTable:
    # Keyed by id and files: the parquet is written once per process and then scanned lazily by every session.
    return store.prepare(_catalogue().get(table_id))


def current_identity() -> access.Identity:
    """Identity of this session; anonymous until a login is configured."""
    user = st.user
    if getattr(user, "is_logged_in", False):
        return access.Identity(user=str(user.get("email") or user.get("name") or "signed-in user"))
    return access.ANONYMOUS


def visible_tables(predicate: Callable[[TableEntry], bool] | None = None) -> list[TableEntry]:
    """Tables this user may see (access level and approved projects), optionally only those a page can show."""
    identity = current_identity()
    tables = [e for e in _catalogue() if access.can_see(e, identity)]
    return [e for e in tables if predicate is None or predicate(e)]


def prepare(entry: TableEntry) -> store.PreparedTable:
    return _prepared(entry.id, entry.files)


# ---------------------------------------------------------------- URL-bound widgets


def _note_bad_param(key: str, label: str, raw: Sequence[str], fallback: str) -> None:
    shown = ", ".join(raw)
    st.session_state.setdefault(_NOTES_KEY, []).append(
        f"The link asked for {label.lower()} '{shown}', which is not available for this selection; showing {fallback} instead."
    )


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
        del st.session_state[key]  # a value from a previous table that this table lacks
    value = st.sidebar.selectbox(
        label, options, index=options.index(chosen_default), key=key, bind="query-params", help=help
    )
    return str(value if value is not None else chosen_default)


def url_multiselect(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    default: Sequence[str] = (),
    max_selections: int | None = None,
    help: str | None = None,
) -> list[str]:
    """A sidebar multiselect bound to the URL (?key=a&key=b). Unknown values are dropped with a note."""
    options = list(options)
    default_values = [d for d in default if d in options][: max_selections or None]
    raw = st.query_params.get_all(key)
    unknown = [r for r in raw if r not in options]
    if unknown:
        _note_bad_param(key, label, unknown, "the rest of the selection")
    if key in st.session_state:
        kept = [v for v in st.session_state[key] if v in options]
        if kept != st.session_state[key]:
            st.session_state[key] = kept
    values = st.sidebar.multiselect(
        label,
        options,
        default=default_values,
        key=key,
        bind="query-params",
        max_selections=max_selections,
        help=help,
    )
    return [str(v) for v in values]


def url_radio(label: str, options: Sequence[str], *, key: str, default: str | None = None) -> str:
    options = list(options)
    chosen_default = default if default in options else options[0]
    raw = st.query_params.get_all(key)
    if raw and raw[-1] not in options:
        _note_bad_param(key, label, raw, chosen_default)
        st.session_state.pop(key, None)
    value = st.sidebar.radio(
        label, options, index=options.index(chosen_default), key=key, bind="query-params", horizontal=True
    )
    return str(value if value is not None else chosen_default)


def url_table_select(tables: Sequence[TableEntry], *, key: str = "table") -> TableEntry:
    """Choose a table (?table=id). Tables the user may not see are not offered and an id for one falls back."""
    if not tables:
        raise NoTablesError("No approved table that this page can show is available to you.")
    by_id = {t.id: t for t in tables}
    ids = list(by_id)
    default = next((t.id for t in tables if t.demo), ids[0])
    chosen = url_select("Table", ids, key=key, default=default)
    st.sidebar.caption(plain(by_id[chosen].title))
    return by_id[chosen]


def show_url_notes() -> None:
    """Render (once) the notes about link parameters that could not be used."""
    for note in st.session_state.pop(_NOTES_KEY, []):
        st.info(note, icon=":material/link_off:")


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


def render_view(view: View, *, show_title: bool = True) -> None:
    """Chart, Table and Download tabs of one view, with its summary and footnotes under it."""
    if show_title:
        st.markdown(f"#### {plain(view.title)}")
    if view.demo:
        st.caption("Synthetic demo data")
    labels = ["Chart", "Table", "Download"] if view.figure is not None else ["Table", "Download"]
    tabs = dict(zip(labels, st.tabs(labels, key=f"tabs-{view.key}"), strict=True))
    if view.figure is not None:
        with tabs["Chart"]:
            st.plotly_chart(
                view.figure,
                key=f"chart-{view.key}",
                config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
                alt=view.summary,
            )
    with tabs["Table"]:
        st.dataframe(view.table(), hide_index=True, key=f"table-{view.key}")
    with tabs["Download"]:
        render_downloads(view)
    st.markdown(plain(view.summary))
    with st.expander("Source and notes"):
        st.text(view.source)
        for note in view.all_footnotes:
            st.text(note)


def render_downloads(view: View) -> None:
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
        on_click="ignore",
    )
    st.download_button(
        f"Download Excel XLSX ({export.size_label(xlsx_data)}, {rows:,} rows)",
        xlsx_data,
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx-{view.key}",
        on_click="ignore",
    )
    st.caption("Downloads hold exactly the rows and columns of the table tab, with source, filters and notes above.")


def run_page(body: Callable[[], None]) -> None:
    """Run a page body; an unexpected error becomes a short message with a reference id (detail in the log)."""
    try:
        body()
    except NoTablesError as exc:
        st.info(str(exc))
    except Exception:
        reference = uuid.uuid4().hex[:8].upper()
        log.exception("page error, reference %s", reference)
        st.error(
            f"Sorry, this view could not be shown. If it keeps happening, report reference {reference} to the LEO "
            "Explorer team."
        )

"""The page frame: tables this user may see, the identity-setup check, page styles, the demo and overdue banners,
the navigation-frame router and `run_page` (errors become a reference; the page view is audited)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from leo_dash import menu
from leo_dash.core import store
from leo_dash.core.model import TableEntry
from leo_dash.governance import access
from leo_dash.present.views import DEMO_WARNING
from leo_dash.ui.audit_trail import _AUDIT_RUN_KEY, _audit_run, _record_denial_once, record_page_view
from leo_dash.ui.markup import plain
from leo_dash.ui.session import _catalogue, current_identity, log
from leo_dash.ui.widgets import NoTablesError


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


def page_chrome() -> None:
    """Styles and behaviour every page needs for keyboard and screen-reader users (see the notes above)."""
    # In the sidebar: the script's empty block would push every page's heading down.
    st.sidebar.html(_PAGE_STYLE)
    st.sidebar.html(_HIDE_CHART_DRAWINGS, unsafe_allow_javascript=True)


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


def browser_title(page_title: str) -> str:
    """The browser tab title of a page: 'Subject earnings – LEO Explorer' (the home page is just 'LEO Explorer')."""
    return "LEO Explorer" if page_title in ("", "Home") else f"{page_title} – LEO Explorer"


def navigation_pages() -> dict[str, list[st.Page]]:
    """The menu (`leo_dash.menu`, the analysis pages from the registry) as Streamlit pages, by section."""
    return {
        section: [
            st.Page(p.file, title=p.title, icon=p.icon, default=True)
            if p.default
            else st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path)
            for p in pages
        ]
        for section, pages in menu.MENU.items()
    }

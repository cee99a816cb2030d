"""Streamlit rendering of the briefing basket: items in order, reorder/remove, title, link and exports."""

from __future__ import annotations

import io
import os
import zipfile

import streamlit as st

from leo_dash import briefing
from leo_dash.briefing import Basket
from leo_dash.present import charts, export
from leo_dash.present.views import View
from leo_dash.ui.audit_trail import record_export, record_tables_shown
from leo_dash.ui.markup import plain
from leo_dash.ui.page import visible_tables
from leo_dash.ui.render import CHART_CONFIG, chart_name, exports_allowed, notes_under_chart
from leo_dash.ui.session import basket

_FILES_KEY = "_leo_briefing_files"


def load_basket_from_link() -> None:
    """A ?basket= link fills an empty basket; a damaged one says so and changes nothing."""
    token = st.query_params.get("basket")
    current = basket()
    if not token or current.items:
        return
    try:
        loaded, notes = Basket.decode_link(token)
    except ValueError as exc:
        st.warning(plain(exc))
        return
    for note in notes:
        st.info(plain(note), icon=":material/link_off:")
    current.title, current.items = loaded.title, loaded.items


def _move(index: int, offset: int) -> None:
    basket().move(index, offset)


_REMOVED_KEY = "_briefing_removed"  # what the last Remove took out, announced once on the next run


def _remove(index: int, title: str) -> None:
    basket().remove(index)
    st.session_state[_REMOVED_KEY] = f"Removed item {index + 1} ({title}) from the briefing."


def _set_title() -> None:
    basket().title = st.session_state["briefing_title"].strip()[:200] or "LEO briefing"


def render_items(rebuilt: list[briefing.RebuiltItem]) -> None:
    for index, item in enumerate(rebuilt):
        number = index + 1
        with st.container(border=True):
            title = item.view.title if item.view else item.ref.view
            # A heading per item: screen-reader users move between items by heading.
            st.subheader(f"{number}. {plain(title)}", anchor=False)
            if item.view is None:
                st.warning(plain(f"This item can no longer be shown: {item.problem}"))
            else:
                if item.view.demo:
                    st.caption("Synthetic demo data")
                st.markdown(plain(item.view.summary))
                with st.expander("Chart and table"):
                    if item.view.figure is not None:
                        st.plotly_chart(
                            charts.screen_figure(item.view.figure),
                            key=f"brief-chart-{index}",
                            alt=chart_name(item.view, summary_is="above"),
                            theme=None,
                            config=CHART_CONFIG,
                        )
                    st.dataframe(item.view.table(), hide_index=True, key=f"brief-table-{index}")
                    notes_under_chart(item.view)
            if (
                item.ref.page in briefing.registered_pages()
            ):  # never a path taken from a link that names no page of ours
                st.page_link(
                    f"pages/{item.ref.page}.py",
                    label=f"Open item {number} on its page",
                    icon=":material/open_in_new:",
                    query_params=item.ref.params_dict(),
                )
            up, down, remove, _ = st.columns([1, 1, 1, 2])
            # Each button names its item: a list of twelve identical "Remove" buttons says nothing to a screen reader.
            up.button(
                f"Move item {number} up", key=f"up-{index}", on_click=_move, args=(index, -1), disabled=index == 0
            )
            down.button(
                f"Move item {number} down",
                key=f"down-{index}",
                on_click=_move,
                args=(index, 1),
                disabled=index == len(rebuilt) - 1,
            )
            remove.button(f"Remove item {number}", key=f"remove-{index}", on_click=_remove, args=(index, title))


# The briefing pack's files: (format, button words, file name, MIME type), in the order the buttons show.
_PACK_FILES: tuple[tuple[str, str, str, str], ...] = (
    ("html", "HTML briefing", "leo-briefing.html", "text/html"),
    (
        "xlsx",
        "Excel workbook XLSX",
        "leo-briefing.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "docx",
        "Word document DOCX",
        "leo-briefing.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "pptx",
        "PowerPoint slides PPTX",
        "leo-briefing.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("png", "chart images, PNG in a ZIP", "leo-briefing-charts.zip", "application/zip"),
)


def _pack_files(current: Basket, views: list[View], token: str) -> dict[str, object]:
    """Every file of the pack, drawn once per basket (the charts as PNG are the slow part)."""
    with st.spinner("Drawing charts…"):
        pngs = briefing.figures_to_png_optional(views)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for number, (view, png) in enumerate(zip(views, pngs, strict=True), start=1):
                if png:
                    bundle.writestr(f"chart-{number:02d}-{view.key}.png", png)
        return {
            "token": token,
            "html": briefing.html_report(current.title, views, pngs=pngs).encode("utf-8"),
            "xlsx": briefing.xlsx_report(current.title, views),
            "docx": briefing.docx_report(current.title, views, pngs=pngs),
            "pptx": briefing.pptx_report(current.title, views, pngs=pngs),
            "png": archive.getvalue(),
        }


def render_exports(current: Basket, rebuilt: list[briefing.RebuiltItem]) -> None:
    views = [r.view for r in rebuilt if r.view is not None]
    token = current.encode()
    link = briefing.share_link(token, page_url=st.context.url, public_url=os.environ.get(briefing.PUBLIC_URL_ENV))
    st.markdown("**Link to this briefing** (rebuilds the same items from the data):")
    if link.startswith(("https://", "http://")):
        st.link_button("Open this briefing's link", link, icon=":material/link:")
    st.code(link, language=None, wrap_lines=True)  # to copy; no scroll box keyboards cannot reach
    if not exports_allowed():
        return
    files = st.session_state.get(_FILES_KEY)
    if files is None or files["token"] != token:
        if not st.button(
            "Prepare HTML, Excel, Word, PowerPoint and PNG files", icon=":material/description:", type="primary"
        ):
            return
        files = _pack_files(current, views, token)
        st.session_state[_FILES_KEY] = files
    recorded = {"title": current.title, "views": views}
    for fmt, words, file_name, mime in _PACK_FILES:
        st.download_button(
            f"Download {words} ({export.size_label(files[fmt])})",
            files[fmt],
            file_name=file_name,
            mime=mime,
            key=f"briefing-{fmt}",
            on_click=record_briefing_export,
            args=(f"briefing-{fmt}",),
            kwargs=recorded,
        )


def record_briefing_export(export_type: str, *, title: str, views: list[View]) -> None:
    """on_click of the briefing downloads: one export record per table in the pack (PNG: per chart drawn)."""
    chosen = [v for v in views if v.figure is not None] if export_type == "briefing-png" else views
    for number, view in enumerate(chosen, start=1):
        recorded = record_export(
            view.table_id,
            export_type,
            view.filters,
            view.frame.height,
            page="briefing",
            detail=f"briefing '{title}', item {number} of {len(chosen)}: {view.key}",
        )
        if not recorded:
            return


def render_briefing_page() -> None:
    load_basket_from_link()
    current = basket()
    st.text_input("Briefing title", value=current.title, key="briefing_title", on_change=_set_title, max_chars=200)
    removed = st.session_state.pop(_REMOVED_KEY, None)
    if removed:
        # A status message, so screen readers announce what the button did (the item itself has left the page).
        st.success(plain(removed), icon=":material/delete:")
    if not current.items:
        st.info("The briefing is empty. Use 'Add to briefing' under any chart to collect it here.")
        return
    rebuilt = briefing.rebuild_all(current, visible_tables())
    record_tables_shown(
        "briefing", [(r.view.table_id, r.ref.params_dict(), r.view.key) for r in rebuilt if r.view is not None]
    )
    if any(r.view is not None and r.view.demo for r in rebuilt):
        st.warning("This briefing contains synthetic demo data: these figures are not official statistics.")
    render_items(rebuilt)
    st.header("Export")
    render_exports(current, rebuilt)

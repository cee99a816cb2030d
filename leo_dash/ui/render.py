"""The Chart/Table/Download component every view is rendered with, its notes, and the audited downloads."""

from __future__ import annotations

from typing import Any

import streamlit as st

from leo_dash.briefing import ItemRef
from leo_dash.governance import audit
from leo_dash.present import charts, export
from leo_dash.present.views import View
from leo_dash.ui.audit_trail import _record_export
from leo_dash.ui.markup import plain
from leo_dash.ui.session import basket

# The chart toolbar's own "Download plot as png" would be an export outside the audit trail: it is removed (the
# briefing pack's PNGs are the audited route).
CHART_CONFIG: dict[str, Any] = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "toImage"]}


def _add_to_basket(ref: ItemRef) -> None:
    added = basket().add(ref)
    st.toast("Added to the briefing." if added else "Already in the briefing (or the briefing is full).")


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
    xlsx_mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    downloads = (  # (export type, as audited and in the widget key; label; data; file name ending; MIME type)
        ("csv", f"Download CSV ({export.size_label(csv_data)}, {rows:,} rows)", csv_data, ".csv", "text/csv"),
        ("xlsx", f"Download Excel XLSX ({export.size_label(xlsx_data)}, {rows:,} rows)", xlsx_data, ".xlsx", xlsx_mime),
        # The guidance is recorded too: it quotes the summary sentence's figures.
        ("guidance", "Download data guidance (TXT)", export.guidance_bytes(view), "-data-guidance.txt", "text/plain"),
    )
    for kind, label, data, ending, mime in downloads:
        st.download_button(
            label,
            data,
            file_name=f"{name}{ending}",
            mime=mime,
            key=f"{kind}-{view.key}",
            on_click=_record_export,
            args=(view.table_id, kind, view.filters, rows),
        )
    st.caption(
        "Downloads hold exactly the rows and columns of the table tab as data: plain numbers, with a status column "
        "beside each value giving the symbol (c, x, z, low, u) where no number may be shown. Title, source, filters "
        "and notes are in the data guidance file and on the Excel file's 'About this data' sheet."
    )

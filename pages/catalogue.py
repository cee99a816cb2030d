"""Catalogue: every approved table this user may see, with its provenance, review date, access, disclosure profile,
columns and footnotes."""

import streamlit as st

from leo_dash import governance, ui
from leo_dash.ui.governance import styled_catalogue


def main() -> None:
    st.title("Catalogue of approved tables")
    st.markdown(
        "Every figure in LEO Explorer comes from one of these approved summary tables. Each is reviewed at least "
        "once a year with the departments responsible for it and retired when it is no longer needed."
    )
    tables = ui.visible_tables()
    if not tables:
        raise ui.NoTablesError("No approved table is available to you.")
    if any(t.demo for t in tables):
        ui.demo_banner(force=True)
    rows = {t.id: governance.row_count(t, ui.prepare) for t in tables}
    overview = governance.catalogue_overview(tables, rows=rows)
    st.dataframe(styled_catalogue(overview), hide_index=True, key="catalogue-overview")
    for entry in tables:
        if entry.is_overdue():
            st.markdown(f"**{ui.plain(entry.title)}**")
            ui.overdue_warning(entry)

    entry = ui.url_table_select(tables)
    ui.show_url_notes()
    st.header(ui.plain(entry.title), anchor="table-details")
    ui.demo_banner(entry)
    if entry.description:
        st.markdown(ui.plain(entry.description))
    review = governance.review_text(entry)
    review_md = f":red[**{ui.plain(review)}**]" if entry.is_overdue() else ui.plain(review)
    facts = [
        ("Table id", ui.plain(entry.id)),
        ("Publication", ui.plain(entry.publication or "LEO Explorer demo generator")),
        ("Responsible departments", ui.plain(governance.controller_names(entry))),
        ("Licence", ui.plain(entry.licence or "not stated")),
        ("Released", ui.plain(f"{entry.release_date:%d %B %Y}".lstrip("0"))),
        ("Next review", review_md),
        ("Access", "Public" if entry.access == "public" else "Restricted to approved users"),
        ("Rows", f"{rows[entry.id]:,}" if rows.get(entry.id) is not None else "not loaded here"),
    ]
    st.markdown("\n".join(f"- **{label}:** {value}" for label, value in facts))
    if entry.source_url:
        st.link_button("Source publication", entry.source_url, icon=":material/open_in_new:")
    ui.overdue_warning(entry)
    st.subheader("Disclosure control")
    st.markdown(ui.plain(governance.disclosure_summary(entry.disclosure)))
    if rows.get(entry.id) is not None:
        st.markdown(ui.plain(governance.protection_text(ui.prepare(entry).protection)))
    st.subheader("Columns")
    st.dataframe(governance.column_rows(entry, governance.meta_labels(entry)), hide_index=True, key="catalogue-columns")
    st.subheader("Footnotes")
    if entry.footnotes:
        for note in entry.footnotes:
            st.text(note)
    else:
        st.text("None.")


ui.run_page(main)

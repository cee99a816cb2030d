"""Approved access register: projects that applied to use the linked LEO data, each listed under its real status
(approved now, not yet started, expired, not approved or withdrawn), with the independent panel's decisions."""

import streamlit as st

from leo_dash import governance, ui
from leo_dash.governance import access
from leo_dash.ui.governance import identity_panel, project_roles_note


def main() -> None:
    st.title("Approved access register")
    st.markdown(
        "Projects that applied to use the linked LEO data: a summary of each research proposal and the decision of "
        "the independent panel that assessed it. Each project is listed under its real status; access ends on the "
        "expiry date."
    )
    identity_panel()
    try:
        projects = list(access.load_register())
    except (OSError, access.RegisterError) as exc:
        st.error(f"The register cannot be shown: {ui.plain(exc)}")
        return
    if not projects:
        st.info("No project is registered.")
        return
    if any(p.illustrative for p in projects):
        st.warning(
            "Illustrative register: the organisations and projects below are fictional examples.",
            icon=":material/info:",
        )
    project_roles_note(projects)
    titles = {t.id: t.title for t in ui.visible_tables()}
    for index, (heading, rows) in enumerate(governance.register_sections(projects, titles)):
        st.header(heading)
        st.dataframe(rows, hide_index=True, key=f"register-table-{index}")
    st.header("Purposes")
    for project in governance.newest_first(projects):
        with st.expander(ui.plain(f"{project.project_id}: {project.title}")):
            st.markdown(f"**{ui.plain(project.organisation)}**")
            st.markdown(ui.plain(project.purpose))
            st.caption(ui.plain(governance.tables_granted_text(project, titles)))


ui.run_page(main)

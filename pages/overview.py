"""Headlines: the latest median earnings, sustained employment and out-of-work benefit figures, each with the change
from the previous year, its source, and links into the pages behind it."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import overview, registry
from leo_dash.ui import headlines as ui_headlines

CARDS_PER_ROW = 3


def main() -> None:
    chosen = ui.choose_in_sidebar(registry.BY_KEY["overview"])  # the analysis declares its controls
    if chosen is None:
        return
    spec = overview.spec_from_params(chosen.params, chosen.tables)
    for table in chosen.tables:
        if spec.table_id in (None, table.id):
            ui.prepare(table)
    result = overview.build_overview(chosen.tables, spec)
    if result.demo:
        ui.demo_banner(force=True)
    for table in {h.entry.id: h.entry for h in result.headlines}.values():
        ui.overdue_warning(table)
    for note in result.notes:
        st.info(ui.plain(note), icon=":material/event:")
    if not result.headlines:
        st.info("The chosen table has no all-provider figures for these headlines.", icon=":material/info:")
        return
    ui.record_page_view(overview.PAGE, chosen.params, table=spec.table_id)

    for start in range(0, len(result.headlines), CARDS_PER_ROW):
        row = result.headlines[start : start + CARDS_PER_ROW]
        for column, headline in zip(st.columns(CARDS_PER_ROW), row, strict=False):
            with column:
                ui_headlines.render_headline(headline)

    st.header("The figures behind the headlines")
    for view in result.views:
        ui.render_view(view, briefing=chosen.briefing(view.key), heading_level=3)


ui.run_page(main)

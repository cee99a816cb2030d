"""Headlines: the latest median earnings, sustained employment and out-of-work benefit figures, each with the change
from the previous year, its source, and links into the pages behind it."""

import streamlit as st

from leo_dash import briefing, ui
from leo_dash.analyses import overview
from leo_dash.briefing import ItemRef
from leo_dash.core import geography
from leo_dash.core.periods import period_label, period_value
from leo_dash.ui import headlines as ui_headlines

CARDS_PER_ROW = 3


def main() -> None:
    st.title("Headlines")
    st.markdown(
        "The latest all-provider figures for earnings, sustained employment and out-of-work benefit claims, each "
        "with the change from the year before. Follow a link to explore the figures behind a headline."
    )
    tables = ui.visible_tables(overview.supports)
    if not tables:
        st.info(overview.NO_TABLE_MESSAGE, icon=":material/info:")
        return
    choices = {overview.ALL_TABLES: "Best table for each headline"} | {t.id: t.id for t in tables}
    table_id = ui.url_labelled_select(
        "Table",
        choices,
        key="table",
        help="By default each headline comes from the table with published national figures for it.",
    )
    entry = next((t for t in tables if t.id == table_id), None)
    period: int | None = None
    area: str | None = None
    if entry is not None:
        ui.prepare(entry)
        st.sidebar.caption(ui.plain(entry.title))
        facts = overview.table_facts(entry)
        labels = [period_label(p) for p in reversed(facts.periods)]
        period = period_value(ui.url_select(entry.time_label, labels, key="year", default=labels[0]))
        area = geography.area_code(facts.areas, ui.url_area_select(facts.areas))
    else:
        # Said once, for a link's own year; a year left behind by switching back from one table goes quietly.
        if ui.drop_link_value("year"):
            ui.note("A year in the link applies only when one table is chosen; each headline shows its latest year.")
        if ui.drop_link_value(geography.AREA_PARAM):
            ui.note("An area in the link applies only when one table is chosen; each headline shows England's figures.")
        for table in tables:
            ui.prepare(table)

    result = overview.build_overview(tables, overview.OverviewSpec(entry.id if entry else None, period, area))
    if result.demo:
        ui.demo_banner(force=True)
    for table in {h.entry.id: h.entry for h in result.headlines}.values():
        ui.overdue_warning(table)
    ui.show_url_notes()
    for note in result.notes:
        st.info(ui.plain(note), icon=":material/event:")
    if not result.headlines:
        st.info("The chosen table has no all-provider figures for these headlines.", icon=":material/info:")
        return
    params: dict[str, list[str]] = {}
    if entry is not None:
        params = {"table": [entry.id]} | ({"year": [period_label(period)]} if period else {})
        params |= {geography.AREA_PARAM: [area]} if area else {}
    ui.record_page_view(overview.PAGE, params, table=entry.id if entry else None)

    for start in range(0, len(result.headlines), CARDS_PER_ROW):
        row = result.headlines[start : start + CARDS_PER_ROW]
        for column, headline in zip(st.columns(CARDS_PER_ROW), row, strict=False):
            with column:
                ui_headlines.render_headline(headline)

    st.header("The figures behind the headlines")
    can_brief = overview.PAGE in briefing.registered_pages()
    for view in result.views:
        ui.render_view(
            view, briefing=ItemRef.make(overview.PAGE, params, view.key) if can_brief else None, heading_level=3
        )


ui.run_page(main)

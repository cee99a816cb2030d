"""Institution performance: providers ranked on one outcome against a benchmark, a funnel plot, and chosen
providers over time."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import institutions, registry


def main() -> None:
    chosen = ui.choose_in_sidebar(registry.BY_KEY["institutions"])  # the analysis declares its controls
    if chosen is None:
        return
    views = institutions.page_views(chosen.params, chosen.tables)
    if views.missing:
        st.info(
            "**Why some highlighted providers have no figure here**\n\n"
            + "\n".join(f"- {ui.plain(note.text)}" for note in views.missing),
            icon=":material/help:",
        )
    st.header("Ranking", divider="gray")
    ui.render_view(views.ranked, briefing=chosen.briefing(views.ranked.key), heading_level=3)
    st.header("Funnel plot", divider="gray")
    if views.funnel is not None and views.outliers is not None:
        ui.render_view(views.funnel, briefing=chosen.briefing(views.funnel.key), heading_level=3)
        ui.render_view(views.outliers, briefing=chosen.briefing(views.outliers.key), heading_level=3)
    else:
        st.info(ui.plain(views.funnel_reason or "There is no funnel plot for this selection."), icon=":material/info:")
    st.header("Over time", divider="gray")
    ui.render_view(views.trend, briefing=chosen.briefing(views.trend.key), heading_level=3)


ui.run_page(main)

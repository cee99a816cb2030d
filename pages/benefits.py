"""Benefit claims: the out-of-work benefit rate over time, split by one breakdown, for all providers or one provider
against all providers, and the change between two chosen years."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import benefits, registry


def main() -> None:
    chosen = ui.choose_in_sidebar(registry.BY_KEY["benefits"])  # the analysis declares its controls
    if chosen is None:
        return
    try:
        views = benefits.page_views(chosen.params, chosen.tables)
    except benefits.BenefitsDataError as exc:
        st.warning(ui.plain(exc), icon=":material/warning:")
        return
    for view in views.all():
        ui.render_view(view, briefing=chosen.briefing(view.key))
    if views.change_message:
        st.info(ui.plain(views.change_message), icon=":material/compare_arrows:")


ui.run_page(main)

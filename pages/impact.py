"""Intervention impact: a difference-in-differences of a published outcome between a treated and a comparison
group, for evaluation teams. The analysis declares its controls; this page lays out the estimate, its headline
figures and the views behind it."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import impact_views, registry


def main() -> None:
    chosen = ui.choose_in_sidebar(registry.BY_KEY["impact"])
    if chosen is None:
        return
    try:
        with st.spinner("Estimating the effect…"):
            views = impact_views.build_impact_views(chosen.params, tables=chosen.tables)
    except impact_views.ImpactInputError as problem:
        st.warning(ui.plain(problem), icon=":material/rule:")
        return

    headline = impact_views.headline(views)
    estimate, interval, trend = st.columns(3)
    unit_help = "pp: percentage points." if headline.estimate_short.endswith(" pp") else None
    estimate.metric("Difference-in-differences estimate", headline.estimate_short, border=True, help=unit_help)
    interval.metric(headline.interval_label, headline.interval_short, border=True, help=unit_help)
    trend_state = "Flagged" if headline.pre_trend_flagged else "Not flagged" if headline.pre_trend_run else "Not run"
    trend.metric("Pre-trend test", trend_state, border=True)
    if headline.interval_basis:
        st.caption(ui.plain(headline.interval_basis))

    estimate_view, *other_views = views
    ui.render_view(estimate_view, briefing=chosen.briefing(estimate_view.key))
    if headline.pre_trend_flagged or not headline.pre_trend_run:
        st.warning(ui.plain(headline.pre_trend), icon=":material/trending_up:")
    else:
        st.info(ui.plain(headline.pre_trend), icon=":material/timeline:")
    st.markdown("**Read these results with care**\n\n" + "\n".join(f"- {ui.plain(c)}" for c in headline.caveats))

    for view in other_views:
        st.divider()
        ui.render_view(view, briefing=chosen.briefing(view.key))

    with st.expander("How the estimate and its interval are calculated"):
        st.markdown(ui.plain(headline.method))


ui.run_page(main)

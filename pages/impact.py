"""Intervention impact: a difference-in-differences of a published outcome between a treated and a comparison
group, for evaluation teams. Thin page: widgets (bound to the URL) -> params -> impact_views.build_impact_views."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import impact_views
from leo_dash.briefing import ItemRef
from leo_dash.core.model import TableEntry
from leo_dash.ui import impact as ui_impact

INTRO = (
    "Estimate how an outcome changed for a **treated group** after an intervention started, relative to a "
    "**comparison group**, from published summary statistics (difference-in-differences). Choose the groups and "
    "the year the intervention started in the sidebar. Every figure passes disclosure control, suppressed cells "
    "are left out and counted, and nothing is estimated in their place."
)
TREAT_BY_HELP = (
    "What the groups are made of: a breakdown of the table (for example type of provision or benefit status), "
    "subjects, characteristic groups, regions, provider types or providers."
)


def sidebar() -> tuple[dict[str, list[str]], TableEntry, list[TableEntry]]:
    """Read the URL-bound widgets and return the page's URL parameters."""
    tables = ui.visible_tables(impact_views.is_eligible)
    entry = ui.url_table_select(tables)
    ui_impact.reset_choices_on_table_switch(entry.id, entry.title)
    outcome = ui.url_select("Outcome", impact_views.outcome_labels(entry), key="outcome")
    dimension_key = ui.url_select(
        "Form groups by", impact_views.dimension_keys(entry) or ["none"], key="treat_by", help=TREAT_BY_HELP
    )
    params: dict[str, list[str]] = {"table": [entry.id], "outcome": [outcome], "treat_by": [dimension_key]}
    if dimension_key == "none":
        return params, entry, tables
    dimension = impact_views.dimension_for(entry, dimension_key)
    st.sidebar.caption(ui.plain(dimension.label))
    context = {
        control.key: ui.url_select(control.label, control.options, key=control.key, default=control.default)
        for control in impact_views.context_controls(entry, dimension)
    }
    items = impact_views.group_options(entry, dimension, context)
    treated_default, comparison_default = impact_views.default_groups(dimension, items)
    comparison_items = impact_views.comparison_options(items)
    treated = ui.url_multiselect(
        f"Treated group ({dimension.label.lower()})", items, key="treated", default=treated_default
    )
    comparison = ui.url_multiselect(
        f"Comparison group ({dimension.label.lower()})",
        comparison_items,
        key="comparison",
        default=comparison_default,
    )
    start = ui.url_select(
        "Intervention started",
        impact_views.start_options(entry),
        key="start",
        default=impact_views.default_start(entry),
        help="The first year the intervention could affect the outcome; earlier years are the 'before' period.",
    )
    params.update({"treated": treated, "comparison": comparison, "start": [start]})
    se = ui.url_radio("Interval", list(impact_views.SE_OPTIONS), key="se")
    st.sidebar.caption(
        "The recommended interval allows for real differences between cells and for year-to-year movement of the "
        "gap; 'sampling only' ignores both and is usually far too narrow."
    )
    if se != impact_views.SE_ALL:
        params["se"] = [se]
    params.update({key: [value] for key, value in context.items()})
    return params, entry, tables


def main() -> None:
    st.title("Intervention impact")
    st.markdown(INTRO)
    params, entry, tables = sidebar()
    # Every widget key this run drew (the group keys vary with the grouping), for the next table switch.
    ui_impact.remember_choice_keys([*params, "se", "outcome", "treat_by", "treated", "comparison", "start"])
    ui_impact.show_switch_note()
    ui.show_url_notes()
    ui.demo_banner(entry)
    ui.overdue_warning(entry)
    try:
        with st.spinner("Estimating the effect…"):
            views = impact_views.build_impact_views(params, tables=tables)
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

    def briefing(view_key: str) -> ItemRef:
        return ItemRef.make(impact_views.PAGE_KEY, params, view_key)

    estimate_view, *other_views = views
    ui.render_view(estimate_view, briefing=briefing(estimate_view.key))
    if headline.pre_trend_flagged or not headline.pre_trend_run:
        st.warning(ui.plain(headline.pre_trend), icon=":material/trending_up:")
    else:
        st.info(ui.plain(headline.pre_trend), icon=":material/timeline:")
    st.markdown("**Read these results with care**\n\n" + "\n".join(f"- {ui.plain(c)}" for c in headline.caveats))

    for view in other_views:
        st.divider()
        ui.render_view(view, briefing=briefing(view.key))

    with st.expander("How the estimate and its interval are calculated"):
        st.markdown(ui.plain(headline.method))


ui.run_page(main)

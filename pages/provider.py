"""Provider profile: one provider against its peers on every outcome, its subjects against the national figure,
and one outcome in detail (ranking, funnel plot and trend with the provider labelled)."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import institutions, provider_profile, registry
from leo_dash.briefing import ItemRef


def main() -> None:
    chosen = ui.choose_in_sidebar(registry.BY_KEY["provider"])  # the analysis declares its controls
    if chosen is None:
        return
    tables, params, provider = chosen.tables, chosen.params, chosen.params["provider"][0]
    profile = provider_profile.build_profile(tables, params)
    holding = provider_profile.tables_holding(tables, provider)
    if any(e.demo for e in holding):
        ui.demo_banner(force=True)
    for entry in holding:
        ui.overdue_warning(entry)
    for note in profile.notes:
        st.info(ui.plain(note), icon=":material/link_off:")
    link = provider_profile.profile_params(profile)
    ui.record_page_view(provider_profile.PAGE, link, table=profile.outcome.entry.id if profile.outcome else None)
    # The profile reads every table holding the provider: each is recorded, with the view it feeds.
    ui.record_tables_shown(
        provider_profile.PAGE, [(table, link, key) for table, key in provider_profile.tables_read(profile)]
    )

    def brief(key: str) -> ItemRef:
        return ItemRef.make(provider_profile.PAGE, link, key)

    st.header(ui.plain(profile.name), divider="gray")
    facts, glossary = provider_profile.facts_line(profile, holding)
    st.markdown(ui.plain(facts), help=glossary)
    if profile.overview is not None:
        ui.render_view(profile.overview, briefing=brief(profile.overview.key), heading_level=3)
    if profile.subjects is not None:
        st.header("Earnings by subject against all providers", divider="gray")
        ui.render_view(profile.subjects, briefing=brief(profile.subjects.key), heading_level=3)
    detail = profile.detail
    if detail is not None and profile.outcome is not None:
        st.header(ui.plain(f"{institutions.measure_title(profile.outcome.indicator)} in detail"), divider="gray")
        if detail.missing:
            st.info(
                "**Why this provider has no figure here**\n\n"
                + "\n".join(f"- {ui.plain(note.text)}" for note in detail.missing),
                icon=":material/help:",
            )
        ui.render_view(detail.ranked, briefing=brief(detail.ranked.key), heading_level=3)
        if detail.funnel is not None:
            ui.render_view(detail.funnel, briefing=brief(detail.funnel.key), heading_level=3)
        else:
            st.info(
                ui.plain(detail.funnel_reason or "There is no funnel plot for this outcome."), icon=":material/info:"
            )
        ui.render_view(detail.trend, briefing=brief(detail.trend.key), heading_level=3)
        st.page_link(
            "pages/institutions.py",
            label="Change the subject, group, year or peer group on Institution performance",
            icon=":material/account_balance:",
            query_params=provider_profile.institutions_link(profile),
        )


ui.run_page(main)

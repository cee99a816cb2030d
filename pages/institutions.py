"""Institution performance: providers ranked on one outcome against a benchmark, a funnel plot, and chosen
providers over time."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import institutions
from leo_dash.briefing import ItemRef
from leo_dash.core.periods import period_label, period_value
from leo_dash.ui import institutions as ui_institutions


def main() -> None:
    st.title("Institution performance")
    st.markdown(
        "How providers compare on one outcome: ranked against the national or peer-group figure, on a funnel plot "
        "that allows for the size of each provider, and over time. Highlight up to six providers to follow them."
    )
    tables = ui.visible_tables(institutions.supports)
    if not tables:
        st.info(institutions.NO_TABLE_MESSAGE, icon=":material/info:")
        return
    entry = ui.url_table_select(tables)
    ui.prepare(entry)
    options = institutions.page_options(entry)

    measure = ui.url_labelled_select(
        "Outcome", {m.column: m.label for m in options.measures}, key="measure", default=options.default_measure
    )
    labels = [period_label(p) for p in reversed(options.periods)]
    period = period_value(ui.url_select(entry.time_label, labels, key="year", default=labels[0]))
    yag = None
    if options.years_after:
        yag = ui_institutions.select_if_choice(
            "Years after graduation", options.years_after, key="yag", default=options.default_years_after
        )
    subject = None
    subjects = institutions.subjects(entry, yag)
    if subjects:
        subject = ui_institutions.select_if_choice(
            "Subject", subjects, key="subject", default=institutions.default_item(entry, "subject", subjects)
        )
    characteristic = characteristic_value = None
    types = institutions.characteristic_types(entry, subject)
    if types:
        characteristic = ui_institutions.select_if_choice(
            "Characteristic",
            types,
            key="characteristic",
            default=institutions.default_item(entry, "characteristic_type", types),
        )
        if not institutions.is_total(characteristic):
            groups = institutions.characteristic_values(entry, subject, characteristic)
            if groups:
                characteristic_value = ui_institutions.select_if_choice(
                    f"{characteristic} group", groups, key="characteristic_value"
                )
    filters = institutions.choose_filters(
        entry,
        options,
        lambda column, items, default: ui_institutions.select_if_choice(
            institutions.filter_label(entry, column), items, key=column, default=default
        ),
        asked=ui.link_values(list(options.filters)),
    )
    providers = ui_institutions.provider_search_multiselect(
        f"Highlight providers (up to {institutions.MAX_HIGHLIGHT})",
        options.provider_list,
        options.providers,
        key="provider",
        max_selections=institutions.MAX_HIGHLIGHT,
        id_label=options.id_label,
        help=f"Type part of a provider's name or the start of its {options.id_label}, then choose from the "
        "matches below. Highlighted providers are coloured in every chart and followed over time.",
        format_label=institutions.provider_option_label,
    )
    peer = institutions.PEER_ALL
    provider_type = region = None
    if len(options.peers) > 1:
        peer = ui.url_radio("Compare with", list(options.peers), key="peer")
        uses_type, uses_region = institutions.peer_uses(peer)
        focus = providers[0] if providers else None
        own = institutions.provider_attributes(entry, focus) if focus else {}
        ui_institutions.follow_focus(focus, peer, own, {"provider_type": "provider_type", "region": "region"})
        if uses_type and options.provider_types:
            provider_type = ui.url_select(
                "Provider type",
                options.provider_types,
                key="provider_type",
                default=own.get("provider_type"),
                help=institutions.provider_types_help(options.provider_types),
            )
        if uses_region and options.regions:
            region = ui.url_select("Region", options.regions, key="region", default=own.get("region"))
        st.sidebar.caption("'Same type' and 'Same region' start from the first highlighted provider's own.")
    top = ui.url_select(
        "Providers in the ranked chart",
        institutions.TOP_OPTIONS,
        key="top",
        default=institutions.DEFAULT_TOP,
        help="The top and bottom N providers, plus any you highlight. The Table tab lists every provider.",
    )
    limits = ui.url_radio("Funnel plot limits", list(institutions.LIMIT_OPTIONS), key="limits")
    st.sidebar.caption(
        "'Chance only': binomial limits. 'Allow for over-dispersion' widens them when providers differ by more than "
        "chance (the funnel plot's notes give the factor)."
    )

    ui.demo_banner(entry)
    ui.overdue_warning(entry)
    ui.show_url_notes()
    ui_institutions.show_url_notes()

    spec = institutions.InstitutionSpec(
        table_id=entry.id,
        measure=measure,
        period=period,
        years_after=yag,
        subject=subject,
        characteristic_type=characteristic,
        characteristic_value=characteristic_value,
        filters=filters,
        peer=peer,
        provider_type=provider_type,
        region=region,
        providers=tuple(providers),
        top=top,
        limits=limits,
    )
    params = institutions.spec_params(spec)
    ui.record_page_view(institutions.PAGE, params, table=entry.id)  # the labelled widgets are not URL-bound
    views = institutions.build_views(entry, spec)

    if views.missing:
        st.info(
            "**Why some highlighted providers have no figure here**\n\n"
            + "\n".join(f"- {ui.plain(note.text)}" for note in views.missing),
            icon=":material/help:",
        )

    def brief(key: str) -> ItemRef:
        return ItemRef.make(institutions.PAGE, params, key)

    st.header("Ranking", divider="gray")
    ui.render_view(views.ranked, briefing=brief(views.ranked.key), heading_level=3)
    st.header("Funnel plot", divider="gray")
    if views.funnel is not None and views.outliers is not None:
        ui.render_view(views.funnel, briefing=brief(views.funnel.key), heading_level=3)
        ui.render_view(views.outliers, briefing=brief(views.outliers.key), heading_level=3)
    else:
        st.info(ui.plain(views.funnel_reason or "There is no funnel plot for this selection."), icon=":material/info:")
    st.header("Over time", divider="gray")
    ui.render_view(views.trend, briefing=brief(views.trend.key), heading_level=3)


ui.run_page(main)

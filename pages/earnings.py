"""Subject earnings: median earnings with the published quartile band, by years after graduation or by cohort."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import earnings, institutions
from leo_dash.analyses import registry as analyses
from leo_dash.briefing import ItemRef
from leo_dash.core import geography, prices
from leo_dash.core.periods import period_label, period_value
from leo_dash.ui import earnings as ui_earnings


def main() -> None:
    st.title("Subject earnings")
    st.markdown(
        "What graduates of each subject earn one, three, five and ten years after graduation: the median, with the "
        "range from the lower to the upper quartile shaded, exactly as published."
    )
    tables = ui.visible_tables(earnings.supports)
    if not tables:
        st.info(earnings.NO_TABLE_MESSAGE, icon=":material/info:")
        return
    entry = ui.url_table_select(tables)
    ui.prepare(entry)
    options = earnings.table_options(entry)

    measure = options.measures[0].key
    if len(options.measures) > 1:
        measure = ui.url_labelled_select("Earnings measure", {m.key: m.label for m in options.measures}, key="measure")
    mode = earnings.MODE_OPTIONS[ui.url_radio("Compare", list(earnings.MODE_OPTIONS), key="compare")]
    st.sidebar.caption(
        "Trajectory: years after graduation within one tax year. Cohorts: one point after graduation across tax years."
    )
    area = ui.url_area_select(options.areas)
    provider: str | None = None
    if options.providers and (area is None or area.national):
        fixed = {earnings.ALL_PROVIDERS: "All providers (national figures)"} if options.has_national else {}
        provider = (
            ui.url_provider_select(
                "Provider",
                options.providers,
                key="provider",
                fixed=fixed,
                id_label=institutions.id_label(entry),
                help="Show one provider's figures beside the published national figures. Search above, then choose.",
            )
            or None
        )

    ui_earnings.single_value_as_list("subject")
    ui_earnings.note_too_many("subject", "subjects", list(options.subjects), earnings.MAX_SUBJECTS)
    offered_here = earnings.provider_subjects(entry, provider) if provider else None
    default_subjects = earnings.default_subjects(options, offered_here)
    ui_earnings.follow_provider(
        provider, subjects_key="subject", provider_subjects=offered_here or [], defaults=default_subjects
    )
    subjects = ui.url_multiselect(
        "Subjects",
        options.subjects,
        key="subject",
        default=default_subjects,
        max_selections=earnings.MAX_SUBJECTS,
        help=f"Up to {earnings.MAX_SUBJECTS} subjects: one line each (two with a provider chosen).",
    )
    period = None
    if mode == "trajectory":
        labels = [period_label(p) for p in reversed(options.periods)]
        period = period_value(ui.url_select(entry.time_label, labels, key="year", default=labels[0]))
        ui_earnings.single_value_as_list("yag")
        yags = ui.url_multiselect(
            "Years after graduation", options.years_after, key="yag", default=list(options.years_after)
        )
    else:
        yags = [
            ui.url_select(
                "Years after graduation", options.years_after, key="yag", default=earnings.default_cohort_yag(options)
            )
        ]

    characteristic: str | None = None
    groups: list[str] = []
    if options.characteristic_types:
        choice = ui.url_select(
            "Split by characteristic", [earnings.NO_SPLIT, *options.characteristic_types], key="characteristic"
        )
        if choice != earnings.NO_SPLIT:
            characteristic = choice
            values = earnings.characteristic_values(entry, choice)
            ui_earnings.single_value_as_list("characteristic_value")
            groups = ui.url_multiselect(
                f"{earnings.nice_name(choice)} groups",
                values,
                key="characteristic_value",
                default=earnings.default_groups(
                    values, max(1, len(subjects)), earnings.lines_per_series(provider, options)
                ),
            )
    filters = earnings.choose_filters(
        entry,
        options,
        lambda column, items, default: ui.url_select(
            earnings.filter_label(entry, column), items, key=column, default=default
        ),
        asked=ui.link_values(list(options.filters)),
    )
    basis = earnings.BASIS_OPTIONS[ui.url_radio("Earnings basis", list(earnings.BASIS_OPTIONS), key="basis")]
    st.sidebar.caption(
        f"Real terms are in {ui.plain(prices.prices_label(options.latest_period))} (the latest tax year in this table), "
        "adjusted with CPIH."
    )

    ui.demo_banner(entry)
    ui.overdue_warning(entry)
    ui.show_url_notes()
    ui_earnings.show_url_notes()
    missing = (
        "a subject"
        if not subjects
        else "a year after graduation"
        if not yags
        else f"a {earnings.in_sentence(earnings.nice_name(characteristic))} group"
        if characteristic and not groups
        else None
    )
    if missing:
        st.info(ui.plain(f"Choose at least {missing} in the sidebar to see the chart."), icon=":material/tune:")
        return
    spec = earnings.EarningsSpec(
        table_id=entry.id,
        measure=measure,
        subjects=tuple(subjects),
        mode=mode,
        years_after=tuple(yags),
        period=period,
        characteristic=characteristic,
        characteristic_values=tuple(groups),
        provider=provider,
        filters=filters,
        basis=basis,
        area=geography.area_code(options.areas, area),
    )
    params = earnings.spec_params(spec)
    ui.record_page_view("earnings", params, table=entry.id)  # the provider choice is not a URL-bound widget
    for view in analyses.BY_KEY["earnings"].build_views(params, tables):
        ui.render_view(view, briefing=ItemRef.make("earnings", params, view.key))


ui.run_page(main)

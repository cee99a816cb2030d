"""Subject ranking: every subject's median earnings for one year and years after graduation, ranked on one chart."""

import streamlit as st

from leo_dash import ui
from leo_dash.analyses import earnings, institutions, subject_ranking
from leo_dash.analyses import registry as analyses
from leo_dash.briefing import ItemRef
from leo_dash.core import geography
from leo_dash.core.periods import period_label, period_value


def main() -> None:
    st.title("Subject ranking")
    st.markdown(
        "Which subjects' graduates earn most: every subject's median earnings for one tax year and one number of "
        "years after graduation, ranked, with the range from the lower to the upper quartile. The median for all "
        "subjects is the dashed reference line."
    )
    tables = ui.visible_tables(subject_ranking.supports)
    if not tables:
        st.info(earnings.NO_TABLE_MESSAGE, icon=":material/info:")
        return
    entry = ui.url_table_select(tables)
    options = earnings.table_options(entry)
    defaults, _ = subject_ranking.spec_from_params(entry, {})  # the analysis's defaults, written once, in its package
    measure = options.measures[0].key
    if len(options.measures) > 1:
        measure = ui.url_labelled_select("Earnings measure", {m.key: m.label for m in options.measures}, key="measure")
    area = ui.url_area_select(options.areas)
    provider: str | None = None
    if options.providers and not geography.below_national(area):
        fixed = {earnings.ALL_PROVIDERS: "All providers (national figures)"} if options.has_national else {}
        provider = (
            ui.url_provider_select(
                "Provider",
                options.providers,
                key="provider",
                fixed=fixed,
                id_label=institutions.id_label(entry),
                help="Rank the subjects of one provider instead of the national figures. Search above, then choose.",
            )
            or None
        )
    labels = [period_label(p) for p in reversed(options.periods)]
    period = period_value(ui.url_select(entry.time_label, labels, key="year", default=period_label(defaults.period)))
    yag = ui.url_select(
        "Years after graduation",
        options.years_after,
        key="yag",
        default=defaults.years_after,
    )
    sort = ui.url_labelled_select("Order", subject_ranking.SORTS, key="sort", default=defaults.sort)

    ui.demo_banner(entry)
    ui.overdue_warning(entry)
    ui.show_url_notes()
    spec = subject_ranking.RankingSpec(
        table_id=entry.id,
        measure=measure,
        period=int(period),
        years_after=yag,
        provider=provider,
        sort=sort,
        area=geography.area_code(options.areas, area),
    )
    params = subject_ranking.spec_params(spec, options)
    ui.record_page_view(subject_ranking.PAGE, params, table=entry.id)
    for view in analyses.BY_KEY[subject_ranking.PAGE].build_views(params, tables):
        ui.render_view(view, briefing=ItemRef.make(subject_ranking.PAGE, params, view.key))


ui.run_page(main)

"""Benefit claims: the out-of-work benefit rate over time, split by one breakdown, for all providers or one provider
against all providers, and the change between two chosen years."""

import streamlit as st

from leo_dash import briefing, ui
from leo_dash.analyses import benefits, institutions
from leo_dash.briefing import ItemRef
from leo_dash.core import geography
from leo_dash.core.periods import period_label, period_value
from leo_dash.ui import benefits as ui_benefits


def main() -> None:
    st.title("Benefit claims")
    st.markdown(
        "How many learners claim out-of-work benefits after their education, year by year: for everyone, by a "
        "characteristic, provider type, subject or benefit status, and for one provider against all providers. "
        "Suppressed figures are gaps, never zeros."
    )
    tables = ui.visible_tables(benefits.supports)
    if not tables:
        st.info(benefits.NO_TABLE_MESSAGE, icon=":material/info:")
        return
    entry = ui.url_table_select(tables)
    ui.prepare(entry)
    options = benefits.table_options(entry)

    measure = options.measures[0].column
    if len(options.measures) > 1:
        measure = ui.url_labelled_select("Measure", {m.column: m.label for m in options.measures}, key="measure")
    area = ui.url_area_select(options.areas)
    provider: str | None = None
    if options.providers and not geography.below_national(area):
        provider = (
            ui.url_provider_select(
                "Provider",
                options.providers,
                key="provider",
                fixed={benefits.ALL_PROVIDERS: "All providers"},
                id_label=institutions.id_label(entry),
                help="Show one provider's figures beside all providers. Search above, then choose.",
            )
            or None
        )
    splits = benefits.available_splits(entry, options, provider)
    split_key = ui.url_labelled_select(
        "Compare by",
        {s.key: s.label for s in splits},
        key="compare",
        default=benefits.default_split(splits, options),
    )
    split = benefits.split_by_key(splits, split_key) or benefits.OVERALL_SPLIT
    # Another table or split: its lines (and a years-after choice that changes shape) start from the defaults.
    moved, before = ui_benefits.changed("split", (entry.id, split.key))
    if moved:
        was_years = isinstance(before, tuple) and before[1] == benefits.BY_YEARS_AFTER
        ui_benefits.forget(
            [k for k in (split.param, "characteristic_value") if k]
            + (["yag"] if was_years or split.key == benefits.BY_YEARS_AFTER else [])
        )
    characteristic: str | None = None
    if split.key == benefits.BY_CHARACTERISTIC:
        ui_benefits.as_value_state("characteristic")
        characteristic = ui.url_select(
            "Characteristic", benefits.characteristic_types(entry, provider), key="characteristic"
        )
        if ui_benefits.changed("characteristic", characteristic)[0]:
            ui_benefits.forget(["characteristic_value"])
    items: list[str] = []
    if not split.is_overall and split.param:
        offered = benefits.split_items(entry, split, provider, characteristic=characteristic)
        limit = benefits.max_items(provider)
        ui_benefits.drop_single_value(split.param)
        ui_benefits.cap_list(split.param, limit, "lines", offered)
        label = characteristic if split.key == benefits.BY_CHARACTERISTIC and characteristic else split.label
        items = ui.url_multiselect(
            f"{label}: lines to show",
            offered,
            key=split.param,
            default=benefits.default_items(split, offered, provider),
            max_selections=limit,
            help=f"Up to {limit} lines"
            + (" (each drawn for the provider and for all providers)." if provider else "."),
        )
    years_after: str | None = None
    if options.years_after and split.key != benefits.BY_YEARS_AFTER:
        ui_benefits.as_value_state("yag")
        years_after = ui.url_select(
            options.label(str(entry.role("years_after"))),
            options.years_after,
            key="yag",
            default=options.default_years_after,
        )
    filters = benefits.choose_filters(
        entry,
        options,
        split,
        lambda column, values, default: ui.url_select(options.label(column), values, key=column, default=default),
        asked=ui.link_values(list(options.filters)),
    )
    labels = [period_label(p) for p in options.periods]
    # Another table: the change runs over its own first and last years (a year both tables have is not a choice).
    if ui_benefits.changed("years_table", entry.id)[0]:
        ui_benefits.forget(["from_year", "year"])
    start = period_value(ui.url_select("Change from", labels, key="from_year", default=labels[0]))
    end = period_value(ui.url_select("Change to", labels, key="year", default=labels[-1]))
    ui.drop_pending_resets()  # a reset control this table does not draw is not reset later elsewhere

    ui.demo_banner(entry)
    ui.overdue_warning(entry)
    ui.show_url_notes()
    ui_benefits.show_url_notes()
    if not split.is_overall and not items:
        st.info("Choose at least one line in the sidebar to see the chart.", icon=":material/tune:")
        return
    spec = benefits.BenefitSpec(
        table_id=entry.id,
        measure=measure,
        split=split.key,
        characteristic=characteristic,
        items=tuple(items),
        provider=provider,
        years_after=years_after,
        filters=filters,
        start=start,
        end=end,
        area=geography.area_code(options.areas, area),
    )
    params = benefits.spec_params(spec)
    ui.record_page_view(benefits.PAGE, params, table=entry.id)  # the labelled selects are not URL-bound widgets
    try:
        views = benefits.build_views(entry, spec)
    except benefits.BenefitsDataError as exc:
        st.warning(ui.plain(exc), icon=":material/warning:")
        return
    can_brief = benefits.PAGE in briefing.registered_pages()
    for view in views.all():
        ui.render_view(view, briefing=ItemRef.make(benefits.PAGE, params, view.key) if can_brief else None)
    if views.change_message:
        st.info(ui.plain(views.change_message), icon=":material/compare_arrows:")


ui.run_page(main)

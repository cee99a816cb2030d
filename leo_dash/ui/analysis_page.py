"""One page for any analysis that declares its controls (`leo_dash.analyses.controls`): title and words, the table,
the analysis's own controls drawn as URL-bound sidebar widgets, then exactly the views its `build_views` makes,
each with its briefing link. The page file only names the analysis."""

from __future__ import annotations

import streamlit as st

from leo_dash.analyses import controls
from leo_dash.analyses.registry import Analysis
from leo_dash.briefing import ItemRef
from leo_dash.ui.audit_trail import record_page_view
from leo_dash.ui.page import demo_banner, overdue_warning, visible_tables
from leo_dash.ui.render import render_view
from leo_dash.ui.widgets import (
    show_url_notes,
    url_area_select,
    url_labelled_select,
    url_provider_select,
    url_select,
    url_table_select,
)


def ask_in_sidebar(control: controls.Control) -> str | None:
    """Draw `control` as its URL-bound sidebar widget and return the user's answer."""
    if isinstance(control, controls.Select):
        return url_select(control.label, control.options, key=control.key, default=control.default, help=control.help)
    if isinstance(control, controls.LabelledSelect):
        return url_labelled_select(
            control.label,
            control.options,
            key=control.key,
            default=control.default,
            help=control.help,
            follow_default=control.follow_default,
        )
    if isinstance(control, controls.AreaSelect):
        area = url_area_select(control.areas)
        return area.code if area is not None else None
    return url_provider_select(
        control.label,
        control.providers,
        key=control.key,
        fixed=control.fixed,
        id_label=control.id_label,
        help=control.help,
    )


def analysis_page(analysis: Analysis) -> None:
    """The whole page of `analysis` (which must declare `choose` and `text`)."""
    if analysis.choose is None or analysis.text is None:
        raise ValueError(f"The {analysis.key} analysis declares no controls.")
    st.title(analysis.title)
    st.markdown(analysis.text.intro)
    tables = visible_tables(analysis.supports)
    if not tables:
        st.info(analysis.text.no_table, icon=":material/info:")
        return
    entry = url_table_select(tables)
    params = analysis.choose(entry, ask_in_sidebar)
    demo_banner(entry)
    overdue_warning(entry)
    show_url_notes()
    record_page_view(analysis.key, params, table=entry.id)
    for view in analysis.build_views(params, tables):
        render_view(view, briefing=ItemRef.make(analysis.key, params, view.key))

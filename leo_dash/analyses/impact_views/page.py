"""The Intervention impact page: its words and its sidebar controls (drawn by `leo_dash.ui.choose_in_sidebar`)."""

from __future__ import annotations

from leo_dash.analyses.controls import Ask, Caption, MultiSelect, PageText, Params, Radio, Select, StartAfresh
from leo_dash.analyses.impact_views.options import (
    SE_ALL,
    SE_OPTIONS,
    comparison_options,
    context_controls,
    default_groups,
    default_start,
    dimension_for,
    dimension_keys,
    group_options,
    outcome_labels,
    start_options,
)
from leo_dash.core.model import TableEntry

TEXT = PageText(
    intro=(
        "Estimate how an outcome changed for a **treated group** after an intervention started, relative to a "
        "**comparison group**, from published summary statistics (difference-in-differences). Choose the groups "
        "and the year the intervention started in the sidebar. Every figure passes disclosure control, suppressed "
        "cells are left out and counted, and nothing is estimated in their place."
    ),
    no_table=(
        "No approved table that this page can show is available to you: it needs a rate or earnings indicator "
        "with the count it rests on, over at least two years."
    ),
)
TREAT_BY_HELP = (
    "What the groups are made of: a breakdown of the table (for example type of provision or benefit status), "
    "subjects, characteristic groups, regions, provider types or providers."
)


def choose(entry: TableEntry, ask: Ask) -> Params:
    """The page's controls, top to bottom, and the URL parameters of what they choose."""
    # The outcome, groups and start year of one table mean something else in another: all start afresh.
    ask(
        StartAfresh(
            "table",
            entry.id,
            note=f"You switched to {entry.title}: its outcome, groups, start year and other choices start from "
            "its own defaults.",
        )
    )
    outcomes = outcome_labels(entry)
    outcome = ask(Select("Outcome", "outcome", outcomes)) or outcomes[0]
    keys = dimension_keys(entry) or ["none"]
    dimension_key = ask(Select("Form groups by", "treat_by", keys, help=TREAT_BY_HELP)) or keys[0]
    params: Params = {"table": [entry.id], "outcome": [outcome], "treat_by": [dimension_key]}
    if dimension_key == "none":
        return params
    dimension = dimension_for(entry, dimension_key)
    ask(Caption(dimension.label))
    context = {
        control.key: ask(Select(control.label, control.key, control.options, control.default)) or control.default
        for control in context_controls(entry, dimension)
    }
    items = group_options(entry, dimension, context)
    treated_default, comparison_default = default_groups(dimension, items)
    groups = dimension.label.lower()
    treated = ask(MultiSelect(f"Treated group ({groups})", "treated", items, treated_default))
    comparison = ask(
        MultiSelect(f"Comparison group ({groups})", "comparison", comparison_options(items), comparison_default)
    )
    start = ask(
        Select(
            "Intervention started",
            "start",
            start_options(entry),
            default_start(entry),
            help="The first year the intervention could affect the outcome; earlier years are the 'before' period.",
        )
    )
    params.update({"treated": treated, "comparison": comparison, "start": [start or default_start(entry)]})
    se = ask(Radio("Interval", "se", SE_OPTIONS))
    ask(
        Caption(
            "The recommended interval allows for real differences between cells and for year-to-year movement of "
            "the gap; 'sampling only' ignores both and is usually far too narrow."
        )
    )
    if se and se != SE_ALL:
        params["se"] = [se]
    params.update({key: [value] for key, value in context.items() if value is not None})
    return params

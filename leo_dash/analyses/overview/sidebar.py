"""The Headlines page: its words and its sidebar controls (drawn by `leo_dash.ui.choose_in_sidebar`). By default
each headline comes from its best table, so the table is a control of its own, not the usual table picker."""

from __future__ import annotations

from collections.abc import Sequence

from leo_dash.analyses.controls import (
    AreaSelect,
    Ask,
    Caption,
    DropFromLink,
    LabelledSelect,
    PageText,
    Params,
    Select,
)
from leo_dash.analyses.overview.spec import ALL_TABLES, NO_TABLE_MESSAGE, table_facts
from leo_dash.core import geography
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label

TEXT = PageText(
    intro=(
        "The latest all-provider figures for earnings, sustained employment and out-of-work benefit claims, each "
        "with the change from the year before. Follow a link to explore the figures behind a headline."
    ),
    no_table=NO_TABLE_MESSAGE,
)


def choose(tables: Sequence[TableEntry], ask: Ask) -> Params:
    """The table (or the best for each headline), and with one table its year and area."""
    choices = {ALL_TABLES: "Best table for each headline"} | {t.id: t.id for t in tables}
    table_id = ask(
        LabelledSelect(
            "Table",
            "table",
            choices,
            help="By default each headline comes from the table with published national figures for it.",
        )
    )
    entry = next((t for t in tables if t.id == table_id), None)
    if entry is None:
        # Said once, for a link's own year or area; one left behind by switching back from a table goes quietly.
        ask(
            DropFromLink(
                "year",
                "A year in the link applies only when one table is chosen; each headline shows its latest year.",
            )
        )
        ask(
            DropFromLink(
                geography.AREA_PARAM,
                "An area in the link applies only when one table is chosen; each headline shows England's figures.",
            )
        )
        return {}
    ask(Caption(entry.title))
    facts = table_facts(entry)
    labels = [period_label(p) for p in reversed(facts.periods)]
    params: Params = {
        "table": [entry.id],
        "year": [ask(Select(entry.time_label, "year", labels, labels[0])) or labels[0]],
    }
    chosen = ask(AreaSelect(facts.areas))
    if code := geography.area_code(facts.areas, geography.area_by_code(facts.areas, chosen)):
        params[geography.AREA_PARAM] = [code]  # the table's default area stays out of the link
    return params

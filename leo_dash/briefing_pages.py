"""The pages whose views can go into a briefing, each as a builder: (URL parameters, visible tables) -> views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from leo_dash import briefing
from leo_dash.model import TableEntry
from leo_dash.views import View


def _earnings(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import earnings

    return earnings.views_for_params(params)


def _impact(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import impact_views

    return impact_views.build_impact_views(params, tables=tables)


BUILDERS: dict[str, briefing.ViewBuilder] = {
    "earnings": _earnings,
    "impact": _impact,
}


def ensure_registered() -> None:
    for page, builder in BUILDERS.items():
        briefing.register_page(page, builder)

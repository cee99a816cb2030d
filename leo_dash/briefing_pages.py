"""The pages whose views can go into a briefing, each as a builder: (URL parameters, visible tables) -> views.

One registry, read by the briefing (to rebuild items), the Briefing pack page and the pages offering "add to
briefing"; each builder imports its page's module only when called, so this registry imports no page logic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from leo_dash.model import TableEntry
from leo_dash.views import View

# A page's view builder: (URL parameters, tables the user may see) -> the views that page shows for them, each
# built through the same query and disclosure-control path as the page itself.
ViewBuilder = Callable[[Mapping[str, Sequence[str]], Sequence[TableEntry]], Sequence[View]]


def _earnings(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import earnings

    return earnings.views_for_params(params)


def _industry(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import industry

    return industry.views_for_params(params, tables)


def _regional(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import regional

    return regional.views_for_params(params, tables)


def _subject_ranking(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import subject_ranking

    return subject_ranking.views_for_params(params, tables)


def _impact(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import impact_views

    return impact_views.build_impact_views(params, tables=tables)


def _institutions(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import institutions

    return institutions.briefing_views(params, tables)


def _provider(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import provider_profile

    return provider_profile.views_for_params(params, tables)


def _benefits(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import benefits

    return benefits.briefing_views(params, tables)


def _overview(params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    from leo_dash import overview

    return overview.briefing_views(params, tables)


BUILDERS: dict[str, ViewBuilder] = {
    "overview": _overview,
    "institutions": _institutions,
    "earnings": _earnings,
    "subject_ranking": _subject_ranking,
    "industry": _industry,
    "regional": _regional,
    "provider": _provider,
    "benefits": _benefits,
    "impact": _impact,
}

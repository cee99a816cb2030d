"""Institutions page views: `build_views` and `briefing_views`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from leo_dash.analyses import page_support
from leo_dash.analyses.institutions.compare import Comparison, MissingNote, comparison, missing_combinations
from leo_dash.analyses.institutions.funnel_plot import funnel_reason, funnel_views
from leo_dash.analyses.institutions.options import NO_TABLE_MESSAGE, provider_names, supports
from leo_dash.analyses.institutions.ranked import ranked_view
from leo_dash.analyses.institutions.spec import InstitutionSpec, spec_from_params
from leo_dash.analyses.institutions.trend import trend_view
from leo_dash.analyses.institutions.view_parts import fit_header, narrow_notes
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry
from leo_dash.present.views import View

# ---------------------------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class InstitutionViews:
    ranked: View
    funnel: View | None
    outliers: View | None
    trend: View
    funnel_reason: str | None  # why there is no funnel plot
    missing: tuple[MissingNote, ...]
    comparison: Comparison = field(repr=False)

    def all(self) -> list[View]:
        return [v for v in (self.ranked, self.funnel, self.outliers, self.trend) if v is not None]


# ---------------------------------------------------------------------------------------------------------------
# Everything the page shows


def build_views(entry: TableEntry, spec: InstitutionSpec, *, data_dir: Path | None = None) -> InstitutionViews:
    result = comparison(entry, spec, data_dir=data_dir)
    names = provider_names(entry, data_dir=data_dir)
    reason = funnel_reason(result)
    funnel_view, outliers = (None, None) if reason else funnel_views(result)
    return InstitutionViews(
        ranked=fit_header(narrow_notes(ranked_view(result))),
        funnel=fit_header(funnel_view) if funnel_view is not None else None,
        outliers=outliers,
        trend=fit_header(trend_view(result)),
        funnel_reason=reason,
        missing=tuple(missing_combinations(result, names)),
        comparison=result,
    )


def briefing_views(
    params: Mapping[str, Sequence[str]],
    tables: Sequence[TableEntry] | None = None,
    *,
    data_dir: Path | None = None,
) -> list[View]:
    """The views the page shows for a link's parameters, for rebuilding briefing items. `tables` are the tables the
    user may see (as the briefing passes them); without it, every catalogue table."""
    return page_views(params, tables, data_dir=data_dir).all()


def page_views(
    params: Mapping[str, Sequence[str]],
    tables: Sequence[TableEntry] | None = None,
    *,
    data_dir: Path | None = None,
) -> InstitutionViews:
    """The page's views for a link's parameters, in their sections, with why a highlighted provider has none."""
    if tables is None:
        tables = list(load_catalogue(data_dir))
    entry = page_support.table_for_params(params, tables, supports, strict=True)
    if entry is None:
        raise LookupError(NO_TABLE_MESSAGE)
    return build_views(entry, spec_from_params(entry, params, data_dir=data_dir), data_dir=data_dir)

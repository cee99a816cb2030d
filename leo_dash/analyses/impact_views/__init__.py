"""Page logic for "Intervention impact": URL parameters -> disclosure-controlled views of a difference-in-differences.

Pipeline: catalogue entry (roles) -> `query.select` -> `sdc.protect` on the published cells -> `impact.estimate_impact`
-> disclosure control of every group-level figure (`sdc.derived_count`, `sdc.share`, `sdc.protect`, `sdc.guard`) ->
`views.make_view`. Plain functions, no Streamlit, so the briefing pack can rebuild the same views from a link:
`build_impact_views(params)` takes the page's URL parameters.

URL parameters: table, outcome (indicator label), treat_by (what the groups are made of: a filter column, or
subject / characteristic / provider_type / region / provider), treated and comparison (items of that dimension;
providers as "Name (UKPRN)" or a bare UKPRN; comparison may be "All others"), start (e.g. "2020-21"), and one
parameter per other breakdown pinned to one item (subject, yag, characteristic, or the filter column's name).

Disclosure decisions (data standard §4):
- Group bases are sums of published bases: D3 (rounded half-up to the table's count_base, `c` under min_count).
- Group percentages are derived shares: D4 + D9 (`c` when the numerator is under 3 or the base under 6, a derived
  0% or 100% on a base under 10), and `c` whenever the group base is not shown.
- Group earnings are base-weighted averages of published medians: an analytical figure, labelled as such, rounded
  to £100, `c` when the group's earnings base is under 11 (D5) and `x` when fewer than 2 published cells contribute.
- D6: a group figure that leaves out exactly one `c` cell is `c` (value and base), as
  `sdc.aggregate(published_cells_only=True)` decides: with a total published elsewhere, the one hidden cell could
  otherwise be recovered by subtraction.
- A group figure that cannot be shown is withheld everywhere: its year's gap, event-study point and the estimate
  leave out that group-year (its cells are counted as "withheld"), so no shown number recovers it."""

from __future__ import annotations

from leo_dash.analyses.impact_views import page
from leo_dash.analyses.impact_views.analysis import (
    ImpactAnalysis,
    analyse,
    select_cells,
)
from leo_dash.analyses.impact_views.excluded import (
    label_symbol,
)
from leo_dash.analyses.impact_views.headlines import (
    Headline,
    headline,
    view_by_key,
)
from leo_dash.analyses.impact_views.options import (
    ALL_OTHERS,
    CAVEAT_PREFIX,
    METHOD_PREFIX,
    PAGE_KEY,
    ROLE_DIMENSIONS,
    SE_ALL,
    SE_OPTIONS,
    SE_SAMPLING,
    VIEW_ESTIMATE,
    VIEW_EVENT_STUDY,
    VIEW_EXCLUDED,
    VIEW_SERIES,
    WITHHELD,
    ContextControl,
    Dimension,
    ImpactInputError,
    ImpactSpec,
    comparison_options,
    context_controls,
    default_groups,
    default_start,
    default_table,
    default_tables,
    dimension_for,
    dimension_keys,
    dimensions,
    filter_labels,
    group_options,
    is_eligible,
    outcome_indicators,
    outcome_labels,
    start_options,
    table_periods,
)
from leo_dash.analyses.impact_views.spec import (
    resolve_spec,
)
from leo_dash.analyses.impact_views.views import (
    build_impact_views,
    impact_views,
)
from leo_dash.analyses.impact_views.wording import (
    format_effect,
    format_interval,
    outcome_phrase,
)

__all__ = [
    "ALL_OTHERS",
    "PAGE_KEY",
    "ContextControl",
    "Dimension",
    "Headline",
    "ImpactAnalysis",
    "ImpactInputError",
    "ImpactSpec",
    "analyse",
    "build_impact_views",
    "comparison_options",
    "context_controls",
    "default_groups",
    "default_start",
    "default_table",
    "dimension_for",
    "dimension_keys",
    "dimensions",
    "format_effect",
    "format_interval",
    "group_options",
    "headline",
    "impact_views",
    "is_eligible",
    "outcome_indicators",
    "outcome_labels",
    "resolve_spec",
    "select_cells",
    "start_options",
    "table_periods",
    "view_by_key",
]

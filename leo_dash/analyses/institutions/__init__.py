"""Institution performance: providers ranked on one outcome against a benchmark, a funnel plot of rates against
their base, the chosen providers over time, and why a chosen provider has no figure.

Everything works from catalogue roles (time, provider_id, provider_name, provider_type, region, subject,
years_after, characteristic_type/value, extra filters), so any approved provider table works; a control the table
cannot support is simply not offered.

Pipeline: `query.select` (provider rows and published aggregate rows of one selection) → `sdc.protect` → benchmark:
the published aggregate row for the peer group when there is one (D3: published totals first), else
`sdc.aggregate(published_cells_only=True)` over the peer providers' published cells (D4) → `sdc.guard` →
`views.make_view`. Secondary suppression (D6) is not decided here: the table was protected once when it was prepared
(leo_dash.sdc.protection), so a cell hidden in one comparison is hidden in every other."""

from __future__ import annotations

from leo_dash.analyses.institutions import page
from leo_dash.analyses.institutions.compare import (
    Benchmark,
    Comparison,
    MissingNote,
    _where,
    chart_selection,
    comparison,
    missing_combinations,
    rank_providers,
)
from leo_dash.analyses.institutions.funnel_plot import (
    dispersion_note,
    funnel_dispersion,
    funnel_frame,
    funnel_reason,
    funnel_summary,
    funnel_views,
    outliers_summary,
)
from leo_dash.analyses.institutions.options import (
    BENCHMARK_KEY,
    DEFAULT_TOP,
    LIMIT_OPTIONS,
    LIMITS_CHANCE,
    LIMITS_OVERDISPERSION,
    MAX_HIGHLIGHT,
    MEMBER,
    NO_TABLE_MESSAGE,
    PAGE,
    PEER_ALL,
    PEER_BOTH,
    PEER_REGION,
    PEER_TYPE,
    PERIOD_LABEL,
    POSITION,
    RANK,
    SERIES,
    SHOW_ALL,
    SOURCE,
    TOP_OPTIONS,
    VALUE_COLUMN_AT,
    MissingReason,
    PageOptions,
    Source,
    base_indicator,
    characteristic_types,
    characteristic_values,
    default_item,
    default_measure,
    filter_label,
    id_label,
    is_total,
    measures,
    page_options,
    peer_options,
    peer_uses,
    provider_attributes,
    provider_items,
    provider_list,
    provider_names,
    provider_option_label,
    provider_types_help,
    provider_values,
    subjects,
    supports,
)
from leo_dash.analyses.institutions.ranked import (
    ranked_summary,
    ranked_view,
)
from leo_dash.analyses.institutions.spec import (
    InstitutionSpec,
    benchmark_name,
    measure_indicator,
    measure_name,
    measure_title,
    peer_label,
    selection_words,
    spec_from_params,
    spec_params,
    view_title,
)
from leo_dash.analyses.institutions.trend import (
    trend_frame,
    trend_summary,
    trend_view,
)
from leo_dash.analyses.institutions.view_parts import (
    benchmark_note,
)
from leo_dash.analyses.institutions.views import (
    InstitutionViews,
    briefing_views,
    build_views,
    page_views,
)

"""Benefit-claim rates over time: the out-of-work benefit rate of a table, split by one breakdown (a
characteristic, provider type, subject, years after, or any extra filter such as benefit status or type of
provision), for all providers or for one provider against all providers, and the change between two years.

Which indicator is a benefit-claim rate is read from the catalogue (a visible rate whose column or label mentions
benefits), never from a hard-coded column name, so any approved table with the same roles works.

All-provider figures are the published national rows (provider id null) where the table has them (D3); where it
has none for a line and year (the FE provider files have no national rows) they are derived from the providers'
published cells with `sdc.aggregate(published_cells_only=True)` (D4), then `sdc.suppress_derived` and `sdc.guard`.

Pipeline: `query.select` → `sdc.protect` (published) / `sdc.aggregate` (derived) → `sdc.guard` → `views.make_view`.
A change between two years is computed only from two published (or safely derived) points; a symbol at either end
means no change is given, and the note says which symbol."""

from __future__ import annotations

from leo_dash.analyses.benefits import page
from leo_dash.analyses.benefits.change import (
    ChangeRow,
    build_change_figure,
    change_frame,
    change_rows,
    change_summary,
    change_title,
    change_view,
    missing_ends_note,
)
from leo_dash.analyses.benefits.change_text import (
    change_phrase,
    change_words,
    percent_change,
    points_text,
    rate_change,
)
from leo_dash.analyses.benefits.data import (
    BenefitData,
    Series,
    after_event,
    base_indicator,
    benefit_data,
    everyone_label,
    group_label,
)
from leo_dash.analyses.benefits.measures import (
    ALL_PROVIDERS,
    ALL_PROVIDERS_LABEL,
    BASE_TEXT,
    BASIS,
    BY_CHARACTERISTIC,
    BY_PROVIDER_TYPE,
    BY_SUBJECT,
    BY_YEARS_AFTER,
    CHANGE,
    DEFAULT_SUBJECTS,
    DERIVED,
    END_TEXT,
    GROUP,
    ITEM_PARAMS,
    MAX_SERIES,
    NO_TABLE_MESSAGE,
    NOT_PUBLISHED,
    OVERALL,
    PAGE,
    PERIOD,
    PERIOD_LABEL,
    PROVIDER,
    PROVIDER_LABEL,
    PUBLISHED,
    SERIES,
    SERIES_INDEX,
    START_TEXT,
    BenefitsDataError,
    benefit_indicators,
    benefit_measures,
    is_benefit_rate,
    item_filters,
    item_indicator,
    measure_indicator,
    measure_item,
    measure_name,
    measure_title,
    supports,
)
from leo_dash.analyses.benefits.options import (
    OVERALL_SPLIT,
    BenefitOptions,
    Split,
    available_splits,
    characteristic_types,
    default_items,
    default_split,
    filter_controls,
    lines_per_item,
    max_items,
    nice_name,
    split_by_key,
    split_items,
    split_parents,
    table_options,
)
from leo_dash.analyses.benefits.spec import (
    BenefitSpec,
    items_param,
    spec_from_params,
    spec_params,
)
from leo_dash.analyses.benefits.trend import (
    build_trend_figure,
    fit_header,
    trend_view,
    view_filters,
)
from leo_dash.analyses.benefits.views import (
    BenefitViews,
    briefing_views,
    build_views,
    page_views,
)
from leo_dash.analyses.benefits.wording import (
    LEGEND_ROW_PX,
    LEGEND_WIDTH_PX,
    PLOT_AREA_PX,
    TITLE_LINE_PX,
    measure_phrase,
    scope_phrase,
    series_points,
    split_phrase,
    trend_summary,
    trend_title,
    years_phrase,
)

"""Subject earnings trajectories: median earnings with their published quartile band, by years after graduation
(one tax year) or by tax year (graduating cohorts compared at one YAG), optionally split by one characteristic,
against one provider, in cash terms or in real terms (CPIH, latest tax year's prices).

Only published earnings are shown (D5): the median, lower quartile and upper quartile are taken as published, never
estimated, and a band has a gap wherever either quartile is suppressed. Real terms are a price adjustment of a
published figure (leo_dash.core.prices), rounded half-up to £100. National figures are the published rows whose provider
id is null; nothing is aggregated here.

Pipeline: `query.select` → `sdc.protect` → optional `prices.to_real_terms` → `sdc.guard` → `views.make_view`."""

from __future__ import annotations

from leo_dash.analyses.earnings import page
from leo_dash.analyses.earnings.chart import (
    ASSUMED_LEGEND_WIDTH_PX,
    LEGEND_ROW_PX,
    PANEL_COLUMNS,
    PANEL_PX,
    PANEL_TITLE_PX,
    PLOT_AREA_PX,
    SMALL_MULTIPLES_FROM,
    TITLE_LINE_PX,
    build_figure,
    fit_header,
    fit_subject_rows,
    subject_dot_axes,
    subject_dots,
    subject_spans,
)
from leo_dash.analyses.earnings.data import (
    COHORT,
    COLOUR_INDEX,
    GROUP,
    NATIONAL,
    PERIOD,
    PERIOD_LABEL,
    PROVIDER,
    SERIES,
    SERIES_INDEX,
    SUBJECT,
    YAG,
    EarningsData,
    EarningsDataError,
    Series,
    base_indicator,
    earnings_data,
    select_rows,
)
from leo_dash.analyses.earnings.measures import (
    ALL_PROVIDERS,
    BASIS_OPTIONS,
    DEFAULT_SUBJECT_COUNT,
    MAX_SERIES,
    MAX_SUBJECTS,
    MODE_OPTIONS,
    NATIONAL_LABEL,
    NO_SPLIT,
    NO_TABLE_MESSAGE,
    PREFERRED_COHORT_YAG,
    Basis,
    EarningsMeasure,
    Mode,
    QuartileKind,
    earnings_measures,
    quartile_kind,
    supports,
)
from leo_dash.analyses.earnings.options import (
    EarningsOptions,
    characteristic_values,
    default_cohort_yag,
    default_groups,
    default_subjects,
    lines_per_series,
    provider_subjects,
    table_options,
)
from leo_dash.analyses.earnings.spec import (
    EarningsSpec,
    spec_from_params,
    spec_params,
)
from leo_dash.analyses.earnings.views import (
    earnings_view,
    views_for_params,
)
from leo_dash.analyses.earnings.wording import (
    SeriesValues,
    basis_phrase,
    filter_label,
    in_sentence,
    nice_name,
    series_values,
    summary_sentence,
    view_footnotes,
    view_title,
    yag_long,
    yag_short,
)

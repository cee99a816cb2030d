"""Earnings page view: `earnings_view` and `views_for_params`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from leo_dash.analyses import page_support
from leo_dash.analyses.earnings.chart import PANEL_PX, PANEL_TITLE_PX, build_figure, fit_header
from leo_dash.analyses.earnings.data import (
    COHORT,
    GROUP,
    NATIONAL,
    PERIOD_LABEL,
    PROVIDER,
    SUBJECT,
    YAG,
    EarningsData,
    earnings_data,
)
from leo_dash.analyses.earnings.measures import NATIONAL_LABEL, supports
from leo_dash.analyses.earnings.options import EarningsOptions, table_options
from leo_dash.analyses.earnings.spec import EarningsSpec, spec_from_params
from leo_dash.analyses.earnings.wording import (
    basis_phrase,
    nice_name,
    series_values,
    summary_sentence,
    view_footnotes,
    view_title,
)
from leo_dash.core import geography, prices, query
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label
from leo_dash.present.views import Column, View, make_view

# ---------------------------------------------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------------------------------------------


def _view_filters(
    entry: TableEntry, spec: EarningsSpec, data: EarningsData, options: EarningsOptions, provider_label: str | None
) -> list[tuple[str, str]]:
    """The choices behind the view, as (label, value) pairs for download headers and briefings."""
    filters: list[tuple[str, str]] = [("Subjects", ", ".join(spec.subjects))]
    if spec.mode == "trajectory":
        filters += [
            (entry.time_label, period_label(spec.period or data.base_period)),
            ("Years after graduation", ", ".join(data.x_order)),
        ]
    else:
        filters += [("Years after graduation", ", ".join(spec.years_after[:1]))]
    if spec.characteristic:
        filters.append((nice_name(spec.characteristic), ", ".join(spec.characteristic_values)))
    if spec.provider:
        filters.append(("Provider", f"{provider_label} ({spec.provider})" if provider_label else spec.provider))
    filters += geography.area_filter(options.areas, geography.area_by_code(options.areas, spec.area))
    filters += [(query.column_label(entry, c), v) for c, v in spec.filters]
    filters.append(("Basis", basis_phrase(data.basis, data.base_period)))
    return filters


def earnings_view(
    entry: TableEntry,
    spec: EarningsSpec,
    *,
    price_index: prices.PriceIndex | None = None,
    notes: Sequence[str] = (),
    data_dir: Path | None = None,
) -> View:
    """The subject earnings view for a spec: protected frame, title, summary, footnotes and figure."""
    options = table_options(entry, data_dir=data_dir)
    if spec.basis == "real" and price_index is None:
        try:
            price_index = prices.load_price_index()
        except prices.PriceIndexError:
            price_index = None  # earnings_data explains the fallback to cash terms
    data = earnings_data(entry, spec, price_index=price_index, options=options, data_dir=data_dir)
    provider_label = options.provider_names.get(spec.provider or "") if spec.provider else None
    basis_short = prices.prices_label(data.base_period) if data.basis == "real" else "cash terms"
    columns: list[Column] = [Column(SUBJECT, "Subject")]
    if spec.characteristic:
        columns.append(Column(GROUP, nice_name(spec.characteristic)))
    if spec.provider:
        columns.append(Column(PROVIDER + "_label", "Provider"))
    if spec.mode == "trajectory":
        x_title = "Years after graduation"
        columns.append(Column(YAG, x_title))
    else:
        x_title = entry.time_label
        columns.append(Column(PERIOD_LABEL, x_title))
    if COHORT in data.frame.columns:
        columns.append(Column(COHORT, "Graduating cohort"))
    frame = data.frame
    if spec.provider:
        frame = frame.with_columns(
            pl.when(pl.col(NATIONAL))
            .then(pl.lit(NATIONAL_LABEL))
            .otherwise(pl.lit(provider_label or spec.provider))
            .alias(PROVIDER + "_label")
        )
    for indicator in data.measure.indicators:
        columns.append(Column.for_indicator(indicator, dp=0, label=f"{indicator.label} (£, {basis_short})"))
    data = replace(data, frame=frame)
    filters = _view_filters(entry, spec, data, options, provider_label)
    summary = summary_sentence(
        series_values(data, provider_label),
        mode=spec.mode,
        measure_label=data.measure.label,
        basis=data.basis,
        base_period=data.base_period,
        yag=spec.years_after[0] if spec.mode == "cohorts" and spec.years_after else None,
    )
    area = geography.area_by_code(options.areas, spec.area)
    if area is not None and not area.national:
        summary = f"{area.name}: {summary}"  # the sentence is lifted into briefings without its title
    y_title = f"{data.measure.label} (£, {basis_short})"
    view = make_view(
        key=f"earnings-{spec.mode}",
        entry=entry,
        title=view_title(spec, data, entry, provider_label, area),
        frame=data.frame,
        columns=columns,
        summary=summary,
        filters=filters,
        build_figure=build_figure(data, x_title=x_title, y_title=y_title),
        notes=[*notes, *data.notes],
        extra_footnotes=view_footnotes(spec, data, entry, price_index),
    )
    if view.figure is not None:
        fit_header(view.figure, [s.label for s in data.series])
        meta = view.figure.layout.meta if isinstance(view.figure.layout.meta, dict) else {}
        if meta.get("panel_rows"):
            # The legend goes above the first row's panel titles, not over them.
            top = int(view.figure.layout.margin.t) + PANEL_TITLE_PX
            bottom = int(view.figure.layout.margin.b or 80)
            plot_px = int(meta["panel_rows"]) * PANEL_PX
            view.figure.update_layout(
                height=plot_px + top + bottom, margin={"t": top}, legend={"y": 1 + PANEL_TITLE_PX / plot_px}
            )
    return view


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry] | None = None, *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's view from its URL parameters (for briefings): same defaults and fallbacks as the page.
    `tables` are the tables the user may see (a link naming no table never falls back to another); None means
    every table in the catalogue."""

    visible = list(load_catalogue(data_dir)) if tables is None else tables
    return page_support.one_view_from_link(
        params, visible, supports, spec_from_params, earnings_view, data_dir=data_dir
    )

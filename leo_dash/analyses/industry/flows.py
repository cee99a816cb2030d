"""Flows of graduates from subject studied to industry: the largest subjects and industries, the rest grouped, as
a protected frame and a Sankey diagram where it reads well."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses.industry.spec import (
    BASES,
    ENGLAND,
    INDUSTRY,
    LABEL_CHARS,
    REGIONAL,
    SUBJECT,
    VIEW_FLOWS,
    IndustrySpec,
    _where,
    _who,
    count_columns,
    industry_name,
    options,
)
from leo_dash.core import query
from leo_dash.core.model import TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, make_view, python_column

TOP_SUBJECTS = 5  # subjects drawn one by one in the flow chart (the rest grouped): with their group, six colours
TOP_INDUSTRIES = 6
OTHER_SUBJECTS = "Other subjects"
OTHER_INDUSTRIES = "Other industries"
MIN_SHOWN_FLOWS = 4  # fewer flows with a figure than this, or fewer than half of them shown: no flow chart

# --------------------------------------------------------------------------------------------------------------
# Flows: subject studied -> industry (a Sankey diagram where it reads well)


def flows_frame(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> pl.DataFrame:
    """Graduates of the largest subjects in the largest industries, the rest grouped as "Other subjects" / "Other
    industries": one row per (subject group, industry group) with the graduate count, protected.

    A flow of several cells (subjects and industries in its groups, and for England the nine regions) is a derived
    sum (D3: rounded to the count base, `c` below the minimum); a flow of one published cell is that cell. The source publishes no total for
    such groups, so cells without a number are left out (counted in `n_excluded`), except that leaving out exactly
    one suppressed cell hides the flow (`sdc.aggregate(published_cells_only=True)`). Ranked by published cells only.
    """
    count = count_columns(entry)[spec.basis]
    subject, industry, region = (str(entry.role(r)) for r in ("subject", "industry", "region"))
    selection = {"years_after": [spec.years_after], query.LEVEL_COLUMN: [REGIONAL]}
    if spec.region != ENGLAND:
        selection["region"] = [spec.region]
    rows = query.select(
        entry, selection, vary=[subject, industry, region], columns=[subject, industry, count.column], data_dir=data_dir
    )
    total_subject = options(entry, data_dir=data_dir).all_subjects
    rows = rows.filter(pl.col(subject) != (total_subject or ""))
    published = rows.filter(pl.col(status_column(count.column)).is_null())

    def top(column: str, n: int) -> list[str]:
        ranked = (
            published.group_by(column)
            .agg(pl.col(count.column).sum())
            .sort([count.column, column], descending=[True, False])
        )
        return ranked[column].head(n).to_list()

    subjects, industries = top(subject, TOP_SUBJECTS), top(industry, TOP_INDUSTRIES)
    grouped = rows.with_columns(
        pl.when(pl.col(subject).is_in(subjects)).then(pl.col(subject)).otherwise(pl.lit(OTHER_SUBJECTS)).alias(SUBJECT),
        pl.when(pl.col(industry).is_in(industries))
        .then(pl.col(industry))
        .otherwise(pl.lit(OTHER_INDUSTRIES))
        .alias(INDUSTRY),
    )
    flows = sdc.aggregate(grouped, [SUBJECT, INDUSTRY], [count], entry.disclosure, published_cells_only=True)
    # A flow that is one published cell (one subject, one industry, one region) is that cell as published: D3's
    # rounding and minimum are for sums, and the bar charts beside this one show the same cell as it is.
    single = (
        grouped.group_by([SUBJECT, INDUSTRY])
        .agg(
            pl.len().alias("_n"),
            pl.col(count.column).first().alias("_v"),
            pl.col(status_column(count.column)).first().alias("_s"),
        )
        .filter((pl.col("_n") == 1) & pl.col("_s").is_null())
        .select(SUBJECT, INDUSTRY, "_v")
    )
    flows = (
        flows.join(single, on=[SUBJECT, INDUSTRY], how="left")
        .with_columns(
            pl.coalesce(pl.col("_v"), pl.col(count.column)).alias(count.column),
            pl.when(pl.col("_v").is_not_null())
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(pl.col(status_column(count.column)))
            .alias(status_column(count.column)),
        )
        .drop("_v")
    )
    subject_order = {name: i for i, name in enumerate([*subjects, OTHER_SUBJECTS])}
    industry_order = {name: i for i, name in enumerate([*industries, OTHER_INDUSTRIES])}
    ordered = flows.with_columns(
        pl.col(SUBJECT).replace_strict(subject_order, return_dtype=pl.Int64).alias("_s"),
        pl.col(INDUSTRY).replace_strict(industry_order, return_dtype=pl.Int64).alias("_i"),
    ).sort(["_s", "_i"])
    return ordered.with_columns(python_column(ordered, INDUSTRY, industry_name, INDUSTRY)).select(
        [SUBJECT, INDUSTRY, count.column, status_column(count.column), sdc.N_EXCLUDED]
    )


def flows_read_well(frame: pl.DataFrame, count: str) -> str | None:
    """Why a flow chart of `frame` would mislead (None: it reads well): too few flows with a figure, or fewer than
    half of them shown, or everything in one subject or one industry."""
    shown = frame.filter(pl.col(status_column(count)).is_null())
    if shown.height < MIN_SHOWN_FLOWS or shown.height * 2 < frame.height:
        return (
            f"No flow chart: only {shown.height} of the {frame.height} flows have a figure that can be shown "
            "(suppressed or too few graduates), so a diagram would leave out too much. The table lists every flow."
        )
    if shown[SUBJECT].n_unique() < 2 or shown[INDUSTRY].n_unique() < 2:
        return "No flow chart: the flows that can be shown all start in one subject or end in one industry."
    return None


def _flow_figure(count: str) -> Callable[[pl.DataFrame], go.Figure]:
    def draw(frame: pl.DataFrame) -> go.Figure:
        shown = frame.filter(pl.col(status_column(count)).is_null())
        subjects = list(dict.fromkeys(frame[SUBJECT].to_list()))
        industries = list(dict.fromkeys(frame[INDUSTRY].to_list()))
        subject_colours = [
            charts.MUTED if name == OTHER_SUBJECTS else charts.colour(i if i < 4 else i + 1)  # skip dark grey
            for i, name in enumerate(subjects)
        ]
        full = [charts.plain_text(n) for n in subjects + industries]
        labels = [n if len(n) <= LABEL_CHARS else n[: LABEL_CHARS - 1].rstrip() + "…" for n in full]
        index = {name: i for i, name in enumerate(subjects + industries)}
        # Nodes kept in rank order, largest at the top and each "Other" group last, rather than re-ordered by
        # Plotly: x and y are node centres, spaced by each node's share of the flows shown.
        values = shown[count].to_list()
        positions: list[float] = []
        for names, column in ((subjects, SUBJECT), (industries, INDUSTRY)):
            totals = [
                sum(v for v, n in zip(values, shown[column].to_list(), strict=True) if n == name) for name in names
            ]
            grand = sum(totals) or 1.0
            below = 0.0
            for total in totals:
                positions.append(0.02 + 0.96 * (below + total / 2) / grand)
                below += total
        figure = go.Figure(
            go.Sankey(
                arrangement="snap",
                node={
                    "x": [0.001] * len(subjects) + [0.999] * len(industries),
                    "y": positions,
                    "label": labels,
                    "customdata": full,
                    "color": subject_colours + [charts.DARK_GREY] * len(industries),
                    "pad": 14,
                    "thickness": 16,
                    "line": {"color": "#FFFFFF", "width": 0.5},
                    "hovertemplate": "%{customdata}: %{value:,.0f} graduates<extra></extra>",
                },
                link={
                    "source": [index[s] for s in shown[SUBJECT].to_list()],
                    "target": [index[i] for i in shown[INDUSTRY].to_list()],
                    "value": shown[count].to_list(),
                    "color": [charts.rgba(subject_colours[index[s]], 0.45) for s in shown[SUBJECT].to_list()],
                    "customdata": [
                        f"{charts.plain_text(s)} → {charts.plain_text(i)}"
                        for s, i in zip(shown[SUBJECT].to_list(), shown[INDUSTRY].to_list(), strict=True)
                    ],
                    "hovertemplate": "%{customdata}: %{value:,.0f} graduates<extra></extra>",
                },
                textfont={"family": charts.FONT_FAMILY, "size": 13, "color": "#0B0C0C"},
            )
        )
        figure.update_layout(height=560, margin={"l": 20, "r": 20})
        return figure

    return draw


def flows_view(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> View:
    """Subject studied -> industry for the chosen years, region and basis: a Sankey diagram where it reads well,
    always the table of flows and its downloads."""
    count = count_columns(entry)[spec.basis]
    frame = flows_frame(entry, spec, data_dir=data_dir)
    year = period_label(options(entry, data_dir=data_dir).period)
    why_not = flows_read_well(frame, count.column)
    shown = frame.filter(pl.col(status_column(count.column)).is_null())
    who = f"{spec.years_after} years after graduation, graduates {_who(spec)} {_where(spec)}"
    if shown.is_empty():
        summary = f"No flow from a subject to an industry can be shown for graduates {who}."
    else:
        top = shown.filter(pl.col(SUBJECT) != OTHER_SUBJECTS).filter(pl.col(INDUSTRY) != OTHER_INDUSTRIES)
        top = (top if top.height else shown).sort(count.column, descending=True).row(0, named=True)
        summary = (
            f"Of the subjects and industries shown separately, the largest flow of first-degree graduates {who} was "
            f"from {charts.plain_text(top[SUBJECT])} to {charts.plain_text(top[INDUSTRY]).lower()} "
            f"({top[count.column]:,.0f} graduates)."
        )
    left_out = int(frame[sdc.N_EXCLUDED].sum())
    notes = [why_not] if why_not else []
    return make_view(
        key=VIEW_FLOWS,
        entry=entry,
        title=f"Flows of first-degree graduates from subject studied to industry, {spec.years_after} years after "
        f"graduation, graduates {_who(spec)} {_where(spec)}, tax year {year}: the {TOP_SUBJECTS} largest subjects "
        f"and {TOP_INDUSTRIES} largest industries",
        frame=frame,
        columns=[
            Column(SUBJECT, "Subject studied"),
            Column(INDUSTRY, "Industry (SIC section)"),
            Column.for_indicator(count, dp=0),
        ],
        summary=summary,
        filters=[
            ("Tax year", year),
            ("Years after graduation", spec.years_after),
            ("Region", spec.region),
            ("Basis", BASES[spec.basis]),
        ],
        build_figure=None if why_not else _flow_figure(count.column),
        notes=notes,
        extra_footnotes=[
            f"Subjects and industries are ranked by their graduates in this selection; the {TOP_SUBJECTS} largest "
            f"subjects and {TOP_INDUSTRIES} largest industries are shown separately and the rest grouped as "
            f"'{OTHER_SUBJECTS}' and '{OTHER_INDUSTRIES}'.",
            "A flow of one subject, one industry and one region is the published count; any other flow is worked out "
            "by LEO Explorer by adding published counts (across grouped subjects and "
            "industries"
            + (", and across the nine regions for England" if spec.region == ENGLAND else "")
            + f"), rounded to the nearest {entry.disclosure.count_base} and suppressed under "
            f"{entry.disclosure.min_count}. Counts the publisher gives no number for are left out "
            f"({left_out} here); a flow that would leave out exactly one suppressed count is suppressed. Median "
            "earnings are never combined, so the flows carry no earnings.",
        ],
        charted=[count.column],
    )

"""Graduate industry: which industries a subject's graduates work in, and which subjects feed an industry.

Reads a regional table such as DfE's LEO graduate industry release (first-degree graduates by region, subject,
years after graduation and industry, with median earnings). Figures for one region are as published; figures for
England are sums of the regions' published counts, so they are derived (D3: rounded to the table's count base,
`c` below the minimum; any suppressed or unavailable region makes the sum `c`/`x`). Shares are derived (D4: a
numerator of at least 3 and a denominator of at least 6 people). Median earnings are only ever the published
figure for one region and industry: never combined across regions (D5).

Path, as on every page: `query.select` -> `sdc.protect` (published cells) / `sdc.aggregate` (England) -> shares ->
`sdc.guard` -> `views.make_view`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import charts, page_support, query, sdc
from leo_dash.model import Indicator, TableEntry, status_column
from leo_dash.periods import period_label
from leo_dash.sentences import upper_first
from leo_dash.views import Column, View, make_view

PAGE = "industry"
VIEW_INDUSTRIES = "industry-shares"
VIEW_SUBJECTS = "industry-subjects"
VIEW_FLOWS = "industry-flows"
TOP_SUBJECTS = 5  # subjects drawn one by one in the flow chart (the rest grouped): with their group, six colours
TOP_INDUSTRIES = 6
OTHER_SUBJECTS = "Other subjects"
OTHER_INDUSTRIES = "Other industries"
MIN_SHOWN_FLOWS = 4  # fewer flows with a figure than this, or fewer than half of them shown: no flow chart
ENGLAND = "England"
REGIONAL = "Regional"  # the geographic level of the rows this page reads
SHARE = "share"
INDUSTRY = "industry"
SUBJECT = "subject"
PREFERRED_YAG = "5"
LABEL_CHARS = 60  # longest axis label before it is shortened
BASES: dict[str, str] = {"living": "Where graduates live", "trained": "Where graduates studied"}
_BASE_COLUMN_HINTS = {"living": "living", "trained": "trained"}


@dataclass(frozen=True)
class IndustrySpec:
    """One page state: the URL parameters and a briefing item."""

    table_id: str
    years_after: str
    subject: str
    region: str  # ENGLAND or a region name
    basis: str  # key of BASES
    industry: str  # the industry whose subjects the second view ranks


def supports(entry: TableEntry) -> bool:
    """A regional table with subject, years after graduation, region and industry roles and graduate counts."""
    roles = all(entry.role(r) for r in ("time", "subject", "years_after", "region", "industry"))
    return roles and bool(count_columns(entry)) and REGIONAL in query.levels(entry)


def count_columns(entry: TableEntry) -> dict[str, Indicator]:
    """The graduate counts the page can use, by basis ('living', 'trained')."""
    out: dict[str, Indicator] = {}
    for key, hint in _BASE_COLUMN_HINTS.items():
        for indicator in entry.visible_indicators("count", "base"):
            if hint in indicator.column.lower():
                out[key] = indicator
                break
    return out


def earnings_indicator(entry: TableEntry) -> Indicator | None:
    return next(iter(entry.visible_indicators("earnings")), None)


@dataclass(frozen=True)
class Options:
    years_after: tuple[str, ...]
    subjects: tuple[str, ...]
    regions: tuple[str, ...]
    industries: tuple[str, ...]
    bases: tuple[str, ...]
    all_subjects: str | None
    period: int


def options(entry: TableEntry, *, data_dir: Path | None = None) -> Options:
    def values(role: str) -> list[str]:
        return query.distinct_values(entry, role, data_dir=data_dir)

    years = sorted(values("years_after"), key=query.numeric_order)
    subjects = values("subject")
    total = query.default_item(entry, str(entry.role("subject")), subjects)
    ordered = ([total] if total else []) + sorted(s for s in subjects if s != total)
    periods = sorted(int(p) for p in values("time"))
    return Options(
        years_after=tuple(years),
        subjects=tuple(ordered),
        regions=(ENGLAND, *sorted(values("region"))),
        industries=tuple(sorted(values("industry"))),
        bases=tuple(k for k in BASES if k in count_columns(entry)),
        all_subjects=total,
        period=periods[-1],
    )


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[IndustrySpec, list[str]]:
    """A spec from URL parameters with the page's defaults, and notes on values that could not be used."""
    found = options(entry, data_dir=data_dir)
    notes: list[str] = []

    def pick(key: str, allowed: Sequence[str], default: str, what: str) -> str:
        return page_support.link_choice(params, key, allowed, default, notes, what=what)

    yag_default = PREFERRED_YAG if PREFERRED_YAG in found.years_after else found.years_after[-1]
    subject_default = found.all_subjects or found.subjects[0]
    spec = IndustrySpec(
        table_id=entry.id,
        years_after=pick("yag", found.years_after, yag_default, "years after graduation"),
        subject=pick("subject", found.subjects, subject_default, "subject"),
        region=pick("region", found.regions, ENGLAND, "region"),
        basis=pick("basis", found.bases, found.bases[0], "basis"),
        industry=pick("industry", found.industries, found.industries[0], "industry"),
    )
    return spec, notes


def spec_params(spec: IndustrySpec) -> dict[str, list[str]]:
    return {
        "table": [spec.table_id],
        "yag": [spec.years_after],
        "subject": [spec.subject],
        "region": [spec.region],
        "basis": [spec.basis],
        "industry": [spec.industry],
    }


# --------------------------------------------------------------------------------------------------------------
# Protected frames


def _counts(
    entry: TableEntry, spec: IndustrySpec, by: str, where: dict[str, list[str]], *, data_dir: Path | None
) -> pl.DataFrame:
    """One row per `by` item: the graduate count (published for a region, derived for England) and, for a region,
    the published median earnings; protected."""
    count = count_columns(entry)[spec.basis]
    earnings = earnings_indicator(entry)
    industry, subject, region = (str(entry.role(r)) for r in ("industry", "subject", "region"))
    key = industry if by == INDUSTRY else subject
    selection = {"years_after": [spec.years_after], query.LEVEL_COLUMN: [REGIONAL], **where}
    if spec.region != ENGLAND:
        selection["region"] = [spec.region]
    vary = [key] + ([subject] if by == SUBJECT else [])
    indicators = [count] + ([earnings] if earnings is not None else [])
    if earnings is not None and earnings.base and earnings.base != count.column:
        indicators.append(entry.indicator(earnings.base))
    columns = [key, *(i.column for i in indicators)]
    rows = query.select(entry, selection, vary=vary, columns=columns, data_dir=data_dir)
    if spec.region != ENGLAND:
        frame = sdc.protect(rows, indicators, entry.disclosure)
    else:
        # England: the regions' published counts summed (derived, D3); earnings never combined (D5: x).
        frame = sdc.aggregate(rows, [key], [count], entry.disclosure)
        if earnings is not None:
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.Float64).alias(earnings.column),
                pl.lit(sdc.NOT_AVAILABLE).alias(status_column(earnings.column)),
            )
    keep = [key, count.column, status_column(count.column)]
    if earnings is not None:
        keep += [earnings.column, status_column(earnings.column)]
    return frame.select(keep).rename({key: by})


def _with_shares(frame: pl.DataFrame, count: str, entry: TableEntry) -> tuple[pl.DataFrame, float | None, str | None]:
    """Each row's share of all rows with a shown count (D4 per share), and that total (derived, D3)."""
    shown = frame.filter(pl.col(status_column(count)).is_null())
    total_value = float(shown[count].sum()) if shown.height else None
    total, total_status = sdc.derived_count(total_value, entry.disclosure)
    shares: list[float | None] = []
    statuses: list[str | None] = []
    for value, status in zip(frame[count].to_list(), frame[status_column(count)].to_list(), strict=True):
        if status is not None or total is None:
            shares.append(None)
            statuses.append(status or total_status or sdc.SUPPRESSED)
            continue
        share, share_status = sdc.share(value, total_value, entry.disclosure)
        shares.append(share)
        statuses.append(share_status)
    return (
        frame.with_columns(
            pl.Series(SHARE, shares, dtype=pl.Float64), pl.Series(status_column(SHARE), statuses, dtype=pl.String)
        ),
        total,
        total_status,
    )


def industry_name(item: str) -> str:
    """SIC section names are published in capitals: 'INFORMATION AND COMMUNICATION' -> 'Information and
    communication'."""
    return upper_first(item.lower()) if item.isupper() else item


def _ranked(frame: pl.DataFrame, count: str, name: str) -> pl.DataFrame:
    return frame.sort([pl.col(count).is_null(), pl.col(count), pl.col(name)], descending=[False, True, False])


def industries_frame(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> pl.DataFrame:
    subject = str(entry.role("subject"))
    frame = _counts(entry, spec, INDUSTRY, {subject: [spec.subject]}, data_dir=data_dir)
    count = count_columns(entry)[spec.basis].column
    frame, _total, _status = _with_shares(frame, count, entry)
    frame = frame.with_columns(pl.col(INDUSTRY).map_elements(industry_name, return_dtype=pl.String))
    return _ranked(frame, count, INDUSTRY)


def subjects_frame(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> pl.DataFrame:
    industry = str(entry.role("industry"))
    frame = _counts(entry, spec, SUBJECT, {industry: [spec.industry]}, data_dir=data_dir)
    found = options(entry, data_dir=data_dir)
    # The all-subjects row is the industry's total, not a subject: it is not ranked among them.
    frame = frame.filter(pl.col(SUBJECT) != (found.all_subjects or ""))
    count = count_columns(entry)[spec.basis].column
    frame, _total, _status = _with_shares(frame, count, entry)
    return _ranked(frame, count, SUBJECT)


# --------------------------------------------------------------------------------------------------------------
# Views


def _where(spec: IndustrySpec) -> str:
    return "in England (all regions)" if spec.region == ENGLAND else f"in {spec.region}"


def _who(spec: IndustrySpec) -> str:
    return "living" if spec.basis == "living" else "who studied"


def _bar_figure(name: str, x_title: str) -> Callable[[pl.DataFrame], go.Figure]:
    """Horizontal bars of the share, largest at the top; a row without a share keeps its place with no bar."""

    def draw(frame: pl.DataFrame) -> go.Figure:
        full = [charts.plain_text(str(v)) for v in frame[name].to_list()]
        # A few SIC section names run past 100 characters: shortened on the axis (so the bars keep their width),
        # whole in the hover text and the table.
        names = [n if len(n) <= LABEL_CHARS else n[: LABEL_CHARS - 1].rstrip() + "…" for n in full]
        figure = go.Figure(
            go.Bar(
                x=frame[SHARE].to_list(),
                y=names,
                customdata=full,
                orientation="h",
                marker={"color": charts.DARK_BLUE},
                hovertemplate="%{customdata}: %{x:.1f}%<extra></extra>",
                name="Share of graduates",
            )
        )
        figure.update_layout(
            yaxis={
                "categoryorder": "array",
                "categoryarray": list(reversed(names)),
                "automargin": True,
                "title": None,
            },  # fmt: skip
            xaxis={"title": x_title, "ticksuffix": "%", "rangemode": "tozero", "gridcolor": "#E5E5E5"},
            showlegend=False,
            height=160 + 26 * max(len(names), 4),
        )
        return figure

    return draw


def _share_columns(entry: TableEntry, spec: IndustrySpec, name: str, label: str) -> list[Column]:
    count = count_columns(entry)[spec.basis]
    columns = [
        Column(name, label),
        Column(SHARE, "Share of graduates (%)", "value", "%", 1),
        Column.for_indicator(count, dp=0),
    ]
    earnings = earnings_indicator(entry)
    if earnings is not None:
        columns.append(Column.for_indicator(earnings, dp=0, label=f"{earnings.label} (£, cash terms)"))
    return columns


def _top_sentence(frame: pl.DataFrame, name: str, lead: str, what: str) -> str:
    shown = frame.filter(pl.col(status_column(SHARE)).is_null())
    if shown.is_empty():
        return f"{lead}: no {what} has a share that can be shown (suppressed or too few graduates)."
    top = shown.sort(SHARE, descending=True).row(0, named=True)
    gaps = frame.height - shown.height
    sentence = f"{lead}: the largest share was {charts.plain_text(str(top[name]))} ({top[SHARE]:.1f}%)."
    if gaps:
        plural = {"industry": "industries", "subject": "subjects"}.get(what, what + "s")
        sentence += f" {gaps} {what if gaps == 1 else plural} cannot be shown (suppressed or too few graduates)."
    return sentence


def _footnotes(entry: TableEntry, spec: IndustrySpec) -> list[str]:
    notes = [
        "Shares are of graduates in rows with a published count; they are worked out by LEO Explorer (not "
        "published) and hidden where the numerator is under 3 or the total under 6 graduates.",
    ]
    if spec.region == ENGLAND:
        notes.append(
            "England figures add up the regions' published counts (rounded to the nearest "
            f"{entry.disclosure.count_base}); median earnings are published for one region at a time and are never "
            "combined across regions, so they are shown for a single region only."
        )
    return notes


def _share_view(
    entry: TableEntry,
    spec: IndustrySpec,
    *,
    key: str,
    by: str,
    frame: pl.DataFrame,
    what: str,
    chosen: tuple[str, str],
    axis: str,
    notes: Sequence[str],
    data_dir: Path | None,
) -> View:
    """A ranked share-of-graduates view: `what` describes the graduates ('of Computing', 'working in education'),
    `chosen` is the filter row naming them."""
    year = period_label(options(entry, data_dir=data_dir).period)
    who = f"{spec.years_after} years after graduation {_who(spec)} {_where(spec)}"
    heading = "Industries of" if by == INDUSTRY else "Subjects studied by"
    return make_view(
        key=key,
        entry=entry,
        # 'of Computing 5 years after ...' reads on; 'working in education, 5 years after ...' needs the comma.
        title=f"{heading} first-degree graduates {what}{',' if by == SUBJECT else ''} {spec.years_after} years after "
        f"graduation, graduates {_who(spec)} {_where(spec)}, tax year {year}",
        frame=frame,
        columns=_share_columns(entry, spec, by, "Industry (SIC section)" if by == INDUSTRY else "Subject studied"),
        summary=_top_sentence(frame, by, f"Of graduates {what} {who}", by),
        filters=[
            ("Tax year", year),
            ("Years after graduation", spec.years_after),
            chosen,
            ("Region", spec.region),
            ("Basis", BASES[spec.basis]),
        ],
        build_figure=_bar_figure(by, axis),
        notes=notes,
        extra_footnotes=_footnotes(entry, spec),
        charted=[SHARE],
    )


def industries_view(
    entry: TableEntry, spec: IndustrySpec, *, notes: Sequence[str] = (), data_dir: Path | None = None
) -> View:
    subject = "all subjects" if spec.subject == options(entry, data_dir=data_dir).all_subjects else spec.subject
    return _share_view(
        entry,
        spec,
        key=VIEW_INDUSTRIES,
        by=INDUSTRY,
        frame=industries_frame(entry, spec, data_dir=data_dir),
        what=f"of {subject}",
        chosen=("Subject", spec.subject),
        axis="Share of graduates (%)",
        notes=notes,
        data_dir=data_dir,
    )


def subjects_view(entry: TableEntry, spec: IndustrySpec, *, data_dir: Path | None = None) -> View:
    industry = industry_name(spec.industry)
    return _share_view(
        entry,
        spec,
        key=VIEW_SUBJECTS,
        by=SUBJECT,
        frame=subjects_frame(entry, spec, data_dir=data_dir),
        what=f"working in {industry.lower()}",
        chosen=("Industry", industry),
        axis="Share of the industry's graduates (%)",
        notes=(),
        data_dir=data_dir,
    )


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
    return (
        flows.with_columns(
            pl.col(SUBJECT).replace_strict(subject_order, return_dtype=pl.Int64).alias("_s"),
            pl.col(INDUSTRY).replace_strict(industry_order, return_dtype=pl.Int64).alias("_i"),
        )
        .sort(["_s", "_i"])
        .with_columns(pl.col(INDUSTRY).map_elements(industry_name, return_dtype=pl.String))
        .select([SUBJECT, INDUSTRY, count.column, status_column(count.column), sdc.N_EXCLUDED])
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


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's views from its URL parameters (for briefings), over the tables the user may see."""
    entry = page_support.table_for_params(params, tables, supports)
    if entry is None:
        return []
    spec, notes = spec_from_params(entry, params, data_dir=data_dir)
    return [
        industries_view(entry, spec, notes=notes, data_dir=data_dir),
        subjects_view(entry, spec, data_dir=data_dir),
        flows_view(entry, spec, data_dir=data_dir),
    ]

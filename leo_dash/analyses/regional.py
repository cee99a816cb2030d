"""Regional mobility and earnings: where first-degree graduates studied and where they live, region by region.

Reads the same regional table as the Graduate industry page (DfE's LEO graduate industry release: graduates counted
in the region where they studied and, separately, in the region where they live, by subject, years after
graduation and industry, with median earnings of those living in the region). For one subject and years after
graduation it gives, for each of England's nine regions:

- graduates living in the region and graduates who studied there: published, for one industry; for all industries
  the sum of the industries' published counts (derived, D3: rounded to the table's count base, `c` below its
  minimum; the source publishes no all-industries total, so cells without a number are left out of the sum, and
  leaving out exactly one suppressed cell hides the sum, as `sdc.aggregate(published_cells_only=True)` does);
- the net gain or loss (living minus studied) and that net as a percentage of those who studied there: arithmetic
  on the two figures shown beside them, so it reveals nothing they do not; a gap wherever either is hidden, and the
  percentage hidden below the table's minimum share denominator (D4);
- median earnings of graduates living in the region: for one industry only, as published (D5: never combined
  across industries, so there is no all-industries median).

Path, as on every page: `query.select` -> `sdc.protect` (one industry) / `sdc.aggregate` (all industries) ->
net figures -> `views.make_view` (choropleth map on a committed boundary file, table, downloads).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.analyses import industry, page_support
from leo_dash.analyses.controls import Ask, LabelledSelect, PageText, Params, Select
from leo_dash.core import paths, query
from leo_dash.core.model import Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present import charts
from leo_dash.present.views import Column, View, format_number, make_view, symbol_label

PAGE = "regional"
VIEW_MAP = "regional-map"
BOUNDARIES = paths.PROJECT_ROOT / "data" / "geography" / "england_regions.geojson"
ALL_INDUSTRIES = "all"
ALL_INDUSTRIES_LABEL = "All industries"
REGION = "region"
REGION_CODE = "region_code"
LIVING, TRAINED, NET, NET_PCT, EARNINGS = "living", "trained", "net", "net_pct", "earnings"
N_LEFT_OUT = "industries_left_out"
MEASURES: dict[str, str] = {
    LIVING: "Graduates living in the region",
    TRAINED: "Graduates who studied in the region",
    NET: "Net gain or loss of graduates (living minus studied)",
    NET_PCT: "Net gain or loss as a percentage of graduates who studied in the region",
    EARNINGS: "Median earnings of graduates living in the region",
}
TITLES: dict[str, str] = {
    LIVING: "Graduates living in each region",
    TRAINED: "Graduates who studied in each region",
    NET: "Net gain or loss of graduates in each region (living there minus studied there)",
    NET_PCT: "Net gain or loss of graduates in each region as a percentage of those who studied there",
    EARNINGS: "Median earnings of graduates living in each region",
}
SUMMARY_WHAT: dict[str, str] = {
    LIVING: "the number living in the region",
    TRAINED: "the number who studied in the region",
    NET: "the net gain (living there minus studied there)",
    NET_PCT: "the net gain as a percentage of those who studied there",
    EARNINGS: "median earnings of those living in the region",
}
DIVERGING = (NET, NET_PCT)  # measures with a meaningful zero: drawn on a two-hue scale centred on it
MAP_HEIGHT = 640  # the map's plot area before notes: tall enough for England's shape at a readable size
PLOT_HEIGHT = MAP_HEIGHT - charts.HOUSE_TOP - charts.HOUSE_BOTTOM  # kept when titles and notes grow the margins
MAP_FILL = 0.92  # share of the plot area's height England fills (room for the title, legend and colour bar)
BOUNDARY_COLOUR = "#505A5F"  # GOV.UK dark grey: every region keeps a visible edge, also a near-white one (3:1)
GAP_COLOUR = "#B1B4B6"  # GOV.UK mid-grey: a region with no figure (suppressed or not available), never a colour
# Sequential single-hue scale (light to the palette's dark blue) for counts and earnings; for net figures, orange
# (loss) through white to dark blue (gain), both ends from the Analysis Function palette.
SEQUENTIAL = [[0.0, "#D6E4F0"], [0.5, "#5B8DB8"], [1.0, charts.DARK_BLUE]]
DIVERGING_SCALE = [[0.0, charts.ORANGE], [0.5, "#F7F7F7"], [1.0, charts.DARK_BLUE]]


@dataclass(frozen=True)
class RegionalSpec:
    """One page state: the URL parameters and a briefing item."""

    table_id: str
    years_after: str
    subject: str
    industry: str  # ALL_INDUSTRIES or an industry item
    measure: str  # key of MEASURES


# --------------------------------------------------------------------------------------------------------------
# Boundaries


@functools.lru_cache(maxsize=2)
def _boundaries(path: Path, mtime_ns: int) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def boundaries(path: Path = BOUNDARIES) -> dict:
    """England's nine regions as GeoJSON (feature id = ONS region code; see data/geography/README.md)."""
    return _boundaries(path, path.stat().st_mtime_ns)


def region_codes() -> dict[str, str]:
    """Region name -> ONS code, from the boundary file (names as in data/ons_geography_codes.csv)."""
    return {f["properties"]["name"]: f["id"] for f in boundaries()["features"]}


# --------------------------------------------------------------------------------------------------------------
# What the page can show


def _counts(entry: TableEntry) -> dict[str, Indicator]:
    return industry.count_columns(entry)


def supports(entry: TableEntry) -> bool:
    """A table the Graduate industry page can show, with both counts: where graduates live and where they studied."""
    return industry.supports(entry) and {LIVING, TRAINED} <= set(_counts(entry))


@dataclass(frozen=True)
class Options:
    years_after: tuple[str, ...]
    subjects: tuple[str, ...]
    industries: tuple[str, ...]  # ALL_INDUSTRIES first
    all_subjects: str | None
    period: int


def options(entry: TableEntry, *, data_dir: Path | None = None) -> Options:
    found = industry.options(entry, data_dir=data_dir)
    return Options(
        years_after=found.years_after,
        subjects=found.subjects,
        industries=(ALL_INDUSTRIES, *found.industries),
        all_subjects=found.all_subjects,
        period=found.period,
    )


def industry_label(item: str) -> str:
    return ALL_INDUSTRIES_LABEL if item == ALL_INDUSTRIES else industry.industry_name(item)


def measures(entry: TableEntry, industry_item: str) -> tuple[str, ...]:
    """Measures on offer: median earnings only for one industry (published per industry, never combined, D5)."""
    earnings = industry.earnings_indicator(entry) is not None and industry_item != ALL_INDUSTRIES
    return tuple(m for m in MEASURES if m != EARNINGS or earnings)


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> tuple[RegionalSpec, list[str]]:
    """A spec from URL parameters with the page's defaults, and notes on values that could not be used."""
    found = options(entry, data_dir=data_dir)
    notes: list[str] = []

    def pick(key: str, allowed: Sequence[str], default: str, what: str, shown: str | None = None) -> str:
        # "here": a measure can be in the table but not on offer for the chosen industry (medians: one industry only)
        return page_support.link_choice(
            params, key, allowed, default, notes, what=what, shown=shown, reason="is not available here"
        )

    yag_default = page_support.default_years_after(found.years_after)
    chosen_industry = pick("industry", found.industries, ALL_INDUSTRIES, "industry", ALL_INDUSTRIES_LABEL.lower())
    offered = measures(entry, chosen_industry)
    spec = RegionalSpec(
        table_id=entry.id,
        years_after=pick("yag", found.years_after, yag_default, "years after graduation"),
        subject=pick("subject", found.subjects, found.all_subjects or found.subjects[0], "subject"),
        industry=chosen_industry,
        measure=pick("measure", offered, LIVING, "measure", MEASURES[LIVING].lower()),
    )
    return spec, notes


def spec_params(spec: RegionalSpec) -> dict[str, list[str]]:
    return page_support.link_params(
        table=spec.table_id, yag=spec.years_after, subject=spec.subject, industry=spec.industry, measure=spec.measure
    )


TEXT = PageText(
    intro=(
        "How many first-degree graduates studied in each of England's regions and how many live there, the net "
        "gain or loss, and (for one industry) the median earnings of those living there, by subject and years "
        "after graduation. Choose what the map shows; every figure is also in the table."
    ),
    no_table=(
        "No approved table gives graduates by region of study and region of residence. An administrator can "
        "register one with `python -m leo_dash add` (roles subject, years_after, region and industry, with counts "
        "of graduates living in and trained in each region)."
    ),
)


def choose(entry: TableEntry, ask: Ask) -> Params:
    """The page's controls, top to bottom (the measures on offer follow the industry), and their URL parameters."""
    found = options(entry)
    defaults, _ = spec_from_params(entry, {})  # the defaults, written once, in spec_from_params
    yag = ask(Select("Years after graduation", "yag", found.years_after, defaults.years_after))
    subject = ask(Select("Subject studied", "subject", found.subjects, defaults.subject))
    sector = ask(
        LabelledSelect("Industry", "industry", {i: industry_label(i) for i in found.industries}, defaults.industry)
    )
    sector = sector or defaults.industry
    shown = {m: MEASURES[m] for m in measures(entry, sector)}
    measure = ask(LabelledSelect("Map shows", "measure", shown, defaults.measure, follow_default=True))
    spec = RegionalSpec(
        table_id=entry.id,
        years_after=yag or defaults.years_after,
        subject=subject or defaults.subject,
        industry=sector,
        measure=measure or defaults.measure,
    )
    return spec_params(spec)


# --------------------------------------------------------------------------------------------------------------
# Protected frame


def _shown(value: float | None, status: str | None) -> float | None:
    return value if status is None else None


def _net_columns(frame: pl.DataFrame, entry: TableEntry) -> pl.DataFrame:
    """Net gain or loss and its percentage of those who studied in the region, from the two counts as shown."""
    profile = entry.disclosure
    nets: list[float | None] = []
    net_statuses: list[str | None] = []
    pcts: list[float | None] = []
    pct_statuses: list[str | None] = []
    for row in frame.iter_rows(named=True):
        living = _shown(row[LIVING], row[status_column(LIVING)])
        trained = _shown(row[TRAINED], row[status_column(TRAINED)])
        hidden = row[status_column(LIVING)] or row[status_column(TRAINED)]
        if living is None or trained is None:
            status = (
                sdc.SUPPRESSED
                if sdc.SUPPRESSED in (row[status_column(LIVING)], row[status_column(TRAINED)])
                else (hidden or sdc.NOT_AVAILABLE)
            )
            nets.append(None), net_statuses.append(status), pcts.append(None), pct_statuses.append(status)
            continue
        nets.append(living - trained)
        net_statuses.append(None)
        # A ratio of two figures the table shows (not a share of a group of people: D4's numerator test does not
        # apply); hidden on a denominator under the table's minimum share denominator.
        if trained < profile.share_min_denominator:
            pcts.append(None), pct_statuses.append(sdc.SUPPRESSED)
            continue
        pcts.append(sdc.round_half_up((living - trained) / trained * 100, 10**-profile.rate_dp))
        pct_statuses.append(None)
    return frame.with_columns(
        pl.Series(NET, nets, dtype=pl.Float64),
        pl.Series(status_column(NET), net_statuses, dtype=pl.String),
        pl.Series(NET_PCT, pcts, dtype=pl.Float64),
        pl.Series(status_column(NET_PCT), pct_statuses, dtype=pl.String),
    )


def _with_paired_status(rows: pl.DataFrame, living: str, trained: str) -> pl.DataFrame:
    """An industry row whose living or trained count is hidden is left out of both sums (so the two sums, and the
    net worked out from them, cover the same industries): each count takes the stronger of the two symbols."""
    a, b = pl.col(status_column(living)), pl.col(status_column(trained))
    paired = (
        pl.when((a == sdc.SUPPRESSED) | (b == sdc.SUPPRESSED)).then(pl.lit(sdc.SUPPRESSED)).otherwise(pl.coalesce(a, b))
    )
    return rows.with_columns(
        paired.alias(status_column(living)),
        paired.alias(status_column(trained)),
    ).with_columns(pl.when(pl.col(status_column(c)).is_null()).then(pl.col(c)).alias(c) for c in (living, trained))


def regions_frame(entry: TableEntry, spec: RegionalSpec, *, data_dir: Path | None = None) -> pl.DataFrame:
    """One row per region (all nine, in code order): counts, net figures and (one industry) median earnings, each
    with its status; a region the table has no row for is `x`."""
    counts = _counts(entry)
    living, trained = counts[LIVING], counts[TRAINED]
    earnings = industry.earnings_indicator(entry)
    region, industry_col, subject = (str(entry.role(r)) for r in ("region", "industry", "subject"))
    selection: dict[str, list[str]] = {
        "years_after": [spec.years_after],
        query.LEVEL_COLUMN: [industry.REGIONAL],
        subject: [spec.subject],
    }
    one_industry = spec.industry != ALL_INDUSTRIES
    if one_industry:
        selection[industry_col] = [spec.industry]
    indicators = [living, trained] + ([earnings] if earnings is not None and one_industry else [])
    columns = [region, industry_col, *(i.column for i in indicators)]
    rows = query.select(entry, selection, vary=[region, industry_col], columns=columns, data_dir=data_dir)
    if one_industry:
        frame = sdc.protect(rows, indicators, entry.disclosure).with_columns(pl.lit(0).alias(N_LEFT_OUT))
    else:
        paired = _with_paired_status(rows, living.column, trained.column)
        frame = sdc.aggregate(paired, [region], [living, trained], entry.disclosure, published_cells_only=True).rename(
            {sdc.N_EXCLUDED: N_LEFT_OUT}
        )
    rename = {region: REGION, living.column: LIVING, trained.column: TRAINED}
    rename |= {
        status_column(living.column): status_column(LIVING),
        status_column(trained.column): status_column(TRAINED),
    }
    if earnings is not None and one_industry:
        rename |= {earnings.column: EARNINGS, status_column(earnings.column): status_column(EARNINGS)}
    frame = frame.rename(rename)
    if EARNINGS not in frame.columns:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(EARNINGS), pl.lit(sdc.NOT_AVAILABLE).alias(status_column(EARNINGS))
        )
    keep = [REGION, LIVING, status_column(LIVING), TRAINED, status_column(TRAINED), EARNINGS, status_column(EARNINGS)]
    frame = frame.select([*keep, pl.col(N_LEFT_OUT).cast(pl.Int64)])
    codes = region_codes()
    every = pl.DataFrame({REGION: list(codes), REGION_CODE: list(codes.values())})
    frame = every.join(frame, on=REGION, how="left").with_columns(
        sdc.missing_as_not_available(c) for c in (LIVING, TRAINED, EARNINGS)
    )
    return _net_columns(frame, entry).sort(REGION_CODE)


# --------------------------------------------------------------------------------------------------------------
# View


def _columns(entry: TableEntry, spec: RegionalSpec) -> list[Column]:
    columns = [
        Column(REGION, "Region"),
        Column(LIVING, MEASURES[LIVING], "value"),
        Column(TRAINED, MEASURES[TRAINED], "value"),
        Column(NET, "Net gain or loss (living minus studied)", "value"),
        Column(NET_PCT, "Net gain or loss as % of those who studied there", "value", "%", entry.disclosure.rate_dp),
    ]
    if spec.industry != ALL_INDUSTRIES and industry.earnings_indicator(entry) is not None:
        columns.append(Column(EARNINGS, f"{MEASURES[EARNINGS]} (£, cash terms)", "value", "£", 0))
    return columns


def _unit(measure: str) -> str:
    return {NET_PCT: "%", EARNINGS: "£"}.get(measure, "")


def _hover_value(value: float | None, status: str | None, measure: str, dp: int) -> str:
    if status is not None or value is None:
        return symbol_label(status or sdc.NOT_AVAILABLE)
    text = format_number(value, _unit(measure), dp if measure == NET_PCT else 0)
    return f"+{text}" if measure in DIVERGING and value > 0 else text


def _map_figure(spec: RegionalSpec, dp: int):
    def draw(frame: pl.DataFrame) -> go.Figure:
        geojson = boundaries()
        measure = spec.measure
        shown = frame.filter(pl.col(status_column(measure)).is_null())
        gaps = frame.filter(pl.col(status_column(measure)).is_not_null())
        label = MEASURES[measure]
        values = shown[measure].to_list()
        colour: dict[str, object] = {"colorscale": SEQUENTIAL}
        if measure in DIVERGING:
            reach = max((abs(v) for v in values), default=1.0) or 1.0
            colour = {"colorscale": DIVERGING_SCALE, "zmid": 0, "zmin": -reach, "zmax": reach}
        elif values and measure == EARNINGS:  # the regions' spread, which a scale from £0 would flatten
            colour |= {"zmin": min(values), "zmax": max(values)}
        elif values:
            colour |= {"zmin": min(0.0, min(values)), "zmax": max(values)}
        unit = _unit(measure)
        figure = go.Figure()
        figure.add_trace(
            go.Choroplethmap(
                geojson=geojson,
                featureidkey="id",
                locations=shown[REGION_CODE].to_list(),
                z=values,
                customdata=[
                    [charts.plain_text(r), _hover_value(v, None, measure, dp)]
                    for r, v in zip(shown[REGION].to_list(), values, strict=True)
                ],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
                marker={"line": {"color": BOUNDARY_COLOUR, "width": 0.8}},
                colorbar={
                    "title": {"text": charts.plain_text(_colourbar_title(measure)), "side": "right"},
                    "tickprefix": "£" if unit == "£" else "",
                    "ticksuffix": "%" if unit == "%" else "",
                    "tickformat": ",.0f",
                    "thickness": 16,
                    "len": 0.8,
                },
                name=charts.plain_text(label),
                showlegend=False,
                **colour,
            )
        )
        if gaps.height:
            figure.add_trace(
                go.Choroplethmap(
                    geojson=geojson,
                    featureidkey="id",
                    locations=gaps[REGION_CODE].to_list(),
                    z=[0] * gaps.height,
                    colorscale=[[0, GAP_COLOUR], [1, GAP_COLOUR]],
                    showscale=False,
                    customdata=[
                        [charts.plain_text(r), symbol_label(s)]
                        for r, s in zip(gaps[REGION].to_list(), gaps[status_column(measure)].to_list(), strict=True)
                    ],
                    hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
                    marker={"line": {"color": BOUNDARY_COLOUR, "width": 0.8}},
                    name="No figure (suppressed or not available)",
                    showlegend=True,
                )
            )
        figure.update_layout(
            # A blank background (no tiles: the app runs offline), centred and zoomed on England's regions.
            map={"style": "white-bg", "fitbounds": False, **view_of(geojson, PLOT_HEIGHT)},
            height=MAP_HEIGHT,
            showlegend=bool(gaps.height),
            # Inside the map's empty lower-left corner, away from the title.
            legend={"orientation": "v", "x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom"},
            meta={"measure": measure},
        )
        return figure

    return draw


def view_of(geojson: dict, height: int) -> dict[str, object]:
    """Map centre and zoom that fit every feature into `height` pixels (Web Mercator, 512-pixel tiles), with a
    margin: set explicitly rather than by `fitbounds`, which is not applied when the figure is exported as an image."""
    lons, lats = [], []
    for feature in geojson["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for lon, lat in polygon[0]:
                lons.append(lon)
                lats.append(lat)

    def mercator(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    south, north = mercator(min(lats)), mercator(max(lats))
    span = (north - south) / (2 * math.pi)  # share of the world's height
    zoom = math.log2(height * MAP_FILL / (512 * span))
    middle = math.degrees(2 * math.atan(math.exp((south + north) / 2)) - math.pi / 2)
    return {"center": {"lon": (min(lons) + max(lons)) / 2, "lat": middle}, "zoom": round(zoom, 2)}


def _colourbar_title(measure: str) -> str:
    return {
        LIVING: "Graduates living",
        TRAINED: "Graduates who studied",
        NET: "Net gain or loss",
        NET_PCT: "Net gain or loss (%)",
        EARNINGS: "Median earnings",
    }[measure]


def _subject_words(spec: RegionalSpec, found: Options) -> str:
    return "all subjects" if spec.subject == found.all_subjects else spec.subject


def _industry_words(spec: RegionalSpec) -> str:
    return "all industries" if spec.industry == ALL_INDUSTRIES else industry.industry_name(spec.industry).lower()


def _summary(frame: pl.DataFrame, spec: RegionalSpec, who: str, dp: int) -> str:
    measure = spec.measure
    shown = frame.filter(pl.col(status_column(measure)).is_null())
    if shown.is_empty():
        return f"For {who}, no region has a figure that can be shown (suppressed or not available)."
    ranked = shown.sort(measure, descending=True)
    top, bottom = ranked.row(0, named=True), ranked.row(-1, named=True)
    what = SUMMARY_WHAT[measure]
    sentence = f"For {who}, {what} was highest in {top[REGION]} ({_hover_value(top[measure], None, measure, dp)})" + (
        f" and lowest in {bottom[REGION]} ({_hover_value(bottom[measure], None, measure, dp)})."
        if ranked.height > 1
        else "."
    )
    gaps = frame.height - shown.height
    if gaps:
        sentence += f" {gaps} {'region has' if gaps == 1 else 'regions have'} no figure (suppressed or not available)."
    return sentence


def _footnotes(entry: TableEntry, spec: RegionalSpec, frame: pl.DataFrame) -> list[str]:
    base = entry.disclosure.count_base
    notes = [
        "Graduates are counted twice over: once in the region where they studied and once in the region where they "
        "lived in the tax year. The net gain or loss is the number living in a region minus the number who studied "
        "there; it is worked out by LEO Explorer from the two published figures (not published), and shown only "
        "where both are. Both counts are rounded to the nearest "
        f"{base}, so a net figure of a few tens may be rounding alone.",
        "The net gain or loss as a percentage is of the graduates who studied in the region; it is hidden where fewer "
        f"than {entry.disclosure.share_min_denominator} graduates studied there.",
    ]
    if spec.industry == ALL_INDUSTRIES:
        left_out = int(frame[N_LEFT_OUT].fill_null(0).sum())
        notes.append(
            "All industries: the publisher gives no all-industries total, so LEO Explorer adds up the industries' "
            f"published counts (rounded to the nearest {base}; under {entry.disclosure.min_count} shown as "
            "suppressed). An industry whose count is not available for either where graduates lived or where they "
            f"studied is left out of both sums ({left_out} such industry "
            f"{'row' if left_out == 1 else 'rows'} across the regions); if exactly one suppressed count would be "
            "left out of a region's sum, the sum is suppressed too. Median earnings are published for one industry "
            "at a time and never combined, so they are shown only when one industry is chosen."
        )
    else:
        notes.append(
            "Counts and median earnings for one industry are as published (counts rounded to the nearest "
            f"{base}, earnings to the nearest £{entry.disclosure.earnings_base})."
        )
    notes.append(
        "Regions are England's nine regions (ONS codes E12000001 to E12000009). Boundaries: Office for National "
        "Statistics, Open Government Licence v3.0; contains OS data © Crown copyright and database right 2014."
    )
    return notes


def map_view(entry: TableEntry, spec: RegionalSpec, *, notes: Sequence[str] = (), data_dir: Path | None = None) -> View:
    found = options(entry, data_dir=data_dir)
    year = period_label(found.period)
    dp = entry.disclosure.rate_dp
    frame = regions_frame(entry, spec, data_dir=data_dir)
    subject, sector = _subject_words(spec, found), _industry_words(spec)
    who = (
        f"first-degree graduates of {subject} working in {sector}, {spec.years_after} years after graduation "
        f"(tax year {year})"
    )
    view = make_view(
        key=VIEW_MAP,
        entry=entry,
        title=f"{TITLES[spec.measure]}: first-degree graduates of {subject} working in {sector}, "
        f"{spec.years_after} years after graduation, tax year {year}",
        frame=frame,
        columns=_columns(entry, spec),
        summary=_summary(frame, spec, who, dp),
        filters=[
            ("Tax year", year),
            ("Years after graduation", spec.years_after),
            ("Subject", spec.subject),
            ("Industry", industry_label(spec.industry)),
            ("Map shows", MEASURES[spec.measure]),
        ],
        build_figure=_map_figure(spec, dp),
        notes=notes,
        extra_footnotes=_footnotes(entry, spec, frame),
        charted=[spec.measure],
    )
    if view.figure is not None:
        charts.keep_plot_area(view.figure)  # the zoom fits England into PLOT_HEIGHT pixels
    return view


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's view from its URL parameters (for briefings), over the tables the user may see."""
    return page_support.one_view_from_link(params, tables, supports, spec_from_params, map_view, data_dir=data_dir)

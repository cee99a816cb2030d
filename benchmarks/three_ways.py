"""The same view computed three ways in one run.

The view: median earnings by years after graduation for one provider's three largest subjects in the latest tax
year, all graduates (characteristic Total), drawn as one line per subject.

(a) LEO Explorer's path: query.select by roles -> sdc.protect -> views.make_view with its Plotly figure.
(b) The floor: pl.scan_parquet of the prepared parquet + the same filter written by hand + the same columns as
    (a)'s query returns (values and the status columns disclosure control needs), collect.
(c) What an analyst does without us: pandas.read_csv of the EES CSV + the same filter + a Plotly figure.
    (c*) the same with read_csv(engine="pyarrow"), for an analyst who knows that option.

All paths must return the same rows (checked, untimed) so the ratios compare like with like.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import polars as pl

from benchmarks.measure import Timing, timed
from leo_dash import sdc
from leo_dash.core import query, store
from leo_dash.core.model import Indicator, TableEntry, status_column
from leo_dash.present.views import Column, View, make_view


@dataclass(frozen=True)
class ViewSpec:
    """The filter every path applies (by column name: roles resolved once, untimed)."""

    provider_column: str
    provider: int | str
    subject_column: str
    subjects: tuple[str, ...]
    time_column: str
    period: int
    yag_column: str
    yags: tuple[int | str, ...]
    pinned: tuple[tuple[str, str], ...]  # other breakdowns pinned to their Total item
    measure: Indicator
    quartiles: tuple[Indicator, ...]  # lower and upper quartile, when the table has them
    base: Indicator | None


def _earnings_indicators(entry: TableEntry) -> tuple[Indicator, tuple[Indicator, ...], Indicator | None]:
    earnings = entry.visible_indicators("earnings")
    median = next((i for i in earnings if "median" in i.column), earnings[0])
    quartiles = tuple(i for i in earnings if i is not median and any(w in i.column for w in ("lq", "uq")))
    base = entry.indicator(median.base) if median.base else None
    return median, quartiles, base


def choose_view(entry: TableEntry, parquet: Path) -> ViewSpec:
    """The provider with the most published rows in the latest year, and its three largest subjects."""
    role = {r: str(entry.role(r)) for r in ("provider_id", "subject", "time", "years_after")}
    pid, subject, time, yag = role["provider_id"], role["subject"], role["time"], role["years_after"]
    pinned = tuple(
        (str(entry.role(r)), "Total") for r in ("characteristic_type", "characteristic_value") if entry.role(r)
    )
    median, quartiles, base = _earnings_indicators(entry)
    scan = pl.scan_parquet(parquet)
    latest = scan.select(pl.col(time).max()).collect().item()
    rows = scan.filter(
        (pl.col(time) == latest)
        & pl.col(pid).is_not_null()
        & (pl.col(subject) != "Total")
        & pl.col(median.column).is_not_null()
        & pl.all_horizontal([pl.col(c) == v for c, v in pinned])
    )
    provider = rows.group_by(pid).len().sort(["len", pid], descending=[True, False]).collect()[pid][0]
    subjects = (
        rows.filter(pl.col(pid) == provider)
        .group_by(subject)
        .agg(pl.col(base.column if base else median.column).sum().alias("size"))
        .sort(["size", subject], descending=[True, False])
        .collect()[subject]
        .head(3)
        .to_list()
    )
    yags = tuple(scan.filter(pl.col(pid).is_not_null()).select(pl.col(yag).unique().sort()).collect()[yag].to_list())
    return ViewSpec(
        pid, provider, subject, tuple(subjects), time, int(latest), yag, yags, pinned, median, quartiles, base
    )


def line_figure(
    subjects: Sequence[str], x: Sequence[Sequence[object]], y: Sequence[Sequence[float | None]]
) -> go.Figure:
    """One line per subject (shared by paths a and c, so the figure work is the same)."""
    figure = go.Figure()
    for name, xs, ys in zip(subjects, x, y, strict=True):
        figure.add_trace(go.Scatter(x=[str(v) for v in xs], y=list(ys), mode="lines+markers", name=name))
    figure.update_layout(xaxis_title="Years after graduation", yaxis_title="Median earnings (£)")
    return figure


# ------------------------------------------------------------------------------------------------ (a) LEO Explorer


def leo_path(
    entry: TableEntry, spec: ViewSpec, data_dir: Path | None = None, stages: dict[str, list[float]] | None = None
) -> View:
    """(a). With `stages`, the seconds of each stage (select, protect, view and figure) are appended to it."""
    indicators = [spec.measure, *spec.quartiles, *([spec.base] if spec.base else [])]
    started = time.perf_counter()
    frame = query.select(
        entry,
        {
            "provider_id": [spec.provider],
            "subject": list(spec.subjects),
            "time": [spec.period],
            "years_after": list(spec.yags),
        },
        columns=["subject", "years_after", *[i.column for i in indicators]],
        data_dir=data_dir,
    )
    selected = time.perf_counter()
    protected = sdc.protect(frame, indicators, entry.disclosure).sort([spec.subject_column, spec.yag_column])
    protected_at = time.perf_counter()

    def build(shown: pl.DataFrame) -> go.Figure:
        parts = shown.partition_by(spec.subject_column, as_dict=True, maintain_order=True)
        names = [str(k[0]) for k in parts]
        return line_figure(
            names,
            [p[spec.yag_column].to_list() for p in parts.values()],
            [p[spec.measure.column].to_list() for p in parts.values()],
        )

    view = make_view(
        key="bench-three-ways",
        entry=entry,
        title=f"Median earnings by years after graduation, provider {spec.provider}",
        frame=protected,
        columns=[
            Column(spec.subject_column, "Subject"),
            Column(spec.yag_column, "Years after graduation"),
            Column.for_indicator(spec.measure),
        ],
        summary="Median earnings by years after graduation for three subjects.",
        build_figure=build,
    )
    if stages is not None:
        finished = time.perf_counter()
        for name, seconds in (
            ("select", selected - started),
            ("protect", protected_at - selected),
            ("view_and_figure", finished - protected_at),
        ):
            stages.setdefault(name, []).append(seconds)
    return view


# ------------------------------------------------------------------------------------------------ (b) the floor


def bare_filter(spec: ViewSpec, schema: pl.Schema) -> pl.Expr:
    def literal(column: str, value: object) -> object:
        return int(value) if schema[column].is_integer() else str(value)  # type: ignore[call-overload]

    expr = (
        (pl.col(spec.provider_column) == literal(spec.provider_column, spec.provider))
        & pl.col(spec.subject_column).is_in(list(spec.subjects))
        & (pl.col(spec.time_column) == literal(spec.time_column, spec.period))
        & pl.col(spec.yag_column).is_in([literal(spec.yag_column, y) for y in spec.yags])
    )
    for column, item in spec.pinned:
        expr = expr & (pl.col(column) == item)
    return expr


def bare_columns(spec: ViewSpec, schema: pl.Schema) -> list[str]:
    """The columns (a)'s query returns: dimensions, and each indicator with its status column (disclosure control
    needs the symbols and the earnings base), so the floor reads exactly what LEO Explorer reads."""
    indicators = [spec.measure, *spec.quartiles, *([spec.base] if spec.base else [])]
    wanted = [spec.subject_column, spec.yag_column]
    for indicator in indicators:
        wanted += [c for c in (indicator.column, status_column(indicator.column)) if c in schema]
    return wanted


def bare_path(parquet: Path, spec: ViewSpec) -> pl.DataFrame:
    scan = pl.scan_parquet(parquet)
    schema = scan.collect_schema()
    return scan.filter(bare_filter(spec, schema)).select(bare_columns(spec, schema)).collect()


# ------------------------------------------------------------------------------------------------ (c) the analyst


def analyst_path(csv: Path, spec: ViewSpec, *, engine: str = "c") -> tuple[pd.DataFrame, go.Figure]:
    frame = pd.read_csv(csv, engine=engine)  # type: ignore[call-overload]

    def cast(column: str, values: Sequence[object]) -> list[object]:
        kind = frame[column].dtype.kind
        return [int(v) for v in values] if kind in "iu" else [str(v) for v in values]  # type: ignore[call-overload]

    mask = (
        frame[spec.provider_column].isin(cast(spec.provider_column, [spec.provider]))
        & frame[spec.subject_column].isin(list(spec.subjects))
        & frame[spec.time_column].isin(cast(spec.time_column, [spec.period]))
        & frame[spec.yag_column].isin(cast(spec.yag_column, spec.yags))
    )
    for column, item in spec.pinned:
        mask &= frame[column] == item
    chosen = frame.loc[mask, [spec.subject_column, spec.yag_column, spec.measure.column]].copy()
    # Symbols such as "c" make the column text: the analyst coerces them to NaN.
    chosen[spec.measure.column] = pd.to_numeric(chosen[spec.measure.column], errors="coerce")
    chosen = chosen.sort_values([spec.subject_column, spec.yag_column])
    groups = list(chosen.groupby(spec.subject_column, sort=False))
    figure = line_figure(
        [str(name) for name, _ in groups],
        [g[spec.yag_column].tolist() for _, g in groups],
        [g[spec.measure.column].tolist() for _, g in groups],
    )
    return chosen, figure


# ------------------------------------------------------------------------------------------------ the comparison


@dataclass(frozen=True)
class ThreeWays:
    rows: int  # rows the view holds (the same in every path)
    table_rows: int
    leo: Timing
    bare: Timing
    analyst: Timing
    analyst_pyarrow: Timing | None
    leo_stages: dict[str, float]  # median seconds of select / protect / view+figure, over the runs timed as (a)

    @property
    def a_over_b(self) -> float:
        return self.leo.median / self.bare.median

    @property
    def c_over_a(self) -> float:
        return self.analyst.median / self.leo.median

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "table_rows": self.table_rows,
            "a_leo": self.leo.as_dict(),
            "b_bare": self.bare.as_dict(),
            "c_analyst": self.analyst.as_dict(),
            "c_analyst_pyarrow": self.analyst_pyarrow.as_dict() if self.analyst_pyarrow else None,
            "a_over_b": self.a_over_b,
            "c_over_a": self.c_over_a,
            "leo_stages_median_s": self.leo_stages,
        }


def compare(
    entry: TableEntry,
    csv: Path,
    *,
    data_dir: Path | None = None,
    repeats: int = 30,
    analyst_repeats: int = 3,
    with_pyarrow: bool = True,
) -> ThreeWays:
    parquet = store.prepare(entry, data_dir=data_dir).parquet
    spec = choose_view(entry, parquet)
    # Sanity (untimed): every path finds the same rows.
    leo_rows = leo_path(entry, spec, data_dir).frame.height
    bare_rows = bare_path(parquet, spec).height
    analyst_rows = analyst_path(csv, spec)[0].shape[0]
    if not leo_rows == bare_rows == analyst_rows or leo_rows == 0:
        raise AssertionError(f"paths disagree: leo {leo_rows}, bare {bare_rows}, analyst {analyst_rows} rows")
    # Warm both fast paths (caches of distinct values, OS page cache), then interleave so drift hits both alike.
    leo_path(entry, spec, data_dir)
    bare_path(parquet, spec)
    leo_samples, bare_samples = [], []
    stages: dict[str, list[float]] = {}
    for _ in range(repeats):
        leo_samples.append(timed(lambda: leo_path(entry, spec, data_dir, stages))[0])
        bare_samples.append(timed(lambda: bare_path(parquet, spec))[0])
    analyst = Timing(tuple(timed(lambda: analyst_path(csv, spec))[0] for _ in range(analyst_repeats)))
    pyarrow = (
        Timing(tuple(timed(lambda: analyst_path(csv, spec, engine="pyarrow"))[0] for _ in range(analyst_repeats)))
        if with_pyarrow
        else None
    )
    table_rows = pl.scan_parquet(parquet).select(pl.len()).collect().item()
    return ThreeWays(
        rows=leo_rows,
        table_rows=int(table_rows),
        leo=Timing(tuple(leo_samples)),
        bare=Timing(tuple(bare_samples)),
        analyst=analyst,
        analyst_pyarrow=pyarrow,
        leo_stages={name: statistics.median(values) for name, values in stages.items()},
    )

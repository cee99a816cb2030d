"""View models: what every renderer (chart, table, CSV/XLSX download, briefing) consumes.

A View is built only by `make_view`, and `make_view` runs the disclosure check itself (`check_view_frame`) before
anything is drawn, so a new analysis cannot show a frame that skipped disclosure control; the chart, the table and
the downloads are all renderings of that one checked frame, so they cannot disagree (D10). Number formats follow GSS
style: £29,300 · 72.4% · 12,340.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from leo_dash import sdc
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, TableEntry, status_column
from leo_dash.present.charts import finish_figure
from leo_dash.sdc import class_disclosure_note, round_half_up

ColumnKind = Literal["dimension", "value"]
DEMO_WARNING = "Synthetic demo data: these figures are made up for demonstration and are not official statistics."


@dataclass(frozen=True)
class Column:
    """One column of a view's table: a dimension (label text) or a value (number + status)."""

    name: str
    label: str
    kind: ColumnKind = "dimension"
    unit: str = ""  # "", "%", "pp", "£", "£m"
    dp: int = 0

    @staticmethod
    def for_indicator(indicator: Indicator, *, dp: int | None = None, label: str | None = None) -> Column:
        default_dp = indicator.dp if indicator.dp is not None else (1 if indicator.unit in ("%", "pp") else 0)
        return Column(
            indicator.column, label or indicator.label, "value", indicator.unit, dp if dp is not None else default_dp
        )


@dataclass(frozen=True)
class View:
    """A titled, footnoted, disclosure-controlled frame and the chart drawn from it."""

    key: str  # stable id for widgets and downloads, e.g. "institutions-ranked"
    title: str
    frame: pl.DataFrame  # protected frame: dimension columns, value columns and their status columns
    columns: tuple[Column, ...]
    summary: str  # one sentence for screen readers and briefings; never cites a suppressed value
    source: str
    footnotes: tuple[str, ...] = ()
    demo: bool = False
    table_id: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (label, chosen value) pairs, for download headers and briefings
    figure: go.Figure | None = None
    notes: tuple[str, ...] = ()  # on-screen notes (e.g. gaps explained), also exported as footnotes
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))

    @property
    def all_footnotes(self) -> tuple[str, ...]:
        extra = (DEMO_WARNING,) if self.demo else ()
        return extra + self.notes + self.footnotes

    def table(self) -> pl.DataFrame:
        """The table exactly as shown on screen: formatted text, symbols as their labels."""
        return display_table(self.frame, self.columns)

    def data(self) -> pl.DataFrame:
        """The same rows and columns as data, for downloads: numbers as shown (rounded the same way), each value
        column followed by its status column holding the symbol where no number may be shown."""
        return data_table(self.frame, self.columns)


def format_number(value: float | None, unit: str = "", dp: int = 0) -> str:
    """GSS number style: £29,300 · 72.4% · 1,234 · +2.1pp. Half-up rounding for display (D8)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    rounded = round_half_up(value, 10**-dp) if dp > 0 else round_half_up(value, 1)
    text = f"{abs(rounded):,.{dp}f}"
    sign = "-" if rounded < 0 else ""
    if unit == "£":
        return f"{sign}£{text}"
    if unit == "£m":
        return f"{sign}£{text}m"
    if unit == "%":
        return f"{sign}{text}%"
    if unit == "pp":
        return f"{sign}{text} percentage point" + ("" if text == "1" else "s")
    return f"{sign}{text}"


def python_column(
    frame: pl.DataFrame, name: str, function: Callable[..., object], *columns: str, dtype: pl.DataType = pl.String
) -> pl.Series:
    """A column `name` of `function` over each row's `columns` (one column: a null stays null, unformatted).

    Python formatting runs here, row by row, never as a callback inside a Polars query (`map_elements`): a callback
    needs the GIL on a Polars worker thread while another session's thread may hold it waiting for those workers,
    and that deadlock hung a whole server (see `sdc.with_rounded`).
    """
    rows = frame.select(columns).iter_rows()
    if len(columns) == 1:
        values = [None if value is None else function(value) for (value,) in rows]
    else:
        values = [function(*row) for row in rows]
    return pl.Series(name, values, dtype=dtype)


def symbol_label(symbol: str | None) -> str:
    return SYMBOL_LABELS.get(symbol or "", symbol or "")


def display_table(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    """Formatted text table: values in GSS style, missing values as the symbol's label (never blank, never 0)."""
    out: dict[str, list[str]] = {}
    for col in columns:
        if col.kind == "dimension":
            out[col.label] = ["" if v is None else str(v) for v in frame[col.name].to_list()]
            continue
        values = frame[col.name].to_list()
        status_name = status_column(col.name)
        statuses = frame[status_name].to_list() if status_name in frame.columns else [None] * len(values)
        cells: list[str] = []
        for value, status in zip(values, statuses, strict=True):
            if status is not None:
                cells.append(symbol_label(status))
            elif value is None:
                cells.append(symbol_label("x"))
            else:
                cells.append(format_number(value, col.unit, col.dp))
        out[value_heading(col)] = cells
    return pl.DataFrame(out, schema=dict.fromkeys(out, pl.String))


def value_heading(col: Column) -> str:
    """The heading of a value column on screen and in downloads: its label, with its unit when the label lacks it."""
    return col.label if not col.unit or col.unit in col.label else f"{col.label} ({col.unit})"


def status_heading(col: Column) -> str:
    return f"{value_heading(col)} status"


def shown_number(value: float | None, dp: int) -> float | None:
    """A value rounded exactly as `format_number` shows it (half-up, D8), as a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    rounded = float(round_half_up(value, 10**-dp) if dp > 0 else round_half_up(value, 1))
    return round(rounded, dp) if dp > 0 else rounded


def data_table(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    """Typed table for downloads, as EES publishes data: dimension columns as text, value columns as numbers (null
    where a symbol stands), each followed by a status column with the symbol (c, x, z, low, u) or null."""
    out: dict[str, pl.Series] = {}
    for col in columns:
        if col.kind == "dimension":
            out[col.label] = pl.Series(
                col.label, ["" if v is None else str(v) for v in frame[col.name].to_list()], dtype=pl.String
            )
            continue
        values = frame[col.name].to_list()
        status_name = status_column(col.name)
        statuses = frame[status_name].to_list() if status_name in frame.columns else [None] * len(values)
        numbers: list[float | None] = []
        symbols: list[str | None] = []
        for value, status in zip(values, statuses, strict=True):
            if status is None and value is None:
                status = "x"  # shown as 'Not available' on screen
            numbers.append(None if status is not None else shown_number(value, col.dp))
            symbols.append(status)
        heading = value_heading(col)
        out[heading] = pl.Series(heading, numbers, dtype=pl.Float64)
        out[status_heading(col)] = pl.Series(status_heading(col), symbols, dtype=pl.String)
    return pl.DataFrame(list(out.values()))


def symbols_in(frame: pl.DataFrame, value_columns: Sequence[str]) -> dict[str, int]:
    """How many cells carry each symbol across the given value columns."""
    counts: dict[str, int] = {}
    for name in value_columns:
        status_name = status_column(name)
        if status_name not in frame.columns:
            continue
        for symbol, n in frame[status_name].drop_nulls().value_counts().iter_rows():
            counts[symbol] = counts.get(symbol, 0) + int(n)
    return counts


def gap_note(frame: pl.DataFrame, value_columns: Sequence[str], *, chart: bool = True) -> str | None:
    """A sentence explaining gaps in a chart (or, with `chart=False`, missing table values): which symbols, how
    many, and what they mean. None if no gaps."""
    counts = symbols_in(frame, value_columns)
    if not counts:
        return None
    parts = [
        f"{n:,} {'value' if n == 1 else 'values'} {SYMBOL_MEANINGS.get(s, s)} ('{s}')"
        for s, n in sorted(counts.items())
    ]
    return ("Gaps in the chart are not zero: " if chart else "Missing values are not zero: ") + "; ".join(parts) + "."


def charted_columns(columns: Sequence[Column]) -> list[str]:
    """The value columns a chart draws by default: figures with a unit (rates, earnings, changes). Counts and bases
    sit in the table beside them, so a suppressed rate on a suppressed base is one gap, not two."""
    values = [c for c in columns if c.kind == "value"]
    with_unit = [c.name for c in values if c.unit]
    return with_unit or [c.name for c in values]


def source_line(entry: TableEntry) -> str:
    label = "Synthetic demo data generated by LEO Explorer" if entry.demo else entry.publication
    return f"Source: {label}" + (f" ({entry.licence})" if entry.licence and not entry.demo else "")


def filters_text(filters: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in filters)


def make_view(
    *,
    key: str,
    entry: TableEntry,
    title: str,
    frame: pl.DataFrame,
    columns: Sequence[Column],
    summary: str,
    filters: Sequence[tuple[str, str]] = (),
    build_figure: Callable[[pl.DataFrame], go.Figure] | None = None,
    notes: Sequence[str] = (),
    extra_footnotes: Sequence[str] = (),
    charted: Sequence[str] | None = None,
) -> View:
    """Assemble a View from a protected frame; the figure is drawn from that same frame, with gaps explained.

    `charted` names the value columns the figure draws (default: `charted_columns`); the gap note counts those."""
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        raise KeyError(f"view {key}: frame lacks column(s) {missing}")
    check_view_frame(key, frame, columns, entry)
    all_notes = list(notes)
    if build_figure is not None:
        note = gap_note(frame, list(charted) if charted is not None else charted_columns(columns))
    else:
        note = gap_note(frame, [c.name for c in columns if c.kind == "value"], chart=False)
    if note:
        all_notes.append(note)
    figure = build_figure(frame) if build_figure is not None else None
    view = View(
        key=key,
        title=title,
        frame=frame,
        columns=tuple(columns),
        summary=summary,
        source=source_line(entry),
        footnotes=tuple(extra_footnotes) + tuple(entry.footnotes) + _class_disclosure_footnote(entry, columns),
        demo=entry.demo,
        table_id=entry.id,
        filters=tuple(filters),
        figure=figure,
        notes=tuple(all_notes),
    )
    if figure is not None:
        finish_figure(figure, view)
    return view


def counts_of_cells(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Status columns for value columns that count cells of the table, not people (a view's "cells used"): they
    always show, a missing count is 'x'. Every value column of a view carries a status column (`check_view_frame`)."""
    return frame.with_columns(
        pl.when(pl.col(c).is_null()).then(pl.lit("x")).otherwise(pl.lit(None, pl.String)).alias(status_column(c))
        for c in names
    )


def check_view_frame(key: str, frame: pl.DataFrame, columns: Sequence[Column], entry: TableEntry) -> None:
    """Refuse (DisclosureError) a frame no protection step could have produced, whatever analysis built it.

    No single-person column may show (D5). Every value column is held to `sdc.check_visible`'s rules for published
    cells: a status column (D2), no number beside a symbol (D1), no gap without one (D2), and for the table's own
    indicators their D5/D9 rules; rows `sdc.aggregate` combined from several cells (`n_rows` > 1) are also held to
    the derived-figure rules (D3/D4/D5/D9). The analysis's own data step runs the full guard for its derivations;
    this is the floor no view can go below."""
    values = [c for c in columns if c.kind == "value"]
    declared = {i.column: i for i in entry.indicators}
    single_person = [
        c.name
        for c in values
        if (c.name in declared and declared[c.name].hidden)
        or (c.unit in ("£", "£m") and sdc.is_single_person_extreme(c.name, c.label))
    ]
    problems = [f"D5: {name} holds single-person values and must not be shown" for name in single_person]
    # On a table whose unit is set by a filter item (a count in one data_type, a % in another) each column was held
    # to its resolved kind by the analysis's own guard; the table-wide declaration would judge it by the wrong rules.
    shown = [c for c in values if c.name not in single_person]
    own = [declared[c.name] for c in shown if c.name in declared and not entry.unit_filter]
    # A column that is not one of the table's indicators (a change, a gap, a count of cells) gets the cell rules only.
    others = [Indicator(c.name, c.label, "other") for c in shown if c.name not in {i.column for i in own}]
    combined = pl.col(sdc.N_ROWS).fill_null(1) > 1 if sdc.N_ROWS in frame.columns else pl.lit(False)
    problems += sdc.check_visible(frame, others, entry.disclosure, derived=False)
    problems += sdc.check_visible(frame.filter(~combined), own, entry.disclosure, derived=False)
    if own and not problems:
        problems += sdc.check_visible(frame.filter(combined), own, entry.disclosure, derived=True)
    if problems:
        raise sdc.DisclosureError([f"view {key}: {p}" for p in problems])


def _class_disclosure_footnote(entry: TableEntry, columns: Sequence[Column]) -> tuple[str, ...]:
    """Why a published 0%/100% on a tiny base shows as c (D9 on published cells), where the view shows such rates."""
    shown = {c.name for c in columns if c.kind == "value"}
    rates_with_bases = any(i.kind == "rate" and i.base and i.column in shown for i in entry.indicators)
    return class_disclosure_note(rates_with_bases, entry.disclosure)

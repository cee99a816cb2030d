"""Writing a demo file and its EES `.meta.csv` (data standard §1-§3)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class MetaRow:
    col_name: str
    col_type: str  # Filter | Indicator
    label: str
    indicator_grouping: str = ""
    indicator_unit: str = ""
    indicator_dp: str = ""
    filter_hint: str = ""
    filter_grouping_column: str = ""
    filter_default: str = ""


FIRST_ITEM = "<first item>"
META_HEADER: tuple[str, ...] = tuple(f.name for f in fields(MetaRow))  # the meta file's columns, in EES order


def _write_pair(frame: pl.DataFrame, meta: Sequence[MetaRow], path: Path) -> list[Path]:
    """Write name.csv and name.meta.csv, LF line endings, UTF-8.

    The meta file lists only columns the file has, and no filter that has a single item in this file (EES refuses a
    one-item filter; a single-valued column without a meta row is fine). A filter_default of FIRST_ITEM becomes the
    column's first item in this file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, line_terminator="\n", quote_style="necessary")
    return [path, _write_meta(frame, meta, path)]


def _write_meta(frame: pl.DataFrame, meta: Sequence[MetaRow], path: Path) -> Path:
    """Write the meta file of the data file at `path`, from `frame`: the file's rows, or its distinct filter rows
    with the file's first row first (all that the rules in `_write_pair` read)."""
    meta_path = path.with_suffix(".meta.csv")
    with meta_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(META_HEADER)
        for row in meta:
            if row.col_name not in frame.columns:
                continue
            if row.col_type == "Filter" and frame[row.col_name].n_unique() < 2:
                continue
            values = [getattr(row, c) for c in META_HEADER]
            if row.filter_default == FIRST_ITEM:
                values[META_HEADER.index("filter_default")] = str(frame[row.col_name][0])
            writer.writerow(values)
    return meta_path

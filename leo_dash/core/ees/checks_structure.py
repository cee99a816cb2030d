"""Structure checks: columns (L3), the metadata file (L4-L11, L21 in the metadata, L7 warnings), columns that
identify people (A1) and API lengths (L26)."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from leo_dash.core.ees.findings import _Recorder
from leo_dash.core.ees.reading import _Cells, _first, _quote_list
from leo_dash.core.ees.rules import (
    _SNAKE_CASE,
    COLUMN_NAME_LIMIT,
    GEOGRAPHY_CODE_COLUMNS,
    GEOGRAPHY_NAME_COLUMNS,
    INDICATOR_UNITS,
    ITEM_LIMIT,
    LABEL_LIMIT,
    LOCATION_CODE_LIMIT,
    MANDATORY_COLUMNS,
    META_OPTIONAL_COLUMNS,
    META_REQUIRED_COLUMNS,
    NULL_SYMBOLS,
    OBSERVATIONAL_COLUMNS,
    _personal_reason,
)


class _StructureChecks(_Recorder):
    """L3-L11, A1, L26: the shape of the data and meta files, judged by their columns and meta rows."""

    columns: list[str]
    df: _Cells
    meta: pl.DataFrame | None
    meta_file: str
    meta_rows: list[dict[str, str]]
    filters: list[str]
    filter_groups: list[str]
    indicators: list[str]

    # --- L3: columns --------------------------------------------------------------------------------------------
    def _check_columns(self) -> None:
        missing = [c for c in MANDATORY_COLUMNS if c not in self.columns]
        if missing:
            self.error("L3", f"{self.file} is missing: {_quote_list(missing)}.", row=1, column=missing[0])
        for c in self.columns:
            if not c.strip():
                self.error("L3", f"{self.file} has a column with no name.", row=1)
            elif re.search(r"\s", c):
                self.error("L3", f"Column name '{c}' has spaces; EES refuses it.", row=1, column=c)
            elif not _SNAKE_CASE.match(c):
                self.warn("L3", f"Column name '{c}' is not snake_case.", row=1, column=c)

    # --- L4-L11: metadata ---------------------------------------------------------------------------------------
    def _check_meta(self) -> None:
        if self.meta is None:
            return
        self._check_meta_header()
        names_seen: dict[str, int] = {}
        labels_seen: dict[str, int] = {}
        for i, r in enumerate(self.meta_rows):
            self._check_meta_row(i + 2, r, names_seen, labels_seen)
        self._check_undeclared_columns(set(names_seen))

    def _check_meta_header(self) -> None:
        """L4: the meta file's own columns; L21: NULL-like symbols anywhere in it."""
        assert self.meta is not None
        mf = self.meta_file
        present = list(self.meta.columns)
        lacks = [c for c in META_REQUIRED_COLUMNS if c not in present]
        extra = [c for c in present if c not in META_REQUIRED_COLUMNS + META_OPTIONAL_COLUMNS]
        if lacks:
            self.error("L4", f"{mf} lacks column(s): {_quote_list(lacks)}.", row=1, column=lacks[0], file=mf)
        if extra:
            self.error("L4", f"{mf} has unexpected column(s): {_quote_list(extra)}.", row=1, column=extra[0], file=mf)
        # NULL-like symbols anywhere in the metadata (L21, as in the data).
        for c in present:
            hits = self.meta.select(pl.col(c).is_in(NULL_SYMBOLS).arg_true().first()).item()
            if hits is not None:
                value = self.meta.get_column(c)[hits]
                self.error(
                    "L21",
                    f"{mf} uses '{value}' in {c}; use GSS symbols or leave it blank.",
                    row=hits + 2,
                    column=c,
                    file=mf,
                )

    def _check_meta_row(
        self, row: int, r: dict[str, str], names_seen: dict[str, int], labels_seen: dict[str, int]
    ) -> None:
        """One meta row: L5 type and name, L6 label, L8 no time/geography rows, L7/L9-L11 fields, L26 label length."""
        mf = self.meta_file
        name, col_type, label = r["col_name"], r["col_type"], r["label"]
        where: dict[str, Any] = {"row": row, "column": name or None, "file": mf}
        # L5: col_type and col_name
        bad = []
        if col_type not in ("Filter", "Indicator"):
            bad.append(f"col_type '{col_type}'")
        if not name:
            bad.append("no col_name")
        elif re.search(r"\s", name):
            bad.append(f"col_name '{name}' has spaces")
        elif name in names_seen:
            bad.append(f"col_name '{name}' repeats row {names_seen[name]}")
        if bad:
            self.error("L5", f"Meta row {row}: bad col_type or col_name ({'; '.join(bad)}).", **where)
        # Names must be unique as written; like the EES screener, punctuation is stripped only when comparing
        # filter items and grouping columns (L17), never column names (`l2by16` beside `l2_by16` is fine).
        if name and name not in names_seen:
            names_seen[name] = row
        display = name or f"Meta row {row}"
        # L6: labels
        if not label:
            self.error("L6", f"{display} has a missing or duplicate label (label is blank).", **where)
        elif label in labels_seen:
            self.error(
                "L6",
                f"{display} has a missing or duplicate label ('{label}' is also on row {labels_seen[label]}).",
                **where,
            )
        else:
            labels_seen[label] = row
        if not name:
            return
        # L8: time and geography have no metadata rows
        if name in OBSERVATIONAL_COLUMNS:
            self.error("L8", f"{name} is time/geography; not allowed in metadata.", **where)
            return
        self._check_meta_fields(r, name, col_type, where)
        if len(label) > LABEL_LIMIT:
            self.warn("L26", f"label value over {LABEL_LIMIT} characters.", **where)

    def _check_meta_fields(self, r: dict[str, str], name: str, col_type: str, where: dict[str, Any]) -> None:
        """L7: columns the data lacks; L9: fields of the other col_type; L10 units; L11 decimal places."""
        data_columns = set(self.columns)
        # L7: metadata names columns that the data lacks
        if name not in data_columns:
            self.error("L7", f"{name} is in the metadata but not the data.", **where)
        group = r["filter_grouping_column"]
        if group and group not in data_columns:
            self.error(
                "L7", f"{group} is in the metadata but not the data (filter_grouping_column of {name}).", **where
            )
        # L9: fields that belong to the other col_type
        if col_type == "Filter":
            wrong = [f for f in ("indicator_unit", "indicator_dp", "indicator_grouping") if r[f]]
            if wrong:
                self.error("L9", f"Filter {name} has unit/dp/grouping ({_quote_list(wrong)} should be blank).", **where)
            if group and group == name:
                self.error("L9", f"Filter {name} names itself as its filter_grouping_column.", **where)
        elif col_type == "Indicator":
            wrong = [f for f in ("filter_hint", "filter_grouping_column", "filter_default", "parent_filter") if r[f]]
            if wrong:
                self.error(
                    "L9",
                    f"Indicator {name} has a hint or other filter field ({_quote_list(wrong)} should be blank).",
                    **where,
                )
            unit, dp = r["indicator_unit"], r["indicator_dp"]
            # L10: units
            if unit and unit not in INDICATOR_UNITS:
                self.error("L10", f"Unit {unit} on {name} is not %, pp, £, £m or numberstring.", **where)
            # L11: decimal places
            if dp and not dp.isdigit():
                self.error("L11", f"indicator_dp for {name} must be blank or a whole number (it is '{dp}').", **where)
            elif not dp:
                self.warn("L11", f"indicator_dp for {name} is blank; EES will show 2 decimal places.", **where)

    def _check_undeclared_columns(self, names_seen: set[str]) -> None:
        """L7 (warning): data columns that are not observational, vary, and have no metadata row."""
        declared = set(names_seen) | {
            r["filter_grouping_column"] for r in self.meta_rows if r["filter_grouping_column"]
        }
        undeclared = [c for c in self.columns if c not in OBSERVATIONAL_COLUMNS and c not in declared]
        if undeclared:
            counts = self.df.select(pl.col(c).n_unique() for c in undeclared).row(0)
            for c, n in zip(undeclared, counts, strict=True):
                if n > 1:
                    self.warn(
                        "L7", f"{c} is in the data but not the metadata; it will not be offered as a filter.", column=c
                    )

    # --- A1: people -----------------------------------------------------------------------------------------------
    def _check_personal_columns(self) -> None:
        found = [
            (c, reason)
            for c in self.columns
            if (reason := _personal_reason(c, is_indicator=c in self.indicators)) is not None
        ]
        if found:
            names = _quote_list([c for c, _ in found])
            self.error(
                "A1",
                f"{self.file} has column(s) that identify people ({names}); only approved summary tables may be loaded.",
                row=1,
                column=found[0][0],
            )

    # --- L26: API lengths -----------------------------------------------------------------------------------------
    def _check_api_lengths(self) -> None:
        df = self.df
        for c in self.columns:
            if len(c) > COLUMN_NAME_LIMIT:
                self.warn("L26", f"Column name {c} over {COLUMN_NAME_LIMIT} characters.", row=1, column=c)
        limits = {c: LOCATION_CODE_LIMIT for c in self.columns if c in GEOGRAPHY_CODE_COLUMNS}
        limits |= {c: ITEM_LIMIT for c in self.columns if c in GEOGRAPHY_NAME_COLUMNS}
        limits |= {c: ITEM_LIMIT for c in (*self.filters, *self.filter_groups)}
        if not limits:
            return
        hits = df.select((pl.col(c).str.len_chars() > n).pipe(_first).alias(c) for c, n in limits.items()).row(
            0, named=True
        )
        for c, n in limits.items():
            if hits[c] is not None:
                self.warn("L26", f"{c} value over {n} characters.", row=hits[c] + 2, column=c)

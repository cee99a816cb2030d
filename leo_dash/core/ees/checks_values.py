"""Value checks: filters (L17, L18), duplicate rows (L19), symbols (L20, L21), indicator values (L20) and
record-level shape (A2)."""

from __future__ import annotations

import polars as pl

from leo_dash.core import staging
from leo_dash.core.ees.findings import _Recorder
from leo_dash.core.ees.reading import ROW, _blank, _Cells, _first, _plural, _sql_text
from leo_dash.core.ees.rules import (
    _IDENTIFIER_NAME,
    _IDENTIFIER_VALUE,
    _KEY_LIKE_VALUE,
    _KNOWN_CODE_VALUE,
    EES_IGNORED_LEVELS,
    FILTER_ITEM_LIMIT,
    NULL_SYMBOLS,
    OBSERVATIONAL_COLUMNS,
    REFUSED_INDICATOR_SYMBOLS,
    SYMBOLS,
    WARNED_SYMBOLS,
    _normalise_name,
)
from leo_dash.core.staging import StagedText


class _ValueChecks(_Recorder):
    """L17-L21, A2: what the cells hold."""

    columns: list[str]
    df: _Cells
    meta: pl.DataFrame | None
    meta_rows: list[dict[str, str]]
    filters: list[str]
    filter_groups: list[str]
    filter_defaults: dict[str, str]
    indicators: list[str]
    numeric_indicators: list[str]
    units: dict[str, str]
    _eager: pl.DataFrame | None  # the cells, when held in memory
    _staged: StagedText | None  # the cells, when staged on disk

    # --- L17, L18: filters -----------------------------------------------------------------------------------------
    def _check_filters(self) -> None:
        df = self.df
        hygiene = [*self.filters, *self.filter_groups]
        if hygiene:
            stats = df.select(
                *(_blank(c).pipe(_first).alias(f"blank_{c}") for c in hygiene),
                *((pl.col(c) != pl.col(c).str.strip_chars()).pipe(_first).alias(f"pad_{c}") for c in hygiene),
                *(pl.col(c).n_unique().alias(f"n_{c}") for c in hygiene),
                *((pl.col(c) == "Total").any().alias(f"total_{c}") for c in self.filters),
                *(
                    (pl.col(c) == self.filter_defaults[c]).any().alias(f"default_{c}")
                    for c in self.filters
                    if c in self.filter_defaults
                ),
                *(
                    pl.col(c).str.replace_all(r"[^A-Za-z0-9]", "").n_unique().alias(f"stripped_{c}")
                    for c in self.filter_groups
                ),
            ).row(0, named=True)
            for c in hygiene:
                kind = "Filter" if c in self.filters else "Filter group"
                unclean = f"{kind} {c} has blank/padded values or one item"  # one L17 message, three causes
                if (i := stats[f"blank_{c}"]) is not None:
                    self.error("L17", f"{unclean} (a blank value).", row=i + 2, column=c)
                if (i := stats[f"pad_{c}"]) is not None:
                    self.error("L17", f"{unclean} ('{df[c][i]}' has spaces at an end).", row=i + 2, column=c)
                n = stats[f"n_{c}"]
                if c in self.filters and n < 2:
                    self.error("L17", f"{unclean} (only one item).", column=c)
                if n > FILTER_ITEM_LIMIT:
                    self.error(
                        "L17", f"{kind} {c} has {n:,} items; EES allows at most {FILTER_ITEM_LIMIT:,}.", column=c
                    )
                if c in self.filter_groups and stats[f"stripped_{c}"] != n:
                    self.error("L17", f"{kind} {c} has items that differ only in punctuation or spaces.", column=c)
            for r in self.meta_rows:
                f, g = r["col_name"], r["filter_grouping_column"]
                if (
                    r["col_type"] == "Filter"
                    and f in self.filters
                    and g in self.filter_groups
                    and stats[f"n_{g}"] > stats[f"n_{f}"]
                ):
                    self.error(
                        "L17",
                        f"Filter {f} has fewer items than its grouping column {g}; the hierarchy looks reversed.",
                        column=g,
                    )
            for c in self.filters:
                has_default = stats.get(f"default_{c}", False)
                if not stats[f"total_{c}"] and not has_default:
                    self.warn("L18", f"Filter {c} has no Total.", column=c)

        # Total/All are never places or periods.
        ob_cols = [c for c in self.columns if c in OBSERVATIONAL_COLUMNS and c != "geographic_level"]
        if ob_cols:
            hits = df.select(pl.col(c).is_in(["Total", "All"]).pipe(_first) for c in ob_cols).row(0)
            for c, i in zip(ob_cols, hits, strict=True):
                if i is not None:
                    self.error(
                        "L17",
                        f"{c} holds '{df[c][i]}'; Total/All belong in filters, never in time or geography columns.",
                        row=i + 2,
                        column=c,
                    )

    # --- L19: duplicates ------------------------------------------------------------------------------------------
    def _check_duplicates(self) -> None:
        if self.meta is None:
            return  # without metadata the filters, and so the key, are unknown
        # Columns the metadata declares with a bad col_type may be filters: keep them in the key, so a typo there
        # is reported once (L5) rather than as duplicate rows too.
        undecided = [
            r["col_name"]
            for r in self.meta_rows
            if r["col_type"] not in ("Filter", "Indicator") and r["col_name"] in self.columns
        ]
        keys = [c for c in self.columns if c in OBSERVATIONAL_COLUMNS] + self.filters + self.filter_groups
        keys += [c for c in dict.fromkeys(undecided) if c not in keys]
        levels = self.df.select(pl.col("geographic_level").unique().implode()).item().to_list()
        if len(levels) == 1 and levels[0] in ("School", "Provider"):
            excluded = ["Institution", "Planning area"]
        else:
            excluded = list(EES_IGNORED_LEVELS)
        suspects = self._rows_sharing_a_key_hash(keys, excluded)
        n, first = 0, None
        if suspects.height:
            repeat = ~pl.struct(keys).is_first_distinct()
            n, first = suspects.select(repeat.sum(), pl.col(ROW).filter(repeat).first()).row(0)
        if n:
            self.error("L19", f"{_plural(n, 'duplicate row')} (same time, place, filters).", row=first + 2)

    def _rows_sharing_a_key_hash(self, keys: list[str], excluded: list[str]) -> pl.DataFrame:
        """Rows (ROW and keys, in file order) whose key hashes to the same value as another row's: a superset of
        the duplicates, found by DuckDB in one pass that spills to disk rather than growing with the file (a hash
        table of every row's key does not fit a bounded budget at tens of millions of rows). In memory the same
        query runs over the frame."""
        position = {name: i for i, name in enumerate(self.columns)}
        key_sql = ", ".join(f"c{position[k]}" for k in keys)
        level = f"c{position['geographic_level']}"
        not_excluded = f"NOT coalesce({level} IN ({', '.join(_sql_text(v) for v in excluded)}), false)"
        with staging.connection() as con:
            if self._staged is not None:
                source = f"read_parquet({_sql_text(str(self._staged.parquet))}, file_row_number = true)"
                row = "file_row_number"
            else:
                assert self._eager is not None
                cells = self._eager.select(
                    pl.col(c).alias(f"c{position[c]}") for c in dict.fromkeys([*keys, "geographic_level"])
                )
                con.register("cells", cells.with_row_index("file_row_number").to_arrow())
                source, row = "cells", "file_row_number"
            query = (
                f"WITH keyed AS (SELECT {row} AS r, hash({key_sql}) AS h FROM {source} WHERE {not_excluded}), "
                "repeated AS (SELECT h FROM keyed GROUP BY h HAVING count(*) > 1) "
                "SELECT r FROM keyed SEMI JOIN repeated USING (h) ORDER BY r"
            )
            rows = con.sql(query).pl()["r"].cast(pl.UInt32 if self.df.height < 2**32 else pl.UInt64)
        if rows.is_empty():
            return pl.DataFrame()
        return self.df.collect(self.df.lazy().filter(pl.col(ROW).is_in(rows.implode())).select(ROW, *keys))

    # --- L20, L21: cells ------------------------------------------------------------------------------------------
    def _check_symbols(self) -> None:
        df = self.df
        exprs: list[pl.Expr] = []
        for c in self.columns:
            exprs.append(pl.col(c).is_in(NULL_SYMBOLS).pipe(_first).alias(f"null_{c}"))
            exprs.append(pl.col(c).is_in(WARNED_SYMBOLS).pipe(_first).alias(f"warned_{c}"))
            exprs.append(pl.col(c).is_in(WARNED_SYMBOLS).sum().alias(f"n_warned_{c}"))
        for c in self.indicators:
            exprs.append(pl.col(c).is_in(REFUSED_INDICATOR_SYMBOLS).pipe(_first).alias(f"legacy_{c}"))
        hits = df.select(exprs).row(0, named=True)
        for c in self.columns:
            i = hits[f"null_{c}"]
            if i is None and c in self.indicators:
                i = hits[f"legacy_{c}"]  # '~' and ':' are refused in indicator columns only
            if i is not None:
                self.error(
                    "L21",
                    f"{c} uses '~', ':' or NULL; use GSS symbols (row {i + 2} holds '{df[c][i]}').",
                    row=i + 2,
                    column=c,
                )
            j = hits[f"warned_{c}"]
            if j is not None:
                loaded = " It is loaded as x (not available)." if c in self.numeric_indicators else ""
                self.warn(
                    "L21",
                    f"{c} uses legacy no-data mark '{df[c][j]}' ({_plural(hits[f'n_warned_{c}'], 'cell')}); use GSS symbols.{loaded}",
                    row=j + 2,
                    column=c,
                )

    def _check_indicator_values(self) -> None:
        if not self.numeric_indicators:
            return
        df = self.df
        known = (*SYMBOLS, *REFUSED_INDICATOR_SYMBOLS, *NULL_SYMBOLS, *WARNED_SYMBOLS)
        exprs: list[pl.Expr] = []
        for c in self.numeric_indicators:
            value = pl.col(c)
            number = value.cast(pl.Float64, strict=False)
            is_number = number.is_finite().fill_null(False)  # 'nan' and 'inf' cast to floats but are not numbers
            invalid = ~(value.is_in(known).fill_null(False) | is_number)  # blanks are invalid too
            exprs += [invalid.pipe(_first).alias(f"bad_{c}"), invalid.sum().alias(f"n_bad_{c}")]
            if self.units.get(c) in ("", "%"):  # a count of people or a share cannot be below zero
                negative = is_number & (number < 0)
                exprs += [negative.pipe(_first).alias(f"neg_{c}"), negative.sum().alias(f"n_neg_{c}")]
            if self.units.get(c) == "%":
                finite = number.is_finite().fill_null(False)
                over = finite & (number > 100)  # NaN compares above every number in Polars
                exprs += [over.pipe(_first).alias(f"over_{c}"), number.filter(finite).max().alias(f"max_{c}")]
        hits = df.select(exprs).row(0, named=True)
        for c in self.numeric_indicators:
            i = hits[f"bad_{c}"]
            if i is not None:
                shown = df[c][i] if df[c][i] is not None else ""
                more = f" ({_plural(hits[f'n_bad_{c}'], 'cell')} in all)" if hits[f"n_bad_{c}"] > 1 else ""
                self.error(
                    "L20", f"{c} row {i + 2} holds '{shown}', not a number or c/x/z/low/u{more}.", row=i + 2, column=c
                )
            if (i := hits.get(f"neg_{c}")) is not None:
                what = "rate" if self.units.get(c) == "%" else "count"
                more = f" ({_plural(hits[f'n_neg_{c}'], 'cell')} in all)" if hits[f"n_neg_{c}"] > 1 else ""
                self.error(
                    "L20",
                    f"{c} row {i + 2} holds '{df[c][i]}': a {what} cannot be negative{more}.",
                    row=i + 2,
                    column=c,
                )
            if (i := hits.get(f"over_{c}")) is not None:
                self.warn(
                    "L20",
                    f"{c} has values over 100% (up to {hits[f'max_{c}']:g}); it is not a share of one base.",
                    row=i + 2,
                    column=c,
                )

    # --- A2: record-level shape ---------------------------------------------------------------------------------
    def _check_record_level(self) -> None:
        df = self.df
        counts = [c for c in self.numeric_indicators if self.units.get(c) == ""]
        candidates = [*self.filters, *self.filter_groups]
        declared = {r["col_name"] for r in self.meta_rows}
        candidates += [
            c for c in self.columns if c not in OBSERVATIONAL_COLUMNS and c not in declared and c not in candidates
        ]
        if not counts and not candidates:
            return
        exprs: list[pl.Expr] = []
        for c in counts:
            number = pl.col(c).cast(pl.Float64, strict=False)
            exprs += [
                number.is_not_null().sum().alias(f"pub_{c}"),
                (number == 1).sum().alias(f"ones_{c}"),
                (number == 1).pipe(_first).alias(f"first_one_{c}"),
            ]
        for c in candidates:
            items = pl.col(c).drop_nulls().unique()
            key_like = (
                items.str.contains(_KEY_LIKE_VALUE)
                & items.str.contains(r"\d")
                & items.str.contains(r"[A-Za-z]")
                & ~items.str.contains(_KNOWN_CODE_VALUE)
            )
            words = items.str.count_matches(r"\S+")
            exprs += [
                pl.col(c).n_unique().alias(f"n_{c}"),
                pl.col(c).str.contains(_IDENTIFIER_VALUE).fill_null(False).mean().alias(f"idlike_{c}"),
                key_like.mean().alias(f"keylike_{c}"),
                ((words >= 5) & (items.str.len_chars() >= 30)).mean().alias(f"freetext_{c}"),
            ]
        stats = df.select(exprs).row(0, named=True)
        for c in counts:
            published, ones = stats[f"pub_{c}"], stats[f"ones_{c}"]
            if published >= 10 and ones > published / 2:
                i = stats[f"first_one_{c}"]
                self.error(
                    "A2",
                    f"{c} is 1 on {ones:,} of {published:,} rows: this looks like one row per person, not an approved aggregate.",
                    row=i + 2,
                    column=c,
                )
        for c in candidates:
            n = stats[f"n_{c}"]
            looks_like_id = bool(_IDENTIFIER_NAME.search(_normalise_name(c))) or stats[f"idlike_{c}"] >= 0.9
            rows_per_item = df.height / max(n, 1)
            # A category is shared by many rows (every year, place and other breakdown); record keys are not. Items
            # that look like random keys, or free text, on about one row each are people, however the column is named.
            key_like = (stats[f"keylike_{c}"] or 0) >= 0.9 and n >= 20 and rows_per_item <= 5
            free_text = (stats[f"freetext_{c}"] or 0) >= 0.9 and n >= 20 and rows_per_item <= 2
            near_unique = df.height >= 20 and n >= 0.9 * df.height
            huge = n > 1_000 and rows_per_item < 2  # thousands of items, each on about one row
            if (near_unique and looks_like_id) or key_like or free_text or huge:
                what = (
                    "like record identifiers"
                    if key_like or looks_like_id
                    else "of free text"
                    if free_text
                    else "each on about one row"
                )
                self.error(
                    "A2",
                    f"{c} has {n:,} different values in {df.height:,} rows ({rows_per_item:.1f} rows per item), {what}: this looks like record-level data, not an approved aggregate.",
                    column=c,
                )

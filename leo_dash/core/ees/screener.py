"""`_Screener`: one screening run. It finds and reads the files (L1, L2), stages large ones out of core, classifies
the columns the metadata declares, runs the checks its mixins define (checks_structure, checks_time_geography,
checks_values, checks_rounding) and, when nothing refuses the file, parses it (casts in place)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from leo_dash.core import staging
from leo_dash.core.disclosure_profiles import Convention, PublicationProfile, default_profile
from leo_dash.core.ees.checks_rounding import _RoundingChecks
from leo_dash.core.ees.checks_structure import _StructureChecks
from leo_dash.core.ees.checks_time_geography import _TimeGeographyChecks
from leo_dash.core.ees.checks_values import _ValueChecks
from leo_dash.core.ees.findings import Finding, ScreenResult
from leo_dash.core.ees.reading import (
    ROW,
    _Cells,
    _decompressed_size_problem,
    _locate_bad_row,
    _meta_rows,
    _quote_list,
    _read_header,
    has_bare_carriage_return,
)
from leo_dash.core.ees.rules import (
    _FILE_NAME,
    DEFAULT_COUNT_BASE,
    DEFAULT_EARNINGS_BASE,
    OBSERVATIONAL_COLUMNS,
    SYMBOLS,
    WARNED_SYMBOL_STATUS,
    WARNED_SYMBOLS,
)
from leo_dash.core.model import status_column
from leo_dash.core.paths import COMPRESSED_SUFFIX, data_stem
from leo_dash.core.staging import StagedText
from leo_dash.sdc import round_half_up_expr


class _Screener(_StructureChecks, _TimeGeographyChecks, _ValueChecks, _RoundingChecks):
    """State of one screening run: paths, findings so far, the string frame and what the metadata declares."""

    def __init__(
        self,
        path: Path,
        *,
        count_base: int | None,
        earnings_base: int | None,
        bases: dict[str, str],
        small_base_threshold: int,
        profile: PublicationProfile | None = None,
        out_of_core: bool | None = None,
    ) -> None:
        name = path.name
        if name.endswith(".meta.csv"):  # pointed at the metadata: screen its data file (stored compressed or not)
            stem = name[: -len(".meta.csv")]
            compressed = path.with_name(stem + COMPRESSED_SUFFIX)
            path = (
                compressed
                if compressed.is_file() and not path.with_name(stem + ".csv").is_file()
                else (path.with_name(stem + ".csv"))
            )
        self.path = path
        self.file = path.name
        self.stem = data_stem(path)
        self.meta_path = path.with_name(f"{self.stem}.meta.csv")
        self.meta_file = self.meta_path.name
        self.count_base = count_base or DEFAULT_COUNT_BASE
        self.earnings_base = earnings_base or DEFAULT_EARNINGS_BASE
        self.bases = bases
        self.small_base_threshold = small_base_threshold
        # L24: the declared conventions, each kind falling back to the defaults (percentages: each column's dp).
        declared = profile or PublicationProfile()
        defaults = default_profile(self.count_base, self.earnings_base)
        self.count_rule: Convention = declared.counts or defaults.counts  # type: ignore[assignment]
        self.earnings_rule: Convention = declared.earnings or defaults.earnings  # type: ignore[assignment]
        self.percentage_rule: Convention | None = declared.percentages
        self.declared_kinds = {c.kind for c in (declared.counts, declared.earnings, declared.percentages) if c}
        self.labels: dict[str, str] = {}  # indicator -> meta label
        self.dps: dict[str, int] = {}  # indicator -> indicator_dp, where given
        self.rates_to_round: dict[str, int] = {}  # rate column -> dp its extra decimals are rounded to (L24 warning)
        self.findings: list[Finding] = []
        self.meta: pl.DataFrame | None = None
        self.meta_rows: list[dict[str, str]] = []
        self.df = _Cells(pl.LazyFrame(), 0, [], streaming=False)
        self.out_of_core = out_of_core  # None: by file size (staging.OUT_OF_CORE_BYTES)
        self._eager: pl.DataFrame | None = None  # the cells, when held in memory
        self._staged: StagedText | None = None  # the cells, when staged on disk
        self.columns: list[str] = []
        # What the metadata declares, restricted to columns that exist in the data.
        self.filters: list[str] = []
        self.filter_groups: list[str] = []
        self.indicators: list[str] = []  # every declared indicator in the data
        self.numeric_indicators: list[str] = []  # those cast to Float64 (not numberstring)
        self.units: dict[str, str] = {}
        self.filter_defaults: dict[str, str] = {}
        self.hidden_by_small_base: dict[str, str] = {}  # rate column -> base column whose small values hide it

    # --- flow ---------------------------------------------------------------------------------------------------
    def run(self) -> ScreenResult:
        frame: pl.DataFrame | None = None
        lazy: pl.LazyFrame | None = None
        try:
            if self._check_files() and self._read_data():
                self._run_checks()
                if not self.has_errors:
                    if self._staged is not None:
                        lazy = self._parse_lazy()
                    else:
                        frame = self._parse()
        except Exception as exc:
            # A bad file must come back as findings, never as a traceback; the type names a loader bug if it is one.
            self.error("L2", f"{self.file} could not be screened: {type(exc).__name__}: {exc}")
            frame = lazy = None
        if lazy is None and self._staged is not None:
            self._staged.close()  # refused: nothing will read the staged cells
            self._staged = None
        order = {"error": 0, "warning": 1}
        findings = sorted(self.findings, key=lambda f: order[f.severity])  # stable: checks keep their order
        return ScreenResult(self.path, findings, frame, self.meta, lazy, self._staged)

    def _run_checks(self) -> None:
        self._check_columns()
        self._check_meta()
        self._check_personal_columns()
        df_cols = set(self.columns)
        if {"time_period", "time_identifier"} <= df_cols:
            self._check_time()
        if "geographic_level" in df_cols:
            self._check_geography()
        self._check_filters()
        if {"time_period", "time_identifier", "geographic_level"} <= df_cols:
            self._check_duplicates()
        self._check_symbols()
        self._check_indicator_values()
        self._check_record_level()
        self._check_rounding()
        self._check_small_bases()
        self._check_api_lengths()

    # --- L1, L2: files ------------------------------------------------------------------------------------------
    def _check_files(self) -> bool:
        if not self.path.name.endswith((".csv", COMPRESSED_SUFFIX)):
            self.error("L1", f"{self.file} is not a .csv file; EES data files are name.csv + name.meta.csv.")
            return False
        if not self.path.is_file():
            self.error("L1", f"{self.file} was not found.")
            return False
        if not _FILE_NAME.match(self.stem):
            self.warn("L1", f"{self.file}: file names should use only lower case letters, digits, '_' and '-'.")
        if not self.meta_path.is_file():
            self.error("L1", f"{self.file} needs a matching {self.meta_file}.")
        else:
            self._read_meta()
        return True

    def _read_csv(self, path: Path, file: str) -> pl.DataFrame | None:
        """The whole file as strings, or None after recording L2 with the row that broke it."""
        header, problem = _read_header(path)
        if header is None:
            if problem == "empty":
                self.error("L2", f"{file} is empty; a header row is needed.", row=1, file=file)
            else:
                self.error("L2", f"{file} row 1: bad encoding or field count.", row=1, file=file)
            return None
        if path.name.endswith(".gz") and (problem := _decompressed_size_problem(path)) is not None:
            self.error("L2", f"{file} {problem}; it cannot be read.", row=None, file=file)
            return None
        try:
            df = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
        except (pl.exceptions.PolarsError, OSError):
            row = _locate_bad_row(path, len(header))
            self.error("L2", f"{file} row {row if row else '?'}: bad encoding or field count.", row=row, file=file)
            return None
        # Polars pads short rows with nulls instead of failing: a null in the last column may be a short row; and
        # it keeps a lone CR inside a cell where the strict reading (and the out-of-core path) ends the record.
        padded = df.width and df.height and df.get_column(df.columns[-1]).null_count()
        if padded or has_bare_carriage_return(path):
            row = _locate_bad_row(path, len(header))
            if row is not None:
                self.error("L2", f"{file} row {row}: bad encoding or field count.", row=row, file=file)
                return None
        return df

    def _read_meta(self) -> None:
        meta = self._read_csv(self.meta_path, self.meta_file)
        if meta is None:
            return
        self.meta = meta
        self.meta_rows = _meta_rows(meta)

    def _read_data(self) -> bool:
        header, problem = _read_header(self.path)
        out_of_core = self.out_of_core if self.out_of_core is not None else staging.out_of_core_by_size(self.path)
        if header is not None and out_of_core:
            return self._stage(header)
        df = self._read_csv(self.path, self.file)
        if df is None or header is None:
            return False
        if df.height == 0:
            self.error("L2", f"{self.file} has a header but no data rows.", row=2)
            return False
        if self._repeated_columns(header):
            return False
        if len(header) == df.width and list(df.columns) != header:
            # Polars unescapes some quoted header names differently ('""""' -> '""'); the strict reading wins.
            df = df.rename(dict(zip(df.columns, header, strict=True)))
        self._eager = df
        self.df = _Cells(df.lazy(), df.height, list(df.columns), streaming=False)
        self.columns = list(df.columns)
        self._classify_columns()
        return True

    def _repeated_columns(self, header: list[str]) -> bool:
        # Duplicate names: Polars renames the second copy, so judge names from the raw header.
        duplicates = sorted({c for c in header if header.count(c) > 1})
        if duplicates:
            self.error("L3", f"{self.file} repeats column(s): {_quote_list(duplicates)}.", row=1, column=duplicates[0])
        return bool(duplicates)

    def _stage(self, header: list[str]) -> bool:
        """Out of core: DuckDB stages the cells as text on disk; checks then stream over them."""
        if self.path.name.endswith(".gz") and (problem := _decompressed_size_problem(self.path)) is not None:
            self.error("L2", f"{self.file} {problem}; it cannot be read.")
            return False
        if self._repeated_columns(header):
            return False
        # DuckDB ends a record at a lone CR in one place and keeps it in a blank cell in another: the strict
        # reading decides, as on the in-memory path.
        if has_bare_carriage_return(self.path) and (row := _locate_bad_row(self.path, len(header))) is not None:
            self.error("L2", f"{self.file} row {row}: bad encoding or field count.", row=row)
            return False
        try:
            staged = staging.stage_as_text(self.path, len(header))
        except staging.StagingError:
            row = _locate_bad_row(self.path, len(header))
            self.error("L2", f"{self.file} row {row if row else '?'}: bad encoding or field count.", row=row)
            return False
        self._staged = staged
        source = pl.scan_parquet(staged.parquet).rename({f"c{i}": name for i, name in enumerate(header)})
        height = source.select(pl.len()).collect().item()
        if height == 0:
            self.error("L2", f"{self.file} has a header but no data rows.", row=2)
            return False
        self.df = _Cells(source, height, list(header), streaming=True)
        self.columns = list(header)
        self._classify_columns()
        return True

    def _classify_columns(self) -> None:
        present = set(self.columns)
        seen: set[str] = set()
        for r in self.meta_rows:
            name = r["col_name"]
            if not name or name in seen or name not in present:
                continue
            seen.add(name)
            if r["col_type"] == "Filter" and name not in OBSERVATIONAL_COLUMNS:
                self.filters.append(name)
                group = r["filter_grouping_column"]
                if group and group in present and group not in self.filter_groups:
                    self.filter_groups.append(group)
                if r["filter_default"]:
                    self.filter_defaults[name] = r["filter_default"]
            elif r["col_type"] == "Indicator" and name not in OBSERVATIONAL_COLUMNS:
                self.indicators.append(name)
                self.units[name] = r["indicator_unit"]
                self.labels[name] = r["label"]
                if r["indicator_dp"].isdigit():
                    self.dps[name] = int(r["indicator_dp"])
                if r["indicator_unit"] != "numberstring":
                    self.numeric_indicators.append(name)
        self.filter_groups = [g for g in self.filter_groups if g not in self.filters]

    # --- parsing --------------------------------------------------------------------------------------------------
    def _typed(self, text: pl.Expr, c: str) -> tuple[pl.Expr, pl.Expr]:
        """A numeric indicator's number and status columns, from its text."""
        number = text.cast(pl.Float64, strict=False)
        status = (
            pl.when(text.is_in(SYMBOLS))
            .then(text)
            .when(text.is_in(WARNED_SYMBOLS))
            .then(pl.lit(WARNED_SYMBOL_STATUS))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        if c in self.rates_to_round:  # L24 warning: extra decimals rounded half-up to indicator_dp
            number = round_half_up_expr(number, 10.0 ** -self.rates_to_round[c])
        base = self.hidden_by_small_base.get(c)
        if base:
            hide = self._small_base_mask(c, base, self.small_base_threshold)
            number = pl.when(hide).then(pl.lit(None, dtype=pl.Float64)).otherwise(number)
            status = pl.when(hide).then(pl.lit("c")).otherwise(status)
        return number.alias(c), status.alias(status_column(c))

    def _parse_lazy(self) -> pl.LazyFrame:
        """The typed table as a query over the staged cells (out of core: nothing is read until it is sunk)."""
        exprs = [pl.col("time_period").cast(pl.Int64)]
        for c in self.numeric_indicators:
            exprs.extend(self._typed(pl.col(c), c))
        return self.df.lazy().drop(ROW).with_columns(exprs)

    def _parse(self) -> pl.DataFrame:
        """Cast in place: time_period to Int64; each numeric indicator to Float64 plus its status column. Columns
        are replaced a few at a time so the strings of a column are freed as its numbers arrive."""
        df = self._eager
        assert df is not None
        self._eager = None  # drop our references so replaced string columns can be freed
        self.df = _Cells(pl.LazyFrame(), 0, [], streaming=False)
        df = df.with_columns(pl.col("time_period").cast(pl.Int64))
        batch = 4
        for start in range(0, len(self.numeric_indicators), batch):
            exprs: list[pl.Expr] = []
            for c in self.numeric_indicators[start : start + batch]:
                exprs.extend(self._typed(pl.col(c), c))
            df = df.with_columns(exprs)
        return df

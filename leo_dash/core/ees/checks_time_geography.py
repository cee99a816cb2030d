"""Time and geography checks: time periods and identifiers (L12, L13), geographic levels and their columns
(L14, L15, L22), providers (L23), and codes against names and the ONS lookup (L16)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from leo_dash.core.ees.findings import Severity, _Recorder
from leo_dash.core.ees.reading import ROW, _blank, _Cells, _first, _plural, _quote_list, _time_group
from leo_dash.core.ees.rules import (
    _LOW_LEVELS,
    _UKPRN,
    COMPATIBLE_LEVELS,
    COUNTRIES,
    EES_IGNORED_LEVELS,
    FOUR_DIGIT_IDENTIFIERS,
    GEOGRAPHIC_LEVELS,
    NOT_APPLICABLE_CODE,
    NOT_APPLICABLE_NAMES,
    NOT_AVAILABLE_CODE,
    NOT_AVAILABLE_NAME,
    ORGANISATION_LEVELS,
    REGIONS,
    SIX_DIGIT_IDENTIFIERS,
    la_regions,
    old_la_names,
    ons_names,
)


def _lookup_problem(
    code: str | None, name: str | None, table: Mapping[str, frozenset[str]], complete: str
) -> str | None:
    """Why the pair fails (None when it passes). `complete`: the code prefix the lookup covers in full."""
    if not code or not name:
        return None  # blanks are L15's
    if code == NOT_AVAILABLE_CODE or name == NOT_AVAILABLE_NAME:
        return None if (code == NOT_AVAILABLE_CODE and name == NOT_AVAILABLE_NAME) else ""
    if code == NOT_APPLICABLE_CODE:
        return None if name in NOT_APPLICABLE_NAMES else ""
    # Case is forgiven: ONS itself writes "Yorkshire and The Humber" and "Yorkshire and the Humber".
    if code in table:
        return None if name.casefold() in table[code] else ""
    owner = next((known for known, names in table.items() if name.casefold() in names), None)
    if owner is not None:
        return f" (ONS gives {name} the code {owner})"  # a known place under the wrong code
    if code.startswith(complete):
        return f" ({code} is not in the ONS lookup of these codes, data/ons_geography_codes.csv)"
    return None  # e.g. a Welsh authority in an English lookup: not ours to judge


class _TimeGeographyChecks(_Recorder):
    """L12-L16, L22, L23: when and where each row is."""

    columns: list[str]
    df: _Cells

    # --- L12, L13: time ---------------------------------------------------------------------------------------------
    def _check_time(self) -> None:
        tp, ti = pl.col("time_period"), pl.col("time_identifier")
        group = _time_group(ti)
        digits = tp.str.contains(r"^\d+$").fill_null(False)
        length = tp.str.len_bytes()
        start = tp.str.slice(2, 2).cast(pl.Int32, strict=False)
        end = tp.str.slice(4, 2).cast(pl.Int32, strict=False)
        consecutive = ((start + 1) % 100) == end  # 199900 is fine
        four = ti.is_in(FOUR_DIGIT_IDENTIFIERS)
        six = ti.is_in(SIX_DIGIT_IDENTIFIERS)
        bad_period = (
            _blank("time_period")
            | ~digits
            | (four & (length != 4))
            | (six & ~((length == 6) & consecutive.fill_null(False)))
        )
        found = self.df.select(
            bad_period.pipe(_first).alias("bad_period"),
            bad_period.sum().alias("n_bad"),
            group.is_null().pipe(_first).alias("unknown"),
            group.drop_nulls().unique(maintain_order=True).implode().alias("groups"),
        ).row(0, named=True)
        if (i := found["bad_period"]) is not None:
            value, ident = self.df["time_period"][i] or "(blank)", self.df["time_identifier"][i]
            example = "2022" if ident in FOUR_DIGIT_IDENTIFIERS else "202122"
            more = f" ({_plural(found['n_bad'], 'row')} in all)" if found["n_bad"] > 1 else ""
            self.error(
                "L12",
                f"time_period {value} does not fit {ident} (e.g. {example}){more}.",
                row=i + 2,
                column="time_period",
            )
        if (i := found["unknown"]) is not None:
            shown = self.df["time_identifier"][i] or "(blank)"
            self.error("L13", f"time_identifier {shown} unknown or mixed.", row=i + 2, column="time_identifier")
        groups = found["groups"]
        if len(groups) > 1:
            first_other = self.df.select(((group != groups[0]) & group.is_not_null()).pipe(_first)).item()
            ident = self.df["time_identifier"][first_other]
            base = self.df.select(ti.filter(group == groups[0]).first()).item()
            self.error(
                "L13",
                f"time_identifier {ident} unknown or mixed (it cannot share a file with {base}).",
                row=first_other + 2,
                column="time_identifier",
            )

    # --- L14-L16, L22, L23: geography ------------------------------------------------------------------------------
    def _check_geography(self) -> None:
        levels, known = self._check_levels()
        # L23: providers
        if "Provider" in known:
            self._check_providers()
        self._check_level_columns(known)
        # L15: level columns filled on their rows, blank elsewhere.
        self._report_level_fills(self._level_fill_checks(levels, known))
        # L16: codes match names.
        self._check_codes_and_names()

    def _check_levels(self) -> tuple[list[str], list[str]]:
        """L14: levels EES knows; L22: levels that cannot share a file. Returns (levels found, known levels)."""
        df = self.df
        level = pl.col("geographic_level")
        levels_found = df.select(
            level.unique(maintain_order=True).implode().alias("levels"),
        ).row(0, named=True)["levels"]
        levels = [lv for lv in levels_found if lv is not None]
        unknown = [lv for lv in levels_found if lv not in GEOGRAPHIC_LEVELS]
        for lv in unknown:
            i = df.select((level.is_null() if lv is None else level == lv).pipe(_first)).item()
            self.error(
                "L14",
                f"Level {lv or '(blank)'} is not a geographic level EES knows.",
                row=i + 2,
                column="geographic_level",
            )
        known = [lv for lv in levels if lv in GEOGRAPHIC_LEVELS]

        # L22: School and Provider rows cannot share a file; other ignored levels beside normal levels warn.
        if {"School", "Provider"} <= set(known):
            firsts = df.select((level == lv).pipe(_first).alias(lv) for lv in ("School", "Provider")).row(0)
            self.error("L22", "File mixes School and Provider rows.", row=max(firsts) + 2, column="geographic_level")
        elif len(known) > 1 and set(known) & set(EES_IGNORED_LEVELS):
            ignored = [lv for lv in known if lv in EES_IGNORED_LEVELS]
            self.warn(
                "L22",
                f"File mixes {_quote_list(ignored)} rows with other levels; EES ignores those rows in its table tool.",
                column="geographic_level",
            )
        return levels, known

    def _check_level_columns(self, known: list[str]) -> None:
        """L14: the columns each level needs (Provider is L23's)."""
        cols = set(self.columns)
        for lv in known:
            spec = GEOGRAPHIC_LEVELS[lv]
            if lv == "Provider":
                continue
            missing = [c for c in spec.columns if c not in cols]
            if missing:
                if spec.recommended_only:
                    self.warn("L14", f"Level {lv} should have column(s): {_quote_list(missing)}.", column=missing[0])
                else:
                    self.error("L14", f"Level {lv} needs column(s): {_quote_list(missing)}.", column=missing[0])
            if lv in ("Local authority", "Local authority district"):
                region_missing = [c for c in ("region_code", "region_name") if c not in cols]
                if region_missing:
                    self.warn(
                        "L14",
                        f"Level {lv} rows should carry region: add {_quote_list(region_missing)}.",
                        column=region_missing[0],
                    )

    def _level_fill_checks(self, levels: list[str], known: list[str]) -> dict[str, tuple[pl.Expr, str, Severity, str]]:
        """L15 masks: a level's columns blank on its rows, or filled on rows of levels they do not belong to."""
        cols, level = set(self.columns), pl.col("geographic_level")
        checks: dict[str, tuple[pl.Expr, str, Severity, str]] = {}
        for c in ("country_code", "country_name"):
            if c in cols:
                checks[f"nat_{c}"] = (_blank(c), c, "error", f"Level {{level}} rows: missing values in {c}.")
        for lv in known:
            spec = GEOGRAPHIC_LEVELS[lv]
            if lv in ("National", "Provider", "Planning area"):
                continue  # National: above; Provider: L23; Planning area: ignored by EES
            for c in spec.columns:
                if c in cols and c != "new_la_code":  # new_la_code is blank for old authorities
                    sev: Severity = "warning" if spec.recommended_only else "error"
                    checks[f"fill_{lv}_{c}"] = (
                        (level == lv) & _blank(c),
                        c,
                        sev,
                        f"Level {lv} rows: missing values in {c}.",
                    )
            if lv in ("Local authority", "Local authority district"):
                for c in ("region_code", "region_name"):
                    if c in cols:
                        checks[f"reg_{lv}_{c}"] = (
                            (level == lv) & _blank(c),
                            c,
                            "warning",
                            f"Level {lv} rows: missing values in {c} (region should be given).",
                        )
        for owner, compatible in COMPATIBLE_LEVELS.items():
            spec = GEOGRAPHIC_LEVELS[owner]
            incompatible = [lv for lv in levels if lv not in compatible]
            if not incompatible:
                continue
            for c in spec.columns:
                if c not in cols:
                    continue
                checks[f"over_{owner}_{c}"] = (
                    level.is_in(incompatible) & ~_blank(c),
                    c,
                    "error",
                    "Level {level} rows: extra values in " + c + ".",
                )
        for owner, spec in GEOGRAPHIC_LEVELS.items():
            if owner in COMPATIBLE_LEVELS or owner == "National":
                continue
            incompatible = [lv for lv in levels if lv not in (owner, *_LOW_LEVELS)]
            for c in spec.columns:
                if c in cols and incompatible:
                    checks[f"over_{owner}_{c}"] = (
                        level.is_in(incompatible) & ~_blank(c),
                        c,
                        "error",
                        "Level {level} rows: extra values in " + c + ".",
                    )
        return checks

    def _report_level_fills(self, checks: dict[str, tuple[pl.Expr, str, Severity, str]]) -> None:
        df = self.df
        if checks:
            hits = df.select(mask.pipe(_first).alias(key) for key, (mask, *_rest) in checks.items()).row(0, named=True)
            for key, (_mask, column, severity, template) in checks.items():
                i = hits[key]
                if i is not None:
                    self.add(
                        "L15", severity, template.format(level=df["geographic_level"][i]), row=i + 2, column=column
                    )

    def _check_providers(self) -> None:
        df, cols = self.df, set(self.columns)
        level = pl.col("geographic_level")
        missing = [c for c in ("provider_ukprn", "provider_name") if c not in cols]
        if missing:
            i = df.select((level == "Provider").pipe(_first)).item()
            self.error(
                "L23",
                f"Provider rows need provider_ukprn and provider_name (missing column(s): {_quote_list(missing)}).",
                row=i + 2,
                column=missing[0],
            )
            return
        is_provider = level == "Provider"
        ukprn = pl.col("provider_ukprn")
        found = df.select(
            (is_provider & (_blank("provider_ukprn") | _blank("provider_name"))).pipe(_first).alias("blank"),
            (is_provider & ~_blank("provider_ukprn") & ~ukprn.str.contains(_UKPRN)).pipe(_first).alias("format"),
        ).row(0, named=True)
        if (i := found["blank"]) is not None:
            column = "provider_ukprn" if df["provider_ukprn"][i] in (None, "") else "provider_name"
            self.error("L23", "Provider rows need provider_ukprn and provider_name.", row=i + 2, column=column)
        if (i := found["format"]) is not None:
            self.error(
                "L23",
                f"Provider rows need provider_ukprn and provider_name; '{df['provider_ukprn'][i]}' is not an 8-digit UKPRN.",
                row=i + 2,
                column="provider_ukprn",
            )

    def _code_name_pairs(self, code: str, name: str) -> pl.DataFrame:
        """Distinct (code, name) pairs with the first row each appears on: small even for big files."""
        return self.df.collect(
            self.df.lazy()
            .select(code, name, ROW)
            .filter(~(pl.col(code).is_null() & pl.col(name).is_null()))
            .group_by(code, name)
            .agg(pl.col(ROW).min())
            .sort(ROW)
        )

    def _check_la_regions(self) -> None:
        """A local authority row's region is the region ONS places it in (a code-name pair can be right and the
        row still filed under the wrong region)."""
        regions = la_regions()
        pairs = self.df.collect(
            self.df.lazy()
            .select("new_la_code", "region_code", ROW)
            .filter(pl.col("new_la_code").is_in(list(regions)) & ~_blank("region_code"))
            .group_by("new_la_code", "region_code")
            .agg(pl.col(ROW).min())
            .sort(ROW)
        )
        for la, region, row in pairs.iter_rows():
            if regions[la] != region:
                self.error(
                    "L16",
                    f"Code {la} does not match region {region} (ONS places it in {regions[la]}).",
                    row=row + 2,
                    column="region_code",
                )
                return

    def _check_codes_and_names(self) -> None:
        cols = set(self.columns)

        flagged: set[str] = set()
        for code, name, table, complete in (
            ("country_code", "country_name", {c: frozenset({n.casefold()}) for c, n in COUNTRIES.items()}, ""),
            ("region_code", "region_name", {c: frozenset({n.casefold()}) for c, n in REGIONS.items()}, "E12"),
            ("new_la_code", "la_name", ons_names("Local authority"), "E"),
            ("lad_code", "lad_name", ons_names("Local authority district"), "E"),
        ):
            if code in cols and name in cols:
                for c, n, row in self._code_name_pairs(code, name).iter_rows():
                    why = _lookup_problem(c, n, table, complete)
                    if why is not None:
                        self.error("L16", f"Code {c} does not match name {n}{why}.", row=row + 2, column=code)
                        flagged.add(code)
                        break
        if "new_la_code" in cols and "region_code" in cols and not flagged & {"new_la_code", "region_code"}:
            self._check_la_regions()
        if "old_la_code" in cols and "la_name" in cols and "new_la_code" not in flagged:
            known = old_la_names()
            for old, name, row in self._code_name_pairs("old_la_code", "la_name").iter_rows():
                if old in known and name and name.casefold() not in known[old]:
                    self.error("L16", f"Code {old} does not match name {name}.", row=row + 2, column="old_la_code")
                    flagged.add("old_la_code")
                    break

        # The same code never carries two names (organisations: within one time period, as they get renamed).
        for spec in GEOGRAPHIC_LEVELS.values():
            for code in (spec.code, spec.secondary):
                if not code or code not in cols or spec.name not in cols or code in flagged:
                    continue
                per_period = spec.level in ORGANISATION_LEVELS and "time_period" in cols
                keys = [code, "time_period"] if per_period else [code]
                has_code = ~_blank(code) & ~pl.col(code).is_in([NOT_AVAILABLE_CODE, NOT_APPLICABLE_CODE])
                # Distinct (code, [period,] name) with the first row of each: small whatever the file's size.
                named = self.df.collect(
                    self.df.lazy().filter(has_code).group_by(*keys, spec.name).agg(pl.col(ROW).min())
                )
                first_name = pl.col(spec.name).sort_by(ROW).first().over(keys)
                frame = (
                    named.filter(pl.len().over(keys) > 1)
                    .with_columns(first_name.alias("__first"))
                    .filter(pl.col(spec.name) != pl.col("__first"))
                    .sort(ROW)
                    .select(ROW, code, spec.name, "__first")
                    .head(1)
                )
                if frame.height:
                    row, c, n, first = frame.row(0)
                    period = " in one time period" if per_period else ""
                    self.error(
                        "L16",
                        f"Code {c} does not match name {n} (the same code is also named {first}{period}).",
                        row=row + 2,
                        column=spec.name,
                    )
            # 'Not available' places must carry code x (all code/name pairs).
            if spec.code and spec.code in cols and spec.name in cols and spec.level not in ("National", "Regional"):
                i = self.df.select(
                    ((pl.col(spec.name) == NOT_AVAILABLE_NAME) != (pl.col(spec.code) == NOT_AVAILABLE_CODE))
                    .fill_null(False)
                    .pipe(_first)
                ).item()
                if i is not None:
                    self.error(
                        "L16",
                        f"Code {self.df[spec.code][i]} does not match name {self.df[spec.name][i]} (unknown places are x + Not available).",
                        row=i + 2,
                        column=spec.code,
                    )

"""The public API: `screen`, `load`, `indicators_from_meta` and the `check` command (`run_check`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict, Unpack

import polars as pl

from leo_dash.core.disclosure_profiles import is_institution_count, parse_profile
from leo_dash.core.ees.findings import EESLoadError, ScreenResult, printable
from leo_dash.core.ees.reading import _meta_rows
from leo_dash.core.ees.rules import SMALL_BASE_THRESHOLD, _guess_kind, _natural_base
from leo_dash.core.ees.screener import _Screener
from leo_dash.core.model import Indicator
from leo_dash.sdc import is_single_person_extreme

# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------


def screen(
    path: str | Path,
    *,
    count_base: int | None = None,
    earnings_base: int | None = None,
    bases: Mapping[str, str] | None = None,
    small_base_threshold: int = SMALL_BASE_THRESHOLD,
    profile: Sequence[str] = (),
    out_of_core: bool | None = None,
) -> ScreenResult:
    """Run every check on an EES data file and its `.meta.csv`; parse it when nothing refuses it. Never raises
    for a bad file: problems come back as findings (a bad `profile` name raises ProfileError, a ValueError).

    count_base / earnings_base tighten L24 (e.g. 10 for FE counts); bases maps a rate (or earnings) column to the
    column holding its base for L25 (key "*" applies to every rate); other rates use the base their names suggest.
    profile names the publication's disclosure conventions (leo_dash.core.disclosure_profiles), which L24 checks
    instead of the defaults, e.g. ("counts unrounded, suppressed below 6", "percentages whole").
    out_of_core stages the cells on disk (DuckDB) and streams every check over them, in bounded memory; None
    decides by file size (leo_dash.core.staging.OUT_OF_CORE_BYTES). The result then holds a lazy table (`scan()`).
    """
    screener = _Screener(
        Path(path),
        count_base=count_base,
        earnings_base=earnings_base,
        bases=dict(bases or {}),
        small_base_threshold=small_base_threshold,
        profile=parse_profile(profile),
        out_of_core=out_of_core,
    )
    return screener.run()


class ScreenOptions(TypedDict, total=False):
    """screen()'s keyword options, for the functions that pass them on (documented and defaulted there)."""

    count_base: int | None
    earnings_base: int | None
    bases: Mapping[str, str] | None
    small_base_threshold: int
    profile: Sequence[str]
    out_of_core: bool | None


def load(path: str | Path, **options: Unpack[ScreenOptions]) -> ScreenResult:
    """screen(), raising EESLoadError when any check refuses the file."""
    result = screen(path, **options)
    if not result.ok:
        raise EESLoadError(result.findings, result.path)
    return result


def indicators_from_meta(meta: pl.DataFrame) -> list[Indicator]:
    """Indicators declared in a meta file, with kind guessed from unit and name, and a base guessed for rates."""
    rows = _meta_rows(meta)
    declared = [r for r in rows if r["col_type"] == "Indicator" and r["col_name"]]
    base_candidates = [
        r["col_name"] for r in declared if _guess_kind(r["col_name"], r["indicator_unit"], r["label"]) == "base"
    ]
    out: list[Indicator] = []
    for r in declared:
        column, unit = r["col_name"], r["indicator_unit"]
        kind = _guess_kind(column, unit, r["label"])
        dp_text = r["indicator_dp"]
        dp = int(dp_text) if dp_text.isdigit() else None
        base = _natural_base(column, base_candidates) if kind == "rate" else None
        # D5: single-person values (minimum/maximum), judged from the name and the meta label.
        hidden = unit in ("£", "£m") and is_single_person_extreme(column, r["label"])
        # A count of organisations is marked (never a base, never rounded); other counts count people.
        counts = "institutions" if unit == "" and is_institution_count(column, r["label"]) else ""
        out.append(Indicator(column, r["label"] or column, kind, unit, dp, base, hidden, counts))
    return out


def run_check(paths: Sequence[str], profile: Sequence[str] = ()) -> int:
    """The `python -m leo_dash check PATH...` command: print every finding per file; 1 on any error, else 0.
    `profile` declares the publication's disclosure conventions (the same for every file)."""
    any_error = False
    for raw in paths:
        result = screen(raw, profile=profile)
        name = printable(result.path.name)
        for finding in result.errors + result.warnings:
            print(finding)
        n_err, n_warn = len(result.errors), len(result.warnings)
        verdict = "refused" if n_err else "loads"
        rows = f", {result.frame.height:,} rows" if result.frame is not None else ""
        print(
            f"{name}: {verdict} — {n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}{rows}."
        )
        any_error = any_error or bool(n_err)
    return 1 if any_error else 0

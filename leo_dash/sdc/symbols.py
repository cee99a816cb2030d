"""The shared vocabulary of disclosure control: the symbols it writes, the count columns `aggregate` adds, and
the scratch-column helpers every rule uses (a scratch column is never left in an output frame)."""

from __future__ import annotations

import polars as pl

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
N_ROWS = "n_rows"  # aggregate's column: how many input rows each derived row combines
N_EXCLUDED = "n_excluded"  # aggregate's column (published_cells_only): input rows left out for carrying a symbol
# A base carrying one of these is small or secret, so no earnings figure may rest on it.
SMALL_BASE_SYMBOLS: tuple[str, ...] = ("c", "low", "k")
# A derived cell whose contributors all carry the same one of these keeps it; other mixes become "x".
_INHERITED_SYMBOLS: tuple[str, ...] = ("x", "z")
# Float error when comparing a numerator estimated from rounded inputs with its threshold.
_NUMERATOR_TOLERANCE = 1e-9
_TMP = "__sdc_"  # prefix of scratch columns; never left in an output frame


def _null_str() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def _null_float() -> pl.Expr:
    return pl.lit(None, dtype=pl.Float64)


def _scratch(column: str, what: str) -> str:
    """Name of a scratch column; never left in an output frame."""
    return f"{_TMP}{column}_{what}"

"""The two real DfE FE outcomes files must pass the loader, with every symbol kept as null + status."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from leo_dash.core import ees
from leo_dash.core.model import status_column
from leo_dash.core.paths import REFERENCE_DIR

REAL_FILES = ("fe_outcomes_provider_benefits.csv.gz", "fe_outcomes_community_learning.csv.gz")


@pytest.fixture(scope="module", params=REAL_FILES)
def screened(request: pytest.FixtureRequest) -> tuple[Path, ees.ScreenResult, pl.DataFrame]:
    path = REFERENCE_DIR / request.param
    assert path.exists(), f"real reference data missing at {path}: the repository ships them in data/reference"
    raw = pl.read_csv(path, infer_schema=False)
    # FE outcomes counts are rounded to 10: screening with the stricter base must pass too.
    return path, ees.screen(path, count_base=10), raw


def test_real_file_passes_with_only_expected_warnings(screened: tuple[Path, ees.ScreenResult, pl.DataFrame]) -> None:
    path, result, raw = screened
    assert result.errors == [], "\n".join(map(str, result.errors))
    assert result.ok and result.frame is not None
    # Percentages over 100 (any_learn_percent up to 114...) are the only known quirk: a warning, never an error.
    assert {(f.rule, f.severity) for f in result.warnings} <= {("L20", "warning")}
    assert any(f.column == "any_learn_percent" for f in result.warnings)
    assert result.frame.height == raw.height
    assert all(f.file == path.name for f in result.findings)


def test_real_file_frame_follows_the_convention(screened: tuple[Path, ees.ScreenResult, pl.DataFrame]) -> None:
    _path, result, raw = screened
    frame = result.frame
    assert frame is not None and result.meta is not None
    assert frame.schema["time_period"] == pl.Int64
    assert frame["time_period"].to_list() == raw["time_period"].cast(pl.Int64).to_list()
    for column in ("provider_ukprn", "provider_name", "provision", "benefit_learner"):
        assert frame.schema[column] == pl.String
        assert frame[column].equals(raw[column])
    indicators = result.meta.filter(pl.col("col_type") == "Indicator")["col_name"].to_list()
    assert len(indicators) > 30
    for column in indicators:
        values, statuses, text = frame[column], frame[status_column(column)], raw[column]
        assert values.dtype == pl.Float64 and statuses.dtype == pl.String
        for symbol in ("c", "x", "z", "low", "k", "u"):
            assert (text == symbol).sum() == (statuses == symbol).sum(), (column, symbol)
        assert values.null_count() == statuses.is_not_null().sum()
        # A symbol never becomes 0: zeros in the frame are exactly the published zeros.
        assert (values == 0).sum() == text.is_in(["0", "0.0"]).sum()
        published = text.cast(pl.Float64, strict=False)
        assert values.drop_nulls().equals(published.drop_nulls(), check_names=False)


def test_real_file_has_suppressed_cells(screened: tuple[Path, ees.ScreenResult, pl.DataFrame]) -> None:
    _path, result, raw = screened
    assert result.frame is not None
    assert (raw["spd_percent"] == "c").sum() > 1000
    assert (result.frame[status_column("spd_percent")] == "c").sum() == (raw["spd_percent"] == "c").sum()


def test_real_meta_indicators() -> None:
    meta = pl.read_csv(REFERENCE_DIR / "fe_outcomes_provider_benefits.meta.csv", infer_schema=False)
    indicators = {i.column: i for i in ees.indicators_from_meta(meta)}
    assert indicators["number_of_learners"].kind == "count"  # as the committed catalogue has it; never a guessed base
    assert indicators["number_of_matched_learners"].kind == "base"
    assert indicators["spd_percent"].kind == "rate"
    assert indicators["spd_percent"].base == "number_of_matched_learners"
    assert indicators["spd_percent"].unit == "%" and indicators["spd_percent"].dp == 0
    assert indicators["spd_percent"].label == "Sustained positive destination (%)"
    assert "provision" not in indicators

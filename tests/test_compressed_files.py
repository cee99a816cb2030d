"""Data files stored gzip-compressed (`name.csv.gz` + `name.meta.csv`): the real tables ship that way (#13 item 5).

The loader must treat a compressed file exactly as the plain one, and a damaged or exploding one as bad input with
a clear L2 error, never a stack trace.
"""

from __future__ import annotations

import gzip
import shutil
import tomllib
from pathlib import Path

import polars as pl
import pytest

from leo_dash.cli import main
from leo_dash.core import ees, paths, store
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.ees import reading

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
NAME = "unrounded_suppressed_counts"


def _compressed_pair(directory: Path, name: str = NAME, text: str | None = None) -> Path:
    """A fixture pair with its data file gzip-compressed (optionally with other text)."""
    source = FIXTURES / f"{name}.csv"
    target = directory / f"{name}.csv.gz"
    with gzip.open(target, "wb") as handle:
        handle.write((text if text is not None else source.read_text()).encode())
    shutil.copy(FIXTURES / f"{name}.meta.csv", directory / f"{name}.meta.csv")
    return target


def _errors(result: ees.ScreenResult) -> list[str]:
    return [f"{f.rule}: {f.message}" for f in result.errors]


def test_a_compressed_file_screens_exactly_like_the_plain_one(tmp_path: Path) -> None:
    profile = ("counts unrounded, suppressed below 6", "percentages whole")
    plain = ees.screen(FIXTURES / f"{NAME}.csv", profile=profile)
    compressed = ees.screen(_compressed_pair(tmp_path), profile=profile)
    assert compressed.ok, _errors(compressed)
    assert [(f.rule, f.severity, f.column, f.row) for f in compressed.findings] == [
        (f.rule, f.severity, f.column, f.row) for f in plain.findings
    ]
    assert plain.frame is not None and compressed.frame is not None
    assert compressed.frame.equals(plain.frame)


def test_pointing_at_the_metadata_screens_the_compressed_data_file(tmp_path: Path) -> None:
    _compressed_pair(tmp_path)
    result = ees.screen(tmp_path / f"{NAME}.meta.csv", profile=("counts unrounded, suppressed below 6",))
    assert result.path.name == f"{NAME}.csv.gz"
    assert result.ok, _errors(result)
    assert result.frame is not None and result.frame.height > 0


def test_a_bad_row_inside_a_compressed_file_is_named(tmp_path: Path) -> None:
    lines = (FIXTURES / f"{NAME}.csv").read_text().splitlines()
    lines[3] += ",extra"
    result = ees.screen(_compressed_pair(tmp_path, text="\n".join(lines) + "\n"))
    l2 = [f for f in result.errors if f.rule == "L2"]
    assert l2 and l2[0].row == 4
    assert f"{NAME}.csv.gz row 4: bad encoding or field count." in l2[0].message


def test_a_damaged_compressed_file_is_a_clear_error(tmp_path: Path) -> None:
    target = _compressed_pair(tmp_path)
    target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])  # cut off mid-stream
    result = ees.screen(target)
    assert not result.ok
    assert any(f.rule == "L2" and f"{NAME}.csv.gz" in f.message for f in result.errors), _errors(result)

    target.write_bytes(b"this is not gzip at all\n")
    result = ees.screen(target)
    assert any(f.rule == "L2" for f in result.errors), _errors(result)


def test_a_file_that_expands_past_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _compressed_pair(tmp_path)
    size = len(gzip.decompress(target.read_bytes()))
    monkeypatch.setattr(reading, "MAX_DECOMPRESSED_BYTES", size - 1)  # where _decompressed_size_problem reads it
    result = ees.screen(target)
    assert any(f.rule == "L2" and "expands to more than" in f.message for f in result.errors), _errors(result)
    assert result.frame is None


def test_meta_path_of_compressed_and_plain_files() -> None:
    assert paths.meta_path("data/reference/x_table.csv.gz").name == "x_table.meta.csv"
    assert paths.meta_path("data/demo/y.csv").name == "y.meta.csv"
    assert paths.data_stem("z.meta.csv") == "z"


def test_check_and_add_accept_a_compressed_file(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _compressed_pair(tmp_path)
    profile = ["--profile", "counts unrounded, suppressed below 6", "--profile", "percentages whole"]
    assert main(["check", str(source), *profile]) == 0
    assert main(["add", str(source), "--id", "packed", *profile, "--base", "*=cohort"]) == 0
    capsys.readouterr()
    entry = load_catalogue(data_dir).get("packed")
    assert entry.files[0].endswith(".csv.gz")
    prepared = store.prepare(entry, data_dir=data_dir)
    assert prepared.rows == 9


def test_the_committed_catalogue_reads_nothing_outside_the_repository() -> None:
    # A fresh clone has no ../shared beside it: every committed table must ship in the repository.
    for toml_file in sorted((paths.PROJECT_ROOT / "data" / "catalogue").glob("*.toml")):
        raw = tomllib.loads(toml_file.read_text())
        for file in raw["files"]:
            resolved = paths.resolve(file)
            assert resolved.is_relative_to(paths.PROJECT_ROOT), f"{toml_file.name}: {file} is outside the project"
            assert resolved.is_file() and paths.meta_path(file).is_file(), f"{toml_file.name}: {file} missing"


def test_shipped_real_tables_are_the_published_ones_and_say_their_licence() -> None:
    readme = (paths.REFERENCE_DIR / "README.md").read_text()
    assert "Open Government Licence v3.0" in readme
    for name in ("fe_outcomes_provider_benefits", "fe_outcomes_community_learning"):
        frame = pl.read_csv(paths.REFERENCE_DIR / f"{name}.csv.gz", infer_schema=False)
        assert frame.height > 50_000 and "provider_ukprn" in frame.columns
        assert f"`{name}.csv.gz`" in readme

"""The out-of-core loader path (DuckDB staging + streaming checks) gives exactly what the in-memory path gives:
the same findings (rule, severity, message, file, row, column) for every failing fixture and the same parsed table
for every good file, real DfE files included. Issue 15, item 1."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from leo_dash.core import catalogue, ees, paths, staging, store
from leo_dash.sdc import protection
from tests.test_ees import CASES, DAMAGED_VALUES, Case, Pair

ROOT = Path(__file__).resolve().parent.parent
GOOD_FILES = sorted(
    [
        *(ROOT / "tests" / "fixtures" / "ees").glob("*.csv"),
        *(ROOT / "tests" / "fixtures" / "loader").glob("*.csv"),
        *(ROOT / "data" / "reference").glob("*.csv.gz"),
        *(ROOT / "data" / "demo").glob("*.csv"),
    ]
)
GOOD_FILES = [p for p in GOOD_FILES if not p.name.endswith(".meta.csv")]


def both_ways(path: Path, **kwargs: object) -> tuple[ees.ScreenResult, ees.ScreenResult]:
    in_memory = ees.screen(path, out_of_core=False, **kwargs)  # type: ignore[arg-type]
    out_of_core = ees.screen(path, out_of_core=True, **kwargs)  # type: ignore[arg-type]
    return in_memory, out_of_core


def assert_same(in_memory: ees.ScreenResult, out_of_core: ees.ScreenResult) -> None:
    assert out_of_core.findings == in_memory.findings
    assert not any("could not be screened" in f.message for f in out_of_core.findings), out_of_core.findings
    if in_memory.ok:
        assert out_of_core.out_of_core and out_of_core.frame is None  # never materialised by the loader
        assert in_memory.frame is not None
        assert_frame_equal(out_of_core.scan().collect(engine="streaming"), in_memory.frame)
    else:
        assert out_of_core.lazy is None and out_of_core.staged is None  # refused: the staged cells are gone


def test_the_fixtures_cover_files_of_every_kind() -> None:
    names = {p.name for p in GOOD_FILES}
    assert "fe_outcomes_provider_benefits.csv.gz" in names and "minimal.csv" in names
    assert len(GOOD_FILES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_check_finds_the_same_on_both_paths(case: Case, tmp_path: Path) -> None:
    pair = Pair.minimal()
    case.mutate(pair)
    path = pair.write(tmp_path)
    in_memory, out_of_core = both_ways(path, **case.kwargs)
    assert any(f.rule == case.rule and f.severity == case.severity for f in out_of_core.findings)
    assert_same(in_memory, out_of_core)


@pytest.mark.parametrize("path", GOOD_FILES, ids=[p.name for p in GOOD_FILES])
def test_real_and_fixture_files_screen_and_parse_the_same_out_of_core(path: Path) -> None:
    assert_same(*both_ways(path))


def test_gzip_and_bom_and_crlf_files_stage_like_plain_ones(tmp_path: Path) -> None:
    pair = Pair.minimal()
    path = pair.write(tmp_path)
    text = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
    in_memory, out_of_core = both_ways(path)
    assert in_memory.ok
    assert_same(in_memory, out_of_core)
    compressed = path.with_name(path.name + ".gz")
    compressed.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    assert_same(*both_ways(compressed))


def test_staged_cells_live_while_the_result_is_used_and_go_on_close(tmp_path: Path) -> None:
    path = Pair.minimal().write(tmp_path)
    result = ees.screen(path, out_of_core=True)
    assert result.staged is not None and result.staged.parquet.is_file()
    assert result.scan().select(pl.len()).collect().item() == 18
    result.close()
    assert not result.staged.parquet.exists()


def test_staging_goes_to_the_configured_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setenv("LEO_SCREEN_TMP", str(spill))
    path = Pair.minimal().write(tmp_path)
    result = ees.screen(path, out_of_core=True)
    assert result.staged is not None and result.staged.parquet.is_relative_to(spill)
    result.close()
    assert list(spill.iterdir()) == []


def test_size_decides_the_path_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Pair.minimal().write(tmp_path)
    assert not ees.screen(path).out_of_core
    monkeypatch.setattr(staging, "OUT_OF_CORE_BYTES", 100)
    assert ees.screen(path).out_of_core


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    row=st.integers(min_value=1, max_value=19),
    column=st.integers(min_value=0, max_value=11),
    value=DAMAGED_VALUES,
)
def test_random_cell_damage_finds_the_same_on_both_paths(row: int, column: int, value: str, tmp_path: Path) -> None:
    pair = Pair.minimal()
    if row == 1:
        pair.header[column] = value
    else:
        pair.rows[row - 2][column] = value
    assert_same(*both_ways(pair.write(tmp_path)))


@pytest.mark.parametrize("value", ["0\r", "\r", "2021\r22"])
def test_a_lone_carriage_return_in_a_cell_is_refused_alike_on_both_paths(value: str, tmp_path: Path) -> None:
    """Regression (found by the random-damage test): Polars' in-memory reader kept a lone CR inside the cell and
    judged the value (L12), the out-of-core path ended the record there (L2). Both now refuse the row as L2."""
    pair = Pair.minimal()
    pair.rows[0][0] = value
    in_memory, out_of_core = both_ways(pair.write(tmp_path))
    assert_same(in_memory, out_of_core)
    assert [(f.rule, f.row) for f in in_memory.findings if f.severity == "error"][:1] == [("L2", 2)]


def test_crlf_line_endings_are_not_a_lone_carriage_return(tmp_path: Path) -> None:
    path = Pair.minimal().write(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    in_memory, out_of_core = both_ways(path)
    assert_same(in_memory, out_of_core)
    assert in_memory.ok, in_memory.findings


# --- preparation: a large table is protected one slice at a time and written without being held whole ------------


def _prepared(entry_id: str, out_of_core: bool, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> store.PreparedTable:
    monkeypatch.setattr(staging, "OUT_OF_CORE_BYTES", 0 if out_of_core else 10**15)
    entry = catalogue.load_catalogue().get(entry_id)
    return store.prepare(entry, data_dir=tmp, force=True)


@pytest.mark.parametrize(
    "entry_id",
    ["demo_graduate_outcomes", "demo_benefit_claims", "demo_school_college_destinations", "leo_graduate_industry"],
)
def test_a_table_prepared_out_of_core_is_the_table_prepared_in_memory(
    entry_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_memory = _prepared(entry_id, False, tmp_path / "memory", monkeypatch)
    out_of_core = _prepared(entry_id, True, tmp_path / "disk", monkeypatch)
    # Same rows in the same order (sorted for row-group skipping), same cells hidden by the protection pass.
    assert_frame_equal(pl.read_parquet(out_of_core.parquet), pl.read_parquet(in_memory.parquet))
    assert out_of_core.rows == in_memory.rows
    # Rounds are the most any slice needed, so fewer than the whole table's; every count is the same.
    without_rounds = [{k: v for k, v in p.protection.items() if k != "rounds"} for p in (out_of_core, in_memory)]
    assert without_rounds[0] == without_rounds[1]
    assert out_of_core.warnings == in_memory.warnings


def test_slices_are_time_and_years_after_unless_they_hold_total_or_blanks() -> None:
    entry = catalogue.load_catalogue().get("demo_graduate_outcomes")
    time_column, years = entry.role("time"), entry.role("years_after")
    assert time_column and years
    table = pl.LazyFrame({time_column: [202122, 202223], years: ["1", "3"], "x": [1, 2]})
    assert protection.slice_columns(entry, table) == [time_column, years]
    with_total = pl.LazyFrame({time_column: [202122, 202223], years: ["1", "Total"], "x": [1, 2]})
    assert protection.slice_columns(entry, with_total) == [time_column]
    with_blank = pl.LazyFrame({time_column: [202122, 202223], years: ["1", None], "x": [1, 2]})
    assert protection.slice_columns(entry, with_blank) == [time_column]


def test_a_refused_large_file_keeps_the_prepared_table_and_leaves_no_staged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setenv("LEO_SCREEN_TMP", str(spill))
    monkeypatch.setattr(staging, "OUT_OF_CORE_BYTES", 0)
    entry = catalogue.load_catalogue().get("demo_benefit_claims")
    prepared = store.prepare(entry, data_dir=tmp_path, force=True)
    before = prepared.parquet.read_bytes()
    source = tmp_path / "broken.csv"
    original = paths.resolve(entry.files[0])
    lines = original.read_text(encoding="utf-8").splitlines()
    lines[5] += ",extra"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "broken.meta.csv").write_bytes(
        original.with_name(original.name[: -len(".csv")] + ".meta.csv").read_bytes()
    )
    broken = dataclasses.replace(entry, files=(str(source), *entry.files[1:]))
    with pytest.raises(ees.EESLoadError) as refused:
        store.prepare(broken, data_dir=tmp_path, force=True)
    assert "broken.csv" in str(refused.value) and "row 6" in str(refused.value) and "L2" in str(refused.value)
    assert prepared.parquet.read_bytes() == before
    assert list(spill.iterdir()) == []


def test_registering_a_large_file_builds_the_same_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    from leo_dash.core import registration

    path = ROOT / "data" / "reference" / "fe_outcomes_provider_benefits.csv.gz"
    request = registration.RegistrationRequest(path, "fe_test", "FE test", release_date=dt.date(2026, 1, 1))
    in_memory = registration.build_entry(request, ees.screen(path, out_of_core=False))
    out_of_core = registration.build_entry(request, ees.screen(path, out_of_core=True))
    assert out_of_core == in_memory


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    whole=st.integers(min_value=0, max_value=99),
    decimals=st.text(alphabet="0123456789", min_size=0, max_size=7),
    dp=st.integers(min_value=0, max_value=3),
)
def test_rate_decimals_are_judged_as_exact_decimal_rounding_would(
    whole: int, decimals: str, dp: int, tmp_path: Path
) -> None:
    """L24 counts a rate's decimals in float steps (so the check streams); it warns exactly when exact decimal
    arithmetic says the published value is not a multiple of its indicator_dp."""
    from decimal import Decimal

    text = f"{whole}.{decimals}" if decimals else str(whole)
    pair = Pair.minimal()
    pair.set(2, "emp_percent", text)
    for row in pair.meta:
        if row[0] == "emp_percent":
            row[5] = str(dp)
    result = ees.screen(pair.write(tmp_path), out_of_core=False)
    warned = [f for f in result.warnings if f.rule == "L24" and f.column == "emp_percent" and f.row == 2]
    exact = Decimal(text) % Decimal(1).scaleb(-dp) != 0
    assert bool(warned) == exact, (text, dp, [str(f) for f in result.findings])


@pytest.mark.parametrize("entry_id", catalogue.load_catalogue().ids())
def test_every_table_prepared_out_of_core_withstands_the_whole_table_attack(
    entry_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slice by slice (or whole, where the linear program runs: fe_provider_benefits, whose slices were still open
    to the program over the whole table), the prepared table gives an attacker of the whole table nothing."""
    prepared = _prepared(entry_id, True, tmp_path, monkeypatch)
    entry = catalogue.load_catalogue().get(entry_id)
    solver = "linear program" in prepared.protection["attackers"]
    result = protection.attack(entry, pl.read_parquet(prepared.parquet), solver=solver)
    assert (result.pinned, result.narrowed) == (0, 0), result.examples

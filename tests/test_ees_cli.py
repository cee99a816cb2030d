"""`python -m leo_dash check PATH...` (leo_dash.core.ees.run_check): every finding per file, errors first, exit code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leo_dash.core import ees
from leo_dash.core.paths import PROJECT_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "ees" / "minimal.csv"


def _bad_copy(directory: Path) -> Path:
    """The fixture with an unrounded count (error) and a percentage over 100 (warning)."""
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    fields = text[3].split(",")
    fields[8], fields[10] = "73", "104"
    text[3] = ",".join(fields)
    path = directory / "bad_file.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    shutil.copy(FIXTURE.with_name("minimal.meta.csv"), directory / "bad_file.meta.csv")
    return path


def test_run_check_passes_a_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert ees.run_check([str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "minimal.csv: loads — 0 errors, 0 warnings, 18 rows."


def test_run_check_prints_errors_then_warnings_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _bad_copy(tmp_path)
    assert ees.run_check([str(FIXTURE), str(bad), str(tmp_path / "missing.csv")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "minimal.csv: loads — 0 errors, 0 warnings, 18 rows."
    assert lines[1].startswith("error L24 · bad_file.csv · row 4 · column number_of_learners: ")
    assert lines[2].startswith("warning L20 · bad_file.csv · row 4 · column emp_percent: ")
    assert lines[3] == "bad_file.csv: refused — 1 error, 1 warning."
    assert lines[4] == "error L1 · missing.csv: missing.csv was not found."
    assert lines[5] == "missing.csv: refused — 1 error, 0 warnings."


def test_command_line_check(tmp_path: Path) -> None:
    bad = _bad_copy(tmp_path)
    good = subprocess.run(
        [sys.executable, "-m", "leo_dash", "check", str(FIXTURE)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert "minimal.csv: loads" in good.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "leo_dash", "check", str(FIXTURE), str(bad)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "error L24 · bad_file.csv · row 4" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr

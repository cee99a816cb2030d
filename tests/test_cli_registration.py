import datetime as dt
import subprocess
import sys

import pytest

from leo_dash.cli import main
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.catalogue_status import catalogue_statuses
from tests.conftest import write_ees
from tests.test_store_query import HEADER, META, _rows


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leo_dash", *args], cwd=paths.PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("name", ["fe_outcomes_provider_benefits.csv.gz", "fe_outcomes_community_learning.csv.gz"])
def test_check_passes_the_real_reference_files(reference_dir, name):
    result = run_cli("check", str(reference_dir / name))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_check_refuses_a_bad_file_with_exit_1(tmp_path):
    bad = write_ees(tmp_path, "bad_file", HEADER, [r[:-1] + ["NULL"] for r in _rows()], META)
    result = run_cli("check", str(bad))
    assert result.returncode == 1
    assert "L21" in result.stdout and "bad_file.csv" in result.stdout
    assert "Traceback" not in result.stderr


def test_add_registers_a_good_file(data_dir, capsys):
    source = write_ees(data_dir / "src", "new_table", HEADER, _rows(), META)
    code = main(
        [
            "add",
            str(source),
            "--id",
            "new_table",
            "--title",
            "New",
            "--count-base",
            "10",
            "--base",
            "*=number_of_matched_learners",
            "--release-date",
            "2026-10-01",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    entry = load_catalogue(data_dir).get("new_table")
    assert entry.role("provider_id") == "provider_ukprn"
    assert entry.indicator("benefit_percent").base == "number_of_matched_learners"
    # The review date counts from registration (today), not from the release date (issue #13).
    today = dt.date.today()
    assert entry.next_review == today.replace(
        year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day
    )
    assert entry.filters == ("provision",)


def test_add_refuses_a_bad_file_and_leaves_the_catalogue_untouched(data_dir, capsys):
    source = write_ees(data_dir / "src", "new_table", HEADER, [r[:-2] + [13, 5] for r in _rows()], META)
    before = sorted(p.name for p in (data_dir / "catalogue").iterdir())
    code = main(["add", str(source), "--id", "new_table", "--count-base", "10"])
    out = capsys.readouterr().out
    assert code == 1
    assert "L24" in out and "catalogue was not changed" in out
    assert sorted(p.name for p in (data_dir / "catalogue").iterdir()) == before


def test_add_refuses_duplicate_id_and_bad_role(data_dir, capsys):
    source = write_ees(data_dir / "src", "new_table", HEADER, _rows(), META)
    assert main(["add", str(source), "--id", "new_table", "--count-base", "10"]) == 0
    assert main(["add", str(source), "--id", "new_table", "--count-base", "10"]) == 1
    assert "already registered" in capsys.readouterr().out
    assert main(["add", str(source), "--id", "other", "--role", "colour=provision", "--count-base", "10"]) == 1
    assert "Unknown role" in capsys.readouterr().out
    assert sorted(p.name for p in (data_dir / "catalogue").glob("*.toml")) == ["new_table.toml"]


def test_catalogue_status_reports_failed_and_overdue(data_dir, capsys):
    source = write_ees(data_dir / "src", "t_ok", HEADER, _rows(), META)
    assert main(["add", str(source), "--id", "t_ok", "--count-base", "10", "--next-review", "2021-01-01"]) == 0
    statuses = {s.table_id: s for s in catalogue_statuses(data_dir=data_dir)}
    assert statuses["t_ok"].status == "overdue for review"
    source.write_text(source.read_text().replace("Academic year", "Acad year"))
    statuses = {s.table_id: s for s in catalogue_statuses(data_dir=data_dir)}
    assert statuses["t_ok"].status == "failed checks" and "L13" in statuses["t_ok"].detail
    assert main(["catalogue"]) == 1
    assert "failed checks" in capsys.readouterr().out


def test_cli_catalogue_lists_committed_tables(reference_dir):
    result = run_cli("catalogue")
    assert "fe_provider_benefits" in result.stdout and "ok" in result.stdout

"""Several servers sharing one data folder (issue 15, item 5), without a browser: preparation once per release and
never by a server that only reads prepared tables, a cross-process lock so two processes never screen the same
table twice, and an audit trail written by many processes (one file per server) read back whole and in order.
The browser test with two live servers is tests/browser/test_scale_out.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leo_dash.cli import main
from leo_dash.core import catalogue, catalogue_status, store
from leo_dash.core.paths import PROJECT_ROOT
from leo_dash.governance import audit, retention
from tests.apptest_pages import open_page
from tests.test_benefits_fixture import make_tables


def _run(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)} | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


PREPARE_IN_A_PROCESS = """
    import os, time
    from pathlib import Path
    from leo_dash.core import catalogue, store
    data_dir = Path(os.environ["TEST_DATA_DIR"])
    real = store._screen_results
    def counted(entry):
        print("SCREENED", flush=True)
        time.sleep(1.0)  # long enough for the other process to arrive while this one holds the lock
        return real(entry)
    store._screen_results = counted
    entry = catalogue.load_catalogue(data_dir).get("test_fe_benefits")
    prepared = store.prepare(entry, data_dir=data_dir)
    print("ROWS", prepared.rows, flush=True)
"""


def test_two_processes_preparing_one_table_screen_it_once(data_dir: Path) -> None:
    make_tables(data_dir)
    env = {"TEST_DATA_DIR": str(data_dir)}
    first, second = _run(PREPARE_IN_A_PROCESS, env), _run(PREPARE_IN_A_PROCESS, env)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert all(p.returncode == 0 for p in (first, second)), [err for _, err in outputs]
    stdout = [out for out, _ in outputs]
    assert sum(out.count("SCREENED") for out in stdout) == 1, stdout
    rows = {line for out in stdout for line in out.splitlines() if line.startswith("ROWS")}
    assert len(rows) == 1
    manifest = json.loads((data_dir / "parquet" / "test_fe_benefits.json").read_text())
    assert manifest["prepared_by"].endswith(f":{first.pid}") or manifest["prepared_by"].endswith(f":{second.pid}")


def test_a_server_that_reads_prepared_tables_only_never_screens(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tables(data_dir)
    entry = catalogue.load_catalogue(data_dir).get("test_fe_benefits")
    monkeypatch.setenv(store.PREPARED_ONLY_ENV, "1")
    with pytest.raises(store.NotPrepared, match="python -m leo_dash prepare"):
        store.prepare(entry, data_dir=data_dir)
    assert not (data_dir / "parquet" / "test_fe_benefits.parquet").exists()
    status = catalogue_status.table_status(entry, data_dir=data_dir)
    assert status.status == "not prepared"
    monkeypatch.delenv(store.PREPARED_ONLY_ENV)
    assert catalogue_status.prepare_tables(["test_fe_benefits"], data_dir=data_dir) == 0  # the release step
    monkeypatch.setenv(store.PREPARED_ONLY_ENV, "1")
    assert store.prepare(entry, data_dir=data_dir).rows > 0  # now read, not screened


@pytest.mark.usefixtures("fresh_app")
def test_a_page_on_an_unprepared_table_says_so_without_a_trace(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tables(data_dir)
    monkeypatch.setenv(store.PREPARED_ONLY_ENV, "1")
    at = open_page("pages/benefits.py", {"table": "test_fe_benefits"})
    warnings = [str(w.value) for w in at.warning]
    assert any("has not been prepared for this release" in w for w in warnings), warnings
    assert not at.get("plotly_chart")


def test_prepare_command_prepares_every_table_and_names_failures(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tables(data_dir)
    assert main(["--data-dir", str(data_dir), "prepare"]) == 0
    out = capsys.readouterr().out
    assert "test_benefit_rates: " in out and "test_fe_benefits: " in out and "rows ready" in out
    assert (data_dir / "parquet" / "test_benefit_rates.parquet").exists()
    assert main(["--data-dir", str(data_dir), "prepare", "no_such_table"]) == 1
    assert "no_such_table: no such table in the catalogue" in capsys.readouterr().out


WRITE_RECORDS = """
    import os
    from leo_dash.governance import audit
    for i in range(int(os.environ["N"])):
        audit.record("page_view", user=os.environ["WHO"], page="earnings", filters={"i": str(i)})
"""


def test_many_servers_write_the_audit_trail_and_every_record_reads_back(tmp_path: Path) -> None:
    folder = tmp_path / "audit"
    n = 150
    writers = {f"web-{k}": {"LEO_AUDIT_WRITER": f"web-{k}"} for k in range(3)}
    writers |= {f"shared-{k}": {} for k in range(2)}  # two processes of one server appending to the shared file
    processes = [
        _run(WRITE_RECORDS, {"LEO_AUDIT_DIR": str(folder), "N": str(n), "WHO": who} | extra)
        for who, extra in writers.items()
    ]
    for p in processes:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    names = sorted(f.name for f in folder.iterdir())
    assert names == sorted([f"audit-{month}.jsonl", *(f"audit-{month}.web-{k}.jsonl" for k in range(3))])
    log = audit.read_records(folder)
    assert log.damaged == 0 and len(log.records) == n * len(writers)
    for who in writers:
        mine = [r for r in log.records if r["user"] == who]
        assert [r["filters"]["i"] for r in mine] == [str(i) for i in range(n)]  # each writer's order kept
    times = [audit.record_time(r) for r in log.records]
    assert times == sorted(times)


def test_retention_and_a_bad_writer_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    line = audit.encode(audit.build_record("page_view", user="u", now=dt.datetime(2020, 1, 5, tzinfo=dt.UTC)))
    for name in ("audit-2020-01.jsonl", "audit-2020-01.web-1.jsonl"):
        (folder / name).write_bytes(line)
    expired = retention.expired_audit_files(folder, today=dt.date(2026, 12, 4), months=24)
    assert sorted(e.path.name for e in expired) == ["audit-2020-01.jsonl", "audit-2020-01.web-1.jsonl"]
    monkeypatch.setenv(audit.AUDIT_WRITER_ENV, "../../etc/x")
    with pytest.raises(ValueError, match="LEO_AUDIT_WRITER"):
        audit.audit_file(folder, dt.datetime(2026, 12, 4, tzinfo=dt.UTC))

"""The audit trail: append-only JSON lines that survive a killed writer and concurrent writers, a tolerant reader,
and the `python -m leo_dash audit` summary."""

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leo_dash.cli import main
from leo_dash.core import paths
from leo_dash.governance import audit

WRITER = """
import sys
from pathlib import Path
from leo_dash.governance import audit
directory, name, limit = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
i = 0
while limit < 0 or i < limit:
    audit.record("page_view", user=name, page="home", table="t", filters={"seq": str(i), "pad": "x" * (i % 300)},
                 directory=directory)
    i += 1
"""


def start_writer(directory: Path, name: str, limit: int = -1) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), name, str(limit)],
        cwd=paths.PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def lines_in(directory: Path) -> int:
    return sum(f.read_bytes().count(b"\n") for f in directory.glob("audit-*.jsonl"))


def test_record_writes_one_complete_json_line(tmp_path: Path):
    when = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
    audit.record(
        "export",
        user="ann@example.org",
        page="institutions",
        table="demo_x",
        filters={"year": "2022-23", "provider": ["1", "2"]},
        export_type="csv",
        rows=42,
        directory=tmp_path,
        now=when,
    )
    file = tmp_path / "audit-2026-03.jsonl"
    data = file.read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    entry = json.loads(data)
    assert entry == {
        "v": 1,
        "time": "2026-03-01T12:30:00.000+00:00",
        "user": "ann@example.org",
        "event": "export",
        "page": "institutions",
        "table": "demo_x",
        "filters": {"year": "2022-23", "provider": ["1", "2"]},
        "export_type": "csv",
        "rows": 42,
        "detail": None,
    }


def test_values_cannot_break_a_line_and_are_bounded(tmp_path: Path):
    audit.record(
        "page_view",
        user="",
        page='p\n{"event":"export"}',
        filters={"x": "a\nb\r\u2028c", "long": "y" * 5000, **{f"k{i}": i for i in range(200)}},
        directory=tmp_path,
    )
    (file,) = tmp_path.glob("audit-*.jsonl")
    assert file.read_bytes().count(b"\n") == 1
    (entry,) = audit.read_records(tmp_path).records
    assert entry["user"] == "anonymous" and entry["event"] == "page_view"
    assert entry["filters"]["x"] == "a\nb\r\u2028c"
    assert len(entry["filters"]["long"]) == audit.MAX_TEXT
    assert len(entry["filters"]) == audit.MAX_ITEMS


def test_unknown_event_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="Unknown audit event"):
        audit.record("login", user="a", directory=tmp_path)


def test_audit_dir_defaults_to_data_dir_and_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(audit.AUDIT_DIR_ENV, raising=False)
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    assert audit.audit_dir() == tmp_path / "data" / "audit"
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(tmp_path / "elsewhere"))
    audit.record("page_view", user="a", page="home")
    assert list((tmp_path / "elsewhere").glob("audit-*.jsonl"))


def test_reader_skips_a_torn_last_line_and_the_next_writer_starts_a_new_line(tmp_path: Path):
    for i in range(3):
        audit.record("page_view", user="a", filters={"seq": str(i)}, directory=tmp_path)
    (file,) = tmp_path.glob("audit-*.jsonl")
    with file.open("ab") as handle:
        handle.write(b'{"event":"page_view","time":"2026-')  # a record cut short
    torn = audit.read_records(tmp_path)
    assert [r["filters"]["seq"] for r in torn.records] == ["0", "1", "2"] and torn.damaged == 1
    audit.record("page_view", user="a", filters={"seq": "3"}, directory=tmp_path)
    healed = audit.read_records(tmp_path)
    assert [r["filters"]["seq"] for r in healed.records] == ["0", "1", "2", "3"] and healed.damaged == 1


def test_reader_counts_garbage_lines(tmp_path: Path):
    file = tmp_path / "audit-2026-01.jsonl"
    file.write_bytes(
        b'\n[1,2]\n{"event":"nope","time":"x"}\n\xff\xfe\n{"event":"export","time":"2026-01-01T00:00:00+00:00"}\n'
    )
    result = audit.read_records(tmp_path)
    assert len(result.records) == 1 and result.damaged == 3


def test_killed_writer_leaves_every_earlier_record_intact(tmp_path: Path):
    writer = start_writer(tmp_path, "killed")
    deadline = time.monotonic() + 120
    try:
        while lines_in(tmp_path) < 300:
            assert writer.poll() is None, writer.stderr.read().decode() if writer.stderr else ""
            assert time.monotonic() < deadline, "writer made no progress"
            time.sleep(0.02)
    finally:
        os.kill(writer.pid, signal.SIGKILL)  # mid-stream: the writer is looping as fast as it can
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    result = audit.read_records(tmp_path)
    assert result.damaged <= 1  # at most the record being written when killed
    seqs = [int(r["filters"]["seq"]) for r in result.records]
    assert len(seqs) >= 300
    assert seqs == list(range(len(seqs)))  # nothing lost or corrupted before the kill
    # The file keeps working after the crash.
    audit.record("page_view", user="after", directory=tmp_path)
    assert audit.read_records(tmp_path).records[-1]["user"] == "after"


def test_concurrent_writers_never_interleave(tmp_path: Path):
    writers = [start_writer(tmp_path, f"w{i}", limit=150) for i in range(3)]
    for w in writers:
        assert w.wait(timeout=120) == 0, w.stderr.read().decode() if w.stderr else ""
    result = audit.read_records(tmp_path)
    assert result.damaged == 0 and len(result.records) == 450
    for i in range(3):
        mine = [int(r["filters"]["seq"]) for r in result.records if r["user"] == f"w{i}"]
        assert mine == list(range(150))


def test_record_safely_logs_instead_of_raising(tmp_path: Path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="leo_dash.governance.audit"):
        assert audit.record_safely("page_view", user="a", page="home", directory=blocker) is False
        assert audit.record_safely("bogus", user="a") is False
    assert "audit record could not be written" in caplog.text
    assert audit.record_safely("page_view", user="a", directory=tmp_path / "ok") is True


# ---------------------------------------------------------------- summary and CLI


def _trail(directory: Path) -> None:
    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 2, day, 9, tzinfo=dt.UTC)

    audit.record("page_view", user="ann", page="institutions", table="demo_a", directory=directory, now=at(1))
    audit.record("page_view", user="bob", page="institutions", table="demo_a", directory=directory, now=at(2))
    audit.record("page_view", user="bob", page="subjects", table="demo_b", directory=directory, now=at(3))
    audit.record(
        "export",
        user="ann",
        table="demo_a",
        export_type="csv",
        rows=10,
        filters=[("Year", "2022-23")],
        directory=directory,
        now=at(4),
    )
    audit.record("export", user="ann", table="demo_a", export_type="csv", rows=5, directory=directory, now=at(5))
    audit.record("export", user="bob", table="demo_b", export_type="xlsx", rows=7, directory=directory, now=at(6))
    audit.record(
        "access_denied",
        user="eve",
        table="secret",
        detail="project P1 expired on 2026-01-31",
        directory=directory,
        now=at(7),
    )


def test_summary_says_who_exported_what_and_most_used_tables(tmp_path: Path):
    _trail(tmp_path)
    summary = audit.summarise(audit.read_records(tmp_path).records)
    assert summary.total == 7 and summary.users == 3
    assert summary.events == {"page_view": 3, "export": 3, "access_denied": 1}
    assert summary.tables == [("demo_a", 2), ("demo_b", 1)]
    assert [(e.user, e.table, e.export_type, e.count, e.rows) for e in summary.exports] == [
        ("ann", "demo_a", "csv", 2, 15),
        ("bob", "demo_b", "xlsx", 1, 7),
    ]
    assert [d["user"] for d in summary.denials] == ["eve"]


def test_select_by_since_and_user(tmp_path: Path):
    _trail(tmp_path)
    records = audit.read_records(tmp_path).records
    assert len(audit.select_records(records, since=dt.date(2026, 2, 4))) == 4
    assert len(audit.select_records(records, user="ANN")) == 3
    assert len(audit.select_records(records, since=dt.date(2026, 2, 5), user="ann")) == 1


def test_cli_audit_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(tmp_path))
    _trail(tmp_path)
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "7 records from 3 user(s)" in out
    assert "demo_a" in out and "ann" in out and "xlsx" in out
    assert "project P1 expired on 2026-01-31" in out
    assert main(["audit", "--since", "2026-02-05", "--user", "bob"]) == 0
    out = capsys.readouterr().out
    assert "1 record from 1 user(s)" in out and "since 2026-02-05" in out and "ann" not in out.split("Who")[1]


def test_cli_audit_bad_date_and_empty_trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(tmp_path / "none"))
    assert main(["audit"]) == 0
    assert "No audit records yet" in capsys.readouterr().out
    assert main(["audit", "--since", "last week"]) == 1
    assert "--since must be a date" in capsys.readouterr().err

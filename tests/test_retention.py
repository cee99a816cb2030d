"""Retention: `python -m leo_dash review` lists tables past their review date; `--apply` retires them into the
archive with a log entry and deletes no source data; the app warns about overdue tables until then."""

import datetime as dt
import json
from pathlib import Path

import pytest

from leo_dash.cli import main
from leo_dash.core import store
from leo_dash.core.catalogue import load_catalogue
from leo_dash.governance import retention
from tests.governance_fixture import build_data_dir, clear_app_caches, run_app_page, use_data_dir


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data_dir, audit_dir = use_data_dir(tmp_path, monkeypatch)
    files = build_data_dir(
        data_dir, public=("current_t", "stale_t"), restricted=("stale_secret",), overdue=("stale_t", "stale_secret")
    )
    yield data_dir, files
    clear_app_caches()


def test_overdue_lists_only_tables_past_review_with_an_action(env):
    data_dir, files = env
    items = retention.overdue(data_dir, today=dt.date(2026, 6, 1))
    assert [i.entry.id for i in items] == ["stale_secret", "stale_t"]
    item = items[0]
    assert item.catalogue_file == files["stale_secret"]
    assert item.days_overdue == (dt.date(2026, 6, 1) - dt.date(2020, 1, 1)).days
    assert "Department for Education, HM Revenue and Customs" in item.action
    assert "review --apply" in item.action and "stale_secret.toml" in item.action
    assert retention.overdue(data_dir, today=dt.date(2019, 12, 31)) == []


def test_review_without_apply_changes_nothing(env, capsys):
    data_dir, files = env
    before = sorted(p.name for p in (data_dir / "catalogue").iterdir())
    assert retention.run_review(apply=False, data_dir=data_dir) == 1
    out = capsys.readouterr().out
    assert "2 table(s) past their review date" in out and "stale_t" in out and "current_t" not in out
    assert "Nothing changed" in out
    assert sorted(p.name for p in (data_dir / "catalogue").iterdir()) == before
    assert not (data_dir / "archive").exists()


def test_apply_retires_into_the_archive_with_a_log_and_keeps_source_data(env, capsys):
    data_dir, files = env
    stale = load_catalogue(data_dir).get("stale_t")
    prepared = store.prepare(stale, data_dir=data_dir)
    assert prepared.parquet.exists()
    source = Path(stale.files[0])

    assert main(["--data-dir", str(data_dir), "review", "--apply"]) == 0
    out = capsys.readouterr().out
    assert "Retired stale_t" in out and "Retired stale_secret" in out and "Source file kept" in out

    assert set(load_catalogue(data_dir).ids()) == {"current_t"}
    archived = sorted(p.name for p in (data_dir / "archive" / "catalogue").iterdir())
    assert len(archived) == 2 and archived[1].startswith("stale_t.") and archived[1].endswith(".toml")
    assert not files["stale_t"].exists()
    # Source data is never deleted: the EES pair is still there; only the derived parquet cache went.
    assert source.exists() and source.with_suffix(".meta.csv").exists()
    assert not prepared.parquet.exists()

    log = [json.loads(line) for line in (data_dir / "archive" / "retirements.jsonl").read_text().splitlines()]
    assert [e["table"] for e in log] == ["stale_secret", "stale_t"]
    entry = log[1]
    assert entry["event"] == "retired" and entry["review_due"] == "2020-01-01"
    assert entry["catalogue_file"] == str(files["stale_t"])
    assert Path(entry["archived_to"]).exists()
    assert str(source) in entry["source_files_kept"]
    assert entry["derived_cache_removed"] == [str(prepared.parquet), str(prepared.parquet.with_suffix(".json"))]
    dt.datetime.fromisoformat(entry["time"])

    assert main(["--data-dir", str(data_dir), "review"]) == 0  # nothing left overdue
    assert "No table is past its review date" in capsys.readouterr().out


def test_retirement_is_undone_when_it_cannot_be_logged(env, monkeypatch: pytest.MonkeyPatch):
    data_dir, files = env
    (item, *_) = retention.overdue(data_dir)

    def refuse(path: Path, line: bytes) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(retention, "append_line", refuse)
    with pytest.raises(OSError, match="disk full"):
        retention.retire(item, data_dir)
    assert files[item.entry.id].exists()
    assert list((data_dir / "archive" / "catalogue").iterdir()) == []


def test_catalogue_page_warns_about_overdue_tables_in_red(env):
    at = run_app_page("pages/catalogue.py", query={"table": "stale_t"})
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    assert sum("due for its annual review on 01 January 2020" in w for w in warnings) == 2  # list + details
    overview = at.dataframe[0].value
    flagged = dict(zip(overview["Id"], overview["Next review"], strict=True))
    assert flagged["stale_t"] == "1 January 2020 (overdue)" and flagged["current_t"] == "1 January 2099"
    assert any(":red[" in m.value and "overdue" in m.value for m in at.markdown)


def test_no_overdue_warning_for_current_tables(env):
    at = run_app_page("pages/catalogue.py", query={"table": "current_t"})
    details_warnings = [w.value for w in at.warning]
    assert len(details_warnings) == 1  # only the list entry for stale_t (stale_secret is restricted)
    assert not any(":red[" in m.value for m in at.markdown)


# ---------------------------------------------------------------- audit trail retention


def _audit_month(directory: Path, month: str, records: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    file = directory / f"audit-{month}.jsonl"
    lines = [json.dumps({"v": 1, "time": f"{month}-02T10:00:00+00:00", "event": "page_view", "user": "anonymous"})
             for _ in range(records)]  # fmt: skip
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def test_audit_files_past_their_retention_are_listed_then_deleted_with_a_log(env, tmp_path, capsys, monkeypatch):
    data_dir, _files = env
    trail = tmp_path / "trail"
    old = _audit_month(trail, "2024-09", 3)
    edge = _audit_month(trail, "2024-11", 2)  # exactly 24 full months before November 2026: kept
    recent = _audit_month(trail, "2026-11", 1)
    (trail / "notes.txt").write_text("not an audit file")
    today = dt.date(2026, 11, 15)
    expired = retention.expired_audit_files(trail, today=today, months=24)
    assert [(e.path, e.records) for e in expired] == [(old, 3)]

    monkeypatch.delenv(retention.AUDIT_RETENTION_ENV, raising=False)
    assert retention.run_review(apply=False, data_dir=data_dir, today=today, audit_directory=trail) == 1
    out = capsys.readouterr().out
    assert "1 audit file(s) past the 24-month retention period" in out and "audit-2024-09.jsonl: 3 record(s)" in out
    assert old.exists()

    assert retention.run_review(apply=True, data_dir=data_dir, today=today, audit_directory=trail) == 0
    assert not old.exists() and edge.exists() and recent.exists()
    logged = [json.loads(line) for line in retention.retirement_log(data_dir).read_text().splitlines()]
    deletion = next(r for r in logged if r["event"] == "audit_deleted")
    assert (deletion["month"], deletion["records"], deletion["retention_months"]) == ("2024-09", 3, 24)
    assert deletion["file"] == str(old)


def test_audit_retention_period_is_configurable_and_checked(monkeypatch):
    assert retention.audit_retention_months({}) == 24
    assert retention.audit_retention_months({retention.AUDIT_RETENTION_ENV: "36"}) == 36
    for bad in ("0", "-3", "two years"):
        with pytest.raises(ValueError, match="whole number of months"):
            retention.audit_retention_months({retention.AUDIT_RETENTION_ENV: bad})

"""Shared fixtures. The real reference data must be present (the repository ships it in data/reference): tests that use
it fail, never skip, when it is missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leo_dash.core import paths
from leo_dash.core.model import DisclosureProfile, Indicator, TableEntry

REFERENCE_DIR = paths.REFERENCE_DIR


@pytest.fixture(autouse=True)
def _audit_to_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write to the real audit trail (tests that read it set their own folder)."""
    monkeypatch.setenv("LEO_AUDIT_DIR", str(tmp_path_factory.mktemp("audit")))


@pytest.fixture
def fresh_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """For page tests: audit records in a tmp folder, no role file, and the app's cached catalogue and prepared
    tables rebuilt before and after the test."""
    from leo_dash import ui
    from tests.apptest_pages import prepare_tables

    prepare_tables()
    monkeypatch.setenv("LEO_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.delenv("LEO_ROLES_FILE", raising=False)
    ui._catalogue.clear()
    ui._prepared.clear()
    yield
    ui._catalogue.clear()
    ui._prepared.clear()


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert (REFERENCE_DIR / "fe_outcomes_provider_benefits.csv.gz").exists(), (
        f"real reference data missing at {REFERENCE_DIR}: the repository ships them in data/reference"
    )
    return REFERENCE_DIR


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder (catalogue/, parquet/) used instead of the committed one."""
    directory = tmp_path / "data"
    (directory / "catalogue").mkdir(parents=True)
    monkeypatch.setattr(paths, "DATA_DIR", directory)
    return directory


def make_entry(table_id: str = "t", files: tuple[str, ...] = (), **overrides: object) -> TableEntry:
    """A catalogue entry for tests; override any field."""
    fields: dict[str, object] = {
        "id": table_id,
        "title": f"Test table {table_id}",
        "files": files,
        "publication": "Test publication",
        "controllers": ("DfE",),
        "licence": "Open Government Licence v3.0",
        "release_date": dt.date(2026, 1, 1),
        "next_review": dt.date(2099, 1, 1),
        "roles": {"time": "time_period"},
        "indicators": (),
        "disclosure": DisclosureProfile(),
    }
    fields.update(overrides)
    return TableEntry(**fields)  # type: ignore[arg-type]


def write_ees(directory: Path, name: str, header: list[str], rows: list[list[object]], meta: list[list[str]]) -> Path:
    """Write a small EES pair (name.csv + name.meta.csv) and return the data file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / f"{name}.csv"
    data.write_text(
        "\n".join([",".join(header)] + [",".join(str(v) for v in r) for r in rows]) + "\n", encoding="utf-8"
    )
    meta_header = (
        "col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,filter_grouping_column"
    )
    (directory / f"{name}.meta.csv").write_text(
        "\n".join([meta_header] + [",".join(m) for m in meta]) + "\n", encoding="utf-8"
    )
    return data


__all__ = ["REFERENCE_DIR", "Indicator", "make_entry", "write_ees"]

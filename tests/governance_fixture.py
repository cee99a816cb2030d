"""A tiny but valid EES provider table and catalogue for the governance tests (access, audit, hardening).

Provider-level graduate outcomes by tax year, subject and years after graduation, for three fictional providers,
one of which may carry a hostile name. Counts are rounded to 5 and earnings to £100, as approved tables must be.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
import tomli_w

from leo_dash.core import paths

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
FORMULA_NAME = '=HYPERLINK("http://evil.example","Click")'

HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "provider_ukprn",
    "provider_name",
    "subject_name",
    "yag",
    "grads",
    "sust_emp_rate",
    "earnings_median",
]
META = [
    ["subject_name", "Filter", "Subject", "", "", "", "Subject studied", ""],
    ["yag", "Filter", "Years after graduation", "", "", "", "", ""],
    ["grads", "Indicator", "Number of graduates", "", "", "0", "", ""],
    ["sust_emp_rate", "Indicator", "Sustained employment (%)", "", "%", "0", "", ""],
    ["earnings_median", "Indicator", "Median earnings", "", "£", "0", "", ""],
]
DEFAULT_PROVIDERS = (
    (90000101, "Fenwick Vale University"),
    (90000102, "Northmere College of Art"),
    (90000103, "Saltmere Institute"),
)


def write_table(
    directory: Path,
    name: str,
    providers: tuple[tuple[int, str], ...] = DEFAULT_PROVIDERS,
) -> Path:
    """Write name.csv + name.meta.csv (properly quoted) and return the data file."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / f"{name}.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for year in (202122, 202223):
            for index, (ukprn, provider) in enumerate(providers):
                for subject in ("Total", "Computing", "Law"):
                    for yag in ("1", "3", "5"):
                        grads = 100 + 20 * index + (40 if subject == "Total" else 0) + 5 * int(yag)
                        rate: object = 70 + index + int(yag)
                        earnings: object = 24000 + 1000 * int(yag) + 500 * index + (100 if year == 202223 else 0)
                        if index == 2 and subject == "Law" and yag == "5":
                            rate, earnings = "c", "c"
                        writer.writerow(
                            [
                                year,
                                "Tax year",
                                "Provider",
                                "E92000001",
                                "England",
                                ukprn,
                                provider,
                                subject,
                                yag,
                                grads,
                                rate,
                                earnings,
                            ]
                        )
    meta_header = [
        "col_name",
        "col_type",
        "label",
        "indicator_grouping",
        "indicator_unit",
        "indicator_dp",
        "filter_hint",
        "filter_grouping_column",
    ]
    with (directory / f"{name}.meta.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(meta_header)
        writer.writerows(META)
    return data


def catalogue_entry(
    table_id: str,
    data_file: Path,
    *,
    access: str = "public",
    title: str | None = None,
    next_review: dt.date = dt.date(2099, 1, 1),
    footnotes: tuple[str, ...] = ("Counts are rounded to the nearest 5.",),
    description: str = "",
) -> dict[str, object]:
    return {
        "id": table_id,
        "title": title or f"Graduate outcomes fixture {table_id}",
        "description": description,
        "files": [str(data_file)],
        "publication": "LEO Explorer test fixture",
        "controllers": ["DfE", "HMRC"],
        "licence": "Open Government Licence v3.0",
        "release_date": dt.date(2026, 1, 15),
        "next_review": next_review,
        "access": access,
        "demo": False,
        "time_label": "Tax year",
        "roles": {
            "time": "time_period",
            "provider_id": "provider_ukprn",
            "provider_name": "provider_name",
            "subject": "subject_name",
            "years_after": "yag",
        },
        "filter_defaults": {"yag": "5"},
        "footnotes": list(footnotes),
        "disclosure": {"count_base": 5},
        "indicators": [
            {"column": "grads", "label": "Number of graduates", "kind": "count", "dp": 0},
            {
                "column": "sust_emp_rate",
                "label": "Sustained employment (%)",
                "kind": "rate",
                "unit": "%",
                "dp": 0,
                "base": "grads",
            },
            {
                "column": "earnings_median",
                "label": "Median earnings",
                "kind": "earnings",
                "unit": "£",
                "dp": 0,
                "base": "grads",
            },
        ],
    }


def register_table(data_dir: Path, entry: dict[str, object]) -> Path:
    target = data_dir / "catalogue" / f"{entry['id']}.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(tomli_w.dumps(entry).encode("utf-8"))
    return target


def build_data_dir(
    data_dir: Path,
    *,
    restricted: tuple[str, ...] = ("secret_outcomes",),
    public: tuple[str, ...] = ("open_outcomes",),
    providers: tuple[tuple[int, str], ...] = DEFAULT_PROVIDERS,
    overdue: tuple[str, ...] = (),
) -> dict[str, Path]:
    """A data folder with public and restricted fixture tables; returns table id -> catalogue file."""
    files: dict[str, Path] = {}
    for table_id in public + restricted:
        data_file = write_table(data_dir / "src", table_id, providers)
        review = dt.date(2020, 1, 1) if table_id in overdue else dt.date(2099, 1, 1)
        entry = catalogue_entry(
            table_id, data_file, access="restricted" if table_id in restricted else "public", next_review=review
        )
        files[table_id] = register_table(data_dir, entry)
    return files


REGISTER_HEADER = (
    "project_id,organisation,project_title,purpose_summary,tables_granted,approval_date,panel_outcome,expiry,"
    "illustrative\n"
)


def write_register(data_dir: Path, rows: list[str]) -> Path:
    path = data_dir / "access_register.csv"
    path.write_text(REGISTER_HEADER + "".join(r.rstrip("\n") + "\n" for r in rows), encoding="utf-8")
    return path


def write_roles(data_dir: Path, text: str) -> Path:
    path = data_dir / "roles.toml"
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["paths"]


# ---------------------------------------------------------------------------------------------------- app helpers


def use_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Point the app at an empty tmp data folder and a tmp audit folder; clear the app's caches."""
    data_dir = tmp_path / "data"
    (data_dir / "catalogue").mkdir(parents=True)
    audit_dir = tmp_path / "audit"
    monkeypatch.setattr(paths, "DATA_DIR", data_dir)
    monkeypatch.setenv("LEO_AUDIT_DIR", str(audit_dir))
    monkeypatch.delenv("LEO_ROLES_FILE", raising=False)
    clear_app_caches()
    return data_dir, audit_dir


def clear_app_caches() -> None:
    from leo_dash import ui

    ui._catalogue.clear()
    ui._prepared.clear()


def run_app_page(page: str, *, user: dict | None = None, query: dict[str, str] | None = None):
    """Run the real router on `page` (a file under pages/) with an optional OIDC user and query parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=90)
    if user is not None:
        at.user = user
    at.run()
    at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success", "latex")


def markdown_texts(at) -> list[str]:
    """Source of every element Streamlit renders as markdown (main area and sidebar)."""
    out: list[str] = []
    for kind in MARKDOWN_KINDS:
        out += [str(e.value) for e in at.get(kind)]
    out += [str(e.label) for e in at.get("expander")]
    return out


def all_texts(at) -> list[str]:
    """Everything a user could read: markdown, plain text, table cells, widget options."""
    out = markdown_texts(at)
    out += [str(e.value) for e in at.get("text")]
    for frame in at.dataframe:
        value = frame.value
        data = value.data if hasattr(value, "data") else value  # a pandas Styler keeps its frame in .data
        out += [str(c) for c in data.columns]
        out += [str(v) for row in data.astype(str).values.tolist() for v in row]
    for box in list(at.selectbox) + list(at.multiselect) + list(at.radio):
        out += [str(o) for o in box.options]
    return out


def plotly_specs(at) -> list[str]:
    return [e.proto.spec for e in at.get("plotly_chart")]

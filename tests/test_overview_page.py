"""AppTest runs of pages/overview.py through the real router: defaults, each demo table and the real FE tables,
valid and invalid links, a fixture table with a suppressed latest figure, and a catalogue without any headline.
Every run asserts no exception and no error; the metrics, links and Plotly specs are read back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import overview, paths, query, ui
from leo_dash.catalogue import load_catalogue
from leo_dash.model import status_column
from leo_dash.periods import period_label
from tests.test_benefits_fixture import TABLE_A, TABLE_B, a_earnings, b_all_providers, make_tables

COMMITTED = paths.PROJECT_ROOT / "data"
TABLES = (
    "demo_benefit_claims",
    "demo_graduate_outcomes",
    "demo_school_college_destinations",
    "fe_provider_benefits",
    "fe_community_learning",
)


@pytest.fixture(autouse=True)
def isolated_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEO_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.delenv("LEO_ROLES_FILE", raising=False)
    ui._catalogue.clear()
    ui._prepared.clear()
    yield
    ui._catalogue.clear()
    ui._prepared.clear()


@pytest.fixture(scope="module")
def catalogue():
    loaded = load_catalogue(COMMITTED)
    assert all(t in loaded for t in TABLES), "demo tables and the real FE tables must be registered"
    return loaded


def run_page(params: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/overview.py")
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def metrics(at: AppTest) -> list[tuple[str, str, str | None]]:
    return [(m.label.replace("\\", ""), m.value, m.delta or None) for m in at.metric]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def links(at: AppTest) -> list[tuple[str, dict[str, list[str]]]]:
    return [(p.proto.page, parse_qs(p.proto.query_string)) for p in at.get("page_link")]


def infos(at: AppTest) -> str:
    return " ".join(str(i.value) for i in at.info)


def national(entry, column: str, where: dict) -> dict[int, float | None]:
    """Published national cells straight from the table (period -> value, None where a symbol stands)."""
    frame = query.select(entry, where).filter(pl.col(entry.role("provider_id")).is_null())
    return {
        p: (v if s is None else None)
        for p, v, s in frame.select(entry.role("time"), column, status_column(column)).iter_rows()
    }


def test_defaults_show_the_five_headlines(catalogue) -> None:
    at = run_page()
    grad = catalogue.get("demo_graduate_outcomes")
    claims = catalogue.get("demo_benefit_claims")
    shown = metrics(at)
    assert [label for label, _, _ in shown] == [
        "Median earnings one year after graduation",
        "Median earnings three years after graduation",
        "Median earnings five years after graduation",
        "Sustained employment with or without further study five years after graduation",
        "Out-of-work benefit claim rate one year after graduation",
    ]
    five = national(grad, "earnings_median", {"years_after": ["5"]})
    latest = max(five)
    change = round((five[latest] - five[latest - 101]) / five[latest - 101] * 100, 1)
    assert shown[2][1] == f"£{five[latest]:,.0f}"
    assert shown[2][2] == f"{'up' if change > 0 else 'down'} {abs(change)}% from {period_label(latest - 101)}"
    rate = national(claims, "claim_rate", {"years_after": ["1"]})
    points = round(rate[latest] - rate[latest - 101], 1)
    assert shown[4][1] == f"{rate[latest]}%"
    assert (
        shown[4][2]
        == f"{'up' if points > 0 else 'down'} {abs(points)} percentage points from {period_label(latest - 101)}"
    )
    assert any("Synthetic demo data" in str(w.value) for w in at.warning)
    pages = links(at)
    assert (
        "earnings",
        {"table": ["demo_graduate_outcomes"], "compare": ["Cohorts"], "yag": ["5"], "subject": ["Total"]},
    ) in pages
    assert ("benefits", {"table": ["demo_benefit_claims"], "measure": ["claim_rate"], "yag": ["1"]}) in pages
    assert (
        "institutions",
        {
            "table": ["demo_graduate_outcomes"],
            "measure": ["sust_emp_with_or_without_fs"],
            "yag": ["5"],
            "year": [period_label(latest)],
        },
    ) in pages
    specs = charts(at)
    assert len(specs) == 2 and len(at.get("download_button")) == 4
    earnings = {t["meta"]["key"]: t for t in specs[0]["data"]}
    assert list(earnings) == ["earnings-1", "earnings-3", "earnings-5", "employment"]
    assert earnings["earnings-5"]["y"] == [five.get(p) for p in sorted(five)]
    sources = " ".join(str(c.value) for c in at.caption).replace("\\", "")  # markdown-escaped text
    assert "Source: Synthetic demo data generated by LEO Explorer" in sources and "published national figure" in sources


@pytest.mark.parametrize("table_id", TABLES)
def test_each_table(table_id: str, catalogue) -> None:
    entry = catalogue.get(table_id)
    at = run_page({"table": table_id})
    result = overview.build_overview([entry], overview.OverviewSpec(table_id))
    assert [m[0] for m in metrics(at)] == [h.title for h in result.headlines]
    assert [m[1] for m in metrics(at)] == [h.value_text for h in result.headlines]
    [spec] = charts(at)
    traces = spec["data"]
    assert [t["meta"]["key"] for t in traces] == [h.spec.key for h in result.headlines]
    for trace, h in zip(traces, result.headlines, strict=True):
        series = h.series
        want = [v if s is None else None for v, s in zip(series["value"], series[status_column("value")], strict=True)]
        assert trace["y"] == want  # a suppressed year is null, never 0
        assert trace["x"] == [period_label(p) for p in series["period"].to_list()]
    assert any("Synthetic demo data" in str(w.value) for w in at.warning) == entry.demo
    assert at.sidebar.selectbox(key="_labelled_table").value == table_id
    if not result.headlines[0].derived:
        return
    notes = " ".join(a["text"] for a in spec["layout"]["annotations"]).replace("<br>", " ")
    assert "This table has no national rows" in notes


def test_invalid_link_falls_back_with_notes() -> None:
    at = run_page({"table": "nope", "year": "1999", "compare": "bogus", "provider": "123"})
    notes = infos(at)
    assert "'nope'" in notes and "applies only when one table is chosen" in notes
    assert len(metrics(at)) == 5


@pytest.mark.parametrize("table_id", TABLES)
def test_invalid_year_for_each_table(table_id: str, catalogue) -> None:
    at = run_page({"table": table_id, "year": "1999", "compare": "bogus", "provider": "123"})
    assert "'1999'" in infos(at)
    result = overview.build_overview([catalogue.get(table_id)], overview.OverviewSpec(table_id))
    assert [m[1] for m in metrics(at)] == [h.value_text for h in result.headlines]  # the latest year instead
    assert len(charts(at)) == 1


def test_a_year_for_one_table(catalogue) -> None:
    at = run_page({"table": "fe_provider_benefits", "year": "2020-21"})
    shown = metrics(at)
    assert [label for label, _, _ in shown] == ["Sustained employment", "Sustained out-of-work benefits rate"]
    assert all(delta is not None and delta.endswith("from 2019-20") for _, _, delta in shown)
    at = run_page({"table": "fe_provider_benefits", "year": "1999"})
    assert "'1999'" in infos(at)
    assert all(delta.endswith("from 2021-22") for _, _, delta in metrics(at))


def test_fixture_suppressed_latest_figure(data_dir: Path) -> None:
    make_tables(data_dir)
    ui._catalogue.clear()
    at = run_page()
    shown = {label: (value, delta) for label, value, delta in metrics(at)}
    assert shown["Median earnings three years after graduation"] == ("Suppressed (c)", None)
    assert shown["Median earnings one year after graduation"][0] == f"£{a_earnings('1', 202223):,}"
    assert shown["Sustained employment one year after graduation"][1] is None  # previous year suppressed
    sentences = " ".join(str(m.value) for m in at.markdown)
    assert "no change from 2021\\-22 is given because that figure is suppressed" in sentences
    earnings = {t["meta"]["key"]: t for t in charts(at)[0]["data"]}
    assert earnings["earnings-3"]["y"][-1] is None
    at = run_page({"table": TABLE_B})
    benefit = dict((label, value) for label, value, _ in metrics(at))["Sustained out-of-work benefits rate"]
    assert benefit == f"{b_all_providers('Total', 'Total', 202122)}%"
    assert TABLE_A not in str(charts(at))


def test_no_table_with_a_headline(data_dir: Path) -> None:
    shutil.copy(COMMITTED / "catalogue" / "fe_community_learning.toml", data_dir / "catalogue")
    (data_dir / "catalogue" / "fe_community_learning.toml").write_text(
        (data_dir / "catalogue" / "fe_community_learning.toml").read_text().replace('kind = "rate"', 'kind = "other"'),
        encoding="utf-8",
    )
    ui._catalogue.clear()
    at = run_page()
    assert overview.NO_TABLE_MESSAGE in infos(at)
    assert not at.get("plotly_chart")

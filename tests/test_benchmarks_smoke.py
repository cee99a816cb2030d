"""Smoke test of the performance benchmark: the code runs end to end on the committed demo data and prints its
table. No timing is asserted anywhere: numbers vary by machine and load; BENCHMARKS.md records a real run."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from benchmarks import datasets, measure, pages, run, three_ways
from leo_dash.core import catalogue, paths, store


def _run_quick(tmp_path: Path, *extra: str) -> tuple[str, dict]:
    printed: list[str] = []
    code = run.main(["--quick", "--work-dir", str(tmp_path), *extra], printer=printed.append)
    assert code == 0
    output = "\n".join(printed)
    results = json.loads((tmp_path / "results.json").read_text())
    return output, results


def test_quick_run_server_side_prints_table(tmp_path: Path) -> None:
    output, results = _run_quick(tmp_path, "--no-browser")
    assert "| measure" in output and "| demo" in output
    assert "earnings: filter change → figure ready" in output
    assert "a/b (LEO path over the floor)" in output and "c/a (analyst over LEO path)" in output
    server = results["datasets"]["demo"]["server_side"]
    assert server["pages"]["earnings"]["timing"]["n"] == server["pages"]["earnings"]["filter_sets"] >= 1
    three = server["three_ways"]
    assert three["rows"] > 0 and three["table_rows"] > three["rows"]
    assert all(math.isfinite(three[k]) for k in ("a_over_b", "c_over_a"))  # computed; never judged here
    assert results["machine"]["nproc"] == os.cpu_count()
    # The demo run must not touch the project's own data dir: its parquet goes under the work dir.
    assert (tmp_path / "demo" / "data" / "parquet" / f"{datasets.GRADUATE_TABLE}.parquet").exists()


@pytest.mark.browser
def test_quick_run_with_browser_reports_cold_start_and_memory(tmp_path: Path) -> None:
    # Run as the README documents it, in its own process: Playwright's sync API cannot start inside this pytest
    # process once the browser tests' session-wide Playwright loop is running.
    command = [
        sys.executable, "benchmarks/run.py", "--quick", "--work-dir", str(tmp_path), "--no-server-side",
        "--pages", "benefits",  # the browser steps on two analysis pages: benefits and (always) earnings
    ]  # fmt: skip
    finished = subprocess.run(command, cwd=paths.PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr[-3000:]
    output = finished.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    assert "cold start → first chart" in output
    assert "server RSS with 1 / 2 sessions" in output
    browser = results["datasets"]["demo"]["browser"]
    start = browser["cold_start_built"][0]
    assert start["parquet_built_before"] is True
    # Recorded, never judged: tests make no claim about how long anything takes.
    assert all(isinstance(start[k], float) for k in ("seconds_to_chart", "seconds_to_health", "warm_session_to_chart"))
    assert set(browser["sessions"]["rss_bytes_by_sessions"]) == {"1", "2"}
    assert all(v > 0 for v in browser["sessions"]["rss_bytes_by_sessions"].values())
    # The per-page browser steps: filter change -> redraw (and its ratio to earnings), first chart in a new session
    # (and its ratio to the bare one-chart page), on the pages asked for; numbers recorded, never judged.
    steps = browser["page_steps"]
    assert set(steps["pages"]) == {"earnings", "benefits"} and steps["reference_page"] == "earnings"
    for url_path, info in steps["pages"].items():
        assert info["errors"] == [], info["errors"]
        assert info["filter_change"]["n"] == len(info["chosen"]) >= 1
        assert info["first_chart"]["n"] == len(steps["floor_first_chart_s"]) >= 1
        assert all(isinstance(v, float) and v > 0 for v in info["filter_change_s"] + info["first_chart_s"])
        assert re.search(
            rf"\| {url_path}: filter change \(.+\) → redraw in the browser, n=\d+ +\| demo +\| median \d+ ms, p95 \d+ ms; [\d.]+× earnings",
            output,
        )
        assert re.search(
            rf"\| {url_path}: new session on the warm server → first chart, n=\d+ +\| demo +\| median [\d.]+ s, p95 [\d.]+ s; [\d.]+× bare one-chart page",
            output,
        )
    assert re.search(
        r"\| bare one-chart Streamlit page: new session on the warm server → chart, n=\d+ +\| demo +\| median [\d.]+ s",
        output,
    )


def test_browser_steps_cover_every_analysis_page_and_format_ratios() -> None:
    from benchmarks import browser_steps
    from tests.browser.cases import CASES

    measured, missing = browser_steps.analysis_pages()
    chart_files = {f for f, case in CASES.items() if case.charts and (paths.PROJECT_ROOT / f).exists()}
    assert {p.file for p in measured} == chart_files and missing == []
    assert [p.url_path for p in measured if p.is_reference] == ["earnings"]
    timing = {"n": 2, "median_s": 0.5, "p95_s": 0.6, "min_s": 0.4, "max_s": 0.6}
    slow = timing | {"median_s": 1.0}
    page = {"change": "Tax year", "errors": [], "filter_change": timing, "first_chart": timing}
    steps = {
        "reference_page": "earnings",
        "floor_first_chart_s": [0.4, 0.5],
        "pages": {"earnings": page, "provider": page | {"change": "Provider", "filter_change": slow}},
    }
    rows = {r[0]: r for r in browser_steps.rows_for("demo", steps)}
    earnings = rows["earnings: filter change (Tax year) → redraw in the browser, n=2"]
    assert earnings[2] == "median 500 ms, p95 600 ms; 1.00× earnings" and earnings[4] == "yes"
    provider = rows["provider: filter change (Provider) → redraw in the browser, n=2"]
    assert provider[2] == "median 1000 ms, p95 600 ms; 2.00× earnings" and provider[4] == "NO"
    first = rows["earnings: new session on the warm server → first chart, n=2"]
    assert first[2] == "median 0.50 s, p95 0.60 s; 1.11× bare one-chart page" and first[4] == "yes"


def test_every_path_of_the_three_way_view_finds_the_same_rows(tmp_path: Path) -> None:
    dataset = datasets.isolated_demo_dataset(tmp_path)
    entry = dataset.entry()
    parquet = store.prepare(entry, data_dir=dataset.data_dir).parquet
    spec = three_ways.choose_view(entry, parquet)
    assert len(spec.subjects) == 3
    leo = three_ways.leo_path(entry, spec, dataset.data_dir)
    bare = three_ways.bare_path(parquet, spec)
    analyst, figure = three_ways.analyst_path(dataset.graduate_csv, spec)
    assert leo.figure is not None and len(leo.figure.data) == len(figure.data) == 3
    assert leo.frame.height == bare.height == analyst.shape[0] > 0
    key = [spec.subject_column, spec.yag_column]
    ours = leo.frame.select([*key, spec.measure.column]).sort(key).with_columns(pl.col(spec.yag_column).cast(pl.String))
    floor = bare.sort(key).with_columns(pl.col(spec.yag_column).cast(pl.String))
    assert ours[spec.measure.column].to_list() == floor[spec.measure.column].to_list()


def test_a_large_data_set_is_generated_in_blocks_then_prepared_by_the_loader(tmp_path: Path) -> None:
    big = datasets.chunked_dataset(tmp_path, 0.6, "small", log=False)
    facts = json.loads((tmp_path / "small" / "generated.json").read_text())
    assert facts["rows"] == big.rows == datasets.count_rows(big.graduate_csv) > 0
    assert facts["seconds"] > 0 and 0.05 < facts["peak_gb"] < 24  # the generator's own process, read from the kernel
    assert not big.parquet_built()  # nothing prepared behind the loader's back
    run.prepare_all(big)
    assert big.parquet_built()
    entry = big.entry()
    assert [Path(f).parent for f in entry.files] == [big.graduate_csv.parent] * 2
    prepared = pl.read_parquet(big.parquet())
    national_rows = datasets.count_rows(big.graduate_csv.with_name(f"{datasets.GRADUATE_TABLE}_national.csv"))
    assert prepared.height == big.rows + national_rows
    # Reused, not generated again, on the next call.
    stamp = big.graduate_csv.stat().st_mtime_ns
    assert datasets.chunked_dataset(tmp_path, 0.6, "small", log=False).graduate_csv.stat().st_mtime_ns == stamp


def test_page_workloads_have_enough_distinct_filter_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = datasets.isolated_demo_dataset(tmp_path)
    # Page logic reads the default data dir at call time: point it at the copy, as LEO_DATA_DIR does for the app.
    monkeypatch.setattr(paths, "DATA_DIR", dataset.data_dir)
    tables = list(catalogue.load_catalogue(dataset.data_dir))
    workloads = pages.available_workloads(tables)
    assert {w.page for w in workloads} >= {"earnings"}
    for workload in workloads:
        assert len(workload.param_sets) >= pages.MIN_FILTER_SETS, workload.page
        distinct = {json.dumps(p, sort_keys=True) for p in workload.param_sets}
        # The overview page offers only "all tables" or one table and year, so its list cycles fewer choices.
        assert len(distinct) >= (2 if workload.page == "overview" else pages.MIN_FILTER_SETS), workload.page
    assert set(pages.missing_page_modules(workloads)) <= set(pages.EXPECTED_PAGE_MODULES)


def test_percentile_is_nearest_rank_and_rss_reads_this_process() -> None:
    assert measure.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 95) == 5.0
    assert measure.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert measure.percentile(list(map(float, range(1, 101))), 95) == 95.0
    with pytest.raises(ValueError):
        measure.percentile([], 50)
    assert measure.tree_rss_bytes(os.getpid()) >= measure.rss_bytes(os.getpid()) > 0


def test_generated_dataset_is_registered_in_its_own_data_dir_only(tmp_path: Path) -> None:
    project_catalogue = sorted(p.name for p in (paths.PROJECT_ROOT / "data" / "catalogue").glob("*.toml"))
    dataset = datasets.generated_dataset(tmp_path, 0.3, log=False)
    assert dataset.rows == datasets.count_rows(dataset.graduate_csv) > 0
    entry = dataset.entry()
    assert all(Path(f).is_absolute() and Path(f).is_relative_to(tmp_path) for f in entry.files)
    assert (dataset.data_dir / "roles.toml").exists()  # the app reads its governance files from the data dir
    assert sorted(p.name for p in (paths.PROJECT_ROOT / "data" / "catalogue").glob("*.toml")) == project_catalogue


def test_what_if_experiments_run_without_a_browser(tmp_path: Path) -> None:
    from benchmarks import experiments

    found = experiments.run_experiments(tmp_path, with_browser=False)
    template = found["template"]
    assert template["same_house_style"] is True  # the slim template draws the same house style as the old one
    assert template["before_simple_white_by_name_ms"] > 0 and template["after_house_template_ms"] > 0
    assert found["rounding"]["rows"] > 0 and found["rounding"]["protect_ms"] > 0


def test_loader_benchmark_screens_both_ways_and_prepares(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import loader

    data_dir = tmp_path / "data"
    (data_dir / "catalogue").mkdir(parents=True)
    entry = catalogue.load_catalogue().get("demo_benefit_claims")
    catalogue.write_entry(entry, data_dir)
    out = tmp_path / "loader.json"
    code = loader.main(
        [str(paths.resolve(entry.files[0])), "--prepare", f"{data_dir}:demo_benefit_claims", "--json", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "| screen demo_benefit_claims_provider.csv | out of core |" in printed
    results = json.loads(out.read_text())["results"]
    screens = [r for r in results if r["what"].startswith("screen")]
    prepares = [r for r in results if r["what"].startswith("prepare")]
    assert [r["mode"] for r in screens] == ["in memory", "out of core"]
    # Both paths count the same rows and findings, and the pass hides the same cells; times are never judged.
    assert len({(r["rows"], r["errors"], r["warnings"]) for r in screens}) == 1 and screens[0]["rows"] > 0
    assert len({(r["rows"], r["hidden"]) for r in prepares}) == 1 and len(prepares) == 2
    assert all(r["peak_gb"] > 0 for r in results)


def test_generator_benchmark_runs_both_generators_and_skips_the_whole_one_when_large(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import generator

    out = tmp_path / "generator.json"
    assert generator.main(["--scales", "0.6,1", "--whole-up-to", "0.6", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| 1 | whole | | skipped: memory grows with the table |" in printed
    results = json.loads(out.read_text())["results"]
    done = {(r["scale"], r["mode"]): r for r in results if "rows" in r}
    assert set(done) == {(0.6, "whole"), (0.6, "chunked"), (1.0, "chunked")}
    # One block at these scales: the chunked generator writes the whole generator's graduate rows.
    assert done[0.6, "whole"]["rows"] == done[0.6, "chunked"]["rows"] > 0
    assert done[1.0, "chunked"]["rows"] == 13_382  # the committed demo's graduate provider file
    assert all(r["peak_gb"] > 0 and r["seconds"] > 0 for r in done.values())

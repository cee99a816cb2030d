"""Two LEO Explorer servers on one machine sharing one data folder (issue 15, item 5), as an operations team runs
replicas behind a reverse proxy: tables prepared once by the release step, both servers reading them only
(LEO_PREPARED_ONLY=1), each writing its own audit files into one shared folder (LEO_AUDIT_WRITER). Sessions on
both servers at once draw their charts, and every page view of both comes back from the merged audit trail."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from leo_dash.core import catalogue_status, store
from leo_dash.core.catalogue import load_catalogue
from leo_dash.governance import audit
from tests.browser.conftest import start_streamlit
from tests.browser.streamlit_dom import PAGE_TIMEOUT_MS, page_problems, wait_idle

# Six first runs start at once on two fresh servers sharing two cores: each may wait for the others' (a liveness
# bound, not a timing target; benchmarks measure speed).
CONCURRENT_START_MS = 3 * PAGE_TIMEOUT_MS

pytestmark = pytest.mark.browser

# (path, heading, charts) of the sessions opened on each server at the same time
SESSIONS = (
    ("/earnings", "Subject earnings", 1),
    ("/benefits", "Benefit claims", 1),
    ("/institutions", "Institution performance", 1),
)


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], Path, dict[str, str]]]:
    assert catalogue_status.prepare_tables([]) == 0  # the release step, before any server starts
    parquet = store.parquet_dir()
    prepared_at = {e.id: (parquet / f"{e.id}.json").read_text() for e in load_catalogue()}
    shared_audit = tmp_path_factory.mktemp("shared_audit")
    logs = tmp_path_factory.mktemp("servers")
    servers: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        for name in ("web-1", "web-2"):
            env = {"LEO_AUDIT_DIR": str(shared_audit), "LEO_AUDIT_WRITER": name, store.PREPARED_ONLY_ENV: "1"}
            servers.append(start_streamlit(env, logs / f"{name}.log"))
        yield [url for _, url in servers], shared_audit, prepared_at
    finally:
        for process, _ in servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_sessions_on_two_servers_at_once_and_one_audit_trail(browser: Browser, two_servers) -> None:
    urls, shared_audit, prepared_at = two_servers
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in urls for _ in SESSIONS]
    pages: list[tuple[Page, str, str, int]] = []
    try:
        # Start every session before waiting for any, so both servers run their sessions side by side.
        for context, (url, (path, heading, charts)) in zip(
            contexts, [(u, s) for u in urls for s in SESSIONS], strict=True
        ):
            page = context.new_page()
            page.goto(f"{url}{path}", wait_until="commit")
            pages.append((page, f"{url}{path}", heading, charts))
        for page, full_url, heading, charts in pages:
            main = page.locator('[data-testid="stMain"]')
            expect(main.get_by_role("heading", name=heading, level=1)).to_be_visible(timeout=CONCURRENT_START_MS)
            page.wait_for_function(
                "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                arg=charts,
                timeout=CONCURRENT_START_MS,
            )
            wait_idle(page)
            assert page_problems(page) == [], full_url
            # Inside app.py's frame (its navigation titles), not Streamlit's folder listing of pages/.
            nav = page.locator('[data-testid="stSidebarNav"]')
            expect(nav.get_by_text("Institution performance", exact=True)).to_be_visible()
    finally:
        for context in contexts:
            context.close()

    log = audit.read_records(shared_audit)
    assert log.damaged == 0
    files = sorted(p.name for p in log.files)
    assert len(files) == 2 and files[0].endswith(".web-1.jsonl") and files[1].endswith(".web-2.jsonl")
    views = [r for r in log.records if r["event"] == "page_view"]
    by_file = {
        name: [json.loads(line)["page"] for line in (shared_audit / name).read_text().splitlines()] for name in files
    }
    for name, pages_seen in by_file.items():
        for path, _, _ in SESSIONS:
            assert path.strip("/") in pages_seen, (name, pages_seen)
    assert len(views) == sum(len(v) for v in by_file.values())
    # Neither server screened a table: the manifests are the release step's.
    parquet = store.parquet_dir()
    for table_id, manifest in prepared_at.items():
        assert (parquet / f"{table_id}.json").read_text() == manifest, table_id

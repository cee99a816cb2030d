"""The app in a real browser: cold start to first chart, and server memory with many concurrent sessions.

`streamlit run app.py` runs as a subprocess on a free loopback port with LEO_DATA_DIR pointing at the data set's
data dir; Playwright drives Debian's Chromium (never a browser Playwright downloads).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.measure import tree_rss_bytes
from leo_dash.core import paths

CHROMIUM = os.environ.get("LEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A chart is "rendered" once Plotly has drawn its SVG inside Streamlit's chart element.
CHART_SELECTOR = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'
ERROR_SELECTOR = '[data-testid="stException"]'
HEALTH_POLL_S = 0.05


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    started: float  # perf_counter when the process was launched
    healthy_after: float  # seconds from launch to /_stcore/health answering 200
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss(self) -> int:
        return tree_rss_bytes(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _launch_command(port: int, preload: Sequence[str], app: Path) -> list[str]:
    options = [
        "run", str(app),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    if not preload:
        return [sys.executable, "-m", "streamlit", *options]
    # Experiment: import the app's heavy modules before the server starts, so the first session does not pay.
    code = (
        "import importlib, sys\n"
        f"for name in {list(preload)!r}: importlib.import_module(name)\n"
        "from streamlit.web.cli import main\n"
        f"sys.argv = ['streamlit', *{options!r}]\n"
        "main()\n"
    )
    return [sys.executable, "-c", code]


@contextmanager
def streamlit_server(
    data_dir: Path, *, timeout: float = 600, preload: Sequence[str] = (), app: Path | None = None
) -> Iterator[Server]:
    """Launch the app (default: the project's app.py) on `data_dir` and yield once it answers its health check;
    always stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    scratch = Path(tempfile.mkdtemp(prefix="leo_bench_server_"))
    log_path = scratch / "server.log"
    env = os.environ | {
        "PYTHONUNBUFFERED": "1",
        "LEO_DATA_DIR": str(data_dir),
        "LEO_AUDIT_DIR": str(scratch / "audit"),
    }
    command = _launch_command(port, preload, app or paths.PROJECT_ROOT / "app.py")
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=paths.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(process, url, started, 0.0, log_path)
        try:
            deadline = started + timeout
            while not _healthy(url):
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {process.returncode}:\n{server.log_tail()}")
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"streamlit not healthy after {timeout:.0f} s")
                time.sleep(HEALTH_POLL_S)
            server.healthy_after = time.perf_counter() - started
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _open_page(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url, wait_until="commit")
    return context, page


def _wait_chart(page: Any, timeout_s: float) -> None:
    page.wait_for_selector(CHART_SELECTOR, state="visible", timeout=timeout_s * 1000)
    if page.locator(ERROR_SELECTOR).count():
        raise RuntimeError(f"the page shows an exception: {page.url}")


@dataclass(frozen=True)
class ColdStart:
    seconds_to_chart: float  # process launch -> chart drawn in the browser
    seconds_to_health: float  # process launch -> health check answers
    seconds_to_title: float  # process launch -> the page's title (h1) is shown: the script has started to render
    warm_session_to_chart: float  # afterwards, same server: a new browser session -> chart (no start-up costs)
    parquet_built_before: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "seconds_to_chart": self.seconds_to_chart,
            "seconds_to_health": self.seconds_to_health,
            "seconds_to_title": self.seconds_to_title,
            "warm_session_to_chart": self.warm_session_to_chart,
            "parquet_built_before": self.parquet_built_before,
        }


def cold_start(
    browser: Any,
    data_dir: Path,
    page_path: str,
    *,
    parquet_built: bool,
    timeout: float = 600,
    preload: Sequence[str] = (),
    app: Path | None = None,
) -> ColdStart:
    """One cold start: a new server process, one new browser session on a page that shows a chart.

    The browser is already running (its own start-up is not the app's), so the clock covers the server's start,
    the page load, the first script run (including preparing the table when its parquet is not built) and drawing.
    """
    with streamlit_server(data_dir, timeout=timeout, preload=preload, app=app) as server:
        context, page = _open_page(browser, f"{server.url}/{page_path}")
        try:
            page.wait_for_selector("h1", timeout=timeout * 1000)
            to_title = time.perf_counter() - server.started
            _wait_chart(page, timeout)
            elapsed = time.perf_counter() - server.started
        finally:
            context.close()
        started = time.perf_counter()
        context, page = _open_page(browser, f"{server.url}/{page_path}")
        try:
            _wait_chart(page, timeout)
            warm = time.perf_counter() - started
        finally:
            context.close()
        return ColdStart(elapsed, server.healthy_after, to_title, warm, parquet_built)


SESSION_CHART_WAIT_S = 120.0  # one browser session's chart; on a 2-core machine with 20 sessions opening at once


def _wait_chart_or_reload(page: Any, timeout_s: float) -> None:
    """Wait for the session's chart; if it has not drawn within SESSION_CHART_WAIT_S (a lost websocket under load
    was seen once in twenty sessions), reload the page once and wait again, up to `timeout_s` in all."""
    first_wait = min(SESSION_CHART_WAIT_S, timeout_s)
    try:
        _wait_chart(page, first_wait)
    except Exception:  # Playwright's TimeoutError: the second attempt's failure is the one reported
        page.reload(wait_until="commit")
        _wait_chart(page, max(first_wait, timeout_s - first_wait))


@dataclass(frozen=True)
class SessionMemory:
    baseline_rss: int  # server healthy, no session yet
    rss_by_sessions: dict[int, int]  # concurrent sessions -> server RSS (process tree) with all of them open

    def growth_per_session(self) -> float:
        """Bytes per extra session from the first to the largest count."""
        counts = sorted(self.rss_by_sessions)
        first, last = counts[0], counts[-1]
        return (self.rss_by_sessions[last] - self.rss_by_sessions[first]) / max(1, last - first)

    def as_dict(self) -> dict[str, object]:
        return {
            "baseline_rss_bytes": self.baseline_rss,
            "rss_bytes_by_sessions": {str(k): v for k, v in self.rss_by_sessions.items()},
            "growth_per_extra_session_bytes": self.growth_per_session(),
        }


def session_memory(
    browser: Any,
    data_dir: Path,
    page_paths: Sequence[str],
    *,
    counts: Sequence[int] = (1, 10, 20),
    settle_s: float = 3.0,
    timeout: float = 600,
) -> SessionMemory:
    """Server RSS with 1, 10, 20… concurrent sessions, each its own browser context left open on a chart page.

    Session i opens page_paths[i % len(page_paths)], so sessions ask for different views, not one cached answer.
    """
    with streamlit_server(data_dir, timeout=timeout) as server:
        time.sleep(settle_s)
        baseline = server.rss()
        open_sessions: list[tuple[Any, Any]] = []
        by_count: dict[int, int] = {}
        try:
            for count in sorted(counts):
                new = [
                    _open_page(browser, f"{server.url}/{page_paths[i % len(page_paths)]}")
                    for i in range(len(open_sessions), count)
                ]
                for _, page in new:
                    _wait_chart_or_reload(page, timeout)
                open_sessions.extend(new)
                time.sleep(settle_s)  # let the script runs finish and any per-session work settle
                by_count[count] = server.rss()
        finally:
            for context, _ in open_sessions:
                context.close()
        return SessionMemory(baseline, by_count)

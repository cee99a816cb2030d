"""Small measuring tools: timing, order statistics, and resident memory of a process tree (from /proc).

psutil is not part of the pinned stack, so RSS comes from /proc/<pid>/status (VmRSS) of the process and all its
descendants, found through /proc/<pid>/task/*/children.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of one measurement."""

    samples: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def best(self) -> float:
        return min(self.samples)

    def as_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "median_s": self.median, "p95_s": self.p95, "min_s": self.best, "max_s": max(self.samples)}


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: every reported value was actually observed)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def repeat(call: Callable[[], object], times: int, *, warmup: int = 1) -> Timing:
    """Run `call` warmup times unmeasured, then `times` times measured."""
    for _ in range(warmup):
        call()
    return Timing(tuple(timed(call)[0] for _ in range(times)))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            text = (task / "children").read_text()
        except OSError:
            continue
        found.extend(int(p) for p in text.split())
    return found


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(_children(current))
    return out


def rss_bytes(pid: int) -> int:
    """VmRSS of one process (0 when it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants, summed."""
    return sum(rss_bytes(p) for p in process_tree(pid))


def peak_rss_bytes(pid: int) -> int:
    """VmHWM (high-water mark) of one process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def mb(value: float) -> float:
    return value / 1e6


PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "RESULT "


def report_from_child(facts: dict[str, Any]) -> None:
    """In a measured child process: print `facts` with its peak resident memory (GB) for `run_child` to read."""
    facts = {**facts, "peak_gb": peak_rss_bytes(os.getpid()) / 1024**3}
    print(RESULT_PREFIX + json.dumps(facts), flush=True)


def run_child(code: str, *args: str) -> dict[str, Any]:
    """Run `code` in its own Python process (so its peak memory is its own) and return what it reported through
    `report_from_child`, or {"failed": the reason}."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, check=False
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if run.returncode != 0 or not lines:
        tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"failed": f"exit {run.returncode}: {tail[0]}"}
    return json.loads(lines[-1][len(RESULT_PREFIX) :])

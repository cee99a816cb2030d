"""The table-level protection pass (leo_dash.sdc.protection, D6): time, peak memory and what it hid, per table.

    python benchmarks/protection.py                      # every committed table (real FE tables and demo tables)
    python benchmarks/protection.py --scale 151          # plus the demo tables generated at ~2M graduate rows
    python benchmarks/protection.py --tables fe_provider_benefits

Each table runs in its own process (so peak memory is that table's alone): screen the files (as `store.prepare`
does), then the pass, then the attacker over the result. Printed as a markdown table; BENCHMARKS.md keeps the
results. "screen" is the loader alone, so the pass's cost reads as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks import datasets  # noqa: E402
from leo_dash.core import catalogue, store  # noqa: E402
from leo_dash.sdc import protection  # noqa: E402


def _peak_rss_gb() -> float:
    """This process's peak resident memory since it started (VmHWM; ru_maxrss would also count the parent's pages
    the child held between fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def measure(table_id: str, data_dir: str, solver_attack: bool) -> dict[str, object]:
    """One table, in this process: screen, protect, attack (and, if asked, the linear-program attack)."""
    entry = catalogue.load_catalogue(Path(data_dir)).get(table_id)
    started = time.perf_counter()
    frame, _ = store._screen_files(entry)
    screened = time.perf_counter()
    out, report = protection.protect_table(entry, frame)
    protected = time.perf_counter()
    result = protection.attack(entry, out)
    attacked = time.perf_counter()
    lp = protection.attack(entry, out, solver=True) if solver_attack else None
    lp_done = time.perf_counter()
    cells = frame.height * len(protection.quantities(entry, frame))
    return {
        "table": table_id,
        "rows": frame.height,
        "cells": cells,
        "screen_s": screened - started,
        "protect_s": protected - screened,
        "attack_s": attacked - protected,
        "peak_gb": _peak_rss_gb(),
        "hidden_before": result.hidden - report.cells_hidden,
        "by_subtraction": report.cells_hidden - report.on_hidden_base,
        "on_hidden_base": report.on_hidden_base,
        "exposed_after": result.narrowed,
        "pinned_after": result.pinned,
        "lp_exposed": lp.narrowed if lp else None,
        "lp_s": lp_done - attacked if lp else None,
    }


def format_rows(rows: list[dict[str, object]]) -> str:
    head = (
        "| table | rows | cells | screen | protect | protect / screen | attack | peak memory | hidden by publisher "
        "| hidden by the pass: subtraction | : on a hidden base | exposed after (pinned) "
        "| linear program still finds |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        lines.append(
            f"| {r['table']} | {r['rows']:,} | {r['cells']:,} | {r['screen_s']:.1f} s | {r['protect_s']:.1f} s "
            f"| {r['protect_s'] / max(r['screen_s'], 1e-9):.1f}x | {r['attack_s']:.1f} s | {r['peak_gb']:.2f} GB "
            f"| {r['hidden_before']:,} | {r['by_subtraction']:,} | {r['on_hidden_base']:,} "
            f"| {r['exposed_after']} ({r['pinned_after']}) "
            + (f"| {r['lp_exposed']:,} ({r['lp_s']:.0f} s) |" if r["lp_exposed"] is not None else "| not run |")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, help="also the demo tables generated at this scale")
    parser.add_argument("--tables", help="comma-separated table ids (default: all)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/leo_bench"))
    parser.add_argument(
        "--lp", help="comma-separated ids of committed tables to attack with the linear program too (slow)"
    )
    parser.add_argument("--one", nargs=3, metavar=("TABLE", "DATA_DIR", "LP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], args.one[2] == "lp")))
        return 0
    wanted = set(args.tables.split(",")) if args.tables else None
    with_lp = set(args.lp.split(",")) if args.lp else set()
    committed = str(PROJECT_ROOT / "data")
    jobs = [(t, committed) for t in catalogue.load_catalogue(PROJECT_ROOT / "data").ids()]
    if args.scale:
        big = datasets.generated_dataset(args.work_dir, args.scale)
        jobs += [(t, str(big.data_dir)) for t in catalogue.load_catalogue(big.data_dir).ids()]
    rows = []
    for table_id, data_dir in jobs:
        if wanted and table_id not in wanted:
            continue
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                table_id,
                data_dir,
                "lp" if table_id in with_lp and data_dir == committed else "-",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        if data_dir != committed:
            row["table"] = f"{table_id} (scale {args.scale:g})"
        rows.append(row)
        print(f"[protection] {row['table']}: {row['protect_s']:.1f} s", file=sys.stderr, flush=True)
    print(format_rows(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

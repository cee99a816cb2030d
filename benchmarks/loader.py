"""Loader benchmark: screening (L1-L26) and preparation, in memory and out of core, time and peak memory.

    python benchmarks/loader.py FILE.csv [FILE.csv.gz ...]           # screen each file both ways
    python benchmarks/loader.py --prepare DATA_DIR:TABLE_ID [...]     # prepare a catalogued table (forced)
    python benchmarks/loader.py ... --json results.json --skip-in-memory-above 1.5

Each measurement runs in its own Python process, so its peak resident memory (VmHWM, from the kernel) is that of
the measured step alone plus the interpreter and imports (about 0.2 GB, reported on the "baseline" row). The
in-memory path holds the whole file as text; it is skipped for files above --skip-in-memory-above GB, where it
would need several times the file's size (measured 5.7x at 2M rows). Nothing here asserts a time: the table is
the record (BENCHMARKS.md, "Loader: screening in bounded memory").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # `python benchmarks/<script>.py` puts benchmarks/, not the project, on the path
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.measure import run_child  # noqa: E402

_CHILD = r"""
import sys, time
from pathlib import Path
from benchmarks.measure import report_from_child

kind, target, mode = sys.argv[1], sys.argv[2], sys.argv[3]
import polars  # imports before the clock, as a server has them loaded
from leo_dash.core import catalogue, ees, store
started = time.perf_counter()
if kind == "baseline":
    out = {"rows": 0, "errors": 0, "warnings": 0}
elif kind == "screen":
    result = ees.screen(target, out_of_core=(mode == "out of core"))
    rows = result.frame.height if result.frame is not None else (
        result.scan().select(polars.len()).collect(engine="streaming").item() if result.ok else 0)
    out = {"rows": rows, "errors": len(result.errors), "warnings": len(result.warnings)}
    result.close()
else:
    data_dir, table_id = target.rsplit(":", 1)
    from leo_dash.core import staging
    staging.OUT_OF_CORE_BYTES = 0 if mode == "out of core" else 10**15
    entry = catalogue.load_catalogue(Path(data_dir)).get(table_id)
    prepared = store.prepare(entry, data_dir=Path(data_dir), force=True)
    out = {"rows": prepared.rows, "errors": 0, "warnings": len(prepared.warnings),
           "hidden": prepared.protection.get("cells_hidden")}
out["seconds"] = time.perf_counter() - started
report_from_child(out)
"""


def measure(kind: str, target: str, mode: str) -> dict[str, Any]:
    return run_child(_CHILD, kind, target, mode)


def _size_gb(path: Path) -> float:
    return path.stat().st_size / 1024**3


def _table_size_gb(target: str) -> float:
    """Size of a catalogued table's files."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from leo_dash.core import catalogue, paths

    data_dir, table_id = target.rsplit(":", 1)
    entry = catalogue.load_catalogue(Path(data_dir)).get(table_id)
    return sum(_size_gb(paths.resolve(f)) for f in entry.files)


def rows_of(results: list[dict[str, Any]]) -> list[str]:
    header = "| what | path | rows | file | time | rows/s | peak memory | findings |"
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "failed" in r or "skipped" in r:
            note = r.get("failed") or r.get("skipped")
            lines.append(f"| {r['what']} | {r['mode']} | | {r.get('file', '')} | {note} | | | |")
            continue
        rate = f"{r['rows'] / r['seconds'] / 1e6:.2f}M" if r["rows"] and r["seconds"] else ""
        findings = f"{r['errors']} errors, {r['warnings']} warnings"
        if r.get("hidden") is not None:
            findings += f", {r['hidden']:,} cells hidden by the pass"
        lines.append(
            f"| {r['what']} | {r['mode']} | {r['rows']:,} | {r.get('file', '')} | {r['seconds']:.1f} s | {rate} "
            f"| {r['peak_gb']:.2f} GB | {findings} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="EES data files to screen")
    parser.add_argument("--prepare", action="append", default=[], help="DATA_DIR:TABLE_ID to prepare (forced)")
    parser.add_argument("--skip-in-memory-above", type=float, default=1.5, help="GB of file; default 1.5")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = [
        {"what": "baseline (interpreter + imports)", "mode": "", **measure("baseline", "", "")}
    ]
    started = time.strftime("%Y-%m-%d %H:%M")
    # (kind, target, name, size in GB, memory the in-memory path needs per GB of CSV: measured 5.7x and ~20x)
    steps = [("screen", str(p), p.name, _size_gb(p), 5.7) for p in args.files]
    steps += [("prepare", t, t.rsplit(":", 1)[-1], _table_size_gb(t), 20.0) for t in args.prepare]
    for kind, target, name, size, factor in steps:
        for mode in ("in memory", "out of core"):
            row = {"what": f"{kind} {name}", "mode": mode, "file": f"{size:.2f} GB"}
            if mode == "in memory" and size > args.skip_in_memory_above:
                row["skipped"] = f"skipped: would need about {size * factor:.0f} GB"
            else:
                row |= measure(kind, target, mode)
            results.append(row)
            print(rows_of([row])[-1], flush=True)
    load = os.getloadavg()[0]
    print(f"\nLoader benchmark, {started}, load average at the end {load:.1f}, {os.cpu_count()} cores\n")
    print("\n".join(rows_of(results)))
    if args.json:
        args.json.write_text(json.dumps({"started": started, "load": load, "results": results}, indent=1))
    return 0 if not any("failed" in r for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Demo generator benchmark: the whole-sector generator against the chunked one, time and peak memory.

    python benchmarks/generator.py --scales 15.1,151 [--whole-up-to 151] [--json results.json]

Scale 151 gives about 2M graduate provider rows, 1510 about 20M. Each run writes into a temporary folder in its own
Python process, so its peak resident memory (VmHWM, from the kernel) is that run alone plus imports. The whole
generator (`demo.generate`, every table) is skipped above --whole-up-to, where it would need tens of GB. Nothing
here asserts a time: the table is the record (BENCHMARKS.md, "Generating the large tables").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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
from benchmarks.datasets import count_rows
from benchmarks.measure import report_from_child
from leo_dash import demo
from leo_dash.demo import chunked
mode, scale, out = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
started = time.perf_counter()
if mode == "whole":
    demo.generate(out, scale=scale, register=False)
else:
    chunked.generate_graduate_table(out, scale=scale)
seconds = time.perf_counter() - started
rows = count_rows(out / f"{demo.GRADUATE_TABLE}_provider.csv")
report_from_child({"seconds": seconds, "rows": rows})
"""


def measure(mode: str, scale: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="leo_generator_") as out:
        return run_child(_CHILD, mode, repr(scale), out)


def rows_of(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| scale | generator | graduate provider rows | time | rows/s | peak memory |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if "failed" in r or "skipped" in r:
            lines.append(f"| {r['scale']:g} | {r['mode']} | | {r.get('failed') or r.get('skipped')} | | |")
            continue
        lines.append(
            f"| {r['scale']:g} | {r['mode']} | {r['rows']:,} | {r['seconds']:.1f} s "
            f"| {r['rows'] / r['seconds'] / 1e3:.0f}k | {r['peak_gb']:.2f} GB |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="15.1,151", help="comma list of scales (151 is about 2M rows)")
    parser.add_argument("--whole-up-to", type=float, default=151.0, help="largest scale for the whole generator")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M")
    results: list[dict[str, Any]] = []
    for scale in (float(s) for s in args.scales.split(",")):
        for mode in ("whole", "chunked"):
            row: dict[str, Any] = {"scale": scale, "mode": mode}
            if mode == "whole" and scale > args.whole_up_to:
                row["skipped"] = "skipped: memory grows with the table"
            else:
                row |= measure(mode, scale)
            results.append(row)
            print(rows_of([row])[-1], flush=True)
    load = os.getloadavg()[0]
    print(f"\nGenerator benchmark, {started}, load average at the end {load:.1f}, {os.cpu_count()} cores\n")
    print("\n".join(rows_of(results)))
    if args.json:
        args.json.write_text(json.dumps({"started": started, "load": load, "results": results}, indent=1))
    return 0 if not any("failed" in r for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

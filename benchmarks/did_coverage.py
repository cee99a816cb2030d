"""Coverage of the impact page's intervals, by simulation: does a 95% interval cover the truth 95% of the time?

    python benchmarks/did_coverage.py              # 300 panels per setting (what the tests run), a markdown table
    python benchmarks/did_coverage.py --panels 1000

Each simulated panel is a published table in miniature: 20 treated and 20 comparison cells (providers), 8 years
(4 before the start, 4 from it), bases of 200 to 3,000 learners, rates drawn as binomial counts and published to
one decimal place, a common trend, and the noise a setting adds on top. The same fixed seeds are used for every
setting, so the table is reproducible to the digit; `tests/test_did_coverage.py` runs it and checks that every
honest interval covers between 90% and 99% and that a null effect is called clear at most 10% of the time, and
that the table on the Methodology page (leo_dash.governance.IMPACT_COVERAGE) is the one this prints.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from leo_dash.analyses.did_model import CellPanel, Variance, fit_did  # noqa: E402

CONFIDENCE = 0.95
PANELS = 300
CELLS_PER_GROUP = 20
YEARS = 8
START_INDEX = 4  # years 0-3 before the start, 4-7 from it
FIRST_YEAR = 2012


@dataclass(frozen=True)
class Setting:
    """One kind of noise (sizes in percentage points of the rate)."""

    label: str
    effect: float = 0.0
    cell_year_sd: float = 0.0  # each cell, each year
    lasting_sd: float = 0.0  # each cell, every year (a provider's lasting level)
    group_year_sd: float = 0.0  # a whole group, each year
    weakest_treated_drop_out: int = 0  # the weakest treated cells stop being published at the start


SETTINGS: tuple[Setting, ...] = (
    Setting("Binomial sampling only"),
    Setting("Cell x year noise", cell_year_sd=1.0),
    Setting("Lasting differences between cells", lasting_sd=5.0),
    Setting("Group x year shocks", group_year_sd=1.0),
    Setting("All of these combined", cell_year_sd=1.0, lasting_sd=5.0, group_year_sd=1.0),
    Setting(
        "Weakest 3 treated cells drop out at the start (2 pp effect)",
        effect=2.0,
        lasting_sd=3.0,
        weakest_treated_drop_out=3,
    ),
)


def simulate_panel(seed: int, setting: Setting) -> tuple[CellPanel, list[int], list[int]]:
    """One synthetic published table for `setting`: the cells, and the before and after years."""
    rng = np.random.default_rng(seed)
    cells = 2 * CELLS_PER_GROUP
    years = np.arange(FIRST_YEAR, FIRST_YEAR + YEARS)
    treated = np.arange(cells) < CELLS_PER_GROUP
    level = 20.0 + rng.normal(0.0, setting.lasting_sd, cells) if setting.lasting_sd else np.full(cells, 20.0)
    bases = rng.integers(200, 3000, cells).astype(float)
    shocks = rng.normal(0.0, setting.group_year_sd, (2, YEARS)) if setting.group_year_sd else np.zeros((2, YEARS))
    weakest = set(np.argsort(level[:CELLS_PER_GROUP])[: setting.weakest_treated_drop_out].tolist())
    rows: list[tuple[int, int, bool, float, float, float]] = []
    for cell in range(cells):
        for k, year in enumerate(years):
            after = k >= START_INDEX
            if treated[cell] and after and cell in weakest:
                continue
            rate = level[cell] + 0.5 * k + shocks[0 if treated[cell] else 1, k]
            if setting.cell_year_sd:
                rate += rng.normal(0.0, setting.cell_year_sd)
            if treated[cell] and after:
                rate += setting.effect
            share = min(max(rate, 0.5), 99.5) / 100.0
            published = round(rng.binomial(int(bases[cell]), share) / bases[cell] * 100.0, 1)
            sampling = (published / 100.0) * (1.0 - published / 100.0) / bases[cell] * 100.0**2 + 0.1**2 / 12.0
            rows.append((cell, int(year), bool(treated[cell]), published, bases[cell], sampling))
    data = np.array(rows, dtype=float)
    panel = CellPanel(
        cell=data[:, 0].astype(np.int64),
        period=data[:, 1].astype(np.int64),
        treated=data[:, 2].astype(bool),
        value=data[:, 3],
        weight=data[:, 4],
        sampling_variance=data[:, 5],
    )
    return panel, [int(y) for y in years[:START_INDEX]], [int(y) for y in years[START_INDEX:]]


def coverage_table(panels: int = PANELS) -> pl.DataFrame:
    """Per setting and interval: share of panels whose 95% interval covers the true effect, and (when the true
    effect is 0) share that would be called a clear effect."""
    rows: list[dict[str, object]] = []
    for setting in SETTINGS:
        covered: dict[Variance, int] = {"all": 0, "sampling": 0}
        for seed in range(panels):
            panel, pre, post = simulate_panel(seed, setting)
            for variance in covered:
                fit = fit_did(panel, pre, post, variance, CONFIDENCE)
                covered[variance] += abs(fit.estimate - setting.effect) <= fit.chosen.half_width(CONFIDENCE)
        for variance, label in (("all", "Allow for all noise"), ("sampling", "Sampling only")):
            share = covered[variance] / panels  # type: ignore[index]
            rows.append(
                {
                    "setting": setting.label,
                    "interval": label,
                    "coverage": share,
                    "false_clear": (1.0 - share) if setting.effect == 0 else None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={"setting": pl.String, "interval": pl.String, "coverage": pl.Float64, "false_clear": pl.Float64},
        orient="row",
    )


def coverage_rows(table: pl.DataFrame) -> tuple[tuple[str, int, int], ...]:
    """(setting, % covered by the recommended interval, % covered by sampling only), whole percentages."""
    wide = table.pivot(on="interval", index="setting", values="coverage", maintain_order=True)
    return tuple(
        (str(row["setting"]), round(100 * row["Allow for all noise"]), round(100 * row["Sampling only"]))
        for row in wide.iter_rows(named=True)
    )


def markdown(table: pl.DataFrame, panels: int) -> str:
    lines = [
        f"Coverage of 95% intervals over {panels} simulated panels per setting "
        f"({CELLS_PER_GROUP} treated and {CELLS_PER_GROUP} comparison cells, {YEARS} years)",
        "",
        "| setting | allow for all noise | sampling only |",
        "|---|---|---|",
    ]
    lines += [f"| {setting} | {honest}% | {sampling}% |" for setting, honest, sampling in coverage_rows(table)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", type=int, default=PANELS)
    args = parser.parse_args(argv)
    print(markdown(coverage_table(args.panels), args.panels))


if __name__ == "__main__":
    main()

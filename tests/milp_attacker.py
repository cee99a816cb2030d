"""An exact attacker for small tables: whole people, rounding and every relation at once, as integer programs
(scipy's HiGHS). Slower than the interval arithmetic of leo_dash.sdc.protection but the strongest attack a reader
of the published numbers can make; the tests use it to check that the pass's own attacker misses nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp

from leo_dash.core.model import TableEntry, status_column
from leo_dash.sdc import protection

_BIG = 10**6


@dataclass(frozen=True)
class Interval:
    row: int
    column: str
    lo: int
    hi: int


def feasible_intervals(entry: TableEntry, frame: pl.DataFrame, *, whole_people: bool = True) -> list[Interval]:
    """Every hidden count's and hidden rate numerator's exact feasible interval of whole numbers."""
    qs = protection.quantities(entry, frame)
    rels = protection.relations(entry, frame)
    n = frame.height
    index = {q.column: j for j, q in enumerate(qs)}
    var = lambda row, j: row * len(qs) + j  # noqa: E731
    size = n * len(qs)
    lower, upper = np.zeros(size), np.full(size, float(_BIG))
    rows_a: list[np.ndarray] = []
    lo_a: list[float] = []
    hi_a: list[float] = []

    def constraint(coefs: dict[int, float], lo: float, hi: float) -> None:
        row = np.zeros(size)
        for i, c in coefs.items():
            row[i] += c
        rows_a.append(row)
        lo_a.append(lo)
        hi_a.append(hi)

    hidden: list[tuple[int, int]] = []
    for j, q in enumerate(qs):
        values = frame[q.column].cast(pl.Float64).to_list()
        statuses = frame[status_column(q.column)].to_list() if status_column(q.column) in frame.columns else [None] * n
        b = index.get(str(q.base)) if q.base else None
        half = q.step / 2
        for r in range(n):
            v, s = values[r], statuses[r]
            if s == "c":
                hidden.append((r, j))
            if q.base is None:
                if s is None and v is not None:
                    lower[var(r, j)] = max(0, math.ceil(v - half - 1e-9)) if half else v
                    upper[var(r, j)] = (math.ceil(v + half - 1e-9) - 1) if half else v
                continue
            if b is None:
                continue
            if s is None and v is not None:
                # (v - half) <= scale * n / base < (v + half), as linear constraints on (n, base)
                constraint({var(r, j): q.scale, var(r, b): -(v - half)}, 0, np.inf)
                constraint({var(r, j): q.scale, var(r, b): -(v + half)}, -np.inf, -1e-7)
            else:
                constraint({var(r, j): 1.0, var(r, b): -1.0}, -np.inf, 0)
    for rel in rels:
        for j in range(len(qs)):
            coefs = {var(p, j): 1.0 for p in rel.parts}
            coefs[var(rel.total, j)] = coefs.get(var(rel.total, j), 0.0) - 1.0
            constraint(coefs, 0, 0)
    matrix = np.vstack(rows_a) if rows_a else np.zeros((0, size))
    cons = [LinearConstraint(matrix, lo_a, hi_a)] if rows_a else []
    out = []
    for r, j in hidden:
        bounds = []
        for sign in (1.0, -1.0):
            c = np.zeros(size)
            c[var(r, j)] = sign
            integrality = np.ones(size) if whole_people else np.zeros(size)
            res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lower, upper))
            assert res.status == 0, f"the published table has no solution: {res.message}"
            value = sign * res.fun
            bounds.append(math.ceil(value - 1e-6) if sign > 0 else math.floor(value + 1e-6))
        out.append(Interval(r, qs[j].column, bounds[0], bounds[1]))
    return out


def exposed(intervals: list[Interval], width: int) -> list[Interval]:
    """Hidden cells proved to hold someone and pinned to fewer than `width` whole numbers."""
    return [i for i in intervals if i.lo >= 1 and i.hi - i.lo + 1 < width]

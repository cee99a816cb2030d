"""The linear-programming attacker (D6): what a reader who solves for hidden cells can learn, beyond interval
arithmetic.

Interval arithmetic (leo_dash.sdc.protection) takes each relation on its own. A reader with a solver takes them all at
once, and couples each rate with its base: a published 13% of a base published as 230 (so 225 to 234 people) ties
the numerator to the *same* base that appears in every relation the row is in. For each measure, this module sets
that up as one linear program over the table (scipy's HiGHS): whole-number bounds from interval arithmetic, every
"Total = sum of parts" relation on the measure and on its base, and the rate's rounding interval as two linear
inequalities. A hidden cell is exposed when the program proves it holds at least one person and pins it to fewer
than the protection width of whole numbers.

Linked rows (relations other than national-vs-providers) form independent blocks, so one program whose objective
sums one hidden cell per block gives every chosen cell its own minimum (or maximum) at once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from leo_dash.core.cells import CellBounds

_TOL = 1e-6
_WITNESS_ROUNDS = 2  # push-down / push-up rounds before exact programs for what is left


def _program(
    j: int,
    rows: np.ndarray,
    cells: CellBounds,
    member: tuple[np.ndarray, np.ndarray, np.ndarray],
    local: np.ndarray,
) -> tuple[coo_matrix, np.ndarray, coo_matrix, np.ndarray, np.ndarray]:
    """(A_ub, b_ub, A_eq, b_eq, bounds) for quantity j over `rows`; variables: N for each row, then B for a rate."""
    k = cells.width
    q = cells.quantities[j]
    index = {x.column: i for i, x in enumerate(cells.quantities)}
    b = index.get(str(q.base)) if q.base else None
    n = len(rows)
    width = 2 * n if b is not None else n
    bounds = np.empty((width, 2))
    bounds[:n, 0], bounds[:n, 1] = cells.lo[rows * k + j], cells.hi[rows * k + j]
    ub_r: list[np.ndarray] = []
    ub_c: list[np.ndarray] = []
    ub_v: list[np.ndarray] = []
    ub_b: list[np.ndarray] = []
    count = 0
    if b is not None:
        bounds[n:, 0], bounds[n:, 1] = cells.lo[rows * k + b], cells.hi[rows * k + b]
        rate = cells.value[rows * k + j]
        status = cells.status[rows * k + j]
        half = q.step / 2
        published = ~np.isnan(rate) & (status == None)  # noqa: E711 - object array of symbols
        idx = np.flatnonzero(published)
        # (r - half) * B - scale * N <= 0  and  scale * N - (r + half) * B <= 0
        for sign_n, offset in ((-1.0, -half), (1.0, half)):
            rowsel = np.arange(count, count + len(idx))
            ub_r += [rowsel, rowsel]
            ub_c += [idx, n + idx]
            ub_v += [np.full(len(idx), sign_n * q.scale), -sign_n * (rate[idx] + offset)]
            ub_b.append(np.zeros(len(idx)))
            count += len(idx)
        top = max(q.scale, float(np.nanmax(cells.value[j::k], initial=0.0)) + half)
        other = np.flatnonzero(~published)
        limit = np.where(status[other] == "low", half, top)
        rowsel = np.arange(count, count + len(other))
        ub_r += [rowsel, rowsel]
        ub_c += [other, n + other]
        ub_v += [np.full(len(other), q.scale), -limit]
        ub_b.append(np.zeros(len(other)))
        count += len(other)
    a_ub = coo_matrix(
        (
            np.concatenate(ub_v) if ub_v else [],
            (np.concatenate(ub_r) if ub_r else [], np.concatenate(ub_c) if ub_c else []),
        ),
        shape=(count, width),
    )
    # Relations lying inside `rows`: sum(parts) - total = 0, on N and (for a rate) on B.
    rel, row, total = member
    pos = local[row]
    inside = np.bincount(rel, weights=(pos < 0).astype(float), minlength=int(rel.max() + 1) if len(rel) else 0)
    keep = inside[rel] == 0
    kept_rel, kept_pos, kept_total = rel[keep], pos[keep], total[keep]
    _, eq_row = np.unique(kept_rel, return_inverse=True)
    n_eq = int(eq_row.max() + 1) if len(eq_row) else 0
    coef = np.where(kept_total, -1.0, 1.0)
    eq_r, eq_c, eq_v = [eq_row], [kept_pos], [coef]
    if b is not None:
        eq_r.append(eq_row + n_eq)
        eq_c.append(kept_pos + n)
        eq_v.append(coef)
    a_eq = coo_matrix(
        (np.concatenate(eq_v), (np.concatenate(eq_r), np.concatenate(eq_c))),
        shape=(n_eq * (2 if b is not None else 1), width),
    )
    return a_ub, np.zeros(count), a_eq, np.zeros(a_eq.shape[0]), bounds


def _solve(objective: np.ndarray, program: tuple) -> np.ndarray | None:
    a_ub, b_ub, a_eq, b_eq, bounds = program
    res = linprog(
        objective,
        A_ub=a_ub.tocsr() if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a_eq.tocsr() if a_eq.shape[0] else None,
        b_eq=b_eq if a_eq.shape[0] else None,
        bounds=bounds,
        method="highs",
    )
    return res.x if res.status == 0 else None


class _Attacked(NamedTuple):
    """What every program of one attack is built from: the cells, the relations (`member`) and each row's block."""

    cells: CellBounds
    member: tuple[np.ndarray, np.ndarray, np.ndarray]
    block: np.ndarray


def _restricted(table: _Attacked, j: int, target_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The program for quantity j over the blocks holding `target_rows`: (rows, local index of every row, program)."""
    linked = np.flatnonzero(np.isin(table.block, np.unique(table.block[target_rows])))
    local = np.full(table.cells.rows, -1, dtype=np.int64)
    local[linked] = np.arange(len(linked))
    return linked, local, _program(j, linked, table.cells, table.member, local)


def _variables(local: np.ndarray, linked: np.ndarray, rows: np.ndarray, on_base: np.ndarray) -> np.ndarray:
    """Program variable of each target: the row's numerator, or (on_base) the row's base, which follows them."""
    return local[rows] + on_base * len(linked)


def _push_together(table: _Attacked, j: int, targets: tuple[np.ndarray, np.ndarray], sign: float) -> np.ndarray | None:
    """One program pushing every target (rows, on_base) down (sign +1) or up (-1) at once: what each reaches.
    With one target per block the blocks do not interact, so each value is that target's own minimum (maximum)."""
    rows, on_base = targets
    linked, local, program = _restricted(table, j, rows)
    variables = _variables(local, linked, rows, on_base)
    objective = np.zeros(program[4].shape[0])
    objective[variables] = sign
    x = _solve(objective, program)
    return None if x is None else x[variables]


def _extremes(
    table: _Attacked, j: int, targets: tuple[np.ndarray, np.ndarray], sign: float
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum (sign +1) or maximum (sign -1) of each target: one target per block per program, each program over
    only the blocks it asks about. Returns (values, solved) over the targets."""
    rows, on_base = targets
    values = np.full(len(rows), np.nan)
    solved = np.zeros(len(rows), dtype=bool)
    order = np.argsort(table.block[rows], kind="stable")
    sorted_blocks = table.block[rows][order]
    starts = np.r_[0, np.flatnonzero(sorted_blocks[1:] != sorted_blocks[:-1]) + 1]
    ranks = np.empty(len(rows), dtype=np.int64)  # a target's place within its block: the program it goes in
    ranks[order] = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    for batch in range(int(ranks.max() + 1) if len(ranks) else 0):
        chosen = np.flatnonzero(ranks == batch)
        x = _push_together(table, j, (rows[chosen], on_base[chosen]), sign)
        if x is not None:
            values[chosen], solved[chosen] = x, True
    return values, solved


def exposed_cells(
    cells: CellBounds,
    member: tuple[np.ndarray, np.ndarray, np.ndarray],
    block: np.ndarray,
    width: int,
    skip: np.ndarray,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Hidden cells (flat indices) the linear program proves hold someone and pins below `width` whole numbers.
    `block` is each row's component (no relation crosses components in `member`); `skip` marks cells already known
    to be exposed; `rows` (a mask) limits the attack to hidden cells in those rows. A hidden base is attacked in
    the program of each rate resting on it (the published rates constrain it); a count no rate rests on, alone.

    Cheap programs first: ones that push every open hidden cell down, then up, at once (a cell seen at 0, or seen
    spanning enough whole numbers, is protected), then exact minima and maxima only for what they leave open; each
    program over only the blocks still in question."""
    k = cells.width
    within = np.ones(cells.rows, dtype=bool) if rows is None else rows
    index = {q.column: i for i, q in enumerate(cells.quantities)}
    bases = {index[str(q.base)] for q in cells.quantities if q.base and str(q.base) in index}
    found: set[int] = set()
    table = _Attacked(cells, member, block)

    def open_cells(column: int) -> np.ndarray:
        flat = np.arange(cells.rows) * k + column
        return np.flatnonzero(cells.hidden[flat] & (cells.hi[flat] >= 1) & ~skip[flat] & within)

    for j, q in enumerate(cells.quantities):
        if j in bases:
            continue  # attacked through the rates resting on it
        b = index.get(str(q.base)) if q.base else None
        numerators = open_cells(j)
        base_rows = open_cells(b) if b is not None else np.zeros(0, dtype=np.int64)
        rows_all = np.r_[numerators, base_rows].astype(np.int64)
        on_base = np.r_[np.zeros(len(numerators), dtype=np.int64), np.ones(len(base_rows), dtype=np.int64)]
        flat_of = np.where(on_base == 1, rows_all * k + (b if b is not None else 0), rows_all * k + j)
        keep = ~np.isin(flat_of, list(found)) if found else np.ones(len(rows_all), dtype=bool)
        rows_all, on_base, flat_of = rows_all[keep], on_base[keep], flat_of[keep]
        if not len(rows_all):
            continue
        # Witnesses first: programs pushing all open targets down, then up, at once. Any value a program reaches
        # is possible, so a target seen at 0, or seen spanning `width` whole numbers, is protected.
        seen_lo = np.full(len(rows_all), np.inf)
        seen_hi = np.full(len(rows_all), -np.inf)
        open_ = np.ones(len(rows_all), dtype=bool)
        for _ in range(_WITNESS_ROUNDS):
            for sign in (1.0, -1.0):
                idx = np.flatnonzero(open_)
                if not len(idx):
                    break
                x = _push_together(table, j, (rows_all[idx], on_base[idx]), sign)
                if x is None:
                    open_[idx] = False  # the published figures contradict the relations here: nothing to learn
                    break
                seen_lo[idx] = np.minimum(seen_lo[idx], x)
                seen_hi[idx] = np.maximum(seen_hi[idx], x)
                open_ &= ~((seen_lo <= _TOL) | (np.floor(seen_hi + _TOL) - np.ceil(seen_lo - _TOL) + 1 >= width))
        rows_all, on_base, flat_of = rows_all[open_], on_base[open_], flat_of[open_]
        if not len(rows_all):
            continue
        # Exact minima, then exact maxima, of what the witnesses left open.
        lows, solved = _extremes(table, j, (rows_all, on_base), 1.0)
        lows = np.ceil(lows - _TOL)
        keep = solved & (lows >= 1)
        rows_all, on_base, flat_of, lows = rows_all[keep], on_base[keep], flat_of[keep], lows[keep]
        if not len(rows_all):
            continue
        highs, solved = _extremes(table, j, (rows_all, on_base), -1.0)
        narrow = solved & (np.floor(highs + _TOL) - lows + 1 < width)
        found.update(int(f) for f in flat_of[narrow])
    return np.asarray(sorted(found), dtype=np.int64)

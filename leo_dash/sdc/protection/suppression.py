"""Complementary suppression: hide more published cells until no hidden cell is exposed, write the protected
table and report what was hidden; and the pass on a large table one slice at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from leo_dash import sdc
from leo_dash.core.cells import CellBounds
from leo_dash.core.model import TableEntry, status_column
from leo_dash.sdc import lp_attack
from leo_dash.sdc.protection.bounds import (
    _EPS,
    _UNBOUNDED,
    _bounds,
    _cells,
    _Links,
    _links,
    _local_member,
    _membership,
    exposed,
    quantities,
)
from leo_dash.sdc.protection.linked import TOTAL_ITEM, Relation, _components, relations

PROTECTION_RULES = "protection-5"  # bump when the pass changes: prepared tables are protected again
_MAX_ROUNDS = 500
HIDDEN_REASON = "would reveal a suppressed cell by subtraction"
SOLVER_MAX_BLOCK_ROWS = 50  # the linear program runs by default when no block of linked rows is bigger


@dataclass
class ProtectionReport:
    """What the pass hid beyond the publisher's own suppression."""

    cells_hidden: int = 0
    by_indicator: dict[str, int] = field(default_factory=dict)
    on_hidden_base: int = 0  # of cells_hidden: rates and earnings whose base is hidden (views hid these before)
    rounds: int = 0
    relations: int = 0
    still_exposed: int = 0  # hidden cells no further suppression could protect (should be 0)
    solver: bool = False  # whether the linear-program attacker was part of the pass

    def as_dict(self) -> dict[str, object]:
        return {
            "cells_hidden": self.cells_hidden,
            "by_indicator": dict(sorted(self.by_indicator.items())),
            "by_subtraction": self.cells_hidden - self.on_hidden_base,
            "on_hidden_base": self.on_hidden_base,
            "rounds": self.rounds,
            "relations": self.relations,
            "still_exposed": self.still_exposed,
            "attackers": ["interval arithmetic", "linear program"] if self.solver else ["interval arithmetic"],
            "reason": HIDDEN_REASON,
            "rules": PROTECTION_RULES,
        }


# ----------------------------------------------------------------------------------------------------------------
# Complementary suppression


def _picks(cells: CellBounds, links: _Links, bad: np.ndarray) -> np.ndarray:
    """One shown cell to hide for each exposed cell: in the relation that pins it and offers the cheapest, its
    smallest shown part (its Total only when no part is shown). Returns flat cell indices."""
    # Only relations holding an exposed cell matter.
    bad_group = np.zeros(links.groups, dtype=bool)
    bad_group[links.group[bad[links.cell]]] = True
    keep = bad_group[links.group]
    g, c, t = links.group[keep], links.cell[keep], links.total[keep]
    lo_c, hi_c = cells.lo[c], cells.hi[c]
    shown = ~np.isnan(cells.value[c]) & (cells.status[c] == None)  # noqa: E711 - object array of symbols
    # Cost of hiding a cell: how many people it holds (estimated), Totals far behind any part (keep Totals).
    cost = np.where(t, _UNBOUNDED, 0.0) + (lo_c + hi_c) / 2
    order = np.lexsort((cost, ~shown, g))
    first = np.ones(len(order), dtype=bool)
    first[1:] = g[order][1:] != g[order][:-1]
    best = order[first & shown[order]]  # membership index of each group's cheapest candidate
    best_cell = np.full(links.groups, -1, dtype=np.int64)
    best_cost = np.full(links.groups, np.inf)
    best_cell[g[best]] = c[best]
    best_cost[g[best]] = cost[best]
    # Among the relations an exposed cell belongs to, those that pin it (its bound comes from them): hiding a
    # cell in a relation that does not pin it would not help.
    sums = {
        name: np.bincount(g, weights=np.where(t == is_total, bound, 0.0), minlength=links.groups)
        for name, is_total, bound in (
            ("parts_lo", False, lo_c),
            ("parts_hi", False, hi_c),
            ("total_lo", True, lo_c),
            ("total_hi", True, hi_c),
        )
    }
    cand_lo = np.where(t, sums["parts_lo"][g], sums["total_lo"][g] - (sums["parts_hi"][g] - hi_c))
    cand_hi = np.where(t, sums["parts_hi"][g], sums["total_hi"][g] - (sums["parts_lo"][g] - lo_c))
    binding = (np.ceil(cand_lo - _EPS) >= lo_c) | (np.floor(cand_hi + _EPS) <= hi_c)
    usable = bad[c] & (best_cell[g] >= 0)
    pinned_here = usable & binding
    # A cell pinned by no relation with a candidate left can still be helped through any of its relations.
    has_binding = np.zeros(len(bad), dtype=bool)
    has_binding[c[pinned_here]] = True
    member_bad = pinned_here | (usable & ~has_binding[c])
    if not member_bad.any():
        return np.zeros(0, dtype=np.int64)
    idx = np.flatnonzero(member_bad)
    order = np.lexsort((best_cost[g[idx]], c[idx]))
    idx = idx[order]
    first = np.ones(len(idx), dtype=bool)
    first[1:] = c[idx][1:] != c[idx][:-1]
    return np.unique(best_cell[g[idx[first]]])


def _hide_rates_on_hidden_bases(cells: CellBounds) -> None:
    """A shown rate whose base carries any symbol is hidden too (its D4 safety can no longer be shown), exactly as
    `sdc.suppress_unverifiable` hides it in the written table."""
    k = cells.width
    index = {q.column: j for j, q in enumerate(cells.quantities)}
    for j, q in enumerate(cells.quantities):
        b = index.get(str(q.base)) if q.base else None
        if b is None:
            continue
        hide = (cells.status[b::k] != None) & (cells.status[j::k] == None)  # noqa: E711 - object arrays
        rows = np.flatnonzero(hide)
        cells.hidden[rows * k + j] = True
        cells.status[rows * k + j] = sdc.SUPPRESSED
        cells.value[rows * k + j] = np.nan  # as the written table will hold it: the attack sees the same cells


def _sub_problem(
    cells: CellBounds, member: tuple[np.ndarray, np.ndarray, np.ndarray], rows: np.ndarray
) -> tuple[CellBounds, tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """The cells of `rows` only, with the relations that lie wholly inside them (rows and relations renumbered)."""
    k = cells.width
    flat = (rows[:, None] * k + np.arange(k)[None, :]).ravel()
    sub = CellBounds(cells.quantities, len(rows), cells.value[flat], cells.status[flat], cells.hidden[flat])
    rel, row, total = member
    new_row = np.full(cells.rows, -1, dtype=np.int64)
    new_row[rows] = np.arange(len(rows))
    outside = np.bincount(
        rel, weights=(new_row[row] < 0).astype(float), minlength=int(rel.max() + 1) if len(rel) else 0
    )
    keep = outside[rel] == 0
    kept_rel = rel[keep]
    _, renumbered = np.unique(kept_rel, return_inverse=True)
    return sub, (renumbered.astype(np.int64), new_row[row[keep]], total[keep]), flat


def _suppress(cells: CellBounds, rels: Sequence[Relation], width: int, solver: bool) -> tuple[int, int]:
    """Hide more cells until no hidden cell is exposed (or nothing more can help). Returns (rounds, still exposed).

    Each round over the whole table is followed by rounds over only the linked rows (components) where cells were
    just hidden, which is where anything can change, until they settle; then the whole table is checked again."""
    k = cells.width
    member, local = _membership(rels), _local_member(rels)
    component = _components(rels, cells.rows)
    needs_solver = np.full(cells.rows, solver)  # rows whose linked rows the linear program has yet to attack
    rounds = 0
    _hide_rates_on_hidden_bases(cells)
    while True:
        _bounds(cells, member)
        bad = exposed(cells, width)
        links = _links(member, range(k), k)
        if not bad.any() and needs_solver.any():
            found = lp_attack.exposed_cells(cells, local, component, width, skip=bad, rows=needs_solver)
            bad[found] = True
            # The program may find several cells of one block; after this round's picks it looks at them again.
            needs_solver = np.isin(component, np.unique(component[found // k]))
            links = _links(local, range(k), k)  # complements in the cell's own linked rows
        if not bad.any() or rounds >= _MAX_ROUNDS:
            return rounds, int(bad.sum())
        picks = _picks(cells, links, bad)
        if len(picks) == 0:
            return rounds, int(bad.sum())
        while len(picks) and rounds < _MAX_ROUNDS:
            rounds += 1
            cells.hidden[picks] = True
            cells.status[picks] = sdc.SUPPRESSED
            cells.value[picks] = np.nan
            _hide_rates_on_hidden_bases(cells)
            touched = np.isin(component, np.unique(component[picks // k]))
            needs_solver |= touched & solver
            sub, sub_member, flat = _sub_problem(cells, member, np.flatnonzero(touched))
            _bounds(sub, sub_member)
            sub_bad = exposed(sub, width)
            picks = flat[_picks(sub, _links(sub_member, range(k), k), sub_bad)] if sub_bad.any() else picks[:0]


def protect_table(
    entry: TableEntry, frame: pl.DataFrame, *, solver: bool | None = None
) -> tuple[pl.DataFrame, ProtectionReport]:
    """The table as every view may show it: complementary suppression so that no hidden cell can be recovered
    or narrowed by subtraction, and rates and earnings on a hidden base hidden.

    With `solver`, the linear program of leo_dash.sdc.lp_attack then attacks every measure with its base, and more
    cells are hidden until it too finds nothing. Its cost grows with the size of the blocks of linked rows (about
    a minute on the FE provider table, whose blocks are a provider's year of 12 rows; far longer on the community
    learning table, whose four breakdowns link about 100). By default (None) it runs when every block has at most
    SOLVER_MAX_BLOCK_ROWS rows; BENCHMARKS.md records what it would still find in a table prepared without it."""
    rels = relations(entry, frame)
    qs = quantities(entry, frame)
    if solver is None:
        solver = int(np.bincount(_components(rels, frame.height)).max(initial=0)) <= SOLVER_MAX_BLOCK_ROWS
    report = ProtectionReport(relations=len(rels), solver=solver)
    if not qs:
        return frame, report
    cells = _cells(frame, qs)
    before = cells.hidden.copy()
    report.rounds, report.still_exposed = _suppress(cells, rels, entry.disclosure.share_min_numerator, solver)
    k = cells.width
    updates: list[pl.Expr] = []
    for j, q in enumerate(qs):
        newly = cells.hidden[j::k] & ~before[j::k]
        if newly.any():
            mask = pl.lit(pl.Series(newly))
            old_status = pl.col(status_column(q.column)) if status_column(q.column) in frame.columns else pl.lit(None)
            updates.append(
                pl.when(mask).then(pl.lit(sdc.SUPPRESSED)).otherwise(old_status).alias(status_column(q.column))
            )
            updates.append(pl.when(mask).then(None).otherwise(pl.col(q.column)).alias(q.column))
    out = frame.with_columns(updates) if updates else frame
    # Rates and earnings resting on a base hidden here are hidden too, as every view would hide them (D4/D5).
    out = sdc.suppress_unverifiable(out, entry.indicators)
    for ind in entry.indicators:
        name = status_column(ind.column)
        if name in frame.columns and name in out.columns:
            newly = (out[name] == sdc.SUPPRESSED).fill_null(False) & frame[name].is_null()
            if newly.any():
                report.by_indicator[ind.column] = int(newly.sum())
            base = status_column(ind.base) if ind.base else None
            if base and base in out.columns and ind.kind in ("rate", "earnings"):
                report.on_hidden_base += int((newly & out[base].is_not_null()).sum())
    report.cells_hidden = sum(report.by_indicator.values())
    return out.select(frame.columns), report


# ----------------------------------------------------------------------------------------------------------------
# Large tables: the pass one slice at a time


def slice_columns(entry: TableEntry, table: pl.LazyFrame) -> list[str]:
    """Columns the pass may split a table on: the time period and years after graduation, where present, never
    null and never "Total". Every relation above links rows that agree on every identity column except the one it
    sums over (a "Total" item, a characteristic, a place, or a provider under an aggregate that names the column),
    so rows of different slices are never linked and each slice can be protected on its own."""
    candidates = [c for c in (entry.role("time"), entry.role("years_after")) if c]
    schema = table.collect_schema()
    candidates = [c for c in dict.fromkeys(candidates) if c in schema]
    if not candidates:
        return []
    bad = (
        table.select(
            (pl.col(c).is_null().any() | (pl.col(c).cast(pl.String) == TOTAL_ITEM).any()).alias(c) for c in candidates
        )
        .collect(engine="streaming")
        .row(0, named=True)
    )
    return [c for c in candidates if not bad[c]]


def add_reports(total: ProtectionReport, part: ProtectionReport) -> None:
    """Fold one slice's report into the table's."""
    total.cells_hidden += part.cells_hidden
    for column, n in part.by_indicator.items():
        total.by_indicator[column] = total.by_indicator.get(column, 0) + n
    total.on_hidden_base += part.on_hidden_base
    total.rounds = max(total.rounds, part.rounds)
    total.relations += part.relations
    total.still_exposed += part.still_exposed

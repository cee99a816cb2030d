"""What each cell is known to be: the table's additive quantities, each cell's whole-number interval from its
published (rounded) value, and the attacker that tightens those intervals by interval arithmetic over every
relation (and, with `solver`, the linear program of leo_dash.sdc.lp_attack) until nothing tightens."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from leo_dash import sdc
from leo_dash.core import disclosure_profiles
from leo_dash.core.cells import CellBounds, Quantity
from leo_dash.core.model import TableEntry, status_column
from leo_dash.sdc import lp_attack
from leo_dash.sdc.protection.linked import Relation, _components, relations

_EPS = 1e-6  # float slack before rounding bounds to whole people
_UNBOUNDED = 1e12  # "no upper bound yet" for a hidden count (exact in float64 arithmetic)


# ----------------------------------------------------------------------------------------------------------------
# What each cell is known to be


def quantities(entry: TableEntry, frame: pl.DataFrame) -> list[Quantity]:
    """The table's additive quantities: people counts (not counts of institutions) and rates with a base."""
    conventions = disclosure_profiles.parse_profile(entry.disclosure.publication_profile)
    counts = (
        conventions.counts
        or disclosure_profiles.default_profile(entry.disclosure.count_base, entry.disclosure.earnings_base).counts
    )
    count_step = float(counts.multiple) if counts and counts.multiple else 0.0
    unit_column = entry.unit_filter if entry.unit_filter and entry.unit_filter in frame.columns else None
    count_items = tuple(item for item, unit in entry.unit_items.items() if unit == "count")
    out: list[Quantity] = []
    for ind in entry.indicators:
        if ind.column not in frame.columns or not frame.schema[ind.column].is_numeric():
            continue
        if ind.kind == "other" and unit_column and count_items and not ind.hidden:
            # A `data_type` table's shared column: its count rows are people and add up like any count (relations
            # never cross `data_type` items, which have no Total); its percentage rows are left out.
            out.append(Quantity(ind.column, None, count_step, 1.0, rows=(unit_column, count_items)))
        elif ind.kind in ("count", "base"):
            if disclosure_profiles.is_institution_count(ind.column, ind.label):
                continue
            out.append(Quantity(ind.column, None, count_step, 1.0))
        elif ind.kind == "rate" and ind.base and ind.base in frame.columns:
            if conventions.percentages and conventions.percentages.multiple:
                step = float(conventions.percentages.multiple)
            else:
                step = 10.0 ** -(ind.dp if ind.dp is not None else 1)
            out.append(Quantity(ind.column, ind.base, step, 100.0 if ind.unit == "%" else 1.0))
    return out


def _status(frame: pl.DataFrame, column: str) -> np.ndarray:
    name = status_column(column)
    if name not in frame.columns:
        return np.full(frame.height, None, dtype=object)
    return frame[name].to_numpy()


def _cells(frame: pl.DataFrame, qs: list[Quantity]) -> CellBounds:
    n, k = frame.height, len(qs)
    value = np.full(n * k, np.nan)
    status = np.empty(n * k, dtype=object)
    for j, q in enumerate(qs):
        values = frame[q.column].cast(pl.Float64).fill_null(np.nan).to_numpy().copy()
        symbols = _status(frame, q.column).copy()
        if q.rows is not None:  # rows outside the quantity: unknown to it, never hidden by it
            column, items = q.rows
            outside = ~frame[column].cast(pl.String).is_in(list(items)).fill_null(False).to_numpy()
            values[outside], symbols[outside] = np.nan, None
        value[j::k], status[j::k] = values, symbols
    hidden = status == sdc.SUPPRESSED
    return CellBounds(qs, n, value, status, hidden)


def _count_bounds(value: np.ndarray, status: np.ndarray, hidden: np.ndarray, step: float) -> tuple[np.ndarray, ...]:
    half = step / 2
    published = ~np.isnan(value) & ~hidden
    lo = np.zeros_like(value)
    hi = np.full_like(value, _UNBOUNDED)
    with np.errstate(invalid="ignore"):
        # A count published as v (rounded half-up to `step`) is a whole number in [v - step/2, v + step/2).
        lo[published] = np.maximum(0, np.ceil(value[published] - half - _EPS)) if half else value[published]
        hi[published] = (np.ceil(value[published] + half - _EPS) - 1) if half else value[published]
    low = (status == "low") & ~hidden
    lo[low], hi[low] = 1, max(0.0, math.ceil(half - _EPS) - 1) or 1
    return lo, hi


def _numerator_bounds(
    rate: np.ndarray, status: np.ndarray, hidden: np.ndarray, base_lo: np.ndarray, base_hi: np.ndarray, q: Quantity
) -> tuple[np.ndarray, np.ndarray]:
    half = q.step / 2
    published = ~np.isnan(rate) & ~hidden
    top = max(q.scale, float(np.nanmax(rate, initial=0.0)) + half)  # some LEO rates may exceed 100%
    lo = np.zeros_like(rate)
    hi = np.floor(top / q.scale * base_hi + _EPS)
    with np.errstate(invalid="ignore"):
        lo[published] = np.maximum(0, np.ceil((rate[published] - half) / q.scale * base_lo[published] - _EPS))
        hi[published] = np.floor((rate[published] + half) / q.scale * base_hi[published] + _EPS)
    low = (status == "low") & ~hidden
    lo[low] = np.where(base_lo[low] > 0, 1, 0)
    hi[low] = np.maximum(lo[low], np.floor(half / q.scale * base_hi[low] + _EPS))
    return lo, np.maximum(lo, hi)


# ----------------------------------------------------------------------------------------------------------------
# The attacker: interval arithmetic over every relation until nothing tightens


_Member = tuple[np.ndarray, np.ndarray, np.ndarray]  # (relation, row, is_total) per membership


@dataclass(frozen=True)
class _Links:
    """Relation memberships replicated over a set of quantities: group (relation x quantity), cell, is_total."""

    group: np.ndarray
    cell: np.ndarray
    total: np.ndarray
    groups: int


def _membership(rels: Sequence[Relation]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rel, row, total = [], [], []
    for j, r in enumerate(rels):
        rel.append(j)
        row.append(r.total)
        total.append(True)
        rel.extend([j] * len(r.parts))
        row.extend(r.parts)
        total.extend([False] * len(r.parts))
    return np.asarray(rel, dtype=np.int64), np.asarray(row, dtype=np.int64), np.asarray(total, dtype=bool)


def _links(member: tuple[np.ndarray, np.ndarray, np.ndarray], ks: Sequence[int], width: int) -> _Links:
    rel, row, total = member
    ks_arr = np.asarray(list(ks), dtype=np.int64)
    group = (rel[:, None] * len(ks_arr) + np.arange(len(ks_arr))[None, :]).ravel()
    cell = (row[:, None] * width + ks_arr[None, :]).ravel()
    groups = int(rel.max() + 1) * len(ks_arr) if len(rel) else 0
    return _Links(group, cell, np.repeat(total, len(ks_arr)), groups)


def _propagate(lo: np.ndarray, hi: np.ndarray, links: _Links, max_passes: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Tighten [lo, hi] of every cell by every relation (total = sum of parts), whole numbers, to a fixed point.
    A relation that would contradict a cell's bounds (a part the publisher left out) does not move it."""
    if len(links.group) == 0:
        return lo, hi
    lo, hi = lo.copy(), hi.copy()
    active = np.ones(len(links.group), dtype=bool)  # memberships of relations whose cells moved last pass
    for _ in range(max_passes):
        g, c, t = links.group[active], links.cell[active], links.total[active]
        lo_c, hi_c = lo[c], hi[c]
        parts_lo = np.bincount(g, weights=np.where(t, 0.0, lo_c), minlength=links.groups)
        parts_hi = np.bincount(g, weights=np.where(t, 0.0, hi_c), minlength=links.groups)
        total_lo = np.bincount(g, weights=np.where(t, lo_c, 0.0), minlength=links.groups)
        total_hi = np.bincount(g, weights=np.where(t, hi_c, 0.0), minlength=links.groups)
        cand_lo = np.where(t, parts_lo[g], total_lo[g] - (parts_hi[g] - hi_c))
        cand_hi = np.where(t, parts_hi[g], total_hi[g] - (parts_lo[g] - lo_c))
        new_lo, new_hi = lo.copy(), hi.copy()
        np.maximum.at(new_lo, c, np.ceil(cand_lo - _EPS))
        np.minimum.at(new_hi, c, np.floor(cand_hi + _EPS))
        bad = new_lo > new_hi
        new_lo[bad], new_hi[bad] = lo[bad], hi[bad]
        moved = (new_lo != lo) | (new_hi != hi)
        if not moved.any():
            break
        lo, hi = new_lo, new_hi
        touched = np.zeros(links.groups, dtype=bool)
        touched[links.group[moved[links.cell]]] = True
        active = touched[links.group]
    return lo, hi


def _bounds(cells: CellBounds, member: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Every cell's feasible whole-number interval from everything shown: counts first, then numerators."""
    qs, k = cells.quantities, cells.width
    lo, hi = np.zeros(cells.rows * k), np.full(cells.rows * k, _UNBOUNDED)
    count_ks = [j for j, q in enumerate(qs) if q.base is None]
    for j in count_ks:
        lo[j::k], hi[j::k] = _count_bounds(cells.value[j::k], cells.status[j::k], cells.hidden[j::k], qs[j].step)
    lo, hi = _propagate(lo, hi, _links(member, count_ks, k))
    index = {q.column: j for j, q in enumerate(qs)}
    rate_ks = [j for j, q in enumerate(qs) if q.base is not None]
    for j in rate_ks:
        b = index.get(str(qs[j].base))
        base_lo = lo[b::k] if b is not None else np.zeros(cells.rows)
        base_hi = hi[b::k] if b is not None else np.full(cells.rows, _UNBOUNDED)
        lo[j::k], hi[j::k] = _numerator_bounds(
            cells.value[j::k], cells.status[j::k], cells.hidden[j::k], base_lo, base_hi, qs[j]
        )
    lo, hi = _propagate(lo, hi, _links(member, rate_ks, k))
    cells.lo, cells.hi = lo, hi


def exposed(cells: CellBounds, protection_width: int) -> np.ndarray:
    """Hidden cells an attacker can prove hold at least one person and pin to fewer than `protection_width` whole
    numbers. (A hidden cell pinned to 0 is one whose published Total already says nobody: subtraction adds nothing
    to what the publisher showed about the whole group.)"""
    possible = cells.hi - cells.lo + 1
    return cells.hidden & (possible < protection_width) & (cells.lo >= 1)


@dataclass(frozen=True)
class AttackResult:
    """The attacker's view of a table: every hidden cell's feasible interval."""

    hidden: int
    pinned: int  # hidden cells known exactly (and not 0)
    narrowed: int  # hidden cells narrowed below the protection width (pinned included)
    examples: tuple[str, ...]


def feasible_interval(entry: TableEntry, frame: pl.DataFrame, row: int, column: str) -> tuple[int, int]:
    """What an attacker can tell of one cell (a count, or a rate's numerator) from everything published."""
    qs = quantities(entry, frame)
    cells = _cells(frame, qs)
    _bounds(cells, _membership(relations(entry, frame)))
    flat = row * len(qs) + [q.column for q in qs].index(column)
    return int(cells.lo[flat]), int(cells.hi[flat])


def attack(
    entry: TableEntry, frame: pl.DataFrame, protection_width: int | None = None, *, solver: bool = False
) -> AttackResult:
    """Attack a table as shown (symbols where hidden): how many hidden cells interval arithmetic and (with
    `solver`) the linear program pin exactly or narrow below the protection width."""
    width = protection_width or entry.disclosure.share_min_numerator
    qs = quantities(entry, frame)
    cells = _cells(frame, qs)
    rels = relations(entry, frame)
    _bounds(cells, _membership(rels))
    bad = exposed(cells, width)
    if solver and qs:
        found = lp_attack.exposed_cells(cells, _local_member(rels), _components(rels, cells.rows), width, skip=bad)
        bad[found] = True
    pinned = bad & (cells.hi == cells.lo)
    examples = []
    for flat in np.flatnonzero(bad)[:5]:
        row, k = divmod(int(flat), cells.width)
        examples.append(f"row {row} {qs[k].column}: {int(cells.lo[flat])}..{int(cells.hi[flat])}")
    return AttackResult(int(cells.hidden.sum()), int(pinned.sum()), int(bad.sum()), tuple(examples))


def _local_member(rels: Sequence[Relation]) -> _Member:
    """Memberships of the relations that stay within one component (all but national-vs-providers)."""
    return _membership([r for r in rels if r.along != "providers"])

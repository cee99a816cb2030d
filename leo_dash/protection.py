"""Table-level disclosure protection (D6): decide once, per approved table, which published cells may be shown.

A user who sees several views of a table can combine them. Every linear relation a user can see between the
table's cells is found here:

- a Total item equals the sum of its parts along each breakdown, within every combination of the other columns
  (provision, benefit status, subject, ...; a characteristic type's values add up to the overall Total row);
- national (or provider-type / region aggregate) rows equal the sum of the provider rows they cover;
- an area's rows equal the sum of the areas inside it: England = its regions, a region = its local authorities
  (or districts), a local authority = its districts (pages show one area at a time, but a user can open each);
- a rate times its base is a whole number of people (the rate's numerator).

Published figures are rounded (counts to 5 or 10, rates to whole numbers or 1 dp), so each published cell is known
only to within its rounding interval. `attack` computes, for every cell, the interval of whole numbers consistent
with everything published (interval arithmetic over every relation, repeated until nothing tightens). A suppressed
cell is *exposed* when that interval holds fewer than the protection width (the table's D4 minimum numerator,
3: a hidden 1 or 2 must not be told from its neighbours) of whole numbers and is not simply zero.

`protect_table` then adds complementary suppression: in every relation where a hidden cell is exposed it hides
the smallest published part (the Total only when no part is left), recomputes, and repeats until no hidden cell
is exposed. The same hidden cells are hidden in every view, export and briefing item, because views read the
protected parquet (`leo_dash.store.prepare` runs this pass once per table and records what it hid).

Earnings (medians, quartiles) take part in no linear relation; they follow their base (D5): a hidden base hides
them, as it hides a rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from leo_dash import disclosure_profiles, ees, lp_attack, sdc
from leo_dash.cells import CellBounds, Quantity
from leo_dash.model import TableEntry, status_column

TOTAL_ITEM = "Total"
PROTECTION_RULES = "protection-5"  # bump when the pass changes: prepared tables are protected again
_EPS = 1e-6  # float slack before rounding bounds to whole people
_UNBOUNDED = 1e12  # "no upper bound yet" for a hidden count (exact in float64 arithmetic)
_MAX_ROUNDS = 500
HIDDEN_REASON = "would reveal a suppressed cell by subtraction"
SOLVER_MAX_BLOCK_ROWS = 50  # the linear program runs by default when no block of linked rows is bigger
# Aggregate rows (no provider) whose geographic level says they cover every provider row below them.
_AGGREGATE_LEVELS = ("National",)


@dataclass(frozen=True)
class Relation:
    """Rows linked by "total = sum of parts" (row numbers of the frame), and what links them (for reports)."""

    total: int
    parts: tuple[int, ...]
    along: str


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
# Which cells are linked


def _measure_columns(entry: TableEntry, frame: pl.DataFrame) -> set[str]:
    measures = {i.column for i in entry.indicators}
    return {c for c in frame.columns if c in measures or c.endswith("__status") or c.startswith("__")}


def identity_columns(entry: TableEntry, frame: pl.DataFrame) -> list[str]:
    """Columns that say which cell a row is (names of a provider are labels of its id, not part of it)."""
    skip = _measure_columns(entry, frame) | {c for c in (entry.role("provider_name"),) if c}
    return [c for c in frame.columns if c not in skip]


def _total_relations(frame: pl.DataFrame, identity: Sequence[str], column: str) -> list[Relation]:
    """Total = sum of the other items of `column`, within every combination of the other identity columns."""
    if frame.schema[column] != pl.String or not (frame[column] == TOTAL_ITEM).any():
        return []
    others = [c for c in identity if c != column]
    grouped = (
        frame.select([*others, column])
        .with_row_index("__row")
        .group_by(others, maintain_order=True)
        .agg(
            pl.col("__row").filter(pl.col(column) == TOTAL_ITEM).alias("__total"),
            pl.col("__row").filter(pl.col(column) != TOTAL_ITEM).alias("__parts"),
        )
    )
    out = []
    for totals, parts in zip(grouped["__total"].to_list(), grouped["__parts"].to_list(), strict=True):
        if len(totals) == 1 and parts:
            out.append(Relation(totals[0], tuple(parts), column))
    return out


def _characteristic_relations(entry: TableEntry, frame: pl.DataFrame, identity: Sequence[str]) -> list[Relation]:
    """The values of each characteristic type add up to the overall (Total, Total) row."""
    ctype, cvalue = entry.role("characteristic_type"), entry.role("characteristic_value")
    if not ctype or not cvalue or ctype not in frame.columns or cvalue not in frame.columns:
        return []
    others = [c for c in identity if c not in (ctype, cvalue)]
    rows = frame.select([*others, ctype, cvalue]).with_row_index("__row")
    is_total = (pl.col(ctype) == TOTAL_ITEM) & (pl.col(cvalue) == TOTAL_ITEM)
    totals = rows.filter(is_total).select([*others, pl.col("__row").alias("__total")])
    parts = (
        rows.filter((pl.col(ctype) != TOTAL_ITEM) & (pl.col(cvalue) != TOTAL_ITEM))
        .group_by([*others, ctype], maintain_order=True)
        .agg(pl.col("__row").alias("__parts"))
    )
    joined = parts.join(totals, on=others, how="inner", nulls_equal=True)
    return [
        Relation(total, tuple(part_rows), f"{ctype}={kind}")
        for total, part_rows, kind in zip(
            joined["__total"].to_list(), joined["__parts"].to_list(), joined[ctype].to_list(), strict=True
        )
    ]


def _aggregate_relations(entry: TableEntry, frame: pl.DataFrame, identity: Sequence[str]) -> list[Relation]:
    """An aggregate row (national, or national for one provider type or region) = the provider rows it covers:
    those that match it on every column it names (a null or "Total" there means "all")."""
    pid = entry.role("provider_id")
    if not pid or pid not in frame.columns or "geographic_level" not in frame.columns:
        return []
    compared = [c for c in identity if c not in (pid, "geographic_level")]
    rows = frame.select(identity).with_row_index("__row")
    names = [(pl.col(c).is_not_null() & (pl.col(c).cast(pl.String) != TOTAL_ITEM)).fill_null(False) for c in compared]
    aggregates = rows.filter(pl.col("geographic_level").is_in(_AGGREGATE_LEVELS) & pl.col(pid).is_null())
    aggregates = aggregates.with_columns(
        pl.concat_str([n.cast(pl.Int8).cast(pl.String) for n in names]).alias("__names")
    )
    providers = rows.filter(pl.col(pid).is_not_null())
    if aggregates.height == 0 or providers.height == 0:
        return []
    out: list[Relation] = []
    for (pattern,), group in aggregates.partition_by("__names", as_dict=True).items():
        on = [c for c, named in zip(compared, str(pattern), strict=True) if named == "1"]
        linked = (
            group.select([*on, pl.col("__row").alias("__total")])
            .join(providers.select([*on, "__row"]), on=on, how="inner", nulls_equal=True)
            .group_by("__total", maintain_order=True)
            .agg(pl.col("__row"))
        )
        out.extend(
            Relation(total, tuple(parts), "providers")
            for total, parts in zip(linked["__total"].to_list(), linked["__row"].to_list(), strict=True)
        )
    return out


# Each area level, its code column, and the levels that may contain it (nearest first).
_AREA_CODE = {
    "National": "country_code",
    "Regional": "region_code",
    "Local authority": "new_la_code",
    "Local authority district": "lad_code",
}
_AREA_PARENTS = {
    "Regional": ("National",),
    "Local authority": ("Regional", "National"),
    "Local authority district": ("Local authority", "Regional", "National"),
}


def _area_relations(entry: TableEntry, frame: pl.DataFrame, identity: Sequence[str]) -> list[Relation]:
    """An area's row = the rows of the areas inside it, matched on every other column (each child level is linked
    to the nearest level above it whose code its rows carry; England takes every region, authority or district).
    Where a child level does not cover its parent (people with no known area), the relation contradicts the
    published bounds and `_propagate` leaves the cells alone."""
    if "geographic_level" not in frame.columns:
        return []
    pid = entry.role("provider_id")
    geography = set(ees.GEOGRAPHY_COLUMNS) | {"geographic_level"}
    compared = [c for c in identity if c not in geography and c != pid]
    rows = frame.select(list(dict.fromkeys([*identity, "geographic_level"]))).with_row_index("__row")
    if pid and pid in frame.columns:
        rows = rows.filter(pl.col(pid).is_null())
    present = set(rows["geographic_level"].drop_nulls().to_list())
    out: list[Relation] = []
    for child, parents in _AREA_PARENTS.items():
        children = rows.filter(pl.col("geographic_level") == child)
        if children.height == 0:
            continue
        for parent in (p for p in parents if p in present):
            code = _AREA_CODE[parent]
            carried = code in frame.columns and children[code].is_not_null().all()
            if parent != "National" and not carried:
                continue  # the child rows do not say which parent holds them
            key = [*compared, *([code] if carried else [])]
            linked = (
                rows.filter(pl.col("geographic_level") == parent)
                .select([*key, pl.col("__row").alias("__total")])
                .join(children.select([*key, "__row"]), on=key, how="inner", nulls_equal=True)
                .group_by("__total", maintain_order=True)
                .agg(pl.col("__row"))
            )
            out.extend(
                Relation(total, tuple(parts), f"{child} in {parent}")
                for total, parts in zip(linked["__total"].to_list(), linked["__row"].to_list(), strict=True)
            )
            break
    return out


def relations(entry: TableEntry, frame: pl.DataFrame) -> list[Relation]:
    """Every "total = sum of parts" relation a user can see between rows of the table."""
    identity = identity_columns(entry, frame)
    paired = {entry.role("characteristic_type"), entry.role("characteristic_value")} - {None}
    out: list[Relation] = []
    for column in identity:
        if column in paired or column == "geographic_level":
            continue
        out.extend(_total_relations(frame, identity, column))
    out.extend(_characteristic_relations(entry, frame, identity))
    out.extend(_aggregate_relations(entry, frame, identity))
    out.extend(_area_relations(entry, frame, identity))
    return out


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


def _components(rels: Sequence[Relation], rows: int) -> np.ndarray:
    """Component of each row, linking rows through every relation except the national one (which links all)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    local = [r for r in rels if r.along != "providers"]
    a = np.asarray([r.total for r in local for _ in r.parts], dtype=np.int64)
    b = np.asarray([p for r in local for p in r.parts], dtype=np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(rows, rows))
    return connected_components(graph, directed=False)[1]


def _local_member(rels: Sequence[Relation]) -> _Member:
    """Memberships of the relations that stay within one component (all but national-vs-providers)."""
    return _membership([r for r in rels if r.along != "providers"])


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

    With `solver`, the linear program of leo_dash.lp_attack then attacks every measure with its base, and more
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

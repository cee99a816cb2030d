"""What the protection pass and its linear-program attacker share: the additive quantities of a table and the
bounds an attacker has on every cell (kept apart so the attacker does not import the pass that calls it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Quantity:
    """A whole-number quantity per row that relations add up: a count, or a rate's numerator (rate x base)."""

    column: str  # the indicator column
    base: str | None  # for a rate: the count column it rests on
    step: float  # rounding step of the published value (0 = exact)
    scale: float  # a rate's value per person: 100 for a percentage
    # Only rows whose `column` holds one of `items` (a `data_type` table's count rows; its percentage rows in the
    # same column take part in no sum). None: every row.
    rows: tuple[str, tuple[str, ...]] | None = None


@dataclass
class CellBounds:
    """Bounds of every (row, quantity) cell, flattened row-major."""

    quantities: list[Quantity]
    rows: int
    value: np.ndarray  # published value (NaN when not published)
    status: np.ndarray  # object array of symbols (None = published number)
    hidden: np.ndarray  # bool: `c`, by the publisher or by this pass
    lo: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hi: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def width(self) -> int:
        return len(self.quantities)

    def column(self, k: int) -> slice:
        return slice(k, None, self.width)

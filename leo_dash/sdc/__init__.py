"""Disclosure control: every frame about to be shown or exported passes through here (data standard §4).

Frames follow the project convention: each numeric indicator column `col` is Float64, null where a symbol stands,
and `status_column(col)` (String) holds that symbol (null = a number is shown).

Where each rule is enforced:

- D1 only published cells or safe derivations; a symbol is never filled or reversed: `protect` (a symbol always wins
  over a number, a null always gets a reason), `aggregate` (a contributor's symbol carries into the derived cell).
- D2 symbols are missing-with-reason: `protect` and `aggregate` make every indicator column leave with its status
  column; views/charts render the label from `model.SYMBOL_LABELS`.
- D3 derived counts rounded half-up to the source base, `c` below the minimum: `aggregate`, `derived_count`.
- D4 derived shares need numerator >= 3 and denominator >= 6, shown to `rate_dp` dp: `aggregate`, `share`;
  `suppress_unverifiable` hides a share or earnings figure whose base secondary suppression hid.
- D5 earnings published only, rounded to £100, `c` on a small base, min/max columns hidden (by name or label,
  `is_single_person_extreme`, whatever the catalogue says): `protect`; `aggregate` never derives them.
- D6 nothing that recovers a suppressed cell: for published cells, decided once per table by
  `leo_dash.sdc.protection` when the table is prepared (every view reads the protected table); here, for derived
  figures: `aggregate` (a derived figure with a `c` contributor is `c`) and `suppress_derived` (a derived total
  and all its derived parts shown with exactly one part `c`, along the hierarchies a view gives).
- D7 provider views only from approved provider files: enforced by `leo_dash.core.catalogue` (only approved tables load)
  and `leo_dash.core.query` (no grouping finer than the file); not here.
- D8 half-up rounding (never banker's): `round_half_up`, `with_rounded`, `round_half_up_expr`.
- D9 a derived 0% or 100% on a base under `class_disclosure_base` is `c`: `aggregate`, `share`; a published one
  too (`protect`), with `class_disclosure_note` saying why.
- D10 downloads match the screen: enforced in `leo_dash.present.export` (one view rendered both ways); `assert_same_cells`
  is the helper its tests use.

`check_visible` re-checks any frame against these rules and `guard` raises on a violation: the last step before a
frame leaves the core. Typical use: published rows of the protected table -> `protect` -> `guard(derived=False)`;
grouped rows -> `aggregate` -> `suppress_derived` -> `guard(derived=True)`.

Submodules (each imports only from those above it):

- `symbols`: the symbols written (`SUPPRESSED`, `NOT_AVAILABLE`), `aggregate`'s `N_ROWS` / `N_EXCLUDED` columns,
  `SMALL_BASE_SYMBOLS`, scratch-column helpers.
- `rounding`: D8 `round_half_up`, `round_half_up_series`, `with_rounded`, `round_half_up_expr`, `not_multiple_of`.
- `rules`: D3/D4/D9 on named columns (`_apply_count_rule`, `_apply_share_rule`), `derived_count`, `share`.
- `status`: value + status normalisation (D1, D2).
- `cells`: `protect` for published cells: D5 earnings and min/max columns (`is_single_person_extreme`), D9 on
  published rates (`class_disclosure_note`).
- `aggregation`: `aggregate` (derived figures, inherited symbols).
- `secondary`: D6 `secondary_suppress`, `secondary_suppress_grid`, `suppress_unverifiable`, `suppress_derived`.
- `checks`: `check_visible`, `guard`, `DisclosureError`.
- `same_cells`: D10 `assert_same_cells`.
"""

from __future__ import annotations

from leo_dash.sdc.aggregation import aggregate
from leo_dash.sdc.cells import CLASS_DISCLOSURE_NOTE, class_disclosure_note, is_single_person_extreme, protect
from leo_dash.sdc.checks import Check, DisclosureError, check_visible, guard
from leo_dash.sdc.rounding import (
    not_multiple_of,
    round_half_up,
    round_half_up_expr,
    round_half_up_series,
    with_rounded,
)
from leo_dash.sdc.rules import derived_count, share
from leo_dash.sdc.same_cells import assert_same_cells
from leo_dash.sdc.secondary import (
    Hierarchy,
    secondary_suppress,
    secondary_suppress_grid,
    suppress_derived,
    suppress_unverifiable,
)
from leo_dash.sdc.status import missing_as_not_available
from leo_dash.sdc.symbols import N_EXCLUDED, N_ROWS, NOT_AVAILABLE, SMALL_BASE_SYMBOLS, SUPPRESSED

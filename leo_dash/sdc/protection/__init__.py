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
protected parquet (`leo_dash.core.store.prepare` runs this pass once per table and records what it hid).

Earnings (medians, quartiles) take part in no linear relation; they follow their base (D5): a hidden base hides
them, as it hides a rate.

Submodules: `linked` (which cells are linked: `Relation`, `identity_columns`, `relations`, and the blocks of linked
rows), `bounds` (what each cell is known to be: `quantities`, the interval arithmetic, `exposed`,
`feasible_interval`, `attack`, `AttackResult`), `suppression` (complementary suppression: `protect_table`,
`ProtectionReport`, `PROTECTION_RULES`, `HIDDEN_REASON`, and the pass one slice at a time: `slice_columns`,
`add_reports`).
"""

from __future__ import annotations

from leo_dash.sdc.protection.bounds import (
    AttackResult,
    attack,
    exposed,
    feasible_interval,
    quantities,
)
from leo_dash.sdc.protection.linked import (
    TOTAL_ITEM,
    Relation,
    identity_columns,
    relations,
)
from leo_dash.sdc.protection.suppression import (
    HIDDEN_REASON,
    PROTECTION_RULES,
    SOLVER_MAX_BLOCK_ROWS,
    ProtectionReport,
    add_reports,
    protect_table,
    slice_columns,
)

"""Disclosure checks: the publication's rounding convention (L24, which also decides the rates loaded rounded)
and rates on small bases (L25, which decides the rates hidden as c)."""

from __future__ import annotations

import polars as pl

from leo_dash.core.disclosure_profiles import Convention, ConventionKind
from leo_dash.core.ees.findings import _Recorder
from leo_dash.core.ees.reading import _Cells, _first, _plural
from leo_dash.core.ees.rules import (
    _NOT_A_COUNT,
    VIEW_RATE_DP,
    _guess_kind,
    _natural_base,
    _normalise_name,
)
from leo_dash.sdc import not_multiple_of


class _RoundingChecks(_Recorder):
    """L24, L25: counts, earnings and rates against the declared (or default) conventions and their bases."""

    df: _Cells
    meta_rows: list[dict[str, str]]
    numeric_indicators: list[str]
    units: dict[str, str]
    labels: dict[str, str]
    dps: dict[str, int]
    bases: dict[str, str]
    small_base_threshold: int
    count_rule: Convention
    earnings_rule: Convention
    percentage_rule: Convention | None
    declared_kinds: set[ConventionKind]
    rates_to_round: dict[str, int]  # set here: rate column -> dp its extra decimals are rounded to
    hidden_by_small_base: dict[str, str]  # set here: rate column -> base column whose small values hide it

    # --- L24: the publication's disclosure convention --------------------------------------------------------------
    def _profile_words(self, rule: Convention) -> str:
        return f"the {'declared' if rule.kind in self.declared_kinds else 'default'} profile '{rule.name}'"

    def _profile_hint(self, rule: Convention) -> str:
        if rule.kind in self.declared_kinds:
            return ""
        return " If the publication follows another convention, declare it with --profile (e.g. 'counts unrounded, suppressed below 6')."

    def unit_filter(self) -> tuple[str, dict[str, str]] | None:
        """The table's `data_type`-style filter and the unit of each of its items, if it has one."""
        from leo_dash.core.shapes import detect_unit_filter, looks_like_unit_filter

        rows = [r for r in self.meta_rows if r["col_type"] == "Filter" and r["col_name"] in self.df.columns]
        rows = [r for r in rows if looks_like_unit_filter(r)]
        items = {r["col_name"]: self.df.distinct(r["col_name"]) for r in rows}
        return detect_unit_filter(rows, items)

    def _check_rounding(self) -> None:
        df = self.df
        counts = [c for c in self.numeric_indicators if self.units.get(c) == ""]
        people = [c for c in counts if _guess_kind(c, "", self.labels.get(c, "")) != "other"]
        counts = [c for c in counts if not _NOT_A_COUNT.search(_normalise_name(c))]  # means may hold fractions
        earnings = [c for c in self.numeric_indicators if self.units.get(c) == "£"]
        rates = [c for c in self.numeric_indicators if self.units.get(c) in ("%", "pp")]
        rate_steps: dict[str, tuple[int, bool]] = {}  # rate -> (dp, declared by the profile)
        for c in rates:
            if self.units[c] == "%" and self.percentage_rule is not None and self.percentage_rule.dp is not None:
                rate_steps[c] = (self.percentage_rule.dp, True)
            else:  # its indicator_dp, else the 1 dp every view shows a rate to (views.Column.for_indicator)
                rate_steps[c] = (self.dps.get(c, VIEW_RATE_DP), False)
        exprs = self._rounding_masks(counts, people, earnings, rate_steps)
        if not exprs:
            return
        hits = df.select(exprs).row(0, named=True)
        self._report_rounding(hits, counts, people, earnings, rate_steps)

    def _rounding_masks(
        self, counts: list[str], people: list[str], earnings: list[str], rate_steps: dict[str, tuple[int, bool]]
    ) -> list[pl.Expr]:
        """One pass over the file: for each rule and column, the first breaking row and how many break it."""
        exprs: list[pl.Expr] = []
        # A `data_type` filter (shapes.detect_unit_filter): its percentage rows hold percentages in the same columns
        # as its count rows, so the count rules apply to count rows only.
        count_rows = pl.lit(True)
        unit_filter = self.unit_filter()
        if unit_filter is not None:
            column, units = unit_filter
            count_rows = pl.col(column).is_in([item for item, unit in units.items() if unit == "count"])

        def first_and_count(name: str, mask: pl.Expr) -> None:
            exprs.extend((mask.pipe(_first).alias(f"{name}_first"), mask.sum().alias(f"{name}_n")))

        for c in counts:  # every count, of people or institutions, is a whole number
            first_and_count(
                f"fraction_{c}", (count_rows & (pl.col(c).cast(pl.Float64, strict=False) % 1 != 0)).fill_null(False)
            )
        for c in people:
            number = pl.col(c).cast(pl.Float64, strict=False)
            rule = self.count_rule
            if rule.multiple is not None:
                first_and_count(f"count_{c}", (count_rows & (number % rule.multiple != 0)).fill_null(False))
            elif rule.suppressed_below is not None:
                first_and_count(
                    f"count_{c}", (count_rows & (number > 0) & (number < rule.suppressed_below)).fill_null(False)
                )
        if self.earnings_rule.multiple is not None:
            for c in earnings:
                number = pl.col(c).cast(pl.Float64, strict=False)
                first_and_count(f"earnings_{c}", (number % self.earnings_rule.multiple != 0).fill_null(False))
        for c, (dp, _declared) in rate_steps.items():
            number = pl.col(c).cast(pl.Float64, strict=False)
            first_and_count(f"rate_{c}", not_multiple_of(number, 10.0**-dp))
        return exprs

    def _report_rounding(
        self,
        hits: dict,
        counts: list[str],
        people: list[str],
        earnings: list[str],
        rate_steps: dict[str, tuple[int, bool]],
    ) -> None:
        """An L24 error for each rule a column breaks (first row, and how many in all); rates to more decimals than
        they are shown to are rounded half-up with a warning."""
        df = self.df

        def report(name: str, c: str, message: str, rule: Convention | None = None) -> bool:
            i = hits[f"{name}_first"]
            if i is None:
                return False
            more = f" ({_plural(hits[f'{name}_n'], 'cell')} in all)" if hits[f"{name}_n"] > 1 else ""
            hint = self._profile_hint(rule) if rule is not None else ""
            self.error("L24", message.format(value=df[c][i], row=i + 2) + more + "." + hint, row=i + 2, column=c)
            return True

        for c in counts:
            if report(
                f"fraction_{c}",
                c,
                f"{c} is a count but holds fractions: value {{value}} on row {{row}} is not a whole number",
            ):
                continue
            if c not in people:
                continue  # a count of institutions: organisations, not people, so never rounded for disclosure
            rule = self.count_rule
            if rule.multiple is not None:
                report(
                    f"count_{c}",
                    c,
                    f"{c} breaks {self._profile_words(rule)}: value {{value}} on row {{row}} is not rounded to {rule.multiple:g}",
                    rule,
                )
            elif rule.suppressed_below is not None:
                report(
                    f"count_{c}",
                    c,
                    f"{c} breaks {self._profile_words(rule)}: value {{value}} on row {{row}} is under {rule.suppressed_below} but not suppressed",
                )
        for c in earnings:
            if self.earnings_rule.multiple is not None:
                report(
                    f"earnings_{c}",
                    c,
                    f"{c} breaks {self._profile_words(self.earnings_rule)}: value {{value}} on row {{row}} is not rounded to £{self.earnings_rule.multiple:g}",
                    self.earnings_rule,
                )
        for c, (dp, declared) in rate_steps.items():
            i = hits[f"rate_{c}_first"]
            if i is None:
                continue
            if declared:
                assert self.percentage_rule is not None
                report(
                    f"rate_{c}",
                    c,
                    f"{c} breaks the declared profile '{self.percentage_rule.name}': value {{value}} on row {{row}} is not rounded to {dp} dp",
                )
            else:
                # The data standard: a rate published with more decimals than its indicator_dp is rounded (half-up)
                # to that dp and loaded with a warning, so no view can show (or send the browser) more precision.
                self.rates_to_round[c] = dp
                limit = (
                    f"its indicator_dp of {dp}"
                    if c in self.dps
                    else f"the {dp} dp a rate with no indicator_dp is shown to"
                )
                self.warn(
                    "L24",
                    f"{c} has more decimals than {limit}: value {df[c][i]} on row {i + 2} "
                    f"({_plural(hits[f'rate_{c}_n'], 'cell')} in all); loaded rounded half-up to {dp} dp.",
                    row=i + 2,
                    column=c,
                )

    # --- L25: small bases -----------------------------------------------------------------------------------------
    def _rate_bases(self) -> dict[str, str]:
        """Rate (or earnings) column -> base column: explicit first, else the base its name suggests."""
        numeric = set(self.numeric_indicators)
        pairs: dict[str, str] = {}
        candidates = [
            c
            for c in self.numeric_indicators
            if _guess_kind(c, self.units.get(c, ""), self.labels.get(c, "")) == "base"
        ]
        for c in self.numeric_indicators:
            explicit = self.bases.get(c) or (self.bases.get("*") if self.units.get(c) == "%" else None)
            if explicit:
                if explicit in numeric:
                    pairs[c] = explicit
                else:
                    self.warn(
                        "L25",
                        f"Base column {explicit} for {c} is not a numeric indicator of this file; small bases were not checked.",
                        column=c,
                    )
            elif self.units.get(c) == "%":
                base = _natural_base(c, candidates)
                if base:
                    pairs[c] = base
        return pairs

    def _check_small_bases(self) -> None:
        pairs = self._rate_bases()
        if not pairs:
            return
        threshold = self.small_base_threshold
        exprs: list[pl.Expr] = []
        for c, base in pairs.items():
            small = self._small_base_mask(c, base, threshold)
            exprs += [small.pipe(_first).alias(f"first_{c}"), small.sum().alias(f"n_{c}")]
        hits = self.df.select(exprs).row(0, named=True)
        for c, base in pairs.items():
            i = hits[f"first_{c}"]
            if i is not None:
                self.hidden_by_small_base[c] = base
                self.warn(
                    "L25",
                    f"{c} values on bases under the threshold are hidden ({_plural(hits[f'n_{c}'], 'cell')} where {base} is under {threshold}; shown as c).",
                    row=i + 2,
                    column=c,
                )

    @staticmethod
    def _small_base_mask(column: str, base: str, threshold: int) -> pl.Expr:
        """Cells where the value is published but its base is under the threshold (works on strings or floats)."""
        value = pl.col(column).cast(pl.Float64, strict=False)
        base_value = pl.col(base).cast(pl.Float64, strict=False)
        return (value.is_not_null() & (base_value < threshold)).fill_null(False)

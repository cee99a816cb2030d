"""The publication's own disclosure convention, declared per table (data standard L24), never guessed.

A table's profile is a list of named conventions, at most one for each kind of column:

- counts of people: "counts rounded to 5", "counts rounded to 10", "counts unrounded, suppressed below N";
- earnings: "earnings to £100", "earnings to £10", "earnings unrounded";
- percentages: "percentages whole", "percentages to 1 dp", "percentages to 2 dp".

The loader (L24) checks the file against each declared convention and names the one a value breaks. What LEO
Explorer derives keeps the data standard's own rounding (D3-D9), whatever the publisher did.
Counts of institutions (`number_of_providers`) count organisations, not people: no convention applies to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

ConventionKind = Literal["counts", "earnings", "percentages"]


@dataclass(frozen=True)
class Convention:
    """One named rule the publisher followed for one kind of column."""

    name: str
    kind: ConventionKind
    multiple: float | None  # values are multiples of this; None = unrounded
    suppressed_below: int | None = None  # counts: published values 1..N-1 must have been suppressed

    @property
    def dp(self) -> int | None:
        """Decimal places of a percentage convention (whole = 0)."""
        if self.kind != "percentages" or self.multiple is None:
            return None
        return {1.0: 0, 0.1: 1, 0.01: 2}[self.multiple]


FIXED_CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention("counts rounded to 5", "counts", 5),
        Convention("counts rounded to 10", "counts", 10),
        Convention("earnings to £100", "earnings", 100),
        Convention("earnings to £10", "earnings", 10),
        Convention("earnings unrounded", "earnings", None),
        Convention("percentages whole", "percentages", 1),
        Convention("percentages to 1 dp", "percentages", 0.1),
        Convention("percentages to 2 dp", "percentages", 0.01),
    )
}
_SUPPRESSED_BELOW = re.compile(r"^counts unrounded, suppressed below (\d+)$")
EXAMPLE_NAMES: tuple[str, ...] = (*FIXED_CONVENTIONS, "counts unrounded, suppressed below 6")


class ProfileError(ValueError):
    """A profile name that is not a known convention, or two conventions for one kind of column."""


def convention(name: str) -> Convention:
    """The convention a name stands for (spaces and case forgiven); ProfileError names the known ones."""
    text = " ".join(name.replace("£ ", "£").split()).lower()
    if text in FIXED_CONVENTIONS:
        return FIXED_CONVENTIONS[text]
    match = _SUPPRESSED_BELOW.match(text)
    if match and int(match.group(1)) >= 1:
        return Convention(text, "counts", None, int(match.group(1)))
    raise ProfileError(
        f"Unknown disclosure profile {name!r}; use one or more of: " + "; ".join(f"'{n}'" for n in EXAMPLE_NAMES) + "."
    )


def split_names(values: Iterable[str]) -> tuple[str, ...]:
    """Profile names as given on the command line: repeated options, or several joined by ';' or '+'."""
    return tuple(part.strip() for value in values for part in re.split(r"[;+]", value) if part.strip())


@dataclass(frozen=True)
class PublicationProfile:
    """The conventions declared for one table, by kind of column (None = not declared: the default applies)."""

    counts: Convention | None = None
    earnings: Convention | None = None
    percentages: Convention | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in (self.counts, self.earnings, self.percentages) if c is not None)


def parse_profile(names: Sequence[str]) -> PublicationProfile:
    """A PublicationProfile from convention names; ProfileError on an unknown name or two for one kind."""
    chosen: dict[ConventionKind, Convention] = {}
    for name in split_names(names):
        rule = convention(name)
        if rule.kind in chosen and chosen[rule.kind] != rule:
            raise ProfileError(
                f"Disclosure profile names two conventions for {rule.kind}: '{chosen[rule.kind].name}' and '{rule.name}'."
            )
        chosen[rule.kind] = rule
    return PublicationProfile(chosen.get("counts"), chosen.get("earnings"), chosen.get("percentages"))


def default_profile(count_base: int, earnings_base: int) -> PublicationProfile:
    """What L24 assumes when a table declares nothing: counts and earnings rounded as the data standard's defaults."""
    return PublicationProfile(
        Convention(f"counts rounded to {count_base}", "counts", count_base),
        Convention(f"earnings to £{earnings_base}", "earnings", earnings_base),
        None,
    )


# Counts of institutions: organisations, never people, so never rounded for disclosure and never a base.
_INSTITUTIONS = (
    r"(providers?|institutions?|schools?|colleges?|establishments?|universit(y|ies)|trusts?|academ(y|ies)"
    r"|employers?|settings?|heis?|fecs?|organisations?|organizations?)"
)
_INSTITUTION_NAME = re.compile(rf"^((number|num|no|count|n)_of_|n_)?{_INSTITUTIONS}(_count|_number|_n)?$")
_INSTITUTION_LABEL = re.compile(rf"^(number|count) of {_INSTITUTIONS}\b")


def is_institution_count(column: str, label: str = "") -> bool:
    """True for a column that counts institutions (`number_of_providers`, label "Number of schools")."""
    name = re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", column.lower())).strip("_")
    return bool(_INSTITUTION_NAME.match(name) or _INSTITUTION_LABEL.match(label.strip().lower()))

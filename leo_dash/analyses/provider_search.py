"""Find providers by what a user types, so a provider picker holds a few matches instead of every provider.

A large table names tens of thousands of providers (37,750 at 20M rows); shipping every label to every session's
select box cost ~8 MB of memory a session and a long first draw. The pickers search here on demand: a
case-insensitive substring of the name, or the start of the id (UKPRN, URN), capped at `DEFAULT_LIMIT` matches,
with the providers already chosen always kept on offer (a link's ?provider= or an earlier pick never disappears).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class ProviderMatches:
    """What a picker offers for one search: the chosen providers first, then matches in the providers' order."""

    offered: tuple[tuple[str, str], ...]  # (id, name): the kept ones, then at most `limit` other matches
    total: int  # providers matching the text (all of them for an empty search), kept ones included
    shown: int  # matches among `offered` (kept providers that do not match are not counted)
    limit: int

    @property
    def capped(self) -> bool:
        """Whether more providers match than are offered (the user should type more)."""
        return self.total > self.shown

    def summary(self, text: str, noun: str = "providers") -> str:
        """One line for under the picker: how many match, and whether typing more would narrow them."""
        if self.total == 0:
            return f"No {noun} match '{text.strip()}'." if text.strip() else f"No {noun} to choose from."
        if self.capped:
            what = "matches" if text.strip() else noun
            return f"Showing {self.shown:,} of {self.total:,} {what}; type more of a name or id to narrow."
        return f"{self.total:,} {'match' if self.total == 1 else 'matches'}." if text.strip() else ""


def _fold(text: str) -> str:
    # casefold, not lower: 'Straße' finds 'STRASSE'; surrounding blanks are never meant.
    return text.strip().casefold()


@functools.lru_cache(maxsize=16)
def _folded_names(providers: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    # Folded once per provider list (shared by every session), not on every keystroke.
    return tuple(_fold(name) for _, name in providers)


def matches(provider_id: str, name: str, text: str) -> bool:
    """Whether a provider matches a search: the text (case-insensitive, blanks around it ignored) is part of its
    name, or the start of its id. An empty search matches every provider."""
    wanted = _fold(text)
    return not wanted or wanted in _fold(name) or provider_id.casefold().startswith(wanted)


def search(
    providers: Sequence[tuple[str, str]],
    text: str,
    *,
    limit: int = DEFAULT_LIMIT,
    keep: Sequence[str] = (),
) -> ProviderMatches:
    """The providers a picker offers for `text`: every id in `keep` that is a provider (in `keep`'s order), then
    the first `limit` matches not already kept, in the order of `providers` (by name)."""
    if limit < 0:
        raise ValueError("limit must not be negative")
    pairs = tuple(providers)
    wanted = _fold(text)
    names = dict(pairs)
    kept = [(pid, names[pid]) for pid in dict.fromkeys(keep) if pid in names]
    kept_ids = {pid for pid, _ in kept}
    folded = _folded_names(pairs)
    total = shown = 0
    extra: list[tuple[str, str]] = []
    for (pid, name), folded_name in zip(pairs, folded, strict=True):
        if wanted and wanted not in folded_name and not pid.casefold().startswith(wanted):
            continue
        total += 1
        if pid in kept_ids:
            shown += 1
        elif len(extra) < limit:
            extra.append((pid, name))
            shown += 1
    return ProviderMatches(tuple(kept + extra), total, shown, limit)

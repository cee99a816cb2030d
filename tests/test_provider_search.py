"""The provider search behind every provider picker (issue 15, item 3): a case-insensitive part of the name or the
start of the id, at most `limit` matches, the chosen providers always kept on offer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from leo_dash.analyses import provider_search

PROVIDERS: tuple[tuple[str, str], ...] = (
    ("10000001", "Alpha University"),
    ("10000002", "Beta College"),
    ("10000077", "Eta College"),
    ("20000001", "Straße Academy"),
    ("10000008", "Theta College"),
)


def ids(found: provider_search.ProviderMatches) -> list[str]:
    return [pid for pid, _ in found.offered]


def test_name_matches_any_part_in_any_case() -> None:
    found = provider_search.search(PROVIDERS, "  eTA c ")
    assert ids(found) == ["10000002", "10000077", "10000008"] and found.total == 3 and not found.capped
    assert ids(provider_search.search(PROVIDERS, "STRASSE")) == ["20000001"]  # casefold, not lower


def test_id_matches_from_its_start_only() -> None:
    assert ids(provider_search.search(PROVIDERS, "1000007")) == ["10000077"]
    assert ids(provider_search.search(PROVIDERS, "2")) == ["20000001"]
    assert ids(provider_search.search(PROVIDERS, "0001")) == []  # inside an id: not a match


def test_empty_search_offers_the_first_providers_and_says_how_many_there_are() -> None:
    found = provider_search.search(PROVIDERS, "", limit=2)
    assert ids(found) == ["10000001", "10000002"] and found.total == 5 and found.capped
    assert found.summary("") == "Showing 2 of 5 providers; type more of a name or id to narrow."
    narrowed = provider_search.search(PROVIDERS, "college", limit=2)
    assert narrowed.summary("college") == "Showing 2 of 3 matches; type more of a name or id to narrow."
    assert provider_search.search(PROVIDERS, "zz").summary("zz") == "No providers match 'zz'."
    assert provider_search.search(PROVIDERS, "alpha").summary("alpha") == "1 match."


def test_chosen_providers_stay_on_offer_first_whatever_the_search() -> None:
    found = provider_search.search(PROVIDERS, "alpha", keep=["10000008", "unknown", "10000008"])
    assert ids(found) == ["10000008", "10000001"]  # unknown ids dropped, repeats once
    assert found.total == 1 and found.shown == 1  # the kept one does not match 'alpha'
    found = provider_search.search(PROVIDERS, "", limit=1, keep=["10000008"])
    assert ids(found) == ["10000008", "10000001"] and found.shown == 2 and found.total == 5


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
provider_lists = st.lists(st.tuples(st.from_regex(r"[0-9]{1,8}", fullmatch=True), names), max_size=40).map(
    lambda pairs: tuple(dict(pairs).items())  # ids are unique in a table
)


@given(provider_lists, names, st.integers(min_value=0, max_value=10), st.lists(st.text(max_size=8), max_size=4))
def test_search_agrees_with_the_plain_rule(
    providers: tuple[tuple[str, str], ...], text: str, limit: int, keep: list[str]
) -> None:
    found = provider_search.search(providers, text, limit=limit, keep=keep)
    wanted = [p for p in providers if provider_search.matches(p[0], p[1], text)]
    known = dict(providers)
    kept = [k for k in dict.fromkeys(keep) if k in known]
    assert found.total == len(wanted)
    assert ids(found)[: len(kept)] == kept  # chosen ones first, always offered
    extra = [p for p in found.offered[len(kept) :]]
    assert extra == [p for p in wanted if p[0] not in kept][:limit]  # then matches in order, capped
    assert found.capped == (found.total > found.shown)
    for pid, name in wanted:  # the rule itself: part of the name in any case, or the start of the id
        folded = text.strip().casefold()
        assert folded in name.casefold() or pid.startswith(folded)

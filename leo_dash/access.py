"""Who may see which table. With no identity configured only `public` tables exist as far as the user can tell."""

from __future__ import annotations

from dataclasses import dataclass, field

from leo_dash.model import TableEntry


@dataclass(frozen=True)
class Identity:
    """The signed-in user (None when anonymous) and the roles granted to them."""

    user: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return self.user or "anonymous"


ANONYMOUS = Identity()


def can_see(entry: TableEntry, identity: Identity) -> bool:
    """Public tables for everyone; restricted tables only with the role 'restricted' or 'table:<id>'."""
    if entry.access == "public":
        return True
    return "restricted" in identity.roles or f"table:{entry.id}" in identity.roles

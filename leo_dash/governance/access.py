"""Who may see which table.

With no identity configured only `public` tables exist as far as the user can tell. A signed-in user (Streamlit's
OIDC login, or a trusted header set by an authenticating proxy) gets roles from the role mapping in
`data/roles.toml`:

- `restricted`          every restricted table (the LEO Explorer team);
- `table:<id>`          one restricted table;
- `project:<id>`        the tables granted to that project in the approved access register
                        (`data/access_register.csv`), while the panel's outcome grants access and until the project's
                        expiry date (inclusive). After expiry the tables disappear for its members.

Everything here is plain Python: the UI module reads `st.user` and `st.context.headers` and hands them to
`resolve_identity`. Configuration problems fail closed (no roles), never open.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hmac
import ipaddress
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack

from leo_dash.core import paths
from leo_dash.core.model import TableEntry

log = logging.getLogger("leo_dash.governance.access")

ROLE_RESTRICTED = "restricted"
TABLE_ROLE_PREFIX = "table:"
PROJECT_ROLE_PREFIX = "project:"
ROLES_FILE_ENV = "LEO_ROLES_FILE"
ROLES_FILE_NAME = "roles.toml"
REGISTER_FILE_NAME = "access_register.csv"

_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_ROLE = re.compile(rf"^(restricted|table:[a-z][a-z0-9_]{{0,63}}|project:{_ID})$")
_PROJECT_ID = re.compile(rf"^{_ID}$")
_TABLE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# A user name from a header must look like a login, not carry markup or control characters into logs and pages.
_HEADER_USER = re.compile(r"^[^\x00-\x1f\x7f<>\"'`]{1,254}$")


# ---------------------------------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class Identity:
    """The signed-in user (None when anonymous) and the roles granted to them."""

    user: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return self.user or "anonymous"

    @property
    def projects(self) -> frozenset[str]:
        """Project ids this user is a member of (from `project:<id>` roles)."""
        return frozenset(r[len(PROJECT_ROLE_PREFIX) :] for r in self.roles if r.startswith(PROJECT_ROLE_PREFIX))


ANONYMOUS = Identity()


class RoleConfigError(ValueError):
    """The role mapping file cannot be used; names the file and the entry."""


class TrustedHeaderUnprotected(RoleConfigError):
    """Trusted-header mode without a way to tell the proxy's requests from anyone else's: the app refuses to start."""


PROXY_SECRET_ENV = "LEO_PROXY_SECRET"  # the shared secret the proxy sends; kept out of the (committed) role file


@dataclass(frozen=True)
class RoleConfig:
    """How identities are found and which roles they get. The default grants nothing and trusts no header."""

    trusted_header: str = ""  # header an authenticating proxy sets to the signed-in user; "" = not trusted
    trusted_groups_header: str = ""  # optional header with comma-separated group names from the same proxy
    group_claims: tuple[str, ...] = ("groups", "roles")  # OIDC claims holding group / app-role names
    users: Mapping[str, frozenset[str]] = field(default_factory=dict)  # lower-case user -> roles
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)  # group name -> roles
    # Identity headers count only on requests proven to come from the proxy: a shared secret header and/or a source
    # address in these networks (every configured check must pass).
    proxy_secret_header: str = ""  # header carrying the shared secret, e.g. "X-Leo-Proxy-Secret"
    proxy_secret: str = ""  # its value, from LEO_PROXY_SECRET (never from the file)
    trusted_proxies: tuple[str, ...] = ()  # source addresses or networks of the proxy, e.g. "10.0.0.5", "10.1.0.0/24"

    def has_proxy_check(self) -> bool:
        return bool(self.proxy_secret_header and self.proxy_secret) or bool(self.trusted_proxies)

    def roles_for(self, user: str, groups: Iterable[str] = ()) -> frozenset[str]:
        roles: set[str] = set(self.users.get(user.strip().lower(), frozenset()))
        for group in groups:
            roles |= self.groups.get(group, frozenset())
        return frozenset(roles)


def roles_file() -> Path:
    """The role mapping: LEO_ROLES_FILE if set, else data/roles.toml."""
    override = os.environ.get(ROLES_FILE_ENV)
    return Path(override) if override else paths.DATA_DIR / ROLES_FILE_NAME


def _roles_list(value: Any, where: str, file: Path) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RoleConfigError(f"{file.name}: {where} must be a list of roles.")
    bad = [v for v in value if not _ROLE.match(v)]
    if bad:
        raise RoleConfigError(
            f"{file.name}: {where} has unknown role(s) {bad}; use 'restricted', 'table:<id>' or 'project:<id>'."
        )
    return frozenset(value)


def parse_role_config(raw: Mapping[str, Any], file: Path, *, proxy_secret: str = "") -> RoleConfig:
    """Validate parsed TOML into a RoleConfig."""
    identity = raw.get("identity", {})
    if not isinstance(identity, dict):
        raise RoleConfigError(f"{file.name}: [identity] must be a table.")
    unknown = sorted(set(raw) - {"identity", "users", "groups"})
    if unknown:
        raise RoleConfigError(f"{file.name}: unknown section(s) {', '.join(unknown)}.")
    header = str(identity.get("trusted_header", "")).strip()
    groups_header = str(identity.get("trusted_groups_header", "")).strip()
    claims = identity.get("group_claims", ["groups", "roles"])
    if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
        raise RoleConfigError(f"{file.name}: identity.group_claims must be a list of claim names.")
    users = {
        str(user).strip().lower(): _roles_list(roles, f"users.{user!r}", file)
        for user, roles in dict(raw.get("users", {})).items()
    }
    groups = {str(g): _roles_list(roles, f"groups.{g!r}", file) for g, roles in dict(raw.get("groups", {})).items()}
    secret_header = str(identity.get("proxy_secret_header", "")).strip()
    proxies = identity.get("trusted_proxies", [])
    if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
        raise RoleConfigError(f"{file.name}: identity.trusted_proxies must be a list of addresses or networks.")
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy.strip(), strict=False)
        except ValueError as exc:
            raise RoleConfigError(
                f"{file.name}: identity.trusted_proxies has {proxy!r}, not an address or network."
            ) from exc
    config = RoleConfig(
        header,
        groups_header,
        tuple(claims),
        users,
        groups,
        proxy_secret_header=secret_header,
        proxy_secret=proxy_secret if secret_header else "",
        trusted_proxies=tuple(p.strip() for p in proxies),
    )
    if secret_header and not proxy_secret:
        raise TrustedHeaderUnprotected(
            f"{file.name}: identity.proxy_secret_header is {secret_header!r} but {PROXY_SECRET_ENV} is not set; "
            "set it to the secret the proxy sends."
        )
    if header and not config.has_proxy_check():
        raise TrustedHeaderUnprotected(
            f"{file.name}: identity.trusted_header {header!r} is set but nothing proves a request came from the proxy. "
            f"Set identity.proxy_secret_header (and {PROXY_SECRET_ENV}) or identity.trusted_proxies; LEO Explorer "
            "will not start in trusted-header mode without one."
        )
    return config


@functools.lru_cache(maxsize=8)
def _role_config_cached(file: Path, mtime_ns: int, size: int, proxy_secret: str) -> RoleConfig:
    with file.open("rb") as handle:
        try:
            raw = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise RoleConfigError(f"{file.name}: not valid TOML ({exc}).") from exc
    return parse_role_config(raw, file, proxy_secret=proxy_secret)


def load_role_config(file: Path | None = None) -> RoleConfig:
    """Read the role mapping (cached while the file is unchanged). A missing file grants nothing."""
    file = file or roles_file()
    try:
        stat = file.stat()
    except FileNotFoundError:
        return RoleConfig()
    return _role_config_cached(file, stat.st_mtime_ns, stat.st_size, os.environ.get(PROXY_SECRET_ENV, ""))


def identity_setup_problem() -> str | None:
    """Why the app must not start (trusted-header mode with no proxy check), else None. Other problems in the role
    file fail closed instead (`current_role_config`)."""
    try:
        load_role_config()
    except TrustedHeaderUnprotected as exc:
        log.error("refusing to start: %s", exc)
        return str(exc)
    except (OSError, RoleConfigError):
        return None
    return None


def current_role_config() -> RoleConfig:
    """The role mapping, failing closed: a broken file is logged and grants nothing (and trusts no header)."""
    try:
        return load_role_config()
    except (OSError, RoleConfigError) as exc:
        log.error("role mapping ignored, every user treated as having no roles: %s", exc)
        return RoleConfig()


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value).strip()
    return ""


def _claim_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def from_trusted_proxy(headers: Mapping[str, str], client_address: str | None, config: RoleConfig) -> bool:
    """Whether a request proves it came through the configured proxy: every configured check passes, and at least
    one is configured."""
    if not config.has_proxy_check():
        return False
    if config.proxy_secret_header:
        sent = _header(headers, config.proxy_secret_header)
        if not config.proxy_secret or not hmac.compare_digest(sent.encode(), config.proxy_secret.encode()):
            return False
    if config.trusted_proxies:
        try:
            address = ipaddress.ip_address((client_address or "").strip())
        except ValueError:
            return False
        if not any(address in ipaddress.ip_network(p, strict=False) for p in config.trusted_proxies):
            return False
    return True


def _verified(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def resolve_identity(
    claims: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None,
    config: RoleConfig,
    client_address: str | None = None,
) -> Identity:
    """Who is asking: the OIDC user when logged in, else the trusted proxy header when configured, else anonymous.

    `claims` is `st.user` as a dict (only `is_logged_in: True` counts as signed in); `headers` the request headers.
    The header is believed only when the role mapping names it and the request proves it came from the proxy
    (shared secret header and/or source address `client_address`): anyone else can set headers too.
    An OIDC `email` names the user only with `email_verified: true`; an unverified one is never used.
    """
    if claims and claims.get("is_logged_in") is True:
        keys = (
            ("email", "preferred_username", "sub")
            if _verified(claims.get("email_verified"))
            else ("preferred_username", "sub")
        )
        if claims.get("email") and "email" not in keys:
            log.warning("ignored an OIDC email claim without email_verified: true")
        user = next((str(claims[k]).strip() for k in keys if claims.get(k)), "")
        if not user:
            return ANONYMOUS
        groups = [g for claim in config.group_claims for g in _claim_values(claims.get(claim))]
        return Identity(user=user, roles=config.roles_for(user, groups))
    if config.trusted_header and headers:
        user = _header(headers, config.trusted_header)
        if not user:
            return ANONYMOUS
        if not from_trusted_proxy(headers, client_address, config):
            log.warning("ignored %s header on a request not proven to come from the proxy", config.trusted_header)
            return ANONYMOUS
        if not _HEADER_USER.match(user):
            log.warning("ignored malformed %s header", config.trusted_header)
            return ANONYMOUS
        groups: list[str] = []
        if config.trusted_groups_header:
            groups = [g.strip() for g in _header(headers, config.trusted_groups_header).split(",") if g.strip()]
        return Identity(user=user, roles=config.roles_for(user, groups))
    return ANONYMOUS


# ---------------------------------------------------------------------------------------------------- register

PANEL_OUTCOMES: tuple[str, ...] = ("Approved", "Approved with conditions", "Not approved", "Withdrawn")
GRANTING_OUTCOMES: frozenset[str] = frozenset({"Approved", "Approved with conditions"})
REGISTER_COLUMNS: tuple[str, ...] = (
    "project_id",
    "organisation",
    "project_title",
    "purpose_summary",
    "tables_granted",
    "approval_date",
    "panel_outcome",
    "expiry",
    "illustrative",
)


class RegisterError(ValueError):
    """The approved access register cannot be read; names the row and column."""


@dataclass(frozen=True)
class ApprovedProject:
    """One row of the approved access register: a research proposal and the independent panel's decision."""

    project_id: str
    organisation: str
    title: str
    purpose: str
    tables: tuple[str, ...]
    approval_date: dt.date
    panel_outcome: str
    expiry: dt.date
    illustrative: bool = False  # fictional example rows, labelled as such wherever shown

    @property
    def grants_access(self) -> bool:
        return self.panel_outcome in GRANTING_OUTCOMES

    def is_expired(self, today: dt.date) -> bool:
        """Access runs to the end of the expiry date."""
        return today > self.expiry

    def is_active(self, today: dt.date) -> bool:
        return self.grants_access and self.approval_date <= today <= self.expiry

    def status(self, today: dt.date) -> str:
        if not self.grants_access:
            return self.panel_outcome
        if today < self.approval_date:
            return "Not yet started"
        return "Expired" if self.is_expired(today) else "Active"


def register_file() -> Path:
    return paths.DATA_DIR / REGISTER_FILE_NAME


def _register_date(value: str, row: int, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise RegisterError(f"Register row {row}: {column} must be a date (YYYY-MM-DD), not {value!r}.") from exc


def parse_register(rows: Sequence[Mapping[str, str]], header: Sequence[str]) -> tuple[ApprovedProject, ...]:
    """Validate register rows (row numbers as in a spreadsheet: header = 1)."""
    missing = [c for c in REGISTER_COLUMNS if c not in header]
    extra = [c for c in header if c not in REGISTER_COLUMNS]
    if missing or extra:
        raise RegisterError(
            "Register columns must be exactly "
            f"{', '.join(REGISTER_COLUMNS)}; missing {missing or 'none'}, unexpected {extra or 'none'}."
        )
    projects: list[ApprovedProject] = []
    seen: set[str] = set()
    for number, raw in enumerate(rows, start=2):
        row = {k: (raw.get(k) or "").strip() for k in REGISTER_COLUMNS}
        blank = [c for c in REGISTER_COLUMNS if c != "illustrative" and not row[c]]
        if blank:
            raise RegisterError(f"Register row {number}: {', '.join(blank)} must be filled in.")
        pid = row["project_id"]
        if not _PROJECT_ID.match(pid):
            raise RegisterError(f"Register row {number}: project_id {pid!r} must be letters, digits, '.', '_' or '-'.")
        if pid in seen:
            raise RegisterError(f"Register row {number}: project_id {pid!r} appears twice.")
        seen.add(pid)
        tables = tuple(t.strip() for t in row["tables_granted"].split(";") if t.strip())
        bad_tables = [t for t in tables if not _TABLE_ID.match(t)]
        if bad_tables or not tables:
            raise RegisterError(
                f"Register row {number}: tables_granted must be table ids separated by ';', not {row['tables_granted']!r}."
            )
        if row["panel_outcome"] not in PANEL_OUTCOMES:
            raise RegisterError(
                f"Register row {number}: panel_outcome must be one of {', '.join(PANEL_OUTCOMES)}, "
                f"not {row['panel_outcome']!r}."
            )
        approval = _register_date(row["approval_date"], number, "approval_date")
        expiry = _register_date(row["expiry"], number, "expiry")
        if expiry < approval:
            raise RegisterError(f"Register row {number}: expiry {expiry} is before approval_date {approval}.")
        illustrative = row["illustrative"].lower()
        if illustrative not in ("", "yes", "no"):
            raise RegisterError(f"Register row {number}: illustrative must be 'yes' or 'no'.")
        projects.append(
            ApprovedProject(
                project_id=pid,
                organisation=row["organisation"],
                title=row["project_title"],
                purpose=row["purpose_summary"],
                tables=tables,
                approval_date=approval,
                panel_outcome=row["panel_outcome"],
                expiry=expiry,
                illustrative=illustrative == "yes",
            )
        )
    return tuple(projects)


@functools.lru_cache(maxsize=8)
def _register_cached(file: Path, mtime_ns: int, size: int) -> tuple[ApprovedProject, ...]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except UnicodeDecodeError as exc:
        raise RegisterError(f"{file.name} is not UTF-8 text.") from exc
    return parse_register(rows, header)


def load_register(file: Path | None = None) -> tuple[ApprovedProject, ...]:
    """The approved access register (cached while the file is unchanged). A missing register lists no project."""
    file = file or register_file()
    try:
        stat = file.stat()
    except FileNotFoundError:
        return ()
    return _register_cached(file, stat.st_mtime_ns, stat.st_size)


def current_register() -> tuple[ApprovedProject, ...]:
    """The register for access decisions, failing closed: a broken register grants no project access."""
    try:
        return load_register()
    except (OSError, RegisterError) as exc:
        log.error("approved access register ignored, no project grants access: %s", exc)
        return ()


# ---------------------------------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    reason: str  # for the audit trail and the log, never shown to the user asking for a hidden table


def decide(
    entry: TableEntry,
    identity: Identity,
    *,
    today: dt.date | None = None,
    register: Sequence[ApprovedProject] | None = None,
) -> AccessDecision:
    """May `identity` see `entry`, and why (or why not)."""
    if entry.access == "public":
        return AccessDecision(True, "public table")
    if ROLE_RESTRICTED in identity.roles:
        return AccessDecision(True, "role 'restricted'")
    if f"{TABLE_ROLE_PREFIX}{entry.id}" in identity.roles:
        return AccessDecision(True, f"role 'table:{entry.id}'")
    today = today or dt.date.today()
    projects = {p.project_id: p for p in (current_register() if register is None else register)}
    refusals: list[str] = []
    unknown: list[str] = []
    for project_id in sorted(identity.projects):
        project = projects.get(project_id)
        if project is None:
            unknown.append(project_id)
            continue
        if entry.id not in project.tables:
            continue
        if project.is_active(today):
            return AccessDecision(True, f"approved project {project_id} (until {project.expiry.isoformat()})")
        if not project.grants_access:
            refusals.append(f"project {project_id} panel outcome is {project.panel_outcome!r}")
        elif project.is_expired(today):
            refusals.append(f"project {project_id} expired on {project.expiry.isoformat()}")
        else:
            refusals.append(f"project {project_id} access starts on {project.approval_date.isoformat()}")
    if refusals:
        return AccessDecision(False, "; ".join(refusals))
    reason = "no role grants this restricted table"
    if unknown:
        reason += f"; project(s) {', '.join(unknown)} not in the approved access register"
    return AccessDecision(False, reason)


class DecisionContext(TypedDict, total=False):
    """decide()'s keyword options (the day, the register), for the functions that pass them on."""

    today: dt.date | None
    register: Sequence[ApprovedProject] | None


def can_see(entry: TableEntry, identity: Identity, **context: Unpack[DecisionContext]) -> bool:
    """Public tables for everyone; restricted tables with 'restricted', 'table:<id>' or an active project role."""
    return decide(entry, identity, **context).allowed


def lapsed_grants(
    entries: Iterable[TableEntry],
    identity: Identity,
    *,
    today: dt.date | None = None,
    register: Sequence[ApprovedProject] | None = None,
) -> list[tuple[TableEntry, AccessDecision]]:
    """Restricted tables one of the user's projects names but no longer grants (expired, refused, not started).

    These are the tables that "disappeared" for the user: the UI records each as an access denial.
    """
    if not identity.projects:
        return []
    register = current_register() if register is None else register
    named = {t for p in register if p.project_id in identity.projects for t in p.tables}
    out: list[tuple[TableEntry, AccessDecision]] = []
    for entry in entries:
        if entry.access == "public" or entry.id not in named:
            continue
        decision = decide(entry, identity, today=today, register=register)
        if not decision.allowed:
            out.append((entry, decision))
    return out

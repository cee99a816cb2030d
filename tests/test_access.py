"""Access by role: identity resolution, the role mapping, the approved access register and access decisions."""

import datetime as dt
import logging
from pathlib import Path

import pytest

from leo_dash.core import paths
from leo_dash.governance import access
from leo_dash.governance.access import (
    ANONYMOUS,
    ApprovedProject,
    Identity,
    RegisterError,
    RoleConfig,
    RoleConfigError,
    can_see,
    decide,
    lapsed_grants,
    load_register,
    load_role_config,
    resolve_identity,
)
from tests.conftest import make_entry

PUBLIC = make_entry("open_table", access="public")
SECRET = make_entry("secret_table", access="restricted")
OTHER = make_entry("other_secret", access="restricted")
TODAY = dt.date(2026, 6, 15)


def project(pid: str = "P1", tables: tuple[str, ...] = ("secret_table",), **over: object) -> ApprovedProject:
    fields: dict[str, object] = {
        "project_id": pid,
        "organisation": "Example Org (fictional)",
        "title": "A project",
        "purpose": "Research",
        "tables": tables,
        "approval_date": dt.date(2026, 1, 1),
        "panel_outcome": "Approved",
        "expiry": dt.date(2026, 6, 30),
        "illustrative": True,
    }
    fields.update(over)
    return ApprovedProject(**fields)  # type: ignore[arg-type]


CONFIG = RoleConfig(
    users={"ann@example.org": frozenset({"project:P1"}), "team@example.org": frozenset({"restricted"})},
    groups={"leo-team": frozenset({"restricted"})},
)


# ---------------------------------------------------------------- identity


def test_no_login_no_header_is_anonymous():
    assert resolve_identity({}, {}, CONFIG) == ANONYMOUS
    assert resolve_identity(None, None, CONFIG).label == "anonymous"


def test_claims_without_is_logged_in_are_not_a_login():
    # AppTest's default user and hosts without auth give an email but no is_logged_in: that is not a sign-in.
    assert resolve_identity({"email": "ann@example.org"}, {}, CONFIG) == ANONYMOUS
    assert resolve_identity({"email": "ann@example.org", "is_logged_in": False}, {}, CONFIG) == ANONYMOUS


def test_oidc_user_gets_mapped_roles_case_insensitively():
    who = resolve_identity({"is_logged_in": True, "email": "Ann@Example.org", "email_verified": True}, {}, CONFIG)
    assert who.user == "Ann@Example.org"
    assert who.roles == frozenset({"project:P1"})
    assert who.projects == frozenset({"P1"})


def test_oidc_user_without_mapping_has_no_roles():
    who = resolve_identity({"is_logged_in": True, "email": "stranger@example.org", "email_verified": True}, {}, CONFIG)
    assert who.user == "stranger@example.org" and who.roles == frozenset()


def test_oidc_group_claims_map_to_roles_and_entra_username_is_used():
    who = resolve_identity(
        {"is_logged_in": True, "preferred_username": "bob@tenant.example", "groups": ["leo-team", "x"]}, {}, CONFIG
    )
    assert who.user == "bob@tenant.example" and who.roles == frozenset({"restricted"})


def test_header_is_ignored_unless_configured():
    headers = {"X-Auth-Request-Email": "team@example.org"}
    assert resolve_identity({}, headers, CONFIG) == ANONYMOUS


def test_trusted_header_identifies_user_and_groups():
    config = RoleConfig(
        trusted_header="X-Auth-Request-Email",
        trusted_groups_header="X-Auth-Request-Groups",
        users=CONFIG.users,
        groups=CONFIG.groups,
        trusted_proxies=("127.0.0.1",),
    )
    headers = {"x-auth-request-email": "ann@example.org", "X-Auth-Request-Groups": "a, leo-team"}
    who = resolve_identity({}, headers, config, "127.0.0.1")
    assert who.user == "ann@example.org"
    assert who.roles == frozenset({"project:P1", "restricted"})


def test_malformed_header_value_is_anonymous():
    config = RoleConfig(trusted_header="X-User", users=CONFIG.users, trusted_proxies=("127.0.0.1",))
    assert resolve_identity({}, {"X-User": "<script>alert(1)</script>"}, config, "127.0.0.1") == ANONYMOUS
    assert resolve_identity({}, {"X-User": "ann@example.org\nforged"}, config, "127.0.0.1") == ANONYMOUS
    assert resolve_identity({}, {"X-User": "   "}, config, "127.0.0.1") == ANONYMOUS


def test_oidc_login_wins_over_header():
    config = RoleConfig(trusted_header="X-User", users=CONFIG.users)
    who = resolve_identity(
        {"is_logged_in": True, "email": "team@example.org", "email_verified": True},
        {"X-User": "ann@example.org"},
        config,
    )
    assert who.user == "team@example.org"


# ---------------------------------------------------------------- role mapping file


def test_role_config_file_is_read(tmp_path: Path):
    file = tmp_path / "roles.toml"
    file.write_text(
        '[identity]\ntrusted_header = "X-User"\ntrusted_proxies = ["10.0.0.0/24"]\n'
        '[users]\n"A@B.org" = ["project:P1", "table:t_one"]\n'
        '[groups]\n"g" = "restricted"\n',
        encoding="utf-8",
    )
    config = load_role_config(file)
    assert config.trusted_header == "X-User"
    assert config.users == {"a@b.org": frozenset({"project:P1", "table:t_one"})}
    assert config.groups == {"g": frozenset({"restricted"})}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[users]\n"a@b.org" = ["admin"]\n', "unknown role"),
        ('[users]\n"a@b.org" = [1]\n', "list of roles"),
        ("[people]\n", "unknown section"),
        ("[users\n", "not valid TOML"),
    ],
)
def test_bad_role_config_is_refused(tmp_path: Path, text: str, message: str):
    file = tmp_path / "roles.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(RoleConfigError, match=message):
        load_role_config(file)


def test_broken_role_config_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog):
    file = tmp_path / "roles.toml"
    file.write_text('[identity]\ntrusted_header = "X-User"\n[users]\n"a@b.org" = ["superuser"]\n', encoding="utf-8")
    monkeypatch.setenv(access.ROLES_FILE_ENV, str(file))
    with caplog.at_level(logging.ERROR, logger="leo_dash.governance.access"):
        config = access.current_role_config()
    assert config == RoleConfig()  # no header trusted, no roles
    assert "role mapping ignored" in caplog.text


def test_missing_role_config_grants_nothing(tmp_path: Path):
    assert load_role_config(tmp_path / "absent.toml") == RoleConfig()


def test_committed_role_config_grants_nothing_and_trusts_no_header():
    config = load_role_config(paths.PROJECT_ROOT / "data" / "roles.toml")
    assert config.trusted_header == "" and config.users == {} and config.groups == {}


# ---------------------------------------------------------------- register

HEADER = list(access.REGISTER_COLUMNS)


def row(**over: str) -> dict[str, str]:
    base = {
        "project_id": "P1",
        "organisation": "Org (fictional)",
        "project_title": "T",
        "purpose_summary": "S",
        "tables_granted": "secret_table; other_secret",
        "approval_date": "2026-01-01",
        "panel_outcome": "Approved",
        "expiry": "2026-06-30",
        "illustrative": "yes",
    }
    base.update(over)
    return base


def test_register_rows_parse():
    (p,) = access.parse_register([row()], HEADER)
    assert p.tables == ("secret_table", "other_secret")
    assert p.expiry == dt.date(2026, 6, 30) and p.illustrative and p.grants_access


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"expiry": "30/06/2026"}, "expiry must be a date"),
        ({"expiry": "2025-12-31"}, "before approval_date"),
        ({"panel_outcome": "Maybe"}, "panel_outcome must be one of"),
        ({"tables_granted": "Bad Table"}, "tables_granted"),
        ({"tables_granted": " ; "}, "must be filled in|tables_granted"),
        ({"organisation": ""}, "organisation must be filled in"),
        ({"project_id": "P 1"}, "project_id"),
        ({"illustrative": "maybe"}, "illustrative"),
    ],
)
def test_register_rules(over: dict[str, str], message: str):
    with pytest.raises(RegisterError, match=message):
        access.parse_register([row(**over)], HEADER)


def test_register_refuses_duplicates_and_wrong_columns():
    with pytest.raises(RegisterError, match="appears twice"):
        access.parse_register([row(), row()], HEADER)
    with pytest.raises(RegisterError, match="missing"):
        access.parse_register([row()], HEADER[:-1])


def test_broken_register_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "access_register.csv").write_text("project_id\nP1\n", encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", data_dir)
    with pytest.raises(RegisterError):
        load_register()
    with caplog.at_level(logging.ERROR, logger="leo_dash.governance.access"):
        assert access.current_register() == ()
    member = Identity("ann@example.org", frozenset({"project:P1"}))
    assert not can_see(SECRET, member, today=TODAY)


def test_committed_register_is_valid_and_illustrative():
    projects = load_register(paths.PROJECT_ROOT / "data" / "access_register.csv")
    assert len(projects) >= 3
    assert all(p.illustrative and "fictional" in p.organisation for p in projects)
    outcomes = {p.panel_outcome for p in projects}
    assert "Approved" in outcomes and outcomes - access.GRANTING_OUTCOMES  # shows a refusal too
    assert any(p.is_expired(dt.date.today()) for p in projects)  # and an expired project


# ---------------------------------------------------------------- decisions


def test_public_tables_for_everyone_restricted_for_nobody_by_default():
    assert can_see(PUBLIC, ANONYMOUS, register=())
    assert not can_see(SECRET, ANONYMOUS, register=())
    assert not can_see(SECRET, Identity("someone@example.org"), register=())


def test_restricted_and_table_roles():
    assert can_see(SECRET, Identity("t", frozenset({"restricted"})), register=())
    one = Identity("t", frozenset({"table:secret_table"}))
    assert can_see(SECRET, one, register=()) and not can_see(OTHER, one, register=())


def test_project_grants_exactly_its_tables_until_expiry_inclusive():
    member = Identity("ann@example.org", frozenset({"project:P1"}))
    register = [project()]
    assert can_see(SECRET, member, today=TODAY, register=register)
    assert not can_see(OTHER, member, today=TODAY, register=register)  # not granted to P1
    assert can_see(SECRET, member, today=dt.date(2026, 6, 30), register=register)  # last day
    after = decide(SECRET, member, today=dt.date(2026, 7, 1), register=register)
    assert not after.allowed and after.reason == "project P1 expired on 2026-06-30"


def test_project_access_needs_a_granting_outcome_and_a_started_project():
    member = Identity("ann@example.org", frozenset({"project:P1"}))
    refused = decide(SECRET, member, today=TODAY, register=[project(panel_outcome="Not approved")])
    assert not refused.allowed and "Not approved" in refused.reason
    early = decide(SECRET, member, today=dt.date(2025, 12, 1), register=[project()])
    assert not early.allowed and "starts on 2026-01-01" in early.reason
    assert can_see(SECRET, member, today=TODAY, register=[project(panel_outcome="Approved with conditions")])


def test_unknown_project_grants_nothing():
    member = Identity("ann@example.org", frozenset({"project:NOPE"}))
    decision = decide(SECRET, member, today=TODAY, register=[project()])
    assert not decision.allowed and "NOPE" in decision.reason


def test_another_projects_membership_does_not_leak():
    member = Identity("ann@example.org", frozenset({"project:P2"}))
    register = [project(), project("P2", tables=("other_secret",))]
    assert not can_see(SECRET, member, today=TODAY, register=register)
    assert can_see(OTHER, member, today=TODAY, register=register)


def test_lapsed_grants_lists_tables_that_disappeared():
    member = Identity("ann@example.org", frozenset({"project:P1"}))
    register = [project()]
    assert lapsed_grants([PUBLIC, SECRET, OTHER], member, today=TODAY, register=register) == []
    lapsed = lapsed_grants([PUBLIC, SECRET, OTHER], member, today=dt.date(2026, 7, 1), register=register)
    assert [(e.id, d.reason) for e, d in lapsed] == [("secret_table", "project P1 expired on 2026-06-30")]
    assert lapsed_grants([SECRET], ANONYMOUS, today=dt.date(2026, 7, 1), register=register) == []

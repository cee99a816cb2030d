"""Access by role in the running app (AppTest): restricted tables are invisible and unreachable by URL without the
role, an expired project's tables disappear, and each denial is in the audit trail."""

import datetime as dt
import re
from pathlib import Path

import pytest

from leo_dash import menu, ui
from leo_dash.governance import access, audit
from tests.governance_fixture import (
    all_texts,
    build_data_dir,
    clear_app_caches,
    run_app_page,
    use_data_dir,
    write_register,
    write_roles,
)

SECRET_TITLE = "Graduate outcomes fixture secret_outcomes"
OPEN_TITLE = "Graduate outcomes fixture open_outcomes"
TODAY = dt.date.today()
FUTURE = (TODAY + dt.timedelta(days=200)).isoformat()
PAST = (TODAY - dt.timedelta(days=400)).isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data_dir, audit_dir = use_data_dir(tmp_path, monkeypatch)
    build_data_dir(data_dir)
    write_register(
        data_dir,
        [
            f"ACTIVE,Org A (fictional),Live project,Purpose,secret_outcomes,{PAST},Approved,{FUTURE},yes",
            f"OLD,Org B (fictional),Finished project,Purpose,secret_outcomes,{PAST},Approved,{YESTERDAY},yes",
        ],
    )
    write_roles(
        data_dir,
        '[users]\n"member@example.org" = ["project:ACTIVE"]\n"former@example.org" = ["project:OLD"]\n'
        '"team@example.org" = ["restricted"]\n',
    )
    yield data_dir, audit_dir
    clear_app_caches()


def login(email: str) -> dict[str, object]:
    return {"is_logged_in": True, "email": email, "email_verified": True, "name": email.split("@")[0]}


def overview_ids(at) -> list[str]:
    frame = at.dataframe[0].value
    data = frame.data if hasattr(frame, "data") else frame
    return list(data["Id"])


def denials(audit_dir: Path) -> list[dict]:
    return [r for r in audit.read_records(audit_dir).records if r["event"] == "access_denied"]


def test_anonymous_sees_only_public_tables_everywhere(env):
    at = run_app_page("pages/catalogue.py")
    assert not at.exception and not at.error
    assert overview_ids(at) == ["open_outcomes"]
    table_select = at.selectbox(key="table")  # the list shows titles; the value is the id
    assert table_select.value == "open_outcomes" and len(table_select.options) == 1
    assert not any(SECRET_TITLE in t or "secret_outcomes" in t for t in all_texts(at))
    home = run_app_page("pages/home.py")
    assert not home.exception
    assert not any(SECRET_TITLE in t for t in all_texts(home))


def test_restricted_table_unreachable_by_url_looks_like_an_unknown_table(env):
    _, audit_dir = env
    hidden = run_app_page("pages/catalogue.py", query={"table": "secret_outcomes"})
    unknown = run_app_page("pages/catalogue.py", query={"table": "no_such_table"})
    for at in (hidden, unknown):
        assert not at.exception and not at.error
        assert at.selectbox(key="table").value == "open_outcomes"
        assert at.header[0].value == ui.plain(OPEN_TITLE)
    # Same note for both: the answer does not reveal that the restricted table exists.
    notes = [[i.value for i in at.info] for at in (hidden, unknown)]
    # (the notes are markdown-escaped, so an id's underscores arrive as "\_")
    assert [re.sub(r"'[a-z_\\]+'", "'?'", n) for n in notes[0]] == [re.sub(r"'[a-z_\\]+'", "'?'", n) for n in notes[1]]
    assert not any(SECRET_TITLE in t for t in all_texts(hidden))
    recorded = denials(audit_dir)
    assert [(r["user"], r["table"], r["page"]) for r in recorded] == [("anonymous", "secret_outcomes", "catalogue")]
    assert "asked for by URL" in recorded[0]["detail"]


def test_apptest_default_user_is_not_signed_in(env):
    at = run_app_page("pages/catalogue.py", user={"email": "team@example.org"})  # no is_logged_in
    assert overview_ids(at) == ["open_outcomes"]


def test_team_role_sees_restricted_tables(env):
    at = run_app_page("pages/catalogue.py", user=login("team@example.org"), query={"table": "secret_outcomes"})
    assert not at.exception and not at.error
    assert sorted(overview_ids(at)) == ["open_outcomes", "secret_outcomes"]
    assert at.header[0].value == ui.plain(SECRET_TITLE)
    assert "Restricted to approved users" in at.markdown[2].value or any(
        "Restricted to approved users" in m.value for m in at.markdown
    )


def test_signed_in_without_role_sees_public_only(env):
    _, audit_dir = env
    at = run_app_page("pages/catalogue.py", user=login("stranger@example.org"), query={"table": "secret_outcomes"})
    assert overview_ids(at) == ["open_outcomes"]
    assert [(r["user"], r["table"]) for r in denials(audit_dir)] == [("stranger@example.org", "secret_outcomes")]


def test_active_project_member_sees_the_projects_table(env):
    _, audit_dir = env
    at = run_app_page("pages/catalogue.py", user=login("member@example.org"), query={"table": "secret_outcomes"})
    assert sorted(overview_ids(at)) == ["open_outcomes", "secret_outcomes"]
    assert at.selectbox(key="table").value == "secret_outcomes"
    assert denials(audit_dir) == []


def test_expired_project_tables_disappear_and_the_denial_is_recorded(env):
    _, audit_dir = env
    at = run_app_page("pages/catalogue.py", user=login("former@example.org"), query={"table": "secret_outcomes"})
    assert not at.exception and not at.error
    assert overview_ids(at) == ["open_outcomes"]
    assert at.selectbox(key="table").value == "open_outcomes"
    assert not any(SECRET_TITLE in t for t in all_texts(at))
    recorded = denials(audit_dir)
    assert recorded and all(r["user"] == "former@example.org" and r["table"] == "secret_outcomes" for r in recorded)
    assert any(f"project OLD expired on {YESTERDAY}" in r["detail"] for r in recorded)


def test_trusted_proxy_header_grants_roles_only_when_configured(env, monkeypatch: pytest.MonkeyPatch):
    data_dir, _ = env
    monkeypatch.setattr(  # current_identity (leo_dash.ui.session) looks the headers up in its own module
        ui.session,
        "_request_headers",
        lambda: {"X-Auth-Request-Email": "team@example.org", "X-Leo-Proxy-Secret": "s3cret"},
    )
    monkeypatch.setenv(access.PROXY_SECRET_ENV, "s3cret")
    untrusted = run_app_page("pages/catalogue.py")
    assert overview_ids(untrusted) == ["open_outcomes"]
    write_roles(
        data_dir,
        '[identity]\ntrusted_header = "X-Auth-Request-Email"\nproxy_secret_header = "X-Leo-Proxy-Secret"\n'
        '[users]\n"team@example.org" = ["restricted"]\n',
    )
    trusted = run_app_page("pages/catalogue.py", query={"table": "secret_outcomes"})
    assert not trusted.exception
    assert sorted(overview_ids(trusted)) == ["open_outcomes", "secret_outcomes"]
    assert trusted.header[0].value == ui.plain(SECRET_TITLE)


def test_register_page_names_only_tables_the_viewer_may_see(env):
    anonymous = run_app_page("pages/access_register.py")
    assert not anonymous.exception and not anonymous.error
    assert not any("secret_outcomes" in t or SECRET_TITLE in t for t in all_texts(anonymous))
    assert any("1 restricted table" in t for t in all_texts(anonymous))
    member = run_app_page("pages/access_register.py", user=login("member@example.org"))
    assert any(SECRET_TITLE in t for t in all_texts(member))


def test_every_page_hides_restricted_tables_from_anonymous_users(env):
    """Whatever page a link opens with ?table=<restricted>, the restricted table's title never appears."""
    pages = [p.file for p in menu.all_pages()]  # every page of the app's menu
    assert len(pages) >= 16 and "pages/catalogue.py" in pages and "pages/earnings.py" in pages
    assert "pages/catalogue.py" in pages
    for page in pages:
        at = run_app_page(page, query={"table": "secret_outcomes"})
        assert not at.exception, (page, at.exception)
        assert not any(SECRET_TITLE in t for t in all_texts(at)), page


def test_register_page_tells_members_about_their_projects(env):
    member = run_app_page("pages/access_register.py", user=login("member@example.org"))
    assert not member.exception and not member.error
    assert any(
        ui.plain("member@example.org") in s.value and ui.plain("project:ACTIVE") in s.value for s in member.success
    )
    assert any("Your project ACTIVE: active" in c.value for c in member.caption)
    former = run_app_page("pages/access_register.py", user=login("former@example.org"))
    assert any("Your project OLD: expired" in w.value for w in former.warning)
    assert not any(SECRET_TITLE in t for t in all_texts(former))


@pytest.mark.parametrize("page", ["overview", "earnings", "institutions"])
def test_analysis_pages_record_a_url_request_for_a_hidden_table(env, page):
    _, audit_dir = env
    at = run_app_page(f"pages/{page}.py", query={"table": "secret_outcomes"})
    assert not at.exception and not at.error
    assert not any(SECRET_TITLE in t for t in all_texts(at))
    recorded = denials(audit_dir)
    assert [(r["user"], r["table"]) for r in recorded] == [("anonymous", "secret_outcomes")], recorded
    assert "asked for by URL" in recorded[0]["detail"]

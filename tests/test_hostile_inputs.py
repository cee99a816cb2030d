"""Hostile inputs from links, files and headers (issue 12, items 8 and 10–13). Each test failed on the code before
the fix. The browser half is tests/browser/test_hostile_links.py; the loader half tests/test_loader_hardening.py."""

from __future__ import annotations

import base64
import json
import logging
import zlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import briefing, ui
from leo_dash.briefing import Basket, ItemRef
from leo_dash.core import paths
from leo_dash.governance import access, audit
from leo_dash.governance.access import ANONYMOUS, RoleConfig, resolve_identity
from leo_dash.present import export

HOSTILE_LINK = (
    "[sign in again here](https://evil.example/login) ![x](https://evil.example/p.png) www.evil.example a@evil.example"
)
GOOD_ITEM = ItemRef.make("earnings", {"table": "demo_graduate_outcomes", "compare": "Cohorts"}, "earnings-cohorts")


def _app(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=120)
    at.switch_page(page)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def _records(event: str | None = None) -> list[dict]:
    return [r for r in audit.read_records().records if event is None or r["event"] == event]


def _no_live_markdown(text: str) -> None:
    """Markdown Streamlit would turn into a link, an image or an autolink is absent (escaped or broken)."""
    for live in ("](", "![", "https://", "www.", "a@evil"):
        assert live not in text, (live, text)


# ---------------------------------------------------------------- 8: echoed values are text


def test_plain_breaks_links_images_autolinks_and_line_structure():
    shown = ui.plain(HOSTILE_LINK + "\n\n# heading\r\n> quote")
    _no_live_markdown(shown)
    assert "\n" not in shown and "\r" not in shown


def test_unknown_url_value_is_echoed_as_text():
    at = _app("pages/earnings.py", {"compare": HOSTILE_LINK})
    assert not at.exception and not at.error
    (note,) = [i.value for i in at.info if "sign in again here" in i.value]
    _no_live_markdown(note)


def test_briefing_problem_with_a_hostile_table_id_is_echoed_as_text():
    item = ItemRef.make("earnings", {"table": HOSTILE_LINK}, "earnings-cohorts")
    at = _app("pages/briefing.py", {"basket": Basket("Hostile", [item]).encode()})
    assert not at.exception and not at.error
    (warning,) = [w.value for w in at.warning if "can no longer be shown" in w.value]
    _no_live_markdown(warning)


# ---------------------------------------------------------------- 12: ?basket= caps; unknown pages dropped


def _token(payload: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(payload, 9)).decode("ascii").rstrip("=")


def test_basket_that_inflates_past_the_cap_is_refused_without_inflating_it_all():
    bomb = _token(b'{"t":"' + b"a" * 10_000_000 + b'","i":[]}')
    assert len(bomb) <= briefing.MAX_TOKEN_CHARS  # small enough to pass the length cap: the inflate cap stops it
    with pytest.raises(ValueError, match="more than 64 KB"):
        Basket.decode(bomb)


def test_overlong_basket_token_is_refused():
    with pytest.raises(ValueError, match="too long"):
        Basket.decode("A" * (briefing.MAX_TOKEN_CHARS + 1))


def test_basket_with_too_many_items_is_refused():
    items = [["earnings", [], f"v{n}"] for n in range(briefing.MAX_ITEMS + 1)]
    with pytest.raises(ValueError, match="at most 30"):
        Basket.decode(_token(json.dumps({"t": "x", "i": items}).encode()))


def test_full_basket_still_fits():
    basket = Basket("Full")
    for n in range(briefing.MAX_ITEMS):
        basket.add(ItemRef.make("institutions", {"table": f"table_{n}", "providers": [str(10000000 + n)] * 3}, f"v{n}"))
    assert len(Basket.decode(basket.encode()).items) == briefing.MAX_ITEMS


def test_unknown_page_is_dropped_with_a_note_and_the_rest_kept():
    token = Basket("Mixed", [ItemRef("../../etc/passwd", (), "x"), GOOD_ITEM]).encode()
    at = _app("pages/briefing.py", {"basket": token})
    assert not at.exception and not at.error
    assert any("has no briefing views; it was left out" in i.value for i in at.info)
    assert any("Median earnings" in m.value for m in at.markdown)  # the good item is still shown
    link = next(c.value for c in at.code)
    assert Basket.decode(link.split("basket=")[1]).items == [GOOD_ITEM]


def test_chart_toolbar_offers_no_unaudited_image_download():
    for at in (_app("pages/earnings.py"), _app("pages/briefing.py", {"basket": Basket("B", [GOOD_ITEM]).encode()})):
        charts = at.get("plotly_chart")
        assert charts
        for chart in charts:
            assert "toImage" in json.loads(chart.proto.config)["modeBarButtonsToRemove"]


# ---------------------------------------------------------------- 10: every export and every table shown is recorded


@pytest.fixture
def no_png(monkeypatch: pytest.MonkeyPatch) -> None:
    # The audit path is under test, not Chromium: charts are left out of the pack.
    monkeypatch.setattr(briefing, "figures_to_png_optional", lambda views: [None] * len(views))


def test_briefing_link_tables_shown_and_briefing_downloads_are_recorded(no_png):
    at = _app("pages/briefing.py", {"basket": Basket("Audited", [GOOD_ITEM]).encode()})
    shown = [r for r in _records("page_view") if r["page"] == "briefing" and r["table"]]
    assert [(r["table"], r["detail"]) for r in shown] == [("demo_graduate_outcomes", "earnings-cohorts")]
    assert shown[0]["filters"]["compare"] == ["Cohorts"]
    next(b for b in at.button if b.label == "Prepare HTML, Excel, Word, PowerPoint and PNG files").click().run()
    assert _records("export") == []  # preparing is not an export
    for key in ("briefing-html", "briefing-xlsx", "briefing-docx", "briefing-pptx"):
        next(d for d in at.get("download_button") if d.proto.id.endswith(key) or key in d.proto.id).click().run()
        assert not at.exception and not at.error
    exports = _records("export")
    assert [(r["export_type"], r["table"], r["page"]) for r in exports] == [
        ("briefing-html", "demo_graduate_outcomes", "briefing"),
        ("briefing-xlsx", "demo_graduate_outcomes", "briefing"),
        ("briefing-docx", "demo_graduate_outcomes", "briefing"),
        ("briefing-pptx", "demo_graduate_outcomes", "briefing"),
    ]
    assert all("Audited" in r["detail"] for r in exports)


def test_briefing_downloads_stop_when_the_audit_trail_cannot_be_written(
    no_png, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    blocker = tmp_path / "audit-is-a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(blocker))
    with caplog.at_level(logging.ERROR):
        at = _app("pages/briefing.py", {"basket": Basket("Audited", [GOOD_ITEM]).encode()})
    assert not at.exception and not at.error
    assert any("Median earnings" in m.value for m in at.markdown)  # the view continues
    assert not [b for b in at.button if b.label.startswith("Prepare")] and at.get("download_button") == []
    assert any("Downloads are switched off" in w.value for w in at.warning)
    assert "AUDIT TRAIL NOT WRITABLE" in caplog.text


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "spec.json"
    item = {"page": GOOD_ITEM.page, "params": GOOD_ITEM.params_dict(), "view": GOOD_ITEM.view}
    spec.write_text(json.dumps({"title": "Scheduled", "items": [item]}), encoding="utf-8")
    return spec


def test_briefing_cli_records_its_export(no_png, tmp_path: Path, capsys):
    assert briefing.run_briefing(_spec(tmp_path), tmp_path / "out") == 0
    (record,) = _records("export")
    assert record["user"].startswith("cli:") and record["page"] == "briefing-cli"
    assert record["table"] == "demo_graduate_outcomes" and record["export_type"] == "briefing-pack"
    assert (tmp_path / "out" / "briefing.html").exists()


def test_briefing_cli_writes_nothing_when_the_audit_trail_cannot_be_written(
    no_png, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    blocker = tmp_path / "audit-is-a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(blocker))
    assert briefing.run_briefing(_spec(tmp_path), tmp_path / "out") == 1
    assert "No briefing pack written" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- 11: identity headers only from the proxy

USERS = {"team@example.org": frozenset({"restricted"})}
SECRET_CONFIG = RoleConfig(
    trusted_header="X-User", users=USERS, proxy_secret_header="X-Proxy-Secret", proxy_secret="s3cret"
)
ADDRESS_CONFIG = RoleConfig(trusted_header="X-User", users=USERS, trusted_proxies=("10.0.0.0/24",))


@pytest.mark.parametrize(
    ("config", "headers", "address", "user"),
    [
        (SECRET_CONFIG, {"X-User": "team@example.org"}, None, None),  # no secret: anyone could send the header
        (SECRET_CONFIG, {"X-User": "team@example.org", "X-Proxy-Secret": "guess"}, None, None),
        (SECRET_CONFIG, {"X-User": "team@example.org", "x-proxy-secret": "s3cret"}, None, "team@example.org"),
        (ADDRESS_CONFIG, {"X-User": "team@example.org"}, "192.0.2.9", None),
        (ADDRESS_CONFIG, {"X-User": "team@example.org"}, None, None),
        (ADDRESS_CONFIG, {"X-User": "team@example.org"}, "10.0.0.7", "team@example.org"),
        (RoleConfig(trusted_header="X-User", users=USERS), {"X-User": "team@example.org"}, "10.0.0.7", None),
    ],
)
def test_identity_header_counts_only_from_the_proxy(config, headers, address, user):
    assert resolve_identity({}, headers, config, address).user == user


def _roles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity: str) -> Path:
    file = tmp_path / "roles.toml"
    file.write_text(f'[identity]\n{identity}\n[users]\n"team@example.org" = ["restricted"]\n', encoding="utf-8")
    monkeypatch.setenv(access.ROLES_FILE_ENV, str(file))
    return file


def test_trusted_header_without_a_proxy_check_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _roles_file(tmp_path, monkeypatch, 'trusted_header = "X-User"')
    with pytest.raises(access.TrustedHeaderUnprotected):
        access.load_role_config()
    at = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert any("cannot start" in e.value for e in at.error)
    assert not at.dataframe and not at.get("plotly_chart")


def test_secret_header_needs_the_secret_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _roles_file(tmp_path, monkeypatch, 'trusted_header = "X-User"\nproxy_secret_header = "X-Proxy-Secret"')
    monkeypatch.delenv(access.PROXY_SECRET_ENV, raising=False)
    assert access.identity_setup_problem() is not None
    monkeypatch.setenv(access.PROXY_SECRET_ENV, "s3cret")
    assert access.identity_setup_problem() is None
    assert access.load_role_config().proxy_secret == "s3cret"


def test_oidc_email_counts_only_when_verified():
    config = RoleConfig(users=USERS)
    unverified = {"is_logged_in": True, "email": "team@example.org", "sub": "abc123"}
    assert resolve_identity(unverified, {}, config).user == "abc123"
    assert resolve_identity(unverified, {}, config).roles == frozenset()
    assert resolve_identity({**unverified, "email_verified": False}, {}, config).roles == frozenset()
    assert resolve_identity({"is_logged_in": True, "email": "team@example.org"}, {}, config) == ANONYMOUS
    verified = resolve_identity({**unverified, "email_verified": True}, {}, config)
    assert verified.user == "team@example.org" and verified.roles == frozenset({"restricted"})


# ---------------------------------------------------------------- 13: formulas behind blanks and line breaks


@pytest.mark.parametrize("cell", [" =1+1", '\n=HYPERLINK("http://x")', "  +SUM(1)", "\r\n-2+3", " @cmd", "\u00a0=1"])
def test_formula_after_leading_blanks_is_neutralised(cell: str):
    assert export.neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", [" plain text", "\nNote", " -2.1%", "-£300"])
def test_text_and_figures_after_blanks_stay_as_they_are(cell: str):
    assert export.neutralise(cell) == cell

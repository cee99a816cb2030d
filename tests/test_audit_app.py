"""Audit recording in the running app (AppTest): page views with their filters, exports on download, and a broken
audit store never breaking a page."""

import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from leo_dash.governance import audit
from tests.governance_fixture import build_data_dir, clear_app_caches, run_app_page, use_data_dir


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data_dir, audit_dir = use_data_dir(tmp_path, monkeypatch)
    build_data_dir(data_dir, public=("open_outcomes", "more_outcomes"), restricted=())
    yield data_dir, audit_dir
    clear_app_caches()


def records(audit_dir: Path) -> list[dict]:
    return audit.read_records(audit_dir).records


def view_script() -> None:
    """A minimal page: one view of the fixture table through query → sdc → make_view → render_view."""
    import plotly.graph_objects as go

    from leo_dash import sdc, ui
    from leo_dash.core import query
    from leo_dash.present import charts, views

    def main() -> None:
        entry = ui.url_table_select(ui.visible_tables())
        ui.show_url_notes()
        year = ui.url_select("Year", ["2021-22", "2022-23"], key="year", default="2022-23")
        frame = query.select(
            entry,
            {"time": [int(year[:4] + year[-2:])], "subject": ["Total"], "years_after": ["5"]},
            vary=["provider_id"],
            columns=["provider_id", "provider_name", "grads", "earnings_median"],
        )
        frame = sdc.protect(frame, entry.visible_indicators(), entry.disclosure)
        names = [str(n) for n in frame[entry.role("provider_name")].to_list()]

        def figure(protected: object) -> go.Figure:
            labels = [charts.plain_text(n) for n in names]
            return go.Figure(go.Bar(x=labels, y=frame["earnings_median"].to_list(), name=labels[0], hovertext=labels))

        view = views.make_view(
            key="audit-view",
            entry=entry,
            title=f"Median earnings five years after graduation, {names[0]} and others, {year}",
            frame=frame,
            columns=[
                views.Column("provider_name", "Provider"),
                views.Column.for_indicator(entry.indicator("earnings_median")),
            ],
            summary=f"{names[0]} is listed first.",
            filters=(("Year", year), ("Provider", names[0])),
            build_figure=figure,
        )
        ui.render_view(view)

    ui.run_page(main)


def run_view(query: dict[str, str] | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_function(view_script, default_timeout=90)
    if user is not None:
        at.user = user
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def test_page_view_is_recorded_with_the_chosen_filters(env):
    _, audit_dir = env
    at = run_app_page("pages/catalogue.py", query={"table": "more_outcomes"})
    assert not at.exception
    views = [r for r in records(audit_dir) if r["page"] == "catalogue"]
    assert len(views) == 1
    (view,) = views
    assert view["event"] == "page_view" and view["user"] == "anonymous"
    assert view["table"] == "more_outcomes" and view["filters"] == {"table": "more_outcomes"}


def test_signed_in_user_is_named(env):
    _, audit_dir = env
    run_app_page(
        "pages/methodology.py", user={"is_logged_in": True, "email": "ann@example.org", "email_verified": True}
    )
    assert [r["user"] for r in records(audit_dir) if r["page"] == "methodology"] == ["ann@example.org"]


def test_rerun_of_the_same_view_is_not_a_new_view_but_a_new_filter_is(env):
    _, audit_dir = env
    at = run_view({"table": "open_outcomes"})
    assert not at.exception and not at.error
    at.run()
    assert len([r for r in records(audit_dir) if r["event"] == "page_view"]) == 1
    at.selectbox(key="year").select("2021-22").run()
    page_views = [r for r in records(audit_dir) if r["event"] == "page_view"]
    assert [r["filters"]["year"] for r in page_views] == ["2022-23", "2021-22"]
    assert all(r["table"] == "open_outcomes" for r in page_views)


def test_download_click_records_an_export(env):
    _, audit_dir = env
    at = run_view(
        {"table": "open_outcomes"}, user={"is_logged_in": True, "email": "ann@example.org", "email_verified": True}
    )
    buttons = at.get("download_button")
    assert len(buttons) == 3  # CSV, XLSX and the data guidance
    assert [r for r in records(audit_dir) if r["event"] == "export"] == []  # showing the button is not an export
    buttons[1].click().run()
    assert not at.exception
    (export,) = [r for r in records(audit_dir) if r["event"] == "export"]
    assert export["user"] == "ann@example.org" and export["table"] == "open_outcomes"
    assert export["export_type"] == "xlsx" and export["rows"] == 3
    assert export["filters"] == {"Year": "2022-23", "Provider": "Fenwick Vale University"}
    assert export["page"] == [r for r in records(audit_dir) if r["event"] == "page_view"][0]["page"]
    # The rerun after the click shows the same view: no second page view.
    assert len([r for r in records(audit_dir) if r["event"] == "page_view"]) == 1
    at.get("download_button")[0].click().run()
    assert [r["export_type"] for r in records(audit_dir) if r["event"] == "export"] == ["xlsx", "csv"]


def test_broken_audit_store_never_breaks_a_page_but_stops_downloads(
    env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog
):
    # Issue 12 item 10: views continue, but an export that cannot be recorded is not offered (it used to be).
    blocker = tmp_path / "audit-is-a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(blocker))
    with caplog.at_level(logging.WARNING):
        at = run_view({"table": "open_outcomes"})
        assert not at.exception and not at.error
        assert at.get("plotly_chart") and at.dataframe
        assert at.get("download_button") == []
        assert any("Downloads are switched off" in w.value for w in at.warning)
        page = run_app_page("pages/catalogue.py")
        assert not page.exception and not page.error
    assert "audit record could not be written" in caplog.text
    assert any(r.levelno == logging.ERROR and "AUDIT TRAIL NOT WRITABLE" in r.getMessage() for r in caplog.records)


def test_download_whose_record_fails_is_an_operator_error_and_the_rerun_stops_downloads(
    env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog
):
    _, audit_dir = env
    at = run_view({"table": "open_outcomes"})
    assert len(at.get("download_button")) == 3  # CSV, XLSX and the data guidance
    blocker = tmp_path / "audit-now-a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(audit.AUDIT_DIR_ENV, str(blocker))  # the audit store breaks between drawing and clicking
    with caplog.at_level(logging.WARNING):
        at.get("download_button")[0].click().run()
    assert not at.exception and not at.error
    assert any(r.levelno == logging.ERROR and "export not recorded" in r.getMessage() for r in caplog.records)
    assert at.get("download_button") == []
    assert any("Downloads are switched off" in w.value for w in at.warning)

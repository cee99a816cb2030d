"""Page logic of the "About the data" pages (catalogue rows, columns, glossary, data use, register) and the pages
themselves in AppTest."""

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import polars as pl
import pytest

from leo_dash import governance
from leo_dash.core.model import CONTROLLERS, SYMBOL_LABELS, DisclosureProfile, Indicator
from leo_dash.governance.access import ApprovedProject
from leo_dash.ui.governance import OVERDUE_RED, overdue_style, styled_catalogue
from tests.conftest import make_entry
from tests.governance_fixture import (
    all_texts,
    build_data_dir,
    clear_app_caches,
    markdown_texts,
    run_app_page,
    use_data_dir,
    write_table,
)

TODAY = dt.date(2026, 6, 1)


def entry(**over: object):
    fields: dict[str, object] = {
        "controllers": ("DfE", "HMRC"),
        "next_review": dt.date(2027, 7, 31),
        "release_date": dt.date(2026, 1, 5),
        "roles": {"time": "time_period", "provider_id": "provider_ukprn", "subject": "subject_name"},
        "filters": ("sex",),
        "filter_defaults": {"sex": "All"},
        "indicators": (
            Indicator("grads", "Graduates", "base"),
            Indicator("rate", "Employed (%)", "rate", "%", 1, base="grads"),
            Indicator("earnings_max", "Max earnings", "earnings", "£", 0, base="grads", hidden=True),
        ),
    }
    fields.update(over)
    return make_entry("t_one", **fields)


# ---------------------------------------------------------------- catalogue logic


def test_catalogue_overview_has_every_field_and_flags_overdue():
    current, stale = (
        entry(),
        make_entry("t_two", next_review=dt.date(2026, 5, 31), access="restricted", demo=True, publication=""),
    )
    frame = governance.catalogue_overview([current, stale], rows={"t_one": 12345, "t_two": None}, today=TODAY)
    assert frame.columns == list(governance.CATALOGUE_COLUMNS)
    one, two = frame.to_dicts()
    assert one["Controllers"] == "Department for Education, HM Revenue and Customs"
    assert one["Licence"] == "Open Government Licence v3.0" and one["Released"] == "5 January 2026"
    assert one["Next review"] == "31 July 2027" and one["Access"] == "Public" and one["Rows"] == "12,345"
    assert one["Data"] == "Published statistics"
    assert two["Next review"] == "31 May 2026 (overdue)" and two["Access"] == "Restricted"
    assert two["Rows"] == "not loaded" and two["Data"] == "Synthetic demo data"
    assert two["Publication"] == "LEO Explorer demo generator"


def test_overdue_review_dates_are_styled_red():
    assert OVERDUE_RED.lower() in overdue_style("31 May 2026 (overdue)").lower()
    assert overdue_style("31 July 2027") == ""
    frame = governance.catalogue_overview(
        [entry(), make_entry("t_two", next_review=dt.date(2026, 5, 31))], rows={}, today=TODAY
    )
    html = styled_catalogue(frame).to_html()
    assert html.lower().count(OVERDUE_RED.lower()) == 1


def test_column_rows_give_roles_labels_and_bases():
    rows = governance.column_rows(entry(), {"subject_name": "Subject studied", "grads": "Number of graduates"})
    by_column = {r["Column"]: r for r in rows.to_dicts()}
    assert by_column["subject_name"] == {
        "Column": "subject_name",
        "Label": "Subject studied",
        "Role": "Subject",
        "Details": "",
    }
    assert by_column["provider_ukprn"]["Role"] == "Provider identifier (UKPRN)"
    assert by_column["sex"]["Role"] == "Filter" and by_column["sex"]["Details"] == "default item: All"
    assert by_column["rate"]["Details"] == "Percentage; unit %; base: Number of graduates"
    assert "never shown" in by_column["earnings_max"]["Details"]
    assert rows.height == 7


def test_meta_labels_read_from_the_meta_file(tmp_path: Path):
    data = write_table(tmp_path, "labels_t")
    labels = governance.meta_labels(make_entry("labels_t", files=(str(data),)))
    assert labels["subject_name"] == "Subject" and labels["earnings_median"] == "Median earnings"
    assert governance.meta_labels(make_entry("gone", files=(str(tmp_path / "gone.csv"),))) == {}


def test_disclosure_summary_states_the_profile():
    text = governance.disclosure_summary(DisclosureProfile(count_base=10, earnings_min_base=11))
    assert "nearest 10" in text and "fewer than 11" in text and "£100" in text
    assert "at least 3" in text and "at least 6" in text


def test_row_count_never_raises():
    def broken(_entry: object) -> object:
        raise RuntimeError("cannot screen")

    assert governance.row_count(entry(), broken) is None  # type: ignore[arg-type]


# ---------------------------------------------------------------- glossary and text


def test_glossary_covers_the_required_terms_consistently_with_the_data_standard():
    text = {t.term: t.definition for t in governance.GLOSSARY}
    terms = " ".join(text)
    for required in (
        "Years after graduation",
        "Sustained employment",
        "Activity not captured",
        "Out-of-work benefits",
        "CAH",
        "Tax year",
    ):
        assert required in terms, required
    assert "6 April" in text["Tax year"] and "5 April" in text["Tax year"] and "202223" in text["Tax year"]
    yag = text["Years after graduation (YAG)"]
    assert "1, 3 or 5" in yag and "10" in yag and "not counted" in yag
    assert "six or more months in a row" in text["Out-of-work benefits"]
    assert "education counts first, then benefits, then employment" in text["Out-of-work benefits"]
    assert "October to March" in text["Sustained employment"] and "12 months" in text["Sustained employment"]
    assert "no record" in text["Activity not captured"]
    cah = text["Subject (CAH)"]
    assert all(n in cah for n in ("23", "35", "167", "CAH09-01-01"))


def test_symbol_rows_match_the_model():
    rows = governance.symbol_rows()
    assert dict(zip(rows["Symbol"], rows["Shown as"], strict=True)) == SYMBOL_LABELS


def test_section_markdown_keeps_lists_together():
    section = governance.Section("h", ("Intro:", "- a", "- b", "After."))
    assert governance.section_markdown(section) == "Intro:\n\n- a\n- b\n\nAfter."


def test_data_use_names_purposes_coverage_five_controllers_and_the_ico():
    body = " ".join(p for s in governance.DATA_USE for p in s.paragraphs)
    assert "1995" in body and "statistics and research only" in body
    assert [r.code for r in governance.CONTROLLER_ROUTES] == list(CONTROLLERS)
    assert "Information Commissioner's Office" in governance.CONCERN_TEXT
    # Issue 14, item 9: links go to the actual LEO privacy notice, each controller's own privacy page and the ICO's
    # complaint route — https pages on the publishers' own sites, never a home page, never an invented address.
    everything = " ".join(
        [
            body,
            governance.RIGHTS_TEXT,
            governance.CONCERN_TEXT,
            governance.DASHBOARD_TEXT,
            governance.PRIVACY_NOTICE_TEXT,
        ]
        + [r.how for r in governance.CONTROLLER_ROUTES]
    )
    assert "@" not in everything
    urls = re.findall(r"\]\((\S+?)\)", everything) + [r.url for r in governance.CONTROLLER_ROUTES]
    assert governance.LEO_PRIVACY_NOTICE_URL in urls and governance.ICO_COMPLAINT_URL in urls
    assert len(set(urls)) == len(governance.CONTROLLER_ROUTES) + 2
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.hostname in governance.OFFICIAL_LINK_HOSTS, url
        assert parts.path.strip("/"), f"{url} is a home page"
    assert "longitudinal-education-outcomes-leo-privacy-notice" in governance.LEO_PRIVACY_NOTICE_URL


# ---------------------------------------------------------------- register


def project(pid: str, **over: object) -> ApprovedProject:
    fields: dict[str, object] = {
        "project_id": pid,
        "organisation": "Org (fictional)",
        "title": "T",
        "purpose": "P",
        "tables": ("shown_t", "secret_t", "other_secret"),
        "approval_date": dt.date(2025, 1, 1),
        "panel_outcome": "Approved",
        "expiry": dt.date(2026, 12, 31),
        "illustrative": True,
    }
    fields.update(over)
    return ApprovedProject(**fields)  # type: ignore[arg-type]


def test_register_lists_each_project_under_its_real_status():
    # Issue 14, item 9: a refused or expired project was listed under "Organisations approved".
    projects = [
        project("NOW"),
        project("OLD", approval_date=dt.date(2023, 1, 1), expiry=dt.date(2024, 1, 1)),
        project("NO", panel_outcome="Not approved"),
        project("WD", panel_outcome="Withdrawn"),
        project("SOON", approval_date=TODAY + dt.timedelta(days=30), expiry=TODAY + dt.timedelta(days=400)),
    ]
    sections = {
        heading: rows["Project"].to_list() for heading, rows in governance.register_sections(projects, {}, today=TODAY)
    }
    assert list(sections) == [
        "Organisations approved now",
        "Approved, access not yet started",
        "Approvals that have expired",
        "Applications not approved or withdrawn",
    ]
    assert sections["Organisations approved now"] == ["NOW (illustrative)"]
    assert sections["Approvals that have expired"] == ["OLD (illustrative)"]
    assert sorted(sections["Applications not approved or withdrawn"]) == ["NO (illustrative)", "WD (illustrative)"]
    # Decision and expiry come straight after the project: visible without scrolling sideways.
    assert governance.REGISTER_COLUMNS_SHOWN[:4] == ("Project", "Status", "Panel outcome", "Expires")


def test_register_rows_hide_tables_the_viewer_may_not_see():
    projects = [
        project("A"),
        project("B", approval_date=dt.date(2025, 6, 1), expiry=dt.date(2026, 1, 1)),
        project("C", panel_outcome="Not approved", tables=("secret_t",)),
    ]
    frame = governance.register_rows(projects, {"shown_t": "Shown table"}, today=TODAY)
    assert frame.columns == list(governance.REGISTER_COLUMNS_SHOWN)
    rows = frame.to_dicts()
    assert [r["Project"] for r in rows] == ["B (illustrative)", "A (illustrative)", "C (illustrative)"]  # newest first
    assert rows[1]["Tables granted"] == "Shown table; 2 restricted tables"
    assert rows[2]["Tables granted"] == "1 restricted table"
    assert [r["Status"] for r in rows] == ["Expired", "Active", "Not approved"]
    assert "secret_t" not in str(frame.to_dicts())


# ---------------------------------------------------------------- pages


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data_dir, audit_dir = use_data_dir(tmp_path, monkeypatch)
    build_data_dir(data_dir)
    yield data_dir
    clear_app_caches()


def test_catalogue_page_shows_each_field_of_the_chosen_table(env):
    at = run_app_page("pages/catalogue.py", query={"table": "open_outcomes"})
    assert not at.exception and not at.error
    facts = next(m.value for m in at.markdown if "**Table id:**" in m.value)
    for label in ("Publication", "Responsible departments", "Licence", "Released", "Next review", "Access", "Rows"):
        assert f"**{label}:**" in facts
    assert "Department for Education, HM Revenue and Customs" in facts and "**Rows:** 54" in facts
    columns = at.dataframe[1].value
    assert set(columns["Column"]) >= {
        "time_period",
        "provider_ukprn",
        "subject_name",
        "yag",
        "grads",
        "sust_emp_rate",
        "earnings_median",
    }
    assert "Subject studied" not in set(columns["Label"])  # label, not hint
    assert "Subject" in set(columns["Label"])
    assert [t.value for t in at.get("text")] == ["Counts are rounded to the nearest 5."]
    assert any("suppressed when fewer than 11" in m for m in markdown_texts(at))


def test_methodology_page(env):
    at = run_app_page("pages/methodology.py")
    assert not at.exception and not at.error
    texts = " ".join(all_texts(at))
    for term in (
        "Years after graduation",
        "Sustained employment",
        "Activity not captured",
        "Out-of-work benefits",
        "CAH",
        "Tax year",
        "Suppressed",
        "Low reliability",
    ):
        assert term in texts, term


def test_data_use_page_names_every_department_and_the_ico(env):
    at = run_app_page("pages/data_use.py")
    assert not at.exception and not at.error
    texts = " ".join(all_texts(at))
    for name in CONTROLLERS.values():
        assert name in texts, name
    assert "Information Commissioner's Office" in texts and "1995" in texts
    links = " ".join(m.value for m in at.markdown)
    assert f"]({governance.LEO_PRIVACY_NOTICE_URL})" in links and f"]({governance.ICO_COMPLAINT_URL})" in links
    for route in governance.CONTROLLER_ROUTES:
        assert f"[{route.link_text}]({route.url})" in links


def test_access_register_page_is_labelled_illustrative(env):
    committed = Path(__file__).resolve().parent.parent / "data" / "access_register.csv"
    (env / "access_register.csv").write_bytes(committed.read_bytes())
    at = run_app_page("pages/access_register.py")
    assert not at.exception and not at.error
    assert any("fictional" in w.value for w in at.warning)
    assert any("not signed in" in i.value for i in at.info)
    frame = at.dataframe[0].value
    assert list(frame.columns) == list(governance.REGISTER_COLUMNS_SHOWN)
    # The committed register has a refused project: it has its own section, not under the approvals.
    headers = [h.value for h in at.header]
    assert "Applications not approved or withdrawn" in headers
    approved_now = at.dataframe[headers.index("Organisations approved now")].value  # one table per section, in order
    assert set(approved_now["Status"]) <= {"Active"}


def test_access_register_page_reports_a_broken_register(env):
    (env / "access_register.csv").write_text("organisation\nX\n", encoding="utf-8")
    at = run_app_page("pages/access_register.py")
    assert not at.exception
    assert any("cannot be shown" in e.value for e in at.error)


def test_overview_frame_is_strings():
    frame = governance.catalogue_overview([entry()], rows={"t_one": 1})
    assert all(dtype == pl.String for dtype in frame.dtypes)


def test_accessibility_statement_names_the_configured_contact_route(env, monkeypatch: pytest.MonkeyPatch):
    from leo_dash.present import accessibility

    monkeypatch.setenv(accessibility.CONTACT_ENV, "leo-explorer-team@example.gov.uk")
    at = run_app_page("pages/accessibility.py")
    assert not at.exception and not at.error
    texts = " ".join(all_texts(at))
    assert "leo-explorer-team@example.gov.uk" in texts.replace("\\", "")

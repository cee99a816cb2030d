"""The accessibility statement (leo_dash.present.accessibility and pages/accessibility.py): the GDS model's sections in
order, an honest compliance status, a contact that is never invented, known issues that match what the browser
tests tolerate, and the tested axe-core version matching the one package.json installs."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from leo_dash.present import accessibility
from leo_dash.present.accessibility import KNOWN_ISSUES, KnownIssue
from tests.governance_fixture import markdown_texts, run_app_page

GDS_ORDER = [
    "About this statement",
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Compliance status",
    "Non-accessible content",
    "What we fixed while testing",
    "How we tested this service",
    "Preparation of this accessibility statement",
]


def statement_text(contact: str | None = None) -> str:
    return "\n\n".join(
        f"## {s.heading}\n{accessibility.section_markdown(s)}" for s in accessibility.statement_sections(contact)
    )


def test_sections_follow_the_gds_model_order():
    assert [s.heading for s in accessibility.statement_sections()] == GDS_ORDER


def test_every_known_issue_is_described_with_its_mitigation():
    text = statement_text()
    for issue in KNOWN_ISSUES:
        assert text.count(issue.problem) == 2, issue.key  # summary list and non-accessible content
        assert issue.mitigation in text
        assert issue.owner in ("LEO Explorer", "Streamlit", "Plotly")
    assert len({i.key for i in KNOWN_ISSUES}) == len(KNOWN_ISSUES)


def test_compliance_status_is_partial_while_any_issue_is_known():
    assert accessibility.compliance_status() == "partially compliant"
    assert accessibility.compliance_status(()) == "fully compliant"
    assert "is partially compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2" in statement_text()


def test_known_issues_split_into_failures_and_best_practice():
    section = next(s for s in accessibility.statement_sections() if s.heading == "Non-accessible content")
    body = accessibility.section_markdown(section)
    failures, others = body.split("**Other problems we know about**")
    for issue in KNOWN_ISSUES:
        assert (issue.problem in failures) == bool(issue.criteria), issue.key
        assert (issue.problem in others) == (not issue.criteria), issue.key


def test_axe_tolerances_are_one_rule_inside_one_streamlit_element():
    tolerances = accessibility.axe_tolerances()
    assert ("list", '[data-testid="stSidebarNavItems"]') in tolerances
    for rule, scope in tolerances:
        assert re.fullmatch(r"[a-z-]+", rule)
        assert re.fullmatch(r'\[data-testid="st[A-Za-z]+"\]', scope)
    unscoped = KnownIssue("x", "p", (), "m", "Streamlit", axe_rules=("list",))
    assert accessibility.axe_tolerances((unscoped,)) == []  # a rule is never excused everywhere


def test_statement_reports_the_axe_core_version_the_tests_install():
    manifest = json.loads((Path(accessibility.paths.PROJECT_ROOT) / "package.json").read_text(encoding="utf-8"))
    pinned = manifest["devDependencies"]["axe-core"]
    assert accessibility.installed_axe_version() == pinned == accessibility.LAST_TEST.axe_core_version
    assert f"axe-core {pinned}" in statement_text()


def test_installed_axe_version_reads_ranges_and_missing_files(tmp_path: Path):
    assert accessibility.installed_axe_version(tmp_path) is None
    (tmp_path / "package.json").write_text('{"dependencies": {"axe-core": "^4.9.0"}}', encoding="utf-8")
    assert accessibility.installed_axe_version(tmp_path) == "4.9.0"
    (tmp_path / "package.json").write_text("{not json", encoding="utf-8")
    assert accessibility.installed_axe_version(tmp_path) is None


def test_contact_is_the_deployments_own_and_never_invented():
    without = statement_text(None)
    assert "@" not in without and "http" not in without
    assert "the team that gave you access to this service" in without
    with_contact = statement_text("  accessibility@example.org ")
    assert with_contact.count("accessibility@example.org") == 2  # feedback and reporting sections
    assert accessibility.contact_from_env({accessibility.CONTACT_ENV: "x@example.org"}) == "x@example.org"
    assert accessibility.contact_from_env({accessibility.CONTACT_ENV: ""}) is None
    assert accessibility.contact_from_env({}) is None


def test_enforcement_names_the_regulator_and_the_advice_service():
    text = statement_text()
    for name in (
        "Equality and Human Rights Commission (EHRC)",
        "Equality Advisory and Support Service (EASS)",
        "Equality Commission for Northern Ireland",
        "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018",
    ):
        assert name in text


def test_testing_and_preparation_dates_are_stated():
    text = statement_text()
    assert f"last tested on {accessibility.long_date(accessibility.LAST_TEST.tested_on)}" in text
    assert f"prepared on {accessibility.long_date(accessibility.PREPARED_ON)}" in text
    assert accessibility.long_date(accessibility.LAST_TEST.tested_on) == "29 November 2026"
    assert accessibility.PREPARED_ON <= accessibility.LAST_REVIEWED
    assert "Chromium" in text and "keyboard" in text and "What we have not yet tested" in text


def test_section_markdown_keeps_list_items_together():
    section = accessibility.Section("h", ("Intro:", "- a", "- b", "After."))
    assert accessibility.section_markdown(section) == "Intro:\n\n- a\n- b\n\nAfter."


def test_known_issue_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        KNOWN_ISSUES[0].problem = "changed"  # type: ignore[misc]


def test_page_renders_the_statement_with_the_configured_contact(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(accessibility.CONTACT_ENV, "leo-access@example.org")
    at = run_app_page("pages/accessibility.py")
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Accessibility statement for LEO Explorer"]
    assert [h.value for h in at.header] == GDS_ORDER
    texts = "\n".join(markdown_texts(at))
    assert "leo-access@example.org" in texts
    assert all(issue.problem in texts for issue in KNOWN_ISSUES)

"""How personal data is used: what LEO is, why the data is linked, how people are protected, and each controller's
privacy notice and route for a subject access request or a complaint."""

from __future__ import annotations

from dataclasses import dataclass

from leo_dash.governance.methodology import Section

DATA_USE: tuple[Section, ...] = (
    Section(
        "What LEO is",
        (
            "Longitudinal Education Outcomes (LEO) is a study run jointly by five government departments: the "
            "Department for Education, the Welsh Government, the Department for Work and Pensions, HM Revenue and "
            "Customs and the Scottish Government. Each is a data controller in its own right for LEO.",
            "The study links what is known about people's education (schools, colleges, universities and "
            "apprenticeships) with what is known about their later employment, earnings and benefit claims.",
        ),
    ),
    Section(
        "Why the data is linked",
        (
            "The linked data is used for statistics and research only, to:",
            "- compare how schools, colleges and universities prepare people for work and further study;",
            "- give learners, parents and advisers evidence when choosing courses and careers;",
            "- find out what difference education and training programmes make to people's outcomes;",
            "- inform government decisions about education and skills.",
            "It is not used to make decisions about any individual.",
        ),
    ),
    Section(
        "Whose data is included",
        (
            "The linked records cover people who finished their education in 1995 or later. That is the earliest "
            "year for which education records are available, and some education records start later than that.",
        ),
    ),
    Section(
        "How people are protected",
        (
            "Names, dates of birth, postcodes and National Insurance numbers are used only to find matching records. "
            "Once records are linked those details are removed, and analysts work with the de-identified records in "
            "secure settings. Access to the linked data is restricted to approved projects, listed in the approved "
            "access register with the independent panel's decision.",
            "Only summary tables that have passed disclosure control are published, and those are the only tables "
            "this dashboard can show. Nothing here can be used to look up a person.",
            "When you use this dashboard signed in, it records your sign-in name with the pages you view and the "
            "files you download. That audit trail is used to check the statistics are used properly, and it is "
            "deleted once its retention period (two years unless the service sets another) has passed.",
        ),
    ),
)


# The published LEO privacy notice (all five controllers, with each one's data protection contact) and the ICO's
# complaint route. Addresses are the publishers' own pages, checked when written; never a site's home page.
LEO_PRIVACY_NOTICE_URL = (
    "https://www.gov.uk/government/publications/longitudinal-education-outcomes-study-how-we-use-and-share-data/"
    "longitudinal-education-outcomes-leo-privacy-notice"
)
ICO_COMPLAINT_URL = "https://ico.org.uk/make-a-complaint/"
OFFICIAL_LINK_HOSTS: frozenset[str] = frozenset({"www.gov.uk", "www.gov.wales", "www.gov.scot", "ico.org.uk"})


@dataclass(frozen=True)
class ControllerRoute:
    code: str  # key in model.CONTROLLERS
    records: str  # which records it is responsible for, so a person knows whom to ask
    how: str  # what its page explains
    link_text: str  # the name of that page
    url: str  # the controller's own privacy page (personal information charter or privacy notice)

    def markdown(self, controller_name: str) -> str:
        return f"**{controller_name}**, for {self.records}.  \n{self.how} [{self.link_text}]({self.url})"


CONTROLLER_ROUTES: tuple[ControllerRoute, ...] = (
    ControllerRoute(
        "DfE",
        "education in England: schools, further education and apprenticeships, and higher education",
        "Its personal information charter explains how to make a subject access request and how to contact its data "
        "protection officer:",
        "Department for Education personal information charter",
        "https://www.gov.uk/government/organisations/department-for-education/about/personal-information-charter",
    ),
    ControllerRoute(
        "WG",
        "education in Wales",
        "Its privacy notice names its data protection officer and explains how to ask for your information:",
        "Welsh Government privacy notice",
        "https://www.gov.wales/about/welsh-government-privacy-notice",
    ),
    ControllerRoute(
        "DWP",
        "benefit records",
        "Its personal information charter explains how to ask for your information and how to contact its data "
        "protection officer:",
        "Department for Work and Pensions personal information charter",
        "https://www.gov.uk/government/organisations/department-for-work-pensions/about/personal-information-charter",
    ),
    ControllerRoute(
        "HMRC",
        "employment, earnings and self-assessment records",
        "Its personal information charter explains how to ask for your information and how to contact its data "
        "protection officer:",
        "HM Revenue and Customs personal information charter",
        "https://www.gov.uk/government/organisations/hm-revenue-customs/about/personal-information-charter",
    ),
    ControllerRoute(
        "SG",
        "education in Scotland, including Modern Apprenticeships",
        "Its privacy notice gives its data protection officer's contact details and explains how to ask for your "
        "information:",
        "Scottish Government privacy notice",
        "https://www.gov.scot/privacy/",
    ),
)

PRIVACY_NOTICE_TEXT = (
    "The five departments publish one privacy notice for LEO. It says what is linked, why, on what legal basis, "
    "for how long, and gives each department's data protection contact: "
    f"[Longitudinal Education Outcomes (LEO): privacy notice]({LEO_PRIVACY_NOTICE_URL}) on GOV.UK."
)

RIGHTS_TEXT = (
    "You can ask any of the five departments whether it holds information about you for LEO and for a copy of it "
    "(a subject access request). You can also ask for mistakes to be corrected or object to how it is used. Ask the "
    "department responsible for the records in question:"
)
CONCERN_TEXT = (
    "If you are worried about how your information is used, raise it first with the department's data protection "
    "officer. If you are not satisfied with the answer, you can complain to the Information Commissioner's Office "
    f"(ICO), the UK's independent regulator for data protection: [make a complaint to the ICO]({ICO_COMPLAINT_URL})."
)
DASHBOARD_TEXT = (
    "LEO Explorer itself holds no personal information about learners, so it cannot answer questions about any "
    "individual: please contact the departments below."
)

"""Provider profile: one provider across every approved table that holds it.

Answers "How does provider X compare with its peers?" on one page: where it sits on each outcome (rank among all
providers and funnel-plot position, including its out-of-work benefit rates), its median earnings subject by subject
against the national figure, and, for one chosen outcome, the ranking, funnel plot and trend of Institution
performance with the provider highlighted and labelled.

Nothing here computes a figure of its own: positions come from `institutions.comparison` (the protected,
secondarily suppressed frame Institution performance shows) and subject earnings from `subject_ranking.ranking_frame`
(the protected frame Subject ranking shows), so what one of those pages hides, this page hides too. The only
additions are comparisons between two published figures (a rank, "above"/"below"), never made when either figure
carries a symbol.

Submodules: `spec` (the page's constants, `supports`, the provider directory and default provider, `tables_holding`,
`Outcome` and `outcomes_for`, `earnings_entry`, `provider_facts`), `positions` (where the provider sits on each
outcome: `Position`, `position`, `position_sentence`, `outcomes_view`), `subjects` (subject earnings against the
national figure: `SubjectChoice`, `subject_choice`, `subjects_frame`, `subjects_summary`, `subjects_view`),
`profile` (the whole page: `Profile`, `build_profile`, `facts_line`, `tables_read`, `profile_params`,
`institutions_link`, `views_for_params`, for briefings).
"""

from __future__ import annotations

from leo_dash.analyses import benefits  # provider_profile.benefits: used by tests
from leo_dash.analyses.provider_profile import page
from leo_dash.analyses.provider_profile.positions import (
    BENCHMARK,
    FUNNEL_TEXT,
    FUNNEL_WORDS,
    OUTCOME,
    RANK_TEXT,
    SELECTION,
    TABLE,
    VALUE,
    Position,
    funnel_text,
    ordinal,
    outcome_spec,
    outcomes_summary,
    outcomes_view,
    position,
    position_sentence,
    rank_text,
)
from leo_dash.analyses.provider_profile.profile import (
    Profile,
    build_profile,
    facts_line,
    institutions_link,
    profile_params,
    tables_read,
    views_for_params,
)
from leo_dash.analyses.provider_profile.spec import (
    NO_TABLE_MESSAGE,
    OUTCOME_SEPARATOR,
    OUTCOMES_KEY,
    PAGE,
    SUBJECTS_KEY,
    Outcome,
    default_provider,
    earnings_entry,
    outcomes_for,
    provider_directory,
    provider_facts,
    supports,
    tables_holding,
    type_help,
)
from leo_dash.analyses.provider_profile.subjects import (
    ABOVE,
    ALL_SUBJECTS,
    BELOW,
    COMPARED,
    NATIONAL_MEDIAN,
    PROVIDER_MEDIAN,
    SAME,
    SUBJECT,
    SubjectChoice,
    subject_choice,
    subject_choices,
    subjects_frame,
    subjects_summary,
    subjects_view,
)

"""Subject ranking: every subject's median earnings for one year and years after graduation, ranked on one chart."""

from leo_dash import ui
from leo_dash.analyses import registry


def main() -> None:
    ui.analysis_page(registry.BY_KEY["subject_ranking"])  # the analysis declares its controls and builds its views


ui.run_page(main)

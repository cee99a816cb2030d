"""Graduate industry: the industries a subject's graduates work in, and the subjects that feed an industry."""

from leo_dash import ui
from leo_dash.analyses import registry


def main() -> None:
    ui.analysis_page(registry.BY_KEY["industry"])  # the analysis declares its controls and builds its views


ui.run_page(main)

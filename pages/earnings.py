"""Subject earnings: median earnings with the published quartile band, by years after graduation or by cohort."""

from leo_dash import ui
from leo_dash.analyses import registry


def main() -> None:
    ui.analysis_page(registry.BY_KEY["earnings"])  # the analysis declares its controls and builds its views


ui.run_page(main)

"""Regional mobility and earnings: where graduates studied and where they live, region by region, on a map."""

from leo_dash import ui
from leo_dash.analyses import registry


def main() -> None:
    ui.analysis_page(registry.BY_KEY["regional"])  # the analysis declares its controls and builds its views


ui.run_page(main)

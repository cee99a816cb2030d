"""The shape the architecture promises (issue 10): only the `leo_dash.ui` package imports Streamlit, so every
other module is plain functions on Polars frames, testable without it; and no leo_dash module imports another
in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

from leo_dash.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "leo_dash"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_only_the_ui_package_imports_streamlit() -> None:
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and any(name == "streamlit" or name.startswith("streamlit.") for name in _imports(path))
    ]
    assert offenders == []
    assert any("streamlit" in _imports(p) for p in (PACKAGE / "ui").glob("*.py"))  # the check finds imports


def test_no_import_cycles_between_leo_dash_modules() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name and not name.startswith(m + ".")}
        for name, path in modules.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], cycles

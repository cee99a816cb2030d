"""The shape the architecture promises (issue 10): only the `leo_dash.ui` package imports Streamlit, so every
other module is plain functions on Polars frames, testable without it; and no leo_dash module imports another
in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

from leo_dash.core.paths import PROJECT_ROOT

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


# The demo generator is a tool (the `demo` command, benchmarks, tests), not part of the running app (issue 10).
DEMO_PACKAGE = "leo_dash.demo"
DEMO_USERS: frozenset[str] = frozenset({"leo_dash/cli.py", "leo_dash/__main__.py"})


def _imports_demo(path: Path) -> bool:
    return any(name == DEMO_PACKAGE or name.startswith(DEMO_PACKAGE + ".") for name in _imports(path))


def test_the_app_never_imports_the_demo_generator() -> None:
    runtime = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py"))]
    runtime += [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PROJECT_ROOT).as_posix() not in DEMO_USERS and path.relative_to(PACKAGE).parts[0] != "demo"
    ]
    offenders = [str(path.relative_to(PROJECT_ROOT)) for path in runtime if _imports_demo(path)]
    assert offenders == []
    assert len(runtime) > 50 and (PROJECT_ROOT / "app.py") in runtime  # the check sees the app and its modules
    assert _imports_demo(PACKAGE / "cli.py")  # the check finds imports


MAX_MODULE_LINES = 600
# Modules still over the limit (issue 10): this list may only shrink. Split a module into a package of cohesive
# submodules, then delete its line here; the test fails when a listed module is already small enough.
OVERSIZED_MODULES: frozenset[str] = frozenset()


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_leo_dash_module_exceeds_the_line_limit() -> None:
    sizes = {path.relative_to(PROJECT_ROOT).as_posix(): _line_count(path) for path in PACKAGE.rglob("*.py")}
    too_long = sorted(
        name for name, lines in sizes.items() if lines > MAX_MODULE_LINES and name not in OVERSIZED_MODULES
    )
    assert too_long == [], f"over {MAX_MODULE_LINES} lines; split into a package of cohesive submodules: {too_long}"
    fixed = sorted(name for name in OVERSIZED_MODULES if sizes.get(name, 0) <= MAX_MODULE_LINES)
    assert fixed == [], f"no longer over {MAX_MODULE_LINES} lines (or gone): remove from OVERSIZED_MODULES: {fixed}"


# One cache policy: an in-process cache of anything read from a file is keyed on the file's version (its mtime,
# and size where a rewrite could keep the mtime), so a new release or a re-prepared table is a new key and nothing
# stale is served; everything else is keyed on immutable contents (tuples of values). Streamlit's caches live in
# leo_dash/ui only (the catalogue with a short TTL; prepared tables by id and file list).
FILE_KEYED_EXEMPT = {
    "_resolved": "maps a path to its resolved form; reads no file contents",
    "ons_names": "reads the ONS code lists shipped inside the package (they change only with the code)",
    "la_regions": "reads the ONS code lists shipped inside the package (they change only with the code)",
    "old_la_names": "reads the ONS code lists shipped inside the package (they change only with the code)",
}


def _cached_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                "lru_cache" in ast.unparse(d) or ast.unparse(d).startswith("functools.cache")
                for d in node.decorator_list
            ):
                found.append((str(path.relative_to(PROJECT_ROOT)), node))
    return found


def test_every_cache_of_a_file_is_keyed_on_the_files_version() -> None:
    cached = _cached_functions()
    assert len(cached) > 10  # the check finds the caches
    unkeyed = []
    for where, node in cached:
        args = [a.arg for a in node.args.args]
        reads_file = any(a.annotation is not None and "Path" in ast.unparse(a.annotation) for a in node.args.args)
        reads_file = reads_file or any(name in ("files", "file", "meta_files") for name in args)
        keyed = any(name in ("mtime_ns", "meta_files") for name in args)
        if reads_file and not keyed and node.name not in FILE_KEYED_EXEMPT:
            unkeyed.append(f"{where}:{node.name}({', '.join(args)})")
        if not node.args.args and node.name not in FILE_KEYED_EXEMPT:
            unkeyed.append(f"{where}:{node.name}() caches a file read with no version in its key")
    assert unkeyed == []


MAX_FUNCTION_LINES = 80
# Functions over the limit, each with its reason. Declarations that read top to bottom are kept whole; the rest are
# still to be split (issue 10) and the list may only shrink: the test fails when a listed function is short enough.
LONG_FUNCTIONS: dict[str, str] = {
    "leo_dash/cli.py:build_parser": "one argparse declaration of every command, in the order --help prints them",
    "leo_dash/demo/catalogue.py:catalogue_entries": "the demo tables' catalogue entries declared as data",
    "leo_dash/present/accessibility.py:statement_sections": "the accessibility statement's text, section by section",
    "leo_dash/analyses/impact/estimate.py:estimate_impact": (
        "its 16 keyword options, docstring and the result record are most of it; each step is a named function"
    ),
}


def _function_lengths() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for path in [*sorted(PACKAGE.rglob("*.py")), *sorted((PROJECT_ROOT / "pages").glob("*.py"))]:
        where = path.relative_to(PROJECT_ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{where}:{node.name}"
                lengths[name] = max(lengths.get(name, 0), node.end_lineno - node.lineno + 1)  # type: ignore[operator]
    return lengths


def test_no_function_exceeds_the_line_limit_without_a_reason() -> None:
    lengths = _function_lengths()
    assert len(lengths) > 500  # the check sees the package and the pages
    too_long = sorted(name for name, n in lengths.items() if n > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS)
    assert too_long == [], f"over {MAX_FUNCTION_LINES} lines; split into named steps or give a reason: {too_long}"
    fixed = sorted(name for name in LONG_FUNCTIONS if lengths.get(name, 0) <= MAX_FUNCTION_LINES)
    assert fixed == [], f"no longer over {MAX_FUNCTION_LINES} lines (or gone): remove from LONG_FUNCTIONS: {fixed}"


# Polars methods that run a Python function inside the query engine.
POLARS_CALLBACKS = {"map_elements", "map_batches", "map_groups", "map_rows", "rolling_map"}


def test_no_python_callback_runs_inside_a_polars_query() -> None:
    """A Python callback in a Polars query needs the GIL on a Polars worker thread; another session's thread can
    hold the GIL while it waits for those workers (Streamlit's `to_pandas` drawing a table), and that deadlock hung
    a whole server with six sessions opening at once. Python work on values happens outside queries
    (`views.python_column`, `sdc.with_rounded`)."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} .{node.attr}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in POLARS_CALLBACKS
    ]
    assert offenders == []

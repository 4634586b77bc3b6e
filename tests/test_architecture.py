"""The shape of the code: no import cycles, and dependencies one way between the apps.

Imports inside functions count as much as those at the top: a cycle held together by
an import inside a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("roster", "assets", "allocation", "triage")
# roster (people, places, rules, rosters) ← assets ← allocation ← triage
LAYER = {app: i for i, app in enumerate(APPS)}


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # "from package import module" depends on the module, not the package.
                subs = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
                targets = subs or [base]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle_when_there_is_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_run_one_way_from_triage_to_allocation_to_assets_to_roster() -> None:
    upward = [
        (module, dep)
        for module, deps in _graph().items()
        for dep in deps
        if LAYER[dep.partition(".")[0]] > LAYER[module.partition(".")[0]]
    ]
    # The one exception: the demo loader fills every app's demo data.
    assert [(m, d) for m, d in upward if not m.startswith("roster.management.commands.seed_demo")] == []


def test_the_rulebook_and_the_solvers_import_nothing_of_django() -> None:
    plain = ["roster/rulebook.py", "roster/rules.py", *map(str, (ROOT / "roster" / "solver").glob("*.py"))]
    for path in plain:
        text = Path(ROOT / path).read_text()
        assert "import django" not in text and "from django" not in text, path

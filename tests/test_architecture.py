"""The layers point one way (web -> engine -> data), the engine's packages import only the ones
below them, no import cycle hides anywhere in the engine, and the migrations build exactly the
tables the models describe."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.config import PROJECT_ROOT
from engine.data.models import Base

ENGINE = PROJECT_ROOT / "engine"
FORBIDDEN = {"flask", "flask_babel", "flask_wtf", "werkzeug", "web", "cli"}
# lowest first: a module may import its own layer and the layers before it (engine/__init__.py)
LAYERS = [
    {"engine.config", "engine.clock", "engine.errors", "engine.statuses", "engine.forms"},
    {"engine.data"},
    {"engine.workflow"},
    {"engine.people"},
    {"engine.sla"},
    {"engine.dossiers"},
    {"engine.integration"},
    {"engine.runtime"},
    {"engine.design", "engine.background", "engine.figures", "engine.replay"},
    {"engine.demo"},
]


def module_name(path: Path, root: Path = PROJECT_ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = PROJECT_ROOT) -> list[tuple[str, int, bool]]:
    """(module imported, line, inside a function) for every import in the file, at any depth;
    `from package import name` counts as importing package.name when that is a module."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: resolve against the file's package
                    base = ".".join(package[: len(package) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    candidate = f"{base}.{alias.name}"
                    is_module = (root / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                        root / candidate.replace(".", "/") / "__init__.py"
                    ).exists()
                    found.append((candidate if is_module else base, child.lineno, inside))
            visit(child, inside)

    visit(tree, False)
    return found


def engine_graph(root: Path = PROJECT_ROOT, package: str = "engine") -> dict[str, set[str]]:
    """Module -> the modules of the same package tree it imports."""
    graph = {}
    for path in sorted((root / package).rglob("*.py")):
        graph[module_name(path, root)] = {
            name for name, _line, _inside in imports_of(path, root) if name == package or name.startswith(package + ".")
        }
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (or a module importing itself)."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def layer_of(module: str) -> int | None:
    for number, members in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members):
            return number
    return None


ENGINE_FILES = sorted(ENGINE.rglob("*.py"))


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: module_name(p))
def test_the_engine_never_imports_flask_or_the_web_app(path):
    assert not {name.split(".")[0] for name, _line, _inside in imports_of(path)} & FORBIDDEN


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "web").rglob("*.py")), ids=lambda p: module_name(p))
def test_the_web_reads_through_engine_services_not_its_tables(path):
    assert not [name for name, _line, _inside in imports_of(path) if name.startswith("engine.data")]


def test_no_python_module_names_a_diagrams_user_task():
    """Pages and services find the tasks they treat specially by purpose (procedure metadata); a
    migration may name them, as they were when it was written."""
    task_ids = set()
    for diagram in (PROJECT_ROOT / "bpmn").rglob("*.bpmn"):
        task_ids |= set(re.findall(r'<bpmn:userTask id="([^"]+)"', diagram.read_text("utf-8")))
    assert "reception_check" in task_ids
    named = []
    for folder in ("engine", "web", "cli"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Constant) and node.value in task_ids:
                    named.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.value}")
    assert named == []


def test_the_engine_has_no_import_cycle():
    graph = engine_graph()
    assert "engine.data.store" in graph["engine.dossiers.service"]  # the graph sees real imports
    assert find_cycles(graph) == []


def test_each_engine_package_imports_only_the_layers_below_it():
    wrong = []
    for module, targets in engine_graph().items():
        if module == "engine":
            continue
        own = layer_of(module)
        assert own is not None, f"{module} belongs to no layer: add it to LAYERS and engine/__init__.py"
        wrong += [f"{module} -> {target}" for target in targets if target != "engine" and layer_of(target) > own]
    assert wrong == []


def test_no_import_hides_inside_a_function_without_saying_why():
    hidden = []
    for path in ENGINE_FILES:
        lines = path.read_text().splitlines()
        hidden += [
            f"{path.relative_to(PROJECT_ROOT)}:{line}"
            for _name, line, inside in imports_of(path)
            if inside and "#" not in lines[line - 1]
        ]
    assert hidden == []


def test_the_checks_catch_what_they_look_for(tmp_path):
    """A cycle, a Flask import and an import dodged inside a function, planted in a scratch copy
    of a package, are all found (so the tests above cannot pass by seeing nothing)."""
    package = tmp_path / "engine"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "__init__.py").write_text("")
    (package / "data" / "db.py").write_text("from engine.data import store\nimport flask\n")
    (package / "data" / "store.py").write_text("def f():\n    from engine.data.db import Database\n")
    graph = engine_graph(tmp_path)
    assert find_cycles(graph) == [["engine.data.db", "engine.data.store"]]
    assert ("flask", 2, False) in imports_of(package / "data" / "db.py", tmp_path)
    assert ("engine.data.db", 2, True) in imports_of(package / "data" / "store.py", tmp_path)


def test_the_migrations_build_the_tables_the_models_describe(runtime):
    with runtime.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # SQLite reports nothing about server defaults or enum lengths that PostgreSQL would; either way
    # a missing table, column or index is a difference
    assert differences == []

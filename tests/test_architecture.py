"""The layers point one way (web -> engine -> data), and the migrations build exactly the tables
the models describe."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.config import PROJECT_ROOT
from engine.models import Base


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "engine").rglob("*.py")), ids=lambda p: p.name)
def test_the_engine_never_imports_flask_or_the_web_app(path):
    assert not _imports(path) & {"flask", "flask_babel", "flask_wtf", "werkzeug", "web", "cli"}


def test_the_migrations_build_the_tables_the_models_describe(runtime):
    with runtime.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # SQLite reports nothing about server defaults or enum lengths that PostgreSQL would; either way
    # a missing table, column or index is a difference
    assert differences == []

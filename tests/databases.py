"""How each test gets its own database quickly.

Every test that takes the `runtime` fixture starts on a database holding the catalogue deployed at
the test clock's START by the default office. Deploying the 27 procedures costs about a second, and
emptying a PostgreSQL database with TRUNCATE another: over the suite's two thousand such tests that
was most of its time. So the deployment is made once (per SQLite template, per PostgreSQL worker
database) and copied in: a file copy for SQLite; rows copied back from a snapshot schema of the
worker's own database for PostgreSQL, which is emptied with DELETE (cheap on the few rows a test
leaves; TRUNCATE for the append-only histories, whose triggers refuse a DELETE) and its sequences
restarted, as TRUNCATE ... RESTART IDENTITY did. The copy holds exactly
the rows the deployment writes, so a test sees the same database either way.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from engine.data.models import Base

# what `Runtime.deploy` writes into a new database: the catalogue, the roles and the office's unit
DEPLOYED_TABLES = ("roles", "units", "procedures", "procedure_versions", "task_purposes", "deployments")
SNAPSHOT_SCHEMA = "deployed_catalogue"
_TABLES = [t.name for t in Base.metadata.sorted_tables]  # parents before children


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def sqlite_is_empty(path: Path) -> bool:
    # closed before the file is replaced: SQLite shares a file's locks and WAL index among a process's
    # connections, and one left open would tie the test's later connections to the old file's index,
    # where another process (a served app) would not see their writes
    with closing(sqlite3.connect(path)) as conn:
        return not any(conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in _TABLES)


def copy_sqlite(template: Path, path: Path) -> None:
    """The template in place of the (unopened) database file."""
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copy(template, path)


class PostgresDatabase:
    """A worker's own PostgreSQL database: emptied before each test, the deployment copied back in."""

    def __init__(self, url: str):
        self.engine: Engine = create_engine(url)
        with self.engine.connect() as conn:
            # every sequence of the schema, with the table and column it numbers
            self._sequences = conn.execute(
                text(
                    "SELECT s.relname, t.relname, a.attname FROM pg_class s "
                    "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
                    "JOIN pg_class t ON t.oid = d.refobjid "
                    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
                    "JOIN pg_namespace n ON n.oid = s.relnamespace "
                    "WHERE s.relkind = 'S' AND n.nspname = 'public'"
                )
            ).all()
            # tables whose triggers refuse a DELETE (the append-only histories): TRUNCATE skips them
            self._append_only = {
                name
                for (name,) in conn.exec_driver_sql(
                    "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
                )
            }
        self.has_snapshot = False

    def empty(self) -> None:
        """Every table emptied, children first, and every sequence started again."""
        kept = [name for name in reversed(_TABLES) if name not in self._append_only]
        statements = [f"TRUNCATE {', '.join(sorted(self._append_only))}"] if self._append_only else []
        statements += [f'DELETE FROM "{name}"' for name in kept]
        statements += [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence, _, _ in self._sequences]
        with self.engine.begin() as conn:
            conn.exec_driver_sql(";\n".join(statements))

    def is_empty(self) -> bool:
        union = " UNION ALL ".join(f'(SELECT 1 FROM "{name}" LIMIT 1)' for name in _TABLES)
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(union).first() is None

    def take_snapshot(self) -> None:
        """Keep the deployed rows, to be copied back by `restore_snapshot`."""
        statements = [f'DROP SCHEMA IF EXISTS "{SNAPSHOT_SCHEMA}" CASCADE', f'CREATE SCHEMA "{SNAPSHOT_SCHEMA}"']
        statements += [f'CREATE TABLE "{SNAPSHOT_SCHEMA}"."{n}" AS TABLE "{n}"' for n in DEPLOYED_TABLES]
        with self.engine.begin() as conn:
            conn.exec_driver_sql(";\n".join(statements))
        self.has_snapshot = True

    def restore_snapshot(self) -> None:
        """The deployed rows into the emptied tables, parents first, and their sequences where the
        deployment left them (the next row numbered after the last one copied)."""
        order = [n for n in _TABLES if n in DEPLOYED_TABLES]
        statements = [f'INSERT INTO "{n}" SELECT * FROM "{SNAPSHOT_SCHEMA}"."{n}"' for n in order]
        statements += [
            f'SELECT setval(\'"{sequence}"\', coalesce(max("{column}"), 1), max("{column}") IS NOT NULL) FROM "{table}"'
            for sequence, table, column in self._sequences
            if table in DEPLOYED_TABLES
        ]
        with self.engine.begin() as conn:
            conn.exec_driver_sql(";\n".join(statements))

    def dispose(self) -> None:
        self.engine.dispose()

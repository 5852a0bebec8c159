"""Schema migrations (Alembic), run from code so `motcua db upgrade` needs no alembic.ini."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from engine.data.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# the advisory lock `motcua db upgrade` holds on PostgreSQL: "motcua-u" in ASCII
UPGRADE_LOCK = int.from_bytes(b"motcua-u", "big")


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    with db.engine.begin() as connection:
        upgrade_connection(connection, revision)


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Migrate the database of `connection` inside the caller's transaction (PostgreSQL's schema
    changes are transactional: a rollback undoes them with the rest)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def make_revision(db: Database, message: str) -> None:
    """Developers: write a new migration from the difference between models and database."""
    with db.engine.begin() as connection:
        config = alembic_config(db)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def scripts() -> ScriptDirectory:
    """The migrations this Motcua knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def revision_of(connection: Connection) -> str | None:
    """The schema version a database is at (None: no Motcua tables yet)."""
    return MigrationContext.configure(connection).get_current_revision()


@cache
def _known() -> tuple[str, frozenset[str]]:
    """The newest migration this code ships and every one it knows (read from disk once per process)."""
    directory = scripts()
    return directory.get_current_head(), frozenset(script.revision for script in directory.walk_revisions())


@dataclass(frozen=True)
class Schema:
    """Where a database's schema stands against the migrations this code knows: what readiness,
    `motcua db copy` and restore each refuse or report."""

    revision: str | None  # None: no Motcua tables yet
    head: str  # the newest migration this code knows

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    @property
    def newer(self) -> bool:
        """At a migration this code does not know: made by a newer Motcua."""
        return self.revision is not None and self.revision not in _known()[1]


def schema_at(revision: str | None) -> Schema:
    """`revision` (read from a database or a backup) against this code's migrations."""
    return Schema(revision, _known()[0])


def schema_of(connection: Connection) -> Schema:
    """The schema of the database of `connection` against this code's migrations."""
    return schema_at(revision_of(connection))


@contextmanager
def one_upgrade_at_a_time(db: Database) -> Iterator[None]:
    """On PostgreSQL, wait for any other `motcua db upgrade` to finish before this one runs (several
    machines starting production mode at once: the first migrates and deploys, the others then
    find nothing to do). On SQLite, BEGIN IMMEDIATE already queues writers."""
    if db.is_sqlite:
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
        connection.commit()  # the lock is the session's, not the transaction's: nothing held open but it
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
            connection.commit()

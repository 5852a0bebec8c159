"""Schema migrations (Alembic), run from code so `motcua db upgrade` needs no alembic.ini."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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

"""Schema migrations (Alembic), run from code so `motcua db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from engine.data.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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

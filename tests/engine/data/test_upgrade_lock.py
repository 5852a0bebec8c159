"""`motcua db upgrade` on several machines at once (each starting production mode): on PostgreSQL an
upgrade holds a lock the others wait for, and lets go of it when it ends, even by an error."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from engine.data.db import Database
from engine.data.migrate import UPGRADE_LOCK, one_upgrade_at_a_time


def another_upgrade_could_start(url: str) -> bool:
    """Ask from a connection of another session, as another machine's upgrade would."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": UPGRADE_LOCK}).scalar_one()
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": UPGRADE_LOCK})
            return taken
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_one_upgrade_at_a_time_on_postgresql(database_url):
    db = Database(database_url)
    try:
        assert another_upgrade_could_start(database_url)
        with one_upgrade_at_a_time(db):
            assert not another_upgrade_could_start(database_url)
        assert another_upgrade_could_start(database_url)
        with pytest.raises(RuntimeError), one_upgrade_at_a_time(db):
            raise RuntimeError("a migration failed")
        assert another_upgrade_could_start(database_url)
    finally:
        db.dispose()

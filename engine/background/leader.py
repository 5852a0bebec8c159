"""The election of the one scheduler that leads, among the scheduler processes of a production
deployment (one per machine, `motcua scheduler`): a PostgreSQL advisory lock held on a connection
of its own.

`pg_try_advisory_lock` is session-level: the lock stays while that connection lives and frees itself
when it closes, however the leader ends (stopped, killed with SIGKILL, its machine gone: PostgreSQL
ends the session when TCP keepalives or the next write notices). Candidates that did not get it try
again at each poll and the first to ask after the leader's end takes over. No table, no expiry to
tune, and a leader that is only slow keeps leading.

A leader checks at each pass that its connection still answers; if not (the database restarted, the
network dropped) it steps down and runs for leadership again like the others. Between the moment
PostgreSQL frees the lock and the moment the old leader notices, two schedulers may run a pass at
once: harmless, every job is safe in several processes (see scheduler.py); the election is there to
keep the work in one place, not to make it safe.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("motcua.leader")

# the advisory lock's key, one 64-bit number for the whole database: "motcua-s" in ASCII
SCHEDULER_LOCK = int.from_bytes(b"motcua-s", "big")


# libpq's options: a few seconds to connect, and keepalives so a leader whose database vanished finds out
# within a minute (its next check would otherwise hang on the dead connection)
KEEPALIVE = {"connect_timeout": 5, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


class Election:
    """One candidate's part in the election, on a connection of its own (never one of the pool's:
    a pooled connection handed back would carry the lock to whoever borrows it next)."""

    def __init__(self, database_url: str, key: int = SCHEDULER_LOCK):
        url = make_url(database_url)
        if url.get_backend_name() != "postgresql":
            raise ValueError("the scheduler election needs PostgreSQL; on SQLite there is one process anyway")
        self._engine: Engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args=KEEPALIVE,
        )
        self._key = key
        self._connection: Connection | None = None

    @property
    def leading(self) -> bool:
        """Whether this candidate held the lock at its last check (`lead()`)."""
        return self._connection is not None

    def lead(self) -> bool:
        """Whether this candidate leads now: checks that a held lock's connection still answers,
        otherwise tries to take the lock. Never raises for a database that does not answer: that
        is "not leading", and the next call tries again."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception as error:  # the session is gone, and the lock with it
                log.warning("lost the scheduler's lock: %s", error)
                self._drop()
        try:
            connection = self._engine.connect()
        except Exception as error:
            log.warning("cannot reach the database to run for scheduler: %s", error)
            return False
        try:
            won = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar_one()
        except Exception as error:
            log.warning("cannot run for scheduler: %s", error)
            connection.close()
            return False
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def resign(self) -> None:
        """Give the lock up (closing its connection frees it), so another candidate takes over now."""
        self._drop()

    def close(self) -> None:
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # already broken: closing it was the point
                self._connection.close()
            self._connection = None

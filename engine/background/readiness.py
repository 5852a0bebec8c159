"""Whether this process can serve: what a load balancer's readiness probe asks (`/readyz`).

Ready means the database answers, its schema is at the newest migration this code knows (a process
of a newer release must not serve on an old schema, nor an old one on a newer schema), and the Celery
broker answers when one is configured (without it the outbox waits). Each check says "ok" or, in a
few words, what is wrong; a check that fails never raises.

A database that does not answer (a host that drops packets, a server stopped mid-connection) makes
the probe answer "unreachable" within DATABASE_TIMEOUT_SECONDS: the balancer's probe would time out
first otherwise, and each waiting probe would hold one of the server's threads.
"""

from __future__ import annotations

import threading
from functools import cache
from queue import Empty, SimpleQueue

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from engine.config import Settings
from engine.data.db import Database
from engine.data.migrate import Schema, schema_of

BROKER_TIMEOUT_SECONDS = 2.0
DATABASE_TIMEOUT_SECONDS = 2.0
NOT_CONFIGURED = "not configured"


@cache
def _probe_engine(url: URL) -> Engine:
    """PostgreSQL: connections of the probe's own, outside the pool the requests share (a pool that
    is all checked out must not make the probe wait), each bounded by libpq's connect timeout and a
    statement timeout."""
    milliseconds = int(DATABASE_TIMEOUT_SECONDS * 1000)
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": max(int(DATABASE_TIMEOUT_SECONDS), 1),
            "options": f"-c statement_timeout={milliseconds}",
        },
    )


def _read_schema(engine: Engine) -> Schema:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        return schema_of(connection)


def _within_timeout(engine: Engine) -> Schema | Exception | None:
    """The schema read in a thread of its own, given up on after DATABASE_TIMEOUT_SECONDS and a
    little (None); the connect and statement timeouts end the thread soon after."""
    answers: SimpleQueue = SimpleQueue()

    def read() -> None:
        try:
            answers.put(_read_schema(engine))
        except Exception as error:
            answers.put(error)

    threading.Thread(target=read, name="readiness-database", daemon=True).start()
    try:
        return answers.get(timeout=DATABASE_TIMEOUT_SECONDS + 0.5)
    except Empty:
        return None


def check_database(db: Database) -> dict[str, str]:
    """The database's and the schema's checks (SQLite, a local file, is read in place)."""
    if db.is_sqlite:
        try:
            found: Schema | Exception | None = _read_schema(db.engine)
        except Exception as error:
            found = error
    else:
        found = _within_timeout(_probe_engine(db.url))
    if found is None:
        return {"database": "unreachable: no answer in time", "migrations": "unknown"}
    if isinstance(found, Exception):
        return {"database": f"unreachable: {type(found).__name__}", "migrations": "unknown"}
    if found.revision is None:
        migrations = "no schema: run `motcua db upgrade`"
    elif found.at_head:
        migrations = "ok"
    else:
        migrations = f"at {found.revision}, not at the newest: run `motcua db upgrade`"
    return {"database": "ok", "migrations": migrations}


def check_broker(broker_url: str) -> str:
    """Whether the Celery broker takes a connection; NOT_CONFIGURED without one (not a failure)."""
    if not broker_url:
        return NOT_CONFIGURED
    from kombu import Connection  # Celery's own transport: whatever broker Celery is given, checked alike

    try:
        with Connection(broker_url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def readiness(settings: Settings, db: Database) -> tuple[bool, dict[str, str]]:
    """(ready, every check's answer)."""
    checks = {**check_database(db), "broker": check_broker(settings.celery_broker)}
    return all(answer in ("ok", NOT_CONFIGURED) for answer in checks.values()), checks

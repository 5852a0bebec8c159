"""Whether this process can serve: what a load balancer's readiness probe asks (`/readyz`).

Ready means the database answers, its schema is at the newest migration this code knows (a process
of a newer release must not serve on an old schema, nor an old one on a newer schema), and the Celery
broker answers when one is configured (without it the outbox waits). Each check says "ok" or, in a
few words, what is wrong; a check that fails never raises.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import text

from engine.config import Settings
from engine.data.db import Database
from engine.data.migrate import revision_of, scripts

BROKER_TIMEOUT_SECONDS = 2.0
NOT_CONFIGURED = "not configured"


@cache
def newest_migrations() -> frozenset[str]:
    """The head(s) of the migrations shipped with this code (read from disk once per process)."""
    return frozenset(scripts().get_heads())


def check_database(db: Database) -> dict[str, str]:
    """The database's and the schema's checks."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = revision_of(connection)
    except Exception as error:
        return {"database": f"unreachable: {type(error).__name__}", "migrations": "unknown"}
    if revision is None:
        migrations = "no schema: run `motcua db upgrade`"
    elif revision in newest_migrations():
        migrations = "ok"
    else:
        migrations = f"at {revision}, not at the newest: run `motcua db upgrade`"
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

"""The outbox worker under Celery, for deployments that run one (MOTCUA_CELERY_BROKER set):
`celery -A engine.celery_app worker -B` delivers what is due every few seconds. Without a broker,
`motcua serve` (or `motcua outbox run`) runs the same passes in-process."""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from engine.clock import SystemClock
from engine.config import Settings
from engine.data.db import Database
from engine.integration.outbox import OutboxWorker

EVERY_SECONDS = 3.0

settings = Settings.from_env()
app = Celery("motcua", broker=settings.celery_broker or "redis://127.0.0.1:6379/0")
app.conf.update(
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "deliver-due": {
            "task": "motcua.deliver_due",
            "schedule": EVERY_SECONDS,
            # a pass queued while no worker ran is worthless by the time one starts: the next one comes anyway
            "options": {"expires": EVERY_SECONDS},
        }
    },
)


@lru_cache(maxsize=1)
def _worker() -> OutboxWorker:
    """One per worker process (the database's connection pool is made after the fork)."""
    return OutboxWorker(Database(settings.database_url), SystemClock(), settings)


@app.task(name="motcua.deliver_due")
def deliver_due(batch: int = 100) -> dict[str, int]:
    """One pass of the outbox worker."""
    return _worker().run_once(batch)

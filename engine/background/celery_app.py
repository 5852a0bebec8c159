"""The scheduler under Celery, for deployments that run one (MOTCUA_CELERY_BROKER set):
`celery -A engine.background.celery_app worker -B` has its beat ask for an outbox pass every few
seconds (`motcua.deliver_due`) and for a pass of the other jobs, timers, late dossiers and renewal
reminders, every second (`motcua.run_jobs`, the scheduler's POLL_INTERVAL); the workers run them
with the same `Scheduler` that `motcua serve` runs in-process without a broker.

Production mode (`motcua production`) runs the workers without a beat: a beat in every machine's
worker would ask for each pass once per machine. There the elected scheduler (leader.py) runs the
timers itself and asks for the outbox passes (`queue_outbox_passes`), so each is asked for once
however many machines run workers."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from functools import lru_cache

from celery import Celery

from engine.background.scheduler import POLL_INTERVAL, Scheduler
from engine.config import Settings
from engine.runtime import Runtime

log = logging.getLogger("motcua.celery")

EVERY_SECONDS = 3.0  # outbox passes
JOBS_EVERY_SECONDS = POLL_INTERVAL  # timers, late dossiers, reminders (those at most once an hour)

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
        },
        "run-jobs": {
            "task": "motcua.run_jobs",
            "schedule": JOBS_EVERY_SECONDS,
            "options": {"expires": JOBS_EVERY_SECONDS},  # as above
        },
    },
)


@lru_cache(maxsize=1)
def _scheduler() -> Scheduler:
    """One per worker process (the database's connection pool is made after the fork); it delivers
    the outbox although a broker is configured: here is where that broker's passes run."""
    return Scheduler(Runtime.create(settings), outbox=True)


@app.task(name="motcua.deliver_due")
def deliver_due(batch: int = 100) -> dict[str, int]:
    """One pass of the outbox worker."""
    return _scheduler().deliver_outbox(batch)


@app.task(name="motcua.run_jobs")
def run_jobs() -> dict:
    """One pass of the scheduler's other jobs: due timers, late dossiers, renewal reminders."""
    return dataclasses.asdict(_scheduler().run_jobs())


def queue_outbox_passes(stop: threading.Event, leading: Callable[[], bool], every: float = EVERY_SECONDS) -> None:
    """Production mode's beat, in the scheduler process: every `every` seconds until `stop` is set,
    ask the workers for an outbox pass while `leading()` says this process leads. A broker that
    does not answer is logged and asked again next time."""
    while not stop.wait(every):
        if not leading():
            continue
        try:
            deliver_due.apply_async(expires=every)  # as the beat's: a pass nobody took in time is worthless
        except Exception as error:
            log.warning("could not ask the Celery workers for an outbox pass: %s", error)

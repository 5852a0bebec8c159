"""The scheduler under Celery: a real `celery worker` process (with its beat) on Redis delivers what
is queued, when asked (deliver_due.delay()) and every few seconds by itself, and fires due timers
every half minute. Skipped when Redis does not answer, except in CI (CI=true) where that is a
failure."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import update

from engine.background.celery_app import EVERY_SECONDS, JOBS_EVERY_SECONDS, app, deliver_due
from engine.data.models import OutboxMessage
from engine.statuses import DossierStatus
from tests.engine.integration.test_outbox import add, rows, serve_simulators, start
from tests.helpers import do_task

PROJECT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).parent / "celery"
BROKER = os.environ.get("MOTCUA_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/5")


@pytest.fixture
def broker():
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {BROKER}: {err}")
        pytest.skip(f"Redis does not answer at {BROKER}: {err}")
    previous = app.conf.broker_url
    app.conf.broker_url = BROKER
    yield BROKER
    app.conf.broker_url = previous


def due_now(runtime) -> None:
    """The worker process runs on the real clock; the test's messages were queued on the test's."""
    with runtime.db.write() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


def pending(runtime) -> bool:
    return any(m.status != "sent" for m in rows(runtime))


def wait_for(condition, seconds: float, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # as deployed with Celery
def test_a_celery_worker_delivers_the_outbox_and_fires_due_timers(broker, runtime, office, tmp_path):
    # asked for papers on the test's clock (2 March 2026): by the worker's, the 30 days have long passed
    waiting = start(runtime)
    do_task(runtime, office, waiting, "reception_check", decision="supplement", missing_documents="TK1-TS")
    with serve_simulators() as base:
        env = {
            **os.environ,
            "MOTCUA_CELERY_BROKER": broker,
            "MOTCUA_DATABASE_URL": runtime.settings.database_url,
            "MOTCUA_PORTAL_URL": f"{base}/portal",
            "MOTCUA_NOTIFY_URL": f"{base}/notify",
            "MOTCUA_POST_URL": f"{base}/post",
            "MOTCUA_BANK_URL": f"{base}/bank",
        }
        log = tmp_path / "celery.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "engine.background.celery_app",
                    "worker",
                    "-B",
                    "--pool",
                    "solo",
                    "--concurrency",
                    "1",
                    "--purge",
                    "--loglevel",
                    "INFO",
                    "-s",
                    str(tmp_path / "beat-schedule"),
                    "-n",
                    f"outbox-{os.getpid()}@%h",
                ],
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            code = start(runtime)  # portal.status 1 and notify.status 1
            wait_for(lambda: " ready." in log.read_text(), 30, worker, log)  # it purged the queue: ask now
            due_now(runtime)
            asked = deliver_due.delay()
            wait_for(lambda: not pending(runtime), 30, worker, log)
            assert f"Task motcua.deliver_due[{asked.id}] received" in log.read_text()

            add(runtime, code, "portal.status", dossier_code=code, status=2, at=runtime.clock.now().isoformat())
            due_now(runtime)
            wait_for(lambda: not pending(runtime), 3 * EVERY_SECONDS + 5, worker, log)  # nobody asked: the beat did

            # the beat's other entry: the scheduler's timers, late dossiers and reminders
            wait_for(
                lambda: runtime.dossiers.get(waiting).status == DossierStatus.STOPPED,
                2 * JOBS_EVERY_SECONDS + 10,
                worker,
                log,
            )
            assert "Task motcua.run_jobs[" in log.read_text()
        finally:
            worker.terminate()
            worker.wait(15)
        statuses = httpx.get(f"{base}/portal/dossiers/{code}").json()["statuses"]
        assert [s["status"] for s in statuses] == [1, 2]
    assert [e.kind for e in runtime.dossiers.history(waiting)].count("timer_fired") == 1

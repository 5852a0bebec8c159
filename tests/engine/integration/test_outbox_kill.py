"""Workers killed at any moment lose nothing and do nothing twice: 500 messages, two `motcua outbox
run` processes at a time, each SIGKILLed a fraction of a second into its work and started again,
with a short lease so that what a killed worker held is taken over soon. At the end every message
is sent, every effect happened once per key, and each dossier's statuses reached the portal in order."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from engine.data.journal import queue
from engine.data.models import Dossier, OutboxMessage
from tests.engine.integration.test_outbox import serve_simulators, start

PROJECT = Path(__file__).resolve().parents[3]
MOTCUA = Path(sys.executable).parent / "motcua"
DOSSIERS = 100
LATER_STATUSES = (2, 4, 9)  # after 1 (submitted), which starting the dossier queued with its notice
MESSAGES = DOSSIERS * (2 + len(LATER_STATUSES))
KILLS = 8  # a worker starts in 1-2.5 s, then lives 0.3-0.8 s: about 12 s of killing
FINISH_SECONDS = 90


class Worker:
    """One `motcua outbox run` process, its output in a file."""

    def __init__(self, env: dict, folder: Path, number: int):
        self.output = folder / f"worker-{number}.log"
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [str(MOTCUA), "outbox", "run", "--interval", "0.05", "--batch", "20"],
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.kill_at: float | None = None

    def running(self) -> bool:
        return b"outbox worker running" in self.output.read_bytes()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def pending(runtime) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent"))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_killed_workers_lose_nothing_and_do_nothing_twice(runtime, tmp_path):
    codes = [start(runtime) for _ in range(DOSSIERS)]  # each queues portal.status 1 and notify.status 1
    now = runtime.clock.now()
    with runtime.db.write() as session:
        ids = dict(session.execute(select(Dossier.code, Dossier.id)).all())
        for status in LATER_STATUSES:
            for code in codes:
                queue(session, ids[code], "portal.status", now, dossier_code=code, status=status, at=now.isoformat())
    with runtime.db.write() as session:  # due now on the workers' own (real) clock
        session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert pending(runtime) == MESSAGES

    with serve_simulators() as base:
        sim = httpx.Client(base_url=base)
        # an answer comes 10 ms after the effect: a kill in between leaves a delivered message unmarked
        for service in ("portal", "notify"):
            sim.post("/_control", json={"service": service, "mode": "delay", "seconds": 0.01}).raise_for_status()
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "MOTCUA_DATABASE_URL": runtime.settings.database_url,
            "MOTCUA_CELERY_BROKER": "",
            "MOTCUA_OUTBOX_LEASE_SECONDS": "1.5",
            "MOTCUA_PORTAL_URL": f"{base}/portal",
            "MOTCUA_NOTIFY_URL": f"{base}/notify",
            "MOTCUA_POST_URL": f"{base}/post",
            "MOTCUA_BANK_URL": f"{base}/bank",
        }
        started = time.monotonic()
        spawned = 2
        workers = [Worker(env, tmp_path, n) for n in range(spawned)]
        kills = 0
        try:
            while kills < KILLS and pending(runtime) and time.monotonic() - started < FINISH_SECONDS / 2:
                for slot, worker in enumerate(workers):
                    if worker.kill_at is None and worker.running():
                        worker.kill_at = time.monotonic() + random.uniform(0.3, 0.8)
                    if worker.kill_at is not None and time.monotonic() >= worker.kill_at:
                        worker.kill()
                        kills += 1
                        workers[slot] = Worker(env, tmp_path, spawned)
                        spawned += 1
                time.sleep(0.02)
            left_after_killing = pending(runtime)
            for worker in workers[1:]:
                worker.kill()
            finisher = workers[0]
            while pending(runtime) and time.monotonic() - started < FINISH_SECONDS:
                time.sleep(0.2)
        finally:
            for worker in workers:
                if worker.process.poll() is None:
                    worker.kill()
        elapsed = time.monotonic() - started
        print(
            f"{kills} kills, {left_after_killing} message(s) left when the killing stopped, all sent after "
            f"{elapsed:.1f} s; {sum(e['duplicate'] for e in sim.get('/_log').json())} repeated deliveries"
        )
        assert pending(runtime) == 0, finisher.output.read_text()[-2000:]
        assert kills == KILLS

        with runtime.db.read() as session:
            messages = session.execute(select(OutboxMessage.kind, OutboxMessage.idempotency_key)).all()
        keys = {kind: {key for k, key in messages if k == kind} for kind in ("portal.status", "notify.status")}
        assert sim.get("/_effects", params={"service": "portal"}).json() == dict.fromkeys(keys["portal.status"], 1)
        notices = sim.get("/_effects", params={"service": "notify"}).json()
        assert notices == {f"{k}:sms": 1 for k in keys["notify.status"]}
        for code in codes:
            statuses = [s["status"] for s in sim.get(f"/portal/dossiers/{code}").json()["statuses"]]
            assert statuses == [1, *LATER_STATUSES], code
        sim.close()
